"""WebSub (W3C): tell the hub named in ``feeds.yml`` (``site.hub``) which feeds changed.

The build notes every feed file whose bytes changed (:func:`note_changed`, into
``.cds/websub.json``); ``cds ping`` (or ``cds run --ping``) POSTs ``hub.mode=publish`` and
``hub.url=<the feed's address>`` for each, with a timeout, and forgets those the hub accepted
(a 2xx answer). A feed the hub could not be told about stays noted for the next ping. The
feeds themselves declare the hub (``rel="hub"``, ``rel="self"``, JSON Feed ``hubs``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.errors import CdsError, ConfigError
from pipeline.core.fileio import write_atomic
from pipeline.core.models import Config

STATE = "websub.json"          # in <root>/.cds/
TIMEOUT = 10.0


class PingError(CdsError):
    exit_code = 1


@dataclass
class PingResult:
    sent: list[str] = field(default_factory=list)        # feed addresses the hub accepted
    pending: list[str] = field(default_factory=list)     # site-relative paths still to send


def _path(root: Path) -> Path:
    return Path(root) / ".cds" / STATE


def pending(root: Path) -> list[str]:
    try:
        data = json.loads(_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    items = data.get("pending") if isinstance(data, dict) else None
    return [p for p in items if isinstance(p, str)] if isinstance(items, list) else []


def _save(root: Path, items: Iterable[str]) -> None:
    items = sorted(set(items))
    path = _path(root)
    if not items and not path.exists():
        return
    write_atomic(path, (json.dumps({"pending": items}, ensure_ascii=False, indent=1) + "\n").encode())


def note_changed(root: Path, config: Config, changed: Iterable[str]) -> None:
    """Remember the feed files a build changed (only when a hub is configured)."""
    changed = list(changed)
    if not getattr(config.site, "hub", "") or not changed:
        return
    _save(root, [*pending(root), *changed])


def feed_url(config: Config, rel: str) -> str:
    return config.site.url.rstrip("/") + "/" + rel


def ping(config: Config, *, every: Iterable[str] | None = None, timeout: float = TIMEOUT,
         session=None) -> PingResult:
    """Notify the hub of the pending feeds (or of ``every`` given path). Raises
    :class:`ConfigError` without a hub and :class:`PingError` (one line) when the hub cannot be
    reached or refuses; what was not accepted stays pending."""
    import requests

    hub = getattr(config.site, "hub", "")
    if not hub:
        raise ConfigError(f"{config.root / 'feeds.yml'}: site.hub is not set: no WebSub hub to notify")
    root = config.root
    todo = sorted(set(every)) if every is not None else pending(root)
    result = PingResult()
    http = session or requests.Session()
    for n, rel in enumerate(todo):
        url = feed_url(config, rel)
        problem = None
        try:
            resp = http.post(hub, data={"hub.mode": "publish", "hub.url": url}, timeout=timeout,
                             allow_redirects=False)
            if not 200 <= resp.status_code < 300:
                problem = f"answered HTTP {resp.status_code}"
        except requests.Timeout:
            problem = f"no answer within {timeout:g} s"
        except requests.RequestException as exc:
            problem = f"cannot be reached ({type(exc).__name__})"
        if problem:
            done = set(todo[:n])
            _save(root, [p for p in pending(root) if p not in done] + todo[n:])
            raise PingError(f"WebSub hub {hub} {problem} for {url}; {len(todo) - n} feed(s) not "
                            "announced, kept for the next `cds ping`")
        result.sent.append(url)
    left = [p for p in pending(root) if p not in set(todo)]
    _save(root, left)
    result.pending = left
    return result
