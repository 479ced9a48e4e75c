"""The CLI never destroys a root and never answers a user's mistake with a traceback:
`demo` into a real root, `serve` on a busy port, unwritable .cds/, site_src that is a file."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from pipeline import jobs
from pipeline.core.errors import ConfigError
from pipeline.site import siteserver
from tests.conftest import make_root

FEEDS = 'site: {title: Thử nghiệm, url: "http://127.0.0.1:9/"}\nsources: []\n'


def _cds(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pipeline", "-q", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def _one_line_error(result, code=2):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_demo_refuses_a_real_root(tmp_path):
    root = tmp_path / "goc"
    assert _cds("init", root).returncode == 0
    mine = root / "content" / "articles" / "bai-cua-toi.md"
    mine.write_text("---\ntitle: của tôi\n---\n", encoding="utf-8")
    feeds = (root / "feeds.yml").read_text(encoding="utf-8")
    line = _one_line_error(_cds("demo", "--out", root))
    assert str(root) in line and "not made by `cds demo`" in line
    assert mine.read_text(encoding="utf-8") == "---\ntitle: của tôi\n---\n"
    assert (root / "feeds.yml").read_text(encoding="utf-8") == feeds
    (tmp_path / "tep").write_text("x", encoding="utf-8")
    _one_line_error(_cds("demo", "--out", tmp_path / "tep"))


def test_demo_replaces_only_its_own_root(tmp_path):
    demo = tmp_path / "demo"
    jobs.prepare_demo_root(demo, "http://127.0.0.1:9")
    assert (demo / jobs.DEMO_MARKER).is_file()
    (demo / "content" / "articles" / "cu.md").write_text("old", encoding="utf-8")
    jobs.prepare_demo_root(demo, "http://127.0.0.1:9")          # a previous demo: replaced
    assert not (demo / "content" / "articles" / "cu.md").exists()
    empty = tmp_path / "rong"
    empty.mkdir()
    jobs.prepare_demo_root(empty, "http://127.0.0.1:9")         # an empty folder: fine
    (demo / jobs.DEMO_MARKER).unlink()
    with pytest.raises(ConfigError):
        jobs.prepare_demo_root(demo, "http://127.0.0.1:9")


def test_serve_on_a_busy_port_is_one_line_exit_2(tmp_path):
    root = make_root(tmp_path / "root", FEEDS)
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("<p>trang chủ</p>", encoding="utf-8")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _one_line_error(_cds("--root", root, "serve", "--no-build", "--port", port))
    assert f"127.0.0.1:{port} is already in use" in line


def test_serve_answers_missing_pages_with_the_sites_404(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>trang chủ</p>", encoding="utf-8")
    (site / "404.html").write_text("<h1>Không tìm thấy trang</h1>", encoding="utf-8")
    httpd = siteserver.make_server(site, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        with urllib.request.urlopen(base + "/") as r:
            assert "trang chủ" in r.read().decode()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + "/khong-co/")
        assert err.value.code == 404
        assert "Không tìm thấy trang" in err.value.read().decode()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_corrupt_state_is_set_aside_with_one_warning(tmp_path):
    root = make_root(tmp_path / "root", FEEDS)
    (root / ".cds").mkdir()
    (root / ".cds" / "state.json").write_text("{ hỏng", encoding="utf-8")
    result = _cds("--root", root, "harvest")
    assert result.returncode == 0, result.stderr
    lines = [x for x in result.stderr.splitlines() if x.startswith("warning:")]
    assert len(lines) == 1, result.stderr
    assert str(root / ".cds" / "state.json") in lines[0]
    assert str(root / ".cds" / "state.json.bad") in lines[0]
    assert (root / ".cds" / "state.json.bad").read_text(encoding="utf-8") == "{ hỏng"


def test_an_unusable_state_folder_or_site_src_is_one_line(tmp_path):
    root = make_root(tmp_path / "root", FEEDS)
    (root / ".cds").write_text("not a folder", encoding="utf-8")   # root ignores chmod: a file
    line = _one_line_error(_cds("--root", root, "harvest"))
    assert ".cds" in line
    (root / ".cds").unlink()
    (root / "site_src").write_text("not a folder", encoding="utf-8")
    line = _one_line_error(_cds("--root", root, "publish"))
    assert "site_src" in line
