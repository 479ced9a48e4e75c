"""Git as the desk's audit trail: one lock serialises every write and its commit.

Each action is one commit of the files it touched (``git commit -- <paths>``), authored by the
editor, committed by ``cds``. Concurrent ``git`` calls fail on ``index.lock``, so writes and
commits from the desk's threads, and from ``cds review`` in another process, take
:func:`write_lock` (a thread lock plus ``flock`` on ``.cds/desk-write.lock``).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import CdsError

COMMITTER = ("cds", "cds@localhost")
_THREAD_LOCK = threading.RLock()
_HELD = threading.local()
_SEP = "\x1f"


class GitError(CdsError):
    """A git command failed."""


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    @classmethod
    def editor(cls, name: str) -> Author:
        return cls(name, f"{name}@desk.localhost")


@dataclass
class Entry:
    commit: str
    author: str
    when: str           # ISO 8601
    subject: str
    files: list[str]


@contextmanager
def write_lock(root: Path) -> Iterator[None]:
    """The root's one write lock (threads of this process, then other processes); re-entrant
    within a thread."""
    with _THREAD_LOCK:
        if getattr(_HELD, "depth", 0):
            _HELD.depth += 1
            try:
                yield
            finally:
                _HELD.depth -= 1
            return
        state = Path(root) / ".cds"
        state.mkdir(parents=True, exist_ok=True)
        fd = os.open(state / "desk-write.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _HELD.depth = 1
            yield
        finally:
            _HELD.depth = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_COMMITTER_NAME=COMMITTER[0], GIT_COMMITTER_EMAIL=COMMITTER[1],
               GIT_TERMINAL_PROMPT="0", LC_ALL="C.UTF-8")
    return env


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(["git", "-C", str(root), "-c", "core.quotepath=off", *args],
                         capture_output=True, env=_env())
    if check and res.returncode != 0:
        why = res.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]}: {why[-1] if why else 'failed'}")
    return res


def ensure_repo(root: Path) -> None:
    """``git init`` the root when it is not a repository yet."""
    if git(root, "rev-parse", "--git-dir", check=False).returncode != 0:
        git(root, "init", "-q")


def commit(root: Path, paths: Iterable[str], message: str, author: Author) -> str | None:
    """Commit exactly ``paths`` (relative to the root) with ``message`` by ``author``; the
    caller holds :func:`write_lock`. Returns the commit id, or None when nothing changed."""
    paths = sorted(set(paths))
    if not paths:
        return None
    ensure_repo(root)
    git(root, "add", "--", *paths)
    if git(root, "diff", "--cached", "--quiet", "--", *paths, check=False).returncode == 0:
        return None
    git(root, "-c", f"user.name={COMMITTER[0]}", "-c", f"user.email={COMMITTER[1]}",
        "commit", "-q", "--no-verify", f"--author={author.name} <{author.email}>",
        "-m", message, "--", *paths)
    return git(root, "rev-parse", "HEAD").stdout.decode().strip()


def _entries(out: bytes) -> list[Entry]:
    entries: list[Entry] = []
    for block in out.decode("utf-8", "replace").split("\x1e"):
        lines = [x for x in block.strip("\n").splitlines() if x.strip()]
        if not lines:
            continue
        head = lines[0].split(_SEP)
        if len(head) != 4:
            continue
        entries.append(Entry(head[0], head[1], head[2], head[3], lines[1:]))
    return entries


def log(root: Path, *paths: str, since: str | None = None, limit: int = 200) -> list[Entry]:
    """Commits touching ``paths`` (all when none), newest first, with their files."""
    if git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode != 0:
        return []
    args = ["log", f"-n{limit}", "--name-only",
            f"--format=\x1e%H{_SEP}%an{_SEP}%aI{_SEP}%s"]
    if since:
        args.append(f"--since={since}")
    return _entries(git(root, *args, "--", *paths).stdout)


def show(root: Path, rev: str, path: str) -> str | None:
    """The text of ``path`` at ``rev`` (None when it did not exist)."""
    res = git(root, "show", f"{rev}:{path}", check=False)
    return res.stdout.decode("utf-8") if res.returncode == 0 else None


def commit_info(root: Path, rev: str) -> Entry | None:
    res = git(root, "show", "--name-only", f"--format=\x1e%H{_SEP}%an{_SEP}%aI{_SEP}%s", rev,
              "--", check=False)
    found = _entries(res.stdout) if res.returncode == 0 else []
    return found[0] if found else None
