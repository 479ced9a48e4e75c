"""Harvest never loses or overwrites an article silently: write failures, other sources' items,
locked files that do not parse."""

from __future__ import annotations

import subprocess
import sys

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.demo.localserver import LocalServer, send
from pipeline.store import articles as store
from pipeline.store.state import State
from tests.conftest import make_root


def _feed(items: list[tuple[str, str, str]]) -> bytes:
    """RSS with full content: (link, title, body text)."""
    out = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{t}</description><content:encoded><![CDATA[<p>{b}</p><p>{b} Thêm một "
        f"câu nữa cho đủ dài.</p>]]></content:encoded>"
        f"<pubDate>Mon, 07 Dec 2026 0{i}:00:00 +0700</pubDate></item>"
        for i, (link, t, b) in enumerate(items))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>N</title>'
            f"<link>http://x/</link><description>d</description>{out}</channel></rss>"
            ).encode()


def _page(title: str, text: str) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{text} Đây là đoạn văn đủ dài để được lấy làm nội dung chính của bài viết "
            f"thử nghiệm về chuyển đổi số trên địa bàn tỉnh.</p><p>{text} Đoạn thứ hai của bài "
            "viết, cũng đủ dài để được giữ lại khi trích xuất.</p></article></body></html>"
            ).encode()


def _serve_feed(srv: LocalServer, path: str, items) -> None:
    """The feed, and each item's page where the link is on ``srv``."""
    srv.routes[path] = lambda h: send(h, 200, _feed(items), "application/rss+xml")
    for link, title, text in items:
        if link.startswith(srv.base):
            page = _page(title, text)
            srv.routes[link[len(srv.base):]] = (
                lambda h, page=page: send(h, 200, page, "text/html; charset=utf-8"))


def _config(root, sources: list[tuple[str, str]]):
    yml = "".join(f"""\
  - id: {sid}
    name: Nguồn {sid}
    kind: feed
    url: "{url}"
""" for sid, url in sources)
    return config_mod.load(make_root(root, f"""\
site: {{title: Thử nghiệm, url: "http://127.0.0.1:9/"}}
sources:
{yml}"""))


def _cds(root, *args):
    return subprocess.run([sys.executable, "-m", "pipeline", "--root", str(root), "-q", *args],
                          capture_output=True, text=True, timeout=120)


def test_a_failed_write_fails_the_source_and_the_entry_is_not_seen(tmp_path):
    with LocalServer() as srv:
        items = [(srv.url(f"/bai-{i}"), f"Bài {i} chuyển đổi số", f"Nội dung bài số {i} về số hoá.")
                 for i in range(3)]
        _serve_feed(srv, "/feed.rss", items)
        config = _config(tmp_path / "root", [("nguon", srv.url("/feed.rss"))])
        articles = config.content_dir / "articles"
        articles.mkdir(parents=True, exist_ok=True)
        # A folder where the month folder must go, made a file: no write can succeed, as root too
        blocker = articles / "2026"
        blocker.write_text("not a folder", encoding="utf-8")
        result = _cds(config.root, "harvest")
        assert result.returncode == 1, result.stderr
        assert "cannot write" in result.stderr and "LỖI: " in result.stderr
        state = State.load(config.state_dir)
        assert all(state.seen(url) is None for url, _, _ in items)
        status = _cds(config.root, "status")
        assert "not stored" in status.stdout + status.stderr
        blocker.unlink()
        again = _cds(config.root, "harvest")
        assert again.returncode == 0, again.stderr
    assert len(store.Store(config.content_dir).articles()) == 3


def test_another_sources_item_never_rewrites_an_article(tmp_path):
    with LocalServer() as a, LocalServer() as b:
        url = a.url("/bai-goc")
        _serve_feed(a, "/feed.rss", [(url, "Bài gốc của nguồn A", "Nội dung gốc của báo A về số hoá.")])
        _serve_feed(b, "/feed.rss", [(url, "Bài sửa của nguồn B", "Nội dung khác hẳn do nguồn B đưa ra.")])
        config = _config(tmp_path / "root", [("nguon-a", a.url("/feed.rss")),
                                             ("nguon-b", b.url("/feed.rss"))])
        report = jobs.harvest(config, progress=False)
    assert report.ok
    arts = store.Store(config.content_dir).articles()
    assert len(arts) == 1
    art = arts[0]
    assert art.source == "nguon-a"
    assert "Nội dung gốc" in art.body and "khác hẳn" not in art.body
    assert art.title == "Bài gốc của nguồn A"
    by_source = {s.source: s for s in report.sources}
    assert by_source["nguon-b"].duplicates == 1


def test_a_locked_file_that_does_not_parse_is_named_left_alone_and_exit_1(tmp_path):
    with LocalServer() as srv:
        url = srv.url("/bai")
        _serve_feed(srv, "/feed.rss", [(url, "Bài một", "Nội dung bài một về số hoá.")])
        config = _config(tmp_path / "root", [("nguon", srv.url("/feed.rss"))])
        assert _cds(config.root, "harvest").returncode == 0
        art = store.Store(config.content_dir).articles()[0]
        path = config.content_dir / art.path
        text = path.read_text(encoding="utf-8").replace("status: published",
                                                        "status: published\nlocked: true\ntitle: [")
        path.write_text(text, encoding="utf-8")
        _serve_feed(srv, "/feed.rss", [(url, "Bài một (sửa)", "Nội dung mới hẳn từ nguồn.")])
        result = _cds(config.root, "harvest")
    assert result.returncode == 1, result.stderr
    assert f"content/{art.path.as_posix()}" in result.stderr
    assert "line " in result.stderr and "left alone" in result.stderr
    assert path.read_text(encoding="utf-8") == text
