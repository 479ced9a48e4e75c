"""What the site offers other sites, on a real demo build: the JSON API, the embeddable columns
(also in Chromium, inside an <iframe> of a page on another loopback port), share cards on every
page kind, OPML lists, the webmasters' page; only published articles anywhere."""

from __future__ import annotations

import json
import re
import struct
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree, html

from pipeline.demo.localserver import LocalServer, send
from pipeline.site import portal
from pipeline.site.portal import api, share
from tests.browser import Browser, chromium_path
from tests.nginx_site import nginx_serving
from tests.test_feeds_out import NAMES, make_article, make_config

SITE_URL = "http://127.0.0.1:8000/"          # the demo's site.url


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pipeline.jobs import run_demo

    root = tmp_path_factory.mktemp("portal") / "demo"
    config, _, _ = run_demo(root, progress=False)
    return config, root / "site"


def _json(site: Path, rel: str):
    return json.loads((site / rel).read_text(encoding="utf-8"))


# --- JSON API -------------------------------------------------------------------------------------

def test_api_index_and_every_endpoint(demo):
    config, site = demo
    index = _json(site, "api/index.json")
    assert index["version"] == 1 and index["site"]["url"] == SITE_URL
    for name, url in index["endpoints"].items():
        assert url.startswith(SITE_URL + "api/")
        if name != "results":                                   # written by another stage
            assert (site / url[len(SITE_URL):]).is_file(), name
    first = _json(site, "api/bai-viet/trang-1.json")
    assert first["total"] == index["total_articles"] > 0 and first["page"] == 1
    dates = [i["published"] for i in first["items"]]
    assert dates == sorted(dates, reverse=True)                 # newest first
    feed_ids = [i["id"] for i in _json(site, "feed.json")["items"]]
    assert [i["guid"] for i in first["items"]][:len(feed_ids)] == feed_ids[:len(first["items"])]
    for item in first["items"]:
        assert item["url"].startswith(SITE_URL + "tin-tuc/") and item["published"].endswith("+07:00")
        assert re.fullmatch(r"[0-9a-f]{16}", item["id"])


def test_api_themes_sources_months_register(demo):
    config, site = demo
    total = _json(site, "api/index.json")["total_articles"]
    themes = _json(site, "api/chu-de/index.json")["themes"]
    assert {t["id"] for t in themes} >= {"nhan-thuc", "trach-nhiem", "van-ban", "dien-hinh"}
    for t in themes:
        page = _json(site, f"api/chu-de/{t['id']}/trang-1.json")
        assert page["total"] == t["count"] and all(t["id"] in [x["id"] for x in i["themes"]]
                                                     for i in page["items"])
    sources = _json(site, "api/nguon/index.json")["sources"]
    assert sum(s["count"] for s in sources) == total
    months = _json(site, "api/thang/index.json")["months"]
    assert sum(m["count"] for m in months) == total
    month = _json(site, f"api/thang/{months[0]['month']}.json")
    assert all(i["published"].startswith(months[0]["month"]) for i in month["items"])
    register = _json(site, "api/van-ban.json")
    assert register["total"] == len(register["documents"]) > 0
    doc = register["documents"][0]
    assert doc["page"].startswith(SITE_URL + "van-ban/") and "number" in doc


def test_only_published_articles_anywhere(tmp_path: Path):
    arts = [make_article(i) for i in range(6)]
    arts += [make_article(7, status="pending", title="Tin chờ duyệt"),
             make_article(8, status="rejected", title="Tin bị loại")]
    res = portal.write_portal(make_config(tmp_path), arts, tmp_path / "site", theme_names=NAMES)
    text = "".join((tmp_path / "site" / rel).read_text(encoding="utf-8") for rel in res.files)
    assert "Tin số 5" in text
    assert "Tin chờ duyệt" not in text and "Tin bị loại" not in text
    assert _json(tmp_path / "site", "api/bai-viet/trang-1.json")["total"] == 6
    again = portal.write_portal(make_config(tmp_path), arts, tmp_path / "site", theme_names=NAMES)
    assert again.written == 0 and again.files == res.files     # nothing new: nothing rewritten


def test_api_pages_link_to_each_other(tmp_path: Path):
    arts = [make_article(i) for i in range(api.PER_PAGE + 3)]
    portal.write_portal(make_config(tmp_path), arts, tmp_path / "site", theme_names=NAMES)
    one = _json(tmp_path / "site", "api/bai-viet/trang-1.json")
    two = _json(tmp_path / "site", "api/bai-viet/trang-2.json")
    assert one["pages"] == 2 and one["next"].endswith("api/bai-viet/trang-2.json") and one["prev"] is None
    assert len(two["items"]) == 3 and two["next"] is None
    assert {i["id"] for i in one["items"]}.isdisjoint({i["id"] for i in two["items"]})


# --- embeddable columns ---------------------------------------------------------------------------

def test_embed_files_are_static_and_safe(demo):
    config, site = demo
    files = sorted((site / "embed").rglob("*.html"))
    themes = [d.name for d in (site / "embed/chu-de").iterdir()]
    assert len(files) == (1 + len(themes) + len(list((site / "embed/nguon").iterdir()))) * 18      # 3 variants × 5..10
    for path in files[:40] + files[-5:]:
        text = path.read_text(encoding="utf-8")
        doc = html.fromstring(text)
        assert doc.get("lang") == "vi"
        assert "<script" not in text.lower() and "@font-face" not in text and "url(" not in text
        assert not any(k.startswith("on") for el in doc.iter() if isinstance(el.tag, str)
                       for k in el.attrib)
        links = doc.xpath("//a")
        assert links
        for a in links:
            assert a.get("target") == "_blank" and "noopener" in a.get("rel", "").split()
            assert a.get("href").startswith(SITE_URL)
        count = re.search(r"-(\d+)\.html$", path.name)
        items = doc.xpath("//li")
        assert len(items) <= (int(count.group(1)) if count else 10)
    dark = (site / "embed/toi-5.html").read_text(encoding="utf-8")
    assert "#1e1e24" in dark and "prefers-color-scheme" not in dark
    assert "prefers-color-scheme" in (site / "embed/index.html").read_text(encoding="utf-8")


# --- share cards ----------------------------------------------------------------------------------

def _page_files(site: Path) -> dict[str, Path]:
    def first(pattern: str, with_image: bool | None = None) -> Path:
        for path in sorted(site.glob(pattern)):
            text = path.read_text(encoding="utf-8")
            if with_image is None or with_image == ('property="og:image"' in text):
                return path
        raise AssertionError(f"no page {pattern} (image: {with_image})")

    return {
        "home": site / "index.html", "themes": site / "chu-de/index.html",
        "theme": first("chu-de/*/index.html"), "source": first("nguon/*/index.html"),
        "article-image": first("tin-tuc/*/*/*/index.html", True),
        "article-text": first("tin-tuc/*/*/*/index.html", False),
        "archive": site / "luu-tru/index.html", "month": first("luu-tru/*/*/index.html"),
        "register": site / "van-ban/index.html", "document": first("van-ban/*/index.html"),
        "stories": site / "cau-chuyen-thanh-cong/index.html", "about": site / "gioi-thieu/index.html",
        "search": site / "tim-kiem/index.html", "webmasters": site / "nhung-tin/index.html",
        "not-found": site / "404.html",
    }


def test_open_graph_and_twitter_tags_on_every_page_kind(demo):
    config, site = demo
    for kind, path in _page_files(site).items():
        doc = html.fromstring(path.read_text(encoding="utf-8"))
        og = {m.get("property"): m.get("content") for m in doc.xpath("//head/meta[@property]")}
        tw = {m.get("name"): m.get("content") for m in doc.xpath("//head/meta[@name]")
              if m.get("name", "").startswith("twitter:")}
        assert og.get("og:locale") == "vi_VN", kind
        assert og.get("og:title") and "&amp;" not in og["og:title"] and "<" not in og["og:title"], kind
        assert og.get("og:site_name") == config.site.title, kind
        assert og.get("og:url", "").startswith(SITE_URL), kind
        assert og.get("og:description"), kind
        assert tw.get("twitter:card") in ("summary", "summary_large_image"), kind
        canonical = doc.xpath("//head/link[@rel='canonical']/@href")
        if kind != "not-found":
            assert canonical and og["og:url"] == canonical[0], kind
        assert og["og:type"] == ("article" if kind.startswith("article") else "website"), kind
        if kind == "article-image":
            assert og["og:image"].startswith(SITE_URL + "tin-tuc/media/")
            local = site / og["og:image"][len(SITE_URL):]
            w, h = share.image_size(local.read_bytes())
            assert (og["og:image:width"], og["og:image:height"]) == (str(w), str(h))
            assert tw["twitter:card"] == "summary_large_image" and tw["twitter:image"] == og["og:image"]
            assert og["article:published_time"].endswith("+07:00")
        if kind.startswith("article"):
            share_links = doc.xpath("//*[contains(@class,'cds-share')]//a/@href")
            assert any(h.startswith("https://www.facebook.com/sharer/sharer.php?u=")
                       and unquote(h.split("?u=", 1)[1]) == og["og:url"] for h in share_links)
            assert og["og:url"] in share_links                       # Zalo, copy link
            assert not doc.xpath("//script[contains(@src,'facebook') or contains(@src,'zalo')]")


def test_json_feed_announced_in_head(demo):
    _, site = demo
    pages = _page_files(site)
    for kind in ("home", "article-text", "theme", "document"):
        doc = html.fromstring(pages[kind].read_text(encoding="utf-8"))
        hrefs = doc.xpath("//head/link[@rel='alternate'][@type='application/feed+json']/@href")
        assert hrefs, kind
        for href in hrefs:
            target = (pages[kind].parent / href).resolve()
            assert target.is_file(), (kind, href)


@pytest.mark.parametrize("data,size", [
    (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 640, 360), (640, 360)),
    (b"GIF89a" + struct.pack("<HH", 12, 34) + b"\0" * 10, (12, 34)),
    (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0" + b"\0" * 9
     + b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 480, 1200) + b"\0" * 12, (1200, 480)),
    (b"RIFF\0\0\0\0WEBPVP8X" + b"\0" * 8 + (799).to_bytes(3, "little") + (599).to_bytes(3, "little"),
     (800, 600)),
    (b"not an image at all", None),
])
def test_image_size(data, size):
    assert share.image_size(data) == size


# --- OPML -----------------------------------------------------------------------------------------

def test_opml_lists(demo):
    config, site = demo
    own = etree.parse(str(site / "feeds.opml")).getroot()
    urls = [o.get("xmlUrl") for o in own.iter("outline")]
    assert SITE_URL + "rss.xml" in urls and SITE_URL + "chu-de/nhan-thuc/rss.xml" in urls
    assert all((site / u[len(SITE_URL):]).is_file() for u in urls)
    sources = etree.parse(str(site / "nguon.opml")).getroot()
    outlines = list(sources.iter("outline"))
    assert len(outlines) == len(config.sources)
    for o, s in zip(outlines, config.sources, strict=True):
        assert o.get("text") == s.name
        assert (o.get("xmlUrl") if s.kind == "feed" else o.get("url")) == s.url


# --- in Chromium ----------------------------------------------------------------------------------

CHROMIUM = chromium_path()
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


@pytest.fixture(scope="module")
def servers(demo):
    _, site = demo
    with LocalServer(site) as own:
        host_page = (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Cổng xã</title>'
                     f'</head><body><h1>Cổng thông tin xã</h1>'
                     f'<iframe id="cot" src="{own.url("/embed/toi-5.html")}" width="320" height="520" '
                     f'title="Tin chuyển đổi số">'      # no sandbox: the column itself must run nothing
                     f'</iframe></body></html>').encode()
        routes = {"/": lambda h: send(h, 200, host_page, "text/html; charset=utf-8")}
        with LocalServer(routes=routes) as portal_host:
            yield own, portal_host


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium not installed")
    with Browser(CHROMIUM) as b:
        yield b


def _frame_eval(tab, frame_id: str, expression: str):
    ctx = tab.call("Page.createIsolatedWorld", frameId=frame_id, worldName="cds-test")["executionContextId"]
    res = tab.call("Runtime.evaluate", expression=expression, contextId=ctx, returnByValue=True)
    assert "exceptionDetails" not in res, res
    return res["result"]["value"]


@needs_browser
def test_embed_in_an_iframe_of_another_origin(servers, browser):
    own, portal_host = servers
    tab = browser.tab(width=400, height=700)
    try:
        tab.record_network()
        tab.goto(portal_host.url("/"))
        tab.settle()
        tree = tab.call("Page.getFrameTree")["frameTree"]
        children = tree.get("childFrames") or []
        assert len(children) == 1
        frame = children[0]["frame"]
        assert frame["url"] == own.url("/embed/toi-5.html")
        info = _frame_eval(tab, frame["id"], """({
            lang: document.documentElement.lang,
            scripts: document.scripts.length,
            items: document.querySelectorAll('li').length,
            links: [...document.querySelectorAll('a')].map(a => [a.target, a.rel, a.href]),
            width: document.documentElement.scrollWidth,
            bg: getComputedStyle(document.body).backgroundColor,
            fonts: document.fonts.size,
            text: document.body.innerText})""")
        assert info["lang"] == "vi" and info["scripts"] == 0 and info["fonts"] == 0
        assert info["items"] == 5 and "Xem thêm" in info["text"]
        assert info["width"] <= 320                       # fits the 320 px frame: no side scroll
        assert info["bg"] == "rgb(30, 30, 36)"            # the dark variant
        for target, rel, href in info["links"]:
            assert target == "_blank" and "noopener" in rel.split() and href.startswith(SITE_URL)
        hosts = {urlsplit(r.url).netloc for r in tab.requests if r.url.startswith("http")}
        assert hosts <= {f"127.0.0.1:{own.port}", f"127.0.0.1:{portal_host.port}"}, hosts
        assert not [r for r in tab.requests if r.type in ("Script", "Font")], tab.requests
        assert tab.console_errors == []
    finally:
        tab.close()


@needs_browser
def test_webmasters_page_builds_the_snippet_and_previews_it(servers, browser):
    own, _ = servers
    tab = browser.tab(width=1024, height=900)
    try:
        tab.record_network()
        tab.goto(own.url("/nhung-tin/"))
        tab.settle()
        snippet = tab.js("document.getElementById('cds-nhung-ma').value")
        assert snippet.startswith('<iframe src="' + SITE_URL + "embed/index.html")
        assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in snippet
        tab.js("""(() => {
            const col = document.getElementById('cds-nhung-cot');
            col.value = 'chu-de/nhan-thuc/'; col.dispatchEvent(new Event('change'));
            const so = document.getElementById('cds-nhung-so');
            so.value = '6'; so.dispatchEvent(new Event('change'));
            const mau = document.getElementById('cds-nhung-mau');
            mau.value = 'sang'; mau.dispatchEvent(new Event('change'));
            const w = document.getElementById('cds-nhung-rong');
            w.value = '300'; w.dispatchEvent(new Event('input'));
        })()""")
        snippet = tab.js("document.getElementById('cds-nhung-ma').value")
        assert f'src="{SITE_URL}embed/chu-de/nhan-thuc/sang-6.html"' in snippet
        assert 'width="300" height="420"' in snippet
        tab.wait("document.getElementById('cds-nhung-xem').src.endsWith('/embed/chu-de/nhan-thuc/sang-6.html')")
        # the sandboxed preview is its own process (not this tab's network log): ask the server
        tab.wait("true")

        deadline = time.monotonic() + 10
        while "/embed/chu-de/nhan-thuc/sang-6.html" not in own.paths_requested():
            assert time.monotonic() < deadline, "the preview did not load the chosen column"
            time.sleep(0.05)
        assert tab.js("document.getElementById('cds-nhung-xem').width") == "300"
        hosts = {urlsplit(r.url).netloc for r in tab.requests if r.url.startswith("http")}
        assert hosts == {f"127.0.0.1:{own.port}"}, hosts
        assert tab.console_errors == []
    finally:
        tab.close()


# --- the nginx configuration shipped in deploy/ ---------------------------------------------------

def test_nginx_frames_embeds_and_opens_the_api_to_other_sites(demo, tmp_path):
    import requests

    _, site = demo
    with nginx_serving(site, tmp_path) as base:
        page = requests.get(base + "/", timeout=5)
        assert page.headers["X-Frame-Options"] == "SAMEORIGIN"           # pages: not framed
        embed_r = requests.get(base + "/embed/chu-de/nhan-thuc/toi-5.html", timeout=5)
        assert embed_r.status_code == 200 and "X-Frame-Options" not in embed_r.headers
        assert "frame-ancestors *" in embed_r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in embed_r.headers["Content-Security-Policy"]
        assert embed_r.headers["X-Content-Type-Options"] == "nosniff"
        assert embed_r.headers["Cache-Control"] == "no-cache"
        for path, ctype in (("/api/index.json", "application/json"),
                            ("/api/bai-viet/trang-1.json", "application/json"),
                            ("/feed.json", "application/feed+json; charset=utf-8"),
                            ("/chu-de/nhan-thuc/feed.json", "application/feed+json; charset=utf-8")):
            r = requests.get(base + path, headers={"Origin": "https://xa.example.gov.vn"}, timeout=5)
            assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*", path
            assert r.headers["Content-Type"].startswith(ctype), (path, r.headers["Content-Type"])
            r.json()
        assert requests.get(base + "/feeds.opml", timeout=5).headers["Content-Type"].startswith("text/x-opml")


def test_cds_opml_prints_the_sources_or_the_site_feeds(demo, capsysbinary):
    from pipeline.cli.main import main

    config, site = demo
    assert main(["--root", str(config.root), "opml"]) == 0
    out = capsysbinary.readouterr().out
    assert out == (site / "nguon.opml").read_bytes()
    assert main(["--root", str(config.root), "opml", "--site"]) == 0
    assert capsysbinary.readouterr().out == (site / "feeds.opml").read_bytes()


def test_a_root_overrides_the_column_template_and_the_portal_is_made_again(tmp_path: Path):
    """``<root>/templates/portal/embed.html`` replaces the package's column; editing it makes
    the columns again although no article changed (the portal's digest covers it)."""
    from pipeline.site.portal import embed

    arts = [make_article(i) for i in range(3)]
    state = tmp_path / ".cds" / "portal.json"
    site = tmp_path / "site"
    portal.write_portal(make_config(tmp_path), arts, site, theme_names=NAMES, state_file=state)
    column = (site / "embed" / "index.html").read_text(encoding="utf-8")
    assert "cot-rieng" not in column
    own = tmp_path / "templates" / "portal"
    own.mkdir(parents=True)
    package = (embed.TEMPLATES / "embed.html").read_text(encoding="utf-8")
    (own / "embed.html").write_text(package.replace("<body", "<!-- cot-rieng --><body", 1),
                                    encoding="utf-8")
    again = portal.write_portal(make_config(tmp_path), arts, site, theme_names=NAMES,
                                state_file=state)
    assert not again.skipped
    assert "<!-- cot-rieng -->" in (site / "embed" / "index.html").read_text(encoding="utf-8")
    page = embed.site_files(make_config(tmp_path), dict(NAMES), {"bao-a": "Báo A"})
    assert page == embed.site_files(make_config(tmp_path / "none"), dict(NAMES), {"bao-a": "Báo A"})
