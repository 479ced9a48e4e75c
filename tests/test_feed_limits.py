"""Work is capped before it is done: a feed of many items is cut to the items that can be kept
before it is parsed, and one enormous item is cut before it is cleaned."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from pipeline import jobs
from pipeline.core.models import Fetched, Item, Source
from pipeline.harvest import feedcut, feeds, run
from pipeline.tagging import tag

TZ = timezone(timedelta(hours=7))
BASE = datetime(2026, 1, 1, tzinfo=TZ)


def _feed(n: int, *, newest_first: bool) -> bytes:
    order = range(n - 1, -1, -1) if newest_first else range(n)
    items = "".join(
        f"<item><title>Bài {i}</title><link>https://bao.vn/bai-{i}</link>"
        f"<pubDate>{(BASE + timedelta(minutes=i)).strftime('%a, %d %b %Y %H:%M:%S +0700')}</pubDate>"
        f"<description>Tóm tắt {i}</description></item>\n" for i in order)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>T</title>'
            f"<link>https://bao.vn/</link><description>d</description>\n{items}</channel></rss>\n"
            ).encode()


def _fetched(body: bytes) -> Fetched:
    return Fetched(url="https://bao.vn/rss", final_url="https://bao.vn/rss", status=200,
                   headers={"content-type": "application/rss+xml"}, body=body)


def test_a_long_feed_is_cut_before_parsing_and_keeps_the_newest():
    src = Source(id="bao", name="Báo", kind="feed", url="https://bao.vn/rss", max_items=10)
    for newest_first in (True, False):
        body = _feed(5000, newest_first=newest_first)
        cut = feedcut.precut(_fetched(body), src.max_items)
        assert len(re.findall(rb"<item>", cut.body)) <= feedcut.keep_per_end(10) * 2
        titles = [i.title for i in feeds.read_feed(cut, src, TZ)]
        assert titles == [f"Bài {i}" for i in range(4999, 4989, -1)]


def test_a_short_feed_is_left_as_it_is():
    body = _feed(50, newest_first=True)
    assert feedcut.precut(_fetched(body), 10).body == body


def test_an_atom_feed_and_prefixed_items_are_cut_too():
    entries = "".join(f"<entry><title>E{i}</title><link href='https://bao.vn/e{i}'/>"
                      f"<updated>2026-01-01T00:{i % 60:02d}:00+07:00</updated></entry>"
                      for i in range(3000))
    body = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
            f"{entries}</feed>").encode()
    cut = feedcut.precut(_fetched(body), 5)
    assert cut.body.count(b"<entry>") == feedcut.keep_per_end(5) * 2
    assert cut.body.endswith(b"</feed>")


def test_an_enormous_item_is_cut_before_it_is_cleaned():
    src = Source(id="bao", name="Báo", kind="feed", url="https://bao.vn/rss")
    para = "<p>" + "Chuyển đổi số là nhiệm vụ trọng tâm. " * 50 + "</p>"
    html = para * (3 * 1024 * 1024 // len(para))
    item = Item(url="https://bao.vn/to", title="Bài rất dài", content_html=html, full=True)
    art = run.to_article(item, src, jobs.tagger_for(tag.Taxonomy.load()), datetime.now(TZ))
    assert 0 < len(art.body) <= run.MAX_ITEM_HTML
    assert art.body.rstrip().endswith("trọng tâm.")


def test_an_enormous_entry_is_cut_before_parsing():
    src = Source(id="bao", name="Báo", kind="feed", url="https://bao.vn/rss")
    text = "Chuyển đổi số là nhiệm vụ trọng tâm của tỉnh. " * 60000          # ~3.2 MB
    for wrapped in (f"<![CDATA[<p>{text}</p>]]>", f"&lt;p&gt;{text}&lt;/p&gt;"):
        body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T'
                "</title><link>https://bao.vn/</link><description>d</description><item>"
                "<title>Bài dài</title><link>https://bao.vn/dai</link>"
                f"<description>{wrapped}</description></item><item><title>Bài ngắn</title>"
                "<link>https://bao.vn/ngan</link><description>Ngắn.</description></item>"
                "</channel></rss>").encode()
        cut = feedcut.precut(_fetched(body), 10)
        assert len(cut.body) <= feedcut.MAX_TEXT_BYTES + 2000
        got = {i.title: i for i in feeds.read_feed(cut, src, TZ)}
        assert set(got) == {"Bài dài", "Bài ngắn"}
        assert "Chuyển đổi số là nhiệm vụ" in got["Bài dài"].summary + got["Bài dài"].content_html
