"""One run at a time, through the command line (`python -m pipeline` in subprocesses), and
`cds run --commit`."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

from pipeline.cli import commands
from pipeline.ops import scheduler
from pipeline.ops import status as status_mod
from pipeline.store.state import RunLock
from tests.fixtures.sched.helpers import REPO, FeedSite, cds, cds_argv, child_env, new_root, stored


def popen(root, *args):
    return subprocess.Popen(cds_argv(root, *args), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env())


def wait_for(predicate, timeout=10.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def test_a_second_run_says_who_holds_the_lock_or_waits(tmp_path):
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1, 2])}])
        lock = RunLock(root / ".cds").acquire()
        try:
            for command in ("harvest", "run"):
                res = cds(root, command)
                assert res.returncode == 1, res.stderr
                assert res.stderr.startswith(
                    f"error: another run holds the lock: pid {os.getpid()} since "), res.stderr
                assert "Traceback" not in res.stderr
            waiting = popen(root, "harvest", "--wait")
            time.sleep(1.0)
            assert waiting.poll() is None                      # still waiting for the lock
        finally:
            lock.release()
        out, err = waiting.communicate(timeout=30)
        assert waiting.returncode == 0, err
        assert site.feed_requests("bao") == 1
        assert len(stored(root)) == 2


def test_two_processes_race_for_the_lock_and_exactly_one_runs(tmp_path):
    with FeedSite() as site:
        gate = site.feed_gate["bao"] = threading.Event()       # the winner holds the lock ...
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1, 2, 3])}])
        procs = [popen(root, "harvest") for _ in range(2)]
        assert wait_for(lambda: any(p.poll() is not None for p in procs), timeout=60)
        gate.set()                                             # ... until the loser has answered
        results = [(p.wait(timeout=60), p.communicate()[1]) for p in procs]
        codes = sorted(code for code, _ in results)
        assert codes == [0, 1], results
        loser = next(err for code, err in results if code == 1)
        assert "another run holds the lock: pid" in loser
        assert site.feed_requests("bao") == 1
        assert sorted(a.url for a in stored(root)) == sorted(
            site.url(f"/bai/bao/{n}.html") for n in (1, 2, 3))


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    with FeedSite() as site:
        site.feed_delay["bao"] = 30.0                          # it will hang in the request
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1, 2])}])
        proc = popen(root, "harvest")
        lock = RunLock(root / ".cds")
        assert wait_for(lambda: (lock.holder() or {}).get("pid") == proc.pid
                        and site.feed_requests("bao") == 1, timeout=20)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert str(proc.pid) in (root / ".cds" / "run.lock").read_text()   # the file stays ...
        assert lock.holder() is None                                       # ... but holds nothing
        site.feed_delay["bao"] = 0.0
        res = cds(root, "harvest")
        assert res.returncode == 0, res.stderr
        assert len(stored(root)) == 2
        assert lock.holder() is None


def git(root, *args) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t",
                           *args], check=True, capture_output=True, text=True).stdout


def test_run_commit_commits_content_after_a_change_only(tmp_path):
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1, 2])}])
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "root")
        res = cds(root, "run", "--commit")
        assert res.returncode == 0, res.stderr
        assert "đã ghi content/ vào git: cds run: 2 new, 0 updated" in res.stderr
        log = git(root, "log", "--format=%B%x00").split("\x00")
        assert log[0].strip() == "cds run: 2 new, 0 updated\n- bao: 2 new, 0 updated, 0 merged"
        files = git(root, "show", "--name-only", "--format=", "HEAD").split()
        assert len(files) == 2 and all(f.startswith("content/articles/") for f in files)
        assert (root / "site" / "index.html").is_file()

        res = cds(root, "run", "--commit")                      # nothing new: no commit
        assert res.returncode == 0, res.stderr
        assert "đã ghi content/" not in res.stderr
        assert git(root, "rev-list", "--count", "HEAD").strip() == "2"

        site.add_items("bao", 3)
        res = cds(root, "run", "--commit")
        assert "đã ghi content/ vào git: cds run: 1 new, 0 updated" in res.stderr
        assert git(root, "rev-list", "--count", "HEAD").strip() == "3"


def test_schedule_and_status_are_wired_into_the_cli(monkeypatch):
    seen = []
    monkeypatch.setattr(scheduler, "cmd_schedule", lambda args: seen.append("schedule") or 0)
    monkeypatch.setattr(status_mod, "cmd_status", lambda args: seen.append("status") or 0)
    assert commands.COMMANDS["schedule"](None) == 0
    assert commands.COMMANDS["status"](None) == 0
    assert seen == ["schedule", "status"]
