"""The dates a sentence gives an event ("Chủ nhật 6/4", "sáng 15/3", "ngày 18/11/2025", "ngày
10 tháng 10"), read against the article's own date: an event dated after the article was
published is announced, one on or before it can be reported (issue 20, round 10).

Only dates introduced as the time of something are read — after "ngày", "hôm", "sáng",
"chiều", "tối", "trưa", "đêm", "vào", "từ", a weekday — never a bare fraction ("9/10 xã", "1/2
số hộ"), the name of the national day ("Ngày Chuyển đổi số quốc gia 10/10"), a document's date
("Kế hoạch số 12/KH-UBND ngày 3/3/2025") or a document number ("96/KH-UBND"). Without a year
the year is the one that puts the date nearest the article's date (so "4/1" in an article of
29 December is next January, "28/12" in one of 5 January last December); a weekday written
with the date ("thứ Sáu (10/10)") picks, among the near years, one where the date falls on it.
Text is read folded (no marks, lower case), so NFD text and text typed without marks read the
same."""

from __future__ import annotations

import datetime as dt
import re

from pipeline.core.text import fold

# weekday words after "thu" (Monday = 0) and "chu nhat" / "cn" (Sunday = 6)
_WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3, "sau": 4,
             "6": 4, "bay": 5, "7": 5}
_WEEKDAY = r"(?:(?P<cn>chu nhat|cn)|thu (?P<wd>hai|ba|tu|nam|sau|bay|[2-7]))"
_LEAD = (r"(?<![a-z0-9])(?:ngay|hom|sang|chieu|toi|trua|dem|vao|tu|den|nay|" + _WEEKDAY + r")")
# "ngày 6/4", "Chủ nhật (6/4)", "thứ Sáu, 10/10/2025"; day and month of one or two digits,
# an optional year of four (or two) digits; not part of a longer number or a document number
_NUMERIC = re.compile(_LEAD + r"\s*[(,\-–]?\s*(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})"
                      r"(?:\s*/\s*(?P<y>\d{4}|\d{2}))?(?![\d/]|\s*/\s*\d|[.,]\d|\s*%)")
_WORDED = re.compile(r"(?<![a-z0-9])(?:" + _WEEKDAY + r"\s*[(,]?\s*)?ngay (?P<d>\d{1,2}) thang (?P<m>\d{1,2})"
                     r"(?: nam (?P<y>\d{4}))?(?!\d)")
# a document's number just before: "12/KH-UBND ngày …", "02-NQ/TU ngày …"
_DOC_BEFORE = re.compile(r"\d+[a-z]?\s*/\s*[a-z0-9]+(?:-[a-z0-9]+)*\s*"
                         r"(?:cua [^,;.]{0,60}?)?(?:ban hanh |ky )?$")
_NATIONAL_DAY = re.compile(r"(?:quoc gia|viet nam)\s*[(,\-–]?\s*$")


def as_date(value: object) -> dt.date | None:
    """A ``date``, a ``datetime`` (its own calendar day) or an ISO string as a date; None when
    there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _weekday(m: re.Match[str]) -> int | None:
    if m.group("cn"):
        return 6
    wd = m.group("wd")
    return _WEEKDAYS[wd] if wd else None


def _resolve(day: int, month: int, year: int | None, weekday: int | None,
             published: dt.date) -> dt.date | None:
    if year is not None:
        if year < 100:
            year += 2000
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    near: list[dt.date] = []
    for y in (published.year - 1, published.year, published.year + 1):
        try:
            near.append(dt.date(y, month, day))
        except ValueError:
            continue
    if not near:
        return None
    if weekday is not None:
        on_it = [d for d in near if d.weekday() == weekday and abs((d - published).days) <= 200]
        if on_it:
            near = on_it
    return min(near, key=lambda d: abs((d - published).days))


def event_dates(sentence: str, published: dt.date) -> list[tuple[dt.date, str]]:
    """``(date, text as written)`` of each event date in ``sentence``, in order."""
    key = fold(sentence)
    out: list[tuple[int, dt.date, str]] = []
    for pattern in (_NUMERIC, _WORDED):
        for m in pattern.finditer(key):
            before = key[max(0, m.start() - 80):m.start()]
            if _DOC_BEFORE.search(before) or _NATIONAL_DAY.search(
                    before + key[m.start():m.start("d")]):
                continue
            year = m.group("y")
            when = _resolve(int(m.group("d")), int(m.group("m")), int(year) if year else None,
                            _weekday(m), published)
            if when is not None:
                out.append((m.start(), when, " ".join(key[m.start():m.end()].split())))
    return [(when, text) for _, when, text in sorted(out, key=lambda x: x[0])]


def first_event_date(sentence: str, published: dt.date) -> tuple[dt.date, str] | None:
    """The first event date of ``sentence`` (an event's start: "từ 10/10 đến 12/10"), if any."""
    found = event_dates(sentence, published)
    return found[0] if found else None
