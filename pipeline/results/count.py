"""Articles against the plan: per task and period the evidencing articles and whether the target
is met; per source the cadence met per month; per theme and pillar the articles per month.

Only ``published`` articles count (never ``pending`` or ``rejected``). An article may evidence
several tasks. ``today`` decides what can be judged: a week, month or year not yet over that
has not reached its target is *pending* (``met`` None), not missed; one in the future is not
judged at all. Deterministic for the same inputs and ``today``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from pipeline.core.models import Article, Config
from pipeline.results import periods as P
from pipeline.results.plan import PER_VI, Plan, Target, Task, text_keys

CADENCE_VI = {"day": "ngày", "week": "tuần", "month": "tháng"}


@dataclass
class Cell:
    """One task (or source) in one period."""
    count: int
    ids: list[str]                              # evidencing article ids, newest first
    met: bool | None                            # None: not judged (no target, pending, future)
    detail: str = ""                            # "3/4 tuần", "42% (50/120 trường)"

    @property
    def mark(self) -> str:
        return {True: "Đạt", False: "Chưa đạt"}.get(self.met, "–")


@dataclass
class TaskResult:
    task: Task
    cells: dict[str, Cell]                      # period key → cell


@dataclass
class SourceResult:
    id: str
    name: str
    cadence: str                                # "1/tuần" or ""
    months: dict[str, Cell]                     # month key → cell
    failing: bool = False


@dataclass
class Results:
    today: date
    months: list[P.Period]                      # first article's month … today's month
    years: list[int]
    tasks: list[TaskResult]
    sources: list[SourceResult]
    themes: dict[str, dict[str, int]]           # theme id → month key → articles
    pillars: dict[str, dict[str, int]]
    per_month: dict[str, list[str]]             # month key → article ids, newest first
    articles: dict[str, Article] = field(default_factory=dict)
    dates: dict[str, date] = field(default_factory=dict)

    def periods(self) -> list[P.Period]:
        return [p for y in self.years for p in P.year_periods(y)]

    def in_period(self, p: P.Period) -> list[str]:
        return [i for m in p.months() for i in self.per_month.get(m.key, [])]


def _units(per: str, p: P.Period) -> list[tuple[date, date]] | None:
    """The target's units inside ``p`` (weeks, months, quarters, years); None when ``p`` is
    shorter than one unit."""
    if per == "week":
        return P.weeks_in(p)
    order = {"month": 1, "quarter": 2, "half": 3, "year": 4}
    if order[per] > order[p.kind]:
        return None
    if per == "month":
        return [(m.start, m.end) for m in p.months()]
    if per == "quarter":
        return [(q.start, q.end) for q in (P.quarter(p.start.year, k) for k in range(1, 5))
                if p.start <= q.start and q.end <= p.end]
    return [(p.start, p.end)]


def judge(target: Target | None, p: P.Period, dates: list[date], today: date,
          all_dates: list[date] | None = None) -> tuple[bool | None, str]:
    """Whether ``dates`` (the evidencing articles' dates in ``p``) meet ``target``."""
    n = len(dates)
    if target is None:
        return None, ""
    if target.kind == "count":
        units = _units(target.per, p)
        if units is None:
            return (True, "") if n >= target.count else (None, "")
        ok = judged = 0
        for start, end in units:
            if start > today:
                continue
            k = sum(1 for d in dates if start <= d < end)
            if k >= target.count:
                ok += 1
            elif end <= today:
                pass
            else:
                continue                        # under way and not reached yet: pending
            judged += 1
        if not judged:
            return None, ""
        return ok == judged, f"{ok}/{judged} {PER_VI[target.per]}"
    if target.kind == "date":
        pool = all_dates if all_dates is not None else dates
        verdicts = []
        for y in range(p.start.year, p.end.year + 1):
            try:
                day = date(y, target.month, target.day)
            except ValueError:
                continue
            if not p.contains(day) or day > today:
                continue
            lo, hi = day - timedelta(days=target.window), day + timedelta(days=target.window)
            k = sum(1 for d in pool if lo <= d <= hi)
            if k >= target.count:
                verdicts.append(True)
            elif hi < today:
                verdicts.append(False)
        if not verdicts:
            return None, ""
        return all(verdicts), f"{sum(verdicts)}/{len(verdicts)} năm"
    pct = 100.0 * n / target.denominator if target.denominator else 0.0
    detail = f"{pct:.0f}% ({n}/{target.denominator} {target.unit})".replace(" )", ")")
    if pct >= target.share:
        return True, detail
    if p.kind == "year" and p.end <= today:
        return False, detail
    return None, detail


def _cadence_units(per: str, m: P.Period) -> int:
    if per == "day":
        return (m.end - m.start).days
    if per == "week":
        return len(P.weeks_in(m))
    return 1


def compute(config: Config, plan: Plan | None, articles: list[Article], *, tz: tzinfo,
            today: date, failing: set[str] | None = None,
            years: tuple[int, ...] = ()) -> Results:
    """The results over every month from the first published article's to ``today``'s."""
    pub = sorted((a for a in articles if a.status == "published"),
                 key=lambda a: (a.published, a.id), reverse=True)
    dates = {a.id: a.published.astimezone(tz).date() for a in pub}
    by_id = {a.id: a for a in pub}
    per_month: dict[str, list[str]] = defaultdict(list)
    for a in pub:
        d = dates[a.id]
        per_month[f"{d.year}-{d.month:02d}"].append(a.id)
    first = min(dates.values(), default=today)
    last = max(today, max(dates.values(), default=today))
    months, m = [], P.month(first.year, first.month)
    while m.start <= last:
        months.append(m)
        m = P.month(m.end.year, m.end.month)
    years = sorted({p.start.year for p in months} | set(years))
    res = Results(today=today, months=months, years=years, tasks=[], sources=[], themes={},
                  pillars={}, per_month=dict(per_month), articles=by_id, dates=dates)
    keys: dict[str, str] = {}
    if plan and any(t.keywords for t in plan.tasks):
        keys = {a.id: text_keys(a) for a in pub}
    for task in (plan.tasks if plan else ()):
        ids = [a.id for a in pub if task.evidenced_by(a, keys.get(a.id))]
        all_dates = [dates[i] for i in ids]
        cells = {}
        by_month: dict[str, list[str]] = defaultdict(list)
        for i in ids:
            by_month[f"{dates[i].year}-{dates[i].month:02d}"].append(i)
        for p in res.periods():
            inside = [i for mo in reversed(p.months()) for i in by_month.get(mo.key, ())]
            met, detail = judge(task.target, p, [dates[i] for i in inside], today, all_dates)
            cells[p.key] = Cell(len(inside), inside, met, detail)
        res.tasks.append(TaskResult(task, cells))
    for src in config.sources:
        cad = src.cadence
        cells = {}
        for mo in months:
            inside = [i for i in per_month.get(mo.key, []) if by_id[i].source == src.id]
            met, detail = None, ""
            if cad is not None and mo.start <= today:
                need = cad.count * _cadence_units(cad.per, mo)
                if len(inside) >= need:
                    met = True
                elif mo.end <= today:
                    met = False
                detail = f"{len(inside)}/{need}"
            cells[mo.key] = Cell(len(inside), inside, met, detail)
        res.sources.append(SourceResult(
            src.id, src.name, f"{cad.count}/{CADENCE_VI.get(cad.per, cad.per)}" if cad else "",
            cells, failing=src.id in (failing or set())))
    for attr, table in (("themes", res.themes), ("pillars", res.pillars)):
        for a in pub:
            key = f"{dates[a.id].year}-{dates[a.id].month:02d}"
            for t in getattr(a, attr):
                table.setdefault(t, {}).setdefault(key, 0)
                table[t][key] += 1
    return res
