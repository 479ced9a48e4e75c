"""An index updated incrementally answers like one built from nothing, in a real browser.

A site of the articles of tests/test_search_browser.py minus three is built and indexed; then
the three are added, one article is edited, the site is rebuilt and indexed again with the
cache of copies (``.cds/search/``: only the changed pages are parsed). The same articles are
built and indexed from nothing in another folder with another cache. Both sites are served on
loopback and searched in headless Chromium: every query (with and without diacritics, đ → d,
a filter, sorted by date) gives the same result URLs in the same order.
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
    {"nguon": "Báo Thái Bình"}, {"q": "hoa giai", "nam": "2024"},
]


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    inc = tmp_path_factory.mktemp("incremental")
    first = search.run_index(make_site(inc, ARTICLES[:-3]))
    assert first.pages == len(ARTICLES) - 3
    shutil.rmtree(inc / "site_src")
    again = search.run_index(make_site(inc, FINAL))
    assert again.pages == len(ARTICLES) and again.parsed < again.pages, again
    full = tmp_path_factory.mktemp("full")
    whole = search.run_index(make_site(full, FINAL), cache_dir=full / "other-cache")
    assert whole.parsed == whole.pages == len(ARTICLES)
    with LocalServer(inc / "site") as a, LocalServer(full / "site") as b:
        yield a, b


def test_incremental_index_answers_like_a_full_reindex(sites):
    inc, full = sites
    with Browser() as browser:
        tab = browser.tab(1280, 900)
        for params in QUERIES:
            query = "?" + urlencode(params)
            got = search_page(tab, inc.url("/tim-kiem/") + query).hrefs
            want = search_page(tab, full.url("/tim-kiem/") + query).hrefs
            assert [h.split("/", 3)[-1] for h in got] == [h.split("/", 3)[-1] for h in want], params
            if params.get("q") in ("duong truyen cap quang", "chuyen doi so"):
                assert got, params
