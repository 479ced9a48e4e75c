"""The store read once: an SQLite index of parsed article files in ``<root>/.cds/store-index.sqlite``.

A build needs every article's front matter and body; parsing thousands of YAML front matters
is a good part of a build's time although only a few files change between two builds. The
index keeps, per file of ``content/articles/`` (keyed by its path, size and modification time),
what :func:`pipeline.store.articles.parse` made of it — the article, or the one-line problem —
and a digest of its bytes. :func:`scan` walks the folder as :class:`~pipeline.store.articles.Store`
does and reads only the files whose size or time differ from the row (or that have none).

Never trusted blindly: a row is used only when path, size and time all match (a time too close
to the scan to tell a later change apart is never recorded: ``fileio.trusted_mtime``); the whole
index is dropped when its schema, the code it was made by (``core/models.py``,
``store/articles.py``, this module) or the time zone differ, and when SQLite cannot read it
(corrupt, truncated, not a database). Rows of files that are gone are deleted. Writes are one
SQLite transaction: a crash leaves the old index or the new one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.errors import StoreError
from pipeline.core.fileio import linked, trusted_mtime
from pipeline.core.models import Article
from pipeline.store import articles as store_mod

INDEX_FILE = "store-index.sqlite"            # in <root>/.cds/
SCHEMA = 1
_HERE = Path(__file__).resolve()
_CODE = (_HERE, _HERE.parent / "articles.py", _HERE.parent.parent / "core" / "models.py")


@dataclass
class Scan:
    """What :func:`scan` found: the readable articles (path set, relative to ``content/``), one
    ``(shown path, message)`` per file that cannot be used (as ``Store.iter_parse_errors``),
    the digest of every readable file's bytes (``rel → sha256[:32]``), and how many files were
    read (not taken from the index)."""
    articles: list[Article] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    unparsed: list[Path] = field(default_factory=list)   # files (rel) read/parse failed
    read: int = 0
    rebuilt: bool = False                    # the index was missing, stale or unreadable


def fingerprint(tz) -> str:
    h = hashlib.sha256(f"{SCHEMA}\0{tz}\0".encode())
    for path in _CODE:
        h.update(path.read_bytes())
    return h.hexdigest()


def _open(path: Path, fp: str) -> tuple[sqlite3.Connection, bool]:
    """The index at ``path``, emptied when it is not this code's (the bool: rebuilt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(2):
        try:
            con = sqlite3.connect(path)
            con.execute("PRAGMA journal_mode=DELETE")
            with con:
                con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                con.execute("CREATE TABLE IF NOT EXISTS files (rel TEXT PRIMARY KEY, size INTEGER, "
                            "mtime INTEGER, digest TEXT, article BLOB, error TEXT)")
                row = con.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
                rebuilt = row is None or row[0] != fp
                if rebuilt:
                    con.execute("DELETE FROM files")
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (fp,))
            con.execute("PRAGMA quick_check").fetchone()
            return con, rebuilt
        except sqlite3.DatabaseError:
            try:
                con.close()
            except Exception:
                pass
            if attempt:
                raise
            for name in (path, Path(str(path) + "-journal")):
                name.unlink(missing_ok=True)            # corrupt: start again
    raise AssertionError("unreachable")


def _load(blob: bytes) -> Article | None:
    try:
        art = pickle.loads(blob)
    except Exception:
        return None
    return art if isinstance(art, Article) else None


def article_files(articles_dir: Path, content_dir: Path) -> list[tuple[str, str, os.stat_result]]:
    """The ``*.md`` files under ``articles_dir`` that ``Store`` reads, sorted as it sorts them
    (as paths: by their components), with their ``stat``: ``(path relative to content_dir as
    POSIX text, absolute path, stat)``; no dot file, nothing that is or lies behind a symbolic
    link (``fileio.linked``: checked once for the folders above ``articles_dir``, then per
    entry)."""
    out: list[tuple[str, str, os.stat_result]] = []
    if not articles_dir.is_dir() or linked(articles_dir, content_dir):
        return out

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue                  # never followed: `cds check` names every link
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, prefix + entry.name + "/")
                elif entry.name.endswith(".md") and not entry.name.startswith(".") and \
                        entry.is_file(follow_symlinks=False):
                    out.append((prefix + entry.name, entry.path, entry.stat(follow_symlinks=False)))
            except OSError:
                continue

    walk(str(articles_dir), articles_dir.relative_to(content_dir).as_posix() + "/")
    out.sort(key=lambda item: item[0].split("/"))       # Path order: component by component
    return out


def open_indexed(content_dir: Path, state_dir: Path, *, tz) -> store_mod.Store:
    """A :class:`~pipeline.store.articles.Store` of ``content_dir`` that reads its folder
    through the index in ``state_dir``: only the files whose size or time changed are parsed
    (the harvest: ``Store(…, scan=…)``)."""
    return store_mod.Store(content_dir, tz=tz, scan=lambda s: scan(s, state_dir))


def scan(store: store_mod.Store, state_dir: Path) -> Scan:
    """Every article file of ``store``'s folder, through the index in ``state_dir``: the same
    articles and problems ``Store.articles()`` / ``Store.iter_parse_errors()`` give."""
    content_dir = store.content_dir
    articles_dir = content_dir / "articles"
    out = Scan()
    try:
        con, out.rebuilt = _open(Path(state_dir) / INDEX_FILE, fingerprint(store.tz))
    except (sqlite3.Error, OSError):
        con = None                                     # no index at all: read every file
        out.rebuilt = True
    rows: dict[str, tuple] = {}
    if con is not None:
        try:
            rows = {r[0]: r[1:] for r in con.execute(
                "SELECT rel, size, mtime, digest, article, error FROM files")}
        except sqlite3.Error:
            rows, out.rebuilt = {}, True
    files = article_files(articles_dir, content_dir)
    fresh: list[tuple] = []
    by_id: dict[str, Article] = {}
    by_url: dict[str, str] = {}
    now_ns = time.time_ns()
    for key, file, st in files:
        rel = Path(key)
        shown = None                                    # content/articles/…: made when needed
        row = rows.pop(key, None)          # popped: its blob goes once unpickled
        article = error = digest = None
        hit = row is not None and row[0] == st.st_size and row[1] == st.st_mtime_ns
        if hit:
            digest, blob, error = row[2], row[3], row[4]
            if blob is not None:
                article = _load(blob)
                hit = article is not None            # an unreadable row: read the file
            elif not isinstance(error, str):
                hit = False
        if not hit:
            out.read += 1
            shown = shown or store.display_path(rel)
            try:
                with open(file, "rb") as fh:
                    data = fh.read()
            except OSError as err:
                out.errors.append((shown, f"{shown}: cannot read: {err.strerror or err}"))
                if row is not None:
                    rows[key] = row                     # its row goes: the file was not read
                continue
            digest = hashlib.sha256(data).hexdigest()[:32]
            article = error = None
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                error = f"{shown}: not UTF-8 text (byte {err.start})"
            else:
                try:
                    article = store_mod.parse(text, shown, tz=store.tz)
                except StoreError as err:
                    error = str(err)
            fresh.append((key, st.st_size, trusted_mtime(st.st_mtime_ns, now_ns), digest,
                          pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)
                          if article is not None else None, error))
        if article is None:
            shown = shown or store.display_path(rel)
            out.errors.append((shown, error or f"{shown}: cannot be read"))
            out.unparsed.append(rel)
            continue
        out.digests[key] = digest
        if article.id in by_id:
            shown = shown or store.display_path(rel)
            other = store.display_path(by_id[article.id].path)
            out.errors.append((shown, f"{shown}: id {article.id} is also used by {other}"))
            continue
        article.path = rel
        by_id[article.id] = article
        for url in [article.url, *article.also_at]:
            owner = by_url.setdefault(url, article.id)
            if owner != article.id:
                shown = shown or store.display_path(rel)
                other = store.display_path(by_id[owner].path)
                out.errors.append((shown, f"{shown}: url {url} is also claimed by {other}"))
    if con is not None:
        try:
            with con:                                  # one transaction
                gone = [(k,) for k in rows]            # the rows no file claimed
                con.executemany("DELETE FROM files WHERE rel = ?", gone)
                con.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)", fresh)
        except sqlite3.Error:
            pass                                       # the next build reads those files again
        finally:
            con.close()
    out.articles = sorted(by_id.values(), key=lambda a: (a.published, a.id), reverse=True)
    return out
