"""`cds status`: the per-source health table and its exit status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from pipeline import config as config_mod
from pipeline.ops.status import collect, failing_since, render
from pipeline.store.state import RunLock, State
from tests.fixtures.sched.helpers import cds, feeds_yml, new_root

VN = timezone(timedelta(hours=7))
NOW = datetime(2025, 4, 24, 3, 0, tzinfo=UTC)           # 10:00 in Hà Nội

SOURCES = [
    {"id": "bao-thai-binh", "name": "Báo Thái Bình", "url": "https://baothaibinh.example.vn/rss",
     "cadence": "{count: 2, per: week}"},
    {"id": "dai-ptth", "name": "Đài Phát thanh – Truyền hình", "url": "https://dai.example.vn/rss"},
    {"id": "so-tttt", "name": "Sở Thông tin và Truyền thông", "url": "https://stttt.example.vn/rss",
     "cadence": "{count: 1, per: week}"},
    {"id": "cong-tinh", "name": "Cổng thông tin tỉnh", "url": "https://cong.example.vn/rss"},
    {"id": "cu", "name": "Nguồn cũ", "url": "https://cu.example.vn/rss", "enabled": "false"},
]


def root_with(tmp_path, text=None):
    root = new_root(tmp_path / "root", SOURCES, interval="30m")
    return root, config_mod.load(root)


def fail(state, sid, start, times, reason="https://x.example.vn/rss: HTTP 503"):
    for i in range(times):
        state.record_failure(sid, start + timedelta(hours=i), reason)


def run_report(config, started, results: dict[str, str | None]):
    runs = config.state_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    data = {"started": started.isoformat(), "sources": [
        {"source": sid, "failed": why, "errors": []} for sid, why in results.items()]}
    (runs / f"{started:%Y%m%dT%H%M%S}.json").write_text(json.dumps(data), encoding="utf-8")


def test_table_and_alerts(tmp_path):
    root, config = root_with(tmp_path)
    state = State(config.state_dir)
    # healthy, cadence met (2 this week), last success 20 minutes ago
    state.record_success("bao-thai-binh", NOW - timedelta(minutes=20), items=2, interval=1800)
    state.record_items("bao-thai-binh", [NOW - timedelta(days=1), NOW - timedelta(days=3),
                                         NOW - timedelta(days=20)], now=NOW)
    # failing for 2 hours after a success an hour before: not yet an alert
    state.record_success("dai-ptth", NOW - timedelta(hours=3), interval=1800)
    fail(state, "dai-ptth", NOW - timedelta(hours=2), 2)
    # succeeded 3 days ago, failing since: alert
    state.record_success("so-tttt", NOW - timedelta(days=3), interval=1800)
    fail(state, "so-tttt", NOW - timedelta(days=2, hours=23), 5)
    # never succeeded, failing for 30 hours: alert (start of the failures from the run reports)
    for hours in (30, 20, 5):
        run_report(config, (NOW - timedelta(hours=hours)).astimezone(VN),
                   {"cong-tinh": "timed out after 20 s"})
    fail(state, "cong-tinh", NOW - timedelta(hours=30), 3, "timed out after 20 s")
    # disabled and failing: never an alert
    fail(state, "cu", NOW - timedelta(days=10), 4)

    rows = {r.source.id: r for r in collect(config, state, NOW)}
    assert not rows["bao-thai-binh"].alert and rows["bao-thai-binh"].cadence_met is True
    assert (rows["bao-thai-binh"].items_7d, rows["bao-thai-binh"].items_30d) == (2, 3)
    assert not rows["dai-ptth"].alert and rows["dai-ptth"].failures == 2
    assert rows["so-tttt"].alert and rows["so-tttt"].cadence_met is False
    assert rows["cong-tinh"].alert
    assert rows["cong-tinh"].failing_since == NOW - timedelta(hours=30)
    assert not rows["cu"].alert

    text = render(config, list(rows.values()), NOW)
    lines = text.splitlines()
    assert lines[0] == ("Chuyển đổi số thử nghiệm: các nguồn lúc 2025-04-24 10:00 "
                        "(Asia/Ho_Chi_Minh)")
    header = lines[2]
    for col in ("nguồn", "lần tốt gần nhất", "lỗi liên tiếp", "lần thử tới", "7 ngày", "30 ngày",
                "nhịp đăng", "lỗi gần nhất"):
        assert col in header
    row = next(x for x in lines if x.startswith("bao-thai-binh"))
    assert "2025-04-24 09:40" in row                     # 02:40 UTC shown in the site's zone
    assert "2025-04-24 10:10" in row                     # next attempt: last success + 30 min
    assert "đạt (2/week)" in row and "CHƯA" not in row
    row = next(x for x in lines if x.startswith("so-tttt"))
    assert "2025-04-21 10:00" in row and "CHƯA ĐẠT (1/week)" in row and "HTTP 503" in row
    row = next(x for x in lines if x.startswith("cong-tinh"))
    assert "chưa có" in row and "timed out after 20 s" in row
    assert "đã tắt" in next(x for x in lines if x.startswith("cu "))
    alerts = text[text.index("Lỗi quá một ngày:"):].splitlines()[1:]
    assert [a.split()[0] for a in alerts] == ["so-tttt", "cong-tinh"]
    assert "Sở Thông tin và Truyền thông" in alerts[0]
    assert "lỗi từ 2025-04-23 04:00" in alerts[1]  # 30 h before, in +07:00


def test_failing_since_prefers_the_state_then_run_reports_then_last_failure(tmp_path):
    root, config = root_with(tmp_path)
    state = State(config.state_dir)
    assert failing_since(config, state, "dai-ptth") is None
    fail(state, "dai-ptth", NOW - timedelta(hours=3), 3)
    assert failing_since(config, state, "dai-ptth") == NOW - timedelta(hours=3)  # first failure
    state.record_success("dai-ptth", NOW - timedelta(minutes=30))
    assert failing_since(config, state, "dai-ptth") is None                      # cleared
    # A state written before `failing_since` was kept: run reports, then the last failure.
    fail(state, "dai-ptth", NOW - timedelta(hours=3), 3)
    del state.data["sources"]["dai-ptth"]["failing_since"]
    assert failing_since(config, state, "dai-ptth") == NOW - timedelta(hours=1)  # last failure
    run_report(config, NOW - timedelta(hours=9), {"dai-ptth": None})             # a success
    run_report(config, NOW - timedelta(hours=8), {"bao-thai-binh": None})        # not in it
    run_report(config, NOW - timedelta(hours=7), {"dai-ptth": "HTTP 500"})
    run_report(config, NOW - timedelta(hours=6), {"dai-ptth": "HTTP 500"})
    assert failing_since(config, state, "dai-ptth") == NOW - timedelta(hours=7)


def test_cli_status_exit_codes(tmp_path):
    root, config = root_with(tmp_path)
    res = cds(root, "status")                            # never run: all due, nothing failing
    assert res.returncode == 0, res.stderr
    assert "bao-thai-binh" in res.stdout and "đến hạn" in res.stdout and "chưa có" in res.stdout

    now = datetime.now(UTC)
    state = State(config.state_dir)
    state.record_success("dai-ptth", now - timedelta(hours=30), interval=1800)
    fail(state, "dai-ptth", now - timedelta(hours=26), 1)
    state.save()
    res = cds(root, "status")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Lỗi quá một ngày:" in res.stdout and "dai-ptth" in res.stdout
    assert "Traceback" not in res.stderr

    state.record_success("dai-ptth", now, interval=1800)
    state.save()
    with RunLock(config.state_dir):
        res = cds(root, "status")
    assert res.returncode == 0
    assert "Đang có một lượt chạy: pid" in res.stdout


def test_cli_status_bad_root_is_exit_2(tmp_path):
    res = cds(tmp_path / "nowhere", "status")
    assert res.returncode == 2 and "feeds.yml" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "feeds.yml").write_text(feeds_yml([{"id": "A!", "url": "x"}]),
                                              encoding="utf-8")
    res = cds(tmp_path / "r", "status")
    assert res.returncode == 2 and res.stderr.startswith("error: feeds.yml")
