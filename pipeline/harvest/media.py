"""Harvest-time image mirroring: the built site never loads a picture from another host.

A harvested body (``clean.to_markdown``) holds images as ``![alt](https://source/…)``. At harvest
time :class:`MediaStore` downloads each one (through the harvest's ``Fetcher``, via a ``fetch``
callable), checks that it really is a picture, and stores it once, by content::

    content/media/<aa>/<sha256-16>.<ext>         ext from the bytes: jpg png gif webp avif

The Markdown then refers to it *relative to the article file*::

    content/articles/YYYY/MM/<slug>.md:   ![alt](../../../media/ab/ab12cd34ef567890.jpg)

so editors previewing ``content/`` (GitHub, an editor's Markdown preview) see the picture. The
front-matter ``image`` is written the same way. The site mirrors the same layout one level down:
``sync_media`` puts the files at ``site_src/tin-tuc/media/<aa>/<hash>.<ext>`` and article pages
are ``site_src/tin-tuc/YYYY/MM/<slug>/index.md``, so the stored reference resolves there too,
unchanged: MkDocs checks the link, copies the file and keeps the URL relative (it works under a
sub-path deployment). Published URL: ``<site.url>tin-tuc/media/<aa>/<hash>.<ext>``.

Only raster images browsers show are kept, recognised by their first bytes (never by
Content-Type or the URL): JPEG, PNG, GIF, WebP, AVIF. SVG is refused (it can carry script), as
is anything else (an HTML error page served as ``image/png``). At most ``max_bytes`` per image
and ``max_images`` per article.

An image that cannot be mirrored stays in the store as it was (its original address: nothing is
lost, and a later harvest can retry). What the site and the feeds show for it is decided when
publishing, by :func:`for_site` / :func:`for_feeds`: a plain link ``Ảnh: <alt> (xem tại nguồn)``
to the original, which loads nothing until a reader clicks it.

Re-harvests download nothing they already have: ``.cds/media.json`` maps each image URL to its
file (and remembers refusals, and failures for ``retry_after`` seconds). It is a cache: losing it
costs downloads, never a change in the store (same bytes, same name, same Markdown).

Pure helpers for the other stages (no I/O): :func:`media_key`, :func:`site_path`,
:func:`page_href`, :func:`absolute_media_url`, :func:`is_media_src`, :func:`site_markdown`,
:func:`for_site`, :func:`for_feeds`, :func:`referenced`. Files: :func:`sync_media`,
:func:`unused_media`, :func:`missing_media`, :func:`check_media`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from pipeline.core.errors import CdsError, FetchError
from pipeline.core.fileio import linked, write_atomic
from pipeline.core.models import Article, Config, Fetched, Source
from pipeline.harvest import confine

__all__ = [
    "ACCEPT_IMAGE", "ARTICLE_PREFIX", "MAX_BYTES", "MAX_IMAGES", "MEDIA_DIR", "SITE_DIR",
    "MediaError", "MediaNotAllowed", "MediaRefused", "MediaStore", "MediaSync", "Mirrored",
    "absolute_media_url", "available", "check_media", "for_feeds", "for_site", "image_fetcher",
    "is_media_src", "media_key", "mirror_markdown", "missing_media", "outside_images", "page_href", "public_host",
    "referenced",
    "site_markdown", "site_path", "sniff", "sync_media", "unused_media",
]

MEDIA_DIR = "media"                     # in content/
ARTICLE_PREFIX = "../../../media/"      # content/articles/YYYY/MM/<slug>.md → content/media/
SITE_DIR = "tin-tuc/media/"             # in site_src/ and on the site (articles: tin-tuc/Y/M/s/)
INDEX_FILE = "media.json"               # in .cds/
MAX_BYTES = 5 * 1024 * 1024             # per image
MAX_IMAGES = 20                         # per article
RETRY_AFTER = 24 * 3600                 # seconds before an image that failed is asked for again
WORKERS = 4                             # an article's images fetched at once (the Fetcher still
                                        # keeps to its per-host limit)
#: ``Accept`` for images: what browsers show, SVG left out.
ACCEPT_IMAGE = "image/avif, image/webp, image/png, image/jpeg, image/gif;q=0.9, */*;q=0.1"
EXTENSIONS = ("jpg", "png", "gif", "webp", "avif")
MIME_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif",
              "webp": "image/webp", "avif": "image/avif"}

_KEY = r"[0-9a-f]{2}/[0-9a-f]{16}\.(?:jpg|png|gif|webp|avif)"
_KEY_RE = re.compile(rf"^{_KEY}$")
_REF_RE = re.compile(rf"^(?:\.\./)*{MEDIA_DIR}/({_KEY})$")
_SRC_RE = re.compile(rf"^(?:\.\./)*(?:tin-tuc/)?{MEDIA_DIR}/({_KEY})$")
_IN_TEXT = re.compile(rf"(?<![\w-]){MEDIA_DIR}/({_KEY})(?![\w])")
# A Markdown image as clean.to_markdown writes it: alt without brackets (they are entities),
# an address without spaces or parentheses (percent-encoded), an optional "title".
_MD_IMAGE = re.compile(r'!\[([^\[\]\n]*)\]\(\s*<?([^()\s<>]+)>?(\s+"[^"\n]*")?\s*\)')


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


# --- pure helpers -----------------------------------------------------------------------------

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


def media_key(ref: str | None) -> str | None:
    """The key (``ab/ab12cd34ef567890.jpg``) of a media reference as an article holds it
    (``../../../media/<key>``; any number of ``../``, or none), else None."""
    m = _REF_RE.match((ref or "").strip())
    if not m:
        return None
    key = m.group(1)
    return key if key[:2] == key[3:5] else None


def store_ref(key: str) -> str:
    """The reference an article file holds for ``key``."""
    return ARTICLE_PREFIX + key


def site_path(ref: str | None) -> str | None:
    """Where a media reference is on the site, from its root: ``tin-tuc/media/<key>``."""
    key = media_key(ref)
    return SITE_DIR + key if key else None


def page_href(ref: str | None, page_url: str) -> str | None:
    """A media reference as a relative link from the page at directory URL ``page_url``
    (``""`` for home, ``chu-de/x/``, ``tin-tuc/2024/05/slug/``); None when ``ref`` is not one.
    For HTML that publish writes itself (cards, hero images)."""
    path = site_path(ref)
    return "../" * page_url.count("/") + path if path else None


def absolute_media_url(site_url: str, ref: str | None) -> str | None:
    """A media reference as an absolute address on the site (feeds): ``site.url`` (which may
    have a path) + ``tin-tuc/media/<key>``; None when ``ref`` is not one."""
    key = media_key(ref)
    return _site_base(site_url) + key if key else None


def _site_base(site_url: str) -> str:
    return site_url.rstrip("/") + "/" + SITE_DIR


def is_media_src(value: str | None) -> bool:
    """True for an ``<img src>`` pointing at the site's own media, as MkDocs leaves it in a
    page (``../../../media/<key>``) or publish writes it (``…/tin-tuc/media/<key>``)."""
    m = _SRC_RE.match((value or "").strip())
    return bool(m) and m.group(1)[:2] == m.group(1)[3:5]


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _label(alt: str, *, link: bool) -> str:
    alt = alt.strip()
    if link:
        return f"Ảnh: {alt} (xem tại nguồn)" if alt else "Ảnh (xem tại nguồn)"
    return f"Ảnh: {alt}" if alt else ""


def site_markdown(body: str, available: Collection[str] | None = None) -> str:
    """The body as the site shows it: images of the site's own media stay; an image elsewhere
    becomes a link ``Ảnh: <alt> (xem tại nguồn)`` to it (plain text ``Ảnh: <alt>`` when the
    image is itself inside a link); a media image whose file is not in ``available`` (keys;
    None: do not check) and any other image become ``Ảnh: <alt>``. Nothing left loads a
    picture from another host."""
    def sub(m: re.Match) -> str:
        alt, url = m.group(1), m.group(2)
        key = media_key(url)
        if key is not None and (available is None or key in available):
            return m.group(0)
        in_link = m.start() > 0 and body[m.start() - 1] == "["
        if key is None and _is_http(url) and not in_link:
            return f"[{_label(alt, link=True)}]({url})"
        return _label(alt, link=False)

    return _MD_IMAGE.sub(sub, body)


def for_site(article: Article, available: Collection[str] | None = None) -> Article:
    """A copy of ``article`` for publishing: body through :func:`site_markdown`, ``image`` kept
    only when it is the site's own media (else "")."""
    key = media_key(article.image)
    keep = key is not None and (available is None or key in available)
    return replace(article, body=site_markdown(article.body, available),
                   image=article.image if keep else "")


def for_feeds(article: Article, site_url: str, available: Collection[str] | None = None) -> Article:
    """A copy of ``article`` for the feeds: as :func:`for_site`, with media references made
    absolute on the site (feed readers fetch pictures from the feed's HTML)."""
    art = for_site(article, available)
    base = _site_base(site_url)

    def sub(m: re.Match) -> str:
        key = media_key(m.group(2))
        return f"![{m.group(1)}]({base}{key}{m.group(3) or ''})" if key else m.group(0)

    body = _MD_IMAGE.sub(sub, art.body) if "![" in art.body else art.body
    return replace(art, body=body, image=absolute_media_url(site_url, art.image) or "")


def outside_images(article: Article) -> list[str]:
    """The http(s) picture addresses an article still holds (``image`` and the body's): those
    harvested before mirroring, or that could not be stored then."""
    refs = [article.image, *(m.group(2) for m in _MD_IMAGE.finditer(article.body))]
    return list(dict.fromkeys(r for r in refs if r and _is_http(r)))


def referenced(articles: Iterable[Article]) -> set[str]:
    """The media keys the articles' bodies and ``image`` fields refer to."""
    keys: set[str] = set()
    for art in articles:
        for ref in [art.image, *(m.group(2) for m in _MD_IMAGE.finditer(art.body))]:
            key = media_key(ref)
            if key:
                keys.add(key)
    return keys


# --- fetching -----------------------------------------------------------------------------------

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
    domains = _site_domains(source) | {h.lower().strip(".") for h in hosts if h != "*"}
    anywhere = "*" in set(hosts)
    cache: dict[str, bool] = {}

    def on_site(host: str) -> bool:
        return anywhere or any(host == d or host.endswith("." + d) for d in domains)

    def refused(url: str) -> str | None:
        """Why ``url`` is not asked for (None: it may be). Decided before any request."""
        if own(url) is None:
            return None
        where = confine.origin(url)
        if where is None:
            return "not an http(s) address"
        scheme, host, port = where
        if port != confine.DEFAULT_PORTS[scheme] or not on_site(host):
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
        if not _is_http(url):
            raise MediaNotAllowed(f"{url}: not an http(s) address")
        why = refused(url)
        if why is not None:
            raise MediaNotAllowed(f"{url}: {why}")
        got = fetcher.get(url, timeout=source.timeout, user_agent=source.user_agent,
                          accept=ACCEPT_IMAGE, allow=hop)
        return got.body

    return fetch


# --- the media store ------------------------------------------------------------------------

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
            self._urls = {u: k for u, k in urls.items() if isinstance(k, str) and _KEY_RE.match(k)}
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
        distinct = [u for u in dict.fromkeys(urls) if _is_http(u)]
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
        matches = list(_MD_IMAGE.finditer(body))
        result = Mirrored(body=body, image=image)
        found = self._mirror(([image] if image else []) + [m.group(2) for m in matches],
                             fetch, result)

        def sub(m: re.Match) -> str:
            key = found.get(m.group(2))
            if key is None:
                return m.group(0)
            return f"![{m.group(1)}]({store_ref(key)}{m.group(3) or ''})"

        result.body = _MD_IMAGE.sub(sub, body) if found else body
        if image in found:
            result.image = store_ref(found[image])
        refs = [result.image] + [m.group(2) for m in _MD_IMAGE.finditer(result.body)]
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


# --- publishing and checking ----------------------------------------------------------------

@dataclass
class MediaSync:
    added: int = 0          # files linked (or copied) into site_src/
    removed: int = 0        # stale files removed
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)     # keys asked for but not in content/


_NAME_RE = re.compile(r"^[0-9a-f]{16}\.(?:jpg|png|gif|webp|avif)$")


def _media_files(folder: Path) -> dict[str, Path]:
    """key → file for every correctly named file under ``folder`` (``<aa>/<aa…>.<ext>``)."""
    out = {}
    if Path(folder).is_symlink():           # links are never followed (nothing outside the root)
        return out
    try:
        subdirs = [d for d in os.scandir(folder)
                   if len(d.name) == 2 and d.is_dir(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return out
    for sub in subdirs:
        for f in os.scandir(sub.path):
            if f.name[:2] == sub.name and _NAME_RE.match(f.name) \
                    and f.is_file(follow_symlinks=False):
                out[f"{sub.name}/{f.name}"] = Path(f.path)
    return out


def _link_or_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)                   # no bytes copied; same file, same mtime
    except OSError:
        shutil.copy2(src, tmp)              # another file system, or no hard links there
    os.replace(tmp, dest)


def sync_media(content_dir: Path | str, site_src_dir: Path | str,
               keys: Iterable[str] | None = None) -> MediaSync:
    """Make ``site_src/tin-tuc/media/`` hold exactly the media ``keys`` (default: every file of
    ``content/media/``; pass ``referenced(published articles)`` so that pictures of rejected or
    pending articles stay unpublished), hard-linked from ``content/media/`` (copied where hard
    links are impossible). Files already there are left alone (the name is the content);
    others are removed, empty folders pruned. Deterministic and cheap when nothing changed."""
    src_dir = Path(content_dir) / MEDIA_DIR
    dest_dir = Path(site_src_dir) / SITE_DIR
    have = _media_files(src_dir)
    there = set(_media_files(dest_dir))         # the name is the content: there means right
    result = MediaSync()
    wanted = sorted(have) if keys is None else sorted(set(keys))
    keep: set[str] = set()
    for key in wanted:
        src = have.get(key)
        if src is None:
            result.missing.append(key)
            continue
        keep.add(key)
        if key in there:
            result.unchanged += 1
        else:
            _link_or_copy(src, dest_dir / key)
            result.added += 1
    if dest_dir.is_dir():
        top = len(str(dest_dir)) + 1
        for folder, dirs, files in os.walk(dest_dir, topdown=False):
            prefix = folder[top:].replace(os.sep, "/") + "/" if len(folder) > top else ""
            for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                if prefix + name not in keep:
                    os.unlink(os.path.join(folder, name))
                    result.removed += 1
            try:
                os.rmdir(folder)                # only when empty (dest_dir itself too)
            except OSError:
                pass
    return result


def _references(content_dir: Path) -> dict[str, list[tuple[Path, str]]]:
    """key → [(file relative to content_dir, reference as written)] over every Markdown file
    of ``content/`` (articles, pages, register), front matter included."""
    refs: dict[str, list[tuple[Path, str]]] = {}
    media = content_dir / MEDIA_DIR
    for path in sorted(content_dir.rglob("*.md")):
        if media in path.parents or any(p.startswith(".") for p in path.relative_to(content_dir).parts):
            continue
        if linked(path, content_dir):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue                        # reported by the store's own checks
        for m in _IN_TEXT.finditer(text):
            key = m.group(1)
            if key[:2] == key[3:5]:
                refs.setdefault(key, []).append((path.relative_to(content_dir), m.group(0)))
    return refs


def available(content_dir: Path | str) -> set[str]:
    """The keys of the media files in ``content/media/`` (for :func:`for_site`)."""
    return set(_media_files(Path(content_dir) / MEDIA_DIR))


def unused_media(content_dir: Path | str) -> list[Path]:
    """Media files (relative to ``content_dir``: ``media/ab/….jpg``) that no Markdown file of
    ``content/`` refers to: left behind when an article was deleted or re-harvested with other
    pictures. For ``cds check`` to report; nothing is deleted."""
    content_dir = Path(content_dir)
    used = _references(content_dir)
    return [Path(MEDIA_DIR) / key for key in sorted(_media_files(content_dir / MEDIA_DIR))
            if key not in used]


def missing_media(content_dir: Path | str) -> list[tuple[Path, str]]:
    """``(file relative to content_dir, key)`` for every media reference whose file is not in
    ``content/media/``."""
    content_dir = Path(content_dir)
    have = _media_files(content_dir / MEDIA_DIR)
    return [(where, key) for key, places in sorted(_references(content_dir).items())
            if key not in have for where, _ in places]


def check_media(content_dir: Path | str) -> tuple[list[str], list[str]]:
    """``(problems, notes)`` for ``cds check``: missing pictures are problems, unused ones
    notes; one line each, naming the file."""
    content_dir = Path(content_dir)
    name = content_dir.name
    problems = [f"{name}/{where.as_posix()}: picture {MEDIA_DIR}/{key} is missing from "
                f"{name}/{MEDIA_DIR}/" for where, key in missing_media(content_dir)]
    notes = [f"{name}/{rel.as_posix()}: not used by any article (kept; delete it with git rm "
             "if it is not wanted)" for rel in unused_media(content_dir)]
    return problems, notes
