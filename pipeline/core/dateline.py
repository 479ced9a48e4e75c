"""The dateline boilerplate news sources put in front of a summary, and how to take it off.

Shapes seen on Vietnamese sources (date and time in either order, with or without a weekday, a
time zone, "SA"/"CH" or AM/PM; an agency code in parentheses or in capitals; "-", "–", "—" or "|"
between the parts)::

    21/04/2024 07:30 CH | (TBTV) - Nội dung …
    (ĐN) – Nội dung …
    Thứ bảy, 7/3/2026, 00:05 (GMT+7) Nội dung …
    07-03-2026 - 00:01 AM | Nội dung …
    15:33, 17/08/2026 Nội dung …
    TBO - Nội dung …   VOV.VN – Nội dung …   THÁI BÌNH - Nội dung …

:func:`strip_dateline` removes such a prefix and nothing else: a sentence that merely starts with
a number or a date ("12 xã …", "17/08/2026, UBND tỉnh tổ chức …", "Ngày 21/4, …") is left alone.
A date alone (no time) is a dateline only when a dash or a pipe follows it; a date with a time
is one whatever follows. Pure: used at harvest (``jobs.to_article``) and when publishing
(``publish.summary_of``, the feeds), so articles stored before stay clean on the site without
rewriting their files.
"""

from __future__ import annotations

import re

_WEEKDAY = r"(?:(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|t[2-7]|cn)\s*,?\s*)"
_DATE = r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?!\d)|\d{4}-\d{1,2}-\d{1,2}(?!\d))"
_TIME = (r"(?:\d{1,2}\s*(?::|h|giờ)\s*\d{2}(?::\d{2})?(?!\d)"
         r"(?:\s*(?:SA|CH|AM|PM|sa|ch|am|pm)\b)?)")
_TZ = r"(?:\s*\(?\s*(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?\s*\)?)"
_JOIN = r"(?:\s*[,|–—]\s*|\s+-\s+|\s+)"
_DATETIME = re.compile(
    rf"{_WEEKDAY}?(?:(?P<d1>{_DATE})(?:{_JOIN}(?P<t1>{_TIME}))?|(?P<t2>{_TIME})"
    rf"(?:{_JOIN}(?:{_WEEKDAY})?(?P<d2>{_DATE}))?){_TZ}?", re.IGNORECASE)
# A separator after a part: a pipe, an en or em dash, or a hyphen followed by a space (so that
# "COVID-19" or "3-5" are no separators); a comma only after a full date and time.
_SEP = re.compile(r"\s*(?:[|–—]|-(?=\s))\s*")
_COMMA = re.compile(r"\s*,\s*")
_PAREN = re.compile(r"\(\s*([^()\n]{1,40}?)\s*\)")
_CAPS = re.compile(r"((?:[^\s()|,.:;!?–—-][^\s()|,:;!?–—-]*\s+){0,2}[^\s()|,.:;!?–—-][^\s()|,:;!?–—-]*)")


def _looks_like_code(text: str) -> bool:
    """An agency code or a place in capitals: TBTV, ĐN, VOV.VN, THÁI BÌNH, Chinhphu.vn."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return text.upper() == text or text.lower().endswith((".vn", ".com", ".net"))


def _strip_once(text: str) -> str | None:
    """``text`` without one leading part (a date/time or an agency code), or None."""
    m = _DATETIME.match(text)
    if m:
        full = bool((m.group("d1") and m.group("t1")) or (m.group("t2") and m.group("d2")))
        rest = text[m.end():]
        sep = _SEP.match(rest)
        if sep:
            return rest[sep.end():]
        if full:
            comma = _COMMA.match(rest)
            if comma:
                return rest[comma.end():]
            if rest[:1].isspace() or rest[:1] == "(":
                return rest.lstrip()
        after = _strip_agency(rest.lstrip()) if rest[:1].isspace() else None
        if after is not None:                       # "21/04/2024 (TBTV) - …"
            return after
        return None
    return _strip_agency(text)


def _strip_agency(text: str) -> str | None:
    m = _PAREN.match(text)
    if m:
        rest = text[m.end():]
        sep = _SEP.match(rest)
        if sep:
            return rest[sep.end():]
        if _looks_like_code(m.group(1)) and " " not in m.group(1) and rest[:1].isspace():
            return rest.lstrip()
        return None
    m = _CAPS.match(text)
    if m and _looks_like_code(m.group(1)) and not m.group(1)[0].isdigit():
        sep = _SEP.match(text, m.end())
        if sep and sep.group(0).strip():
            return text[sep.end():]
    return None


def strip_dateline(text: str) -> str:
    """``text`` without its leading dateline and agency code (see the module's docstring);
    ``text`` itself when it has none, or when nothing would be left."""
    if not text:
        return text
    current = text.lstrip()
    stripped = False
    for _ in range(4):
        after = _strip_once(current)
        if after is None:
            break
        current, stripped = after.lstrip(), True
    if not stripped or not current.strip():
        return text
    return current
