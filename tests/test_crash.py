"""Crash and signal safety: `cds harvest` SIGKILLed at random moments never leaves a broken store,
and `cds schedule` ends cleanly on SIGTERM in the middle of a harvest."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

from pipeline import config as config_mod
from pipeline.site import publish
from pipeline.store import articles as store_mod
from pipeline.store.state import RunLock, State
from tests.fixtures.sched.helpers import (
    REPO,
    FeedSite,
    cds,
    cds_argv,
    child_env,
    new_root,
    stored,
)

ITEMS = 30
ROUNDS = 10
TEMP = re.compile(r"^\..+\.tmp$")


def popen(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(cds_argv(root, *args), cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=child_env())


def lock_pid(root: Path) -> int | None:
    return (RunLock(root / ".cds").holder() or {}).get("pid")


def written_since(root: Path, since_ns: int) -> int:
    n = 0
    for f in (root / "content" / "articles").rglob("*.md"):
        try:
            if f.stat().st_mtime_ns >= since_ns:
                n += 1
        except FileNotFoundError:
            pass
    return n


def check_store(root: Path) -> list[Path]:
    """Every article file under content/ parses; the only extra files are the store's temporary
    ones (``.<name>.<random>.tmp``) beside the articles, and nothing indexes or publishes them.
    (The rest of content/, the editors' register and notes, is not written by a harvest.)
    Returns the temporary files found."""
    temps = []
    for f in sorted((root / "content" / "articles").rglob("*")):
        if not f.is_file() or f.name in ("dot-gitkeep", ".gitkeep"):
            continue
        if TEMP.match(f.name):
            assert f.parent.parent.parent.name == "articles", f
            temps.append(f)
            continue
        assert f.suffix == ".md", f
        store_mod.parse(f.read_text(encoding="utf-8"), f)        # raises on a broken file
    store = store_mod.Store(root / "content")
    assert store.iter_parse_errors() == []
    arts = store.articles()
    assert len({a.id for a in arts}) == len(arts)
    assert len({a.url for a in arts}) == len(arts)
    state = root / ".cds" / "state.json"
    if state.exists():
        json.loads(state.read_text(encoding="utf-8"))             # written atomically too
    return temps


def test_sigkill_at_random_moments_leaves_a_readable_store_and_no_duplicates(tmp_path):
    rng = random.Random(int(os.environ.get("CDS_CRASH_SEED", "20250424")))
    with FeedSite() as site:
        site.page_delay = 0.01
        url = site.add_feed("bao", list(range(1, ITEMS + 1)), full=False)
        root = new_root(tmp_path / "root", [{"id": "bao", "url": url, "pages": True}])

        # One whole run, timed from the moment it holds the lock, places the kills.
        proc = popen(root, "harvest")
        assert_wait(lambda: lock_pid(root) == proc.pid or proc.poll() is not None)
        t0 = time.monotonic()
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        span = time.monotonic() - t0
        assert len(stored(root)) == ITEMS

        partial = temps_seen = 0
        for rnd in range(ROUNDS):
            site.revision += 1                     # every article changes: every file rewritten
            since = time.time_ns()
            proc = popen(root, "harvest")
            assert_wait(lambda p=proc: lock_pid(root) == p.pid or p.poll() is not None)
            if rnd % 2:                            # mid-write: after k of this round's files
                k = rng.randint(1, ITEMS - 1)
                assert_wait(lambda p=proc, t=since, k=k: written_since(root, t) >= k
                            or p.poll() is not None, step=0.001)
            else:                                  # anywhere in the run
                time.sleep(rng.uniform(0, span * 1.1))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            done = written_since(root, since)
            partial += 0 < done < ITEMS
            temps = check_store(root)
            if temps:
                temps_seen += 1
                config = config_mod.load(root)
                arts = store_mod.Store(config.content_dir).articles()
                publish.publish(config, arts)
                assert not [p for p in (root / "site_src").rglob("*") if p.name.endswith(".tmp")]

        print(f"\n{ROUNDS} kills, {partial} mid-way through the writes, {temps_seen} leaving a "
              f"temporary file; one run takes {span:.2f} s")
        assert partial >= ROUNDS // 4              # the kills did land mid-write

        # What a kill between the store's mkstemp and os.replace leaves (rarely hit above):
        one = next((root / "content" / "articles").rglob("*.md"))
        planted = one.with_name(f".{one.name}.k1l2m3.tmp")
        planted.write_text(one.read_text(encoding="utf-8")[:50], encoding="utf-8")
        assert planted in check_store(root)
        config = config_mod.load(root)
        arts = store_mod.Store(config.content_dir).articles()
        assert len(arts) == ITEMS
        publish.publish(config, arts)
        assert not [p for p in (root / "site_src").rglob("*") if ".tmp" in p.name]

        res = cds(root, "harvest")                 # the final, undisturbed run
        assert res.returncode == 0, res.stderr
        assert check_store(root) == []             # the crash's temporary files are gone
        arts = stored(root)
        assert len(arts) == ITEMS
        assert sorted(a.url for a in arts) == sorted(
            site.url(f"/bai/bao/{n}.html") for n in range(1, ITEMS + 1))
        assert len({a.id for a in arts}) == ITEMS
        assert all(f"Cập nhật lần {site.revision}" in a.body for a in arts)
        assert State.load(root / ".cds").warning is None


def assert_wait(predicate, timeout: float = 30.0, step: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def test_sigterm_stops_schedule_mid_harvest_and_the_next_run_completes(tmp_path):
    with FeedSite() as site:
        site.page_delay = 0.3
        slow = site.add_feed("cham", list(range(1, 21)), full=False)
        fast = site.add_feed("nhanh", [31, 32])
        root = new_root(tmp_path / "root", [{"id": "nhanh", "url": fast},
                                            {"id": "cham", "url": slow, "pages": True}])
        proc = popen(root, "schedule")
        assert_wait(lambda: sum("/bai/cham/" in p for p in site.server.paths_requested()) >= 3
                    or proc.poll() is not None)
        assert lock_pid(root) == proc.pid                 # a run is in progress
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        err = proc.communicate(timeout=20)[1]
        took = time.monotonic() - t0
        assert proc.returncode == 0, err
        assert took < 5, f"took {took:.1f} s to stop"
        assert "schedule stopped" in err and "Traceback" not in err
        assert lock_pid(root) is None
        RunLock(root / ".cds").acquire().release()        # free for the next run

        check_store(root)
        arts = stored(root)
        assert 2 < len(arts) < 22                         # part of the slow source was stored
        state = State.load(root / ".cds")
        assert state.warning is None
        assert state.health("cham")["last_success"] is None   # left due: the rest comes next
        assert state.health("nhanh")["last_success"]

        site.page_delay = 0.0
        res = cds(root, "run")
        assert res.returncode == 0, res.stderr
        arts = stored(root)
        assert len(arts) == 22 and len({a.url for a in arts}) == 22
        assert (root / "site" / "index.html").is_file()
