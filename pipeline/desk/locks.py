"""Per-article edit locks (after WordPress's post lock): an owner and an expiry, refreshed
while the edit form is open, shown in the queue, taken over only explicitly."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

TTL = 150.0     # seconds


@dataclass(frozen=True)
class EditLock:
    owner: str
    expires: float

    def seconds_left(self) -> int:
        return max(0, int(self.expires - time.monotonic()))


class EditLocks:
    def __init__(self, ttl: float = TTL):
        self.ttl = ttl
        self._items: dict[str, EditLock] = {}
        self._lock = threading.Lock()

    def holder(self, article_id: str) -> EditLock | None:
        with self._lock:
            lk = self._items.get(article_id)
            if lk is not None and lk.expires <= time.monotonic():
                del self._items[article_id]
                lk = None
            return lk

    def acquire(self, article_id: str, user: str, *, takeover: bool = False) -> EditLock | None:
        """The lock for ``user`` (new or refreshed), or None when another holds it and
        ``takeover`` is not asked."""
        current = self.holder(article_id)
        with self._lock:
            if current is not None and current.owner != user and not takeover:
                return None
            lk = EditLock(user, time.monotonic() + self.ttl)
            self._items[article_id] = lk
            return lk

    def release(self, article_id: str, user: str) -> None:
        with self._lock:
            lk = self._items.get(article_id)
            if lk is not None and lk.owner == user:
                del self._items[article_id]

    def all(self) -> dict[str, EditLock]:
        now = time.monotonic()
        with self._lock:
            return {k: v for k, v in self._items.items() if v.expires > now}
