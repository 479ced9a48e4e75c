"""``cds serve``: the built site on 127.0.0.1, answering missing pages with the site's own
``404.html`` (status 404), as a web server configured for MkDocs does."""

from __future__ import annotations

import errno
import functools
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.core.errors import ConfigError


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files of ``directory``; a 404 answer carries ``404.html`` when the site has one."""

    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(code, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(site: Path, port: int) -> ThreadingHTTPServer:
    """The server for ``site`` on 127.0.0.1:``port`` (0: a free port). A port in use (or not
    allowed) is a user's problem: ConfigError, one line."""
    handler = functools.partial(SiteHandler, directory=str(site))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OverflowError:
        raise ConfigError(f"--port {port}: not a port number (0-65535)") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"--port {port}: 127.0.0.1:{port} is already in use; choose "
                              "another port with --port") from None
        raise ConfigError(f"--port {port}: cannot listen on 127.0.0.1:{port} "
                          f"({exc.strerror or exc})") from None


def serve(site: Path, *, port: int = 8000) -> None:
    if not (site / "index.html").exists():
        raise ConfigError(f"{site}: no built site; run `cds build` first")
    with make_server(site, port) as httpd:
        print(f"serving {site} on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C stops)",
              file=sys.stderr, flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
