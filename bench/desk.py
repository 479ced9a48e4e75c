"""The desk's costs: one review action (front matter write + git commit), a bulk approve, and
the queue page, on N synthetic pending articles.

    .venv/bin/python bench/desk.py 1000

Prints figures (medians of the runs), no goals enforced: an editor's click should answer well
under a second on the agency's server.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import waitress

ROOT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT_DIR))

from pipeline import config as config_mod  # noqa: E402
from pipeline.core.models import Article  # noqa: E402
from pipeline.desk import review  # noqa: E402
from pipeline.desk.app import create_app  # noqa: E402
from pipeline.desk.auth import Users  # noqa: E402
from pipeline.desk.gitlog import Author  # noqa: E402
from pipeline.store import articles as store_mod  # noqa: E402
from tests.conftest import make_root  # noqa: E402

FEEDS = """site: {title: Thử, url: "https://x.example.vn/"}
defaults: {review: true}
sources: [{id: nguon, name: Nguồn, kind: feed, url: "https://x.example.vn/rss"}]
"""
PASSWORD = "mat-khau-thu-nghiem"


def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    root = make_root(tmp / "root", FEEDS)
    store = store_mod.Store(root / "content")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    text = "Chuyển đổi số trong cơ quan nhà nước giúp người dân tiết kiệm thời gian. " * 40
    for i in range(n):
        when = t0 + timedelta(hours=i)
        store.write(Article(id=f"{i:016x}", title=f"Bài thử nghiệm số {i}", url=f"https://x.example.vn/{i}",
                            source="nguon", published=when, harvested=when, body=text,
                            status="pending", themes=["nhan-thuc"]))
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=cds", "-c", "user.email=c@l",
                    "commit", "-qm", "init"], check=True)
    config = config_mod.load(root)
    rv = review.Review(config)
    who = Author.editor("lan")
    singles = []
    for i in range(10):
        started = time.perf_counter()
        rv.approve([f"{i:016x}"], who)
        singles.append(time.perf_counter() - started)
    started = time.perf_counter()
    rv.approve([f"{i:016x}" for i in range(10, 60)], who)
    bulk = time.perf_counter() - started

    Users(root).add("lan", "reviewer", PASSWORD)
    server = waitress.create_server(create_app(config), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    s = requests.Session()
    import re
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(base + "/dang-nhap").text)[1]
    s.post(base + "/dang-nhap", data={"csrf_token": token, "ten": "lan", "mat_khau": PASSWORD})
    queue = []
    for _ in range(5):
        started = time.perf_counter()
        assert s.get(base + "/").status_code == 200
        queue.append(time.perf_counter() - started)
    server.close()
    print(f"articles in the store: {n}")
    print(f"approve one (write + git commit): median {statistics.median(singles) * 1000:.0f} ms")
    print(f"bulk approve 50 (one commit):     {bulk * 1000:.0f} ms")
    print(f"queue page ({n - 60} pending, 50 a page): median {statistics.median(queue) * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
