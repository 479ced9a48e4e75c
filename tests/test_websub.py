"""WebSub: a build notes the feeds whose bytes changed; `cds ping` POSTs hub.mode=publish for
each to a real hub on loopback (a small server here), forgets what the hub accepted, and gives
one line and exit 1 when the hub refuses, is gone or is too slow (the feeds stay pending)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.cli.main import main
from pipeline.core.models import Article
from pipeline.site import websub
from pipeline.store import articles as store_mod
from tests.conftest import make_root


class Hub:
    """POST /ok → 204, /fail → 500, /slow → 204 after 2 s; every POST recorded."""

    def __init__(self):
        self.posts: list[tuple[str, dict]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                hub.posts.append((self.path, parse_qs(body)))
                if self.path == "/slow":
                    time.sleep(2)
                self.send_response(500 if self.path == "/fail" else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def hub():
    h = Hub()
    yield h
    h.close()


def _feeds_yml(hub_url: str) -> str:
    return f"""\
site: {{title: Chuyển đổi số Tỉnh Thử, url: "https://cds.example.gov.vn/", hub: "{hub_url}"}}
sources:
  - {{id: bao-thu, name: Báo Thử, kind: feed, url: "https://bao.example.vn/rss"}}
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory, hub) -> Path:
    root = make_root(tmp_path_factory.mktemp("websub") / "root", _feeds_yml(hub.url("/ok")))
    config = config_mod.load(root)
    when = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
    store_mod.Store(config.content_dir).write(Article(
        id="00000000000000b1", title="Tin thử WebSub", url="https://bao.example.vn/b1.html",
        source="bao-thu", published=when, harvested=when, body="Nội dung thử.", themes=["nhan-thuc"]))
    jobs.build(config, progress=False)
    return root


def test_build_notes_changed_feeds_and_ping_announces_them(root: Path, hub: Hub, capsys):
    pending = websub.pending(root)
    assert {"rss.xml", "atom.xml", "feed.json", "chu-de/nhan-thuc/feed.json",
            "nguon/bao-thu/rss.xml"} <= set(pending)
    rss = (root / "site/rss.xml").read_text(encoding="utf-8")
    assert f'href="{hub.url("/ok")}" rel="hub"' in rss
    hub.posts.clear()
    assert main(["--root", str(root), "ping"]) == 0
    assert "WebSub: " in capsys.readouterr().err
    assert all(path == "/ok" and q["hub.mode"] == ["publish"] for path, q in hub.posts)
    assert sorted(q["hub.url"][0] for _, q in hub.posts) == \
        sorted("https://cds.example.gov.vn/" + p for p in pending)
    assert websub.pending(root) == []
    hub.posts.clear()
    assert main(["--root", str(root), "ping"]) == 0                  # nothing changed since
    assert hub.posts == []
    config = config_mod.load(root)
    jobs.build(config, progress=False)                                # the same content again
    assert websub.pending(root) == []


def test_a_failing_hub_is_one_line_exit_1_and_the_feeds_stay_pending(root: Path, hub: Hub, capsys):
    config = config_mod.load(root)
    (root / ".cds" / websub.STATE).write_text('{"pending": ["atom.xml", "rss.xml"]}', encoding="utf-8")
    capsys.readouterr()
    for url, words in ((hub.url("/fail"), "HTTP 500"), ("http://127.0.0.1:9/hub", "cannot be reached")):
        failing = replace(config, site=replace(config.site, hub=url))
        with pytest.raises(websub.PingError) as err:
            websub.ping(failing)
        assert words in str(err.value) and "\n" not in str(err.value)
        assert websub.pending(root) == ["atom.xml", "rss.xml"]
    slow = replace(config, site=replace(config.site, hub=hub.url("/slow")))
    started = time.monotonic()
    with pytest.raises(websub.PingError, match="no answer within 0.5 s"):
        websub.ping(slow, timeout=0.5)
    assert time.monotonic() - started < 1.9
    assert websub.pending(root) == ["atom.xml", "rss.xml"]
    # through the command line: exit 1, one line
    (root / "feeds.yml").write_text(_feeds_yml(hub.url("/fail")), encoding="utf-8")
    try:
        assert main(["--root", str(root), "ping"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: WebSub hub ")
    finally:
        (root / "feeds.yml").write_text(_feeds_yml(hub.url("/ok")), encoding="utf-8")
    assert main(["--root", str(root), "ping"]) == 0
    assert websub.pending(root) == []


def test_no_hub_is_a_usage_error(tmp_path: Path, capsys):
    root = make_root(tmp_path / "r", """\
site: {title: T, url: "https://cds.example.gov.vn/"}
sources:
  - {id: a, name: A, kind: feed, url: "https://a.example.vn/rss"}
""")
    assert main(["--root", str(root), "ping"]) == 2
    assert "site.hub is not set" in capsys.readouterr().err


def test_run_has_a_ping_option():
    from pipeline.cli.main import build_parser

    assert build_parser().parse_args(["run", "--ping"]).ping is True
    assert build_parser().parse_args(["run"]).ping is False
