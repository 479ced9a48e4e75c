"""Citations: the sentence that cites a document number, and what it says of the document (date,
issuer, title) to prefill a register entry. Pure functions, no I/O::

    find_citations(text) -> list[tuple[str, str]]     # (number, the sentence citing it)
    parse_citation(sentence, number) -> dict          # prefill for a register entry
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.core import docrefs
from pipeline.core.text import fold

# --- sentences --------------------------------------------------------------------------------

_NO_BREAK = re.compile(r"(?:^|[\s(])(?:TP|Tp|TS|ThS|PGS|GS|BS|KS|NXB|TX|Th|St|P|Q|K)\.$")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (clauses at ";") of ``text``: a break at a line end, at "; ", and
    at ". ! ? …" before a capital or a digit, not after an abbreviation such as "TP." or "PGS."."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(r"\n+|;\s+|[.!?…]+[\"”’)]*\s+", text):
        if m.group(0)[0] in ".!?…":
            nxt = text[m.end():m.end() + 2].lstrip("\"“(")
            if not (nxt[:1].isupper() or nxt[:1].isdigit()):
                continue
            if _NO_BREAK.search(text[max(0, m.start() - 6):m.start() + 1]):
                continue
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def find_citations(text: str) -> list[tuple[str, str]]:
    """``(number, sentence)`` for every sentence that cites a document, in text order: the
    sentences a new register entry is prefilled from (see :func:`parse_citation`)."""
    text = docrefs.prepare(text)
    spans = _sentences(text)
    out: list[tuple[str, str]] = []
    for r in docrefs.scan(text):
        for s, e in spans:
            if s <= r.start < e:
                pair = (r.number, text[s:e].strip())
                if pair not in out:
                    out.append(pair)
                break
    return out


_DATE_NUM = re.compile(r"(?<!\d)(\d{1,2})[ \t]*([/.-])[ \t]*(\d{1,2})[ \t]*\2[ \t]*((?:19|20)\d\d)(?!\d)")
_DATE_WORDS = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d\d)", re.IGNORECASE)
_ISSUER_HEAD = re.compile(
    r"(Thủ tướng Chính phủ|Chính phủ|Quốc hội|Ủy ban Thường vụ Quốc hội|Bộ Chính trị|Ban Bí thư|"
    r"Ban Chấp hành|Ban Thường vụ|Bộ |Ủy ban|Uỷ ban|UBND|HĐND|Hội đồng|Sở |Tỉnh ủy|Tỉnh uỷ|"
    r"Huyện ủy|Huyện uỷ|Thành ủy|Thành uỷ|Đảng ủy|Đảng uỷ|Ban |Văn phòng|Ngân hàng|Cục |Tổng cục)")
_TITLE_START = re.compile(r"(?<!\w)(về việc|phê duyệt|về|quy định|ban hành|hướng dẫn)(?!\w)",
                          re.IGNORECASE)
_ISSUER_STOP = re.compile(
    r"\s+(?=(?:về|phê duyệt|ban hành|quy định|hướng dẫn|đã|vừa|đặt|xác định|có hiệu lực)(?!\w))"
    r"|[,;.:()]")


def _first_date(s: str) -> tuple[str | None, int]:
    """ISO date of a leading "ngày 03/6/2020" / "ngày 3 tháng 6 năm 2020", and where it ends."""
    m = re.match(r"\s*,?\s*(?:ban hành\s+|ký\s+)?ngày\s+", s, re.IGNORECASE)
    if not m:
        return None, 0
    rest = s[m.end():]
    d = _DATE_NUM.match(rest)
    if d:
        day, month, year = int(d.group(1)), int(d.group(3)), int(d.group(4))
    else:
        d = _DATE_WORDS.match(rest)
        if not d:
            return None, 0
        day, month, year = int(d.group(1)), int(d.group(2)), int(d.group(3))
    try:
        return date(year, month, day).isoformat(), m.end() + d.end()
    except ValueError:
        return None, m.end() + d.end()


def _word_before(sentence: str, start: int) -> str | None:
    m = re.search(r"(" + "|".join(docrefs.TYPE_WORDS) + r")(?:\s+[^\s,;]{1,40}){0,6}?\s+(?:số\s*:?\s*)?$",
                  sentence[max(0, start - 80):start], re.IGNORECASE)
    if not m:
        return None
    word = m.group(1)
    return word[0].upper() + word[1:].lower()


def parse_citation(sentence: str, number: str) -> dict:
    """What a citing sentence tells about ``number``, for a new register entry.

    Returns ``{"number", "doc_type", "issuer", "issued", "title", "scope", "year"}``; ``issued``
    is an ISO date (from "ngày 03/6/2020" right after the number) or None, ``title`` the trích
    yếu after "về việc" / "phê duyệt" / "về" (capitalised) or None. Values the sentence does not
    give come from the number itself (:func:`doc_type_of`, :func:`issuer_of`).
    """
    sentence = docrefs.prepare(sentence)
    n = docrefs.normalize(number) or number
    out = {"number": n, "doc_type": docrefs.doc_type_of(n), "issuer": docrefs.issuer_of(n), "issued": None,
           "title": None, "scope": docrefs.scope_of(n), "year": docrefs.year_of(n)}
    refs = docrefs.scan(sentence)
    here = next((r for r in refs if r.number == n), None)
    if here is None:
        return out
    word = _word_before(sentence, here.start)
    if word and (out["doc_type"] in (None, "Luật", "Công văn") or not here.full):
        if word in ("Luật", "Nghị quyết") or out["doc_type"] is None:
            out["doc_type"] = word
    nxt = next((r.start for r in refs if r.start > here.start and r.number != n), len(sentence))
    tail = sentence[here.end:nxt]
    issued, used = _first_date(tail)
    out["issued"] = issued
    tail = tail[used:]
    m = re.match(r"\s*,?\s*của\s+", tail)
    if m:
        head = _ISSUER_HEAD.match(tail[m.end():])
        if head:
            rest = tail[m.end():]
            stop = _ISSUER_STOP.search(rest)
            issuer = rest[:stop.start() if stop else len(rest)].strip()
            if 2 < len(issuer) <= 90:
                out["issuer"] = issuer
                low = fold(issuer)
                if re.search(r"\b(huyen|xa|thi tran|phuong|huyen uy|dang uy)\b", low):
                    out["scope"] = "local"
            tail = rest[stop.start():] if stop else ""
    t = _TITLE_START.match(tail.lstrip(" ,:"))
    if t:
        out["title"] = _clip_title(tail.lstrip(" ,:"))
    elif out["doc_type"] == "Luật" and word == "Luật":
        name = re.search(r"(Luật(?:\s+(?!số\b)[^\s,;]+){1,12}?)\s+(?:số\s*:?\s*)?$",
                         sentence[max(0, here.start - 120):here.start])
        if name:
            out["title"] = name.group(1)
    return out


_TITLE_STOP = re.compile(r"[;]|\.(?:\s|$)|\s+\(\s*sau đây|\s+(?=(?:có hiệu lực|được ban hành|"
                         r"chính thức|đã|vừa|nhằm|để|cho hơn|tới|đến các|tại hội nghị)(?!\w))"
                         # a comma opening a time adverbial: ", những năm qua, …"
                         r"|,\s+(?=(?i:những năm qua|thời gian qua|thời gian tới|trong những năm|"
                         r"năm qua|vừa qua|đến nay|hiện nay|từ đầu năm|sau \d+ năm)(?!\w))")


def _clip_title(text: str) -> str | None:
    """The trích yếu: up to the end of the clause, or a comma opening a new clause (", Ủy ban …")."""
    stop = _TITLE_STOP.search(text)
    text = text[:stop.start()] if stop else text
    for m in re.finditer(r",\s+(\w)", text):
        if m.group(1).isupper():
            text = text[:m.start()]
            break
    text = text.strip(" ,.:\"“”")
    if len(text) <= 8:
        return None
    return (text[0].upper() + text[1:])[:300]

