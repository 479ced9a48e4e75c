"""A document portal's listing (``kind: documents``): rows read by the source's CSS selectors
into :class:`Listed` documents (number, date, issuer, type, summary, links), the detail page's
fields where they live there, and the next listing page."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from pipeline.core import docrefs
from pipeline.core.models import Fetched, Source
from pipeline.core.text import clean_line
from pipeline.harvest.decode import decode

__all__ = ["SEEN_PREFIX", "Listed", "parse_date", "read_detail", "read_rows"]

SEEN_PREFIX = "doc:"            # state.seen keys of document rows

_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d\d)(?!\d)")
_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})(?!\d)")


@dataclass
class Listed:
    """One document as a portal lists it (row, and detail page where the fields live there)."""
    raw_number: str
    number: str | None              # normalised (docrefs), None when not a document number
    issued: date | None = None
    issuer: str = ""
    doc_type: str = ""
    title: str = ""                 # trích yếu
    url: str = ""                   # the detail page (or the listing page)
    file_url: str = ""
    key: str = ""                   # state.seen key
    fingerprint: str = ""


def parse_date(text: str) -> date | None:
    """``17/07/2023``, ``17-7-2023``, ``17.7.2023`` or ``2023-07-17`` in ``text``, else None."""
    m = _DATE.search(text or "")
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO.search(text or "")
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def _text_of(scope: Tag, selector: str | None) -> str:
    if not selector:
        return ""
    el = scope.select_one(selector)
    return clean_line(el.get_text(" ", strip=True)) if el is not None else ""


def _href_of(scope: Tag, selector: str | None, base: str) -> str:
    if not selector:
        return ""
    el = scope.select_one(selector)
    if el is None:
        return ""
    if el.name != "a" or not el.get("href"):
        el = el.find("a", href=True) or el
    href = str(el.get("href") or "").strip()
    if not href or href.startswith("#"):
        return ""
    full = urljoin(base, href).split("#", 1)[0]
    return full if urlsplit(full).scheme in ("http", "https") else ""


def _strip_label(text: str) -> str:
    """``Số ký hiệu: 96/KH-UBND`` → ``96/KH-UBND``: a label before a colon is not the value
    (the reader of numbers keeps a leading "Số:" itself)."""
    m = re.match(r"^([^:\d]{2,40}):\s*(.+)$", text)
    if m and not re.fullmatch(r"(?i)s[ốo]", m.group(1).strip()):
        return m.group(2)
    return text


def _fields(scope: Tag, fields, base: str, into: Listed) -> None:
    """Fill ``into`` from the ``fields`` selectors found in ``scope`` (values found win)."""
    raw = _strip_label(_text_of(scope, fields.number))
    if raw:
        into.raw_number = raw
        into.number = docrefs.normalize(raw)
    when = parse_date(_text_of(scope, fields.date))
    if when:
        into.issued = when
    for attr, sel in (("issuer", fields.issuer), ("doc_type", fields.type),
                      ("title", fields.summary)):
        value = _strip_label(_text_of(scope, sel)) if attr != "title" else _text_of(scope, sel)
        if value:
            setattr(into, attr, value)
    href = _href_of(scope, fields.file, base)
    if href:
        into.file_url = href


def _soup(fetched: Fetched) -> tuple[BeautifulSoup, str]:
    soup = BeautifulSoup(decode(fetched.body, fetched.content_type), "lxml")
    base = fetched.final_url or fetched.url
    tag = soup.find("base", href=True)
    if tag is not None:
        base = urljoin(base, str(tag["href"]))
    return soup, base


def read_rows(fetched: Fetched, src: Source) -> tuple[list[Listed], str | None]:
    """The documents one listing page lists, and the next page's address (or None)."""
    sel = src.documents
    soup, base = _soup(fetched)
    out: list[Listed] = []
    for row in soup.select(sel.row):
        doc = Listed(raw_number="", number=None)
        _fields(row, sel.fields, base, doc)
        doc.url = _href_of(row, sel.link, base)
        text = clean_line(row.get_text(" ", strip=True))
        if not text:
            continue
        # The fingerprint is of the fields read, not of the row's text: a running number
        # (STT) that shifts when a document is added above does not make every row new. The
        # same document listed twice gives the same key, whatever its position.
        doc.fingerprint = hashlib.sha256("\n".join(
            [doc.raw_number, doc.issued.isoformat() if doc.issued else "", doc.issuer,
             doc.doc_type, doc.title, doc.url, doc.file_url]).encode()).hexdigest()[:16]
        doc.key = f"{SEEN_PREFIX}{doc.url or fetched.url}#{doc.fingerprint}"
        out.append(doc)
    nxt = _href_of(soup, sel.next, base) if sel.next else ""
    return out, nxt or None


def read_detail(fetched: Fetched, src: Source, doc: Listed) -> None:
    """The fields the detail page holds (``documents.detail``), over those of the row."""
    soup, base = _soup(fetched)
    _fields(soup, src.documents.detail, base, doc)
