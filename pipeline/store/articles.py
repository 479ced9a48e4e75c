"""The content store: the only code that reads or writes ``content/articles/``.

One article per file, ``content/articles/YYYY/MM/<slug>.md``: YAML front matter between two
``---`` lines, a blank line, the Markdown body, one final newline. :func:`dump` and :func:`parse`
are exact inverses for every :class:`~pipeline.core.models.Article` (any title, any body, any extra
key), so a file the store wrote and read back compares equal and re-saving it changes nothing.

The front matter is written with PyYAML's pure-Python safe dumper (the same bytes on every
machine) and read with the libyaml safe loader when available. The file is split by hand rather
than with ``python-frontmatter``, whose ``loads`` strips the body and whose boundary pattern can
swallow blank lines; the files remain ordinary front-matter Markdown that python-frontmatter,
MkDocs and editors read.

:class:`Store` indexes the files once (id → path, url and ``also_at`` urls → id), writes
atomically (a ``.<name>.<random>.tmp`` file in the same folder, fsync, ``os.replace``), merges
re-harvested articles without ever touching what an editor owns, and writes nothing when nothing
changed.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import re
import threading
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

import yaml

from pipeline import config as config_mod
from pipeline.core.errors import StoreError
from pipeline.core.fileio import linked, write_atomic
from pipeline.core.markup import front_matter_problem
from pipeline.core.models import STATUSES, Article, Config
from pipeline.core.urls import canonical, slug

__all__ = [
    "DEFAULT_TZ", "FIELD_ORDER", "PROTECTING_KEYS", "Store", "canonical_body", "dump", "make_id",
    "parse", "protecting_typos",
]

#: Times written without an offset (by an editor) are read in this zone (the contract: +07:00).
DEFAULT_TZ: tzinfo = timezone(timedelta(hours=7))

#: Front-matter keys in the order they are written; unknown keys (``Article.extra``) follow.
FIELD_ORDER = (
    "id", "title", "url", "source", "published", "updated", "harvested", "author", "summary",
    "image", "themes", "pillars", "tags", "doc_refs", "also_at", "status", "featured",
    "date_estimated", "themes_locked", "locked",
)
_REQUIRED_STR = ("id", "url", "source")
_OPTIONAL_STR = ("author", "summary", "image")
_DATETIMES = ("published", "updated", "harvested")
_LISTS = ("themes", "pillars", "tags", "doc_refs", "also_at")
_ALWAYS_LISTS = ("themes", "pillars")          # written even when empty, for editors to fill
_BOOLS = ("featured", "date_estimated", "themes_locked", "locked")

# Fields that come from the source: a change sets ``updated``.
_CONTENT_FIELDS = ("title", "url", "source", "published", "author", "summary", "image", "body",
                   "date_estimated")

_OPEN = re.compile(r"---[ \t]*\r?\n")
_CLOSE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
_ID_LINE = re.compile(r"^id:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --- front matter -----------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Safe dumper: no anchors/aliases, strings with line breaks double-quoted on one line."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = '"' if any(b in data for b in _LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def _iso(value: datetime, key: str, article_id: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"article {article_id}: {key} has no UTC offset ({value.isoformat()})")
    return value.isoformat()


def _front_matter(article: Article) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published": _iso(article.published, "published", article.id),
    }
    if article.updated is not None:
        meta["updated"] = _iso(article.updated, "updated", article.id)
    meta["harvested"] = _iso(article.harvested, "harvested", article.id)
    for key in _OPTIONAL_STR:
        if getattr(article, key):
            meta[key] = getattr(article, key)
    for key in _LISTS:
        value = list(getattr(article, key))
        if value or key in _ALWAYS_LISTS:
            meta[key] = value
    meta["status"] = article.status
    for key in _BOOLS:
        if getattr(article, key):
            meta[key] = True
    for key, value in article.extra.items():
        if key in meta or key in FIELD_ORDER:
            raise StoreError(f"article {article.id}: extra key {key!r} is a known field")
        meta[key] = value
    return meta


def dump(article: Article) -> str:
    """The file text for ``article``: front matter in :data:`FIELD_ORDER`, then the body.

    Deterministic bytes; ends with exactly one newline unless the body itself ends with one
    (:meth:`Store.save` stores :func:`canonical_body` bodies, which never do).
    """
    meta = _front_matter(article)
    try:
        head = yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, width=1 << 30,
                         sort_keys=False, default_flow_style=False)
    except yaml.YAMLError as err:
        raise StoreError(f"article {article.id}: cannot write front matter: {err}") from None
    text = f"---\n{head}---\n"
    if article.body:
        text += f"\n{article.body}\n"
    return text


def _yaml_problem(err: yaml.YAMLError) -> str:
    """One line for a YAML error, with the file's line number (the opening ``---`` is line 1)."""
    return front_matter_problem(err)


def _to_datetime(value: Any, key: str, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            result = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{key}: not an ISO 8601 date/time: {value!r}") from None
    else:
        raise ValueError(f"{key}: not a date/time: {value!r}")
    if result.tzinfo is None or result.utcoffset() is None:
        result = result.replace(tzinfo=tz)
    return result


def _to_list(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [v if isinstance(v, str) else str(v) for v in value]
    raise ValueError(f"{key}: must be a list of strings, not {value!r}")


def _to_str(value: Any, key: str, *, required: bool) -> str:
    if value is None or value == "":
        if required:
            raise ValueError(f"{key}: missing or empty")
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{key}: must be a string, not {value!r}")


def _article_from(meta: dict[Any, Any], body: str, tz: tzinfo) -> Article:
    for key in ("id", "title", "url", "source", "published", "harvested"):
        if key not in meta:
            raise ValueError(f"missing key '{key}'")
    fields: dict[str, Any] = {}
    for key in _REQUIRED_STR:
        fields[key] = _to_str(meta[key], key, required=True)
    if meta["title"] is None:
        raise ValueError("title: missing value")
    fields["title"] = _to_str(meta["title"], "title", required=False)
    for key in _OPTIONAL_STR:
        fields[key] = _to_str(meta.get(key), key, required=False)
    for key in _DATETIMES:
        value = meta.get(key)
        if value is None and key == "updated":
            fields[key] = None
        elif value is None:
            raise ValueError(f"{key}: missing value")
        else:
            fields[key] = _to_datetime(value, key, tz)
    for key in _LISTS:
        fields[key] = _to_list(meta.get(key), key)
    for key in _BOOLS:
        value = meta.get(key, False)
        if value is None:
            value = False
        if not isinstance(value, bool):
            raise ValueError(f"{key}: must be true or false, not {value!r}")
        fields[key] = value
    status = meta.get("status", "published")
    if status not in STATUSES:
        raise ValueError(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    fields["status"] = status
    extra = {k: v for k, v in meta.items() if k not in FIELD_ORDER}
    return Article(body=body, extra=extra, **fields)


def parse(text: str, path: Path | str | None = None, *, tz: tzinfo = DEFAULT_TZ) -> Article:
    """The :class:`Article` in a file's ``text``; ``path`` names the file in error messages.

    Raises :class:`StoreError` ``"<path>: <why>"`` when the text is not a readable article.
    Times without an offset are read in ``tz``. ``Article.path`` is left to the caller.
    """
    where = str(path) if path is not None else "<text>"
    if text.startswith("\ufeff"):
        text = text[1:]
    opening = _OPEN.match(text)
    if not opening:
        raise StoreError(f"{where}: does not start with a '---' front-matter line")
    closing = _CLOSE.search(text, opening.end())
    if not closing:
        raise StoreError(f"{where}: front matter is not closed by a '---' line")
    head = text[opening.end():closing.start()]
    rest = text[closing.end():]
    if rest.startswith("\n"):
        rest = rest[1:]
    elif rest.startswith("\r\n") and closing.group(0).endswith("\r\n"):
        rest = rest[2:]
    body = rest[:-1] if rest.endswith("\n") else rest
    try:
        meta = yaml.load(head, Loader=_Loader)
    except yaml.YAMLError as err:
        raise StoreError(f"{where}: {_yaml_problem(err)}") from None
    if not isinstance(meta, dict):
        raise StoreError(f"{where}: front matter is not a mapping of keys to values")
    try:
        return _article_from(meta, body, tz)
    except ValueError as err:
        raise StoreError(f"{where}: {err}") from None


def canonical_body(body: str) -> str:
    """The body as the store keeps it: ``\\n`` line ends, no leading blank lines, no trailing
    whitespace. Anything else (indentation, inner blank lines, hard breaks) is left as it is."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return _LEADING_BLANK_LINES.sub("", body).rstrip()


# --- misspelled keys -------------------------------------------------------------------------

#: Keys that protect an editor's work: a near miss of one (``lockd``, ``Locked``) is an error in
#: ``cds check``, and the store never writes such a file (it may be meant as locked).
PROTECTING_KEYS = ("locked", "themes_locked", "status", "featured")


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count 1)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def protecting_typos(extra: dict[Any, Any]) -> list[tuple[str, str]]:
    """``(key, meant)`` for each unknown key that looks like one of :data:`PROTECTING_KEYS`:
    the same but for case, ``-`` or spaces; a prefix of at least 4 letters (``lock``); or one
    edit away (two for ``themes_locked``)."""
    out = []
    for key in extra:
        if not isinstance(key, str) or key in FIELD_ORDER:
            continue
        norm = key.strip().lower().replace("-", "_").replace(" ", "_")
        for meant in PROTECTING_KEYS:
            allowed = 2 if len(meant) > 8 else 1
            if (norm == meant or (len(norm) >= 4 and meant.startswith(norm))
                    or _distance(norm, meant) <= allowed):
                out.append((key, meant))
                break
    return out


# --- ids and slugs ----------------------------------------------------------------------------

def make_id(canonical_url: str) -> str:
    """Stable article id: the first 16 hex digits of the SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


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

    def __init__(self, content_dir: Path | str, *, tz: tzinfo = DEFAULT_TZ):
        self.content_dir = Path(content_dir)
        self.articles_dir = self.content_dir / "articles"
        self.tz = tz
        self._lock = threading.RLock()
        self._loaded = False
        self._articles: dict[str, Article] = {}      # id → article (path set, relative)
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

    def _ensure(self) -> None:
        if self._loaded:
            return
        self._articles, self._by_url, self._taken = {}, {}, set()
        self._broken, self._errors = {}, []
        files = sorted(self.articles_dir.rglob("*.md")) if self.articles_dir.is_dir() else []
        for file in files:
            if file.name.startswith("."):
                continue
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
        m.tags = _union(stored.tags, incoming.tags)
        old_url = [stored.url] if stored.url != m.url else []
        m.also_at = _union(stored.also_at, old_url, incoming.also_at, exclude=m.url)
        extra = _clone(stored).extra
        for key, value in incoming.extra.items():
            extra.setdefault(key, value)
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
