"""A small HTTP server on loopback that serves a folder like a real news site would.

Used by ``cds demo`` (the bundled sample sources) and by the tests. It answers with ETag and
Last-Modified, honours If-None-Match / If-Modified-Since with 304, sends gzip when asked, and
lets tests add routes that misbehave (errors, redirects, stalls, resets, bombs).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

Route = Callable[[BaseHTTPRequestHandler], None]

CONTENT_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".xml": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
}


class _QuietServer(ThreadingHTTPServer):
    """A client dropping a kept-alive connection is normal, not worth a traceback."""

    def handle_error(self, request, client_address):
        import sys
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class LocalServer:
    """Serve ``folder`` on 127.0.0.1 at a free port. Use as a context manager or start()/stop().

    ``routes`` maps a path (``/x``) to a function taking the request handler; it wins over files.
    ``requests`` records ``(method, path, headers)`` of every request, for tests.
    """

    def __init__(self, folder: Path | str | None = None, routes: dict[str, Route] | None = None,
                 *, last_modified: float = 1_700_000_000.0):
        self.folder = Path(folder) if folder else None
        self.routes: dict[str, Route] = dict(routes or {})
        self.last_modified = last_modified
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True      # headers and body in one segment: no ACK stall

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                path = urlsplit(self.path).path
                with server._lock:
                    server.requests.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(path) or server.routes.get(self.path)
                try:
                    if route:
                        route(self)
                    else:
                        server._serve_file(self, path)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def start(self) -> LocalServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def paths_requested(self) -> list[str]:
        with self._lock:
            return [p for _, p, _ in self.requests]

    # -- static files ----------------------------------------------------------------------------

    def _serve_file(self, h: BaseHTTPRequestHandler, path: str) -> None:
        if self.folder is None:
            return send(h, 404, b"not found", "text/plain")
        target = (self.folder / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.folder.resolve()) or not target.is_file():
            return send(h, 404, b"not found", "text/plain")
        body = target.read_bytes()
        ctype = CONTENT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        serve_validated(h, body, ctype, mtime=self.last_modified)


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str | None = None,
         headers: dict[str, str] | None = None) -> None:
    """Send a whole answer, gzip-compressed when the client accepts it and it is large enough."""
    extra = dict(headers or {})
    if body and len(body) > 256 and "gzip" in h.headers.get("Accept-Encoding", "") \
            and "Content-Encoding" not in extra:
        body = gzip.compress(body, mtime=0)
        extra["Content-Encoding"] = "gzip"
    h.send_response(status)
    if ctype:
        h.send_header("Content-Type", ctype)
    for k, v in extra.items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


def serve_validated(h: BaseHTTPRequestHandler, body: bytes, ctype: str, *, mtime: float,
                    headers: dict[str, str] | None = None) -> None:
    """Answer with ETag and Last-Modified; 304 when the client's validators match."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    last_modified = formatdate(mtime, usegmt=True)
    inm = h.headers.get("If-None-Match")
    ims = h.headers.get("If-Modified-Since")
    validators = {"ETag": etag, "Last-Modified": last_modified, **(headers or {})}
    if (inm and etag in [t.strip() for t in inm.split(",")]) or (not inm and ims == last_modified):
        h.send_response(304)
        for k, v in validators.items():
            h.send_header(k, v)
        h.send_header("Content-Length", "0")
        h.end_headers()
        return
    send(h, 200, body, ctype, validators)
