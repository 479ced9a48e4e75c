"""Memory and speed of pipeline.harvest.fetch against loopback servers.

    .venv/bin/python bench/fetch_memory.py [BOMB_MB]

Prints, for a gzip bomb (BOMB_MB of zeros, default 200, served gzipped), an endless chunked body,
a legitimate 15 MB page and 400 small pages fetched by 8 threads: the outcome, the time, and the
peak of Python allocations (tracemalloc). The cap is the default 20 MB; the peak for a capped
body should stay a little above the cap, whatever the size on the wire would decode to.
"""

from __future__ import annotations

import gzip
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

from pipeline.core.errors import FetchError
from pipeline.demo.localserver import LocalServer, send
from pipeline.harvest.fetch import Fetcher

MB = 1024 * 1024
UA = "cds-bench"


def measure(label: str, fn) -> None:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        outcome = fn()
    except FetchError as err:
        outcome = f"FetchError: {err.reason}"
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {elapsed:7.2f} s  peak {peak / MB:7.1f} MB  {outcome}")


def main() -> None:
    bomb_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    bomb = gzip.compress(bytes(bomb_mb * MB), compresslevel=9, mtime=0)
    page = ("<p>Chuyển đổi số Thái Bình</p>\n" * (15 * MB // 40)).encode()
    stop = threading.Event()

    def endless(h):
        h.close_connection = True
        h.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        while not stop.is_set():
            h.wfile.write(piece)

    routes = {
        "/bomb": lambda h: (setattr(h, "close_connection", True),
                            send(h, 200, bomb, "text/html", {"Content-Encoding": "gzip"})),
        "/endless": endless,
        "/page": lambda h: send(h, 200, page, "text/html"),
        "/small": lambda h: send(h, 200, b"<p>ok</p>" * 100, "text/html"),
    }
    print(f"gzip bomb: {len(bomb) / 1024:.0f} KB on the wire, {bomb_mb} MB decoded")
    with LocalServer(routes=routes) as srv, Fetcher(per_host=8) as f:
        # LocalServer writes headers and body separately; with Nagle on, every answer on a
        # kept-alive connection waits ~40 ms for a delayed ACK. Measure the fetcher, not that.
        srv.httpd.RequestHandlerClass.disable_nagle_algorithm = True
        def get(path):
            return lambda: f"{len(f.get(srv.url(path), timeout=30, user_agent=UA).body) / MB:.1f} MB"

        measure(f"gzip bomb ({bomb_mb} MB)", get("/bomb"))
        measure("endless chunked body", get("/endless"))
        measure("15 MB page (gzip on the wire)", get("/page"))

        def many():
            with ThreadPoolExecutor(8) as pool:
                n = sum(1 for _ in pool.map(lambda _: f.get(srv.url("/small"), timeout=10,
                                                            user_agent=UA), range(400)))
            return f"{n} pages"

        measure("400 small pages, 8 threads", many)
        stop.set()


if __name__ == "__main__":
    main()
