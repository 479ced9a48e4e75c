"""The results' entry points for the rest of cds: the site files (``jobs.publish_site``),
``cds report`` and the report deadline lines of ``cds status``."""

from __future__ import annotations

import sys
import time
from datetime import date, datetime
from pathlib import Path

from pipeline import config as config_mod
from pipeline.core.errors import ConfigError
from pipeline.core.models import Article, Config
from pipeline.results import count, docstats, pages, periods, report
from pipeline.results import plan as plan_mod

DUE = ((6, 15, 1), (12, 15, 0))                 # (month, day, half): 15/6 → H1, 15/12 → the year


def _names(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    from pipeline.site.publish import load_topics
    themes, pillars, _warnings = load_topics(root)
    return ({k: t.name for k, t in themes.items()}, {k: t.name for k, t in pillars.items()})


def _failing(config: Config) -> set[str]:
    from pipeline.store.state import State
    try:
        state = State.load(config.state_dir)
    except Exception:                           # noqa: BLE001 - health is only a hint here
        return set()
    return {s.id for s in config.sources
            if int((state.data.get("sources", {}).get(s.id) or {}).get("consecutive_failures")
                   or 0)}


def compute(config: Config, articles: list[Article], *, today: date | None = None,
            years: tuple[int, ...] = ()):
    """(plan or None, Results, theme names, pillar names); ``years``: shown even when empty."""
    tz = config_mod.timezone(config)
    plan = plan_mod.load(config.root, sources={s.id for s in config.sources})
    today = today or datetime.now(tz).date()
    res = count.compute(config, plan, articles, tz=tz, today=today, failing=_failing(config),
                        years=years)
    themes, pillars = _names(config.root)
    return plan, res, themes, pillars


def site_files(config: Config, articles: list[Article], docs=(), *,
               today: date | None = None,
               urls: dict[str, str] | None = None,
               memo: bool = True) -> tuple[dict[str, bytes], list[str]]:
    """The "Kết quả thực hiện" section for ``site_src/`` and the plan's warnings. ``urls``: the
    published articles' page addresses (``publish.article_urls``), made here when not given.
    ``memo``: templates rendered by the last build with the same context are not rendered
    again (``.cds/results-pages.json``, :class:`pipeline.results.pages.RenderMemo`)."""
    plan, res, themes, pillars = compute(config, articles, today=today)
    tz = config_mod.timezone(config)
    if urls is None:
        from pipeline.site.publish import article_urls
        urls = article_urls([a for a in articles if a.status == "published"], tz)
    files = pages.site_files(res, plan, site_url=config.site.url, site_title=config.site.title,
                             urls=urls, source_names={s.id: s.name for s in config.sources},
                             theme_names=themes, pillar_names=pillars, docs=docs,
                             doc_rows={y: docstats.year_rows(docs, tz, y) for y in res.years},
                             doc_json=docstats.as_json(docs, tz, res.years), root=config.root,
                             memo=Path(config.state_dir) / pages.MEMO if memo else None)
    return files, list(plan.warnings) if plan else []


def make_report(config: Config, articles: list[Article], period_key: str, fmt: str,
                *, today: date | None = None, docs=None) -> tuple[report.Report, bytes]:
    """``docs``: the register's entries (default: read from ``content/van-ban/``)."""
    from pipeline.store import register
    period = periods.parse(period_key)
    plan, res, themes, pillars = compute(config, articles, today=today,
                                         years=(period.start.year,))
    if docs is None:
        docs = register.load_docs(config.content_dir)
    rep = report.build(res, plan, period, issued=res.today, theme_names=themes,
                       pillar_names=pillars,
                       doc_rows=docstats.period_rows(docs, config_mod.timezone(config), period))
    return rep, _encode(rep, fmt)


def _encode(rep: report.Report, fmt: str) -> bytes:
    if fmt == "md":
        return report.to_markdown(rep).encode("utf-8")
    if fmt == "csv":
        return report.to_csv(rep)
    import io
    buf = io.BytesIO()
    report.to_docx(rep, buf)
    return buf.getvalue()


def cmd_report(args) -> int:
    """``cds report --period P [--format md|csv|docx] [--out FILE]``."""
    from pipeline.core.fileio import write_atomic
    from pipeline.store.articles import open_store
    started = time.monotonic()
    config = config_mod.load(args.root)
    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out else "md")
    if fmt not in ("md", "csv", "docx"):
        raise ConfigError(f"--format {fmt!r}: expected md, csv or docx")
    articles = open_store(config).articles()
    rep, data = make_report(config, articles, args.period, fmt)
    if args.out:
        write_atomic(Path(args.out), data)
        where = str(args.out)
    elif fmt == "docx":
        raise ConfigError("--format docx needs --out FILE (a Word file is not for the terminal)")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        where = "stdout"
    print(f"Báo cáo {rep.period.label.lower()}: {len(rep.tables())} bảng, "
          f"{sum(len(t.rows) for t in rep.tables())} dòng số liệu → {where} "
          f"({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return 0


def next_due(today: date) -> tuple[date, periods.Period]:
    """The next report deadline on or after ``today`` and the period it covers: 15/6 the first
    half-year, 15/12 the year (plan section IV.4)."""
    for y in (today.year, today.year + 1):
        for mon, day, half in DUE:
            due = date(y, mon, day)
            if due >= today:
                return due, periods.half(y, 1) if half else periods.year(y)
    raise AssertionError("unreachable")


def deadline(config: Config, articles: list[Article], today: date) -> dict:
    """The next report due and the gaps in its period so far (``cds status``, the desk):
    ``due``, ``days``, ``period``, ``empty`` (finished months with no published article) and
    ``failing`` (ids of sources failing now)."""
    due, period = next_due(today)
    tz = config_mod.timezone(config)
    months = [m for m in period.months() if m.end <= today]
    have = {a.published.astimezone(tz).strftime("%Y-%m") for a in articles
            if a.status == "published"}
    return {"due": due, "days": (due - today).days, "period": period,
            "empty": [m for m in months if m.key not in have],
            "failing": sorted(_failing(config))}


def deadline_lines(config: Config, articles: list[Article], today: date) -> list[str]:
    """For ``cds status``: the next report due, and the gaps in its period so far."""
    info = deadline(config, articles, today)
    due, days, period = info["due"], info["days"], info["period"]
    lines = [f"Báo cáo kỳ tới hạn {due:%d/%m/%Y} (còn {days} ngày): {period.label} "
             f"(`cds report --period {period.key}`)"]
    empty = [m.key for m in info["empty"]]
    failing = info["failing"]
    if empty:
        lines.append(f"  thiếu số liệu: không có bài nào được đăng trong {', '.join(empty)}")
    if failing:
        lines.append(f"  thiếu số liệu: nguồn đang lỗi: {', '.join(failing)}")
    if not empty and not failing:
        lines.append("  đến nay chưa thiếu số liệu")
    return lines
