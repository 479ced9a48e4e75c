"""Atomic file writes, the one way cds replaces a file: a temporary file in the same folder,
then a rename, so a crash leaves either the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path


def write_atomic(path: Path | str, data: bytes | str, *, durable: bool = False,
                 mode: int = 0o644, make_parents: bool = True) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8 with ``\\n`` line ends).

    The temporary file is ``.<name>.<random>.tmp`` beside the target: scans of the store and of
    ``site_src/`` skip dot files. ``durable`` also fsyncs the file and its folder, for what must
    survive a power cut (the store, the harvest state); generated output need not pay for it.
    ``mode`` is applied to the new file (``mkstemp`` would leave it 0600, unreadable by a web
    server)."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        with contextlib.suppress(OSError):           # make the rename itself durable
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)



def write_sqlite(path: Path | str, fill: Callable[[sqlite3.Connection], object]) -> None:
    """A SQLite file (a cache) made whole in a new file beside ``path`` (``fill(con)`` in one
    transaction), then put in its place at once: readers see the old file or the new one. An
    error leaves the old file and no temporary one, and is raised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for stale in (tmp, Path(f"{tmp}-journal")):
        stale.unlink(missing_ok=True)
    try:
        con = sqlite3.connect(tmp)
        try:
            with con:
                fill(con)
        finally:
            con.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def open_sqlite(path: Path | str | None, meta: Mapping[str, str],
                probe: str) -> sqlite3.Connection | None:
    """The SQLite cache at ``path``, open, when its ``meta`` table holds ``meta`` and the query
    ``probe`` runs (its tables are the expected ones); None when it is missing, unreadable, or
    another code's or schema's (:func:`write_sqlite` replaces it then)."""
    if path is None or not Path(path).is_file():
        return None
    try:
        con = sqlite3.connect(path)
    except sqlite3.Error:
        return None
    try:
        have = dict(con.execute("SELECT key, value FROM meta").fetchall())
        con.execute(probe).fetchall()
    except sqlite3.Error:
        con.close()
        return None
    if any(have.get(k) != v for k, v in meta.items()):
        con.close()
        return None
    return con


def write_if_changed(path: Path | str, data: bytes) -> bool:
    """:func:`write_atomic` unless ``path`` holds ``data`` already (its time is left alone, so
    what watches it sees no change); True when written."""
    try:
        if Path(path).read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data)
    return True

def write_new(path: Path | str, data: bytes, *, mode: int = 0o644) -> None:
    """Create ``path`` with ``data``, atomically and durably; never replace a file: raises
    ``FileExistsError`` when ``path`` exists, also when it appeared while writing (the temporary
    file is hard-linked into place; a file system without hard links gets an exclusive open)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        try:
            os.link(tmp, path)           # fails if the target appeared meanwhile
        except FileExistsError:
            raise
        except OSError:
            with open(path, "xb") as out:   # a file system without hard links
                out.write(data)
    finally:
        Path(tmp).unlink(missing_ok=True)


def trusted_mtime(mtime_ns: int, now_ns: int) -> int:
    """``mtime_ns``, or -1 when it is too close to ``now_ns`` to tell a later change of the file
    apart by its time (a change within the same tick of the file system's clock: 2 s for file
    systems that keep whole seconds, 50 ms for the others)."""
    margin = 2_000_000_000 if mtime_ns % 1_000_000_000 == 0 else 50_000_000
    return mtime_ns if now_ns - mtime_ns > margin else -1


# --- symbolic links in content/ -----------------------------------------------------------------
# cds never follows a symbolic link inside content/: nothing outside the root is ever read into
# the site (an article, a register file, a picture or a page that is a link is left out, and
# `cds check` names it).

def linked(path: Path | str, top: Path | str) -> bool:
    """True when ``path`` or a folder between ``top`` (excluded) and it is a symbolic link, or
    when ``path`` is not under ``top``."""
    path, top = Path(path), Path(top)
    try:
        rel = path.relative_to(top)
    except ValueError:
        return True
    current = top
    for part in rel.parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def symlinks(top: Path | str) -> list[Path]:
    """Every symbolic link under ``top`` (files and folders; links are not followed)."""
    out: list[Path] = []
    for folder, dirs, files in os.walk(top, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            if path.is_symlink():
                out.append(path)
    return sorted(out)
