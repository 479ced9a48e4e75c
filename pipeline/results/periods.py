"""Reporting periods: a month ``2025-10``, a quarter ``2025-Q3``, a half-year ``2025-H1`` and a
year ``2025``. A period is a half-open range of dates ``[start, end)``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.core.errors import ConfigError

_FORMS = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date                   # exclusive
    key: str                    # 2025, 2025-H1, 2025-Q3, 2025-10
    kind: str                   # year | half | quarter | month

    @property
    def label(self) -> str:
        """Vietnamese name: "Tháng 10/2025", "Quý III/2025", "6 tháng đầu năm 2025", "Năm 2025"."""
        y = self.start.year
        if self.kind == "month":
            return f"Tháng {self.start.month}/{y}"
        if self.kind == "quarter":
            return f"Quý {ROMAN[(self.start.month - 1) // 3 + 1]}/{y}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.start.month == 1 else 'cuối'} năm {y}"
        return f"Năm {y}"

    @property
    def short(self) -> str:
        """Column heading: "T10", "Quý III", "6T đầu", "Cả năm"."""
        if self.kind == "month":
            return f"T{self.start.month}"
        if self.kind == "quarter":
            return f"Quý {ROMAN[(self.start.month - 1) // 3 + 1]}"
        if self.kind == "half":
            return "6T đầu" if self.start.month == 1 else "6T cuối"
        return "Cả năm"

    def contains(self, d: date) -> bool:
        return self.start <= d < self.end

    def months(self) -> list[Period]:
        out, d = [], self.start
        while d < self.end:
            out.append(month(d.year, d.month))
            d = out[-1].end
        return out


def _add_months(y: int, m: int, n: int) -> date:
    k = y * 12 + (m - 1) + n
    return date(k // 12, k % 12 + 1, 1)


def month(y: int, m: int) -> Period:
    return Period(date(y, m, 1), _add_months(y, m, 1), f"{y}-{m:02d}", "month")


def quarter(y: int, q: int) -> Period:
    return Period(date(y, 3 * q - 2, 1), _add_months(y, 3 * q - 2, 3), f"{y}-Q{q}", "quarter")


def half(y: int, h: int) -> Period:
    return Period(date(y, 6 * h - 5, 1), _add_months(y, 6 * h - 5, 6), f"{y}-H{h}", "half")


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y + 1, 1, 1), str(y), "year")


def parse(text: str) -> Period:
    """``2025``, ``2025-H1``, ``2025-Q3`` or ``2025-10``; ConfigError (exit 2) otherwise."""
    m = _FORMS.match((text or "").strip())
    if not m:
        raise ConfigError(f"--period {text!r}: expected YYYY, YYYY-H1/H2, YYYY-Q1..Q4 or YYYY-MM")
    y = int(m.group(1))
    if m.group(2):
        mm = int(m.group(2))
        if not 1 <= mm <= 12:
            raise ConfigError(f"--period {text!r}: month {mm} does not exist")
        return month(y, mm)
    if m.group(3):
        return quarter(y, int(m.group(3)))
    if m.group(4):
        return half(y, int(m.group(4)))
    return year(y)


def year_periods(y: int) -> list[Period]:
    """The periods the site shows for a year: 12 months, 4 quarters, 2 halves, the year."""
    return ([month(y, m) for m in range(1, 13)] + [quarter(y, q) for q in range(1, 5)]
            + [half(y, h) for h in (1, 2)] + [year(y)])


def weeks_in(p: Period) -> list[tuple[date, date]]:
    """The ISO weeks (Monday..Sunday) that belong to ``p``: those whose Thursday falls in it."""
    d = p.start - timedelta(days=p.start.weekday())
    out = []
    while d < p.end:
        if p.contains(d + timedelta(days=3)):
            out.append((d, d + timedelta(days=7)))
        d += timedelta(days=7)
    return out
