"""Canonical addresses: one article, one address, whatever hostname or tracking tag it came with."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import tzinfo
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track a visit; dropped from every stored address.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_ga", "_gl", "zarsrc", "zalo_source", "ref_src", "spm", "cmpid", "__tn__",
})
if TYPE_CHECKING:
    from pipeline.core.models import Article

SAFE_SCHEMES = frozenset({"http", "https"})


def is_tracking(param: str) -> bool:
    p = param.lower()
    return p in TRACKING_PARAMS or p.startswith("utm_")


def canonical(url: str, *, aliases: dict[str, str] | None = None) -> str:
    """Canonical form of ``url``: lower-case host, no default port, no fragment, no tracking
    parameters; a host listed in ``aliases`` (alias → canonical host) replaced by its canonical
    host, keeping the canonical host's scheme when it is given as ``https://host``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port else None
    if (scheme, port) in (("http", 80), ("https", 443)):
        port = None
    if aliases and host in aliases:
        target = aliases[host]
        if "://" in target:
            tparts = urlsplit(target)
            scheme, host, port = tparts.scheme, (tparts.hostname or host), tparts.port
        else:
            host = target
    netloc = host if port is None else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def absolute(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base``; ``None`` when it is empty or not http(s)."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        full = urljoin(base, href)
    except ValueError:
        return None
    return full if urlsplit(full).scheme.lower() in SAFE_SCHEMES else None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


# --- the site's article URLs (shared by publish and the register) -----------------------------

_YEAR, _MONTH = re.compile(r"^\d{4}$"), re.compile(r"^\d{2}$")
_STORE_PATH = re.compile(r"articles/([0-9]{4})/([0-9]{2})/([^/]+)\.md")

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


FALLBACK_SLUG = "bai-viet"
# Names Windows refuses as files (editors clone the content on Windows too).
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)


def slug(text: str, *, fallback: str = FALLBACK_SLUG, max_length: int = 80) -> str:
    """The one slug rule (store file names, site path segments, register pages): ASCII
    ``[a-z0-9-]+`` (``đ`` → ``d``), cut at a word boundary at ``max_length``, never empty
    (``fallback``) and never a name Windows refuses (``con`` → ``con-bai-viet``)."""
    text = text or ""
    if _SLUG.fullmatch(text) and len(text) <= max_length and text not in RESERVED_NAMES:
        return text                        # already a slug (the store's file names)
    # imported late: importing it compiles a large pattern (a cost for every cds command)
    from slugify import slugify
    made = slugify(text, max_length=max_length, word_boundary=True, lowercase=True)
    if not made:
        return fallback
    return f"{made}-{fallback}" if made in RESERVED_NAMES else made


#: A URL path segment from a name or title (the name site/ and register import).
path_segment = slug


def article_urls(articles: Iterable[Article], tz: tzinfo) -> dict[str, str]:
    """id → ``tin-tuc/YYYY/MM/<slug>/`` from each article's store path (``articles/YYYY/MM/
    <slug>.md``); from its date and title when it has none. Two articles never share a URL: the
    later one (by date, then id) gets ``-2``, ``-3``…"""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for art in sorted(articles, key=lambda a: (a.published, a.id)):
        plain = _STORE_PATH.fullmatch(art.path.as_posix()) if art.path else None
        if plain:                              # the store's own layout: what the parts below give
            parts = list(plain.groups())
        else:
            parts = list(PurePosixPath(art.path.as_posix()).with_suffix("").parts) if art.path else []
        if parts[:1] == ["articles"]:
            parts = parts[1:]
        if len(parts) == 3 and _YEAR.match(parts[0]) and _MONTH.match(parts[1]):
            year, month, slug = parts[0], parts[1], path_segment(parts[2])
        else:
            local = art.published.astimezone(tz)
            year, month = f"{local.year:04d}", f"{local.month:02d}"
            slug = path_segment(parts[-1] if parts else art.title)
        base = f"tin-tuc/{year}/{month}/{slug}"
        url, n = base + "/", 1
        while url in taken:
            n += 1
            url = f"{base}-{n}/"
        taken.add(url)
        out[art.id] = url
    return out
