"""Server-side desk sessions and login throttling (in the desk's memory).

The browser holds only a random session id (in Flask's signed, HttpOnly cookie); the session
itself lives here, so logging out, a password change (the account's ``generation``) or a timeout
ends it for good: a replayed cookie finds nothing.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

IDLE = 30 * 60              # seconds without a request
ABSOLUTE = 12 * 3600        # seconds since login
MAX_FAILURES = 5            # wrong passwords in WINDOW before a name or address is held back
WINDOW = 15 * 60
HOLD = 5 * 60               # seconds held back after MAX_FAILURES


@dataclass
class Session:
    sid: str
    user: str
    generation: int
    created: float
    seen: float


@dataclass
class Sessions:
    idle: float = IDLE
    absolute: float = ABSOLUTE
    _items: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, user: str, generation: int) -> str:
        sid = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._items[sid] = Session(sid, user, generation, now, now)
        return sid

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        now = time.monotonic()
        with self._lock:
            s = self._items.get(sid)
            if s is None:
                return None
            if now - s.seen > self.idle or now - s.created > self.absolute:
                del self._items[sid]
                return None
            s.seen = now
            return s

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._items.pop(sid or "", None)

    def end_user(self, user: str) -> None:
        with self._lock:
            for sid in [k for k, s in self._items.items() if s.user == user]:
                del self._items[sid]


@dataclass
class Throttle:
    """Failed logins per (user name, address) and per address; held back after too many.
    While held back, even the right password is refused with the same generic message."""
    max_failures: int = MAX_FAILURES            # per name and address
    max_per_address: int = MAX_FAILURES * 6     # per address, whatever the names
    window: float = WINDOW
    hold: float = HOLD
    _fails: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def keys(name: str, address: str | None) -> tuple[str, str]:
        return f"u:{name}|{address}", f"a:{address}"

    def _limit(self, key: str) -> int:
        return self.max_per_address if key.startswith("a:") else self.max_failures

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                times = [t for t in self._fails.get(key, []) if now - t < self.window]
                self._fails[key] = times
                if len(times) >= self._limit(key) and now - times[-1] < self.hold:
                    return True
        return False

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._fails.setdefault(key, []).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                if key.startswith("u:"):
                    self._fails.pop(key, None)
