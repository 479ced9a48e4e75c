"""Canonical addresses: one article, one address, whatever hostname or tracking tag it came with."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track a visit; dropped from every stored address.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_ga", "_gl", "zarsrc", "zalo_source", "ref_src", "spm", "cmpid", "__tn__",
})
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
