"""An article file, ``content/articles/YYYY/MM/<slug>.md``: YAML front matter between two ``---``
lines, a blank line, the Markdown body, one final newline. :func:`dump` and :func:`parse` are
exact inverses for every :class:`~pipeline.core.models.Article` (any title, any body, any extra
key), so a file written and read back compares equal and re-saving it changes nothing.

The front matter is written with PyYAML's pure-Python safe dumper (the same bytes on every
machine) and read with the libyaml safe loader when available. The file is split by hand rather
than with ``python-frontmatter``, whose ``loads`` strips the body and whose boundary pattern can
swallow blank lines; the files remain ordinary front-matter Markdown that python-frontmatter,
MkDocs and editors read.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import StoreError
from pipeline.core.markup import front_matter_problem
from pipeline.core.models import STATUSES, Article
from pipeline.core.yamlfile import FAST_LOADER

__all__ = [
    "DEFAULT_TZ", "FIELD_ORDER", "PROTECTING_KEYS", "canonical_body", "dump", "make_id", "parse",
    "protecting_typos",
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

_Loader = FAST_LOADER             # libyaml when there (tests swap in the pure-Python one)


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
        raise StoreError(f"{where}: {front_matter_problem(err)}") from None
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
