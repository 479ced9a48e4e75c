"""The index split by period (year), in a real browser.

Two sites of the same articles (tests/test_search_browser.py's, years 2020–2025): one split by
year with ``scope_min=1`` (the page searches the newest year first) and updated incrementally
(three articles added, one edited: the recent bundle holds pages of 2020 and 2024), one indexed
as a single bundle from nothing (``split=False``). Checks: a query searches the newest year
only, loads only that year's bundle and offers "Tìm trong các năm trước"; a year filter loads
only its year's bundle; with every period (``?pham-vi=tat-ca``, or the button) the results are
those of the single index (the same order when sorted by date); no console errors.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlencode

import pytest

from pipeline.demo.localserver import LocalServer
from pipeline.site import search
from tests.browser import Browser, chromium_path
from tests.test_search_browser import ARTICLES, make_site, search_page
from tests.test_search_incremental_browser import FINAL, QUERIES, all_results

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium not installed"),
    pytest.mark.skipif(search.pagefind_binary() is None, reason="no pagefind binary"),
]


# a page with no year (as the register's documents): its own period, searched with every query
UNDATED = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>QĐ 749</title></head>
<body><div data-pagefind-body><h1>Quyết định 749/QĐ-TTg</h1><p>Phê duyệt Chương trình quốc gia
đến năm 2025, định hướng đến năm 2030.</p></div></body></html>"""
UNDATED_URL = "/van-ban/qd-749/"


def with_undated(site):
    page = site / UNDATED_URL.strip("/") / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(UNDATED, encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    split = tmp_path_factory.mktemp("split")
    first = search.run_index(with_undated(make_site(split, ARTICLES[:-3])), scope_min=1)
    assert first.base and sorted(search.period_bundles(split / "site")) == [
        "2020", "2021", "2022", "2023", "2024", "2025", search.UNDATED]
    shutil.rmtree(split / "site_src")
    again = search.run_index(make_site(split, FINAL, dirty=True), scope_min=1)
    assert (again.base, again.delta, again.stale) == (False, 4, 1), again
    one = tmp_path_factory.mktemp("one")
    whole = search.run_index(with_undated(make_site(one, FINAL)), split=False, cache_dir=one / "cache")
    assert list(search.period_bundles(one / "site")) == [search.ONE_PERIOD], whole
    with LocalServer(split / "site") as a, LocalServer(one / "site") as b:
        yield a, b


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


def bundles_fetched(server, before: int) -> set[str]:
    return {p.split("?")[0].split("/")[2] for _, p, _ in server.requests[before:]
            if p.startswith("/pagefind/") and p.count("/") > 2}


def test_a_query_searches_the_newest_year_first(sites, browser):
    split, _ = sites
    tab = browser.tab(1280, 900)
    before = len(split.requests)
    page = search_page(tab, split.url("/tim-kiem/") + "?q=chuyen+doi+so")
    assert page.state == "done" and page.hrefs
    assert all(h.startswith("/tin-tuc/2025/") for h in page.hrefs), page.hrefs
    assert "trong năm 2025" in page.status
    assert bundles_fetched(split, before) == {"2025", search.UNDATED}
    assert tab.js("document.getElementById('cds-older').hidden") is False
    # the button: every period, in the address too
    before = len(split.requests)
    tab.js("document.getElementById('cds-older').click()")
    tab.wait("location.search.includes('pham-vi=tat-ca') && "
             "document.getElementById('cds-search').dataset.state === 'done'")
    tab.wait("document.getElementById('cds-older').hidden === true")
    assert bundles_fetched(split, before) == {"2020", "2021", "2022", "2023", "2024"}
    assert int(tab.js("Number(document.getElementById('cds-search').dataset.results)")) > len(page.hrefs)
    assert not tab.console_errors and not tab.console_messages, tab.console_messages


def test_pages_without_a_year_are_always_searched(sites, browser):
    split, _ = sites
    tab = browser.tab(1280, 900)
    page = search_page(tab, split.url("/tim-kiem/") + "?q=phe+duyet+chuong+trinh")
    assert page.hrefs == [UNDATED_URL] and "trong năm 2025" in page.status


def test_a_year_filter_loads_only_its_year(sites, browser):
    split, one = sites
    tab = browser.tab(1280, 900)
    before = len(split.requests)
    page = search_page(tab, split.url("/tim-kiem/") + "?" + urlencode({"q": "so", "nam": "2023"}))
    assert page.hrefs and all(h.startswith("/tin-tuc/2023/") for h in page.hrefs)
    assert bundles_fetched(split, before) == {"2023"}
    assert tab.js("document.getElementById('cds-older').hidden") is True
    want = search_page(tab, one.url("/tim-kiem/") + "?" + urlencode({"q": "so", "nam": "2023"}))
    assert sorted(page.hrefs) == sorted(want.hrefs)
    assert not tab.console_errors, tab.console_errors


def test_every_period_answers_like_one_index(sites, browser):
    """Searching every period of the split, incrementally updated index gives the results of
    one index of every page: the same set; the same order when sorted by date (relevance is
    ranked per period, newest first, so its order may differ)."""
    split, one = sites
    tab = browser.tab(1280, 900)
    for params in QUERIES + [{"q": "so", "nam": "2020"}, {"nam": "2020", "sap-xep": "cu"},
                             {"q": "nam 2025"}, {"q": "quyet dinh"}]:
        got = all_results(tab, split.url("/tim-kiem/") + "?" + urlencode({**params, "pham-vi": "tat-ca"}))
        want = all_results(tab, one.url("/tim-kiem/") + "?" + urlencode(params))
        if "sap-xep" in params:
            assert got == want, params
        else:
            assert sorted(got) == sorted(want), params
    assert not tab.console_errors, tab.console_errors
