"""The only network code in cds: one HTTP GET at a time, safely.

``Fetcher.get`` asks for one address and returns a :class:`pipeline.core.models.Fetched`, or raises
:class:`pipeline.core.errors.FetchError` with a short reason ("HTTP 500", "timed out after 20 s",
"connection reset", "body larger than 20 MB", ...). Nothing else escapes for network trouble.

What it guarantees, whatever the server does:

- **Time**: ``timeout`` is a wall-clock budget for the whole request, redirects included. Connect
  and every socket read are bounded by what is left of it; once the body starts, a watchdog timer
  shuts the socket down at the deadline (urllib3's ``HTTPResponse.shutdown``), so a server that
  stalls mid-body or trickles bytes forever is cut off on time. (Before the answer's headers have
  arrived, each socket operation is bounded by the time left; the headers of a single answer are
  the only part not under the watchdog.)
- **Memory**: the body is read in 64 KiB pieces, counting *decompressed* bytes (urllib3 decodes
  gzip/deflate with a bounded output per read), and abandoned past ``max_bytes``: a gzip bomb or an
  endless chunked body costs at most ``max_bytes`` plus one piece.
- **Redirects**: followed by hand, at most ``max_redirects``, only to http(s) addresses, each
  hop first asked to the caller's ``allow`` check (host confinement, ``pipeline.harvest.confine``); the bodies
  of redirect answers are never read (requests' own redirect handling reads them whole, even
  with ``allow_redirects=False``, so the session here is told there is never a redirect).
- **Politeness**: at most ``per_host`` requests in flight per host, across all threads. Hosts are
  keyed by ``host:port`` (so two loopback servers on different ports are two hosts, and
  ``www.example.vn`` and ``example.vn`` are two hosts too). Time spent waiting for a slot does not
  count against ``timeout``.

A ``Fetcher`` is thread-safe: share one across the worker pool.
"""

from __future__ import annotations

import http.client
import io
import math
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from pipeline.core.errors import FetchError
from pipeline.core.models import Fetched

__all__ = ["ACCEPT_ANY", "ACCEPT_FEED", "ACCEPT_PAGE", "Fetcher"]

#: ``Accept`` for RSS/Atom feeds.
ACCEPT_FEED = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, "
               "text/xml;q=0.9, */*;q=0.5")
#: ``Accept`` for HTML listing and article pages.
ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
#: ``Accept`` when the caller does not say what it wants.
ACCEPT_ANY = ("text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
              "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
ACCEPT_LANGUAGE = "vi, en;q=0.5"

_CHUNK = 64 * 1024
_MIB = 1024 * 1024
_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Network trouble: everything else (a bug in cds) is left to raise as it is.
_NETWORK_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError,
                   http.client.HTTPException, OSError, ValueError)


class Fetcher:
    """HTTP GETs with timeouts, a size cap, redirect limits and per-host politeness."""

    def __init__(self, *, max_bytes: int = 20 * _MIB, max_redirects: int = 5, per_host: int = 2):
        if max_bytes < 1 or max_redirects < 0 or per_host < 1:
            raise ValueError("max_bytes and per_host must be positive, max_redirects >= 0")
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.per_host = per_host
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()
        self._session = _Session()
        # No automatic retries (a failing source is retried by the next run), redirects by hand.
        adapter = HTTPAdapter(pool_connections=32, pool_maxsize=max(per_host, 1), max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["Accept-Language"] = ACCEPT_LANGUAGE

    # -- public ----------------------------------------------------------------------------------

    def get(self, url: str, *, timeout: float, user_agent: str, etag: str | None = None,
            last_modified: str | None = None, accept: str | None = None,
            allow: Callable[[str], str | None] | None = None) -> Fetched:
        """GET ``url`` within ``timeout`` seconds in all.

        ``allow`` is asked about every address before it is requested, the first and every
        redirect target: a reason string refuses it (:class:`FetchError` "<reason>" for the
        first, "redirected to <address>: <reason>" for a redirect), None lets it through.

        ``etag`` / ``last_modified`` (the validators kept from the last answer) are sent as
        If-None-Match / If-Modified-Since; a 304 answer returns ``Fetched(status=304, body=b"")``
        carrying the validators of the answer, or those passed in where it has none.
        ``accept`` defaults to :data:`ACCEPT_ANY` (see also :data:`ACCEPT_FEED`,
        :data:`ACCEPT_PAGE`). ``Fetched.body`` is already decompressed; ``Fetched.headers`` are
        the final answer's, as sent (so ``content-encoding`` may still say gzip).
        Raises :class:`FetchError` for every failure, HTTP errors included (``status`` set;
        ``retry_after`` in seconds when the answer has a Retry-After, else None).
        """
        if not _is_http_url(url):
            raise FetchError(url, "invalid address")
        headers = {"User-Agent": user_agent, "Accept": accept or ACCEPT_ANY}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        clock = _Clock(timeout)
        slot = _Slot(self)
        try:
            return self._get(url, headers, clock, slot, etag, last_modified, allow)
        except FetchError:
            raise
        except _NETWORK_ERRORS as exc:
            raise FetchError(url, _reason(exc, timeout)) from exc
        finally:
            slot.release()

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------

    def _get(self, url: str, headers: dict[str, str], clock: _Clock, slot: _Slot,
             etag: str | None, last_modified: str | None,
             allow: Callable[[str], str | None] | None = None) -> Fetched:
        current = url
        redirects = 0
        while True:
            refused = allow(current) if allow is not None else None
            if refused:
                if redirects == 0:
                    raise FetchError(url, refused, refused=True)
                raise FetchError(url, f"redirected to {current}: {refused}", refused=True)
            clock.paused(slot.take, _host_key(current))
            left = clock.left()
            if left <= 0:
                raise FetchError(url, clock.reason)
            resp = self._session.get(current, headers=headers, stream=True,
                                     allow_redirects=False, timeout=(left, left))
            try:
                if resp.is_redirect:
                    redirects += 1
                    if redirects > self.max_redirects:
                        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")
                    current = self._redirect_target(url, resp)
                    continue
                answer = {k.lower(): v for k, v in resp.headers.items()}
                status = resp.status_code
                if status == 304:
                    return Fetched(url=url, final_url=resp.url, status=304, headers=answer,
                                   body=b"", etag=answer.get("etag") or etag,
                                   last_modified=answer.get("last-modified") or last_modified)
                if not 200 <= status < 300:
                    raise FetchError(url, f"HTTP {status}", status=status,
                                     retry_after=_retry_after(answer.get("retry-after")))
                body = self._read_body(url, resp, clock)
                return Fetched(url=url, final_url=resp.url, status=status, headers=answer,
                               body=body, etag=answer.get("etag"),
                               last_modified=answer.get("last-modified"))
            finally:
                # A fully read body returns the connection to the pool; anything else closes it.
                resp.close()

    def _redirect_target(self, url: str, resp: requests.Response) -> str:
        location = self._session.location(resp) or ""
        try:
            target = urljoin(resp.url, location.strip())
            scheme = urlsplit(target).scheme.lower()
        except ValueError:
            target, scheme = "", ""
        if scheme and scheme not in _SCHEMES:
            raise FetchError(url, "redirect to a non-http(s) address", status=resp.status_code)
        if not _is_http_url(target):
            raise FetchError(url, "redirect to an invalid address", status=resp.status_code)
        return target.split("#", 1)[0]

    def _read_body(self, url: str, resp: requests.Response, clock: _Clock) -> bytes:
        too_large = f"body larger than {_size(self.max_bytes)}"
        encoding = resp.headers.get("content-encoding", "").strip().lower()
        length = resp.headers.get("content-length", "")
        if encoding in ("", "identity") and length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(url, too_large)
        watch = _Watchdog(resp.raw, clock.left())
        body = io.BytesIO()         # getvalue() hands over its buffer without a copy
        try:
            for piece in resp.iter_content(chunk_size=_CHUNK):
                body.write(piece)
                if body.tell() > self.max_bytes:
                    raise FetchError(url, too_large)
                if clock.left() <= 0:
                    raise FetchError(url, clock.reason)
        except _NETWORK_ERRORS as exc:
            if watch.stop():
                raise FetchError(url, clock.reason) from exc
            raise
        finally:
            cut = watch.stop()
        if cut:                 # the socket was shut down: what we have may be cut short
            raise FetchError(url, clock.reason)
        return body.getvalue()

    def _semaphore(self, key: str) -> threading.BoundedSemaphore:
        with self._slots_lock:
            sem = self._slots.get(key)
            if sem is None:
                sem = self._slots[key] = threading.BoundedSemaphore(self.per_host)
            return sem


class _Session(requests.Session):
    """A Session that leaves redirects alone: even with ``allow_redirects=False``, requests
    prepares the next hop and reads the redirect answer's body whole, without a size cap."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None

    def location(self, resp: requests.Response) -> str | None:
        """The Location of a redirect answer, UTF-8 bytes read the way requests reads them."""
        return super().get_redirect_target(resp)


class _Slot:
    """The per-host slot one request holds; moves to the new host when a redirect changes host."""

    def __init__(self, fetcher: Fetcher):
        self._fetcher = fetcher
        self._key: str | None = None
        self._sem: threading.BoundedSemaphore | None = None

    def take(self, key: str) -> None:
        if key == self._key:
            return
        self.release()
        sem = self._fetcher._semaphore(key)
        sem.acquire()
        self._key, self._sem = key, sem

    def release(self) -> None:
        if self._sem is not None:
            self._sem.release()
        self._key = self._sem = None


class _Clock:
    """A request's wall-clock budget; time spent waiting for a per-host slot is not counted."""

    def __init__(self, timeout: float):
        self.reason = f"timed out after {timeout:g} s"
        self._deadline = time.monotonic() + timeout

    def left(self) -> float:
        return self._deadline - time.monotonic()

    def paused(self, fn, *args) -> None:
        started = time.monotonic()
        try:
            fn(*args)
        finally:
            self._deadline += time.monotonic() - started


class _Watchdog:
    """Shut the answer's socket down when the deadline passes, waking a blocked read."""

    def __init__(self, raw, seconds: float):
        self._raw = raw
        self._lock = threading.Lock()
        self._stopped = False
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            try:
                self._raw.shutdown()   # RuntimeError once the connection went back to the pool
            except (RuntimeError, ValueError, OSError):
                return
            self.fired = True

    def stop(self) -> bool:
        """Disarm; True when the watchdog had already shut the socket down."""
        self._timer.cancel()
        with self._lock:
            self._stopped = True
            return self.fired


# -- helpers -------------------------------------------------------------------------------------

def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return False
    return parts.scheme.lower() in _SCHEMES and bool(parts.hostname)


def _host_key(url: str) -> str:
    """``host:port`` for the politeness slots."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = 0
    return f"{(parts.hostname or '').lower()}:{port}"


def _size(n: int) -> str:
    if n >= _MIB:
        return f"{n // _MIB} MB" if n % _MIB == 0 else f"{n / _MIB:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB" if n % 1024 == 0 else f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps (args, ``reason``, ``__cause__``, ``__context__``)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if any(e is s for s in seen):
            continue
        seen.append(e)
        inner = [a for a in e.args if isinstance(a, BaseException)]
        inner += [x for x in (getattr(e, "reason", None), e.__cause__, e.__context__)
                  if isinstance(x, BaseException)]
        todo.extend(inner)
    return seen


_KINDS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError), "timeout"),
    ((ConnectionRefusedError,), "connection refused"),
    ((ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
      http.client.RemoteDisconnected), "connection reset"),
    ((socket.gaierror, urllib3.exceptions.NameResolutionError), "host not found"),
    ((ssl.SSLError, requests.exceptions.SSLError, urllib3.exceptions.SSLError), "TLS error"),
    ((requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError),
     "could not decompress the body"),
    ((http.client.IncompleteRead, urllib3.exceptions.IncompleteRead,
      urllib3.exceptions.InvalidChunkLength, requests.exceptions.ChunkedEncodingError),
     "answer cut short"),
    ((http.client.BadStatusLine, http.client.LineTooLong, urllib3.exceptions.HeaderParsingError),
     "malformed answer"),
    ((requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
      requests.exceptions.InvalidSchema, urllib3.exceptions.LocationValueError), "invalid address"),
)


def _reason(exc: BaseException, timeout: float) -> str:
    """A short human reason for a network exception."""
    # urllib3's NewConnectionError subclasses ConnectTimeoutError for history's sake: skip it
    # and look at what it wraps (refused, unreachable, ...).
    chain = [e for e in _causes(exc) if not isinstance(e, urllib3.exceptions.NewConnectionError)]
    for types, reason in _KINDS:
        if any(isinstance(e, types) for e in chain):
            return f"timed out after {timeout:g} s" if reason == "timeout" else reason
    for e in chain:
        if isinstance(e, OSError) and e.strerror:
            return f"network error: {e.strerror.lower()}"
    return f"network error ({type(exc).__name__})"
