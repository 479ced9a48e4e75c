"""Load and validate a root's ``feeds.yml`` into typed :mod:`pipeline.core.models` objects.

The file's schema is declared once, as pydantic models below (one option a line, extra keys
forbidden so that typos are caught). Validation collects *every* problem before stopping; each
becomes one line ``feeds.yml: <place>: <why>`` in a :class:`~pipeline.core.errors.ConfigError`::

    feeds.yml: sources[2].url: not an http(s) address
    feeds.yml: sources[3].id: duplicate id 'bao-thai-binh' (also sources[1])
    feeds.yml:12: mapping values are not allowed here

Public: :func:`load`, :func:`parse_text`, :func:`parse_interval`, :func:`timezone`,
:func:`starter_dir`, :func:`copy_starter`.
"""

from __future__ import annotations

import re
import shutil
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from pipeline.core import models
from pipeline.core.errors import ConfigError
from pipeline.core.text import nfc
from pipeline.core.yamlfile import read_yaml

FILENAME = "feeds.yml"
Config = models.Config
_D = models.Defaults()          # the one place default values live

# --- durations --------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(?:\d+\s*[smhd]\s*)+|\d+", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)


def parse_interval(value: str | int) -> int:
    """Seconds in a duration: ``45s``, ``30m``, ``2h``, ``1d``, ``1h30m``, or a whole number of
    seconds (int or digits). Raises ``ValueError`` with a message for the user otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{value!r} is not a duration like 45s, 30m or 2h")
    if isinstance(value, int):
        seconds = value
    else:
        text = value.strip()
        if not _DURATION.fullmatch(text):
            raise ValueError(f"{value!r} is not a duration like 45s, 30m or 2h")
        if text.isdigit():
            seconds = int(text)
        else:
            seconds = sum(int(n) * _UNITS[u.lower()] for n, u in _DURATION_PART.findall(text))
    if seconds <= 0:
        raise ValueError(f"{value!r} must be longer than 0 seconds")
    return seconds


# --- field types: each check raises our own message -------------------------------------------

def _bad(why: str) -> PydanticCustomError:
    return PydanticCustomError("cds", "{why}", {"why": why})


def _interval(value: Any) -> Any:
    if value is None:
        return None
    try:
        return parse_interval(value)
    except ValueError as exc:
        raise _bad(str(exc)) from None


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in value:
        raise _bad("not an http(s) address")
    return value


_SOURCE_ID = re.compile(r"[a-z0-9-]+")


def _source_id(value: str) -> str:
    if not _SOURCE_ID.fullmatch(value):
        raise _bad(f"{value!r} must match [a-z0-9-]+")
    return value


_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def _hostname(value: str) -> str:
    host = value.lower().rstrip(".")
    if len(host) > 253 or not _HOSTNAME.fullmatch(host):
        raise _bad(f"{value!r} is not a hostname: write it without scheme or path, "
                   "like m.example.vn")
    return host


def _tz_name(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _bad(f"{value!r} is not a known time zone, like Asia/Ho_Chi_Minh") from None
    return value


_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def _language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise _bad(f"{value!r} is not a language code like vi")
    return value


def _selector(value: str) -> str:
    import soupsieve  # only for a root that has selectors: `cds build` needs none

    try:
        soupsieve.compile(value)
    except soupsieve.SelectorSyntaxError as exc:
        why = str(exc).splitlines()[0]
        raise _bad(f"{value!r} is not a valid CSS selector ({why})") from None
    return value


def _none_to(empty: Any):
    return BeforeValidator(lambda v: empty if v is None else v)


Text = Annotated[str, StringConstraints(min_length=1), AfterValidator(nfc)]
Selector = Annotated[str, StringConstraints(min_length=1), AfterValidator(_selector)]
HttpUrl = Annotated[str, StringConstraints(min_length=1), AfterValidator(_http_url)]
Interval = Annotated[int, BeforeValidator(_interval)]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Site(_Model):
    title: Text
    url: HttpUrl                                      # where the built site is published
    timezone: Annotated[str, AfterValidator(_tz_name)] = "Asia/Ho_Chi_Minh"
    description: Annotated[str, AfterValidator(nfc)] = ""
    language: Annotated[str, AfterValidator(_language)] = "vi"      # the site's lang=""
    search: bool = True                               # build the Pagefind search page and index
    hub: HttpUrl | None = None                        # a WebSub hub the feeds declare


class _Defaults(_Model):
    timeout: Seconds = _D.timeout                     # seconds per request
    interval: Interval = _D.interval                  # between scheduled harvests
    concurrency: Annotated[int, Field(ge=1, le=64)] = _D.concurrency
    max_items: Count = _D.max_items                   # newest items per source per run
    user_agent: Text = _D.user_agent
    review: bool = False                              # new articles wait for an editor


class _List(_Model):
    item: Selector
    link: Selector
    title: Selector | None = None
    date: Selector | None = None
    summary: Selector | None = None
    next: Selector | None = None
    max_pages: Count | None = None                    # default: 3 with `next`, else 1


class _Article(_Model):
    body: Selector
    title: Selector | None = None
    date: Selector | None = None
    author: Selector | None = None
    remove: Annotated[tuple[Selector, ...], _none_to(())] = ()


class _DocFields(_Model):
    number: Selector | None = None
    date: Selector | None = None
    issuer: Selector | None = None
    type: Selector | None = None
    summary: Selector | None = None
    file: Selector | None = None


class _Documents(_DocFields):
    row: Selector
    link: Selector | None = None                      # the detail page
    next: Selector | None = None
    max_pages: Count | None = None                    # default: 3 with `next`, else 1
    detail: _DocFields | None = None                  # fields read on the detail page


class _Cadence(_Model):
    count: Count
    per: Literal["day", "week", "month"]


class _Source(_Model):
    id: Annotated[str, StringConstraints(min_length=1), AfterValidator(_source_id)]
    name: Text
    kind: Literal["feed", "html", "documents"]
    url: HttpUrl
    aliases: Annotated[tuple[Annotated[str, AfterValidator(_hostname)], ...], _none_to(())] = ()
    keywords: Annotated[tuple[Text, ...], _none_to(())] = ()
    list_: _List | None = Field(None, alias="list")
    article: _Article | None = None
    cadence: _Cadence | None = None
    enabled: bool = True
    documents: _Documents | None = None               # kind: documents (docs/feeds-yml.md)
    review: bool | None = None                        # default: defaults.review
    # per-source overrides of `defaults`
    timeout: Seconds | None = None
    interval: Interval | None = None
    max_items: Count | None = None
    user_agent: Text | None = None


class _File(_Model):
    site: _Site
    defaults: Annotated[_Defaults, _none_to({})] = _Defaults()
    sources: Annotated[tuple[_Source, ...], _none_to(())]


# --- pydantic errors → our messages -----------------------------------------------------------

_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown key",
    "invalid_key": "unknown key",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "dict_type": "must be a mapping of keys",
}
_TYPE_ERRORS = {k for k in _MESSAGES if k.endswith(("_type", "_parsing"))}


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _why(err: dict) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "cds":
        return err["msg"]
    if kind in _TYPE_ERRORS and err.get("input") is None:
        return "has no value"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "literal_error":
        return "must be " + str(ctx.get("expected", "")).replace("'", "")
    if kind == "greater_than":
        return f"must be greater than {_num(ctx['gt'])}"
    if kind == "greater_than_equal":
        return f"must be at least {_num(ctx['ge'])}"
    if kind == "less_than_equal":
        return f"must be at most {_num(ctx['le'])}"
    if kind == "string_pattern_mismatch":
        return f"{err.get('input')!r} must match {ctx.get('pattern')}"
    return err["msg"]                                 # pydantic's own words, never silence


def _place(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _doc_order(data: Any, loc: tuple) -> tuple:
    """Sort key putting problems in the order their keys appear in the file."""
    key, node = [], data
    for part in loc:
        if isinstance(node, dict) and part in node:
            key.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list | tuple) and isinstance(part, int) and part < len(node):
            key.append(part)
            node = node[part]
        else:                                         # a missing key: after the present ones
            key.append(1 << 30)
            break
    return tuple(key)


def _cross_checks(data: dict) -> list[tuple[tuple, str]]:
    """What one key cannot say alone: duplicate ids, `list` against `kind`."""
    problems: list[tuple[tuple, str]] = []
    sources = data.get("sources")
    if not isinstance(sources, list):
        return problems
    seen: dict[str, int] = {}
    for i, src in enumerate(sources):
        if not isinstance(src, dict):
            continue
        sid = src.get("id")
        if isinstance(sid, str) and sid.strip():
            sid = sid.strip()
            if sid in seen:
                problems.append((("sources", i, "id"),
                                 f"duplicate id {sid!r} (also sources[{seen[sid]}])"))
            else:
                seen[sid] = i
        kind, lst = src.get("kind"), src.get("list")
        if kind == "html" and lst is None:
            problems.append((("sources", i, "list"), "required when kind is html"))
        elif kind == "feed" and lst is not None:
            problems.append((("sources", i, "list"), "only used when kind is html"))
        problems += _documents_checks(i, kind, src.get("documents"))
        if isinstance(lst, dict) and lst.get("next") is None:
            pages = lst.get("max_pages")
            if isinstance(pages, int) and not isinstance(pages, bool) and pages > 1:
                problems.append((("sources", i, "list", "max_pages"),
                                 "has no effect without list.next"))
    return problems


def _documents_checks(i: int, kind: object, docs: object) -> list[tuple[tuple, str]]:
    """`documents` against `kind`; a number selector somewhere; `detail` needs `link`."""
    where = ("sources", i, "documents")
    if kind == "documents" and docs is None:
        return [(where, "required when kind is documents")]
    if kind != "documents" and docs is not None:
        return [(where, "only used when kind is documents")]
    if not isinstance(docs, dict):
        return []
    out = []
    detail = docs.get("detail") if isinstance(docs.get("detail"), dict) else {}
    if not docs.get("number") and not detail.get("number"):
        out.append((where + ("number",), "required (in the row, or under detail:)"))
    if docs.get("detail") is not None and not docs.get("link"):
        out.append((where + ("link",), "required with detail: (the link to the detail page)"))
    pages = docs.get("max_pages")
    if docs.get("next") is None and isinstance(pages, int) and not isinstance(pages, bool) \
            and pages > 1:
        out.append((where + ("max_pages",), "has no effect without documents.next"))
    return out


# --- from validated models to pipeline.core.models -------------------------------------------------

def _source(s: _Source, d: _Defaults) -> models.Source:
    lst = None
    if s.list_ is not None:
        pages = s.list_.max_pages or (3 if s.list_.next else 1)
        lst = models.ListSelectors(item=s.list_.item, link=s.list_.link, title=s.list_.title,
                                   date=s.list_.date, summary=s.list_.summary,
                                   next=s.list_.next, max_pages=pages)
    art = None
    if s.article is not None:
        a = s.article
        art = models.ArticleSelectors(body=a.body, title=a.title, date=a.date,
                                      author=a.author, remove=tuple(a.remove))
    cad = models.Cadence(count=s.cadence.count, per=s.cadence.per) if s.cadence else None
    docs = None
    if s.documents is not None:
        ds = s.documents

        def fields(f: _DocFields) -> models.DocFields:
            return models.DocFields(number=f.number, date=f.date, issuer=f.issuer, type=f.type,
                                    summary=f.summary, file=f.file)
        docs = models.DocSelectors(row=ds.row, fields=fields(ds), link=ds.link, next=ds.next,
                                   max_pages=ds.max_pages or (3 if ds.next else 1),
                                   detail=fields(ds.detail) if ds.detail else None)
    return models.Source(
        id=s.id, name=s.name, kind=s.kind, url=s.url,
        timeout=s.timeout if s.timeout is not None else d.timeout,
        interval=s.interval if s.interval is not None else d.interval,
        max_items=s.max_items if s.max_items is not None else d.max_items,
        user_agent=s.user_agent if s.user_agent is not None else d.user_agent,
        aliases=tuple(s.aliases), keywords=tuple(s.keywords),
        list=lst, article=art, cadence=cad, enabled=s.enabled,
        documents=docs, review=s.review if s.review is not None else d.review,
    )


def parse_text(text: str, root: Path, filename: str = FILENAME) -> Config:
    """Validate the text of a ``feeds.yml``; ``ConfigError`` lists every problem found."""
    data, problems = read_yaml(text, filename)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(f"{filename}: must be a mapping with site: and sources:")
        raise ConfigError(problems)
    found: list[tuple[tuple, str]] = []
    doc = None
    try:
        doc = _File.model_validate(data)
    except ValidationError as exc:
        found += [(tuple(e["loc"]), _why(e)) for e in exc.errors(include_url=False)]
    found += _cross_checks(data)
    found.sort(key=lambda p: _doc_order(data, p[0]))
    problems += [f"{filename}: {_place(loc)}: {why}" if loc else f"{filename}: {why}"
                 for loc, why in found]
    if problems or doc is None:
        raise ConfigError(problems)
    site = models.Site(title=doc.site.title, url=doc.site.url, timezone=doc.site.timezone,
                       description=doc.site.description, language=doc.site.language,
                       search=doc.site.search, hub=doc.site.hub or "")
    d = doc.defaults
    defaults = models.Defaults(timeout=d.timeout, interval=d.interval,
                               concurrency=d.concurrency, max_items=d.max_items,
                               user_agent=d.user_agent)
    return models.Config(root=Path(root).absolute(), site=site, defaults=defaults,
                         sources=tuple(_source(s, d) for s in doc.sources))



def load(root: Path) -> Config:
    """Read and validate ``<root>/feeds.yml``. Raises ``ConfigError`` (exit 2)."""
    path = Path(root) / FILENAME
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{FILENAME}: not found in {root}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{FILENAME}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{FILENAME}: cannot be read ({exc.strerror})") from None
    return parse_text(text, Path(root))


def timezone(config: Config) -> zoneinfo.ZoneInfo:
    """The site's time zone; times without an offset are read in it."""
    return zoneinfo.ZoneInfo(config.site.timezone)


# --- `cds init` -------------------------------------------------------------------------------

def starter_dir() -> Path:
    """The starter files for a new root (``feeds.yml``, empty ``content/`` folders, …).

    Files named ``dot-NAME`` stand for ``.NAME`` (package data globs skip dotfiles):
    :func:`copy_starter` renames them."""
    return Path(__file__).parent / "starter"


def copy_starter(dest: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the starter into ``dest``; never replaces an existing file unless ``overwrite``.
    Returns the files written."""
    src_root, written = starter_dir(), []
    for src in sorted(src_root.rglob("*")):
        rel = src.relative_to(src_root)
        if not src.is_file() or "__pycache__" in rel.parts:
            continue
        parts = ["." + p[4:] if p.startswith("dot-") else p for p in rel.parts]
        target = Path(dest).joinpath(*parts)
        if target.exists() and not overwrite:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        written.append(target)
    return written
