"""Harvest state kept inside the root, in ``<root>/.cds/`` (``Config.state_dir``).

- :class:`State` — ``state.json``: HTTP validators per address (ETag, Last-Modified) and each
  source's health (successes, failures with exponential backoff, recent item dates). Written
  atomically: a temporary file in the same folder, fsync, ``os.replace``, fsync of the folder.
- :class:`RunLock` — ``run.lock``: only one harvest works on a root at a time. ``fcntl.flock``
  on the lock file; the kernel drops it when the holder dies, so a killed run never blocks the
  next one. The file holds the holder's pid and start time for the "who holds it" message.

``now`` arguments are timezone-aware datetimes; times are stored as ISO 8601 with offset.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.core.errors import LockedError
from pipeline.core.fileio import write_atomic
from pipeline.core.models import Source

STATE_FILE = "state.json"
LOCK_FILE = "run.lock"
VERSION = 1

BACKOFF_FIRST = 30 * 60            # seconds to wait after a first failure; doubles each time
BACKOFF_CAP = 24 * 3600            # never wait longer than this for our own backoff
RETRY_AFTER_CAP = 7 * 24 * 3600    # a server's Retry-After is honoured up to a week
ITEMS_KEPT = timedelta(days=90)    # how far back the recent item dates go
CADENCE_DAYS = {"day": 1, "week": 7, "month": 30}
_ERROR_CHARS = 500


def backoff_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures: 30 min, 1 h, 2 h … 24 h."""
    if failures <= 0:
        return 0.0
    return float(min(BACKOFF_FIRST * 2 ** min(failures - 1, 32), BACKOFF_CAP))


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: pass a timezone-aware one")
    return now


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else _aware(dt).isoformat(timespec="seconds")


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else None


def _now() -> datetime:
    return datetime.now().astimezone()


class State:
    """``.cds/state.json``: validators per URL and health per source.

    ``warning`` is set when an unreadable state file was put aside (``state.json.bad``) and the
    state started afresh; the CLI may show it. Nothing in the state is precious: losing it
    costs one unconditional fetch per source.
    """

    def __init__(self, state_dir: Path, data: dict | None = None):
        self.state_dir = Path(state_dir)
        self.data: dict[str, Any] = data or {}
        self.data.setdefault("version", VERSION)
        self.data.setdefault("validators", {})
        self.data.setdefault("sources", {})
        self.warning: str | None = None
        self._saved: str | None = None

    @property
    def path(self) -> Path:
        return self.state_dir / STATE_FILE

    @classmethod
    def load(cls, state_dir: Path) -> State:
        state_dir = Path(state_dir)
        path = state_dir / STATE_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(state_dir)
        try:
            data = json.loads(text)
            if not (isinstance(data, dict) and isinstance(data.get("validators", {}), dict)
                    and isinstance(data.get("sources", {}), dict)):
                raise ValueError("not a cds state object")
        except ValueError as exc:
            bad = path.with_name(STATE_FILE + ".bad")
            os.replace(path, bad)
            state = cls(state_dir)
            state.warning = (f"{path}: unreadable ({exc}); moved to {bad}, "
                             "starting with an empty state")
            return state
        state = cls(state_dir, data)
        state._saved = text
        return state

    def _text(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def save(self) -> bool:
        """Write the state atomically; nothing is written when nothing changed. Returns
        whether the file was written."""
        text = self._text()
        if text == self._saved:
            return False
        self.state_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, text, durable=True, make_parents=False)
        self._saved = text
        return True

    # --- HTTP validators ----------------------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        v = self.data["validators"].get(url) or {}
        return v.get("etag"), v.get("last_modified")

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        if etag or last_modified:
            self.data["validators"][url] = {"etag": etag or None,
                                            "last_modified": last_modified or None}
        else:
            self.data["validators"].pop(url, None)

    # --- how each source was read -------------------------------------------------------------

    def settings(self, source_id: str) -> str | None:
        """The digest of the source's reading settings at its last complete harvest."""
        return (self.data["sources"].get(source_id) or {}).get("settings")

    def set_settings(self, source_id: str, digest: str) -> None:
        self._source(source_id)["settings"] = digest

    # --- items already handled ----------------------------------------------------------------

    def seen(self, url: str) -> str | None:
        """The fingerprint of the feed item or listing entry last handled for ``url``."""
        return self.data.setdefault("seen", {}).get(url)

    def set_seen(self, url: str, fingerprint: str) -> None:
        """Remember that the entry for ``url`` was handled as it looked (``fingerprint``), so an
        unchanged entry's article page is not fetched again."""
        if fingerprint:
            self.data.setdefault("seen", {})[url] = fingerprint

    # --- source health ------------------------------------------------------------------------

    def _source(self, source_id: str) -> dict[str, Any]:
        return self.data["sources"].setdefault(source_id, {
            "consecutive_failures": 0, "last_success": None, "last_failure": None,
            "last_error": None, "next_attempt": None, "last_items": 0, "items": [],
        })

    def record_success(self, source_id: str, now: datetime, items: int = 0, *,
                       interval: float | None = None) -> None:
        """A run of the source finished. ``items``: how many new articles it stored.
        With ``interval`` (seconds), ``next_attempt`` is stored as ``now + interval``."""
        h = self._source(source_id)
        h["consecutive_failures"] = 0
        h.pop("failing_since", None)
        h["last_success"] = _iso(now)
        h["last_items"] = int(items)
        h["next_attempt"] = _iso(now + timedelta(seconds=interval)) if interval else None

    def record_failure(self, source_id: str, now: datetime, reason: str,
                       retry_after: float | None = None) -> float:
        """The source failed: back off 30 min, doubling to 24 h; a larger Retry-After (seconds)
        wins, up to a week. Returns the delay in seconds."""
        h = self._source(source_id)
        h["consecutive_failures"] = int(h.get("consecutive_failures") or 0) + 1
        h.setdefault("failing_since", _iso(now))
        delay = backoff_delay(h["consecutive_failures"])
        if retry_after is not None and retry_after > delay:
            delay = float(min(retry_after, RETRY_AFTER_CAP))
        h["last_failure"] = _iso(now)
        h["last_error"] = " ".join(str(reason).split())[:_ERROR_CHARS]
        h["next_attempt"] = _iso(now + timedelta(seconds=delay))
        return delay

    def next_attempt(self, source: Source) -> datetime | None:
        """When the source is next due: its backoff after a failure, ``last_success +
        source.interval`` after a success, ``None`` (now) when never run."""
        h = self.data["sources"].get(source.id)
        if not h:
            return None
        if h.get("consecutive_failures"):
            return _parse(h.get("next_attempt"))
        last = _parse(h.get("last_success"))
        return last + timedelta(seconds=source.interval) if last else None

    def is_due(self, source: Source, now: datetime) -> bool:
        nxt = self.next_attempt(source)
        return nxt is None or _aware(now) >= nxt

    def record_items(self, source_id: str, published: Iterable[datetime],
                     now: datetime | None = None) -> None:
        """Remember the publication dates of newly stored items (the last 90 days only)."""
        h = self._source(source_id)
        cutoff = (now or _now()) - ITEMS_KEPT
        dates = [d for d in (_parse(t) for t in h.get("items") or []) if d]
        dates += [_aware(d) for d in published]
        h["items"] = [_iso(d) for d in sorted(d for d in dates if d >= cutoff)]

    def recent_items(self, source_id: str, days: float, now: datetime | None = None) -> int:
        """How many stored items of the source were published in the last ``days`` days."""
        h = self.data["sources"].get(source_id) or {}
        now = now or _now()
        cutoff = now - timedelta(days=days)
        return sum(1 for t in h.get("items") or [] if (d := _parse(t)) and cutoff <= d <= now)

    def cadence_met(self, source: Source, now: datetime | None = None) -> bool | None:
        """Whether the source published its plan target (``cadence``) in the last period;
        ``None`` when it has no target."""
        if source.cadence is None:
            return None
        days = CADENCE_DAYS.get(source.cadence.per, 30)
        return self.recent_items(source.id, days, now) >= source.cadence.count

    def health(self, source_id: str, now: datetime | None = None) -> dict[str, Any]:
        """consecutive_failures, last_success, last_failure, last_error, next_attempt (ISO
        strings or None), last_items, items_7d, items_30d."""
        h = self.data["sources"].get(source_id) or {}
        return {
            "consecutive_failures": int(h.get("consecutive_failures") or 0),
            "last_success": h.get("last_success"),
            "last_failure": h.get("last_failure"),
            "last_error": h.get("last_error"),
            "next_attempt": h.get("next_attempt"),
            "last_items": int(h.get("last_items") or 0),
            "items_7d": self.recent_items(source_id, 7, now),
            "items_30d": self.recent_items(source_id, 30, now),
        }


# --- the run lock -----------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLock:
    """One harvest per root: ``with RunLock(config.state_dir): ...``.

    ``acquire(wait=False)`` raises :class:`LockedError` at once when another process holds the
    lock; ``acquire(wait=True, timeout=None)`` waits (for ever, or ``timeout`` seconds). The
    lock file is never deleted (deleting a flock'ed file lets two processes lock two inodes);
    release empties it instead. Not re-entrant.
    """

    def __init__(self, state_dir: Path, *, wait: bool = False, timeout: float | None = None,
                 poll: float = 0.1):
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / LOCK_FILE
        self.wait, self.timeout, self.poll = wait, timeout, poll
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait: bool = False, timeout: float | None = None) -> RunLock:
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: already held by this process")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    left = None if deadline is None else deadline - time.monotonic()
                    if not wait or (left is not None and left <= 0):
                        raise LockedError(self._message(self._read(settle=True))) from None
                    time.sleep(self.poll if left is None else max(0.0, min(self.poll, left)))
            info = {"pid": os.getpid(), "since": _now().isoformat(timespec="seconds")}
            data = (json.dumps(info) + "\n").encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
            os.fsync(fd)
        except BaseException:
            os.close(fd)                 # closing drops the flock too, if we had it
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)          # no stale "held by" once released
        finally:
            os.close(fd)                 # closing the only descriptor releases the flock

    def holder(self) -> dict | None:
        """``{"pid": int, "since": str}`` of the live process holding the lock, else ``None``.

        Reads the lock file without taking the lock (probing it could make a concurrent
        ``acquire`` fail)."""
        info = self._read()
        if info is None:
            return None
        return info if _pid_alive(info["pid"]) else None

    def _read(self, settle: bool = False) -> dict | None:
        # A winner writes its pid just after taking the lock: give it a moment when asked.
        for attempt in range(10 if settle else 1):
            try:
                info = json.loads(self.path.read_text(encoding="utf-8") or "null")
            except (OSError, ValueError):
                info = None
            if isinstance(info, dict) and isinstance(info.get("pid"), int):
                return info
            if attempt < 9 and settle:
                time.sleep(0.02)
        return None

    @staticmethod
    def _message(info: dict | None) -> str:
        if not info:
            return "another run holds the lock"
        return f"another run holds the lock: pid {info['pid']} since {info.get('since', '?')}"

    def __enter__(self) -> RunLock:
        return self.acquire(wait=self.wait, timeout=self.timeout)

    def __exit__(self, *exc) -> None:
        self.release()
