"""Image mirroring (pipeline.harvest.media): pictures served by a real loopback server are checked by
their bytes, stored once by content under content/media/, and the Markdown points at them with
a reference that resolves both in content/ and in the MkDocs site; what cannot be stored never
becomes an image the site loads from another host."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from pipeline.core.errors import FetchError
from pipeline.core.models import Article, Fetched, Source
from pipeline.demo.localserver import LocalServer, send
from pipeline.harvest import media, tomarkdown
from pipeline.harvest.fetch import Fetcher
from pipeline.store import media as media_store
from tests.safe_html import is_safe_html

# --- tiny images, made from raw bytes ----------------------------------------------------------


def png(rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid 1×1 PNG (about 70 bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" + bytes(rgb))) + chunk(b"IEND", b""))


JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xdb\x00\x43\x00" + bytes(range(1, 65)) + b"\xff\xd9")
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
AVIF = (struct.pack(">I", 28) + b"ftypavif" + b"\x00\x00\x00\x00" + b"avifmif1miaf"
        + b"\x00" * 16)
HEIC = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(document.domain)</script></svg>")
HTML_PAGE = "<!doctype html><html><body><h1>Không tìm thấy trang</h1></body></html>".encode()
PNG_RED, PNG_BLUE = png(), png((20, 40, 220))


def key_of(data: bytes, ext: str) -> str:
    digest = hashlib.sha256(data).hexdigest()[:16]
    return f"{digest[:2]}/{digest}.{ext}"


def answer(body: bytes, ctype: str, status: int = 200):
    return lambda h: send(h, status, body, ctype)


ROUTES = {
    "/anh/lanh-dao.png": answer(PNG_RED, "image/png"),
    "/anh/hoi-nghi.jpg": answer(JPEG, "image/jpeg"),
    "/cdn/ban-sao.png": answer(PNG_RED, "image/png"),            # same bytes, another URL
    "/anh/xanh.png": answer(PNG_BLUE, "application/octet-stream"),
    "/anh/logo.svg": answer(SVG, "image/svg+xml"),
    "/anh/gia.png": answer(HTML_PAGE, "image/png"),               # an error page as "png"
    "/anh/qua-lon.jpg": answer(JPEG[:-2] + os.urandom(6 * 1024 * 1024) + b"\xff\xd9",
                                "image/jpeg"),
    "/anh/mat.png": answer(b"not found", "text/plain", 404),
}


@pytest.fixture(scope="module")
def server():
    with LocalServer(routes=dict(ROUTES)) as srv:
        yield srv


def source_for(srv: LocalServer, **kw) -> Source:
    return Source(id="bao-thu", name="Báo Thử", kind="feed", url=srv.url("/rss.xml"),
                  timeout=5, user_agent="cds-test", **kw)


@pytest.fixture
def fetcher():
    with Fetcher() as f:
        yield f


def requests_to(srv: LocalServer, prefix: str = "/") -> list[str]:
    return [p for p in srv.paths_requested() if p.startswith(prefix)]


def body_for(srv: LocalServer, *paths: str) -> str:
    return "\n\n".join(f"Đoạn {i}: chuyển đổi số.\n\n![Ảnh {i}]({srv.url(p)})"
                       for i, p in enumerate(paths))


# --- bytes ------------------------------------------------------------------------------------

def test_sniff_knows_pictures_by_their_bytes():
    assert [media.sniff(b) for b in (PNG_RED, JPEG, GIF, WEBP, AVIF)] == \
        ["png", "jpg", "gif", "webp", "avif"]
    for refused in (SVG, HTML_PAGE, HEIC, b"BM6\x00\x00\x00", b"", b"\x89PNG", b"GIF8"):
        assert media.sniff(refused) is None


def test_png_fixture_is_a_real_small_png():
    assert len(PNG_RED) < 80 and media.sniff(PNG_RED) == "png"


# --- mirroring over loopback ------------------------------------------------------------------

def test_body_is_rewritten_and_pictures_land_content_addressed(server, fetcher, tmp_path):
    src = source_for(server)
    store = media.MediaStore(tmp_path / "content" / "media", tmp_path / ".cds" / "media.json")
    paths = ("/anh/lanh-dao.png", "/anh/hoi-nghi.jpg", "/anh/xanh.png", "/anh/logo.svg",
             "/anh/gia.png", "/anh/qua-lon.jpg", "/anh/mat.png")
    body = body_for(server, *paths)
    result = store.mirror_markdown(body, media.image_fetcher(fetcher, src))

    red, jpg, blue = key_of(PNG_RED, "png"), key_of(JPEG, "jpg"), key_of(PNG_BLUE, "png")
    assert f"![Ảnh 0](../../../media/{red})" in result.body
    assert f"![Ảnh 1](../../../media/{jpg})" in result.body
    assert f"![Ảnh 2](../../../media/{blue})" in result.body       # type from bytes, not header
    for i, p in enumerate(paths[3:], start=3):                      # left as they were
        assert f"![Ảnh {i}]({server.url(p)})" in result.body
    assert result.media == [red, jpg, blue]
    assert (store.path(red).read_bytes(), store.path(jpg).read_bytes()) == (PNG_RED, JPEG)
    assert sorted(p.relative_to(store.media_dir).as_posix()
                  for p in store.media_dir.rglob("*") if p.is_file()) == sorted([red, jpg, blue])
    reasons = "\n".join(result.problems)
    assert len(result.problems) == 4
    assert "logo.svg: SVG refused" in reasons
    assert "gia.png: not a JPEG, PNG, GIF, WebP or AVIF image" in reasons
    assert "qua-lon.jpg: larger than 5120 KB" in reasons
    assert "mat.png: HTTP 404" in reasons
    assert result.downloaded == 7 and result.stored == 3
    # the text around the pictures is untouched
    assert result.body.replace(f"../../../media/{red}", server.url(paths[0])) \
        .replace(f"../../../media/{jpg}", server.url(paths[1])) \
        .replace(f"../../../media/{blue}", server.url(paths[2])) == body


def test_same_picture_in_two_articles_is_stored_once(server, fetcher, tmp_path):
    fetch = media.image_fetcher(fetcher, source_for(server))
    store = media.MediaStore(tmp_path / "media")
    one = store.mirror_markdown(body_for(server, "/anh/lanh-dao.png"), fetch)
    two = store.mirror_markdown(body_for(server, "/cdn/ban-sao.png", "/anh/lanh-dao.png"), fetch)
    red = key_of(PNG_RED, "png")
    assert one.media == two.media == [red]
    assert two.body.count(f"../../../media/{red}") == 2
    assert two.downloaded == 1 and two.stored == 0                  # known URL: no request
    assert [p for p in store.media_dir.rglob("*") if p.is_file()] == [store.path(red)]


def test_rerun_downloads_nothing_and_gives_the_same_body(server, fetcher, tmp_path):
    src = source_for(server)
    index = tmp_path / ".cds" / "media.json"
    body = body_for(server, "/anh/lanh-dao.png", "/anh/hoi-nghi.jpg", "/anh/logo.svg",
                    "/anh/gia.png", "/anh/mat.png")
    first = media.MediaStore(tmp_path / "media", index)
    a = first.mirror_markdown(body, media.image_fetcher(fetcher, src))
    first.save()
    files = {p: p.stat().st_mtime_ns for p in (tmp_path / "media").rglob("*") if p.is_file()}
    before = len(server.paths_requested())

    # the next harvest (a new process: the index is read from disk) re-cleans the same HTML
    again = media.MediaStore(tmp_path / "media", index)
    b = again.mirror_markdown(body, media.image_fetcher(fetcher, src))
    assert b.body == a.body and b.downloaded == 0
    assert len(server.paths_requested()) == before                 # refused and 404 not asked
    assert {p: p.stat().st_mtime_ns for p in files} == files

    # an already mirrored body is left as it is, without a request
    c = again.mirror_markdown(a.body, media.image_fetcher(fetcher, src))
    assert c.body == a.body and c.downloaded == 0
    assert [p.split(": ")[0] for p in c.problems] == [p.split(": ")[0] for p in a.problems]


def test_failures_are_retried_after_a_while_refusals_never(server, fetcher, tmp_path):
    now = [1_700_000_000.0]
    store = media.MediaStore(tmp_path / "media", clock=lambda: now[0], retry_after=3600)
    fetch = media.image_fetcher(fetcher, source_for(server))
    body = body_for(server, "/anh/mat.png", "/anh/logo.svg")
    store.mirror_markdown(body, fetch)
    asked = requests_to(server, "/anh/mat.png"), requests_to(server, "/anh/logo.svg")
    now[0] += 600
    r = store.mirror_markdown(body, fetch)
    assert r.downloaded == 0 and "(tried again later)" in r.problems[0]
    now[0] += 3600
    r = store.mirror_markdown(body, fetch)
    assert r.downloaded == 1
    assert len(requests_to(server, "/anh/mat.png")) == len(asked[0]) + 1
    assert len(requests_to(server, "/anh/logo.svg")) == len(asked[1])


def test_lost_file_or_lost_index_costs_a_download_not_a_change(server, fetcher, tmp_path):
    fetch = media.image_fetcher(fetcher, source_for(server))
    index = tmp_path / "media.json"
    store = media.MediaStore(tmp_path / "media", index)
    body = body_for(server, "/anh/hoi-nghi.jpg")
    a = store.mirror_markdown(body, fetch)
    store.save()
    store.path(a.media[0]).unlink()                                 # e.g. deleted by hand
    b = store.mirror_markdown(body, fetch)
    assert b.body == a.body and b.downloaded == 1 and store.has(a.media[0])
    index.unlink()
    c = media.MediaStore(tmp_path / "media", index).mirror_markdown(body, fetch)
    assert c.body == a.body and c.downloaded == 1 and c.stored == 0


def test_fetcher_size_cap_is_a_refusal(server, tmp_path):
    with Fetcher(max_bytes=1024 * 1024) as small:
        store = media.MediaStore(tmp_path / "media")
        r = store.mirror_markdown(body_for(server, "/anh/qua-lon.jpg"),
                                  media.image_fetcher(small, source_for(server)))
        assert "body larger than 1 MB" in r.problems[0]
        again = store.mirror_markdown(body_for(server, "/anh/qua-lon.jpg"),
                                      media.image_fetcher(small, source_for(server)))
        assert again.downloaded == 0


def test_at_most_max_images_per_article(server, fetcher, tmp_path):
    urls = [server.url(f"/anh/lanh-dao.png?n={i}") for i in range(25)]
    body = "\n\n".join(f"![{i}]({u})" for i, u in enumerate(urls))
    store = media.MediaStore(tmp_path / "media", max_images=20)
    r = store.mirror_markdown(body, media.image_fetcher(fetcher, source_for(server)))
    assert r.body.count("../../../media/") == 20 and r.downloaded == 20
    assert [p.split(": ", 1)[0] for p in r.problems] == urls[20:]
    assert all("more than 20 images" in p for p in r.problems)


def test_article_image_and_body_share_one_download(server, fetcher, tmp_path):
    now = datetime(2024, 5, 9, 18, 37, tzinfo=timezone(timedelta(hours=7)))
    art = Article(id="a1", title="Tin", url=server.url("/bai.html"), source="bao-thu",
                  published=now, harvested=now, image=server.url("/anh/lanh-dao.png"),
                  body=body_for(server, "/anh/lanh-dao.png", "/anh/hoi-nghi.jpg"))
    store = media.MediaStore(tmp_path / "media")
    new, m = store.mirror_article(art, media.image_fetcher(fetcher, source_for(server)))
    red = key_of(PNG_RED, "png")
    assert new.image == f"../../../media/{red}" and m.downloaded == 2
    assert new.body.startswith("Đoạn 0") and f"![Ảnh 0](../../../media/{red})" in new.body
    assert art.image.startswith("http")                             # the input is not changed
    assert media_store.referenced([new]) == {red, key_of(JPEG, "jpg")}


def test_clean_output_is_mirrored(server, fetcher, tmp_path):
    """The images tomarkdown.to_markdown writes (lazy, titled, in a link, in a table) are found."""
    html = """
    <p>Hội nghị <b>chuyển đổi số</b> tỉnh [2024] {thử}.</p>
    <img src="/static/blank.gif" data-src="/anh/lanh-dao.png" alt="Lãnh đạo [tỉnh] phát biểu"
         title="Ảnh: Minh Anh">
    <a href="/bai-khac.html"><img src="/anh/hoi-nghi.jpg" alt="Hội nghị"></a>
    <table><tr><td><img src="/anh/xanh.png" alt="Bảng"></td><td>Ô chữ</td></tr>
    <tr><td>a</td><td>b</td></tr></table>
    <img src="https://cdn.example.vn/anh/ngoai.png" alt="Ảnh ngoài">
    """
    md = tomarkdown.to_markdown(html, server.url("/bai.html"))
    assert md.count("![") == 4
    r = media.MediaStore(tmp_path / "media").mirror_markdown(
        md, media.image_fetcher(fetcher, source_for(server)))
    assert r.body.count("](../../../media/") == 3
    assert r.problems == ["https://cdn.example.vn/anh/ngoai.png: another site's picture "
                          "(not fetched)"]
    assert r.body.replace("../../../media/", "") != md
    rendered = tomarkdown.render_markdown(media_store.site_markdown(r.body))
    assert is_safe_html(rendered) == []
    assert all(media_store.is_media_src(i.get("src"))
               for i in lxml_html.fromstring(f"<div>{rendered}</div>").iter("img"))


def _resolve_private(host, port):
    return [(2, 1, 6, "", ("10.0.0.7", 0))]


def test_other_sites_and_local_addresses_are_never_asked(server, fetcher, tmp_path):
    before = len(server.paths_requested())
    fetch = media.image_fetcher(fetcher, source_for(server))
    for url in ("http://169.254.169.254/latest/meta-data/a.png",
                f"http://localhost:{server.port}/anh/lanh-dao.png",
                "http://[::1]/a.png", "http://intranet/a.png", "http://nas.local/a.png",
                "https://cdn.example.vn/a.png", "file:///etc/passwd", "ftp://example.vn/a.png"):
        with pytest.raises(media.MediaNotAllowed):
            fetch(url)
    assert len(server.paths_requested()) == before
    store = media.MediaStore(tmp_path / "media", tmp_path / "media.json")
    r = store.mirror_markdown("![a](https://cdn.example.vn/a.png)", fetch)
    store.save()
    assert r.downloaded == 0 and not (tmp_path / "media.json").exists()     # nothing remembered
    assert media.public_host("cdn.example.vn", lambda h, p: [(2, 1, 6, "", ("93.184.216.34", 0))])
    assert not media.public_host("cdn.example.vn", _resolve_private)
    assert not media.public_host("cdn.example.vn",
                                 lambda h, p: [(2, 1, 6, "", ("93.184.216.34", 0)),
                                               (10, 1, 6, "", ("::ffff:127.0.0.1", 0, 0, 0))])
    with pytest.raises(FetchError):
        media.public_host("nowhere.example.vn", _no_such_host)


def _no_such_host(host, port):
    raise OSError("Name or service not known")


class _Recorder:
    """Stands in for the Fetcher where a real request would leave loopback: records the call."""

    def __init__(self):
        self.asked: list[str] = []

    def get(self, url, *, timeout, user_agent, accept=None, allow=None):
        self.asked.append(url)
        return Fetched(url=url, final_url=url, status=200, headers={}, body=PNG_RED)


def test_the_sources_own_site_and_listed_hosts_only():
    src = Source(id="bao", name="Báo", kind="feed", url="https://www.baothu.vn/rss.xml",
                 timeout=5, user_agent="cds-test", aliases=("m.baothu.vn",))
    public = lambda h, p: [(2, 1, 6, "", ("203.113.1.9", 0))]    # noqa: E731
    getter = _Recorder()
    fetch = media.image_fetcher(getter, src, hosts=["photo.cdn-anh.vn"], resolve=public)
    for ok in ("https://www.baothu.vn/a.png", "https://baothu.vn/a.png",
               "https://cdn.baothu.vn/a.png", "https://img.m.baothu.vn/a.png",
               "https://photo.cdn-anh.vn/x/a.png", "https://s1.photo.cdn-anh.vn/a.png"):
        assert fetch(ok) == PNG_RED
    for other in ("https://baothu.vn.evil.vn/a.png", "https://cdn-anh.vn/a.png",
                  "https://xbaothu.vn/a.png"):
        with pytest.raises(media.MediaNotAllowed):
            fetch(other)
    assert len(getter.asked) == 6
    intranet = media.image_fetcher(getter, src, resolve=_resolve_private)
    with pytest.raises(media.MediaNotAllowed, match="private"):
        intranet("https://noi-bo.baothu.vn/a.png")
    assert media.image_fetcher(getter, src, hosts=["*"], resolve=public)("https://x.vn/a.png")
    assert len(getter.asked) == 7


def test_an_alias_host_is_the_sources_own(server, fetcher, tmp_path):
    src = source_for(server, aliases=("localhost",))
    data = media.image_fetcher(fetcher, src)(f"http://localhost:{server.port}/anh/lanh-dao.png")
    assert data == PNG_RED


def test_a_redirect_to_a_local_address_is_refused(tmp_path, fetcher):
    with LocalServer(routes=dict(ROUTES)) as srv:
        target = f"http://localhost:{srv.port}/anh/lanh-dao.png"
        srv.routes["/chuyen"] = lambda h: send(h, 302, b"", None, {"Location": target})
        r = media.MediaStore(tmp_path / "media").mirror_markdown(
            body_for(srv, "/chuyen"), media.image_fetcher(fetcher, source_for(srv)))
        assert f"redirected to {target}: a private or local address" in r.problems[0]
        assert not any((tmp_path / "media").rglob("*.png"))


def test_threads_share_one_store(server, fetcher, tmp_path):
    store = media.MediaStore(tmp_path / "media", tmp_path / "media.json")
    fetch = media.image_fetcher(fetcher, source_for(server))
    bodies = [body_for(server, "/anh/lanh-dao.png", "/cdn/ban-sao.png", "/anh/hoi-nghi.jpg")
              for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda b: store.mirror_markdown(b, fetch), bodies))
    store.save()
    assert len({r.body for r in results}) == 1
    assert sorted(p.name for p in store.media_dir.rglob("*") if p.is_file()) == \
        sorted([key_of(PNG_RED, "png").split("/")[1], key_of(JPEG, "jpg").split("/")[1]])
    assert not list(store.media_dir.rglob(".*.tmp"))


def test_one_off_function(server, fetcher, tmp_path):
    r = media.mirror_markdown(body_for(server, "/anh/hoi-nghi.jpg"),
                              media.image_fetcher(fetcher, source_for(server)),
                              tmp_path / "media", index_path=tmp_path / "i.json")
    assert r.media == [key_of(JPEG, "jpg")] and (tmp_path / "i.json").is_file()


# --- references: content/, the site, the feeds -------------------------------------------------

KEY = key_of(PNG_RED, "png")
REF = f"../../../media/{KEY}"


def test_the_stored_reference_resolves_in_content_and_in_site_src(tmp_path):
    article = tmp_path / "content" / "articles" / "2024" / "05" / "bai.md"
    page = tmp_path / "site_src" / "tin-tuc" / "2024" / "05" / "bai" / "index.md"
    assert os.path.normpath(article.parent / REF) == str(tmp_path / "content" / "media" / KEY)
    assert os.path.normpath(page.parent / REF) == str(tmp_path / "site_src" / media_store.SITE_DIR / KEY)


def test_reference_helpers():
    assert media_store.media_key(REF) == KEY == media_store.media_key(f"media/{KEY}")
    assert media_store.media_key(f"../../../media/{KEY}x") is None
    assert media_store.media_key("../../../media/ab/cd12345678901234.png") is None   # wrong folder
    assert media_store.media_key("https://x.vn/media/" + KEY) is None
    assert media_store.site_path(REF) == f"tin-tuc/media/{KEY}"
    assert media_store.page_href(REF, "") == f"tin-tuc/media/{KEY}"
    assert media_store.page_href(REF, "chu-de/nhan-thuc/trang-2/") == f"../../../tin-tuc/media/{KEY}"
    assert media_store.page_href(REF, "tin-tuc/2024/05/bai/") == f"../../../../tin-tuc/media/{KEY}"
    assert media_store.absolute_media_url("https://cds.gov.vn/thai-binh", REF) == \
        f"https://cds.gov.vn/thai-binh/tin-tuc/media/{KEY}"
    assert media_store.absolute_media_url("https://cds.gov.vn/", "https://a.vn/x.png") is None
    for ok in (REF, f"tin-tuc/media/{KEY}", f"../../tin-tuc/media/{KEY}"):
        assert media_store.is_media_src(ok)
    for bad in ("https://a.vn/x.png", f"/media/{KEY}", f"../media/{KEY}?x=1", "javascript:x", ""):
        assert not media_store.is_media_src(bad)


def test_site_markdown_never_leaves_an_outside_picture():
    body = (f"![Ảnh nhà]({REF})\n\n![Lễ &#91;ký&#93;](https://a.vn/x.jpg \"t\")\n\n"
            f"[![Banner](https://a.vn/b.png)](https://a.vn/)\n\n![](https://a.vn/c.png)\n\n"
            f"![Mất](../../../media/{key_of(JPEG, 'jpg')})\n\n![x](data:image/png;base64,AAAA)")
    out = media_store.site_markdown(body, available={KEY})
    assert out.split("\n\n") == [
        f"![Ảnh nhà]({REF})",
        "[Ảnh: Lễ &#91;ký&#93; (xem tại nguồn)](https://a.vn/x.jpg)",
        "[Ảnh: Banner](https://a.vn/)",
        "[Ảnh (xem tại nguồn)](https://a.vn/c.png)",
        "Ảnh: Mất",
        "Ảnh: x",
    ]
    assert media_store.site_markdown(body).count("../../../media/") == 2      # not checked: kept


def _article(**kw) -> Article:
    now = datetime(2024, 5, 9, 18, 37, tzinfo=timezone(timedelta(hours=7)))
    return Article(id="a1", title="Tin", url="https://bao.vn/a.html", source="s",
                   published=now, harvested=now, **kw)


def test_for_site_and_for_feeds():
    art = _article(image=REF, body=f"Chữ.\n\n![Ảnh]({REF} \"Chú thích\")\n\n![Ngoài](https://a.vn/x.jpg)")
    site = media_store.for_site(art)
    assert site.image == REF and "](https://a.vn/x.jpg)" in site.body and "![Ngoài]" not in site.body
    assert media_store.for_site(_article(image="https://a.vn/x.jpg")).image == ""
    assert media_store.for_site(art, available=set()).image == ""
    feed = media_store.for_feeds(art, "https://cds.gov.vn/tb/")
    absolute = f"https://cds.gov.vn/tb/tin-tuc/media/{KEY}"
    assert feed.image == absolute
    assert f'![Ảnh]({absolute} "Chú thích")' in feed.body
    assert art.body.startswith("Chữ.") and art.image == REF          # the input is not changed


# A harvested body as clean writes it, with images that were or were not mirrored.
_alt = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
_img = st.tuples(st.sampled_from(["a.png", "b.jpg", "c.gif", "d.svg", "e.png?x=1&y=(2)",
                                  "f g.png"]), _alt, st.booleans(), st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_img, max_size=6), st.text(max_size=40))
def test_property_no_outside_picture_after_publish_rewrite(tmp_path_factory, images, text):
    parts = [f"<p>{text}</p>"]
    for name, alt, linked, in_table in images:
        img = f'<img src="https://nguon.vn/anh/{name}" alt="{alt}">'
        if linked:
            img = f'<a href="https://nguon.vn/bai">{img}</a>'
        if in_table:
            img = f"<table><tr><td>{img}</td><td>x</td></tr><tr><td>1</td><td>2</td></tr></table>"
        parts.append(img)
    md = tomarkdown.to_markdown("\n".join(parts), "https://nguon.vn/bai")
    store = media.MediaStore(tmp_path_factory.mktemp("m"), workers=1)

    def fetch(url: str) -> bytes:              # "a" and "c" exist at the source
        if "/a.png" in url:
            return PNG_RED
        if "/c.gif" in url:
            return GIF
        raise FetchError(url, "HTTP 404")

    mirrored = store.mirror_markdown(md, fetch)
    assert mirrored.body.replace("\n", "").count("![") == md.replace("\n", "").count("![")
    out = markdown.markdown(media_store.site_markdown(mirrored.body), extensions=["tables", "attr_list"])
    for img in lxml_html.fromstring(f"<div>{out}</div>").iter("img"):
        assert media_store.is_media_src(img.get("src")), img.get("src")
    assert media_store.site_markdown(mirrored.body) == media_store.site_markdown(
        store.mirror_markdown(md, fetch).body)                        # same input, same text


# --- publishing and checking ------------------------------------------------------------------

def _fill(content: Path, *blobs: bytes) -> list[str]:
    store = media.MediaStore(content / "media")
    return [store.put(b)[0] for b in blobs]


def test_sync_media_links_removes_stale_and_is_idempotent(tmp_path):
    content, site_src = tmp_path / "content", tmp_path / "site_src"
    red, jpg, gif = _fill(content, PNG_RED, JPEG, GIF)
    stale = site_src / media_store.SITE_DIR / "00" / "0011223344556677.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (site_src / media_store.SITE_DIR / "ghi-chu.txt").write_text("stray", encoding="utf-8")
    r = media_store.sync_media(content, site_src, keys=[red, jpg, "ff/ff00000000000000.png"])
    assert (r.added, r.removed, r.unchanged, r.missing) == (2, 2, 0, ["ff/ff00000000000000.png"])
    out = site_src / media_store.SITE_DIR
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == \
        sorted([red, jpg])
    assert os.path.samefile(out / red, content / "media" / red)        # hard link, no copy
    assert not (out / "00").exists()                                    # empty folder pruned
    again = media_store.sync_media(content, site_src, keys=[red, jpg])
    assert (again.added, again.removed, again.unchanged) == (0, 0, 2)
    everything = media_store.sync_media(content, site_src)
    assert (everything.added, everything.unchanged) == (1, 2) and (out / gif).is_file()
    nothing = media_store.sync_media(content, site_src, keys=[])
    assert nothing.removed == 3 and not out.exists()


def test_unused_and_missing_media_for_check(tmp_path):
    content = tmp_path / "content"
    red, jpg, gif = _fill(content, PNG_RED, JPEG, GIF)
    lost = key_of(b"\xff\xd8\xffgone", "jpg")
    art = content / "articles" / "2024" / "05" / "bai.md"
    art.parent.mkdir(parents=True)
    art.write_text(f"---\nid: a\nimage: ../../../media/{red}\n---\n\n![x](../../../media/{jpg})\n\n"
                   f"![y](../../../media/{lost})\n", encoding="utf-8")
    (content / "media" / "ghi-chu.txt").write_text("editor's own file", encoding="utf-8")
    assert media_store.unused_media(content) == [Path("media") / gif]
    assert media_store.missing_media(content) == [(Path("articles/2024/05/bai.md"), lost)]
    problems, notes = media_store.check_media(content)
    assert problems == [f"content/articles/2024/05/bai.md: picture media/{lost} is missing from "
                        "content/media/"]
    assert notes == [f"content/media/{gif}: not used by any article (kept; delete it with git rm "
                     "if it is not wanted)"]


def test_put_is_atomic_and_cleanup_removes_leftovers(tmp_path):
    store = media.MediaStore(tmp_path / "media")
    key, written = store.put(PNG_RED)
    assert written and store.put(PNG_RED) == (key, False)
    assert oct(store.path(key).stat().st_mode & 0o777) == "0o644"
    leftover = store.path(key).parent / f".{Path(key).name}.abc.tmp"
    leftover.write_bytes(b"half")
    assert store.cleanup() == [leftover] and not leftover.exists()
    with pytest.raises(media.MediaRefused):
        store.put(SVG)


def test_mkdocs_resolves_the_stored_reference(tmp_path):
    """A page where publish puts an article, the body as stored, the media where sync_media puts
    them: MkDocs (strict: no warning) keeps the link relative and copies the picture."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    content, root = tmp_path / "content", tmp_path / "root"
    (key,) = _fill(content, PNG_RED)
    page = root / "site_src" / "tin-tuc" / "2024" / "05" / "bai" / "index.md"
    page.parent.mkdir(parents=True)
    page.write_text(f"# Tin\n\n![Ảnh]({media_store.store_ref(key)})\n", encoding="utf-8")
    (root / "site_src" / "index.md").write_text("# Trang chủ\n", encoding="utf-8")
    media_store.sync_media(content, root / "site_src")
    (root / "mkdocs.yml").write_text("site_name: T\nsite_url: https://cds.gov.vn/tb/\n"
                                     "docs_dir: site_src\nsite_dir: site\ntheme: mkdocs\n"
                                     "use_directory_urls: true\n", encoding="utf-8")
    build(load_config(config_file=str(root / "mkdocs.yml"), strict=True))
    out = (root / "site" / "tin-tuc" / "2024" / "05" / "bai" / "index.html").read_text("utf-8")
    src = re.search(r'<img alt="Ảnh" src="([^"]+)"', out).group(1)
    assert src == f"../../../media/{key}" and media_store.is_media_src(src)
    assert (root / "site" / "tin-tuc" / "media" / key).read_bytes() == PNG_RED


def test_index_survives_garbage(tmp_path):
    index = tmp_path / "media.json"
    index.write_text("{not json", encoding="utf-8")
    store = media.MediaStore(tmp_path / "media", index)
    store.save()                                                   # nothing changed: kept
    assert index.read_text(encoding="utf-8") == "{not json"

    def broken(url: str) -> bytes:
        raise FetchError(url, "HTTP 500")

    store.mirror_markdown("![a](https://x.vn/a.png)", broken)
    store.save()
    assert '"HTTP 500"' in index.read_text(encoding="utf-8")


# --- wired into harvest, publish, build and check (pipeline.jobs) ---------------------------------

def _rss(srv: LocalServer) -> bytes:
    items = []
    for i, (pic, extra) in enumerate([("/anh/lanh-dao.png", "/anh/mat.png"),
                                      ("/anh/hoi-nghi.jpg", "/anh/logo.svg")]):
        html = (f"<p>Bài {i}: chuyển đổi số ở xã.</p><p><img src=\"{srv.url(pic)}\" alt=\"Ảnh {i}\"></p>"
                f"<p><img src=\"{srv.url(extra)}\" alt=\"Ảnh hỏng {i}\"></p>"
                "<p><img src=\"https://ngoai.example.org/x.jpg\" alt=\"Ảnh ngoài\"></p>")
        items.append(f"<item><title>Bài {i} về chuyển đổi số</title>"
                     f"<link>{srv.url(f'/bai-{i}.html')}</link><guid>{srv.url(f'/bai-{i}.html')}</guid>"
                     f"<pubDate>Wed, 0{i + 1} May 2024 08:00:00 +0700</pubDate>"
                     f"<content:encoded><![CDATA[{html}]]></content:encoded></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>'
            f"<link>{srv.url('/')}</link>{''.join(items)}</channel></rss>").encode()


@pytest.fixture
def harvested_root(tmp_path):
    from pipeline import config as config_mod
    from pipeline import jobs

    holder: list[LocalServer] = []
    routes = {**ROUTES, "/rss.xml": lambda h: send(h, 200, _rss(holder[0]), "application/rss+xml")}
    with LocalServer(routes=routes) as srv:
        holder.append(srv)
        root = tmp_path / "root"
        jobs.init_root_files(root)
        (root / "feeds.yml").write_text(
            "site:\n  title: Thử\n  url: https://cds.example.vn/tb/\n"
            "sources:\n  - id: bao-thu\n    name: Báo Thử\n    kind: feed\n"
            f"    url: {srv.url('/rss.xml')}\n", encoding="utf-8")
        config = config_mod.load(root)
        report = jobs.harvest(config, progress=False)
        yield srv, config, report


def test_harvest_mirrors_and_the_site_loads_only_its_own_pictures(harvested_root):
    from pipeline import jobs
    from pipeline.store import articles as store

    srv, config, report = harvested_root
    assert report.ok and report.sources[0].new == 2
    assert not report.sources[0].errors                  # picture problems are not page errors
    arts = store.Store(config.content_dir).articles()
    keys = media_store.referenced(arts)
    assert keys == {key_of(PNG_RED, "png"), key_of(JPEG, "jpg")}
    assert all(media_store.outside_images(a) for a in arts)   # the failed and outside ones stay

    pub, result = jobs.build(config, progress=False)
    site = config.root / "site"
    assert {str(p.relative_to(site / media_store.SITE_DIR)) for p in (site / media_store.SITE_DIR).rglob("*.*")} == keys
    for page in site.rglob("*.html"):
        for src in lxml_html.fromstring(page.read_bytes()).xpath("//img/@src"):
            assert media_store.is_media_src(src) or not src.startswith(("http", "//")), (page, src)
            assert "ngoai.example.org" not in src and "127.0.0.1" not in src
    rss = (site / "rss.xml").read_text(encoding="utf-8")
    assert "https://cds.example.vn/tb/tin-tuc/media/" in rss and "ngoai.example.org/x.jpg" in rss
    assert not re.search(r'src="http://127\.0\.0\.1', rss.replace("&quot;", '"'))
    assert jobs.build(config, progress=False)[1].rendered == 0

    # A picture lost from content/: shown as text, a problem for `cds check`; back: re-rendered.
    lost = config.content_dir / media_store.MEDIA_DIR / key_of(JPEG, "jpg")
    data = lost.read_bytes()
    lost.unlink()
    problems, _notes = jobs.check(config.root)
    assert any(key_of(JPEG, "jpg") in p for p in problems)
    assert jobs.build(config, progress=False)[1].rendered >= 1
    assert not (site / media_store.SITE_DIR / key_of(JPEG, "jpg")).exists()
    lost.write_bytes(data)
    assert jobs.build(config, progress=False)[1].rendered >= 1
    assert (site / media_store.SITE_DIR / key_of(JPEG, "jpg")).read_bytes() == JPEG
    assert jobs.build(config, progress=False)[1].rendered == 0


def test_articles_stored_before_mirroring_are_caught_up(harvested_root):
    from dataclasses import replace

    from pipeline import jobs
    from pipeline.store import articles as store

    srv, config, _ = harvested_root
    st_ = store.Store(config.content_dir)
    old = [a for a in st_.articles() if key_of(PNG_RED, "png") in a.body][0]
    before = replace(old, body=old.body.replace(media_store.store_ref(key_of(PNG_RED, "png")),
                                                srv.url("/cdn/ban-sao.png")))
    st_.write(before)
    locked = replace([a for a in st_.articles() if a.id != old.id][0], locked=True,
                     body="Khoá.\n\n![Ảnh](" + srv.url("/anh/xanh.png") + ")\n")
    st_.write(locked)
    jobs.harvest(config, progress=False)
    fresh = store.Store(config.content_dir)
    assert media_store.store_ref(key_of(PNG_RED, "png")) in fresh.get(old.id).body
    assert fresh.get(old.id).updated == before.updated
    assert srv.url("/anh/xanh.png") in fresh.get(locked.id).body         # locked: untouched
    assert not (config.content_dir / media_store.MEDIA_DIR / key_of(PNG_BLUE, "png")).exists()


def test_never_fetched_agrees_with_the_fetcher_and_asks_nobody():
    src = Source(id="bao", name="Báo", kind="feed", url="https://www.baothu.vn/rss.xml",
                 timeout=5, user_agent="cds-test", aliases=("m.baothu.vn",))
    looked_up: list[str] = []

    def public(host, port):
        looked_up.append(host)
        return [(2, 1, 6, "", ("203.113.1.9", 0))]

    getter = _Recorder()
    for hosts in ((), ("photo.cdn-anh.vn",), ("*",)):
        never = media.never_fetched(src, hosts=hosts)
        fetch = media.image_fetcher(getter, src, hosts=hosts, resolve=public)
        for url in ("https://www.baothu.vn/a.png", "https://cdn.baothu.vn/a.png",
                    "https://photo.cdn-anh.vn/x/a.png", "https://baothu.vn.evil.vn/a.png",
                    "https://xbaothu.vn/a.png", "https://www.baothu.vn:8443/a.png",
                    "ftp://baothu.vn/a.png", "data:image/png;base64,AAAA", "http://[::1]/a.png"):
            asked, looked = len(getter.asked), len(looked_up)
            try:
                fetch(url)
                refused = False
            except media.MediaNotAllowed:
                refused = True
            if never(url):                  # never fetched: refused before any request or lookup
                assert refused and (len(getter.asked), len(looked_up)) == (asked, looked), url
            elif not refused:
                assert len(getter.asked) == asked + 1, url
    assert media.never_fetched(src)("https://x.vn/a.png")
    assert not media.never_fetched(src, hosts=["*"])("https://x.vn/a.png")


def test_the_remembered_never_answers_as_never_fetched_per_source_as_configured():
    """The harvest remembers ``never_fetched``'s answers between runs of one process
    (``run._never_memo``): the same answer for every address, asked once, and a source whose
    configuration changed (another alias) is answered for anew."""
    from dataclasses import replace

    from pipeline.harvest import run

    src = Source(id="bao", name="Báo", kind="feed", url="https://www.baothu.vn/rss.xml")
    urls = ["https://www.baothu.vn/a.png", "https://m.baothu.vn/a.png", "https://x.vn/a.png",
            "ftp://baothu.vn/a.png", "data:image/png;base64,AAAA"]
    run._NEVER.clear()
    remembered = run._never_memo(src)
    assert [remembered(u) for u in urls] == [media.never_fetched(src)(u) for u in urls]
    assert run._NEVER[src] == {u: media.never_fetched(src)(u) for u in urls}
    assert [run._never_memo(src)(u) for u in urls] == [remembered(u) for u in urls]
    wider = replace(src, aliases=("baothu.com.vn",))
    assert run._never_memo(wider)("https://baothu.com.vn/a.png") is False
    assert remembered("https://baothu.com.vn/a.png") is True
    run._NEVER.clear()


def test_stored_articles_whose_pictures_no_request_can_change_are_skipped_others_caught_up(
        harvested_root):
    from dataclasses import replace

    from pipeline import jobs
    from pipeline.store import articles as store

    srv, config, _ = harvested_root
    mirror = media.MediaStore.for_config(config)
    known = "https://anh-chung.example.org/da-luu.png"   # another site's, stored already
    mirror.mirror_markdown(f"![x]({known})", lambda url: PNG_BLUE)
    mirror.save()
    st_ = store.Store(config.content_dir)
    first, second = st_.articles()[:2]
    # only pictures no request is made for: one the media index knows, one it does not
    st_.write(replace(first, image="", body=f"Bài một.\n\n![Ảnh chung]({known})\n"))
    elsewhere = "https://ngoai.example.org/khong-bao-gio.png"
    st_.write(replace(second, image="", body=f"Bài hai.\n\n![Ảnh ngoài]({elsewhere})\n"))
    before = (config.content_dir / second.path).read_bytes()
    jobs.harvest(config, progress=False)
    fresh = store.Store(config.content_dir)
    assert media_store.store_ref(key_of(PNG_BLUE, "png")) in fresh.get(first.id).body
    assert known not in fresh.get(first.id).body
    assert (config.content_dir / second.path).read_bytes() == before     # nothing to change


def test_mirroring_stored_articles_reads_only_those_it_may_change(harvested_root):
    """The catch-up pass decides from the store index's briefs: an article whose pictures no
    request can change is never read (nor unpickled) from the index; one it mirrors is."""
    from dataclasses import replace

    from pipeline.core.models import Article
    from pipeline.harvest import run
    from pipeline.harvest.fetch import Fetcher
    from pipeline.store import articles as store
    from pipeline.store import index as store_index

    srv, config, _ = harvested_root
    st_ = store.Store(config.content_dir)
    first, second = st_.articles()[:2]
    st_.write(replace(first, image="", body=f"Bài một.\n\n![Ảnh]({srv.url('/anh/xanh.png')})\n"))
    st_.write(replace(second, image="",
                      body="Bài hai.\n\n![Ảnh ngoài](https://ngoai.example.org/khong.png)\n"))
    for art in (first, second):    # older than the index's trusted-time margin (fileio.
        path = config.content_dir / art.path     # trusted_mtime): else read again by design
        old = path.stat().st_mtime_ns - 10_000_000_000
        os.utime(path, ns=(old, old))
    store_index.open_indexed(config.content_dir, config.state_dir, tz=st_.tz).briefs()  # indexed
    indexed = store_index.open_indexed(config.content_dir, config.state_dir, tz=st_.tz)
    mirror = media.MediaStore.for_config(config)
    with Fetcher(max_bytes=media.MAX_BYTES) as fetcher:
        assert run.mirror_stored(config, indexed, mirror, fetcher) == 1
    read = {k for k, v in dict.items(indexed._articles) if isinstance(v, Article)}
    assert read == {first.id}
    assert media_store.store_ref(key_of(PNG_BLUE, "png")) in \
        store.Store(config.content_dir).get(first.id).body


_URL_PIECES = st.sampled_from(["http", "https", "HTTPS", "ftp", "data:", "://", ":", "//", "/",
                               "?", "#", "@", " ", "\t", "\n", ".", "-", "[::1]", "www", "baothu",
                               ".vn", "m.baothu.vn", "x.vn", ":443", ":80", ":8443", ":0",
                               ":99999", "a.png", "ảnh", "%2F", "\\"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(_URL_PIECES, max_size=10).map("".join), min_size=1, max_size=12))
def test_never_fetched_answers_each_address_as_if_asked_alone(urls: list[str]):
    """``never_fetched`` answers once for each plain "scheme://host:port" it sees: every address,
    asked in any order after others of the same origin, gets the answer a new check gives it
    alone (the scheme, host and port are all it reads)."""
    src = Source(id="bao", name="Báo", kind="feed", url="https://www.baothu.vn/rss.xml",
                 aliases=("m.baothu.vn",))
    for hosts in ((), ("x.vn",)):
        never = media.never_fetched(src, hosts=hosts)
        assert [never(u) for u in urls + urls[::-1]] == \
            [media.never_fetched(src, hosts=hosts)(u) for u in urls + urls[::-1]]
