"""Desk accounts: ``<root>/.cds/desk-users.json`` (mode 0600, outside ``content/``).

``{"users": {"lan": {"role": "reviewer", "hash": "$argon2id$…", "generation": 3}}}``. Passwords
are hashed with Argon2id (argon2-cffi's defaults). ``generation`` grows on every password
change: a session made under an older generation is over, in every process.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pipeline.core.errors import ConfigError
from pipeline.core.fileio import write_atomic

USERS_FILE = "desk-users.json"
ROLES = ("editor", "reviewer")
ROLE_NAMES = {"editor": "Biên tập viên", "reviewer": "Người duyệt"}
NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("cds-desk-dummy-password")   # same work for unknown names


@dataclass(frozen=True)
class User:
    name: str
    role: str
    generation: int

    @property
    def can_review(self) -> bool:
        """Approve, reject, feature: reviewers only. Everyone may edit, retag and propose."""
        return self.role == "reviewer"


def users_path(root: Path) -> Path:
    return Path(root) / ".cds" / USERS_FILE


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name or ""):
        raise ConfigError(f"{name!r}: a user name is 2–32 of a-z 0-9 . _ - (starting with a "
                          "letter or digit)")
    return name


class Users:
    """The accounts file; re-read when it changed on disk."""

    def __init__(self, root: Path):
        self.path = users_path(root)
        self._stamp: tuple[int, int] | None = None
        self._data: dict = {"users": {}}

    def _load(self) -> dict:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._data = None, {"users": {}}
            return self._data
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"{self.path}: not a desk accounts file ({exc})") from None
            if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
                raise ConfigError(f"{self.path}: not a desk accounts file")
            self._stamp, self._data = stamp, data
        return self._data

    def _save(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n")
                     .encode("utf-8"), durable=True, mode=0o600)
        self._stamp = None

    def get(self, name: str) -> User | None:
        entry = self._load()["users"].get(name)
        if not isinstance(entry, dict):
            return None
        return User(name, entry.get("role", "editor"), int(entry.get("generation", 0)))

    def names(self) -> list[str]:
        return sorted(self._load()["users"])

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs; None otherwise (same work either way)."""
        entry = self._load()["users"].get(name)
        stored = entry.get("hash") if isinstance(entry, dict) else None
        try:
            _HASHER.verify(stored or _DUMMY, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return self.get(name) if stored else None

    def add(self, name: str, role: str, password: str) -> None:
        check_name(name)
        if role not in ROLES:
            raise ConfigError(f"--role {role}: one of {', '.join(ROLES)}")
        data = self._load()
        if name in data["users"]:
            raise ConfigError(f"{name}: already an account (change its password with "
                              "`cds desk passwd`)")
        _check_password(password)
        data = json.loads(json.dumps(data))
        data["users"][name] = {"role": role, "hash": _HASHER.hash(password), "generation": 1}
        self._save(data)

    def passwd(self, name: str, password: str) -> None:
        data = json.loads(json.dumps(self._load()))
        if name not in data["users"]:
            raise ConfigError(f"{name}: no such account")
        _check_password(password)
        entry = data["users"][name]
        entry["hash"] = _HASHER.hash(password)
        entry["generation"] = int(entry.get("generation", 0)) + 1   # ends its sessions
        self._save(data)

    def delete(self, name: str) -> None:
        data = json.loads(json.dumps(self._load()))
        if name not in data["users"]:
            raise ConfigError(f"{name}: no such account")
        del data["users"][name]
        self._save(data)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password is shorter than {MIN_PASSWORD} characters")
