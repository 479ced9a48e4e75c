"""A register document's file: what kind it is (by its first bytes), and its text, offline.

Pure functions over bytes; no network, no store. Used by :mod:`pipeline.harvest.docharvest`::

    kind_of(data) -> "pdf" | "doc" | "docx" | None     # magic bytes, never the name or header
    extract_text(data, kind) -> Extracted              # text (NFC), pages, problem

PDF text comes from pypdf (pure Python, pinned in pyproject.toml); DOCX text from the
``word/document.xml`` part of the zip (paragraphs); a legacy binary DOC has no text reader here
(its text is left empty, the file is still mirrored). A PDF made of scanned images has no text:
:attr:`Extracted.scanned` is True and the register page says so.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from pipeline.core.text import nfc

__all__ = ["EXTENSIONS", "MAX_FILE_BYTES", "MAX_PAGES", "MAX_TEXT_CHARS", "Extracted",
           "extract_text", "kind_of"]

MAX_FILE_BYTES = 20 * 1024 * 1024       # files larger than this are refused while streaming
MAX_PAGES = 300                         # pages of a PDF read for text
MAX_TEXT_CHARS = 200_000                # text kept for the page, search and citations
EXTENSIONS = {"pdf": ".pdf", "doc": ".doc", "docx": ".docx"}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"     # Compound File Binary: .doc (Word 97-2003)
_ZIP = b"PK\x03\x04"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BLANKS = re.compile(r"[ \t\u00a0]+")
_MANY_LINES = re.compile(r"\n{3,}")


@dataclass
class Extracted:
    text: str = ""
    pages: int = 0
    problem: str = ""               # why no text could be read (a damaged file), or ""

    @property
    def scanned(self) -> bool:
        """A PDF that opened fine but has no text: pictures of pages."""
        return not self.problem and self.pages > 0 and not self.text.strip()


def kind_of(data: bytes) -> str | None:
    """``pdf``, ``doc`` or ``docx`` from the first bytes of ``data``; None for anything else
    (an HTML error page served as .pdf, an image, an archive that is not a Word document)."""
    head = data[:1024]
    if head.lstrip(b"\x00\t\n\r\x0c ")[:5] == b"%PDF-":
        return "pdf"
    if head.startswith(_OLE):
        return "doc"
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return "docx" if "word/document.xml" in z.namelist() else None
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    return None


def _tidy(text: str) -> str:
    lines = [_BLANKS.sub(" ", line).strip() for line in nfc(text).splitlines()]
    out = _MANY_LINES.sub("\n\n", "\n".join(lines)).strip()
    return out[:MAX_TEXT_CHARS]


def _pdf_text(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)      # damaged files: our one line
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:  # noqa: BLE001 - any failure: the file stays without text
                return Extracted(problem="encrypted PDF")
        pages = reader.pages
        parts: list[str] = []
        size = 0
        count = len(pages)
        for i, page in enumerate(pages):
            if i >= MAX_PAGES or size > MAX_TEXT_CHARS:
                break
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
        return Extracted(text=_tidy("\n\n".join(parts)), pages=count)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, ZeroDivisionError) as exc:
        return Extracted(problem=f"PDF could not be read ({type(exc).__name__})")


def _docx_text(data: bytes) -> Extracted:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > 50 * 1024 * 1024:
                return Extracted(problem="DOCX text part too large")
            xml = z.read(info)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, etree.XMLSyntaxError) as exc:
        return Extracted(problem=f"DOCX could not be read ({type(exc).__name__})")
    paras = []
    for p in root.iter(f"{_W}p"):
        paras.append("".join(t.text or "" for t in p.iter(f"{_W}t")))
    return Extracted(text=_tidy("\n".join(paras)), pages=1)


def extract_text(data: bytes, kind: str | None) -> Extracted:
    """The text of a file of ``kind`` (see :func:`kind_of`), NFC, blank runs collapsed, at most
    :data:`MAX_TEXT_CHARS` characters. Never raises for a damaged file: ``problem`` says why."""
    if kind == "pdf":
        return _pdf_text(data)
    if kind == "docx":
        return _docx_text(data)
    return Extracted()
