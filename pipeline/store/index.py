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

A process that builds again and again (``cds schedule``) can keep the articles a full scan
unpickled (:func:`keep_articles`): a later full scan then takes an article from memory instead
of its row when the row is still the one it was unpickled from (path, size, time and digest of
the bytes) — the same article, without reading and unpickling every blob each build.
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
SCHEMA = 2                                   # 2: a brief a row (``articles.Brief``)
_HERE = Path(__file__).resolve()
_CODE = (_HERE, _HERE.parent / "articles.py", _HERE.parent / "media.py",
         _HERE.parent.parent / "core" / "models.py")
_TABLE = ("CREATE TABLE files (rel TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, digest TEXT, "
          "error TEXT, brief TEXT, article BLOB)")       # the blob last: read only when asked


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
    # a light scan (``scan(light=True)``): ``briefs`` of every readable article in file order
    # (``articles`` empty), the articles read from their files this time (id → article), and
    # ``loader(brief)``: a function reading that article from the index (or its file) later
    light: bool = False
    briefs: list[store_mod.Brief] = field(default_factory=list)
    loaded: dict[str, Article] = field(default_factory=dict)
    loader: object = None
    taken: set[str] | None = None            # every *.md name under articles/ (lower case)


#: Kept articles (:func:`keep_articles`): index file → rel → (size, time, digest, fingerprint,
#: article), as its row was when the article was unpickled or parsed. None: not kept.
_KEPT: dict[str, dict[str, tuple]] | None = None


def keep_articles(enabled: bool = True) -> None:
    """Keep, in this process, the articles full scans give (for a process that builds again
    and again: ``cds schedule``); ``False`` forgets them and stops keeping. The articles handed
    out are then shared between builds: nothing may change them in place (a build makes
    copies: ``dataclasses.replace``)."""
    global _KEPT
    _KEPT = {} if enabled else None


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
                row = con.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
                rebuilt = row is None or row[0] != fp
                if rebuilt:                 # another schema's table may have other columns
                    con.execute("DROP TABLE IF EXISTS files")
                    con.execute(_TABLE)
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


def article_files(articles_dir: Path, content_dir: Path, *,
                  names: set[str] | None = None) -> list[tuple[str, str, os.stat_result]]:
    """The ``*.md`` files under ``articles_dir`` that ``Store`` reads, sorted as it sorts them
    (as paths: by their components), with their ``stat``: ``(path relative to content_dir as
    POSIX text, absolute path, stat)``; no dot file, nothing that is or lies behind a symbolic
    link (``fileio.linked``: checked once for the folders above ``articles_dir``, then per
    entry). ``names``: filled with every name ``articles_dir.rglob("*.md")`` gives that does
    not start with a dot (links and folders too), relative and in lower case: the names a new
    file must not take (``Store._taken``)."""
    out: list[tuple[str, str, os.stat_result]] = []
    if not articles_dir.is_dir():
        return out
    if linked(articles_dir, content_dir):
        if names is not None:
            names.update(f.relative_to(content_dir).as_posix().lower()
                         for f in articles_dir.rglob("*.md") if not f.name.startswith("."))
        return out

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if names is not None and entry.name.endswith(".md") and \
                    not entry.name.startswith("."):
                names.add((prefix + entry.name).lower())
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
    through the index in ``state_dir``: only the files whose size or time changed are parsed,
    and an article is taken from the index only when it is asked for (``Store.briefs`` gives
    what the harvest needs of every article; the harvest: ``Store(…, scan=…)``)."""
    return store_mod.Store(content_dir, tz=tz, scan=lambda s: scan(s, state_dir, light=True))


def scan(store: store_mod.Store, state_dir: Path, *, light: bool = False) -> Scan:
    """Every article file of ``store``'s folder, through the index in ``state_dir``: the same
    articles and problems ``Store.articles()`` / ``Store.iter_parse_errors()`` give.

    ``light``: no article is taken from the index (none unpickled): ``Scan.briefs`` has every
    readable article's brief, ``Scan.loaded`` the articles read from their files this time,
    ``Scan.loader(brief)`` reads one from the index when it is asked for (``open_indexed``)."""
    content_dir = store.content_dir
    articles_dir = content_dir / "articles"
    out = Scan(light=light)
    path = Path(state_dir) / INDEX_FILE
    fp = fingerprint(store.tz)
    try:
        con, out.rebuilt = _open(path, fp)
    except (sqlite3.Error, OSError):
        con = None                                     # no index at all: read every file
        out.rebuilt = True
    rows: dict[str, tuple] = {}
    # kept articles (keep_articles): when some are, the rows are read without their blobs
    kept = _KEPT.setdefault(str(path), {}) if _KEPT is not None and not light else None
    if kept is not None and (out.rebuilt or con is None):
        kept.clear()
    slim = bool(kept)
    if con is not None:
        try:
            rows = {r[0]: r[1:] for r in con.execute(
                "SELECT rel, size, mtime, digest, error, brief FROM files" if light or slim else
                "SELECT rel, size, mtime, digest, error, brief, article FROM files")}
        except sqlite3.Error:
            rows, out.rebuilt, slim = {}, True, False
    if slim:
        for key, row in rows.items():                  # the blob: the kept article, or read now
            have = kept.get(key)
            if have is not None and have[:4] == (row[0], row[1], row[2], fp):
                rows[key] = (*row, have[4])
            else:
                rows[key] = (*row, _blob(con, key) if row[4] is not None else None)
    taken: set[str] | None = set() if light else None
    files = article_files(articles_dir, content_dir, names=taken)
    out.taken = taken
    fresh: list[tuple] = []
    kept_now: dict[str, tuple] = {}                     # what ``kept`` holds after this scan
    by_id: dict[str, str] = {}                          # id → rel of the file that has it
    by_url: dict[str, str] = {}
    stamps: dict[str, tuple[int, int, str]] = {}        # rel → size, time, digest (light)
    now_ns = time.time_ns()
    for key, file, st in files:
        rel = key                                       # a Path when needed (below)
        shown = None                                    # content/articles/…: made when needed
        row = rows.pop(key, None)          # popped: its blob goes once unpickled
        article = error = digest = brief = None
        hit = row is not None and row[0] == st.st_size and row[1] == st.st_mtime_ns
        if hit:
            digest, error = row[2], row[3]
            if light and row[4] is not None:           # an article's row: its brief
                brief = store_mod.Brief.from_json(row[4]) if isinstance(row[4], str) else None
                hit = brief is not None and brief.path == key
            elif not light and row[5] is not None:     # an article's row: the article
                article = row[5] if isinstance(row[5], Article) else _load(row[5])
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
            article = error = brief = None
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                error = f"{shown}: not UTF-8 text (byte {err.start})"
            else:
                try:
                    article = store_mod.parse(text, shown, tz=store.tz)
                except StoreError as err:
                    error = str(err)
            blob = None
            if article is not None:
                blob = pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)
                article.path = Path(key)
                brief = store_mod.brief_of(article)
            fresh.append((key, st.st_size, trusted_mtime(st.st_mtime_ns, now_ns), digest, error,
                          brief.to_json() if brief is not None else None, blob))
        if article is None and brief is None:
            shown = shown or store.display_path(rel)
            out.errors.append((shown, error or f"{shown}: cannot be read"))
            out.unparsed.append(Path(key))
            continue
        out.digests[key] = digest
        aid, urls = (article.id, [article.url, *article.also_at]) if article is not None else \
            (brief.id, [brief.url, *brief.also_at])
        if aid in by_id:
            shown = shown or store.display_path(rel)
            other = store.display_path(Path(by_id[aid]))
            out.errors.append((shown, f"{shown}: id {aid} is also used by {other}"))
            continue
        by_id[aid] = key
        if article is not None:
            article.path = Path(key)
            if light:
                out.loaded[aid] = article
        if light:
            out.briefs.append(brief)
            stamps[key] = (st.st_size, st.st_mtime_ns, digest)
        else:
            out.articles.append(article)
            if kept is not None:
                kept_now[key] = (st.st_size, trusted_mtime(st.st_mtime_ns, now_ns), digest, fp,
                                 article)
        for url in urls:
            owner = by_url.setdefault(url, aid)
            if owner != aid:
                shown = shown or store.display_path(rel)
                other = store.display_path(Path(by_id[owner]))
                out.errors.append((shown, f"{shown}: url {url} is also claimed by {other}"))
    if con is not None:
        try:
            with con:                                  # one transaction
                gone = [(k,) for k in rows]            # the rows no file claimed
                con.executemany("DELETE FROM files WHERE rel = ?", gone)
                con.executemany("INSERT OR REPLACE INTO files (rel, size, mtime, digest, error, "
                                "brief, article) VALUES (?, ?, ?, ?, ?, ?, ?)", fresh)
        except sqlite3.Error:
            pass                                       # the next build reads those files again
        finally:
            con.close()
    if kept is not None:
        kept.clear()
        kept.update(kept_now)
    if light:
        out.loader = lambda brief: _load_later(store, path, brief, stamps[brief.path])
    else:
        out.articles.sort(key=lambda a: (a.published, a.id), reverse=True)
    return out


def _blob(con: sqlite3.Connection, rel: str) -> bytes | None:
    """The pickled article of ``rel``'s row (None: none, or SQLite cannot read it)."""
    try:
        row = con.execute("SELECT article FROM files WHERE rel = ?", (rel,)).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _load_later(store: store_mod.Store, path: Path, brief: store_mod.Brief,
                stamp: tuple[int, int, str]) -> Article | None:
    """The article of ``brief`` (a light scan's): from its index row when the row is still the
    one the scan saw (size, time, digest), else from its file (whatever it holds now, as long
    as it is still that article); None when neither can be read."""
    size, mtime, digest = stamp
    article = None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT size, mtime, digest, article FROM files WHERE rel = ?",
                              (brief.path,)).fetchone()
        finally:
            con.close()
        if row is not None and tuple(row[:3]) == (size, mtime, digest) and row[3]:
            article = _load(row[3])
    except sqlite3.Error:
        article = None
    if article is None or article.id != brief.id:
        rel = Path(brief.path)
        try:
            text = (store.content_dir / rel).read_bytes().decode("utf-8")
            article = store_mod.parse(text, store.display_path(rel), tz=store.tz)
        except (OSError, UnicodeDecodeError, StoreError):
            return None
        if article.id != brief.id:
            return None
    article.path = Path(brief.path)
    return article
