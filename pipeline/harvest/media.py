"""Harvest-time image mirroring: each picture of a harvested article downloaded once (through
the harvest's ``Fetcher``, only from the source's site or public hosts), checked to be a picture
by its first bytes (JPEG, PNG, GIF, WebP, AVIF; never SVG), stored by content in the media store
(``pipeline/store/media.py``) and the Markdown pointed at it; ``.cds/media.json`` remembers what
was fetched, refused or failed. Why and how: docs/architecture.md ("Pictures")."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from pipeline.core.errors import CdsError, FetchError
from pipeline.core.fileio import write_atomic
from pipeline.core.models import Article, Config, Fetched, Source
from pipeline.harvest import confine
from pipeline.store.media import (
    KEY_RE,
    MD_IMAGE,
    MEDIA_DIR,
    is_http,
    media_key,
    store_ref,
)

__all__ = [
    "ACCEPT_IMAGE", "MAX_BYTES", "MAX_IMAGES", "MediaError", "MediaNotAllowed", "MediaRefused",
    "MediaStore", "Mirrored", "image_fetcher", "key_for", "mirror_markdown", "public_host", "sniff",
]

INDEX_FILE = "media.json"               # in .cds/
MAX_BYTES = 5 * 1024 * 1024             # per image
MAX_IMAGES = 20                         # per article
RETRY_AFTER = 24 * 3600                 # seconds before an image that failed is asked for again
WORKERS = 4                             # an article's images fetched at once (the Fetcher still
                                        # keeps to its per-host limit)
#: ``Accept`` for images: what browsers show, SVG left out.
ACCEPT_IMAGE = "image/avif, image/webp, image/png, image/jpeg, image/gif;q=0.9, */*;q=0.1"


class MediaError(CdsError):
    """An image could not be stored (a failure: it may work next time)."""


class MediaRefused(MediaError):
    """An image is refused for what it is (not a picture, SVG, too large): asking again would
    give the same answer (remembered in the index)."""


class MediaNotAllowed(MediaError):
    """An image's address is not asked for (another site's, a private one): no request is
    made, nothing is remembered (the policy or the address may change)."""


Fetch = Callable[[str], "bytes | None"]


class _Getter(Protocol):            # pipeline.harvest.fetch.Fetcher, without importing a stage module
    def get(self, url: str, *, timeout: float, user_agent: str,
            accept: str | None = None,
            allow: Callable[[str], str | None] | None = None) -> Fetched: ...


def sniff(data: bytes) -> str | None:
    """The file extension for ``data`` when its first bytes are those of a JPEG, PNG, GIF,
    WebP or AVIF image; None for anything else (SVG, HTML, HEIC, BMP, …)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:15] == b"VP8":
        return "webp"
    if data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        end = min(size if size >= 16 else 16, len(data), 256)
        brands = [data[8:12]] + [data[i:i + 4] for i in range(16, end - 3, 4)]
        if b"avif" in brands or b"avis" in brands:
            return "avif"
    return None


def key_for(data: bytes, ext: str) -> str:
    """``<aa>/<first 16 hex digits of SHA-256>.<ext>``: where bytes live under ``media/``."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    return f"{digest[:2]}/{digest}.{ext}"


_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


def _global_ip(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_global
    except ValueError:
        return False


def public_host(host: str, resolve: Callable = socket.getaddrinfo,
                cache: dict[str, bool] | None = None) -> bool:
    """True when every address of ``host`` is a public one (not loopback, private, link-local,
    reserved…); names such as ``localhost`` or ``*.local`` never are. Raises FetchError when
    the name does not resolve."""
    host = host.strip("[]").lower().rstrip(".")
    cache = {} if cache is None else cache
    if host in cache:
        return cache[host]
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        ok = _global_ip(host)
    except ValueError:
        if host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES):
            ok = False
        else:
            try:
                infos = resolve(host, None)
            except (OSError, UnicodeError) as exc:
                raise FetchError(host, "host not found") from exc
            addrs = {info[4][0] for info in infos}
            ok = bool(addrs) and all(_global_ip(str(a)) for a in addrs)
    cache[host] = ok
    return ok


def _site_domains(source: Source) -> set[str]:
    """The source's hostnames without a leading ``www.`` (IP addresses left out)."""
    out = set()
    for host in source.hosts():
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            out.add(host.removeprefix("www."))
    return out


def _elsewhere(source: Source, hosts: Iterable[str] = ()) -> Callable[[str], bool]:
    """Whether an http(s) address not on the source's own origins is on another site (not
    on its domains or ``hosts``, or not on the default port): never asked for."""
    domains = _site_domains(source) | {h.lower().strip(".") for h in hosts if h != "*"}
    anywhere = "*" in set(hosts)

    def elsewhere(url: str) -> bool:
        where = confine.origin(url)
        if where is None:
            return False
        scheme, host, port = where
        return port != confine.DEFAULT_PORTS[scheme] or not (
            anywhere or any(host == d or host.endswith("." + d) for d in domains))

    return elsewhere


def never_fetched(source: Source, *, hosts: Iterable[str] = ()) -> Callable[[str], bool]:
    """``never(url)``: True when :func:`image_fetcher`'s ``fetch(url)`` for this source would
    refuse ``url`` without a request or a name lookup (not http(s), or another site's
    picture): decided from the address and the configuration alone."""
    own = confine.guard(source)
    elsewhere = _elsewhere(source, hosts)
    by_origin: dict[str, bool] = {}        # the answer for a plain "scheme://host[:port]"

    def decide(url: str) -> bool:
        if not is_http(url):
            return True
        if own(url) is None:
            return False
        return confine.origin(url) is None or elsewhere(url)

    def never(url: str) -> bool:
        plain = _PLAIN_ORIGIN.match(url)
        if plain is None:
            return decide(url)
        known = by_origin.get(plain.group())
        if known is None:
            known = by_origin[plain.group()] = decide(url)
        return known

    return never


#: An address whose scheme, host and port are plain text ended by "/", "?", "#" or the end:
#: everything :func:`never_fetched` reads of it (``urlsplit``'s scheme, hostname and port)
#: is in this prefix, so addresses with the same prefix get the same answer.
_PLAIN_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.-]+(?::[0-9]*)?(?=[/?#]|\Z)")


def image_fetcher(fetcher: _Getter, source: Source, *, hosts: Iterable[str] = (),
                  resolve: Callable = socket.getaddrinfo) -> Fetch:
    """A ``fetch(url) -> bytes`` for :class:`MediaStore`: one GET through the harvest's
    ``fetcher`` (its per-host politeness, time budget, redirect and size limits) with the
    source's timeout and user agent.

    Pictures are asked for only from the source's own site, the way article pages are: its
    hosts (``url`` and ``aliases``), their subdomains and the domain without ``www.``
    (``cdn.baothaibinh.com.vn`` and ``baothaibinh.com.vn`` for ``www.baothaibinh.com.vn``),
    and ``hosts`` (more domains, each with its subdomains; ``"*"``: any). The source's own
    site is its origins (``pipeline.harvest.confine``: scheme, host and port); the other domains are
    asked for on the default ports only, and must resolve to public addresses only. Every hop
    of a redirect passes the same rule before it is requested. So a feed can make the harvester neither request arbitrary sites nor fetch (and
    publish) something from the server's own network. Other pictures are not fetched
    (:class:`MediaNotAllowed`) and stay links to their source on the site."""
    own = confine.guard(source)
    elsewhere = _elsewhere(source, hosts)
    cache: dict[str, bool] = {}

    def refused(url: str) -> str | None:
        """Why ``url`` is not asked for (None: it may be). Decided before any request."""
        if own(url) is None:
            return None
        where = confine.origin(url)
        if where is None:
            return "not an http(s) address"
        scheme, host, port = where
        if elsewhere(url):
            return "another site's picture (not fetched)"
        if not public_host(host, resolve, cache):
            return "a private or local address (not fetched)"
        return None

    def hop(url: str) -> str | None:        # every address, redirect targets included
        if own(url) is None:
            return None
        where = confine.origin(url)
        try:
            if where is None or not public_host(where[1], resolve, cache):
                return "a private or local address (not fetched)"
            why = refused(url)
        except FetchError:
            return "host not found"
        return None if why is None else "not on the source's site (not fetched)"

    def fetch(url: str) -> bytes:
        if not is_http(url):
            raise MediaNotAllowed(f"{url}: not an http(s) address")
        why = refused(url)
        if why is not None:
            raise MediaNotAllowed(f"{url}: {why}")
        got = fetcher.get(url, timeout=source.timeout, user_agent=source.user_agent,
                          accept=ACCEPT_IMAGE, allow=hop)
        return got.body

    return fetch


@dataclass
class Mirrored:
    """What mirroring one body (and image) did."""
    body: str
    image: str = ""
    media: list[str] = field(default_factory=list)       # keys the result refers to, in order
    downloaded: int = 0                                  # network fetches made
    stored: int = 0                                      # files newly written
    problems: list[str] = field(default_factory=list)    # "url: reason" per image left as it was


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", "") or exc)


class MediaStore:
    """``content/media/`` and the URL index. Thread-safe: share one across the harvest.

    ``media_dir`` is ``content/media``; ``index_path`` (``.cds/media.json``; None: keep the
    index in memory only) remembers, per image URL, its file, or that it was refused, or when
    it last failed (asked again after ``retry_after`` seconds). Call :meth:`save` at the end.
    """

    def __init__(self, media_dir: Path | str, index_path: Path | str | None = None, *,
                 max_bytes: int = MAX_BYTES, max_images: int = MAX_IMAGES,
                 retry_after: float = RETRY_AFTER, workers: int = WORKERS,
                 clock: Callable[[], float] = time.time):
        self.media_dir = Path(media_dir)
        self.index_path = Path(index_path) if index_path is not None else None
        self.max_bytes = max_bytes
        self.max_images = max_images
        self.retry_after = retry_after
        self.workers = max(1, workers)
        self.clock = clock
        self._lock = threading.Lock()
        self._urls: dict[str, str] = {}                  # url → key
        self._refused: dict[str, str] = {}               # url → reason
        self._failed: dict[str, list] = {}               # url → [reason, unix time]
        self._dirty = False
        self._load()

    @classmethod
    def for_config(cls, config: Config, **kwargs) -> MediaStore:
        """``<root>/content/media`` with the index in ``<root>/.cds/media.json``."""
        return cls(config.content_dir / MEDIA_DIR, config.state_dir / INDEX_FILE, **kwargs)

    # -- index -----------------------------------------------------------------------------

    def _load(self) -> None:
        if self.index_path is None:
            return
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return                                       # a cache: start again without it
        if not isinstance(data, dict):
            return
        urls, refused, failed = data.get("urls"), data.get("refused"), data.get("failed")
        if isinstance(urls, dict):
            self._urls = {u: k for u, k in urls.items() if isinstance(k, str) and KEY_RE.match(k)}
        if isinstance(refused, dict):
            self._refused = {u: str(r) for u, r in refused.items()}
        if isinstance(failed, dict):
            self._failed = {u: v for u, v in failed.items()
                            if isinstance(v, list) and len(v) == 2
                            and isinstance(v[1], int | float)}

    def save(self) -> None:
        """Write the index (atomically) when it changed."""
        with self._lock:
            if self.index_path is None or not self._dirty:
                return
            data = {"version": 1, "urls": self._urls, "refused": self._refused,
                    "failed": self._failed}
            text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0) + "\n"
            write_atomic(self.index_path, text, durable=True)
            self._dirty = False

    # -- files -----------------------------------------------------------------------------

    def path(self, key: str) -> Path:
        return self.media_dir / key

    def knows(self, url: str) -> bool:
        """Whether the index has a stored file for ``url`` (mirroring it needs no request)."""
        with self._lock:
            return url in self._urls

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data`` (checked: a picture, not too large) under its content's name; returns
        ``(key, written)``. Raises :class:`MediaRefused` for what it will not keep and
        :class:`MediaError` when the file cannot be written."""
        if len(data) > self.max_bytes:
            raise MediaRefused(f"larger than {self.max_bytes // 1024} KB")
        ext = sniff(data)
        if ext is None:
            if b"<svg" in data[:2048].lower():
                raise MediaRefused("SVG refused (it can carry script)")
            raise MediaRefused("not a JPEG, PNG, GIF, WebP or AVIF image")
        key = key_for(data, ext)
        path = self.path(key)
        if path.is_file():
            return key, False
        try:
            write_atomic(path, data, durable=True)
        except OSError as exc:
            raise MediaError(f"content/{MEDIA_DIR}/{key}: cannot write: "
                             f"{exc.strerror or exc}") from None
        return key, True

    def cleanup(self) -> list[Path]:
        """Remove temp files a crash left under ``media_dir``; returns their paths."""
        removed = []
        if self.media_dir.is_dir():
            for tmp in sorted(self.media_dir.rglob(".*.tmp")):
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
        return removed

    # -- mirroring -------------------------------------------------------------------------

    def _one(self, url: str, fetch: Fetch) -> tuple[str | None, str | None, bool, bool]:
        """(key or None, problem or None, fetched over the network, file written)."""
        now = self.clock()
        with self._lock:
            key = self._urls.get(url)
            if key is not None and self.has(key):
                return key, None, False, False
            if url in self._refused:
                return None, f"{url}: {self._refused[url]}", False, False
            failed = self._failed.get(url)
            if failed and now - failed[1] < self.retry_after:
                return None, f"{url}: {failed[0]} (tried again later)", False, False
        try:
            data = fetch(url)
            if data is None:
                raise MediaError("not available")
            key, written = self.put(data)
        except MediaNotAllowed as exc:
            return None, f"{url}: {_reason(exc).removeprefix(f'{url}: ')}", False, False
        except MediaRefused as exc:
            reason = _reason(exc).removeprefix(f"{url}: ")
            with self._lock:
                self._refused[url] = reason
                self._failed.pop(url, None)
                self._dirty = True
            return None, f"{url}: {reason}", True, False
        except CdsError as exc:                 # FetchError (HTTP, time, size), MediaError
            reason = _reason(exc).removeprefix(f"{url}: ")
            with self._lock:
                if reason.startswith("body larger than"):      # the Fetcher's size cap
                    self._refused[url] = reason
                else:
                    self._failed[url] = [reason, int(now)]
                self._dirty = True
            return None, f"{url}: {reason}", True, False
        with self._lock:
            self._urls[url] = key
            self._failed.pop(url, None)
            self._dirty = True
        return key, None, True, written

    def _mirror(self, urls: list[str], fetch: Fetch, result: Mirrored) -> dict[str, str]:
        distinct = [u for u in dict.fromkeys(urls) if is_http(u)]
        todo, over = distinct[:self.max_images], distinct[self.max_images:]
        if self.workers > 1 and len(todo) > 1:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(todo)),
                                    thread_name_prefix="media") as pool:
                outcomes = list(pool.map(lambda u: self._one(u, fetch), todo))
        else:
            outcomes = [self._one(u, fetch) for u in todo]
        found: dict[str, str] = {}
        for url, (key, problem, fetched, written) in zip(todo, outcomes, strict=True):
            result.downloaded += int(fetched)
            result.stored += int(written)
            if key is not None:
                found[url] = key
            else:
                result.problems.append(problem or f"{url}: not stored")
        result.problems += [f"{u}: more than {self.max_images} images in the article; "
                            "left as it is" for u in over]
        return found

    def mirror_markdown(self, body: str, fetch: Fetch, *, image: str = "") -> Mirrored:
        """Download the body's images (and ``image``) and point the Markdown at the stored
        copies (``../../../media/<key>``); images that cannot be stored are left as they are
        and listed in ``problems``. A body whose images are all stored already (or whose URLs
        the index knows) costs no request, and gives the same text every time."""
        matches = list(MD_IMAGE.finditer(body))
        result = Mirrored(body=body, image=image)
        found = self._mirror(([image] if image else []) + [m.group(2) for m in matches],
                             fetch, result)

        def sub(m: re.Match) -> str:
            key = found.get(m.group(2))
            if key is None:
                return m.group(0)
            return f"![{m.group(1)}]({store_ref(key)}{m.group(3) or ''})"

        result.body = MD_IMAGE.sub(sub, body) if found else body
        if image in found:
            result.image = store_ref(found[image])
        refs = [result.image] + [m.group(2) for m in MD_IMAGE.finditer(result.body)]
        result.media = list(dict.fromkeys(k for k in map(media_key, refs) if k))
        return result

    def mirror_article(self, article: Article, fetch: Fetch) -> tuple[Article, Mirrored]:
        """``article`` with its body's images and its ``image`` mirrored (a copy)."""
        m = self.mirror_markdown(article.body, fetch, image=article.image)
        return replace(article, body=m.body, image=m.image), m


def mirror_markdown(body: str, fetch: Fetch, media_dir: Path | str, *,
                    index_path: Path | str | None = None, **options) -> Mirrored:
    """One-off :meth:`MediaStore.mirror_markdown` (the index is saved when given)."""
    store = MediaStore(media_dir, index_path, **options)
    result = store.mirror_markdown(body, fetch)
    store.save()
    return result
