"""Vietnamese date strings → timezone-aware datetimes.

Real sources print dates in many shapes::

    Thứ 4, 09/06/2021 | 18:37:56          Thứ 5, 15.06.2017 | 11:22:40
    08/08/2022 10:11 SA                   Cập nhật: 07:34, 23/04/2022 (GMT+7)
    Chủ nhật, 17/11/2024, 09:38[GMT+7]    ngày 03 tháng 6 năm 2020
    18h37 ngày 9/6/2021                   2021-06-09T18:37:56+07:00
    Wed, 09 Jun 2021 18:37:56 +0700       June 9, 2021 6:37 PM

Dates are day-first (``dd/mm/yyyy``) unless the year comes first. SA/CH (sáng/chiều) are AM/PM.
A time without an offset is in the site's timezone ``tz``. Every result is aware and expressed
in ``tz``.

Pages also print *today's* date (a header clock, or a dateline such as "Thái Bình, ngày 24
tháng 4 năm 2025"); :func:`is_today_line` recognises the shapes that can be told from the text
alone, and :func:`find_date` skips them (and, given ``now``, any date on today's calendar day).

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

from pipeline.core.text import fold, nfc

MIN_YEAR = 1990
MAX_YEAR = 2100

# --- patterns (all applied to folded text: lower case, no diacritics, đ → d) ------------------

_ISO = re.compile(
    r"(?<![\d/.])(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[t ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(z|[+-]\d{2}(?::?\d{2})?)?)?(?![\d])"
)
# ISO 8601 basic format (20240316T080000+0700), which some CMSes put in <meta name="pubdate">.
_ISO_BASIC = re.compile(
    r"(?<!\d)(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})?(?:[.,]\d+)?\s*(z|[+-]\d{2}:?\d{2})?(?!\d)")
_YMD = re.compile(r"(?<![\d.,/:-])(\d{4})\s*([/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?![\d])")
_DMY = re.compile(
    r"(?<![\d.,/:-])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2}(?![\d.]))(?![\d])"
)
_LONG_VI = re.compile(
    r"(?<!\d)(?:ngay\s+)?(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam|,|/)\s*(\d{4})(?!\d)"
)
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY_MON = re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r",?\s+(\d{4})(?!\d)")
_MON_DAY = re.compile(r"(?<![a-z])" + _MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
_RFC822 = re.compile(r"^\s*(?:[a-z]{3},?\s+)?\d{1,2}\s+[a-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")

_TIME = re.compile(
    r"(?<![\d:.,/])([01]?\d|2[0-3])\s*(?::|h|g|gio)\s*([0-5]\d)"
    r"(?:\s*(?::|phut\s*)\s*([0-5]\d)(?:[.,]\d+)?(?:\s*giay)?)?(?:\s*phut)?(?![\d])"
    r"(?:\s*(sa|ch|am|pm|a\.m\.|p\.m\.|sang|chieu|toi|trua|dem)(?![a-z]))?"
)
_OFFSET = re.compile(
    r"(?:(?<![a-z])(?:gmt|utc)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?(?![a-z])"
    r"|(?<![\d])([+-])(\d{2}):?(\d{2})(?!\d)"
    r"|(?<=\d)(z)(?![a-z])"
    r"|(?<![a-z])(ict|est|edt|cst|cdt|mst|mdt|pst|pdt)(?![a-z]))"
)
_NAMED_OFFSETS = {"ict": 7, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6,
                  "pst": -8, "pdt": -7}
_PM = {"ch", "pm", "p.m.", "chieu", "toi"}
_AM = {"sa", "am", "a.m.", "sang", "dem"}

# Weekday names, folded: Monday = 0.
_WEEKDAY = re.compile(
    r"(?<![a-z])(?:(thu)\s*(hai|ba|tu|nam|sau|bay|2|3|4|5|6|7)|(chu\s*nhat|cn))(?![a-z0-9])"
)
_WEEKDAY_INDEX = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3,
                  "sau": 4, "6": 4, "bay": 5, "7": 5}

# "Thái Bình, ngày 24 tháng 4 năm 2025": an administrative dateline, i.e. a page header that
# prints today's date. The place part must be words, not a weekday.
_DATELINE = re.compile(
    r"^\W*([a-z][a-z .'-]{1,40}?)\s*,\s*ngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4}\W*$"
)
_TODAY_WORDS = re.compile(r"^\W*(hom nay|today|bay gio|ngay hien tai|current date)\b")


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    year: int
    month: int
    day: int
    alt: tuple[int, int, int] | None = None       # month/day swapped reading, if plausible
    time: tuple[int, int, int] | None = None      # from an ISO timestamp
    offset: timezone | None = None                 # from an ISO timestamp
    iso: bool = False


def _prep(text: str) -> str:
    """Folded, one-spaced text; HTML spaces and odd dashes made plain."""
    text = nfc(text).replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    return fold(text)


def _year(y: str) -> int:
    n = int(y)
    if len(y) == 2:
        n += 2000 if n < 70 else 1900
    return n


def _date_matches(s: str) -> Iterator[_Found]:
    """Every date-looking span in folded text ``s``, in order of position."""
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for m in _ISO.finditer(s):
        t = None
        off = None
        if m.group(4):
            t = (int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
            off = _offset_from_iso(m.group(7))
        found.append(_Found(m.start(), m.end(), int(m.group(1)), int(m.group(2)),
                            int(m.group(3)), time=t, offset=off, iso=True))
        taken.append(m.span())
    for m in _ISO_BASIC.finditer(s):
        if free(*m.span()):
            t = (int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
            found.append(_Found(m.start(), m.end(), int(m.group(1)), int(m.group(2)),
                                int(m.group(3)), time=t, offset=_offset_from_iso(m.group(7)),
                                iso=True))
            taken.append(m.span())
    for m in _YMD.finditer(s):
        if free(*m.span()):
            found.append(_Found(m.start(), m.end(), int(m.group(1)), int(m.group(3)),
                                int(m.group(4))))
            taken.append(m.span())
    for m in _LONG_VI.finditer(s):
        if free(*m.span()):
            found.append(_Found(m.start(), m.end(), int(m.group(3)), int(m.group(2)),
                                int(m.group(1))))
            taken.append(m.span())
    for m in _DMY.finditer(s):
        if free(*m.span()):
            d, mo, y = int(m.group(1)), int(m.group(3)), _year(m.group(4))
            alt = (y, d, mo) if d <= 12 and mo <= 12 and d != mo else None
            if mo > 12 and d <= 12:           # month-first (US) when day-first cannot be
                d, mo, alt = mo, d, None
            found.append(_Found(m.start(), m.end(), y, mo, d, alt=alt))
            taken.append(m.span())
    for m in _DAY_MON.finditer(s):
        if free(*m.span()):
            found.append(_Found(m.start(), m.end(), int(m.group(3)), _MONTHS[m.group(2)],
                                int(m.group(1))))
            taken.append(m.span())
    for m in _MON_DAY.finditer(s):
        if free(*m.span()):
            found.append(_Found(m.start(), m.end(), int(m.group(3)), _MONTHS[m.group(1)],
                                int(m.group(2))))
            taken.append(m.span())
    found.sort(key=lambda f: f.start)
    yield from found


def _offset_from_iso(raw: str | None) -> timezone | None:
    if not raw:
        return None
    if raw == "z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _find_offset(s: str) -> timezone | None:
    m = _OFFSET.search(s)
    if not m:
        return None
    try:
        if m.group(4):                                   # +0700 / -05:00
            sign = -1 if m.group(4) == "-" else 1
            h, mi = int(m.group(5)), int(m.group(6))
        elif m.group(7):                                 # Z
            return UTC
        elif m.group(8):                                 # ICT, EST …
            return timezone(timedelta(hours=_NAMED_OFFSETS[m.group(8)]))
        elif m.group(1):                                 # GMT+7 / UTC+07:00
            sign = -1 if m.group(1) == "-" else 1
            h, mi = int(m.group(2)), int(m.group(3) or 0)
        else:                                            # bare GMT / UTC
            return UTC
        if h > 14 or mi > 59:
            return None
        return timezone(sign * timedelta(hours=h, minutes=mi))
    except (ValueError, KeyError):
        return None


def _find_time(s: str) -> tuple[int, int, int] | None:
    m = _TIME.search(s)
    if not m:
        return None
    h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    mer = m.group(4)
    if mer in _PM and h < 12:
        h += 12
    elif mer in _AM and h == 12:
        h = 0
    return h, mi, sec


def _weekday(s: str) -> int | None:
    m = _WEEKDAY.search(s)
    if not m:
        return None
    if m.group(3):
        return 6
    return _WEEKDAY_INDEX.get(m.group(2))


def _build(f: _Found, context: str, tz: tzinfo, weekday: int | None) -> datetime | None:
    """The datetime for a found date; ``context`` is the text around it (for time and offset)."""
    ymd = (f.year, f.month, f.day)
    if f.alt and weekday is not None:
        try:
            if date(*ymd).weekday() != weekday and date(*f.alt).weekday() == weekday:
                ymd = f.alt
        except ValueError:
            pass
    y, mo, d = ymd
    if not (MIN_YEAR <= y <= MAX_YEAR):
        return None
    if f.iso:
        t = f.time or (0, 0, 0)
        off = f.offset
        if f.time is not None and off is None:
            off = _find_offset(context)
        if f.time is None:
            found = _find_time(context)
            if found:
                t = found
                off = _find_offset(context)
    else:
        t = _find_time(context) or (0, 0, 0)
        off = _find_offset(context)
    try:
        dt = datetime(y, mo, d, t[0], t[1], t[2], tzinfo=off or tz)
    except ValueError:
        if f.alt:
            try:
                dt = datetime(*f.alt, t[0], t[1], t[2], tzinfo=off or tz)
            except ValueError:
                return None
        else:
            return None
    return dt.astimezone(tz)


def _context(s: str, f: _Found, before: int, after: int) -> str:
    """Text around a found date with the date itself blanked out, nearest part first."""
    left = s[max(0, f.start - before):f.start]
    right = s[f.end:f.end + after]
    # Stop at a neighbouring date so its time is not borrowed.
    for m in (_DMY.search(right), _ISO.search(right), _YMD.search(right)):
        if m:
            right = right[:m.start()]
    for m in (_DMY, _ISO, _YMD):
        ends = [x.end() for x in m.finditer(left)]
        if ends:
            left = left[ends[-1]:]
    return right + " | " + left


_RELATIVE = re.compile(
    r"(\d{1,3})\s*(giay|phut|gio|tieng|ngay|tuan|seconds?|secs?|minutes?|mins?|hours?|days?|"
    r"weeks?)\s*(?:truoc|ago)\b")
_RELATIVE_UNITS = {"giay": 1, "sec": 1, "second": 1, "phut": 60, "min": 60, "minute": 60,
                   "gio": 3600, "tieng": 3600, "hour": 3600, "ngay": 86400, "day": 86400,
                   "tuan": 604800, "week": 604800}
_RELATIVE_DAY = re.compile(r"^\W*(hom nay|hom qua|today|yesterday)\b")


def _relative(s: str, tz: tzinfo, now: datetime) -> datetime | None:
    """ "2 giờ trước", "15 phút trước", "Hôm qua 10:20" (listing pages) against ``now``."""
    m = _RELATIVE.search(s)
    if m:
        unit = m.group(2)
        seconds = _RELATIVE_UNITS.get(unit) or _RELATIVE_UNITS.get(unit.rstrip("s"))
        if seconds:
            dt = now.astimezone(tz) - timedelta(seconds=int(m.group(1)) * seconds)
            return dt.replace(second=0, microsecond=0)
    m = _RELATIVE_DAY.match(s)
    if m and not _date_matches_any(s):
        day = now.astimezone(tz) - timedelta(days=1 if m.group(1) in ("hom qua", "yesterday")
                                             else 0)
        t = _find_time(s[m.end():]) or (0, 0, 0)
        return day.replace(hour=t[0], minute=t[1], second=t[2], microsecond=0)
    return None


def _date_matches_any(s: str) -> bool:
    return next(_date_matches(s), None) is not None


def parse_date(text: str, tz: tzinfo, *, now: datetime | None = None) -> datetime | None:
    """Read one date string (it may carry labels, a weekday, a time, an offset, noise).

    Returns an aware datetime in ``tz``, or None when the text holds no plausible date. With
    ``now``, relative dates are read too ("2 giờ trước", "Hôm qua 10:20").
    """
    if not text or not isinstance(text, str):
        return None
    text = text[:500]
    s = _prep(text)
    if now is not None:
        rel = _relative(s, tz, now)
        if rel is not None:
            return rel
    if _RFC822.match(s):
        try:
            dt = parsedate_to_datetime(text.strip())
        except (TypeError, ValueError, IndexError):
            dt = None
        if dt is not None and MIN_YEAR <= dt.year <= MAX_YEAR:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=tz)
            return dt.astimezone(tz)
    weekday = _weekday(s)
    for f in _date_matches(s):
        dt = _build(f, _context(s, f, 60, 60), tz, weekday)
        if dt is not None:
            return dt
    return None


def has_offset(text: str) -> bool:
    """Whether a date string states its UTC offset or zone (Z, +07:00, GMT+7, GMT, ICT …)."""
    if not text:
        return False
    s = _prep(text)
    return bool(_OFFSET.search(s))


def is_today_line(text: str) -> bool:
    """Whether a line is a page's "today" stamp rather than an article date.

    Recognised from the text alone: a dateline ("Thái Bình, ngày 24 tháng 4 năm 2025") and lines
    that say so ("Hôm nay: …"). A header clock ("Chủ nhật, 17/11/2024, 09:38") looks exactly like
    an article date; tell it apart by where it sits (extract does) or by passing ``now`` to
    :func:`find_date`.
    """
    if not text:
        return False
    s = _prep(text).strip()
    if len(s) > 120:
        return False
    if _TODAY_WORDS.match(s):
        return True
    m = _DATELINE.match(s)
    return bool(m and not _WEEKDAY.fullmatch(m.group(1).strip()))


def iter_dates(text: str, tz: tzinfo) -> Iterator[datetime]:
    """Every plausible date in a longer text, in order, skipping "today" lines."""
    if not text:
        return
    for line in text[:20000].splitlines():
        if not line.strip() or is_today_line(line):
            continue
        s = _prep(line)
        weekday = _weekday(s)
        for f in _date_matches(s):
            dt = _build(f, _context(s, f, 30, 40), tz, weekday)
            if dt is not None:
                yield dt


def find_date(text: str, tz: tzinfo, *, now: datetime | None = None) -> datetime | None:
    """The first plausible publication date in a longer text.

    Skips "today" lines (:func:`is_today_line`). With ``now``, also skips dates on ``now``'s
    calendar day (a header clock) and dates more than a day in the future.
    """
    for dt in iter_dates(text, tz):
        if now is not None and not plausible(dt, now, tz, allow_today=False):
            continue
        return dt
    return None


def plausible(dt: datetime, now: datetime, tz: tzinfo, *, allow_today: bool = True) -> bool:
    """A publication date is not in the future (a day's slack), not before 1990, and — unless
    ``allow_today`` — not on ``now``'s calendar day (then it is likely the page's clock)."""
    if dt.year < MIN_YEAR or dt > now + timedelta(days=1):
        return False
    if not allow_today and dt.astimezone(tz).date() == now.astimezone(tz).date():
        return False
    return True
