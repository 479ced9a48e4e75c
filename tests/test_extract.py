"""pipeline.harvest feeds, listings, article (and decode): feeds, listing pages, article pages and encodings.

Sources are served by a real loopback HTTP server (pipeline.demo.localserver) where the HTTP side
matters (headers, pagination); bytes are handed over directly where only the parsing does.
All fixture text is written for these tests.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from pipeline.core.errors import ExtractError
from pipeline.core.models import ArticleSelectors, Fetched, Item, ListSelectors, Source
from pipeline.demo.localserver import LocalServer, send
from pipeline.harvest import article, decode, feeds, listings
from tests.corpora import FEEDPARSER_FILES, feedparser_corpus

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ICT = timezone(timedelta(hours=7))
EVAL_PAGES = Path(__file__).parent / "eval" / "extraction" / "pages"
FEED_URL = "https://baothaibinh.example.vn/rss/chuyen-doi-so.rss"


def fetched(body: bytes | str, url: str = FEED_URL, content_type: str = "application/rss+xml",
            **headers: str) -> Fetched:
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Fetched(url=url, final_url=url, status=200,
                   headers={"content-type": content_type, **headers}, body=body)


def feed_source(**kw) -> Source:
    return Source(id="bao", name="Báo", kind="feed", url=FEED_URL, **kw)


def get(url: str) -> Fetched:
    """A real HTTP GET over loopback (what fetch.py will hand to extract)."""
    with requests.Session() as s:
        s.trust_env = False                       # never a proxy for 127.0.0.1
        r = s.get(url, timeout=5)
    return Fetched(url=url, final_url=r.url, status=r.status_code,
                   headers={k.lower(): v for k, v in r.headers.items()}, body=r.content)


# =============================================================================================
# decode
# =============================================================================================

VI = "Chuyển đổi số: người dân là trung tâm, hoà nhập và thuỷ lợi"


def cp1258(text: str) -> bytes:
    """Encode the way windows-1258 pages do: base letters precomposed, tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            ch.encode("cp1258")
            out.append(ch)
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            out.append(unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
                       + "".join(c for c in d if c in tones))
    return "".join(out).encode("cp1258")


def test_decode_valid_utf8_wins_over_any_label():
    body = f"<html><head><meta charset='windows-1258'></head><body>{VI}</body></html>".encode()
    assert VI in decode.decode(body, "text/html; charset=ISO-8859-1")


@pytest.mark.parametrize("where", ["header", "meta", "http-equiv", "nothing"])
def test_decode_windows_1258_is_composed(where):
    meta = {"meta": "<meta charset='windows-1258'>",
            "http-equiv": '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
            }.get(where, "")
    body = b"<html><head>" + meta.encode() + b"</head><body><p>" + cp1258(VI) + b"</p></body></html>"
    header = "text/html; charset=windows-1258" if where == "header" else "text/html"
    text = decode.decode(body, header)
    assert VI in text
    assert unicodedata.is_normalized("NFC", text)


def test_decode_server_default_latin1_yields_to_the_page():
    body = b"<meta charset=windows-1258><p>" + cp1258(VI) + b"</p>"
    assert VI in decode.decode(body, "text/html; charset=ISO-8859-1")


def test_decode_decomposed_utf8_is_composed():
    body = unicodedata.normalize("NFD", VI).encode()
    assert decode.decode(body, "text/html") == VI


def test_decode_boms_and_unknown_labels():
    assert decode.decode("\ufeffxin chào".encode("utf-16"), "") == "xin chào"
    assert decode.decode("\ufeffxin chào".encode("utf-8"), "") == "xin chào"
    assert "Báo" in decode.decode("<p>Báo</p>".encode("cp1252"), "text/html; charset=x-bogus")
    assert decode.decode(b"", "text/html") == ""


# =============================================================================================
# feeds
# =============================================================================================

RSS_FULL = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>Báo Thái Bình - Chuyển đổi số</title>
<link>https://baothaibinh.example.vn/</link>
<item>
  <title>Vũ Phúc &amp;quot;đi đầu&amp;quot; chuyển đổi số</title>
  <link>/chuyen-doi-so/vu-phuc-1.html?utm_source=rss&amp;utm_medium=feed</link>
  <guid isPermaLink="false">bao-1</guid>
  <description><![CDATA[<img src="/thumb/1.jpg"> Xã Vũ Phúc triển khai nhiều mô hình số.]]></description>
  <content:encoded><![CDATA[<p>Xã Vũ Phúc triển khai nhiều mô hình số.</p>
    <p><img src="/img/blank.gif" data-src="/img/vu-phuc.jpg" alt="Ảnh"></p>
    <p>Từ đầu năm 2020, Đảng ủy xã ban hành nghị quyết chuyên đề về chuyển đổi số, xác định người
    dân là trung tâm. Xã thành lập tổ công nghệ số cộng đồng ở tất cả 8 thôn, mỗi tổ có từ 5 đến 7
    thành viên. Đến nay, 92% hộ gia đình đã có điện thoại thông minh.</p>]]></content:encoded>
  <pubDate>Wed, 09 Jun 2021 18:37:56 +0700</pubDate>
  <media:content url="https://baothaibinh.example.vn/img/vu-phuc-lon.jpg" medium="image"/>
</item>
<item>
  <title>Tin không có múi giờ</title>
  <link>https://m.baothaibinh.example.vn/chuyen-doi-so/tin-2.html</link>
  <description>Tóm tắt tin hai.</description>
  <content:encoded><![CDATA[<p>Tóm tắt tin hai.</p><p>Nội dung đầy đủ của tin hai: tỉnh tổ chức hội nghị
  tổng kết chuyển đổi số, biểu dương các tập thể, cá nhân tiêu biểu trong năm qua; nhiều mô hình
  hay được nhân rộng ở các huyện.</p>]]></content:encoded>
  <pubDate>2024-05-01 08:00:00</pubDate>
</item>
<item>
  <title>Tin có ngày kiểu Việt</title>
  <link>https://baothaibinh.example.vn/chuyen-doi-so/tin-3.html</link>
  <description>Chỉ có tóm tắt.</description>
  <pubDate>Thứ 4, 09/06/2021 | 18:37</pubDate>
  <enclosure url="https://baothaibinh.example.vn/img/3.jpg" type="image/jpeg" length="1000"/>
</item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Sở TT&amp;TT</title>
  <id>tag:sotttt.example.gov.vn,2024:feed</id>
  <updated>2024-05-01T08:00:00Z</updated>
  <entry>
    <title type="html">Tập huấn &lt;b&gt;kỹ năng số&lt;/b&gt; cho cán bộ</title>
    <link rel="alternate" href="https://sotttt.example.gov.vn/tin/tap-huan.html"/>
    <id>tag:sotttt.example.gov.vn,2024:1</id>
    <updated>2024-05-01T08:00:00Z</updated>
    <author><name>Phòng CNTT</name></author>
    <content type="html">&lt;p&gt;Lớp tập huấn kỹ năng số cho 120 cán bộ, công chức cấp xã.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def test_rss_with_content_encoded():
    items = feeds.read_feed(fetched(RSS_FULL), feed_source(aliases=("m.baothaibinh.example.vn",)), TZ)
    assert [i.title for i in items] == [
        "Tin không có múi giờ", 'Vũ Phúc "đi đầu" chuyển đổi số', "Tin có ngày kiểu Việt"]
    second, first, third = items
    assert first.url == "https://baothaibinh.example.vn/chuyen-doi-so/vu-phuc-1.html"
    assert first.guid == "bao-1"
    assert first.full is True
    assert "Đảng ủy xã ban hành nghị quyết" in first.content_html
    assert "https://baothaibinh.example.vn/img/vu-phuc.jpg" in first.content_html
    assert "blank.gif" not in first.content_html
    assert first.summary == "Xã Vũ Phúc triển khai nhiều mô hình số."
    assert first.published == datetime(2021, 6, 9, 18, 37, 56, tzinfo=ICT)
    assert first.image == "https://baothaibinh.example.vn/img/vu-phuc-lon.jpg"
    # an alias host becomes the source's host; a time without offset is the site's time
    assert second.url == "https://baothaibinh.example.vn/chuyen-doi-so/tin-2.html"
    assert second.published == datetime(2024, 5, 1, 8, 0, tzinfo=ICT)
    assert second.full is True
    # summary only: not full, the summary is the content; Vietnamese date read in site time
    assert third.full is False
    assert third.content_html == "Chỉ có tóm tắt."
    assert third.published == datetime(2021, 6, 9, 18, 37, tzinfo=ICT)
    assert third.image == "https://baothaibinh.example.vn/img/3.jpg"
    assert all(i.published.tzinfo is not None for i in items)


def test_atom_with_content_and_utc_dates():
    [item] = feeds.read_feed(fetched(ATOM, content_type="application/atom+xml"), feed_source(), TZ)
    assert item.title == "Tập huấn kỹ năng số cho cán bộ"
    assert item.full is True and item.summary == ""
    assert "120 cán bộ" in item.content_html
    assert item.published == datetime(2024, 5, 1, 15, 0, tzinfo=ICT)      # 08:00Z
    assert item.guid == "tag:sotttt.example.gov.vn,2024:1"
    assert item.author == "Phòng CNTT"


def test_summary_only_feed_is_not_full():
    rss = """<rss version="2.0"><channel><title>x</title>
    <item><title>Tin ngắn</title><link>https://a.example.vn/1</link>
    <description>&lt;p&gt;Tóm tắt &lt;b&gt;ngắn&lt;/b&gt;.&lt;/p&gt;</description></item>
    </channel></rss>"""
    [item] = feeds.read_feed(fetched(rss), feed_source(), TZ)
    assert item.full is False
    assert item.summary == "Tóm tắt ngắn."
    assert item.published is None


def test_windows_1258_feed():
    rss = ('<?xml version="1.0" encoding="windows-1258"?><rss version="2.0"><channel><title>t</title>'
           f'<item><title>{VI}</title><link>https://a.example.vn/1</link>'
           f'<description>{VI}</description></item></channel></rss>')
    body = cp1258(rss)
    [item] = feeds.read_feed(fetched(body, content_type="text/xml"), feed_source(), TZ)
    assert item.title == VI
    assert unicodedata.is_normalized("NFC", item.title)


def test_utf8_feed_whose_prolog_claims_latin1():
    rss = ('<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>t</title>'
           f'<item><title>{VI}</title><link>https://a.example.vn/1</link></item></channel></rss>')
    [item] = feeds.read_feed(fetched(rss, content_type="application/xml; charset=iso-8859-1"),
                               feed_source(), TZ)
    assert item.title == VI


def test_entities_and_decomposed_marks_in_a_feed_become_nfc():
    title = "Chuy&#7875;n &#273;&#7893;i s&#7889; " + unicodedata.normalize("NFD", "hoà nhập")
    rss = (f'<rss version="2.0"><channel><title>t</title><item><title>{title}</title>'
           '<link>https://a.example.vn/1</link></item></channel></rss>')
    [item] = feeds.read_feed(fetched(rss), feed_source(), TZ)
    assert item.title == "Chuyển đổi số hoà nhập"


def test_html_where_a_feed_was_expected():
    page = "<!DOCTYPE html><html><head><title>Báo</title></head><body><p>Trang chủ</p></body></html>"
    with pytest.raises(ExtractError, match="not a feed \\(got an HTML page\\)"):
        feeds.read_feed(fetched(page, content_type="text/html"), feed_source(), TZ)
    with pytest.raises(ExtractError, match="not a feed"):
        feeds.read_feed(fetched("\n\n<html><body>x</body></html>"), feed_source(), TZ)


def test_truncated_feed_keeps_the_entries_it_has():
    cut = RSS_FULL[: RSS_FULL.index("<title>Tin có ngày kiểu Việt")]
    items = feeds.read_feed(fetched(cut), feed_source(), TZ)
    assert len(items) == 2
    with pytest.raises(ExtractError, match="^.*: malformed feed: "):
        feeds.read_feed(fetched(RSS_FULL[:200]), feed_source(), TZ)


def test_empty_and_unknown_xml():
    assert feeds.read_feed(fetched('<rss version="2.0"><channel><title>t</title></channel></rss>'),
                             feed_source(), TZ) == []
    with pytest.raises(ExtractError):
        feeds.read_feed(fetched(b""), feed_source(), TZ)
    with pytest.raises(ExtractError, match="not a feed"):
        feeds.read_feed(fetched("<foo><bar/></foo>"), feed_source(), TZ)


def test_feed_bytes_are_never_a_path_or_url():
    for body in (b"/etc/passwd", b"http://127.0.0.1:9/feed", b"file:///etc/hostname"):
        with pytest.raises(ExtractError):
            feeds.read_feed(fetched(body), feed_source(), TZ)


def test_max_items_keeps_the_newest():
    items = "".join(
        f"<item><title>Tin {n}</title><link>https://a.example.vn/{n}</link>"
        f"<pubDate>Wed, 0{n} Jun 2021 10:00:00 +0700</pubDate></item>" for n in (3, 1, 5, 2, 4))
    rss = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    got = feeds.read_feed(fetched(rss), feed_source(max_items=2), TZ)
    assert [i.title for i in got] == ["Tin 5", "Tin 4"]


def test_fingerprint_changes_with_the_item():
    a = feeds.read_feed(fetched(RSS_FULL), feed_source(), TZ)
    b = feeds.read_feed(fetched(RSS_FULL), feed_source(), TZ)
    c = feeds.read_feed(fetched(RSS_FULL.replace("Tóm tắt tin hai.</description>",
                                                   "Tóm tắt tin hai (sửa).</description>")),
                          feed_source(), TZ)
    assert [i.fingerprint for i in a] == [i.fingerprint for i in b]
    assert a[0].fingerprint != c[0].fingerprint
    assert a[1].fingerprint == c[1].fingerprint


def test_entries_without_a_link_are_addressed_in_the_feed():
    atom = ('<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            '<entry><id>e-1</id><title>Chỉ có trong feed</title><content type="html">&lt;p&gt;x&lt;/p&gt;'
            '</content></entry></feed>')
    [item] = feeds.read_feed(fetched(atom), feed_source(), TZ)
    assert item.url.startswith(FEED_URL + "#entry-")
    assert item.full is True
    [again] = feeds.read_feed(fetched(atom), feed_source(), TZ)
    assert again.url == item.url


def test_the_feedparser_corpus_never_crashes():
    files = sorted(feedparser_corpus().rglob("*.xml"))
    assert len(files) == FEEDPARSER_FILES
    source = Source(id="corpus", name="corpus", kind="feed", url="http://127.0.0.1:8000/feed.xml")
    read = failed = 0
    for path in files:
        try:
            items = feeds.read_feed(fetched(path.read_bytes(), url=source.url,
                                              content_type="application/xml"), source, TZ)
        except ExtractError as err:
            assert str(err).startswith(source.url + ": ")
            failed += 1
            continue
        read += len(items)
        for item in items:
            assert unicodedata.is_normalized("NFC", item.title + item.content_html + item.summary)
            assert "<" not in item.title
    assert read > 500 and failed < 10


# =============================================================================================
# listing pages, over a real loopback server
# =============================================================================================

LIST_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Chuyển đổi số</title></head>
<body>
<div class="header"><span class="date">Thứ Hai, 24/04/2025</span></div>
<div class="list">
 <div class="news-item">
  <a class="thumb" href="/tin/{n}-1.html?utm_source=home"><img src="/img/blank.gif" data-src="/img/{n}-1.jpg"></a>
  <a class="title" href="/tin/{n}-1.html?utm_source=home">Tin {n}.1 về chuyển đổi số</a>
  <span class="date">Thứ 4, 09/06/2021 | 18:37</span>
  <p class="sapo">Tóm tắt tin {n}.1.</p>
 </div>
 <div class="news-item"><a class="title" href="https://m.dia-phuong.example.vn/tin/{n}-2.html">Tin {n}.2</a>
  <span class="date">08/06/2021</span></div>
 <div class="news-item"><a class="title" href="tin/{n}-3.html" title="Tin {n}.3 có ảnh"><img src="/img/{n}-3.jpg" alt="Ảnh"></a></div>
 <div class="news-item"><a class="title" href="/tin/{n}-1.html">Tin {n}.1 lặp lại</a></div>
</div>
<div class="paging"><a href="index.html">1</a>{next}</div>
</body></html>
"""


@pytest.fixture
def listing_site(tmp_path):
    folder = tmp_path / "site"
    (folder / "cds").mkdir(parents=True)
    pages = {"index.html": ("p1", '<a class="next" href="trang-2.html">Trang sau »</a>'),
             "trang-2.html": ("p2", '<a class="next" href="/cds/trang-3.html">Trang sau »</a>'),
             "trang-3.html": ("p3", "")}
    for name, (n, nxt) in pages.items():
        (folder / "cds" / name).write_text(LIST_PAGE.format(n=n, next=nxt), encoding="utf-8")
    with LocalServer(folder) as server:
        yield server


def listing_source(server: LocalServer, max_pages: int = 3) -> Source:
    return Source(id="dia-phuong", name="Địa phương", kind="html", url=server.url("/cds/index.html"),
                  aliases=("m.dia-phuong.example.vn",),
                  list=ListSelectors(item=".news-item", link="a.title", date=".date",
                                     summary=".sapo", next="a.next", max_pages=max_pages))


def test_listing_with_pagination(listing_site):
    source = listing_source(listing_site)
    url, pages, items = source.url, 0, []
    while url and pages < source.list.max_pages:
        page_items, url = listings.read_listing(get(url), source, TZ)
        items += page_items
        pages += 1
    assert pages == 3 and url is None
    assert len(items) == 9                               # the repeated link is dropped per page
    first = items[0]
    assert first.url == listing_site.url("/tin/p1-1.html")         # absolute, no utm_*
    assert first.title == "Tin p1.1 về chuyển đổi số"
    assert first.summary == "Tóm tắt tin p1.1."
    assert first.published == datetime(2021, 6, 9, 18, 37, tzinfo=ICT)
    assert first.image == listing_site.url("/img/p1-1.jpg")
    assert first.fingerprint
    assert items[1].url == listing_site.url("/tin/p1-2.html")    # alias host → the source's host
    assert items[1].published == datetime(2021, 6, 8, tzinfo=ICT)
    assert items[2].url == listing_site.url("/cds/tin/p1-3.html")  # relative to the page
    assert items[2].title == "Tin p1.3 có ảnh"                     # from the link's title
    assert items[2].published is None
    requested = listing_site.paths_requested()
    assert requested == ["/cds/index.html", "/cds/trang-2.html", "/cds/trang-3.html"]


def test_listing_next_stops_at_max_pages(listing_site):
    source = listing_source(listing_site, max_pages=1)
    items, nxt = listings.read_listing(get(source.url), source, TZ)
    assert len(items) == 3 and nxt == listing_site.url("/cds/trang-2.html")


def test_listing_problems_are_extract_errors(listing_site):
    page = get(listing_site.url("/cds/index.html"))
    broken = Source(id="x", name="x", kind="html", url=page.url,
                    list=ListSelectors(item=".tin-moi", link="a"))
    with pytest.raises(ExtractError, match="no element matches list.item '.tin-moi'"):
        listings.read_listing(page, broken, TZ)
    bad = Source(id="x", name="x", kind="html", url=page.url, list=ListSelectors(item="div[", link="a"))
    with pytest.raises(ExtractError, match="bad CSS selector in list.item"):
        listings.read_listing(page, bad, TZ)
    with pytest.raises(ExtractError, match="no list selectors"):
        listings.read_listing(page, Source(id="x", name="x", kind="html", url=page.url), TZ)


def test_listing_in_windows_1258():
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
            f'</head><body><ul><li><a href="/a.html">{VI}</a> (15.06.2017)</li></ul></body></html>')
    routes = {"/tin": lambda h: send(h, 200, cp1258(html), "text/html")}
    with LocalServer(routes=routes) as server:
        source = Source(id="x", name="x", kind="html", url=server.url("/tin"),
                        list=ListSelectors(item="li", link="a", date="li"))
        [item], nxt = listings.read_listing(get(server.url("/tin")), source, TZ)
    assert item.title == VI and nxt is None
    assert item.published == datetime(2017, 6, 15, tzinfo=ICT)


def test_listing_relative_dates_use_the_server_clock():
    html = ('<ul><li><a href="/a.html">Tin mới</a> <span>2 giờ trước</span></li>'
            '<li><a href="/b.html">Tin hôm qua</a> <span>Hôm qua 10:20</span></li></ul>')
    url = "https://dia-phuong.example.vn/tin"
    source = Source(id="x", name="x", kind="html", url=url,
                    list=ListSelectors(item="li", link="a", date="span"))
    page = fetched(html, url, "text/html", date="Wed, 01 May 2024 05:30:00 GMT")   # 12:30 +07
    new, old = listings.read_listing(page, source, TZ)[0]
    assert new.published == datetime(2024, 5, 1, 10, 30, tzinfo=ICT)
    assert old.published == datetime(2024, 4, 30, 10, 20, tzinfo=ICT)


# =============================================================================================
# article pages with selectors
# =============================================================================================

ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Tin bài - Báo Địa phương</title>
<meta property="og:image" content="/img/og.jpg">
<meta property="article:published_time" content="2021-06-09T20:00:00+07:00">
</head><body>
<div class="header"><span class="date">Chủ nhật, 17/11/2024, 09:38[GMT+7]</span></div>
<div class="breadcrumb"><a href="/">Trang chủ</a> » <a href="/cds">Chuyển đổi số</a></div>
<div class="detail">
 <h1 class="title">Xã Vũ Phúc đi đầu chuyển đổi số</h1>
 <div class="meta"><span class="date">Thứ 4, 09/06/2021 | 18:37:56</span> <span class="tac-gia">Tác giả: Minh Thu</span></div>
 <div class="tools">A- A A+ <a href="#">In bài</a> <a href="#">Chia sẻ</a></div>
 <div class="sapo">Xã Vũ Phúc trở thành điểm sáng của tỉnh về chuyển đổi số ở cấp xã sau một năm.</div>
 <div class="content">
  <p>Đoạn một của bài viết, kể về tổ công nghệ số cộng đồng ở 8 thôn.</p>
  <p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-original="/img/a.jpg" alt="a"></p>
  <p><img src="/img/placeholder.png" srcset="/img/b-400.jpg 400w, /img/b-1200.jpg 1200w, /img/b-800.jpg 800w" alt="b"></p>
  <p><img class="lazy" src="/img/lazy.gif" alt="c"><noscript><img src="/img/c.jpg" alt="c"></noscript></p>
  <p><img src="/img/blank.gif" alt="chỉ có ảnh giữ chỗ"></p>
  <p><img src="anh/d.jpg" alt="d"> Xem <a href="../van-ban/kh-96.html">Kế hoạch 96/KH-UBND</a>.</p>
  <div class="quang-cao">Quảng cáo: mua ngay</div>
  <p>Đoạn cuối: 4,455 lượt xem là chuyện của trang, không phải của bài.</p>
  <div class="related"><h3>Tin liên quan</h3><ul><li><a href="/x">Tin khác 1</a></li></ul></div>
  <script>alert(1)</script>
 </div>
 <div class="comments">Bình luận</div>
</div>
</body></html>
"""
ARTICLE_URL = "https://dia-phuong.example.vn/cds/bai/vu-phuc.html"


def article_source(**kw) -> Source:
    sel = dict(body=".content", title="h1.title", date=".date", author=".tac-gia",
               remove=(".quang-cao",))
    sel.update(kw)
    return Source(id="dp", name="Địa phương", kind="html", url="https://dia-phuong.example.vn/cds",
                  article=ArticleSelectors(**sel))


def test_article_with_selectors():
    item = Item(url=ARTICLE_URL, title="Tiêu đề trong danh sách", summary="Tóm tắt danh sách.",
                fingerprint="abc")
    got = article.read_article(fetched(ARTICLE, ARTICLE_URL, "text/html"), article_source(), item, TZ)
    assert got is not item and got.full is True
    assert got.url == ARTICLE_URL and got.fingerprint == "abc"
    assert got.title == "Xã Vũ Phúc đi đầu chuyển đổi số"
    # the configured selector matched the header's today stamp first: that one is skipped
    assert got.published == datetime(2021, 6, 9, 18, 37, 56, tzinfo=ICT)
    assert got.author == "Minh Thu"
    assert got.image == "https://dia-phuong.example.vn/img/og.jpg"
    assert got.summary == "Tóm tắt danh sách."
    html = got.content_html
    assert "Đoạn một của bài viết" in html and "Đoạn cuối" in html
    # the lead outside the body container is kept, once
    assert html.count("điểm sáng của tỉnh") == 1
    # lazy images get their real source, absolute; placeholders go
    assert 'src="https://dia-phuong.example.vn/img/a.jpg"' in html
    assert 'src="https://dia-phuong.example.vn/img/b-1200.jpg"' in html
    assert 'src="https://dia-phuong.example.vn/img/c.jpg"' in html
    assert "chỉ có ảnh giữ chỗ" not in html
    assert "placeholder.png" not in html and "data:image" not in html and "lazy.gif" not in html
    assert 'src="https://dia-phuong.example.vn/cds/bai/anh/d.jpg"' in html
    assert 'href="https://dia-phuong.example.vn/cds/van-ban/kh-96.html"' in html
    for chrome in ("Quảng cáo", "Tin liên quan", "Tin khác 1", "alert(1)", "Trang chủ",
                   "17/11/2024", "In bài", "A+"):
        assert chrome not in html, chrome


def test_body_keeps_sentences_that_look_like_chrome():
    body = ("<p>Chia sẻ kinh nghiệm, ông Hòa cho biết xã đã đi từng nhà.</p>"
            "<p>Xem thêm thông tin tại Cổng dịch vụ công của tỉnh.</p>"
            "<p>Tin mới nhất về dự án sẽ được đăng trên trang của xã.</p>"
            "<p>Ngày 24/4/2025, UBND tỉnh ban hành kế hoạch mới về chuyển đổi số.</p>"
            "<p>Chia sẻ: <a href='#'>Facebook</a> <a href='#'>Zalo</a></p>"
            "<p>Theo dõi Báo Thái Bình trên Google News</p>"
            "<p>Xem thêm: <a href='/a'>Bài khác</a></p>")
    html = f"<html><body><h1>Tiêu đề bài viết thử</h1><div class='noi-dung'>{body}</div></body></html>"
    source = article_source(body=".noi-dung", title="h1", date=None, author=None, remove=())
    got = article.read_article(fetched(html, ARTICLE_URL, "text/html"), source, Item(url=ARTICLE_URL), TZ)
    text = got.content_html
    for kept in ("Chia sẻ kinh nghiệm", "Xem thêm thông tin tại Cổng dịch vụ công",
                 "Tin mới nhất về dự án", "Ngày 24/4/2025, UBND tỉnh"):
        assert kept in text, kept
    for gone in ("Facebook", "Google News", "Bài khác"):
        assert gone not in text, gone


def test_article_date_falls_back_to_metadata_then_item():
    item = Item(url=ARTICLE_URL, published=datetime(2020, 1, 1, tzinfo=ICT))
    page = fetched(ARTICLE, ARTICLE_URL, "text/html")
    got = article.read_article(page, article_source(date=".ngay-khong-co"), item, TZ)
    assert got.published == datetime(2021, 6, 9, 20, 0, tzinfo=ICT)       # article:published_time
    bare = ARTICLE.replace('<meta property="article:published_time" '
                           'content="2021-06-09T20:00:00+07:00">', "")
    got = article.read_article(fetched(bare, ARTICLE_URL, "text/html"),
                               article_source(date=".ngay-khong-co"), item, TZ)
    assert got.published == datetime(2020, 1, 1, tzinfo=ICT)                # the feed's date


def test_article_relative_date_is_not_a_today_stamp():
    page = ARTICLE.replace("Thứ 4, 09/06/2021 | 18:37:56", "Hôm nay 08:05").replace(
        '<meta property="article:published_time" content="2021-06-09T20:00:00+07:00">', "")
    got = article.read_article(fetched(page, ARTICLE_URL, "text/html",
                                       date="Wed, 01 May 2024 05:30:00 GMT"),
                               article_source(), Item(url=ARTICLE_URL), TZ)
    assert got.published == datetime(2024, 5, 1, 8, 5, tzinfo=ICT)


def test_article_body_selector_missing_falls_back_to_generic():
    item = Item(url=ARTICLE_URL, title="x")
    got = article.read_article(fetched(ARTICLE, ARTICLE_URL, "text/html"),
                               article_source(body=".khong-co"), item, TZ)
    assert "Đoạn một của bài viết" in got.content_html
    assert got.title == "Xã Vũ Phúc đi đầu chuyển đổi số"


def test_article_over_http(tmp_path):
    with LocalServer(EVAL_PAGES) as server:
        url = server.url("/01-bao-tinh.html")
        source = Source(id="b", name="b", kind="html", url=url, article=ArticleSelectors(
            body="div.article", title="h1.title-detail", date=".post-date", remove=(".comment-box",)))
        got = article.read_article(get(url), source, Item(url=url), TZ)
    assert got.published == datetime(2021, 6, 9, 18, 37, 56, tzinfo=ICT)
    assert "92% hộ gia đình" in got.content_html
    assert server.url("/uploads/2021/06/09/vu-phuc-1.jpg") in got.content_html
    assert "Tin liên quan" not in got.content_html


def test_article_without_selectors_is_generic():
    source = Source(id="b", name="b", kind="feed", url=FEED_URL)
    page = (EVAL_PAGES / "06-bao-jsonld.html").read_bytes()
    got = article.read_article(fetched(page, ARTICLE_URL, "text/html"), source, Item(url=ARTICLE_URL), TZ)
    assert got.full and got.published == datetime(2023, 9, 14, 8, 15, tzinfo=ICT)


# =============================================================================================
# generic extraction
# =============================================================================================

def test_generic_extraction_keeps_structure_and_images():
    page = (EVAL_PAGES / "08-cong-tinh-itemprop.html").read_bytes()
    url = "https://thaibinh.example.gov.vn/web/guest/chuyen-doi-so/-/a/1"
    got = article.read_generic(fetched(page, url, "text/html"), Item(url=url), TZ)
    assert got.full is True
    assert got.title.startswith("UBND tỉnh họp trực tuyến")
    assert got.published == datetime(2022, 11, 21, 15, 30, tzinfo=ICT)
    assert "<li>" in got.content_html and "<img" in got.content_html
    assert "https://thaibinh.example.gov.vn/documents/20182/1234567/de-an-06-hoi-nghi.jpg" \
        in got.content_html


def test_generic_never_takes_today_from_the_header():
    page = (EVAL_PAGES / "10-khong-ngay.html").read_bytes()
    got = article.read_generic(fetched(page, ARTICLE_URL, "text/html"), Item(url=ARTICLE_URL), TZ)
    assert got.published is None
    assert "24 tháng 4 năm 2025" not in got.content_html


def test_generic_skips_a_date_on_the_fetch_day():
    today = datetime.now(TZ)
    stamp = f"Ngày đăng: {today:%d/%m/%Y %H:%M}"
    html = (f"<html><body><div class='x'><h1>Một tiêu đề đủ dài cho bài</h1><p class='d'>{stamp}</p>"
            "<p>" + "Nội dung bài viết về chuyển đổi số ở địa phương. " * 20 + "</p></div></body></html>")
    got = article.read_generic(fetched(html, ARTICLE_URL, "text/html"), Item(url=ARTICLE_URL), TZ)
    assert got.published is None                          # the caller stores the harvest time
    date_header = "Mon, 01 Jan 2035 00:00:00 GMT"         # the server's clock decides "today"
    got = article.read_generic(fetched(html, ARTICLE_URL, "text/html", date=date_header),
                               Item(url=ARTICLE_URL), TZ)
    assert got.published == today.replace(second=0, microsecond=0)


def test_generic_falls_back_to_the_item_when_nothing_is_found():
    item = Item(url=ARTICLE_URL, title="Tin", content_html="<p>Tóm tắt từ feed.</p>", summary="Tóm tắt.")
    got = article.read_generic(fetched("<html><body></body></html>", ARTICLE_URL, "text/html"),
                               item, TZ)
    assert got.full is False
    assert got.content_html == "<p>Tóm tắt từ feed.</p>"
    assert got.title == "Tin"


@pytest.mark.parametrize("html", [
    "", "<", "<html><body><table><table><table>", "\x00\x01<p>x</p>",
    '<script type="application/ld+json">{"@graph": [' * 50 + "</script>",
    '<script type="application/ld+json">{"datePublished": 7, "author": [null, {"name": 3}]}</script>',
    "<p>" + "<b>" * 2000 + "x",                     # nesting that makes tree walks quadratic
    "<div>" * 20000 + "y",
    "<ul><li>" * 5000,
    '<img src="data:,">' * 500 + "<p>x</p>",
])
def test_hostile_pages_do_not_crash(html):
    item = Item(url=ARTICLE_URL, summary="Tóm tắt.")
    got = article.read_generic(fetched(html, ARTICLE_URL, "text/html"), item, TZ)
    assert got.url == ARTICLE_URL
    source = article_source()
    article.read_article(fetched(html, ARTICLE_URL, "text/html"), source, item, TZ)


def test_deep_page_keeps_its_metadata_and_text():
    html = ('<html><head><meta property="og:title" content="Tiêu đề của bài viết"></head><body>'
            + "<div>" * 3000 + "<p>" + "Nội dung chính của bài về chuyển đổi số. " * 20 + "</p>")
    got = article.read_generic(fetched(html, ARTICLE_URL, "text/html"), Item(url=ARTICLE_URL), TZ)
    assert got.title == "Tiêu đề của bài viết"
    assert "Nội dung chính của bài" in got.content_html


def test_one_entrys_xml_base_does_not_leak_into_the_next():
    atom = ('<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            '<entry xml:base="tin-tuc/2024/10/"><id>tag:x,2024:1</id><title>Một</title>'
            '<link rel="alternate" href="mot.html"/><content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry>'
            '<entry><id>tag:x,2024:2</id><title>Hai</title>'
            '<link rel="alternate" href="tin-tuc/2023/08/hai.html"/><content type="html">&lt;p&gt;y&lt;/p&gt;</content></entry>'
            '</feed>')
    one, two = feeds.read_feed(fetched(atom), feed_source(), TZ)
    base = FEED_URL.rsplit("/", 1)[0]
    assert one.url == base + "/tin-tuc/2024/10/mot.html"
    assert two.url == base + "/tin-tuc/2023/08/hai.html"


def test_an_undated_item_takes_the_date_that_opens_its_text():
    rss = ('<rss version="2.0"><channel><title>t</title><item><title>Học bạ số</title>'
           '<link>https://tv.example.vn/news/a1.htm</link>'
           '<description>06/12/2023 04:40 CH | (TBTV) - Trường THCS chuyển học bạ sang dạng số, '
           'theo Quyết định số 749/QĐ-TTg ngày 03/6/2020.</description></item>'
           '<item><title>Không ngày</title><link>https://tv.example.vn/news/a2.htm</link>'
           '<description>Thực hiện Quyết định số 749/QĐ-TTg ngày 03/6/2020, xã đã triển khai.'
           '</description></item></channel></rss>')
    dated, undated = feeds.read_feed(fetched(rss), feed_source(), TZ)
    assert dated.published.isoformat() == "2023-12-06T16:40:00+07:00"
    assert undated.published is None          # a cited document's date is not the item's
