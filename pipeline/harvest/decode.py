"""Fetched bytes → NFC text: valid UTF-8 wins, then the declared charsets (HTTP header, BOM,
XML prolog, ``<meta>``), then detection; windows-1258 handled."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from pipeline.core.text import nfc

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:\-]+)", re.I)
_XML_PROLOG_ENC = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([\w.:\-]+)[\"']", re.I)
_META_CHARSET = re.compile(
    rb"<meta\b[^>]{0,300}?charset\s*=\s*[\"']?\s*([\w.:\-]+)", re.I)
# Labels that servers send by default whatever the page is (WHATWG: latin-1 is windows-1252).
_WEAK_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii",
                "windows-1252", "cp1252"}
_LABEL_ALIASES = {
    "x-windows-1258": "cp1258", "windows-1258": "cp1258", "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "l1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "x-user-defined": "cp1252", "unicode": "utf-8",
    "utf8": "utf-8", "tis-620": "cp874", "iso-8859-11": "cp874", "gb2312": "gb18030",
    "gbk": "gb18030", "x-sjis": "shift_jis", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
}


def _codec(label: str | bytes | None) -> str | None:
    """A Python codec name for a charset label, or None when it is unknown or unusable."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_LABEL_ALIASES.get(label, label)).name
    except LookupError:
        return None
    # A page that says UTF-16/32 in its own (ASCII) text is not UTF-16/32 (WHATWG).
    if name.startswith(("utf-16", "utf-32")):
        return None
    return name


def _declared_in_bytes(body: bytes) -> str | None:
    head = body[:4096]
    m = _XML_PROLOG_ENC.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore") if m else None


def decode(body: bytes, content_type: str = "") -> str:
    """Text of fetched bytes, NFC.

    A byte-order mark decides; else bytes that are valid UTF-8 are UTF-8 whatever anyone says;
    else the HTTP header's charset (unless it is a server default such as ISO-8859-1 and the
    page declares another), the page's ``<meta charset>`` or XML prolog, then detection
    (charset-normalizer). windows-1258's decomposed tone marks are composed (NFC).
    """
    if not body:
        return ""
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return nfc(body.decode(enc, "replace").lstrip("\ufeff"))
    try:
        return nfc(body.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    header = _HEADER_CHARSET.search(content_type or "")
    header_label = header.group(1).lower() if header else None
    page_label = _declared_in_bytes(body)
    order: list[str | None] = []
    if header_label and header_label in _WEAK_LABELS and page_label:
        order = [page_label, header_label]
    else:
        order = [header_label, page_label]
    for label in order:
        enc = _codec(label)
        if enc and enc != "utf-8":
            try:
                return nfc(body.decode(enc))
            except (UnicodeDecodeError, LookupError):
                continue
    best = None
    # Vietnamese and Western legacy pages first: on short texts an open detection often
    # mistakes them for a CJK encoding.
    for isolation in (["cp1258", "cp1252"], None):
        try:
            best = charset_normalizer.from_bytes(body[:200_000], cp_isolation=isolation).best()
        except Exception:  # noqa: BLE001 - detection is best effort on hostile bytes
            best = None
        if best is not None:
            break
    if best is not None and best.encoding:
        try:
            return nfc(body.decode(best.encoding, "replace"))
        except LookupError:
            pass
    return nfc(body.decode("cp1252" if _codec(header_label) == "cp1252" else "utf-8", "replace"))
