"""The legal documents register: ``content/van-ban/<slug>.md`` and the links both ways between
the documents and the news that cites them. Its pages are the site's
(:mod:`pipeline.site.pages.register`).

Reading and checking one entry, and the :class:`Doc` it makes: :mod:`pipeline.store.entries`
(its names are this module's too).

Entry points::

    load_docs(content_dir) -> list[Doc]            # usable entries, newest first
    validate(docs_dir) -> list[str]                # one line per problem (cds check: errors)
    check_messages(docs, articles) -> list[str]    # notes: incomplete entries, unknown citations
    unknown_refs(docs, articles) -> list[UnknownRef]
    doc_link_map(docs) -> {number: "van-ban/<slug>/"}           # for article pages
    attachments(docs, content_dir) -> {site_src path: file}     # the entries' ``file:``
    doc_feed_targets(docs, articles) -> [DocFeed(feed_dir, title, articles)]
    doc_channels(docs) -> [{"path", "title", "description", "doc"}]  # the same, as channels
    docs_add(root, number, articles) -> Path                    # cds docs add NUMBER
    check_fields(number, fields) -> (Doc | None, [(key, why)])  # the desk's "add" form
    docs_create(root, doc) -> Path                              # exclusive create

Pure except :func:`load_docs`, :func:`validate` and :func:`docs_add` (they read, and the last
writes, files under ``content/van-ban/``). Imports the base modules and :mod:`pipeline.core.docrefs`
(pure functions: the number grammar).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pipeline.core import docrefs
from pipeline.core.citations import find_citations, parse_citation
from pipeline.core.errors import ConfigError
from pipeline.core.fileio import linked, write_new
from pipeline.core.models import Article
from pipeline.core.text import clean_line, nfc
from pipeline.store.entries import (
    ATTACHMENTS_DIR,
    DEFAULT_TZ,
    DOC_STATUSES,
    DOCS_DIR,
    EXAMPLES,
    FILTER_CSS,
    FILTER_JS,
    HARVEST_KEYS,
    KEYS,
    REGISTER_URL,
    RELATED_ON_UNKNOWN,
    REVIEW_PENDING,
    REVIEW_REJECTED,
    SCANNED_NOTE,
    SCOPES,
    TEXT_EXCERPT_CHARS,
    TEXT_PAGE_CHARS,
    UNKNOWN_URL,
    Doc,
    DocFeed,
    UnknownRef,
    load_docs,
    newest_first,
    parse_entry,
    scan_entries,
    slug_of,
    validate,
)

__all__ = [  # with the entries' names (pipeline.store.entries), as before the split
    "ATTACHMENTS_DIR", "DEFAULT_TZ", "DOCS_DIR", "DOC_STATUSES", "Doc", "DocFeed", "EXAMPLES",
    "EntryExists", "FILTER_CSS", "FILTER_JS", "HARVEST_KEYS", "KEYS", "REGISTER_URL",
    "RELATED_ON_UNKNOWN", "REVIEW_PENDING", "REVIEW_REJECTED", "SCANNED_NOTE", "SCOPES",
    "TEXT_EXCERPT_CHARS", "TEXT_PAGE_CHARS", "UNKNOWN_URL", "UnknownRef", "attachments",
    "check_fields", "check_messages", "citing", "doc_channels", "doc_feed_targets", "doc_link_map",
    "docs_add", "docs_create", "entry_text", "harvest_values", "load_docs", "newest_first",
    "parse_entry", "prefill", "slug_of", "unknown_refs", "validate", "visible",
]

# --- writing an entry -------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    breaks = ("\n", "\r", "\x85", "\u2028", "\u2029")
    style = '"' if any(b in data for b in breaks) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def yaml_line(key: str, value: Any) -> str:
    """One front-matter line of an entry as ``docs add`` and the document harvest write it."""
    if value is None or value == "" or value == []:
        return f"{key}:\n"
    if isinstance(value, date):
        return f"{key}: {value.isoformat()}\n"       # plain, as editors write it
    return yaml.dump({key: value}, Dumper=_Dumper, allow_unicode=True, width=1 << 30,
                     sort_keys=False, default_flow_style=False)


def _comment(text: str) -> str:
    """One safe YAML comment line: no character YAML could read as a line break."""
    text = "".join(c if c.isprintable() else " " for c in nfc(text))
    return "# " + " ".join(text.split())[:400] + "\n"


def entry_text(doc: Doc, comments: Sequence[str] = ()) -> str:
    """The file text of an entry: every key of :data:`KEYS` (empty ones as ``key:`` for the
    editor to fill; ``aliases`` only when set), optional comment lines, then the notes.
    :func:`parse_entry` reads it back to the same :class:`Doc` (path aside)."""
    values = {"number": doc.number, "doc_type": doc.doc_type, "issuer": doc.issuer,
              "issued": doc.issued, "title": doc.title, "scope": doc.scope,
              "effective": doc.effective, "status": doc.status, "signer": doc.signer,
              "url": doc.url, "file": doc.file, "aliases": list(doc.aliases)}
    head = "".join(yaml_line(k, v) for k, v in values.items() if k != "aliases" or v)
    head += "".join(yaml_line(k, v) for k, v in harvest_values(doc).items() if v)
    head += "".join(_comment(c) for c in comments)
    text = f"---\n{head}---\n"
    if doc.body:
        text += f"\n{doc.body}\n"
    return text


def harvest_values(doc: Doc) -> dict[str, Any]:
    """The :data:`HARVEST_KEYS` of ``doc`` as written in its entry (empty ones as "")."""
    return {"source": doc.source,
            "first_seen": doc.first_seen.isoformat() if doc.first_seen else "",
            "review": doc.review, "file_url": doc.file_url, "file_sha256": doc.file_sha256,
            "text_file": doc.text_file, "scanned": True if doc.scanned else "",
            "cites": list(doc.cites), "reject_reason": doc.reject_reason}


def visible(docs: Iterable[Doc]) -> list[Doc]:
    """The entries shown on the site: those not waiting for an editor (``review: pending``) and
    not rejected by one (``review: rejected``)."""
    return [d for d in docs if d.review not in (REVIEW_PENDING, REVIEW_REJECTED)]


# --- cross references -------------------------------------------------------------------------

def citing(docs: Sequence[Doc], articles: Iterable[Article]) -> dict[str, list[Article]]:
    """Number → the given articles citing it (register documents only), newest first."""
    known = {d.number for d in docs}
    out: dict[str, list[Article]] = defaultdict(list)
    for art in sorted(articles, key=lambda a: (a.published, a.id), reverse=True):
        for number in dict.fromkeys(art.doc_refs):
            if number in known:
                out[number].append(art)
    return out


def doc_link_map(docs: Iterable[Doc]) -> dict[str, str]:
    """Normalised number → the document's page (``van-ban/749-qd-ttg/``), for article pages."""
    return {d.number: d.url_path for d in docs}


def unknown_refs(docs: Iterable[Doc], articles: Iterable[Article]) -> list[UnknownRef]:
    """Numbers the given articles cite (``doc_refs``) that the register lacks: most cited first,
    then by number; rejected articles are ignored. Each lists its articles newest first."""
    known = {d.number for d in docs}
    found: dict[str, UnknownRef] = {}
    for art in sorted(articles, key=lambda a: (a.published, a.id), reverse=True):
        if art.status == "rejected":
            continue
        for number in dict.fromkeys(art.doc_refs):
            if number and number not in known:
                ref = found.setdefault(number, UnknownRef(number, 0))
                ref.count += 1
                ref.articles.append((art.id, art.title, art.path))
    return sorted(found.values(), key=lambda r: (-r.count, r.number))


def check_messages(docs: Iterable[Doc], articles: Iterable[Article]) -> list[str]:
    """Notes for ``cds check`` (not errors): entries with an empty title, issuer or issue date,
    entries whose file name is not their number's slug, and every number articles cite that the
    register lacks, with how many articles and which."""
    notes: list[str] = []
    docs = list(docs)
    for d in sorted(docs, key=lambda d: d.path.as_posix() if d.path else d.number):
        where = f"content/{d.path.as_posix()}" if d.path else d.number
        empty = [k for k in ("title", "issuer", "issued") if not getattr(d, k)]
        if empty:
            notes.append(f"{where}: {', '.join(empty)} empty: fill in from the document")
        if d.pending:
            notes.append(f"{where}: review: pending: harvested from {d.source or 'a source'}, "
                         "not on the site until an editor checks it and deletes that line")
        if d.path and d.path.stem != d.slug:
            notes.append(f"{where}: named differently from its number; its page is "
                         f"{d.url_path} (rename it {d.slug}.md to match)")
    for ref in unknown_refs(docs, articles):
        paths = [f"content/{p.as_posix()}" if p else aid for aid, _, p in ref.articles]
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        notes.append(f"{ref.number}: cited by {ref.count} article(s) but not in the register "
                     f"({shown}); add it with: cds docs add '{ref.number}'")
    return notes


def doc_feed_targets(docs: Iterable[Doc], articles: Iterable[Article]) -> list[DocFeed]:
    """One feed per document (every document, so the page's feed links always resolve): its
    directory, its title, and the published articles citing it, newest first."""
    docs = list(docs)
    by_number = citing(docs, (a for a in articles if a.status == "published"))
    return [DocFeed(d.url_path, d.label, by_number.get(d.number, [])) for d in docs]


def doc_channels(docs: Iterable[Doc]) -> list[dict[str, str]]:
    """The documents' feeds as publish-manifest channels (``{"path", "title", "description",
    "doc"}``), for a feeds writer whose channels can select the articles citing ``doc``."""
    return [{"path": d.url_path, "title": d.label, "description": d.title,
             "doc": d.number} for d in docs]


def attachments(docs: Iterable[Doc], content_dir: Path | str) -> dict[str, Path]:
    """site_src path (``van-ban/tep/x.pdf``) → the entry's file on disk, for every entry with a
    ``file`` that exists and is not a symbolic link (none is followed in content/): publish
    copies them so the pages' download links resolve."""
    base = Path(content_dir) / DOCS_DIR
    return {f"{DOCS_DIR}/{d.file}": base / d.file for d in docs
            if d.file and not linked(base / d.file, content_dir) and (base / d.file).is_file()}


# --- cds docs add -----------------------------------------------------------------------------

def _pick(values: Sequence[Any], default: Any) -> Any:
    """The value most sentences give (first seen wins a tie), else ``default``."""
    specific = [v for v in values if v and v != default]
    if not specific:
        return default
    counts = Counter(specific)
    best = max(counts.values())
    return next(v for v in specific if counts[v] == best)


def prefill(number: str, articles: Iterable[Article]) -> dict[str, Any]:
    """What the number and the sentences citing it tell about a document: ``doc_type``,
    ``issuer``, ``issued`` (a date or None), ``title`` (or ""), ``scope``, and ``citations``
    (``(article path or id, sentence)``, oldest article first). ``number`` must be normalised."""
    found: list[dict] = []
    citations: list[tuple[str, str]] = []
    for art in sorted(articles, key=lambda a: (a.published, a.id)):
        if number not in art.doc_refs or art.status == "rejected":
            continue
        where = f"content/{art.path.as_posix()}" if art.path else art.id
        for text in (art.title, art.body):
            for n, sentence in find_citations(text or ""):
                if n == number:
                    citations.append((where, sentence))
                    found.append(parse_citation(sentence, number))
    year = docrefs.year_of(number)
    dates = []
    for f in found:
        try:
            d = date.fromisoformat(f["issued"]) if f.get("issued") else None
        except ValueError:
            d = None
        if d and (year is None or d.year == year):
            dates.append(d)
    return {
        "doc_type": _pick([f.get("doc_type") for f in found], docrefs.doc_type_of(number) or ""),
        "issuer": _pick([f.get("issuer") for f in found], docrefs.issuer_of(number) or ""),
        "issued": _pick(dates, None),
        "title": _pick([clean_line(f.get("title") or "") for f in found], ""),
        "scope": _pick([f.get("scope") for f in found], docrefs.scope_of(number) or ""),
        "citations": citations,
    }


def docs_add(root: Path | str, number: str, articles: Iterable[Article]) -> Path:
    """``cds docs add NUMBER``: write ``content/van-ban/<slug>.md`` prefilled from the number and
    the sentences citing it (:func:`prefill`); fields neither gives are left empty for the editor,
    and the citing sentences are added as comment lines to check against. Returns the new file.

    Raises :class:`ConfigError` (exit 2) when the number is not a document number or when the
    register already has it. The entry written always passes :func:`validate`.
    """
    content_dir = Path(root) / "content"
    normalised = docrefs.normalize(number or "")
    if normalised is None:
        raise ConfigError(f"'{number}': not a document number (expected a form such as "
                          f"{EXAMPLES})")
    docs_dir = content_dir / DOCS_DIR
    slug = slug_of(normalised)
    target = docs_dir / f"{slug}.md"
    for d in scan_entries(docs_dir)[0]:
        if d.number == normalised:
            raise ConfigError(f"content/{d.path.as_posix()}: {normalised} is already in the "
                              "register; edit that file")
    if target.exists():
        raise ConfigError(f"content/{DOCS_DIR}/{slug}.md: already exists; edit it or fix it "
                          "(see cds check)")
    info = prefill(normalised, articles)
    doc = Doc(number=normalised, doc_type=info["doc_type"], issuer=info["issuer"],
              issued=info["issued"], title=info["title"], scope=info["scope"], slug=slug)
    cites = info["citations"]
    comments = ["Tạo bởi `cds docs add` từ số hiệu"
                + (f" và {len(cites)} câu trích dẫn trong tin bài" if cites else "")
                + ". Hãy đối chiếu với văn bản gốc, điền các trường còn trống",
                "(trích yếu, ngày ban hành, người ký, đường dẫn…), rồi xóa các dòng chú thích này."]
    if cites:
        comments.append("Câu trích dẫn:")
        comments += [f"- {where}: «{sentence}»" for where, sentence in cites[:8]]
    text = entry_text(doc, comments)
    if parse_entry(text)[1]:            # never write an entry that does not validate
        doc = Doc(number=normalised, doc_type=docrefs.doc_type_of(normalised) or "",
                  issuer=docrefs.issuer_of(normalised) or "",
                  scope=docrefs.scope_of(normalised) or "", slug=slug)
        text = entry_text(doc, comments)
    create_entry(target, text.encode("utf-8"))
    return target


class EntryExists(ConfigError):
    """The register already has the number (or its file): ``path`` relative to the root."""

    def __init__(self, message: str, path: str):
        super().__init__(message)
        self.path = path


def check_fields(number: str, fields: Mapping[str, str]) -> tuple[Doc | None, list[tuple[str,
                                                                                      str]]]:
    """A new entry for ``number`` with ``fields`` as an editor typed them (text for keys of
    :data:`KEYS` but ``aliases``; others ignored), checked exactly as ``cds check`` checks a file
    (:func:`parse_entry`): the Doc, None when there is any problem, and the problems as
    ``(key, why)``."""
    values = {"number": nfc(number or "").strip()}
    values |= {k: nfc(str(fields.get(k) or "")).strip() for k in KEYS
               if k not in ("number", "aliases")}
    head = "".join(yaml_line(k, v) for k, v in values.items())
    doc, found = parse_entry(f"---\n{head}---\n", "-")
    problems = [tuple(p[3:].split(": ", 1)) for p in found]
    problems = [(p[0], p[1] if len(p) > 1 else "") for p in problems]
    if doc is not None:
        doc.slug = slug_of(doc.number)
    return (None if problems else doc), problems


def docs_create(root: Path | str, doc: Doc, comments: Sequence[str] = ()) -> Path:
    """Write ``doc`` as the new entry ``content/van-ban/<slug>.md`` (exclusive: never replaces
    a file). Raises :class:`EntryExists` when the register has the number or the file exists."""
    docs_dir = Path(root) / "content" / DOCS_DIR
    slug = slug_of(doc.number)
    for d in scan_entries(docs_dir)[0]:
        if d.number == doc.number:
            raise EntryExists(f"content/{d.path.as_posix()}: {doc.number} is already in the "
                              "register; edit that file", f"content/{d.path.as_posix()}")
    target = docs_dir / f"{slug}.md"
    rel = f"content/{DOCS_DIR}/{slug}.md"
    if target.exists():
        raise EntryExists(f"{rel}: already exists; edit it or fix it (see cds check)", rel)
    try:
        create_entry(target, entry_text(doc, comments).encode("utf-8"))
    except ConfigError as err:
        raise EntryExists(str(err), rel) from None
    return target


def create_entry(target: Path, data: bytes) -> None:
    """Write a new file atomically; never replace an existing one."""
    try:
        write_new(target, data)
    except FileExistsError:
        raise ConfigError(f"content/{DOCS_DIR}/{target.name}: already exists") from None

