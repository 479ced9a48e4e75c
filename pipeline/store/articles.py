"""The content store: the only code that reads or writes ``content/articles/`` (the file format:
``store/articlefile.py``). :class:`Store` indexes the files once (id → path, url and ``also_at``
urls → id), writes atomically, merges re-harvested articles without ever touching what an editor
owns, and writes nothing when nothing changed.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import NamedTuple

from pipeline import config as config_mod
from pipeline.core import tagsource
from pipeline.core.errors import StoreError
from pipeline.core.fileio import linked, write_atomic
from pipeline.core.models import Article, Config
from pipeline.core.urls import canonical, slug
from pipeline.store.articlefile import (
    _CONTENT_FIELDS,
    _ID_LINE,
    _OPTIONAL_STR,
    DEFAULT_TZ,
    FIELD_ORDER,
    PROTECTING_KEYS,
    canonical_body,
    dump,
    make_id,
    parse,
    protecting_typos,
)

__all__ = [
    "DEFAULT_TZ", "FIELD_ORDER", "PROTECTING_KEYS", "Brief", "Store", "body_key", "brief_of",
    "canonical_body", "dump", "make_id", "open_store", "parse", "protecting_typos",
]


# --- what a harvest needs of an article without the article ------------------------------------

def body_key(body: str) -> str:
    """The key of a body's text (SHA-256, 32 hex digits): the near-duplicate signatures kept
    between harvests are filed under it (``harvest/dupcache.py``)."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:32]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class Brief(NamedTuple):
    """What a harvest needs of a stored article without its whole file: where it is, the
    addresses it owns, its order (``published`` as microseconds since the epoch: the order of
    the datetimes), who owns it and whether an editor protects it, the http(s) pictures it
    still holds (``store.media.outside_images``) and the key of its body (:func:`body_key`).
    The store index keeps one a file (``store/index.py``), so a harvest with few new articles
    reads few article files; :meth:`Store.briefs`."""
    id: str
    path: str                       # relative to content/, POSIX
    url: str
    also_at: tuple[str, ...]
    published: int
    source: str
    status: str
    locked: bool
    protected: bool                 # an unknown key that looks like a protecting one
    outside: tuple[str, ...]
    body_key: str

    def to_json(self) -> str:
        return json.dumps(self, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Brief | None:
        """The brief :meth:`to_json` wrote; None for anything else."""
        try:
            v = json.loads(text)
        except ValueError:
            return None
        if type(v) is not list or len(v) != 11 or type(v[3]) is not list or \
                type(v[9]) is not list or type(v[4]) is not int or \
                not all(type(v[k]) is str for k in (0, 1, 2, 5, 6, 10)) or \
                not all(type(v[k]) is bool for k in (7, 8)) or \
                not all(type(u) is str for u in (*v[3], *v[9])):
            return None
        v[3], v[9] = tuple(v[3]), tuple(v[9])
        return cls._make(v)


def brief_of(article: Article) -> Brief:
    """The :class:`Brief` of an article whose ``path`` is set."""
    from pipeline.store.media import outside_images
    published = article.published
    if published.tzinfo is None:                  # never stored so; ordered as UTC if it were
        published = published.replace(tzinfo=UTC)
    return Brief(article.id, Path(article.path).as_posix() if article.path else "",
                 article.url, tuple(article.also_at), (published - _EPOCH) // _MICROSECOND,
                 article.source, article.status, bool(article.locked),
                 bool(protecting_typos(article.extra)), tuple(outside_images(article)),
                 body_key(article.body))


class _Articles(dict):
    """id → article, where an entry may still be a :class:`_Later` (the article read from the
    store index or its file at first use; gone from the mapping when it cannot be read)."""

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        if isinstance(value, _Later):
            value = value()
            if value is None:
                dict.__delitem__(self, key)
                raise KeyError(key)
            dict.__setitem__(self, key, value)
        return value

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def values(self):
        out = []
        for key in list(dict.keys(self)):
            value = self.get(key)
            if value is not None:
                out.append(value)
        return out


class _Later:
    """An article to read when first asked: ``load()`` → Article or None."""
    __slots__ = ("load",)

    def __init__(self, load: Callable[[], Article | None]):
        self.load = load

    def __call__(self) -> Article | None:
        return self.load()


# --- the store --------------------------------------------------------------------------------

def _clone(article: Article) -> Article:
    return dataclasses.replace(
        article,
        themes=list(article.themes), pillars=list(article.pillars), tags=list(article.tags),
        doc_refs=list(article.doc_refs), also_at=list(article.also_at),
        extra=copy.deepcopy(article.extra),
    )


def _union(*lists: list[str], exclude: str = "") -> list[str]:
    out: list[str] = []
    for items in lists:
        for item in items:
            if item and item != exclude and item not in out:
                out.append(item)
    return out


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


class Store:
    """The articles under ``content_dir/articles/``.

    The folder is scanned once, lazily, on first use; later writes keep the indexes current.
    Methods are safe to call from several threads of one process; one process at a time works
    on a root (the run lock). Articles returned are copies: change them and :meth:`save` them.
    """

    def __init__(self, content_dir: Path | str, *, tz: tzinfo = DEFAULT_TZ,
                 scan: Callable[[Store], object] | None = None):
        self.content_dir = Path(content_dir)
        # scan(store): the folder read through the store index (store/index.py's ``scan``:
        # only changed files parsed), instead of every file
        self.scan = scan
        self.articles_dir = self.content_dir / "articles"
        self.tz = tz
        self._lock = threading.RLock()
        self._loaded = False
        self._articles: dict[str, Article] = _Articles()   # id → article (path set, relative)
        self._briefs: dict[str, Brief] = {}          # id → brief (made when asked, or indexed)
        self._by_url: dict[str, str] = {}            # url or also_at url → id
        self._taken: set[str] = set()                # lower-case relative paths of every file
        self._broken: dict[str, Path] = {}           # id (best guess) → unreadable file
        self._errors: list[tuple[Path, str]] = []

    # -- reading ----------------------------------------------------------------------------

    def display_path(self, rel: Path) -> Path:
        """``rel`` (relative to ``content_dir``) as shown to people: ``content/articles/…``."""
        return Path(self.content_dir.name) / rel

    def refresh(self) -> None:
        """Forget the indexes; the next call scans the folder again."""
        with self._lock:
            self._loaded = False

    def _md_files(self) -> list[Path]:
        """Every ``*.md`` name under articles/ but dot files, sorted: links and folders too (a
        new file must not take their names; reading skips them)."""
        if not self.articles_dir.is_dir():
            return []
        return sorted(f for f in self.articles_dir.rglob("*.md") if not f.name.startswith("."))

    def _ensure(self) -> None:
        if self._loaded:
            return
        self._articles, self._by_url, self._taken = _Articles(), {}, set()
        self._briefs, self._broken, self._errors = {}, {}, []
        if self.scan is not None:
            self._load_indexed()
            self._loaded = True
            return
        for file in self._md_files():
            rel = file.relative_to(self.content_dir)
            self._taken.add(rel.as_posix().lower())
            if linked(file, self.content_dir) or not file.is_file():
                continue                # never followed: `cds check` names every link
            shown = self.display_path(rel)
            try:
                text = file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as err:
                self._errors.append((shown, f"{shown}: not UTF-8 text (byte {err.start})"))
                continue
            except OSError as err:
                self._errors.append((shown, f"{shown}: cannot read: {err.strerror or err}"))
                continue
            try:
                article = parse(text, shown, tz=self.tz)
            except StoreError as err:
                self._errors.append((shown, str(err)))
                guess = _ID_LINE.search(text)
                if guess:
                    self._broken.setdefault(guess.group(1), rel)
                continue
            if article.id in self._articles:
                other = self.display_path(self._articles[article.id].path)
                self._errors.append((shown, f"{shown}: id {article.id} is also used by {other}"))
                continue
            article.path = rel
            self._articles[article.id] = article
            for url in [article.url, *article.also_at]:
                owner = self._by_url.setdefault(url, article.id)
                if owner != article.id:
                    other = self.display_path(self._articles[owner].path)
                    self._errors.append((shown, f"{shown}: url {url} is also claimed by {other}"))
        self._loaded = True

    def _load_indexed(self) -> None:
        """What the loop of :meth:`_ensure` finds, through ``self.scan`` (the store index:
        only files whose size or time changed are read and parsed): the same articles,
        problems, urls and unreadable files (``tests/test_store_index.py``). A light scan
        (``index.scan(light=True)``) gives briefs: the articles are read when first asked."""
        found = self.scan(self)
        self._errors = list(found.errors)
        if found.taken is not None:
            self._taken = found.taken
        else:
            self._taken = {f.relative_to(self.content_dir).as_posix().lower()
                           for f in self._md_files()}
        if found.light:
            for brief in found.briefs:                 # file order already, duplicates out
                art = found.loaded.get(brief.id)
                dict.__setitem__(self._articles, brief.id, art if art is not None else
                                 _Later(functools.partial(found.loader, brief)))
                self._briefs[brief.id] = brief
                for url in [brief.url, *brief.also_at]:
                    self._by_url.setdefault(url, brief.id)
        else:
            for art in sorted(found.articles, key=lambda a: a.path):  # file order: first wins
                self._articles[art.id] = art
                for url in [art.url, *art.also_at]:
                    self._by_url.setdefault(url, art.id)
        for rel in found.unparsed:
            try:
                text = (self.content_dir / rel).read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            guess = _ID_LINE.search(text)
            if guess:
                self._broken.setdefault(guess.group(1), rel)

    def briefs(self) -> list[Brief]:
        """Every readable article's :class:`Brief`, newest first (as :meth:`articles`): from
        the store index without reading the articles when the store has one."""
        with self._lock:
            self._ensure()
            out = []
            for article_id in list(dict.keys(self._articles)):
                brief = self._briefs.get(article_id)
                if brief is None:
                    art = self._articles.get(article_id)
                    if art is None:
                        continue
                    brief = self._briefs[article_id] = brief_of(art)
                out.append(brief)
        return sorted(out, key=lambda b: (b.published, b.id), reverse=True)

    def articles(self) -> list[Article]:
        """Every readable article, newest first (by ``published``, then ``id``, descending)."""
        with self._lock:
            self._ensure()
            items = [_clone(a) for a in self._articles.values()]
        return sorted(items, key=lambda a: (a.published, a.id), reverse=True)

    def get(self, article_id: str) -> Article | None:
        with self._lock:
            self._ensure()
            found = self._articles.get(article_id)
            return _clone(found) if found else None

    def find_by_url(self, url: str) -> Article | None:
        """The article stored at ``url`` or listing it in ``also_at`` (exact, then canonical)."""
        with self._lock:
            self._ensure()
            owner = self._by_url.get(url)
            if owner is None:
                try:
                    owner = self._by_url.get(canonical(url))
                except ValueError:
                    owner = None
            return self.get(owner) if owner else None

    def iter_parse_errors(self) -> list[tuple[Path, str]]:
        """``(path, message)`` for every file under ``articles/`` that cannot be used: unreadable,
        bad front matter, duplicate ids or urls. Paths are shown as ``content/articles/…``."""
        with self._lock:
            self._ensure()
            return list(self._errors)

    def path_for(self, article: Article) -> Path:
        """Where ``article`` lives (relative to ``content_dir``): its current file if it has one,
        else ``articles/YYYY/MM/<slug>.md`` (month of ``published`` in its own offset) with
        ``-2``, ``-3``… when another file already holds the name (compared case-insensitively)."""
        with self._lock:
            self._ensure()
            known = self._articles.get(article.id)
            if known is not None:
                return known.path
            if article.path is not None and not self._is_taken(Path(article.path)):
                return Path(article.path)
            month = f"articles/{article.published.year:04d}/{article.published.month:02d}"
            base = slug(article.title)
            n = 1
            while True:
                rel = Path(month) / (f"{base}.md" if n == 1 else f"{base}-{n}.md")
                if not self._is_taken(rel):
                    return rel
                n += 1

    def _is_taken(self, rel: Path) -> bool:
        return rel.as_posix().lower() in self._taken or (self.content_dir / rel).exists()

    # -- writing ----------------------------------------------------------------------------

    def write(self, article: Article) -> Path:
        """Write ``article`` as it is (no merging), atomically, and index it. Its path is its
        current file's, else ``article.path``, else :meth:`path_for`. Identical bytes are not
        rewritten. Returns the path relative to ``content_dir``."""
        with self._lock:
            self._ensure()
            article = _clone(article)
            known = self._articles.get(article.id)
            if known is not None:
                article.path = known.path
                typos = protecting_typos(known.extra)
                if typos:
                    key, meant = typos[0]
                    raise StoreError(f"{self.display_path(known.path)}: key '{key}' looks like "
                                     f"'{meant}' misspelled; the file was left alone until it is "
                                     "fixed (see `cds check`)")
            else:
                article.path = self.path_for(article)
            text = dump(article)
            self._write(article.path, text.encode("utf-8"))
            self._index(article, known)
            return article.path

    def _index(self, article: Article, previous: Article | None) -> None:
        if previous is not None:
            for url in [previous.url, *previous.also_at]:
                if self._by_url.get(url) == article.id:
                    del self._by_url[url]
        self._articles[article.id] = article
        self._briefs.pop(article.id, None)           # made again when asked
        self._taken.add(article.path.as_posix().lower())
        for url in [article.url, *article.also_at]:
            self._by_url.setdefault(url, article.id)

    def _write(self, rel: Path, data: bytes) -> None:
        """``write_atomic`` (durable) unless the file holds ``data`` already; never through a
        link; the editor's permissions kept."""
        target = self.content_dir / rel
        shown = self.display_path(rel)
        if linked(target, self.content_dir):
            raise StoreError(f"{shown}: a symbolic link is on the way; not written (cds never "
                             "follows links in content/)")
        try:
            if target.read_bytes() == data:
                return
        except OSError:
            pass
        try:
            mode = target.stat().st_mode & 0o777          # an editor's permissions are kept
        except OSError:
            mode = 0o644
        try:
            write_atomic(target, data, durable=True, mode=mode)
        except OSError as err:
            raise StoreError(f"{shown}: cannot write: {err.strerror or err}") from None

    def save(self, article: Article, *, now: datetime) -> str:
        """Store a harvested article; returns ``"new"``, ``"updated"``, ``"unchanged"`` or
        ``"locked"``.

        The stored article is found by ``id``, else by ``url`` (which may be in its
        ``also_at``). A locked one is never written. A known syndicated copy (``url`` in the
        stored ``also_at``) is ``"unchanged"``: a copy never overwrites the original. Otherwise
        the two are merged — the stored ``id``, ``path``, ``harvested``, ``status``,
        ``featured``, ``locked``, ``themes_locked``, extra keys stay; tags and ``also_at`` are
        unions; themes/pillars stay when ``themes_locked``; an estimated date never replaces a
        stored one; an empty body/author/summary/image never erases a stored one. Nothing is
        written when the merge equals what is stored. ``updated`` is set to ``now`` when a
        source field changed (title, url, source, published, author, summary, image, body,
        date_estimated); a change of tagging (themes, pillars, tags, doc_refs) or of
        ``also_at`` is written without touching ``updated``.
        """
        _require_aware(now)
        with self._lock:
            self._ensure()
            stored = self._articles.get(article.id)
            if stored is None:
                owner = self._by_url.get(article.url)
                stored = self._articles.get(owner) if owner else None
            if stored is None:
                if article.id in self._broken:
                    shown = self.display_path(self._broken[article.id])
                    why = next((m for p, m in self._errors if p == shown), "")
                    why = why.removeprefix(f"{shown}: ") or "does not parse"
                    raise StoreError(f"{shown}: {why}; the file was left alone (not updated "
                                     f"from {article.url} until it is fixed, see `cds check`)")
                new = _clone(article)
                new.body = canonical_body(new.body)
                new.also_at = _union(new.also_at, exclude=new.url)
                new.path = None
                self.write(new)
                return "new"
            stored = self.on_disk(stored)
            if stored.locked:
                return "locked"
            if article.url != stored.url and article.url in stored.also_at:
                return "unchanged"
            merged = self._merge(stored, article)
            return self._commit(stored, merged, now)

    def on_disk(self, stored: Article) -> Article:
        """``stored`` as its file says now: another process (the desk, ``cds review``) may have
        approved, locked or edited it since the folder was scanned; its change must stay."""
        try:
            text = (self.content_dir / stored.path).read_bytes().decode("utf-8")
            current = parse(text, self.display_path(stored.path), tz=self.tz)
        except (OSError, UnicodeDecodeError, StoreError):
            return stored
        if current.id != stored.id:
            return stored
        current.path = stored.path
        if current != stored:
            self._index(current, stored)
        return current

    def _merge(self, stored: Article, incoming: Article) -> Article:
        m = _clone(incoming)
        for key in ("id", "path", "harvested", "updated", "status", "featured", "locked",
                    "themes_locked"):
            setattr(m, key, getattr(stored, key))
        m.body = canonical_body(incoming.body) or stored.body
        for key in _OPTIONAL_STR:
            if not getattr(m, key):
                setattr(m, key, getattr(stored, key))
        if incoming.date_estimated or incoming.published == stored.published:
            m.published = stored.published
            m.date_estimated = stored.date_estimated
        if stored.themes_locked:
            m.themes, m.pillars = list(stored.themes), list(stored.pillars)
        kept = tagsource.record(stored.extra)     # the tags the tagger added; the editor's stay
        mine: list[str] = []
        if kept is None:
            m.tags = _union(stored.tags, incoming.tags)
        else:
            m.tags, mine = tagsource.retagged(stored.tags, kept, incoming.tags, remove=False)
        old_url = [stored.url] if stored.url != m.url else []
        m.also_at = _union(stored.also_at, old_url, incoming.also_at, exclude=m.url)
        extra = _clone(stored).extra
        for key, value in incoming.extra.items():
            extra.setdefault(key, value)
        if kept is not None:
            extra[tagsource.AUTO_KEY] = mine
        else:       # written before the record existed: its tags stay unattributed
            extra.pop(tagsource.AUTO_KEY, None)
        m.extra = extra
        return m

    def _commit(self, stored: Article, merged: Article, now: datetime) -> str:
        if merged == stored:
            return "unchanged"
        if any(getattr(merged, k) != getattr(stored, k) for k in _CONTENT_FIELDS):
            merged.updated = now
        self.write(merged)
        return "updated"

    def merge_duplicate(self, keep: Article, other_url: str, *, now: datetime) -> str:
        """Record ``other_url`` (a syndicated copy) in ``keep.also_at``. Returns ``"updated"``,
        ``"unchanged"`` (already known) or ``"locked"``. ``updated`` is not touched: the
        original did not change. Raises :class:`StoreError` when ``other_url`` is stored as an
        article of its own (the store does not delete articles)."""
        _require_aware(now)
        with self._lock:
            self._ensure()
            current = self._articles.get(keep.id)
            if current is None:
                raise StoreError(f"article {keep.id}: not in the store")
            if current.locked:
                return "locked"
            if other_url == current.url or other_url in current.also_at:
                return "unchanged"
            owner = self._by_url.get(other_url)
            if owner is not None and owner != current.id:
                shown = self.display_path(self._articles[owner].path)
                raise StoreError(f"{other_url}: already stored as {shown}")
            merged = _clone(current)
            merged.also_at.append(other_url)
            self.write(merged)
            return "updated"

    def replace_original(self, stored: Article, original: Article, *, now: datetime) -> str:
        """The original publisher's copy arrived after its re-post was stored: the stored
        article becomes the original's (url, source, title, body, published, author, summary,
        image, doc_refs, and themes/pillars unless locked); the re-post's url moves to
        ``also_at``; id, path, harvested and editor fields stay. Returns the status string
        (``"locked"`` writes nothing)."""
        _require_aware(now)
        with self._lock:
            self._ensure()
            current = self._articles.get(stored.id)
            if current is None:
                raise StoreError(f"article {stored.id}: not in the store")
            if current.locked:
                return "locked"
            owner = self._by_url.get(original.url)
            if owner is not None and owner != current.id:
                shown = self.display_path(self._articles[owner].path)
                raise StoreError(f"{original.url}: already stored as {shown}")
            m = _clone(current)
            m.url, m.source, m.title = original.url, original.source, original.title
            m.body = canonical_body(original.body) or current.body
            if not original.date_estimated:
                m.published, m.date_estimated = original.published, False
            for key in _OPTIONAL_STR:
                setattr(m, key, getattr(original, key) or getattr(current, key))
            m.doc_refs = list(original.doc_refs or current.doc_refs)
            if not current.themes_locked:
                m.themes = list(original.themes or current.themes)
                m.pillars = list(original.pillars or current.pillars)
            m.tags = _union(current.tags, original.tags)
            m.also_at = _union(current.also_at, [current.url], original.also_at, exclude=m.url)
            return self._commit(current, m, now)

    def cleanup(self) -> list[Path]:
        """Remove temp files (``.*.tmp``) a crash left under ``articles/``; returns their paths
        (relative to ``content_dir``). Call it while holding the run lock."""
        removed: list[Path] = []
        if not self.articles_dir.is_dir():
            return removed
        for tmp in sorted(self.articles_dir.rglob(".*.tmp")):
            try:
                tmp.unlink()
            except FileNotFoundError:
                continue
            except OSError as err:
                shown = self.display_path(tmp.relative_to(self.content_dir))
                raise StoreError(f"{shown}: cannot remove: {err.strerror or err}") from None
            removed.append(tmp.relative_to(self.content_dir))
        return removed



def open_store(config: Config) -> Store:
    """The root's content store; front matter without an offset is read in the site's zone."""
    return Store(config.content_dir, tz=config_mod.timezone(config))
