"""The register's entries: ``content/van-ban/<slug>.md`` read and checked (:func:`parse_entry`,
:func:`load_docs`, :func:`validate`), and the :class:`Doc` they make. One document per file:
YAML front matter (the keys in :data:`KEYS`), then the editor's Markdown notes. The number is
the identity, normalised with :func:`pipeline.core.docrefs.normalize`; its slug gives the page
address ``van-ban/<slug>/``. Writing entries and the cross references: :mod:`.register`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import yaml

from pipeline.core import docrefs
from pipeline.core.markup import front_matter_problem
from pipeline.core.models import Article
from pipeline.core.text import clean_line, fold, nfc, tone_key
from pipeline.core.urls import slug

DOCS_DIR = "van-ban"                    # under content/, and the register's site address
REGISTER_URL = "van-ban/"
UNKNOWN_URL = "van-ban/chua-co/"        # cited but not in the register (a doc slug never is)
ATTACHMENTS_DIR = "tep"                 # suggested folder for entries' files: content/van-ban/tep/
FILTER_JS = "assets/van-ban-filter.js"  # site_src paths of the two static assets
FILTER_CSS = "assets/van-ban.css"

#: Scope keys and their labels on the site.
SCOPES = {"central": "Trung ương", "provincial": "Tỉnh", "local": "Địa phương"}
#: The statuses an entry may have (``status``), as written in the files.
DOC_STATUSES = ("còn hiệu lực", "hết hiệu lực một phần", "hết hiệu lực")
#: Front-matter keys, in the order ``docs add`` writes them.
KEYS = ("number", "doc_type", "issuer", "issued", "title", "scope", "effective", "status",
        "signer", "url", "file", "aliases")
#: Keys the document harvest (:mod:`pipeline.harvest.docharvest`) writes and owns; an editor may clear
#: ``review`` (publish) but leaves the rest to the harvest.
HARVEST_KEYS = ("source", "first_seen", "review", "file_url", "file_sha256", "text_file",
                "scanned", "cites", "reject_reason")
REVIEW_PENDING = "pending"      # ``review: pending``: waits for an editor, not on the site
REVIEW_REJECTED = "rejected"    # ``review: rejected``: an editor refused it; never shown
SCANNED_NOTE = "Văn bản dạng ảnh quét, chưa có nội dung chữ."
TEXT_EXCERPT_CHARS = 600
TEXT_PAGE_CHARS = 60_000        # of a file's text shown (and indexed) on its page

DEFAULT_TZ: tzinfo = timezone(timedelta(hours=7))
EXAMPLES = "749/QĐ-TTg, 13/2023/NĐ-CP or 57-NQ/TW"
RELATED_ON_UNKNOWN = 5                  # articles listed per number on the "chưa có" page

_SCOPE_WORDS = {fold(v): k for k, v in SCOPES.items()} | {
    "trung uong": "central", "tinh": "provincial", "dia phuong": "local"}
_LEGISLATURE_TYPES = ("Luật", "Nghị quyết", "Pháp lệnh")


# --- the entry --------------------------------------------------------------------------------

@dataclass
class Doc:
    """One register entry. ``path`` is relative to ``content/`` (``van-ban/749-qd-ttg.md``)."""
    number: str                         # normalised: 749/QĐ-TTg
    doc_type: str                       # Quyết định, Nghị quyết, Kế hoạch …
    issuer: str = ""
    issued: date | None = None
    title: str = ""                     # trích yếu
    scope: str = ""                     # central | provincial | local
    effective: date | None = None
    status: str = ""                    # one of DOC_STATUSES, or ""
    signer: str = ""
    url: str = ""                       # the official text online (http/https)
    file: str = ""                      # a file beside the entry: tep/749-qd-ttg.pdf
    body: str = ""                      # the editor's notes (Markdown)
    path: Path | None = None
    slug: str = ""
    aliases: list[str] = field(default_factory=list)   # other names: "Đề án 06"
    # Written by the document harvest (HARVEST_KEYS); empty for entries made by hand.
    source: str = ""                    # the feeds.yml source it came from
    first_seen: datetime | None = None  # when the harvest first found it (aware)
    review: str = ""                    # "pending": waits for an editor; "rejected"
    file_url: str = ""                  # where the file was fetched from
    file_sha256: str = ""               # of the mirrored file: a changed file is re-mirrored
    text_file: str = ""                 # the file's extracted text: tep/<slug>.txt
    scanned: bool = False               # the file is pictures of pages: no text
    cites: list[str] = field(default_factory=list)     # numbers the file's text cites
    text: str = ""                      # the extracted text, read from text_file
    reject_reason: str = ""             # why an editor rejected it (review: rejected)

    @property
    def pending(self) -> bool:
        return self.review == REVIEW_PENDING

    @property
    def url_path(self) -> str:
        """The document's page: ``van-ban/<slug>/``."""
        return f"{REGISTER_URL}{self.slug}/"

    @property
    def label(self) -> str:
        """``Quyết định 749/QĐ-TTg``."""
        return f"{self.doc_type} {self.number}".strip()

    @property
    def year(self) -> int | None:
        return self.issued.year if self.issued else docrefs.year_of(self.number)


@dataclass
class UnknownRef:
    """A number articles cite that the register lacks: how many articles, and which
    (``(id, title, path)``, newest first; ``path`` relative to ``content/``)."""
    number: str
    count: int
    articles: list[tuple[str, str, Path | None]] = field(default_factory=list)


class DocFeed(NamedTuple):
    """One document's feed: write ``rss.xml``/``atom.xml`` into ``feed_dir`` (site-relative)."""
    feed_dir: str                       # van-ban/749-qd-ttg/
    title: str                          # Quyết định 749/QĐ-TTg
    articles: list[Article]             # published articles citing it, newest first


def slug_of(number: str) -> str:
    """The page slug of a (normalised) number: ``13/2023/NĐ-CP`` → ``13-2023-nd-cp``."""
    return slug(number, fallback="van-ban")


# --- reading an entry -------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """Safe loader that leaves dates as text, so that 2023-02-30 is our message, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_OPEN = re.compile(r"---[ \t]*\r?\n")
_CLOSE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_VN_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_HTTP = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


def _yaml_problem(err: yaml.YAMLError) -> str:
    return front_matter_problem(
        err, " (put a value containing ': ' or starting with a quote or [ in quotes)")


def _split(text: str) -> tuple[str, str] | str:
    """(front matter, body) of an entry, or the reason it has none."""
    if text.startswith("\ufeff"):
        text = text[1:]
    opening = _OPEN.match(text)
    if not opening:
        return "does not start with a '---' front-matter line"
    closing = _CLOSE.search(text, opening.end())
    if not closing:
        return "front matter is not closed by a '---' line"
    body = text[closing.end():].replace("\r\n", "\n").replace("\r", "\n")
    body = re.sub(r"\A(?:[ \t]*\n)+", "", body).rstrip()
    return text[opening.end():closing.start()], body


def _text(meta: Mapping, key: str, problems: list[str]) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.append(f"{key}: must be text, not {_show(value)}")
        return ""
    return clean_line(str(value))


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 80 else text[:77] + "…'"


def _date(meta: Mapping, key: str, problems: list[str]) -> date | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = clean_line(str(value)) if isinstance(value, str | int | float) else ""
    m = _ISO_DATE.fullmatch(text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as err:
            problems.append(f"{key}: '{text}' is not a real date ({err})")
            return None
    m = _VN_DATE.fullmatch(text)
    if m:
        try:
            iso = date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
            problems.append(f"{key}: '{text}' is not in the form YYYY-MM-DD: write {iso}")
        except ValueError as err:
            problems.append(f"{key}: '{text}' is not a real date ({err})")
        return None
    problems.append(f"{key}: {_show(value)} is not a date in the form YYYY-MM-DD")
    return None


def _type_abbr(number: str) -> str:
    """The type abbreviation written in a normalised number (``QĐ``, ``NQ``…, ``QH15``), or ""."""
    m = re.fullmatch(r"\d+-([^/]+)/.+", number)
    if m:
        return m.group(1)
    rest = re.sub(r"^\d+/(?:\d{4}/)?", "", number).split("-")
    return rest[0] if rest[0] in docrefs.DOC_TYPES or re.fullmatch(r"(UBTVQH|QH)\d+", rest[0]) \
        else ""


def check_type(number: str, given: str, problems: list[str]) -> str:
    """The entry's doc_type, spelt canonically when it matches the number's abbreviation."""
    expected = docrefs.doc_type_of(number) or ""
    abbr = _type_abbr(number)
    if not given:
        problems.append(f"doc_type: missing (the number {number} says '{expected}')")
        return ""
    if not abbr:
        return given                    # a letter without a type (công văn): nothing to check
    allowed = list(_LEGISLATURE_TYPES) if abbr.startswith(("QH", "UBTVQH")) else [expected]
    if abbr in ("QĐi", "QyĐ"):
        allowed = ["Quy định"]
    for name in allowed:
        if tone_key(given) == tone_key(name) or fold(given) == fold(name):
            return name
    want = " or ".join(allowed)
    problems.append(f"doc_type: '{given}' does not match the number's type {abbr} ({want})")
    return given


def _check_scope(number: str, given: str, problems: list[str]) -> str:
    if not given:
        hint = docrefs.scope_of(number)
        problems.append("scope: missing (central, provincial or local"
                        + (f"; the number suggests {hint})" if hint else ")"))
        return ""
    key = given.lower() if given.lower() in SCOPES else _SCOPE_WORDS.get(fold(given))
    if key:
        return key
    problems.append(f"scope: '{given}' is not one of central (Trung ương), provincial (Tỉnh), "
                    "local (Địa phương)")
    return ""


def _check_status(given: str, problems: list[str]) -> str:
    if not given:
        return ""
    for status in DOC_STATUSES:
        if tone_key(given) == tone_key(status) or fold(given) == fold(status):
            return status
    problems.append(f"status: '{given}' is not one of " + ", ".join(DOC_STATUSES))
    return ""


def _check_file(value: str, problems: list[str]) -> str:
    if not value:
        return ""
    parts = PurePosixPath(value).parts
    if ("\\" in value or value.startswith("/") or ":" in value or not parts
            or any(p in ("..", ".") or p.startswith(".") for p in parts)
            or value.lower().endswith(".md")):
        problems.append(f"file: '{value}' must be a file inside content/{DOCS_DIR}/, such as "
                        f"{ATTACHMENTS_DIR}/749-qd-ttg.pdf (a web address goes in url)")
        return ""
    return value


def _aliases(meta: Mapping, problems: list[str]) -> list[str]:
    value = meta.get("aliases")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        problems.append(f"aliases: must be a list of names, not {_show(value)}")
        return []
    return [clean_line(str(v)) for v in value if clean_line(str(v))]


def parse_entry(text: str, where: str = "<text>") -> tuple[Doc | None, list[str]]:
    """The :class:`Doc` in an entry's ``text`` and its problems, each ``"<where>: <key>: why"``.

    The Doc is None when the entry cannot be used at all (no front matter, invalid YAML, no valid
    number); otherwise it is returned even with problems, with each invalid optional value
    emptied, so the site still shows what is right. ``path`` is left to the caller.
    """
    parts = _split(text)
    if isinstance(parts, str):
        return None, [f"{where}: {parts}"]
    head, body = parts
    try:
        meta = yaml.load(head, Loader=_Loader)      # a SafeLoader without timestamps
    except yaml.YAMLError as err:
        return None, [f"{where}: {_yaml_problem(err)}"]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return None, [f"{where}: front matter is not a mapping of keys to values"]
    problems: list[str] = []
    for key in meta:
        if key not in KEYS and key not in HARVEST_KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            problems.append(f"{key}: unknown key" + (f" (did you mean '{close[0]}'?)" if close
                                                     else f" (known: {', '.join(KEYS)})"))
    raw = _text(meta, "number", problems)
    number = docrefs.normalize(raw) if raw else None
    if not raw:
        problems.append("number: missing (such as 749/QĐ-TTg)")
    elif number is None:
        problems.append(f"number: '{raw}' is not a document number (expected a form such as "
                        f"{EXAMPLES})")
    doc_type = _text(meta, "doc_type", problems)
    if number:
        doc_type = check_type(number, doc_type, problems)
    issued = _date(meta, "issued", problems)
    year = docrefs.year_of(number) if number else None
    if issued and year and issued.year != year:
        problems.append(f"issued: {issued.isoformat()} is not in the number's year {year}")
    scope = _text(meta, "scope", problems)
    scope = _check_scope(number or "", scope, problems) if number or scope else scope
    url = _text(meta, "url", problems)
    if url and not _HTTP.fullmatch(url):
        problems.append(f"url: '{url}' is not an http(s) address")
        url = ""
    doc = Doc(
        number=number or "", doc_type=doc_type, issuer=_text(meta, "issuer", problems),
        issued=issued, title=_text(meta, "title", problems), scope=scope,
        effective=_date(meta, "effective", problems),
        status=_check_status(_text(meta, "status", problems), problems),
        signer=_text(meta, "signer", problems), url=url,
        file=_check_file(_text(meta, "file", problems), problems),
        body=nfc(body), slug=slug_of(number) if number else "",
        aliases=_aliases(meta, problems))
    _harvest_fields(doc, meta, problems)
    return (doc if number else None), [f"{where}: {p}" for p in problems]


def _harvest_fields(doc: Doc, meta: Mapping, problems: list[str]) -> None:
    """The keys of :data:`HARVEST_KEYS` into ``doc``; an invalid one is emptied and reported."""
    doc.source = _text(meta, "source", problems)
    seen = meta.get("first_seen")
    if seen not in (None, ""):
        try:
            when = seen if isinstance(seen, datetime) else datetime.fromisoformat(str(seen))
            doc.first_seen = when if when.tzinfo else when.replace(tzinfo=DEFAULT_TZ)
        except ValueError:
            problems.append(f"first_seen: {_show(seen)} is not a date and time "
                            "(YYYY-MM-DDTHH:MM:SS+07:00)")
    review = _text(meta, "review", problems)
    if review and review not in (REVIEW_PENDING, REVIEW_REJECTED):
        problems.append(f"review: '{review}' must be '{REVIEW_PENDING}', '{REVIEW_REJECTED}' or "
                        "empty (empty: shown on the site)")
        review = REVIEW_PENDING         # an unreadable decision: kept off the site
    doc.review = review
    doc.reject_reason = _text(meta, "reject_reason", problems)
    doc.file_url = _text(meta, "file_url", problems)
    doc.file_sha256 = _text(meta, "file_sha256", problems)
    doc.text_file = _check_file(_text(meta, "text_file", problems), problems)
    scanned = meta.get("scanned")
    if scanned not in (None, "") and not isinstance(scanned, bool):
        problems.append("scanned: must be true or false")
        scanned = False
    doc.scanned = bool(scanned)
    cites = meta.get("cites")
    if cites not in (None, "", []):
        if not isinstance(cites, list) or not all(isinstance(c, str) for c in cites):
            problems.append(f"cites: must be a list of document numbers, not {_show(cites)}")
        else:
            doc.cites = [n for n in dict.fromkeys(docrefs.normalize(c) for c in cites) if n]


def _entry_files(docs_dir: Path) -> list[Path]:
    if not docs_dir.is_dir():
        return []
    if docs_dir.is_symlink():
        return []
    return sorted(p for p in docs_dir.glob("*.md")
                  if not p.is_symlink() and p.is_file() and not p.name.startswith((".", "_"))
                  and p.name.lower() != "readme.md")


def scan_entries(docs_dir: Path) -> tuple[list[Doc], list[str]]:
    """(usable entries newest first, problems) of a register folder (``content/van-ban``)."""
    docs_dir = Path(docs_dir)
    shown_dir = f"{docs_dir.parent.name}/{docs_dir.name}"
    docs: list[Doc] = []
    problems: list[str] = []
    by_number: dict[str, Doc] = {}
    by_slug: dict[str, Doc] = {}
    for file in _entry_files(docs_dir):
        where = f"{shown_dir}/{file.name}"
        try:
            text = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError as err:
            problems.append(f"{where}: not UTF-8 text (byte {err.start})")
            continue
        except OSError as err:
            problems.append(f"{where}: cannot read: {err.strerror or err}")
            continue
        doc, found = parse_entry(text, where)
        problems += found
        if doc is None:
            continue
        doc.path = Path(docs_dir.name) / file.name
        if doc.text_file:
            try:
                doc.text = (docs_dir / doc.text_file).read_text(encoding="utf-8")[:400_000]
            except (OSError, UnicodeDecodeError):
                problems.append(f"{where}: text_file: '{doc.text_file}' cannot be read in "
                                f"{shown_dir}/")
                doc.text_file = ""
        if doc.file and not (docs_dir / doc.file).is_file():
            problems.append(f"{where}: file: '{doc.file}' does not exist in {shown_dir}/")
            doc.file = ""
        other = by_number.get(doc.number) or by_slug.get(doc.slug)
        if other is not None:
            problems.append(f"{where}: number: {doc.number} is already in "
                            f"{docs_dir.parent.name}/{other.path.as_posix()} (one entry per "
                            "document)")
            continue
        by_number[doc.number] = by_slug[doc.slug] = doc
        docs.append(doc)
    return newest_first(docs), problems


def newest_first(docs: Iterable[Doc]) -> list[Doc]:
    """The register's order: newest issue date first (the year when the date is unknown)."""
    def key(d: Doc) -> tuple:
        when = d.issued or (date(d.year, 1, 1) if d.year else date.min)
        return (when, d.number)
    return sorted(docs, key=key, reverse=True)


def load_docs(content_dir: Path | str) -> list[Doc]:
    """The usable entries under ``content_dir/van-ban/``, newest first (by ``issued``; undated
    ones last). Entries that cannot be used (see :func:`validate`) are left out; invalid optional
    values are emptied. Never raises for an editor's mistake: ``cds check`` reports them."""
    return scan_entries(Path(content_dir) / DOCS_DIR)[0]


def validate(docs_dir: Path | str) -> list[str]:
    """Every problem in the register folder (``content/van-ban/``), one line each:
    ``content/van-ban/749-qd-ttg.md: doc_type: 'Nghị quyết' does not match the number's type QĐ
    (Quyết định)``. Empty when the folder is valid or absent."""
    return scan_entries(Path(docs_dir))[1]
