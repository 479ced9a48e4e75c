"""pipeline.harvest.fetch against real HTTP servers on 127.0.0.1.

Each test states the misbehaviour it serves (errors, stalls, trickles, resets, bombs, redirect
chains, slow routes for politeness) and checks that Fetcher.get either answers correctly or
raises FetchError with its short reason — quickly, and without holding much memory.
"""

from __future__ import annotations

import gzip
import itertools
import socket
import struct
import threading
import time
import tracemalloc
import zlib
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate

import pytest

from pipeline.core.errors import FetchError
from pipeline.demo.localserver import LocalServer, send, serve_validated
from pipeline.harvest.fetch import ACCEPT_ANY, ACCEPT_FEED, Fetcher

UA = "cds-test/1.0 (+loopback)"
MB = 1024 * 1024
FEED = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        "<title>Chuyển đổi số Thái Bình</title>"
        + "<item><title>Hội nghị chuyển đổi số cấp xã</title></item>" * 20
        + "</channel></rss>").encode()


@pytest.fixture
def release():
    """Set at the end of a test so that handlers that stall or trickle give up."""
    ev = threading.Event()
    yield ev
    ev.set()


@pytest.fixture
def fetcher():
    with Fetcher() as f:
        yield f


# Two loopback servers for the whole module (stopping one costs up to half a second); each test
# mounts its routes under a prefix of its own, so it sees only its own requests.
_SERVERS: list[LocalServer] = []
_NEXT = itertools.count(1)


@pytest.fixture(scope="module", autouse=True)
def _servers():
    yield
    while _SERVERS:
        _SERVERS.pop().stop()


class Site:
    """The routes of one test on a shared LocalServer, under ``/t<N>``."""

    def __init__(self, routes, host: int = 0):
        while len(_SERVERS) <= host:
            _SERVERS.append(LocalServer().start())
        self.server = _SERVERS[host]
        self.port = self.server.port
        self.prefix = f"/t{next(_NEXT)}"
        self.paths = [self.prefix + path for path in routes]
        self.server.routes.update({self.prefix + path: fn for path, fn in routes.items()})

    def url(self, path: str) -> str:
        return self.server.url(self.prefix + path)

    @property
    def requests(self):
        return [r for r in list(self.server.requests) if r[1].startswith(self.prefix + "/")]

    def paths_requested(self) -> list[str]:
        return [path.removeprefix(self.prefix) for _, path, _ in self.requests]

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc) -> None:
        for path in self.paths:
            self.server.routes.pop(path, None)


def serve(routes, host: int = 0) -> Site:
    return Site(routes, host)


def fetch_error(fetcher, url, **kw) -> FetchError:
    kw.setdefault("timeout", 5)
    kw.setdefault("user_agent", UA)
    with pytest.raises(FetchError) as info:
        fetcher.get(url, **kw)
    return info.value


def raw_head(h, lines: list[str]) -> None:
    """Write a status line and headers by hand (no Content-Length unless given); the server
    closes the connection afterwards instead of waiting for another request on it."""
    h.close_connection = True
    h.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    h.wfile.flush()


# -- success, validators, headers -------------------------------------------------------------

def test_etag_round_trip_sends_if_none_match_and_gets_304(fetcher):
    routes = {"/feed.rss": lambda h: serve_validated(h, FEED, "application/rss+xml", mtime=1.7e9)}
    with serve(routes) as srv:
        first = fetcher.get(srv.url("/feed.rss"), timeout=5, user_agent=UA, accept=ACCEPT_FEED)
        assert first.status == 200 and first.body == FEED      # gzip on the wire, decoded here
        assert first.headers["content-type"] == "application/rss+xml"
        assert first.etag and first.etag.startswith('"')
        assert first.final_url == first.url == srv.url("/feed.rss")
        again = fetcher.get(srv.url("/feed.rss"), timeout=5, user_agent=UA, etag=first.etag,
                            accept=ACCEPT_FEED)
        seen = [hdrs for _, _, hdrs in srv.requests]
    assert again.status == 304 and again.not_modified and again.body == b""
    assert again.etag == first.etag
    assert "if-none-match" not in seen[0]
    assert seen[1]["if-none-match"] == first.etag
    assert seen[0]["accept"] == ACCEPT_FEED


def test_last_modified_round_trip_sends_if_modified_since(fetcher):
    routes = {"/p.html": lambda h: serve_validated(h, b"<p>x</p>", "text/html", mtime=1.7e9)}
    with serve(routes) as srv:
        first = fetcher.get(srv.url("/p.html"), timeout=5, user_agent=UA)
        assert first.last_modified == formatdate(1.7e9, usegmt=True)
        again = fetcher.get(srv.url("/p.html"), timeout=5, user_agent=UA,
                            last_modified=first.last_modified)
        seen = srv.requests[1][2]
    assert seen["if-modified-since"] == first.last_modified
    assert "if-none-match" not in seen
    assert again.status == 304 and again.last_modified == first.last_modified


def test_304_without_validators_keeps_the_ones_passed_in(fetcher):
    def bare_304(h):
        h.send_response(304)
        h.send_header("Content-Length", "0")
        h.end_headers()

    with serve({"/x": bare_304}) as srv:
        got = fetcher.get(srv.url("/x"), timeout=5, user_agent=UA, etag='"v1"',
                          last_modified="Tue, 14 Nov 2023 22:13:20 GMT")
    assert got.status == 304 and got.body == b""
    assert got.etag == '"v1"' and got.last_modified == "Tue, 14 Nov 2023 22:13:20 GMT"


def test_user_agent_accept_and_language_arrive(fetcher):
    with serve({"/ua": lambda h: send(h, 200, b"ok", "text/plain")}) as srv:
        got = fetcher.get(srv.url("/ua"), timeout=5, user_agent=UA)
        hdrs = srv.requests[0][2]
    assert got.body == b"ok"
    assert hdrs["user-agent"] == UA
    assert hdrs["accept"] == ACCEPT_ANY
    assert hdrs["accept-language"].startswith("vi")
    assert "gzip" in hdrs["accept-encoding"]


def test_connection_is_reused_between_requests(fetcher):
    ports = []

    def who(h):
        ports.append(h.client_address[1])
        send(h, 200, b"ok", "text/plain")

    with serve({"/who": who}) as srv:
        for _ in range(3):
            fetcher.get(srv.url("/who"), timeout=5, user_agent=UA)
    assert len(set(ports)) == 1


# -- HTTP errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [404, 500, 403, 410])
def test_http_error_status(fetcher, status):
    with serve({"/e": lambda h: send(h, status, "<h1>Lỗi</h1>".encode(), "text/html")}) as srv:
        err = fetch_error(fetcher, srv.url("/e"))
    assert err.reason == f"HTTP {status}" and err.status == status
    assert err.retry_after is None
    assert str(err) == f"{srv.url('/e')}: HTTP {status}"


def test_429_retry_after_seconds(fetcher):
    with serve({"/busy": lambda h: send(h, 429, b"slow down", "text/plain",
                                        {"Retry-After": "120"})}) as srv:
        err = fetch_error(fetcher, srv.url("/busy"))
    assert err.reason == "HTTP 429" and err.status == 429 and err.retry_after == 120


def test_503_retry_after_http_date(fetcher):
    when = formatdate(time.time() + 300, usegmt=True)
    with serve({"/down": lambda h: send(h, 503, b"", None, {"Retry-After": when})}) as srv:
        err = fetch_error(fetcher, srv.url("/down"))
    assert err.reason == "HTTP 503"
    assert 290 <= err.retry_after <= 300


def test_garbage_retry_after_is_ignored(fetcher):
    with serve({"/busy": lambda h: send(h, 429, b"", None, {"Retry-After": "soon"})}) as srv:
        err = fetch_error(fetcher, srv.url("/busy"))
    assert err.retry_after is None


# -- time ----------------------------------------------------------------------------------------

def test_stalled_answer_times_out(fetcher, release):
    def stall(h):
        h.close_connection = True
        release.wait(10)

    with serve({"/stall": stall}) as srv:
        t0 = time.monotonic()
        err = fetch_error(fetcher, srv.url("/stall"), timeout=1)
        elapsed = time.monotonic() - t0
    assert err.reason == "timed out after 1 s"
    assert elapsed < 6       # the deadline, not the 10 s stall (margin for a loaded machine)


def test_stall_in_the_middle_of_the_body_times_out(fetcher, release):
    def half(h):
        raw_head(h, ["HTTP/1.1 200 OK", "Content-Type: text/html", "Content-Length: 100000"])
        h.wfile.write(b"<html>" + b"x" * 5000)
        h.wfile.flush()
        release.wait(10)

    with serve({"/half": half}) as srv:
        t0 = time.monotonic()
        err = fetch_error(fetcher, srv.url("/half"), timeout=1)
        elapsed = time.monotonic() - t0
    assert err.reason == "timed out after 1 s"
    assert elapsed < 6       # the deadline, not the 10 s stall (margin for a loaded machine)


@pytest.mark.parametrize("framing", ["content-length", "chunked", "close"])
def test_trickling_body_is_bounded_by_the_deadline(fetcher, release, framing):
    """A byte every 20 ms forever: every socket read succeeds, only the deadline stops it."""
    def trickle(h):
        head = ["HTTP/1.1 200 OK", "Content-Type: text/html"]
        head += {"content-length": ["Content-Length: 10000000"],
                 "chunked": ["Transfer-Encoding: chunked"],
                 "close": ["Connection: close"]}[framing]
        raw_head(h, head)
        while not release.wait(0.02):
            h.wfile.write(b"1\r\nx\r\n" if framing == "chunked" else b"x")
            h.wfile.flush()

    with serve({"/trickle": trickle}) as srv:
        t0 = time.monotonic()
        err = fetch_error(fetcher, srv.url("/trickle"), timeout=1)
        elapsed = time.monotonic() - t0
    assert err.reason == "timed out after 1 s"
    assert 0.9 < elapsed < 6     # the deadline, not the endless trickle (margin for load)


def test_fractional_timeout_in_reason(fetcher, release):
    def stall(h):
        h.close_connection = True
        release.wait(10)

    with serve({"/stall": stall}) as srv:
        err = fetch_error(fetcher, srv.url("/stall"), timeout=0.5)
    assert err.reason == "timed out after 0.5 s"


# -- broken connections --------------------------------------------------------------------------

def _reset(h):
    """Close with SO_LINGER 0: the client gets a TCP RST."""
    h.close_connection = True
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def reset_before_answer(h):
    _reset(h)


def close_before_answer(h):
    h.close_connection = True        # the server closes the socket without a word


def reset_mid_body(h):
    raw_head(h, ["HTTP/1.1 200 OK", "Content-Length: 100000"])
    h.wfile.write(b"x" * 1000)
    h.wfile.flush()
    time.sleep(0.05)
    _reset(h)


@pytest.mark.parametrize("route", [reset_before_answer, close_before_answer, reset_mid_body])
def test_connection_reset(fetcher, route):
    with serve({"/r": route}) as srv:
        err = fetch_error(fetcher, srv.url("/r"))
    assert err.reason == "connection reset"


def test_connection_refused(fetcher):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    err = fetch_error(fetcher, f"http://127.0.0.1:{port}/feed.rss")
    assert err.reason == "connection refused"


def cut_short(h):
    raw_head(h, ["HTTP/1.1 200 OK", "Content-Length: 5000"])
    h.wfile.write(b"x" * 100)


def bad_chunk(h):
    raw_head(h, ["HTTP/1.1 200 OK", "Transfer-Encoding: chunked"])
    h.wfile.write(b"zz\r\nhello\r\n")


def not_http(h):
    h.close_connection = True
    h.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


def bad_gzip(h):
    raw_head(h, ["HTTP/1.1 200 OK", "Content-Encoding: gzip", "Content-Length: 20"])
    h.wfile.write(b"this is not gzip!!!!")


@pytest.mark.parametrize(("route", "reason"), [
    (cut_short, "answer cut short"),
    (bad_chunk, "answer cut short"),
    (not_http, "malformed answer"),
    (bad_gzip, "could not decompress the body"),
])
def test_malformed_answers_raise_fetch_error(fetcher, route, reason):
    with serve({"/m": route}) as srv:
        err = fetch_error(fetcher, srv.url("/m"))
    assert err.reason == reason


# -- size ----------------------------------------------------------------------------------------

BOMB = gzip.compress(bytes(10 * MB), mtime=0)         # ~10 KB on the wire, 10 MB decoded


def test_gzip_bomb_is_cut_at_max_bytes_with_low_memory():
    def bomb(h):
        send(h, 200, BOMB, "text/html", {"Content-Encoding": "gzip"})

    with serve({"/bomb": bomb}) as srv, Fetcher(max_bytes=1 * MB) as f:
        tracemalloc.start()
        try:
            err = fetch_error(f, srv.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert err.reason == "body larger than 1 MB"
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB"


def test_deflate_bomb_is_cut_too():
    body = zlib.compress(bytes(10 * MB))
    with serve({"/d": lambda h: send(h, 200, body, "text/html",
                                     {"Content-Encoding": "deflate"})}) as srv, \
            Fetcher(max_bytes=512 * 1024) as f:
        err = fetch_error(f, srv.url("/d"))
    assert err.reason == "body larger than 512 KB"


def test_gzip_under_the_cap_decodes(fetcher):
    page = ("<p>Chuyển đổi số</p>" * 5000).encode()
    with serve({"/g": lambda h: send(h, 200, gzip.compress(page), "text/html",
                                     {"Content-Encoding": "gzip"})}) as srv:
        got = fetcher.get(srv.url("/g"), timeout=5, user_agent=UA)
    assert got.body == page


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_endless_body_is_cut_at_max_bytes(release, framing):
    def endless(h):
        raw_head(h, ["HTTP/1.1 200 OK", "Content-Type: text/html"]
                 + (["Transfer-Encoding: chunked"] if framing == "chunked" else []))
        piece = b"x" * 65536
        if framing == "chunked":
            piece = b"10000\r\n" + piece + b"\r\n"
        while not release.is_set():
            h.wfile.write(piece)

    with serve({"/endless": endless}) as srv, Fetcher(max_bytes=2 * MB) as f:
        t0 = time.monotonic()
        err = fetch_error(f, srv.url("/endless"))
        assert time.monotonic() - t0 < 2
    assert err.reason == "body larger than 2 MB"


def test_declared_length_over_the_cap_is_refused_before_reading(release):
    def huge(h):
        raw_head(h, ["HTTP/1.1 200 OK", "Content-Length: 50000000"])
        release.wait(10)                 # never sends the body

    with serve({"/huge": huge}) as srv, Fetcher() as f:
        t0 = time.monotonic()
        err = fetch_error(f, srv.url("/huge"), timeout=3)
        assert time.monotonic() - t0 < 1
    assert err.reason == "body larger than 20 MB"


def test_exactly_max_bytes_is_allowed_one_more_is_not():
    routes = {"/b": lambda h: send(h, 200, b"y" * 1000, "text/plain"),
              "/c": lambda h: send(h, 200, b"y" * 1001, "text/plain")}
    with serve(routes) as srv, Fetcher(max_bytes=1000) as f:
        assert len(f.get(srv.url("/b"), timeout=5, user_agent=UA).body) == 1000
        err = fetch_error(f, srv.url("/c"))
    assert err.reason == "body larger than 1000 bytes"


# -- redirects -----------------------------------------------------------------------------------

def redirect_chain(h):
    """.../hop/N redirects (relative Location) to .../hop/N-1; .../hop/0 answers."""
    n = int(h.path.rsplit("/", 1)[1])
    if n == 0:
        return send(h, 200, b"<p>cuoi</p>", "text/html")
    h.send_response(302 if n % 2 else 301)
    h.send_header("Location", str(n - 1))                 # relative: /tN/hop/<n-1>
    h.send_header("Content-Length", "0")
    h.end_headers()


def chain_server():
    return serve({f"/hop/{n}": redirect_chain for n in range(8)})


def test_five_redirects_are_followed(fetcher):
    with chain_server() as srv:
        got = fetcher.get(srv.url("/hop/5"), timeout=5, user_agent=UA)
        uas = {hdrs["user-agent"] for _, _, hdrs in srv.requests}
    assert got.status == 200 and got.body == b"<p>cuoi</p>"
    assert got.url == srv.url("/hop/5") and got.final_url == srv.url("/hop/0")
    assert uas == {UA}


def test_six_redirects_are_too_many(fetcher):
    with chain_server() as srv:
        err = fetch_error(fetcher, srv.url("/hop/6"))
        assert len(srv.requests) == 6          # the seventh address is never asked for
    assert err.reason == "too many redirects (more than 5)"
    assert err.url == srv.url("/hop/6")


def test_redirect_limit_is_configurable():
    with chain_server() as srv, Fetcher(max_redirects=0) as f:
        err = fetch_error(f, srv.url("/hop/1"))
    assert err.reason == "too many redirects (more than 0)"


def test_redirect_to_another_server(fetcher):
    with serve({"/final": lambda h: send(h, 200, b"ok", "text/plain")}, host=1) as other:
        def away(h):
            send(h, 307, b"", None, {"Location": other.url("/final")})

        with serve({"/moved": away}) as srv:
            got = fetcher.get(srv.url("/moved"), timeout=5, user_agent=UA)
    assert got.body == b"ok" and got.final_url == other.url("/final")


def test_vietnamese_addresses_and_utf8_location(fetcher):
    """Non-ASCII paths are percent-encoded; a raw UTF-8 Location (common) is followed."""
    def old(h):
        raw_head(h, ["HTTP/1.1 301 Moved Permanently", "Content-Length: 0"]
                 + ["Location: chuy\u1ec3n-\u0111\u1ed5i-s\u1ed1".encode().decode("latin-1")])

    def new(h):
        send(h, 200, "<h1>Chuyển đổi số</h1>".encode(), "text/html; charset=utf-8")

    with serve({"/tin-t%E1%BB%A9c": old,
                "/chuy%E1%BB%83n-%C4%91%E1%BB%95i-s%E1%BB%91": new}) as srv:
        got = fetcher.get(srv.url("/tin-tức"), timeout=5, user_agent=UA)
    assert got.final_url == srv.url("/chuy%E1%BB%83n-%C4%91%E1%BB%95i-s%E1%BB%91")
    assert got.body.decode() == "<h1>Chuyển đổi số</h1>"


@pytest.mark.parametrize("location", [
    "javascript:alert(1)", "ftp://127.0.0.1/feed.rss", "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>", "mailto:toasoan@example.vn",
])
def test_redirect_to_non_http_is_refused(fetcher, location):
    with serve({"/r": lambda h: send(h, 302, b"", None, {"Location": location})}) as srv:
        err = fetch_error(fetcher, srv.url("/r"))
        assert srv.paths_requested() == ["/r"]
    assert err.reason == "redirect to a non-http(s) address" and err.status == 302


@pytest.mark.parametrize("location", ["http://[::1", "http://:80/x", "https:///nohost"])
def test_redirect_to_an_invalid_address_is_refused(fetcher, location):
    with serve({"/r": lambda h: send(h, 301, b"", None, {"Location": location})}) as srv:
        err = fetch_error(fetcher, srv.url("/r"))
    assert err.reason == "redirect to an invalid address"


def test_redirect_to_self_loops_until_the_limit(fetcher):
    with serve({"/r": lambda h: send(h, 302, b"", None, {"Location": "http://"})}) as srv:
        err = fetch_error(fetcher, srv.url("/r"))
        assert len(srv.requests) == 6
    assert err.reason == "too many redirects (more than 5)"


def test_redirect_with_endless_body_is_not_read(release):
    """requests itself would read a redirect's body whole; the fetcher must not."""
    def endless_redirect(h):
        raw_head(h, ["HTTP/1.1 302 Found", "Location: ok", "Transfer-Encoding: chunked"])
        while not release.is_set():
            h.wfile.write(b"10000\r\n" + b"x" * 65536 + b"\r\n")

    routes = {"/r": endless_redirect, "/ok": lambda h: send(h, 200, b"ok", "text/plain")}
    with serve(routes) as srv, Fetcher(max_bytes=1 * MB) as f:
        got = f.get(srv.url("/r"), timeout=3, user_agent=UA)
    assert got.body == b"ok"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "not a url", "http://", "/relative/path",
                                 "javascript:alert(1)", "http://127.0.0.1:99999/x", ""])
def test_invalid_address(fetcher, url):
    err = fetch_error(fetcher, url)
    assert err.reason == "invalid address"


# -- politeness ----------------------------------------------------------------------------------

class InFlight:
    """Counts requests being answered right now, per server and in all."""

    lock = threading.Lock()

    def __init__(self, total: InFlight | None = None):
        self.now = 0
        self.peak = 0
        self.total = total

    def enter(self):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            if self.total:
                self.total.now += 1
                self.total.peak = max(self.total.peak, self.total.now)

    def leave(self):
        with self.lock:
            self.now -= 1
            if self.total:
                self.total.now -= 1


def slow_route(counter: InFlight, seconds: float):
    def route(h):
        counter.enter()
        try:
            time.sleep(seconds)
            send(h, 200, b"ok", "text/plain")
        finally:
            counter.leave()
    return route


def test_at_most_two_requests_in_flight_per_host_while_another_host_proceeds():
    total = InFlight()
    a, b = InFlight(total), InFlight(total)
    with serve({"/slow": slow_route(a, 0.25)}) as host_a, \
            serve({"/slow": slow_route(b, 0.25)}, host=1) as host_b, \
            Fetcher(per_host=2) as f, ThreadPoolExecutor(max_workers=12) as pool:
        urls = [host_a.url("/slow")] * 6 + [host_b.url("/slow")] * 6
        results = list(pool.map(lambda u: f.get(u, timeout=10, user_agent=UA), urls))
    assert all(r.body == b"ok" for r in results)
    assert a.peak == 2 and b.peak == 2          # never more than 2 per host:port ...
    assert total.peak == 4                      # ... but both hosts were served at once


def test_waiting_for_a_slot_does_not_count_against_the_timeout():
    counter = InFlight()
    with serve({"/slow": slow_route(counter, 0.3)}) as srv, Fetcher(per_host=1) as f, \
            ThreadPoolExecutor(max_workers=3) as pool:
        # the third request waits 0.6 s for its slot, longer than its 0.5 s timeout
        results = list(pool.map(lambda _: f.get(srv.url("/slow"), timeout=0.5, user_agent=UA),
                                range(3)))
    assert [r.status for r in results] == [200] * 3 and counter.peak == 1


def test_slots_are_released_after_failures(fetcher):
    with serve({"/e": lambda h: send(h, 500, b"", None)}) as srv:
        for _ in range(5):
            fetch_error(fetcher, srv.url("/e"))
        # both slots still free: two concurrent requests would block forever otherwise
        key = f"127.0.0.1:{srv.port}"
        sem = fetcher._slots[key]
        assert sem.acquire(timeout=0.1) and sem.acquire(timeout=0.1)
        sem.release()
        sem.release()
