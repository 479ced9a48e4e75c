"""The register's figures for the results (issue 21): documents issued per period, documents
appearing on the site per period, and the days from signing to appearing (median, max), from
``docharvest.figures`` over the entries shown on the site.

A row is ``{"key", "label", "short", "issued", "appeared", "lag_count", "lag_median",
"lag_max"}``: ``issued`` counts entries whose ``issued`` date falls in the period; ``appeared``
and the lag figures count harvested entries first seen (site time zone) in the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo

from pipeline.harvest import docharvest
from pipeline.results import periods as P
from pipeline.store import register

TITLE = "Văn bản chỉ đạo, điều hành"
HEADERS = ["Kỳ", "Văn bản ban hành", "Văn bản lên chuyên trang", "Số ngày (trung vị)",
           "Số ngày (lâu nhất)"]


def row(docs: Sequence[register.Doc], tz: tzinfo, p: P.Period) -> dict:
    issued = docharvest.figures([d for d in docs if d.issued and p.contains(d.issued)], tz)
    seen = docharvest.figures([d for d in docs if d.first_seen
                               and p.contains(d.first_seen.astimezone(tz).date())], tz)
    return {"key": p.key, "label": p.label, "short": p.short,
            "issued": sum(issued["issued_per_quarter"].values()),
            "appeared": sum(seen["appeared_per_quarter"].values()),
            "lag_count": len(seen["lag_days"]), "lag_median": seen["lag_median"],
            "lag_max": seen["lag_max"]}


def rows(docs: Iterable[register.Doc], tz: tzinfo, parts: Sequence[P.Period]) -> list[dict]:
    shown = register.visible(docs)
    return [row(shown, tz, p) for p in parts]


def year_rows(docs: Iterable[register.Doc], tz: tzinfo, y: int) -> list[dict]:
    """The four quarters of ``y`` and the year."""
    return rows(docs, tz, [P.quarter(y, q) for q in range(1, 5)] + [P.year(y)])


def period_rows(docs: Iterable[register.Doc], tz: tzinfo, period: P.Period) -> list[dict]:
    """For a report: the quarters of ``period`` then the period (a month or a quarter: itself)."""
    if period.kind in ("month", "quarter"):
        return rows(docs, tz, [period])
    y = period.start.year
    quarters = [P.quarter(y, q) for q in range(1, 5)
                if period.contains(P.quarter(y, q).start)]
    return rows(docs, tz, [*quarters, period])


def days(v) -> str:
    """A number of days for a reader: "–" when there is none, "3,5" for a half."""
    if v is None:
        return "–"
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}".replace(".", ",")


def table_row(r: dict) -> list[str]:
    return [r["label"], str(r["issued"]), str(r["appeared"]), days(r["lag_median"]),
            days(r["lag_max"])]


def as_json(docs: Iterable[register.Doc], tz: tzinfo, years: Sequence[int]) -> dict:
    """``documents`` of ``api/ket-qua.json`` (``lag_median``, ``lag_max`` of the whole register)
    and, under ``years``, of each year's ``api/ket-qua/YYYY.json``: that year's quarters
    (``issued_per_quarter``, ``appeared_per_quarter``), the entries first seen in it
    (``lag_days``, ``lag_median``, ``lag_max``) and its ``periods`` (quarters and the year).
    No file holds every entry or every year: each is bounded by one year of the register."""
    shown = register.visible(docs)
    fig = docharvest.figures(shown, tz)
    out: dict = {"lag_median": fig["lag_median"], "lag_max": fig["lag_max"], "years": {}}
    for y in years:
        pre = f"{y}-"
        seen = docharvest.figures([d for d in shown if d.first_seen
                                   and d.first_seen.astimezone(tz).year == y], tz)
        out["years"][y] = {
            "issued_per_quarter": {k: v for k, v in fig["issued_per_quarter"].items()
                                   if k.startswith(pre)},
            "appeared_per_quarter": {k: v for k, v in fig["appeared_per_quarter"].items()
                                     if k.startswith(pre)},
            "lag_days": [[n, d] for n, d in seen["lag_days"]],
            "lag_median": seen["lag_median"], "lag_max": seen["lag_max"],
            "periods": {r["key"]: {k: r[k] for k in ("issued", "appeared", "lag_count",
                                                     "lag_median", "lag_max")}
                        for r in year_rows(shown, tz, y)}}
    return out
