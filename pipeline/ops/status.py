"""``cds status``: each source's health, read from ``.cds/state.json``, as a table.

Columns: source, last success, consecutive failures, next attempt, items published in the last
7 and 30 days, whether the plan's cadence target is met, last error. Times are shown in the
site's time zone. Exit status 1 when an enabled source has been failing for more than a day:
it has consecutive failures and either its last success is older than 24 hours, or it never
succeeded and its first failure in the current run of failures is older than 24 hours.

The start of a run of failures is the state's ``failing_since`` when it has one; otherwise it is
found in the run reports (``.cds/runs/*.json``), else the last failure stands in for it.
Exit status 1 too when the last build could not use an article file (``.cds/last-build.json``):
each such file is listed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pipeline import config as config_mod
from pipeline.core.models import Config, Source
from pipeline.site import sitecontent
from pipeline.store.state import RunLock, State

ALERT_AFTER = timedelta(hours=24)
ERROR_WIDTH = 60
RUN_REPORTS_SCANNED = 5000

__all__ = ["SourceStatus", "cmd_status", "collect", "failing_since", "render"]


@dataclass
class SourceStatus:
    source: Source
    last_success: datetime | None
    failures: int
    failing_since: datetime | None
    next_attempt: datetime | None
    due: bool
    items_7d: int
    items_30d: int
    cadence_met: bool | None
    last_error: str | None
    alert: bool                     # failing for more than a day


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return dt if dt.tzinfo else None


def failing_since(config: Config, state: State, source_id: str) -> datetime | None:
    """When the source's current run of consecutive failures began (None when it is not
    failing)."""
    raw = state.data.get("sources", {}).get(source_id) or {}
    if not int(raw.get("consecutive_failures") or 0):
        return None
    recorded = _dt(raw.get("failing_since") or raw.get("first_failure"))
    if recorded:
        return recorded
    first = None
    runs = config.state_dir / "runs"
    files = sorted(runs.glob("*.json"), reverse=True)[:RUN_REPORTS_SCANNED] if runs.is_dir() else []
    for path in files:                          # newest first, back to the last success
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        entry = next((s for s in data.get("sources") or [] if isinstance(s, dict)
                      and s.get("source") == source_id), None)
        if entry is None:
            continue
        if not entry.get("failed"):
            if any("interrupted" in str(e) for e in entry.get("errors") or []):
                continue                        # a run stopped early is neither
            break
        first = _dt(data.get("started")) or first
    last_failure = _dt(raw.get("last_failure"))
    if first is None or (last_failure and first > last_failure):
        return last_failure
    return first


def collect(config: Config, state: State, now: datetime) -> list[SourceStatus]:
    """One row per source of feeds.yml, in its order."""
    rows = []
    for src in config.sources:
        h = state.health(src.id, now)
        failures = h["consecutive_failures"]
        last_success = _dt(h["last_success"])
        since = failing_since(config, state, src.id) if failures else None
        alert = bool(src.enabled and failures and (
            (last_success is not None and now - last_success > ALERT_AFTER)
            or (last_success is None and since is not None and now - since > ALERT_AFTER)))
        nxt = state.next_attempt(src)
        rows.append(SourceStatus(
            source=src, last_success=last_success, failures=failures, failing_since=since,
            next_attempt=nxt, due=nxt is None or now >= nxt, items_7d=h["items_7d"],
            items_30d=h["items_30d"], cadence_met=state.cadence_met(src, now),
            last_error=h["last_error"] if failures else None, alert=alert))
    return rows


def _when(dt: datetime | None, tz: ZoneInfo, never: str = "chưa có") -> str:
    return never if dt is None else dt.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _cadence(row: SourceStatus) -> str:
    c = row.source.cadence
    if c is None:
        return "-"
    return f"{'đạt' if row.cadence_met else 'CHƯA ĐẠT'} ({c.count}/{c.per})"


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render(config: Config, rows: list[SourceStatus], now: datetime) -> str:
    """The status table, then the sources failing for more than a day."""
    tz = config_mod.timezone(config)
    header = ("nguồn", "lần tốt gần nhất", "lỗi liên tiếp", "lần thử tới", "7 ngày", "30 ngày",
              "nhịp đăng", "lỗi gần nhất")
    table = []
    for r in rows:
        if not r.source.enabled:
            nxt = "đã tắt"
        elif r.due:
            nxt = "đến hạn"
        else:
            nxt = _when(r.next_attempt, tz)
        table.append((r.source.id, _when(r.last_success, tz), str(r.failures), nxt,
                      str(r.items_7d), str(r.items_30d), _cadence(r),
                      _short(r.last_error or "", ERROR_WIDTH)))
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    right = {2, 4, 5}

    def line(cells) -> str:
        out = [c.rjust(w) if i in right else c.ljust(w)
               for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(out).rstrip()

    lines = [f"{config.site.title}: các nguồn lúc {now.astimezone(tz):%Y-%m-%d %H:%M} "
             f"({config.site.timezone})", "", line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in table]
    if not rows:
        lines.append("(feeds.yml chưa có nguồn nào)")
    alerts = [r for r in rows if r.alert]
    if alerts:
        lines += ["", "Lỗi quá một ngày:"]
        for r in alerts:
            since = r.failing_since or r.last_success
            lines.append(f"  {r.source.id} ({r.source.name}): lỗi {r.failures} lần liên tiếp, "
                         f"lần tốt gần nhất {_when(r.last_success, tz)}, lỗi từ "
                         f"{_when(since, tz, '?')}: {r.last_error or '?'}")
    return "\n".join(lines)


def _last_run(config: Config, tz: ZoneInfo) -> str | None:
    try:
        data = json.loads((config.state_dir / "last-run.json").read_text(encoding="utf-8"))
        t = data["totals"]
        started = _dt(data["started"])
        return (f"Lần chạy gần nhất {_when(started, tz)}: {len(data.get('sources') or [])} nguồn, "
                f"{t['new']} bài mới, {t['updated']} cập nhật, {t['failed']} nguồn lỗi")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _deadlines(config: Config, now: datetime) -> list[str]:
    """The next report due and the data gaps of its period (pipeline.results)."""
    from pipeline.core.errors import CdsError
    from pipeline.results.service import deadline_lines
    from pipeline.store.articles import open_store
    try:
        return deadline_lines(config, open_store(config).articles(), now.date())
    except (CdsError, OSError) as exc:
        return [f"warning: report deadline not computed (chưa tính được hạn báo cáo): {exc}"]


def cmd_status(args) -> int:
    """``cds status``: print the table on stdout; exit 1 when a source has failed for more than
    a day. ``args``: ``root`` (Path)."""
    config = config_mod.load(args.root)
    tz = config_mod.timezone(config)
    state = State.load(config.state_dir)
    now = datetime.now(tz).replace(microsecond=0)
    rows = collect(config, state, now)
    print(render(config, rows, now))
    notes = []
    if state.warning:
        notes.append(f"warning: {state.warning}")
    last = _last_run(config, tz)
    if last:
        notes.append(last)
    built = sitecontent.read_build_report(config.state_dir)
    problems = [str(p) for p in (built or {}).get("problems") or []]
    if problems:
        notes.append(f"Lần dựng trang gần nhất {_when(_dt(built.get('finished')), tz, '?')}: "
                     f"{len(problems)} tệp bài viết không dùng được:")
        notes.extend(f"  {line}" for line in problems)
    notes += _deadlines(config, now)
    holder = RunLock(config.state_dir).holder()
    if holder:
        notes.append(f"Đang có một lượt chạy: pid {holder['pid']} từ {holder.get('since', '?')}")
    if notes:
        print()
        print("\n".join(notes))
    sys.stdout.flush()
    return 1 if any(r.alert for r in rows) or problems else 0

