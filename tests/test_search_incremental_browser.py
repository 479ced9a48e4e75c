"""An index updated incrementally answers like one built from nothing, in a real browser.

A site of the articles of tests/test_search_browser.py minus three is built and indexed (the
base bundle); then the three are added, one article is edited, the site is rebuilt and indexed
again: only the changed pages are parsed (the cache of copies, ``.cds/search/``) and indexed
(the recent bundle, merged by the search page, which leaves out the base's stale copy). The same articles are
built and indexed from nothing in another folder with another cache. Both sites are served on
loopback and searched in headless Chromium: every query (with and without diacritics, đ → d,
a filter, sorted by date) gives the same results, in the same order when sorted by date.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from urllib.parse import urlencode

import pytest

from pipeline.demo.localserver import LocalServer
from pipeline.site import search
from tests.browser import Browser, chromium_path
from tests.test_search_browser import ARTICLES, make_site, search_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium not installed"),
    pytest.mark.skipif(search.pagefind_binary() is None, reason="no pagefind binary"),
]

EDITED = replace(ARTICLES[4], body=ARTICLES[4].body + " Đường truyền cáp quang đến từng thôn.")
FINAL = [EDITED if a is ARTICLES[4] else a for a in ARTICLES]
QUERIES = [
    {"q": "chuyen doi so"}, {"q": "chuyển đổi số"}, {"q": "duong truyen cap quang"},
    {"q": "ngay chu nhat so"}, {"q": "ban tin ngan"}, {"q": "doi"},
    {"q": "so", "chude": "Nhận thức về chuyển đổi số"}, {"q": "so", "sap-xep": "moi"},
    {"q": "so", "sap-xep": "cu"}, {"nam": "2025", "sap-xep": "moi"},
    {"nguon": "Báo Thái Bình"}, {"q": "hoa giai", "nam": "2024"},
]


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    inc = tmp_path_factory.mktemp("incremental")
    first = search.run_index(make_site(inc, ARTICLES[:-3]))
    assert first.pages == len(ARTICLES) - 3
    shutil.rmtree(inc / "site_src")
    again = search.run_index(make_site(inc, FINAL, dirty=True))
    assert again.pages == len(ARTICLES) and again.parsed < again.pages, again
    # only the three new articles and the edited one went through Pagefind (the recent bundle);
    # the edited article's old copy in the base is left out by the search page
    assert (again.base, again.delta, again.stale) == (False, 4, 1), again
    assert (inc / "site" / search.RECENT_DIR / "pagefind.js").is_file()
    full = tmp_path_factory.mktemp("full")
    whole = search.run_index(make_site(full, FINAL), cache_dir=full / "other-cache")
    assert whole.parsed == whole.pages == len(ARTICLES)
    with LocalServer(inc / "site") as a, LocalServer(full / "site") as b:
        yield a, b


def all_results(tab, url: str) -> list[str]:
    """Every result of the search at ``url`` (pressing "Xem thêm kết quả" until it is gone),
    as paths."""
    page = search_page(tab, url)
    total = int(tab.js("Number(document.getElementById('cds-search').dataset.results || 0)"))
    while tab.js("document.querySelectorAll('#cds-results > li').length") < total:
        shown = tab.js("document.querySelectorAll('#cds-results > li').length")
        tab.js("document.getElementById('cds-more').click()")
        tab.wait(f"document.querySelectorAll('#cds-results > li').length > {shown}")
    hrefs = tab.js("[...document.querySelectorAll('#cds-results > li h2 a')].map((a) => a.href)")
    assert len(hrefs) == total, (page.status, url)
    return [h.split("/", 3)[-1] for h in hrefs]


def test_incremental_index_answers_like_a_full_reindex(sites):
    """The same results; in the same order when sorted by date. Relevance order (and the order of
    a filter without words, which is Pagefind's page order) may differ between new and old pages: the recent bundle's scores come from
    its own word statistics (Pagefind scores per index) until the next base rebuild. (Not
    compared: loose prefix matches, e.g. "hoa giai" also finding "hoạch … giai đoạn" in a bundle
    but not in the full index: Pagefind extends a word only to the longer words of the index
    chunk it loads, so they depend on chunk boundaries, which differ between any two indexes
    of different pages.)"""
    inc, full = sites
    with Browser() as browser:
        tab = browser.tab(1280, 900)
        for params in QUERIES:
            query = "?" + urlencode(params)
            got = all_results(tab, inc.url("/tim-kiem/") + query)
            want = all_results(tab, full.url("/tim-kiem/") + query)
            if "sap-xep" in params:
                assert got == want, params
            else:
                assert sorted(got) == sorted(want), params
            if params.get("q") in ("duong truyen cap quang", "chuyen doi so"):
                assert got, params
