"""Harvest state (.cds/state.json) and the run lock, with real processes racing for it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline.core.errors import LockedError
from pipeline.core.models import Cadence, Source
from pipeline.store import state as state_mod
from pipeline.store.state import RunLock, State

REPO = Path(__file__).resolve().parents[1]
ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=ICT)


def source(interval: int = 1800, cadence: Cadence | None = None) -> Source:
    return Source(id="bao-a", name="Báo A", kind="feed", url="https://a.vn/rss",
                  interval=interval, cadence=cadence)


# --- health and backoff -----------------------------------------------------------------------

def test_backoff_doubles_from_30_minutes_to_a_24_hour_cap(tmp_path):
    st = State.load(tmp_path)
    delays = [st.record_failure("bao-a", T0, "timeout") for _ in range(9)]
    hours = [d / 3600 for d in delays]
    assert hours == [0.5, 1, 2, 4, 8, 16, 24, 24, 24]
    h = st.health("bao-a", now=T0)
    assert h["consecutive_failures"] == 9
    assert h["last_error"] == "timeout"
    assert h["next_attempt"] == "2026-11-27T10:00:00+07:00"


def test_failure_then_due_only_after_the_backoff(tmp_path):
    st, src = State.load(tmp_path), source()
    assert st.is_due(src, T0)                                   # never run
    st.record_failure("bao-a", T0, "HTTP 503\n  Service   Unavailable")
    assert st.health("bao-a")["last_error"] == "HTTP 503 Service Unavailable"
    assert not st.is_due(src, T0 + timedelta(minutes=29))
    assert st.is_due(src, T0 + timedelta(minutes=30))
    assert st.next_attempt(src) == T0 + timedelta(minutes=30)


def test_retry_after_is_honoured_when_larger(tmp_path):
    st = State.load(tmp_path)
    assert st.record_failure("a", T0, "429", retry_after=7200) == 7200      # larger: wins
    assert st.record_failure("b", T0, "429", retry_after=60) == 1800        # smaller: backoff
    assert st.record_failure("c", T0, "429", retry_after=10**9) == 7 * 24 * 3600   # capped
    assert st.health("a")["next_attempt"] == "2026-11-26T12:00:00+07:00"


def test_success_resets_and_schedules_by_interval(tmp_path):
    st, src = State.load(tmp_path), source(interval=3600)
    for _ in range(3):
        st.record_failure("bao-a", T0, "reset")
    later = T0 + timedelta(hours=5)
    st.record_success("bao-a", later, items=4, interval=src.interval)
    h = st.health("bao-a", now=later)
    assert h["consecutive_failures"] == 0
    assert h["last_success"] == "2026-11-26T15:00:00+07:00"
    assert h["next_attempt"] == "2026-11-26T16:00:00+07:00"
    assert h["last_error"] == "reset" and h["last_items"] == 4       # history kept
    assert not st.is_due(src, later + timedelta(minutes=59))
    assert st.is_due(src, later + timedelta(hours=1))
    # the interval comes from the source as configured now, not from when it last ran
    assert st.is_due(source(interval=60), later + timedelta(minutes=1))


def test_naive_datetimes_are_refused(tmp_path):
    with pytest.raises(ValueError):
        State.load(tmp_path).record_success("a", datetime(2026, 1, 1), 0)


def test_recent_items_keep_90_days_and_count_cadence(tmp_path):
    st = State.load(tmp_path)
    src = source(cadence=Cadence(count=2, per="week"))
    dates = [T0 - timedelta(days=d) for d in (1, 3, 10, 40, 89, 91, 200)]
    st.record_items("bao-a", dates, now=T0)
    assert len(st.data["sources"]["bao-a"]["items"]) == 5           # 91 and 200 days dropped
    h = st.health("bao-a", now=T0)
    assert (h["items_7d"], h["items_30d"]) == (2, 3)
    assert st.cadence_met(src, T0) is True
    assert st.cadence_met(src, T0 + timedelta(days=5)) is False       # only one left in window
    assert st.cadence_met(source(), T0) is None
    st.record_items("bao-a", [], now=T0 + timedelta(days=60))        # pruning as time passes
    assert st.recent_items("bao-a", 90, now=T0 + timedelta(days=60)) == 3


def test_validators_round_trip(tmp_path):
    st = State.load(tmp_path)
    assert st.validators("https://a.vn/rss") == (None, None)
    st.set_validators("https://a.vn/rss", '"abc"', "Wed, 25 Nov 2026 10:00:00 GMT")
    st.set_validators("https://b.vn/rss", None, None)
    st.save()
    again = State.load(tmp_path)
    assert again.validators("https://a.vn/rss") == ('"abc"', "Wed, 25 Nov 2026 10:00:00 GMT")
    assert "https://b.vn/rss" not in again.data["validators"]
    again.set_validators("https://a.vn/rss", None, None)
    assert again.validators("https://a.vn/rss") == (None, None)


# --- atomic save ------------------------------------------------------------------------------

def test_save_is_atomic_and_leaves_no_temp_file(tmp_path):
    state_dir = tmp_path / ".cds"
    st = State.load(state_dir)
    st.record_success("bao-a", T0, 3)
    st.record_items("bao-a", [T0], now=T0)
    assert st.save() is True
    assert sorted(p.name for p in state_dir.iterdir()) == ["state.json"]
    data = json.loads((state_dir / "state.json").read_text(encoding="utf-8"))
    assert data["sources"]["bao-a"]["last_success"] == "2026-11-26T10:00:00+07:00"
    again = State.load(state_dir)
    assert again.health("bao-a", now=T0) == st.health("bao-a", now=T0)
    mtime = (state_dir / "state.json").stat().st_mtime_ns
    assert again.save() is False                      # nothing changed: nothing written
    assert (state_dir / "state.json").stat().st_mtime_ns == mtime


def test_a_crash_during_save_keeps_the_old_file(tmp_path, monkeypatch):
    st = State.load(tmp_path)
    st.record_success("bao-a", T0, 1)
    st.save()
    before = (tmp_path / "state.json").read_bytes()
    st.record_failure("bao-a", T0, "boom")

    def crash(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(state_mod.os, "replace", crash)
    with pytest.raises(OSError):
        st.save()
    assert (tmp_path / "state.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_unreadable_state_is_put_aside(tmp_path):
    (tmp_path / "state.json").write_text("{not json", encoding="utf-8")
    st = State.load(tmp_path)
    assert st.warning and "state.json.bad" in st.warning
    assert st.health("bao-a")["consecutive_failures"] == 0
    assert (tmp_path / "state.json.bad").read_text(encoding="utf-8") == "{not json"


# --- the run lock, across real processes ------------------------------------------------------

HOLDER = textwrap.dedent("""\
    import sys, time
    from pathlib import Path
    from pipeline.core.errors import LockedError
    from pipeline.store.state import RunLock
    state_dir, mode, arg = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    lock = RunLock(state_dir)
    if mode == "race":                       # wait for the start signal, then try once
        print("ready", flush=True)
        go = Path(arg) / "go"
        while not go.exists():
            time.sleep(0.001)
        try:
            lock.acquire()
        except LockedError as exc:
            print("lost", exc, flush=True)
            sys.exit(0)
        print("won", flush=True)
        done = Path(arg) / "done"
        deadline = time.monotonic() + 10
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        lock.release()
    else:                                    # hold: take it, say so, keep it for arg seconds
        lock.acquire()
        print("locked", flush=True)
        time.sleep(float(arg))
        lock.release()
""")


def spawn(tmp_path: Path, *args: str) -> subprocess.Popen:
    script = tmp_path / "holder.py"
    if not script.exists():
        script.write_text(HOLDER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE,
                            text=True, env=env)


def test_two_processes_race_and_exactly_one_wins(tmp_path):
    state_dir = tmp_path / ".cds"
    procs = [spawn(tmp_path, str(state_dir), "race", str(tmp_path)) for _ in range(2)]
    try:
        assert [p.stdout.readline().strip() for p in procs] == ["ready", "ready"]
        (tmp_path / "go").touch()
        results = [p.stdout.readline().strip() for p in procs]
        (tmp_path / "done").touch()
        for p in procs:
            assert p.wait(timeout=10) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert sorted(r.split()[0] for r in results) == ["lost", "won"]
    winner = procs[[r.split()[0] for r in results].index("won")]
    loser_msg = next(r for r in results if r.startswith("lost"))[len("lost "):]
    assert loser_msg.startswith(f"another run holds the lock: pid {winner.pid} since ")
    assert RunLock(state_dir).holder() is None                 # released on the way out


def test_a_sigkilled_holder_does_not_block_the_next_run(tmp_path):
    state_dir = tmp_path / ".cds"
    proc = spawn(tmp_path, str(state_dir), "hold", "60")
    try:
        assert proc.stdout.readline().strip() == "locked"
        lock = RunLock(state_dir)
        assert lock.holder()["pid"] == proc.pid
        with pytest.raises(LockedError) as info:
            lock.acquire()
        since = lock.holder()["since"]
        assert str(info.value) == f"another run holds the lock: pid {proc.pid} since {since}"
        assert datetime.fromisoformat(since).tzinfo is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert lock.holder() is None            # the dead holder's pid is still in the file
    with lock:
        assert lock.holder()["pid"] == os.getpid()
    assert lock.holder() is None and (state_dir / "run.lock").read_text() == ""


def test_wait_takes_the_lock_once_the_holder_exits(tmp_path):
    state_dir = tmp_path / ".cds"
    proc = spawn(tmp_path, str(state_dir), "hold", "0.5")
    try:
        assert proc.stdout.readline().strip() == "locked"
        lock = RunLock(state_dir, poll=0.02)
        start = time.monotonic()
        lock.acquire(wait=True, timeout=5)
        waited = time.monotonic() - start
        assert lock.held and 0.1 < waited < 5
        lock.release()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_wait_gives_up_after_the_timeout(tmp_path):
    state_dir = tmp_path / ".cds"
    proc = spawn(tmp_path, str(state_dir), "hold", "30")
    try:
        assert proc.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(LockedError, match=f"pid {proc.pid} since"):
            with RunLock(state_dir, wait=True, timeout=0.3, poll=0.05):
                pass
        assert 0.3 <= time.monotonic() - start < 3
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_lock_in_one_process_can_be_taken_again_after_release(tmp_path):
    lock = RunLock(tmp_path / ".cds")
    with lock:
        with pytest.raises(LockedError):
            RunLock(tmp_path / ".cds").acquire()            # another open file: refused
        with pytest.raises(RuntimeError):
            lock.acquire()                                  # not re-entrant
    with lock:                                              # schedule: run after run
        assert lock.held
    assert not lock.held
