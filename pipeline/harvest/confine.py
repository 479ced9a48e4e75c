"""Host confinement: which addresses a source may make cds request.

A source's site is a set of *origins* (scheme, host, port), never bare host names:

- the origin of its ``url``;
- each alias names the same origin with another host (same scheme and port as ``url``);
- when ``url`` is on its scheme's default port (80 for http, 443 for https), each of these hosts
  is also allowed on the other scheme's default port (sites move between http and https).

So ``http://127.0.0.1:8001/rss`` allows ``127.0.0.1:8001`` (and ``localhost:8001`` when
``localhost`` is an alias), never ``127.0.0.1:8002``; ``https://baothu.vn/rss`` with alias
``m.baothu.vn`` allows ``http(s)://baothu.vn`` and ``http(s)://m.baothu.vn`` on ports 80/443.

The rule is applied before each request, on every hop of a redirect
(:meth:`pipeline.harvest.fetch.Fetcher.get`'s ``allow``).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from pipeline.core.models import Source

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def origin(url: str) -> Origin | None:
    """``(scheme, host, port)`` of an http(s) address, the default port filled in; None when
    ``url`` is not an http(s) address with a host."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def origins(src: Source) -> frozenset[Origin]:
    """The origins of ``src``'s site (see the module's docstring)."""
    own = origin(src.url)
    if own is None:
        return frozenset()
    scheme, host, port = own
    hosts = {host, *(a.lower().rstrip(".") for a in src.aliases)}
    out = {(scheme, h, port) for h in hosts}
    if port == DEFAULT_PORTS[scheme]:
        out |= {(s, h, p) for h in hosts for s, p in DEFAULT_PORTS.items()}
    return frozenset(out)


def on_site(src: Source, url: str) -> bool:
    """True when ``url`` is on one of ``src``'s origins."""
    o = origin(url)
    return o is not None and o in origins(src)


def guard(src: Source) -> Callable[[str], str | None]:
    """An ``allow`` check for :meth:`Fetcher.get`: None for an address on the source's site,
    else the reason it is not requested."""
    allowed = origins(src)

    def check(url: str) -> str | None:
        if origin(url) in allowed:
            return None
        return "not on the source's site (not fetched; add its host to aliases if it is)"

    return check
