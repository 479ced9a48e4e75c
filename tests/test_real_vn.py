"""Real Vietnamese feeds and listing pages (../shared/corpora/real-vn, see tests/corpora.py),
served on loopback. They may not be redistributed: the tests skip, saying why, without them.

- every item of the five real RSS feeds (a BOM, a UTF-16 declaration over UTF-8 bytes,
  references inside CDATA titles, "GMT+7" dates, duplicates) is stored once, with a clean NFC
  title;
- an ``html`` source with ``list`` selectors, declared in a feeds.yml, reads each of the eight
  real listing pages.

Nothing leaves loopback: the items link to the real sites, and cds fetches article pages and
pictures only from a source's own origin.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from lxml import etree

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.models import Fetched
from pipeline.core.urls import canonical
from pipeline.demo.localserver import LocalServer
from pipeline.harvest import listings
from pipeline.store import articles as store
from tests.conftest import make_root
from tests.corpora import REAL_VN_SKIP, real_vn

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REAL = real_vn()
pytestmark = pytest.mark.skipif(REAL is None, reason=REAL_VN_SKIP)

FEEDS = ["dantri__kinh-doanh-bom.rss", "vietnambiz__chung-khoan-utf16-decl.rss",
         "vietstock__chung-khoan.xml", "vneconomy__chung-khoan.xml",
         "vneconomy__chung-khoan-capture-trimmed.xml"]

# listing page -> (list.item, list.link, fewest items it must give)
LISTINGS = {
    "baochinhphu__list.html": (".box-stream-item, .box-stream-content", "h2 a", 15),
    "baodautu__list.html": ("div.desc_list_news_home, article.d-flex", "a.fbold, a.fs16", 15),
    "cafef__list.html": ("div.tlitem", "h3 a", 15),
    "dantri__list.html": ("article.article-item", "h3.article-title a", 30),
    "nld__list.html": ("div.box-category-content", "h3.box-category-title-text a, "
                       "h2.box-category-title-text a", 15),
    "tuoitre__list.html": ("div.box-content-title", ".box-title-text a", 15),
    "vietnamnet__list.html": ("div.horizontalPost__main, div.verticalPost__main", "h3 a, h2 a",
                              25),
    "vnexpress__list.html": ("article.item-news", "h3.title-news a", 40),
}


def _links(data: bytes) -> list[str]:
    """Every item's link, read with a recovering XML parser (one feed declares UTF-16 over
    UTF-8 bytes, so it is decoded by hand)."""
    text = data.decode("utf-8-sig")
    text = re.sub(r"^<\?xml[^>]*\?>", "", text.lstrip())
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(recover=True))
    return [(el.text or "").strip() for el in root.iter("item") for el in el.iter("link")]


def _gmt7_dates(data: bytes) -> dict[str, datetime]:
    """link -> pubDate for a feed that writes "Sat, 25 Jul 2026 20:01:31 GMT+7"."""
    text = data.decode("utf-8-sig")
    out = {}
    for item in re.findall(r"<item>(.*?)</item>", text, re.S):
        link = re.search(r"<link>(?:<!\[CDATA\[)?\s*(.*?)\s*(?:\]\]>)?</link>", item, re.S)
        date = re.search(r"(\d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d) GMT\+7", item)
        if link and date:
            out[link.group(1)] = datetime.strptime(date.group(1), "%d %b %Y %H:%M:%S").replace(
                tzinfo=timezone(timedelta(hours=7)))
    return out


def _feeds_root(tmp_path, base: str):
    sources = "\n".join(
        f"  - {{id: f{i}, name: 'Nguồn {i}', kind: feed, url: \"{base}/feeds/{name}\"}}"
        for i, name in enumerate(FEEDS))
    return make_root(tmp_path / "root", f"""\
site: {{title: Thử nghiệm, url: "http://127.0.0.1:9/"}}
defaults: {{max_items: 500, concurrency: 2}}
sources:
{sources}
""")


def test_every_real_feed_item_is_stored_once_with_a_clean_title(tmp_path):
    expected: set[str] = set()
    raw = 0
    for name in FEEDS:
        links = _links((REAL / "feeds" / name).read_bytes())
        raw += len(links)
        expected |= {canonical(link) for link in links if link}
    assert raw > len(expected) > 150              # the corpus does hold duplicates
    with LocalServer(REAL) as server:
        root = _feeds_root(tmp_path, server.base)
        report = jobs.harvest(config_mod.load(root), progress=False)
    assert report.ok, [(s.source, s.failed) for s in report.sources if s.failed]
    arts = store.Store(root / "content").articles()
    urls = [a.url for a in arts]
    assert len(urls) == len(set(urls)), "an item stored twice"
    assert set(urls) == expected
    for art in arts:
        title = art.title
        assert title and title == title.strip(), art.path
        assert unicodedata.is_normalized("NFC", title), art.path
        assert not re.search(r"&#?\w+;|<|>|\ufeff|\s{2}", title), (art.path, title)
        assert "\n" not in title
    # every item has its own date, "GMT+7" included (none estimated from the harvest time)
    assert not [a.path for a in arts if a.date_estimated]
    by_url = {a.url: a for a in arts}
    gmt7 = _gmt7_dates((REAL / "feeds" / FEEDS[1]).read_bytes())
    assert len(gmt7) == 30
    for link, when in gmt7.items():
        assert by_url[canonical(link)].published == when, link
    titles = {a.title for a in arts}
    # vietnambiz writes "b&#225;n" inside CDATA: the reader sees "bán"
    assert any("bán" in t for t in titles)


def test_an_html_source_reads_every_real_listing_page(tmp_path):
    with LocalServer(REAL) as server:
        sources = "\n".join(f"""\
  - id: l{i}
    name: 'Danh sách {i}'
    kind: html
    url: "{server.base}/pages/{page}"
    list: {{item: "{item}", link: "{link}"}}""" for i, (page, (item, link, _)) in
                            enumerate(LISTINGS.items()))
        root = make_root(tmp_path / "root", f"""\
site: {{title: Thử nghiệm, url: "http://127.0.0.1:9/"}}
sources:
{sources}
""")
        config = config_mod.load(root)
        assert len(config.sources) == len(LISTINGS)
        for src, (page, (_, _, fewest)) in zip(config.sources, LISTINGS.items(), strict=True):
            resp = requests.get(src.url, timeout=10)
            fetched = Fetched(url=src.url, final_url=src.url, status=resp.status_code,
                              headers=dict(resp.headers), body=resp.content)
            items, _next = listings.read_listing(fetched, src, TZ)
            assert len(items) >= fewest, (page, len(items))
            assert len({i.url for i in items}) == len(items), page
            for item in items:
                assert item.url.startswith(("http://", "https://")), (page, item.url)
                assert len(item.title) >= 15, (page, item.title)
                assert unicodedata.is_normalized("NFC", item.title), (page, item.title)
                assert not re.search(r"&#?\w+;|<|\s{2}", item.title), (page, item.title)
