"""Host confinement: a source can make cds fetch only from its own site, compared as origins
(scheme, host, port), on every hop of a redirect, decided before the request is sent."""

from __future__ import annotations

import pytest

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.errors import FetchError
from pipeline.core.models import Source
from pipeline.demo.localserver import LocalServer, send
from pipeline.harvest import confine
from pipeline.harvest.fetch import Fetcher
from pipeline.store import articles as store
from tests.conftest import make_root

SECRET = "BÍ MẬT NỘI BỘ không được công bố"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5e1d7a40000000049454e44ae426082")


def _redirect(to: str):
    return lambda h: send(h, 302, b"", None, {"Location": to})


def _page(text: str, img: str = ""):
    img_tag = f'<p><img src="{img}" alt="ảnh minh hoạ"></p>' if img else ""
    body = (f"<html><head><title>{text}</title></head><body><article><h1>{text}</h1>"
            f"<p>{text}. Đây là một đoạn văn bản đủ dài để được lấy làm nội dung chính của "
            f"bài viết thử nghiệm về chuyển đổi số trên địa bàn tỉnh.</p>{img_tag}"
            f"<p>Đoạn thứ hai của bài viết thử nghiệm, cũng đủ dài để được giữ lại.</p>"
            "</article></body></html>")
    return lambda h: send(h, 200, body.encode("utf-8"), "text/html; charset=utf-8")


@pytest.fixture
def internal():
    """The 'internal' server on another port of the same host: nothing may reach it."""
    routes = {"/secret": _page(SECRET), "/anh.png": lambda h: send(h, 200, PNG, "image/png"),
              "/list": lambda h: send(h, 200, (
                  b'<html><body><div class="item"><a href="/secret">x</a></div></body></html>'
              ), "text/html")}
    with LocalServer(routes=routes) as srv:
        yield srv


def _feed(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Bài {i} về chuyển đổi số</title><link>{link}</link>"
        f"<guid>{link}</guid><description>Tóm tắt bài {i}</description>"
        f"<pubDate>Mon, 07 Dec 2026 08:00:00 +0700</pubDate></item>"
        for i, link in enumerate(links))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Nguồn</title><link>http://x/</link><description>d</description>{items}"
            "</channel></rss>").encode()


def _root(tmp_path, source_yml: str):
    return config_mod.load(make_root(tmp_path / "root", f"""\
site: {{title: Thử nghiệm, url: "http://127.0.0.1:9/"}}
sources:
{source_yml}
"""))


def test_redirects_and_other_origins_never_reach_an_internal_server(tmp_path, internal):
    other = internal.port
    with LocalServer() as src:
        links = [src.url("/chuyen-1"), src.url("/chuyen-2"), src.url("/chuyen-3"),
                 f"http://127.0.0.1:{other}/secret", src.url("/bai-anh")]
        src.routes.update({
            "/feed.rss": lambda h: send(h, 200, _feed(links), "application/rss+xml"),
            "/chuyen-1": _redirect(f"http://localhost:{other}/secret"),
            "/chuyen-2": _redirect(f"http://[::1]:{other}/secret"),
            "/chuyen-3": _redirect(f"http://127.0.0.1:{other}/secret"),
            "/bai-anh": _page("Bài có ảnh", img=f"http://127.0.0.1:{other}/anh.png"),
            "/anh-chuyen.png": _redirect(f"http://127.0.0.1:{other}/anh.png"),
        })
        config = _root(tmp_path, f"""\
  - id: nguon
    name: Nguồn thử
    kind: feed
    url: "{src.url('/feed.rss')}"
""")
        report = jobs.harvest(config, progress=False)
    assert internal.paths_requested() == []
    rep = report.sources[0]
    errors = "\n".join(rep.errors)
    for path in ("/chuyen-1", "/chuyen-2", "/chuyen-3"):
        assert f"{path}: redirected to" in errors and "not on the source's site" in errors
    texts = " ".join(a.body + a.title for a in store.Store(config.content_dir).articles())
    assert SECRET not in texts


def test_listing_next_page_redirect_is_confined(tmp_path, internal):
    with LocalServer() as src:
        src.routes.update({
            "/tin": lambda h: send(h, 200, (
                '<html><body><div class="item"><a href="/bai">Bài một</a></div>'
                '<a class="next" href="/tin-2">sau</a></body></html>').encode(), "text/html"),
            "/tin-2": _redirect(f"http://127.0.0.1:{internal.port}/list"),
            "/bai": _page("Bài một về chuyển đổi số"),
        })
        config = _root(tmp_path, f"""\
  - id: nguon
    name: Nguồn thử
    kind: html
    url: "{src.url('/tin')}"
    list: {{item: .item, link: a, next: a.next, max_pages: 3}}
""")
        jobs.harvest(config, progress=False)
    assert internal.paths_requested() == []


def test_image_redirect_to_another_origin_is_not_followed(tmp_path, internal):
    from pipeline.harvest import media
    with LocalServer() as src:
        src.routes["/anh.png"] = _redirect(f"http://127.0.0.1:{internal.port}/anh.png")
        source = Source(id="s", name="S", kind="feed", url=src.url("/feed.rss"), timeout=5)
        with Fetcher() as f:
            fetch = media.image_fetcher(f, source)
            with pytest.raises(media.MediaNotAllowed):
                fetch(f"http://127.0.0.1:{internal.port}/anh.png")      # another port
            with pytest.raises(FetchError, match=r"redirected to http://127.0.0.1:\d+/anh.png"):
                fetch(src.url("/anh.png"))
    assert internal.paths_requested() == []


def test_fetcher_asks_before_every_hop():
    asked = []
    with LocalServer() as srv:
        srv.routes["/a"] = _redirect("/b")
        srv.routes["/b"] = _redirect("/c")
        srv.routes["/c"] = lambda h: send(h, 200, b"ok", "text/plain")
        with Fetcher() as f:
            got = f.get(srv.url("/a"), timeout=5, user_agent="t",
                        allow=lambda u: asked.append(u) or None)
            assert got.body == b"ok"
            assert [u.rsplit("/", 1)[1] for u in asked] == ["a", "b", "c"]
            with pytest.raises(FetchError, match="redirected to .*/c: no"):
                f.get(srv.url("/a"), timeout=5, user_agent="t",
                      allow=lambda u: "no" if u.endswith("/c") else None)
        assert srv.paths_requested().count("/c") == 1


@pytest.mark.parametrize(("url", "ok"), [
    ("https://baothu.vn/a", True),
    ("http://baothu.vn/a", True),              # the other scheme on its default port
    ("https://baothu.vn:8443/a", False),       # another port: another origin
    ("https://m.baothu.vn/a", True),           # alias
    ("http://m.baothu.vn:80/a", True),
    ("https://m.baothu.vn:444/a", False),
    ("https://evil.vn/a", False),
    ("ftp://baothu.vn/a", False),
])
def test_origins_of_a_source_on_default_ports(url, ok):
    src = Source(id="s", name="S", kind="feed", url="https://baothu.vn/rss", aliases=("m.baothu.vn",))
    assert confine.on_site(src, url) is ok


@pytest.mark.parametrize(("url", "ok"), [
    ("http://127.0.0.1:8001/a", True),
    ("http://127.0.0.1:8002/a", False),
    ("https://127.0.0.1:8001/a", False),
    ("http://localhost:8001/a", True),         # an alias keeps the port of url
    ("http://localhost/a", False),
    ("http://[::1]:8001/a", False),
])
def test_origins_of_a_source_on_another_port(url, ok):
    src = Source(id="s", name="S", kind="feed", url="http://127.0.0.1:8001/rss",
                 aliases=("localhost",))
    assert confine.on_site(src, url) is ok
