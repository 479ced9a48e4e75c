"""Shared by the desk's tests: a git-initialised root harvested from a loopback feed (its
source has ``review: true``, so every article is pending), accounts made with the real CLI, and
the real app served by waitress on a free loopback port."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import requests
import waitress

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.demo.localserver import LocalServer
from pipeline.desk.app import create_app
from tests.conftest import make_root

PASSWORD = "mật-khẩu-đủ-dài-1"
REVIEWER, EDITOR = "lan", "minh"

# Our own sample text (not real news), one article per item.
TOPICS = [
    ("Tỉnh triển khai nền tảng chính quyền số cho cấp xã",
     "Ủy ban nhân dân tỉnh triển khai nền tảng chính quyền số, dịch vụ công trực tuyến toàn "
     "trình cho người dân cấp xã. Chuyển đổi số giúp giảm thời gian giải quyết hồ sơ."),
    ("Hội nghị tuyên truyền chuyển đổi số tại huyện miền biển",
     "Hội nghị tuyên truyền, nâng cao nhận thức về chuyển đổi số cho cán bộ và người dân. "
     "Chuyển đổi số là cơ hội để phát triển kinh tế số, xã hội số."),
    ("Tổ công nghệ số cộng đồng hướng dẫn người dân cài ứng dụng",
     "Tổ công nghệ số cộng đồng hướng dẫn người dân cài đặt ứng dụng, thanh toán không dùng "
     "tiền mặt và sử dụng dịch vụ công trực tuyến. Chuyển đổi số đến từng thôn."),
    ("Hợp tác xã bán nông sản trên sàn thương mại điện tử",
     "Hợp tác xã đưa nông sản lên sàn thương mại điện tử, một mô hình kinh tế số điển hình. "
     "Doanh thu tăng nhờ chuyển đổi số trong sản xuất và tiêu thụ."),
    ("Sở ban hành kế hoạch thực hiện Nghị quyết về chuyển đổi số",
     "Sở ban hành kế hoạch thực hiện Nghị quyết số 57-NQ/TW về phát triển khoa học, công nghệ, "
     "đổi mới sáng tạo và chuyển đổi số quốc gia; giao trách nhiệm cho từng phòng."),
    ("Trường học ứng dụng học bạ số trong năm học mới",
     "Các trường học ứng dụng học bạ số, sổ liên lạc điện tử; chuyển đổi số trong giáo dục "
     "giúp phụ huynh theo dõi kết quả học tập của con em."),
    ("Bệnh viện tỉnh triển khai bệnh án điện tử",
     "Bệnh viện tỉnh triển khai bệnh án điện tử, thanh toán viện phí không dùng tiền mặt. "
     "Chuyển đổi số y tế mang lại tiện ích cho người bệnh."),
    ("Xã nông thôn mới kiểu mẫu chuyển đổi số toàn diện",
     "Xã nông thôn mới kiểu mẫu chuyển đổi số toàn diện: wifi công cộng, camera an ninh, "
     "dịch vụ công trực tuyến và chợ 4.0 không dùng tiền mặt."),
]

FEEDS_YML = """\
site:
  title: Chuyển đổi số (thử nghiệm bàn biên tập)
  url: https://cds.example.vn/
defaults:
  review: true
sources:
  - id: bao-mau
    name: Báo mẫu
    kind: feed
    url: "{base}/feed.rss"
"""


def feed_xml(base: str) -> str:
    start = datetime(2026, 11, 1, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    items = []
    for n, (title, text) in enumerate(TOPICS):
        body = "".join(f"<p>{text} Đoạn {k + 1}.</p>" for k in range(4))
        items.append(
            f"<item><title>{title}</title><link>{base}/tin/{n}.html</link>"
            f"<guid>{base}/tin/{n}.html</guid>"
            f"<pubDate>{format_datetime(start + timedelta(days=n))}</pubDate>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded></item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Báo mẫu</title><link>{base}/</link><description>Tin mẫu</description>"
            + "".join(items) + "</channel></rss>")


def cds(root: Path, *args: str, stdin: str | None = None, env: dict | None = None,
        process: bool = False) -> subprocess.CompletedProcess:
    """The real command line: in this process (``pipeline.cli.main.main``, fast), or with
    ``process`` in a child ``python -m pipeline`` (the real standard input)."""
    import contextlib
    import io
    import os
    argv = ["--root", str(root), "-q", *args]
    if process:
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run([sys.executable, "-m", "pipeline", *argv], input=stdin,
                              capture_output=True, text=True, env=e, timeout=600)
    from pipeline.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    saved_env = {k: os.environ.get(k) for k in (env or {})}
    saved_stdin = sys.stdin
    os.environ.update(env or {})
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        sys.stdin = saved_stdin
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=True).stdout


def make_desk_root(dest: Path) -> Path:
    """Harvest the sample feed into a new root (all pending), commit it, add two accounts."""
    src = dest.parent / (dest.name + "-feed")
    src.mkdir(parents=True, exist_ok=True)
    with LocalServer(src) as server:
        (src / "feed.rss").write_text(feed_xml(server.base), encoding="utf-8")
        make_root(dest, FEEDS_YML.format(base=server.base))
        config = config_mod.load(dest)
        report = jobs.harvest(config, progress=False)
    assert report.ok and report.totals()["new"] == len(TOPICS), report
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=cds", "-c", "user.email=cds@localhost", "commit", "-qm", "harvest")
    for name, role in ((REVIEWER, "reviewer"), (EDITOR, "editor")):
        res = cds(dest, "desk", "adduser", name, "--role", role, stdin=f"{PASSWORD}\n{PASSWORD}\n")
        assert res.returncode == 0, res.stderr
    return dest


class Desk:
    """The real app on waitress in a thread."""

    def __init__(self, root: Path, *, behind_proxy: bool = False, **kw):
        from pipeline.desk.cli import proxy_settings
        self.root = root
        self.config = config_mod.load(root)
        self.app = create_app(self.config, **kw)
        self.server = waitress.create_server(self.app, host="127.0.0.1", port=0, threads=6,
                                             **(proxy_settings() if behind_proxy else {}))
        self.base = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.task_dispatcher.shutdown()
        self.server.close()
        self.thread.join(5)


TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_of(html: str) -> str:
    m = TOKEN_RE.search(html)
    assert m, html[:500]
    return m.group(1)


def login(d: Desk, name: str, password: str = PASSWORD) -> requests.Session:
    """A logged-in HTTP session on the desk ``d`` (the login form, its CSRF token, a 303)."""
    s = requests.Session()
    page = s.get(f"{d.base}/dang-nhap")
    r = s.post(f"{d.base}/dang-nhap", data={"csrf_token": token_of(page.text), "ten": name,
                                            "mat_khau": password}, allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return s
