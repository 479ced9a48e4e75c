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


def sync_tree(out: Path, files: Mapping[str, bytes],
              keep: Iterable[str] = (), keep_dirs: Collection[str] = ()) -> tuple[int, int, int]:
    """Make ``out`` hold exactly ``files`` (relative POSIX path → bytes) and the files in
    ``keep`` as they are: write the files whose bytes differ, delete the others, prune empty
    folders. Folders in ``keep_dirs`` (``"x/y/"``) are another stage's: neither read nor
    touched. Returns (written, removed, unchanged).
    """
    keep = set(keep)
    written, unchanged, removed = 0, len(keep), 0
    base = str(out)
    made: set[str] = set()
    for rel, data in files.items():
        path = os.path.join(base, rel)
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
                _write_new(path, data, made)
                written += 1
                continue
            except FileExistsError:
                same = False
        except OSError:
            same = False
        if same:
            unchanged += 1
        else:
            _atomic_write(path, data, made)
            written += 1
    present, folders = _tree(base, skip=keep_dirs)
    for rel in present:
        if rel not in files and rel not in keep:
            os.unlink(os.path.join(base, rel))
            removed += 1
    for rel in folders:                                       # children before their folders
        try:
            os.rmdir(os.path.join(base, rel))                 # only when empty
        except OSError:
            pass
    return written, removed, unchanged


def read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("pages"), dict) else {}


def write_cache(cache: Path, out: Path, code: str, digests: Mapping[str, str],
                kept: Collection[str], previous: Mapping[str, list]) -> None:
    """Remember what each page in ``out`` was made from (``digests``), with its size and
    modification time (a time too close to now to tell a later change apart is not trusted
    next time); pages ``kept`` as they were keep their ``previous`` entry."""
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
    write_atomic(cache, json.dumps({"code": code, "out": str(out.resolve()), "pages": pages},
                                   separators=(",", ":")))
