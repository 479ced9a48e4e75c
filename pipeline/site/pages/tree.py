"""Writing ``site_src/``: make a folder hold exactly a set of files (rewriting only the ones whose
bytes changed), and the page cache that lets publish skip pages whose inputs did not change."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from pipeline.core.fileio import trusted_mtime, write_atomic


def _atomic_write(path: Path, data: bytes, made: set[str] | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename. ``made`` remembers the
    folders known to exist (a cold publish writes thousands of files)."""
    folder = os.path.dirname(path)
    if made is None or folder not in made:
        os.makedirs(folder, exist_ok=True)
        if made is not None:
            made.add(folder)
    write_atomic(path, data, make_parents=False)


def _write_new(path: str, data: bytes, made: set[str]) -> None:
    folder = os.path.dirname(path)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    with open(path, "xb") as fh:
        fh.write(data)


def _tree(folder: str, prefix: str = "", skip: Collection[str] = ()) -> tuple[list[str], list[str]]:
    """(files, folders) under ``folder`` as relative POSIX paths, folders after their contents;
    symbolic links are listed as files (removed, never followed); folders in ``skip``
    (``"x/y/"``) are left out, contents and all."""
    files: list[str] = []
    folders: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return files, folders
    for entry in entries:
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            if rel + "/" in skip:
                continue
            sub_files, sub_folders = _tree(entry.path, rel + "/", skip)
            files += sub_files
            folders += sub_folders
            folders.append(rel)
        else:
            files.append(rel)
    return files, folders


class TreeWriter:
    """Writes files into ``out`` one at a time as they are made (publish does not hold every
    page of a large site in memory at once): a file whose bytes are there already is left
    alone, a new one is written in place, a changed one atomically. ``paths``: every file put;
    :func:`sync_tree` then removes the others."""

    def __init__(self, out: Path):
        self.base = str(out)
        self.made: set[str] = set()
        self.paths: set[str] = set()
        self.written = self.unchanged = 0

    def put(self, rel: str, data: bytes) -> None:
        self.paths.add(rel)
        path = os.path.join(self.base, rel)
        try:
            if os.stat(path).st_size == len(data):
                with open(path, "rb") as fh:
                    same = fh.read() == data
            else:
                same = False
        except FileNotFoundError:
            # A new file is written in place: there is no old content to protect, and a file
            # left half-written by a crash differs from what the next publish writes over it.
            try:
                _write_new(path, data, self.made)
                self.written += 1
                return
            except FileExistsError:
                same = False
        except OSError:
            same = False
        if same:
            self.unchanged += 1
        else:
            _atomic_write(path, data, self.made)
            self.written += 1


def sync_tree(out: Path, files: Mapping[str, bytes],
              keep: Iterable[str] = (), keep_dirs: Collection[str] = (),
              writer: TreeWriter | None = None) -> tuple[int, int, int]:
    """Make ``out`` hold exactly ``files`` (relative POSIX path → bytes), the files in ``keep``
    as they are and those ``writer`` put already: write the files whose bytes differ, delete
    the others, prune empty folders. Folders in ``keep_dirs`` (``"x/y/"``) are another stage's:
    neither read nor touched. Returns (written, removed, unchanged), ``writer``'s included.
    """
    keep = set(keep)
    writer = writer if writer is not None else TreeWriter(out)
    for rel, data in files.items():
        writer.put(rel, data)
    removed = 0
    present, folders = _tree(writer.base, skip=keep_dirs)
    for rel in present:
        if rel not in writer.paths and rel not in keep:
            os.unlink(os.path.join(writer.base, rel))
            removed += 1
    # a folder holding a file kept or put is not empty: only the others are tried (a failed
    # rmdir is a system call a folder, ~6,000 of them at 5,000 articles)
    full: set[str] = set()
    for rel in (*writer.paths, *keep):
        folder = rel.rpartition("/")[0]
        while folder and folder not in full:
            full.add(folder)
            folder = folder.rpartition("/")[0]
    for rel in folders:                                       # children before their folders
        if rel in full:
            continue
        try:
            os.rmdir(os.path.join(writer.base, rel))          # only when empty
        except OSError:
            pass
    return writer.written, removed, writer.unchanged + len(keep)


def read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("pages"), dict) else {}


def write_cache(cache: Path, out: Path, code: str, digests: Mapping[str, str],
                kept: Collection[str], previous: Mapping[str, list], *,
                articles: Mapping[str, list] | None = None, stamps: str | None = None) -> None:
    """Remember what each page in ``out`` was made from (``digests``), with its size and
    modification time (a time too close to now to tell a later change apart is not trusted
    next time); pages ``kept`` as they were keep their ``previous`` entry. ``articles``: what
    was worked out of each article, by its token (``Pages.memo_now``), valid for ``stamps``
    (the tokens' context)."""
    now = time.time_ns()
    pages = {}
    for path, digest in digests.items():
        if path in kept:
            pages[path] = previous[path]
            continue
        try:
            st = os.stat(os.path.join(out, path))
        except OSError:
            continue
        pages[path] = [digest, st.st_size, trusted_mtime(st.st_mtime_ns, now)]
    data: dict[str, object] = {"code": code, "out": str(out.resolve()), "pages": pages}
    if articles is not None and stamps:
        data["stamps"], data["articles"] = stamps, articles
    write_atomic(cache, json.dumps(data, separators=(",", ":")))
