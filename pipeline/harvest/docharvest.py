"""The legal documents register, harvested from document portals (``kind: documents``).

A document portal lists documents, usually one table row each: number (số/ký hiệu), date,
issuer, type, summary (trích yếu), a link to a detail page, a link to the file. A source of
``kind: documents`` (see ``docs/feeds-yml.md``) names CSS selectors for the row and its fields,
and optionally for fields that live on the detail page instead. Each new document becomes a
register entry ``content/van-ban/<slug>.md`` (:mod:`pipeline.store.register`), its file mirrored into
``content/van-ban/tep/`` and its text extracted offline (:mod:`pipeline.harvest.docfiles`).

Two phases, like the article harvest (``harvest/sources`` and ``harvest/run`` call them):

- :func:`fetch_source` (network, in the worker pool): the listing pages with the source's
  validators (a 304 ends the source), the rows and detail pages (``harvest/doclisting``); the
  ``keywords`` filter. Rows whose fingerprint is unchanged since they were handled are skipped.
- :func:`store_documents` (sequential): for each document, the register entry and the file.
  The file is fetched only from the source's own origins (scheme, host and port of ``url``, or
  an alias host), streamed under :data:`pipeline.harvest.docfiles.MAX_FILE_BYTES`, and kept only when
  its first bytes say PDF, DOC or DOCX.

Editors' work is never overwritten: a new entry is created only where none exists for the
number. For an existing entry (same normalised number and issuer) only the harvest-owned keys
(``file`` when the harvest put it there, ``file_url``, ``file_sha256``, ``text_file``,
``scanned``, ``cites``) are rewritten, in place, and only when the file's bytes changed; every
other line of the entry stays as the editor left it.

Also here: what is newest (:func:`newest`, the order of the "Văn bản mới" feeds that
``jobs.document_feeds`` writes and the home page's block lists) and the figures the results
pages need (:func:`figures`).
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, tzinfo
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pipeline.core import docrefs
from pipeline.core.errors import CdsError, ConfigError, FetchError
from pipeline.core.fileio import write_atomic
from pipeline.core.models import Config, Fetched, Source
from pipeline.core.text import fold, mentions_any
from pipeline.harvest import confine, docfiles
from pipeline.store import register
from pipeline.store.entries import check_type

if TYPE_CHECKING:       # the network side is imported where used: a site build needs neither
    from pipeline.harvest.doclisting import Listed
    from pipeline.harvest.fetch import Fetcher


__all__ = ["ACCEPT_FILE", "fetch_source", "figures", "newest", "same_issuer",
           "scope_of_issuer", "store_documents"]

ACCEPT_FILE = ("application/pdf, application/msword, application/vnd.openxmlformats-"
               "officedocument.wordprocessingml.document;q=0.9, */*;q=0.5")
FEED_LIMIT = 50


# --- the network phase ------------------------------------------------------------------------

def fetch_source(fetcher: Fetcher, src: Source, state, h,
                 get_page: Callable[[str], Fetched], stopped: Callable[[], bool]):
    """List the source's documents into ``h.docs`` (``h``: harvest.sources.Harvested). ``get_page(url)``
    is the harvest's conditional GET (validators kept per address). Raises FetchError or
    ExtractError when the first listing page cannot be read: the source failed."""
    from pipeline.core.errors import ExtractError
    from pipeline.harvest.doclisting import read_detail, read_rows
    from pipeline.harvest.fetch import ACCEPT_PAGE

    sel = src.documents
    url: str | None = src.url
    pages: set[str] = set()
    listed: list[Listed] = []
    for page in range(sel.max_pages):
        if not url or url in pages or stopped():
            break
        pages.add(url)
        fetched = get_page(url)
        if fetched.not_modified:
            if page == 0:
                h.report.not_modified = True
                return h
            break
        rows, url = read_rows(fetched, src)
        if not rows:
            if page == 0:
                raise ExtractError(fetched.url, f"no element matches documents.row "
                                                f"'{sel.row}' (the page changed?)")
            break
        listed += rows
    listed = listed[: src.max_items]
    h.report.fetched = len(listed)
    seen_numbers: set[str] = set()
    for doc in listed:
        if stopped():
            break
        if not h.fresh and state.seen(doc.key) == doc.fingerprint:
            h.report.unchanged += 1
            continue
        if sel.detail is not None and doc.url:
            if not confine.on_site(src, doc.url):
                h.report.errors.append(f"{doc.url}: detail page on another site: not fetched")
                continue
            try:
                page = fetcher.get(doc.url, timeout=src.timeout, user_agent=src.user_agent,
                                   accept=ACCEPT_PAGE, allow=confine.guard(src))
            except FetchError as exc:
                h.report.errors.append(f"{doc.url}: {exc.reason}")
                continue
            read_detail(page, src, doc)
        if doc.number and doc.number in seen_numbers:
            h.report.duplicates += 1                # listed twice: one entry
            h.seen[doc.key] = doc.fingerprint
            continue
        if doc.number:
            seen_numbers.add(doc.number)
        h.docs.append(doc)
    return h


# --- the storing phase ------------------------------------------------------------------------

_ISSUER_WORDS = (("uy ban nhan dan", "ubnd"), ("hoi dong nhan dan", "hdnd"),
                 ("thong tin va truyen thong", "tttt"), ("chinh phu", "cp"))


def _issuer_key(text: str) -> str:
    key = " ".join(re.sub(r"[^a-z0-9 ]", " ", fold(text)).split())
    for long, short in _ISSUER_WORDS:
        key = key.replace(long, short)
    return key


def same_issuer(a: str, b: str) -> bool:
    """Two spellings of one issuer ("UBND tỉnh Thái Bình", "Ủy ban nhân dân tỉnh Thái Bình"),
    or one of them unknown."""
    ka, kb = _issuer_key(a), _issuer_key(b)
    return not ka or not kb or ka in kb or kb in ka


_LOCAL = re.compile(r" (huyen|thi xa|thi tran|xa|phuong|quan|huyen uy|thanh uy|dang uy xa) ")
_CENTRAL = re.compile(r" (chinh phu|thu tuong|quoc hoi|bo|trung uong|bo chinh tri|ban bi thu|"
                      r"ngan hang nha nuoc|quoc gia) ")


def scope_of_issuer(issuer: str) -> str | None:
    """``central``, ``provincial`` or ``local`` from the issuer's name; None when it says
    nothing ("Ban Chỉ đạo" alone)."""
    key = " " + " ".join(re.sub(r"[^a-z0-9 ]", " ", fold(issuer or "")).split()) + " "
    if not key.strip():
        return None
    if _LOCAL.search(key):
        return "local"
    if " tinh " in key or key.startswith(" so "):
        return "provincial"
    if " thanh pho " in key:
        return "local"
    if _CENTRAL.search(key):
        return "central"
    return None


@dataclass
class _Mirrored:
    file: str = ""                  # tep/<slug>.pdf
    sha256: str = ""
    text_file: str = ""
    scanned: bool = False
    cites: list[str] = field(default_factory=list)
    validators: tuple[str | None, str | None] = (None, None)
    not_modified: bool = False


class _Problem(Exception):
    """A file that could not be mirrored; ``retry``: worth trying again on the next run."""

    def __init__(self, message: str, retry: bool = False):
        super().__init__(message)
        self.retry = retry


def _fetch_file(fetcher: Fetcher, src: Source, doc: Listed, number: str, docs_dir: Path,
                validators: tuple[str | None, str | None]) -> _Mirrored:
    if not confine.on_site(src, doc.file_url):
        raise _Problem(f"{doc.file_url}: file on another site: not fetched")
    etag, modified = validators
    try:
        got = fetcher.get(doc.file_url, timeout=max(src.timeout, 60.0), user_agent=src.user_agent,
                          etag=etag, last_modified=modified, accept=ACCEPT_FILE,
                          allow=confine.guard(src))
    except FetchError as exc:
        permanent = exc.refused or "larger than" in exc.reason or exc.status in (404, 410)
        raise _Problem(f"{doc.file_url}: {exc.reason}", retry=not permanent) from None
    if got.not_modified:
        return _Mirrored(not_modified=True, validators=(got.etag, got.last_modified))
    kind = docfiles.kind_of(got.body)
    if kind is None:
        head = got.body[:16].decode("ascii", "replace")
        raise _Problem(f"{doc.file_url}: not a PDF, DOC or DOCX file (it starts with "
                       f"{head!r}; content type {got.content_type or 'none'})")
    slug = register.slug_of(number)
    rel = f"{register.ATTACHMENTS_DIR}/{slug}{docfiles.EXTENSIONS[kind]}"
    out = _Mirrored(file=rel, sha256=hashlib.sha256(got.body).hexdigest(),
                    validators=(got.etag, got.last_modified))
    extracted = docfiles.extract_text(got.body, kind)
    write_atomic(docs_dir / rel, got.body, durable=True)
    text_rel = f"{register.ATTACHMENTS_DIR}/{slug}.txt"
    if extracted.text.strip():
        write_atomic(docs_dir / text_rel, extracted.text + "\n", durable=True)
        out.text_file = text_rel
        out.cites = [n for n in docrefs.find_refs(extracted.text) if n != number]
    else:
        (docs_dir / text_rel).unlink(missing_ok=True)
        out.scanned = extracted.scanned
    return out


def _fill(doc: Listed, number: str, src: Source, now: datetime) -> register.Doc:
    """A new entry's fields from the listing, each checked as ``cds check`` would."""
    doc_type = doc.doc_type
    problems: list[str] = []
    if doc_type:
        doc_type = check_type(number, doc_type, problems)
    if not doc_type or problems:
        doc_type = docrefs.doc_type_of(number) or doc_type
    issuer = doc.issuer or docrefs.issuer_of(number) or ""
    scope = scope_of_issuer(doc.issuer) or docrefs.scope_of(number) or ""
    return register.Doc(number=number, doc_type=doc_type, issuer=issuer, issued=doc.issued,
                        title=doc.title, scope=scope, url=doc.url or src.url,
                        slug=register.slug_of(number), source=src.id,
                        first_seen=now.replace(microsecond=0),
                        review=register.REVIEW_PENDING if src.review else "")


_PROBLEM_KEY = re.compile(r"^[^:]*: ([a-z_]+): ")


def _valid_text(doc: register.Doc) -> str:
    """The entry's text, with any field the register would reject emptied (never the number)."""
    for _ in range(len(register.KEYS) + len(register.HARVEST_KEYS)):
        text = register.entry_text(doc, [f"Thu thập tự động từ {doc.url}"] if doc.url else [])
        problems = register.parse_entry(text, "entry")[1]
        keys = {m.group(1) for p in problems if (m := _PROBLEM_KEY.match(p))}
        keys.discard("number")
        if not problems or not keys:
            return text
        for key in keys:
            current = getattr(doc, key, None)
            if isinstance(current, list):
                setattr(doc, key, [])
            elif isinstance(current, bool):
                setattr(doc, key, False)
            elif isinstance(current, str):
                setattr(doc, key, "")
            else:
                setattr(doc, key, None)
    return text


def update_keys(path: Path, values: dict[str, object]) -> None:
    """Rewrite only the lines of ``values``' keys in an entry's front matter (a key that is not
    there is added before the closing ``---``); every other line stays byte for byte."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ConfigError(f"content/{register.DOCS_DIR}/{path.name}: no front matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise ConfigError(f"content/{register.DOCS_DIR}/{path.name}: front matter not closed")
    head, placed, out = lines[1:end], set(), []
    i = 0
    while i < len(head):
        m = re.match(r"^([A-Za-z_]+)\s*:", head[i])
        key = m.group(1) if m else None
        if key in values:
            i += 1
            while i < len(head) and (head[i].startswith((" ", "\t", "- ")) or head[i] == "-"):
                i += 1                      # the value's continuation lines (a block list)
            if values[key] not in ("", None, []):
                out.append(register.yaml_line(key, values[key]).rstrip("\n"))
            placed.add(key)
            continue
        out.append(head[i])
        i += 1
    out += [register.yaml_line(k, v).rstrip("\n") for k, v in values.items()
            if k not in placed and v not in ("", None, [])]
    new = "\n".join(["---", *out, *lines[end:]])
    if new != text:
        write_atomic(path, new, durable=True)


def store_documents(config: Config, h, fetcher: Fetcher, state, now: datetime) -> list[datetime]:
    """Store the documents ``h.docs`` of one source (``h``: harvest.sources.Harvested) as register
    entries; returns the issue dates of the new ones (for the source's cadence)."""
    src, rep = h.source, h.report
    docs_dir = config.content_dir / register.DOCS_DIR
    existing = {d.number: d for d in register.load_docs(config.content_dir)}
    new_dates: list[datetime] = []
    for doc in h.docs:
        if not doc.number:
            rep.errors.append(f"{doc.url or src.url}: '{doc.raw_number}' is not a document "
                              "number (expected a form such as 96/KH-UBND); row skipped")
            h.seen[doc.key] = doc.fingerprint
            rep.skipped += 1
            continue
        if src.keywords and not mentions_any(
                f"{doc.title}\n{doc.doc_type}\n{doc.raw_number}\n{doc.issuer}", src.keywords):
            h.seen[doc.key] = doc.fingerprint
            rep.skipped += 1
            continue
        entry = existing.get(doc.number)
        try:
            if entry is None:
                made, problem = _create_entry(config, src, doc, fetcher, state, docs_dir, now)
                existing[made.number] = made
                status = "new"
                if problem is not None:
                    rep.errors.append(str(problem))
                    if problem.retry:               # the row is read again next run
                        rep.new += 1
                        new_dates.append(now)
                        continue
            else:
                status = _refresh_entry(src, doc, entry, fetcher, state, docs_dir, rep)
        except _Problem as exc:
            rep.errors.append(str(exc))
            if not exc.retry:
                h.seen[doc.key] = doc.fingerprint
            continue
        except CdsError as exc:
            rep.errors.append(str(exc))
            continue
        h.seen[doc.key] = doc.fingerprint
        if status == "new":
            rep.new += 1
            new_dates.append(datetime.combine(doc.issued, time(0), now.tzinfo)
                             if doc.issued else now)
        elif status == "updated":
            rep.updated += 1
        else:
            rep.unchanged += 1
    return new_dates


def _create_entry(config: Config, src: Source, doc: Listed, fetcher: Fetcher, state,
                  docs_dir: Path, now: datetime) -> tuple[register.Doc, _Problem | None]:
    """A new entry (written even when its file could not be mirrored: a later run retries the
    file of an entry that has none); returns it and the file's problem, if any."""
    entry = _fill(doc, doc.number, src, now)
    problem = None
    if doc.file_url:
        try:
            got = _fetch_file(fetcher, src, doc, doc.number, docs_dir, (None, None))
            state.set_validators(doc.file_url, *got.validators)
            entry.file, entry.file_url, entry.file_sha256 = got.file, doc.file_url, got.sha256
            entry.text_file, entry.scanned, entry.cites = got.text_file, got.scanned, got.cites
        except _Problem as exc:
            problem = exc
    text = _valid_text(entry)
    target = docs_dir / f"{entry.slug}.md"
    register.create_entry(target, text.encode("utf-8"))
    entry.path = Path(register.DOCS_DIR) / target.name
    return entry, problem


def _refresh_entry(src: Source, doc: Listed, entry: register.Doc, fetcher: Fetcher, state,
                   docs_dir: Path, rep) -> str:
    """An entry the register has: its file re-mirrored when the harvest owns it and its bytes
    changed; nothing else is touched."""
    if not same_issuer(doc.issuer, entry.issuer):
        raise _Problem(f"{doc.url or src.url}: {doc.number} of '{doc.issuer}' is not stored: "
                       f"content/{entry.path.as_posix()} holds {doc.number} of '{entry.issuer}'")
    if entry.review == register.REVIEW_REJECTED:
        return "unchanged"                  # an editor refused it: never fetched again
    owns_file = not entry.file or bool(entry.file_sha256)
    if not doc.file_url or not owns_file or entry.path is None:
        return "unchanged"
    validators = state.validators(doc.file_url) if entry.file_url == doc.file_url and \
        entry.file else (None, None)
    got = _fetch_file(fetcher, src, doc, doc.number, docs_dir, validators)
    state.set_validators(doc.file_url, *got.validators)
    if got.not_modified or got.sha256 == entry.file_sha256:
        return "unchanged"
    if entry.file and entry.file != got.file and entry.file_sha256:
        (docs_dir / entry.file).unlink(missing_ok=True)    # the harvest's own older file
    update_keys(docs_dir / entry.path.name, {
        "file": got.file, "file_url": doc.file_url, "file_sha256": got.sha256,
        "text_file": got.text_file, "scanned": True if got.scanned else "",
        "cites": got.cites})
    return "updated"


# --- what the site shows ----------------------------------------------------------------------

def when(d: register.Doc, tz: tzinfo) -> datetime:
    """When a document appeared (first seen, else issued, else its year)."""
    if d.first_seen:
        return d.first_seen.astimezone(tz)
    if d.issued:
        return datetime.combine(d.issued, time(0), tz)
    return datetime(d.year or 2000, 1, 1, tzinfo=tz)


def newest(docs: Iterable[register.Doc], tz: tzinfo) -> list[register.Doc]:
    """Shown documents, the latest to appear first (first_seen, else issued)."""
    return sorted(register.visible(docs), key=lambda d: (when(d, tz), d.number), reverse=True)


def figures(docs: Iterable[register.Doc], tz: tzinfo) -> dict:
    """What the results pages count about the register (shown entries only):

    - ``issued_per_quarter``: {"2023-Q3": n} documents issued per quarter (by ``issued``);
    - ``appeared_per_quarter``: {"2024-Q1": n} harvested documents by quarter first seen;
    - ``lag_days``: [(number, days)] from signing (``issued``) to first seen on the site, for
      harvested documents with both dates (never negative);
    - ``lag_median`` / ``lag_max``: of those days (None when there are none).
    """
    issued: dict[str, int] = {}
    appeared: dict[str, int] = {}
    lags: list[tuple[str, int]] = []
    for d in register.visible(docs):
        if d.issued:
            q = f"{d.issued.year}-Q{(d.issued.month - 1) // 3 + 1}"
            issued[q] = issued.get(q, 0) + 1
        if d.first_seen:
            seen = d.first_seen.astimezone(tz).date()
            q = f"{seen.year}-Q{(seen.month - 1) // 3 + 1}"
            appeared[q] = appeared.get(q, 0) + 1
            if d.issued:
                lags.append((d.number, max(0, (seen - d.issued).days)))
    days = [n for _, n in lags]
    return {"issued_per_quarter": dict(sorted(issued.items())),
            "appeared_per_quarter": dict(sorted(appeared.items())),
            "lag_days": sorted(lags, key=lambda x: x[0]),
            "lag_median": statistics.median(days) if days else None,
            "lag_max": max(days) if days else None}


def file_name(doc: register.Doc) -> str:
    return PurePosixPath(doc.file).name if doc.file else ""
