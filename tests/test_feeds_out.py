"""feeds_out: RSS 2.0 and Atom, site-wide, per theme and per source. Valid for feedparser
(bozo 0), RFC 4287 essentials, GUIDs that survive a re-harvest, dates in +07:00, categories,
image enclosures, the newest 50 items, full content with nothing that can run, same bytes twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import feedparser
from lxml import etree

from pipeline.core.models import Article, Config, Defaults, Site, Source
from pipeline.site import feeds_out

ICT = timezone(timedelta(hours=7))
ATOM = "{http://www.w3.org/2005/Atom}"
NAMES = {"nhan-thuc": "Nhận thức", "trach-nhiem": "Trách nhiệm", "van-ban": "Văn bản",
         "dien-hinh": "Câu chuyện thành công"}


def make_config(root: Path) -> Config:
    return Config(root=root, site=Site(title="Chuyển đổi số Thử", url="https://example.gov.vn/cds/"),
                  defaults=Defaults(),
                  sources=(Source(id="bao-a", name="Báo A & B", kind="feed", url="https://a.example.vn/rss"),))


def make_article(i: int, **kw) -> Article:
    published = datetime(2024, 3, 1, 1, 2, 3, tzinfo=UTC) + timedelta(hours=5 * i)
    fields = dict(id=f"{i:016x}", title=f"Tin số {i}: <chuyển đổi số> & \"dữ liệu\"",
                  url=f"https://a.example.vn/tin-{i}.html", source="bao-a", published=published,
                  harvested=published, body=f"Đoạn **một** của tin {i}.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
                  summary=f"Tóm tắt {i}", themes=["nhan-thuc", "dien-hinh"] if i % 2 else ["van-ban"],
                  image=f"https://a.example.vn/anh-{i}.png" if i % 3 == 0 else "",
                  path=Path(f"articles/{published:%Y}/{published:%m}/tin-{i}.md"))
    fields.update(kw)
    return Article(**fields)


def write(tmp_path: Path, arts, **kw) -> feeds_out.FeedsResult:
    return feeds_out.write_feeds(make_config(tmp_path), arts, tmp_path / "site", theme_names=NAMES, **kw)


def test_every_feed_valid_for_feedparser(tmp_path: Path):
    arts = [make_article(i) for i in range(12)]
    res = write(tmp_path, arts)
    expected = {"rss.xml", "atom.xml", "chu-de/nhan-thuc/rss.xml", "chu-de/dien-hinh/atom.xml",
                "chu-de/trach-nhiem/rss.xml", "nguon/bao-a/rss.xml", "nguon/bao-a/atom.xml"}
    assert expected <= set(res.files)
    for rel in (r for r in res.files if r.endswith(".xml")):      # feed.json: test_jsonfeed
        parsed = feedparser.parse((tmp_path / "site" / rel).read_bytes())
        assert parsed.bozo == 0, (rel, parsed.get("bozo_exception"))
        assert parsed.feed.title and parsed.feed.link
    site = feedparser.parse((tmp_path / "site/rss.xml").read_bytes())
    assert site.version == "rss20" and len(site.entries) == 12
    assert site.feed.link == "https://example.gov.vn/cds/"
    atom = feedparser.parse((tmp_path / "site/atom.xml").read_bytes())
    assert atom.version == "atom10" and len(atom.entries) == 12
    theme = feedparser.parse((tmp_path / "site/chu-de/van-ban/rss.xml").read_bytes())
    assert len(theme.entries) == 6 and theme.feed.link == "https://example.gov.vn/cds/chu-de/van-ban/"


def test_items_content_dates_categories_enclosure(tmp_path: Path):
    write(tmp_path, [make_article(3)])
    rss = (tmp_path / "site/rss.xml").read_text(encoding="utf-8")
    assert "<pubDate>Fri, 01 Mar 2024 23:02:03 +0700</pubDate>" in rss         # 16:02Z + 7h
    assert '<atom:link href="https://example.gov.vn/cds/rss.xml" rel="self"' in rss
    entry = feedparser.parse(rss.encode()).entries[0]
    assert entry.title == 'Tin số 3: <chuyển đổi số> & "dữ liệu"'
    assert entry.link == "https://example.gov.vn/cds/tin-tuc/2024/03/tin-3/"
    assert {t.term for t in entry.tags} == {"Nhận thức", "Câu chuyện thành công"}
    assert entry.enclosures[0].href == "https://a.example.vn/anh-3.png"
    assert entry.enclosures[0].type == "image/png"
    html = entry.content[0].value
    assert "<strong>một</strong>" in html and "<table>" in html
    assert 'href="https://a.example.vn/tin-3.html"' in html and "Báo A &amp; B" in html

    atom = etree.parse(str(tmp_path / "site/atom.xml")).getroot()
    assert atom.findtext(f"{ATOM}updated") == "2024-03-01T23:02:03+07:00"
    e = atom.find(f"{ATOM}entry")
    assert e.findtext(f"{ATOM}published") == "2024-03-01T23:02:03+07:00"
    assert e.findtext(f"{ATOM}updated") == "2024-03-01T23:02:03+07:00"
    assert e.findtext(f"{ATOM}id").startswith("tag:example.gov.vn,2023:")
    assert len(e.findall(f"{ATOM}link[@rel='alternate']")) == 1
    assert e.find(f"{ATOM}link[@rel='enclosure']").get("href") == "https://a.example.vn/anh-3.png"
    assert e.findtext(f"{ATOM}author/{ATOM}name") == "Báo A & B"
    assert {c.get("term") for c in e.findall(f"{ATOM}category")} == {"nhan-thuc", "dien-hinh"}
    assert atom.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.gov.vn/cds/atom.xml"
    assert atom.findtext(f"{ATOM}author/{ATOM}name") == "Chuyển đổi số Thử"


def test_guid_survives_reharvest_and_rebuild(tmp_path: Path):
    art = make_article(1)
    write(tmp_path / "a", [art])
    changed = make_article(1, title="Tiêu đề mới", body="Nội dung mới", path=Path("articles/2025/01/khac.md"),
                           updated=art.published + timedelta(days=2))
    write(tmp_path / "b", [changed])
    for name in ("rss.xml", "atom.xml"):
        a = feedparser.parse((tmp_path / "a/site" / name).read_bytes()).entries[0]
        b = feedparser.parse((tmp_path / "b/site" / name).read_bytes()).entries[0]
        assert a.id == b.id == feeds_out.guid(make_config(tmp_path), art)
    assert "<guid isPermaLink=\"false\">tag:example.gov.vn,2023:0000000000000001</guid>" in \
        (tmp_path / "a/site/rss.xml").read_text(encoding="utf-8")


def test_same_bytes_twice_and_unchanged_not_rewritten(tmp_path: Path):
    arts = [make_article(i) for i in range(5)]
    first = write(tmp_path, arts)
    before = {f: (tmp_path / "site" / f).read_bytes() for f in first.files}
    second = write(tmp_path, list(reversed(arts)))
    assert second.written == 0 and second.unchanged == len(first.files)
    assert {f: (tmp_path / "site" / f).read_bytes() for f in first.files} == before


def test_newest_fifty_and_published_only(tmp_path: Path):
    arts = [make_article(i) for i in range(60)] + [make_article(99, status="pending")]
    write(tmp_path, arts)
    entries = feedparser.parse((tmp_path / "site/atom.xml").read_bytes()).entries
    assert len(entries) == 50
    assert entries[0].title.startswith("Tin số 59:") and entries[-1].title.startswith("Tin số 10:")


def test_nothing_that_can_run_and_no_invalid_xml(tmp_path: Path):
    body = ("Chữ\x0b lạ\ufffe. <script>alert(1)</script> [bấm](javascript:alert(1))\n\n"
            "<img src=x onerror=alert(1)>\n\nĐoạn {: onclick=\"alert(1)\" }")
    write(tmp_path, [make_article(1, body=body, title="Tiêu đề\x01 lạ")])
    for name in ("rss.xml", "atom.xml"):
        raw = (tmp_path / "site" / name).read_bytes()
        parsed = feedparser.parse(raw)
        assert parsed.bozo == 0
        html = parsed.entries[0].content[0].value
        tree = etree.fromstring(f"<div>{html}</div>", etree.HTMLParser())
        assert not tree.xpath("//script") and "javascript:" not in html
        assert not [a for el in tree.iter() for a in el.attrib if a.lower().startswith("on")]
        assert parsed.entries[0].title == "Tiêu đề lạ"


def test_empty_feeds_are_still_valid(tmp_path: Path):
    res = write(tmp_path, [])
    for rel in (r for r in res.files if r.endswith(".xml")):
        assert feedparser.parse((tmp_path / "site" / rel).read_bytes()).bozo == 0


def test_channels_select():
    theme = feeds_out.Channel("chu-de/x/", "X", theme="x")
    source = feeds_out.Channel("nguon/bao-c/", "C", source="bao-c")
    site = feeds_out.Channel("", "Trang")
    art = make_article(1, themes=["x"])
    assert theme.selects(art) and site.selects(art) and not source.selects(art)
    assert source.selects(make_article(2, source="bao-c")) and not theme.selects(make_article(2))


def test_feeds_whose_inputs_are_unchanged_are_not_made_again(tmp_path: Path):
    arts = [make_article(i) for i in range(8)]
    first = write(tmp_path, arts)
    assert set(first.digests) == set(first.files) and first.written == len(first.files)
    rendered: list[str] = []

    def render(text: str) -> str:
        rendered.append(text)
        return render.markdown_renderer()(text)

    again = write(tmp_path, arts, previous=first.digests, render_html=render)
    assert again.written == 0 and rendered == [] and again.digests == first.digests
    assert set(again.bodies) == {a.body for a in arts}        # kept in the render cache

    # An edited article: its channels are made again, the others are not.
    edited = [make_article(0, title="Tiêu đề đã sửa", themes=["van-ban"])] + arts[1:]
    third = write(tmp_path, edited, previous=again.digests, render_html=render)
    remade = {rel for rel in third.files if third.digests[rel] != first.digests[rel]}
    assert remade == {f"{d}{f}" for d in ("", "chu-de/van-ban/", "nguon/bao-a/")
                      for f in ("rss.xml", "atom.xml", "feed.json")}
    assert third.written == len(remade)
    assert "Tiêu đề đã sửa" in (tmp_path / "site/chu-de/van-ban/rss.xml").read_text(encoding="utf-8")

    # A deleted article leaves its feeds; a feed file that is missing is made again.
    (tmp_path / "site/chu-de/dien-hinh/atom.xml").unlink()
    fourth = write(tmp_path, edited[1:], previous=third.digests)
    assert "Tiêu đề đã sửa" not in (tmp_path / "site/rss.xml").read_text(encoding="utf-8")
    assert (tmp_path / "site/chu-de/dien-hinh/atom.xml").is_file()
    fresh = write(tmp_path / "fresh", edited[1:])
    for rel in fresh.files:
        assert (tmp_path / "site" / rel).read_bytes() == (tmp_path / "fresh/site" / rel).read_bytes()
    assert fourth.digests == fresh.digests


class _Fingerprinted:
    """Python-Markdown as the feeds' renderer, with the ``fingerprint`` the site build's body
    cache has (``render.BodyCache``): what lets the feeds keep their items (``ItemMemo``)."""

    fingerprint = "markdown-test"

    def __init__(self):
        self.render = feeds_out.render.markdown_renderer()

    def __call__(self, text: str) -> str:
        return self.render(text)


def test_items_kept_in_the_memo_give_the_bytes_of_feeds_made_without_it(tmp_path: Path):
    """The item memo (``.cds/feed-items.sqlite``): feeds made with it, cold then after a new, a
    changed and a deleted article, are byte for byte those made without it; the second time only
    the new and the changed article's items are encoded; a memo SQLite cannot read, or of
    another site, costs encoding again, never a different byte. The articles cover what an item
    may hold or lack (picture with and without a size, author, a summary with a dateline, a
    source address that is not http, a character XML cannot hold, a hub, an empty channel)."""
    import dataclasses

    config = make_config(tmp_path)
    config = dataclasses.replace(config, site=dataclasses.replace(config.site,
                                                                  hub="https://hub.example.vn/"))
    arts = [make_article(i, author="Phóng viên A" if i % 4 == 0 else "",
                         summary="21/04/2024 07:30 CH | (TBTV) - Tóm tắt" if i % 5 == 0 else
                         ("" if i % 7 == 0 else f"Tóm tắt {i}\x01"),
                         url="mailto:x@example.vn" if i == 6 else f"https://a.example.vn/tin-{i}.html")
            for i in range(60)]
    sizes = {"https://a.example.vn/anh-3.png": 1234}
    memo = tmp_path / ".cds" / feeds_out.ITEMS_FILE
    names = {**NAMES, "trong": "Không có tin"}

    def feeds(out: Path, items, **kw) -> feeds_out.FeedsResult:
        return feeds_out.write_feeds(config, items, out, theme_names=names, sizes=sizes,
                                     render_html=_Fingerprinted(), **kw)

    def same(a: Path, b: Path, res: feeds_out.FeedsResult) -> None:
        for rel in res.files:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel

    first = feeds(tmp_path / "memo", arts, memo=memo)
    assert memo.is_file() and first.encoded == 60
    plain = feeds(tmp_path / "plain", arts)
    assert plain.encoded == 0
    same(tmp_path / "memo", tmp_path / "plain", first)
    assert "chu-de/trong/feed.json" in first.files

    changed = dataclasses.replace(arts[57], title="Tin đã sửa", body=arts[57].body + "\n\nThêm.")
    now = [*arts[:40], *arts[41:57], changed, *arts[58:], make_article(60)]      # 40 deleted
    second = feeds(tmp_path / "memo", now, memo=memo, previous=first.digests)
    assert second.encoded == 2                           # the new and the changed article
    fresh = feeds(tmp_path / "fresh", now)
    same(tmp_path / "memo", tmp_path / "fresh", fresh)

    memo.write_bytes(b"not a database")
    third = feeds(tmp_path / "broken", now, memo=memo)
    assert third.encoded == len(now)                     # every item of every feed, again
    same(tmp_path / "broken", tmp_path / "fresh", fresh)
    other = dataclasses.replace(config, site=dataclasses.replace(config.site, url="https://b.vn/"))
    feeds_out.write_feeds(other, now, tmp_path / "other", theme_names=names, sizes=sizes,
                          render_html=_Fingerprinted(), memo=memo)
    again = feeds(tmp_path / "again", now, memo=memo)
    assert again.encoded == len(now)                     # the other site's items are not used
    same(tmp_path / "again", tmp_path / "fresh", fresh)
