"""The incremental build's record: ``<root>/.cds/site-build.json``.

It records the last successful build: a fingerprint of everything global (``mkdocs.yml``, the
theme overrides, the build's own code, MkDocs/Material/Markdown/Jinja/cds versions, the site's
URL and name), the navigation pages' titles and front matter, the SHA-256 of every file of
``site_src/`` (re-read only when its size or modification time changed), every page's date and
link targets, the outputs and every feed's inputs. Anything unexpected in it means a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pipeline
from pipeline.core.fileio import write_atomic

STATE_FILE = "site-build.json"            # in <root>/.cds/
SCHEMA = 5                                # bump when the build changes what it writes
_CODE = Path(__file__).parent              # the build's own code: pages change with it


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def write_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(cfg_file: Path, overrides: Path | None, settings: Mapping[str, str]) -> str:
    """The digest of everything every page depends on."""
    h = hashlib.sha256()
    for path in sorted([*_CODE.glob("*.py"), *_CODE.glob("templates/**/*"),
                        _CODE.parent / "sitebuild.py", _CODE.parent / "render.py"]):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    h.update(json.dumps({"schema": SCHEMA, "cds": pipeline.__version__, **settings,
                         "python": sys.version_info[:2],
                         **{dist: _version(dist) for dist in (
                             "mkdocs", "mkdocs-material", "markdown", "jinja2", "pymdown-extensions",
                             "nh3")}},
                        sort_keys=True).encode())
    h.update(cfg_file.read_bytes())
    if overrides and overrides.is_dir():
        for path in sorted(overrides.rglob("*")):
            if path.is_file():
                h.update(path.relative_to(overrides).as_posix().encode() + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _file_sort_key(name: str) -> tuple[bool, str]:
    return (os.path.splitext(name)[0] not in ("index", "README"), name)


def scan(docs_dir: str) -> list[tuple[str, int, int]]:
    """(src_uri, size, mtime_ns) of every file MkDocs would read in ``docs_dir`` (dot files and
    folders left out: MkDocs always excludes them)."""
    out: list[tuple[str, int, int]] = []

    def walk(folder: str, prefix: str) -> None:
        files, dirs = [], []
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name.startswith("."):
                    continue
                (dirs if entry.is_dir() else files).append(entry)
        for entry in sorted(files, key=lambda e: _file_sort_key(e.name)):
            st = entry.stat()
            out.append((prefix + entry.name, st.st_size, st.st_mtime_ns))
        for entry in sorted(dirs, key=lambda e: e.name):
            walk(entry.path, prefix + entry.name + "/")

    walk(docs_dir, "")
    return out


def nav_files(nav: object) -> list[str]:
    """The Markdown files ``mkdocs.yml``'s ``nav`` names."""
    return [s for s in nav_strings(nav) if s.endswith((".md", ".markdown")) and "://" not in s]


def nav_strings(nav: object) -> list[str]:
    """Every text of ``mkdocs.yml``'s ``nav`` that could name a file (a leading slash off)."""
    out: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            out.append(item.lstrip("/"))
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(nav)
    return out


def nav_signature(docs_dir: str, nav: object) -> str | None:
    """What every page's navigation shows of the navigation pages: their front matter and
    first heading (``None``: no explicit ``nav``: every page is in it, any change counts)."""
    from pipeline.site.build.pages import read_meta

    if nav is None:
        return None
    rows = []
    for uri in nav_files(nav):
        try:
            text = Path(docs_dir, uri).read_text(encoding="utf-8-sig")
        except (OSError, ValueError):
            rows.append([uri, None])
            continue
        body, meta = read_meta(text)
        heading = next((line for line in body.splitlines() if line.startswith("# ")), None)
        rows.append([uri, meta, heading])
    return sha(json.dumps([nav, rows], sort_keys=True, default=str).encode())


def prune(site_dir: Path, stale: Iterable[str]) -> int:
    """Delete the outputs of the last build this one did not make (and emptied folders)."""
    removed = 0
    folders = set()
    for rel in stale:
        path = site_dir / rel
        try:
            path.unlink()
            removed += 1
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
        folders.update(path.parents)
    for folder in sorted((f for f in folders if site_dir in f.parents), key=lambda p: -len(p.parts)):
        try:
            folder.rmdir()                     # only when empty
        except OSError:
            pass
    return removed


def well_formed(state: Mapping) -> bool:
    """Whether a build state read from disk has the shape this module writes."""
    files = state.get("files")
    if not isinstance(files, dict) or not isinstance(state.get("outputs"), list):
        return False
    for entry in files.values():
        if not (isinstance(entry, list) and len(entry) == 6 and isinstance(entry[0], str)
                and isinstance(entry[1], int) and isinstance(entry[2], int)
                and entry[3] in ("p", "s", "x", "?")
                and all(isinstance(x, str) for x in entry[4:])):
            return False
    links, dates, theme = state.get("links"), state.get("dates"), state.get("theme")
    if not (isinstance(links, dict) and all(isinstance(v, list) for v in links.values())
            and isinstance(dates, dict) and isinstance(theme, list)
            and all(isinstance(t, list) and len(t) == 3 and isinstance(t[1], int) for t in theme)
            and isinstance(state.get("nav"), (str, type(None)))):
        return False
    return isinstance(state.get("feeds") or {}, dict)
