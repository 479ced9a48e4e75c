"""`cds schedule` in-process: due sources, backoff and recovery, one run at a time, builds only
after a change, stopping, feeds.yml reloads; and the deployment files (systemd, nginx)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.errors import CdsError
from pipeline.ops.scheduler import MAX_TICK, Scheduler, content_signature, tick_seconds
from pipeline.store.state import RunLock, State
from tests.fixtures.sched.helpers import REPO, FeedSite, feeds_yml, new_root, stored
from tests.nginx_site import nginx_serving

VN_NOW = lambda: datetime.now().astimezone()  # noqa: E731


class Log(list):
    def __call__(self, line: str) -> None:
        self.append(line)

    def text(self) -> str:
        return "\n".join(self)


class CountingBuild:
    """The real build, counted."""

    def __init__(self):
        self.calls = 0

    def __call__(self, config):
        self.calls += 1
        return jobs.build(config, progress=False)


def urls_once(root: Path) -> list[str]:
    arts = stored(root)
    urls = [a.url for a in arts]
    assert len(set(urls)) == len(urls), "an article was stored twice"
    assert len({a.id for a in arts}) == len(arts)
    return urls


# --- unit ---------------------------------------------------------------------------------------

def test_tick_is_the_shortest_interval_capped_at_a_minute(tmp_path):
    def cfg(text):
        return config_mod.parse_text(text, tmp_path)

    srcs = [{"id": "a", "url": "https://a.example.vn/rss", "interval": "2h"},
            {"id": "b", "url": "https://b.example.vn/rss", "interval": "45s"}]
    assert tick_seconds(cfg(feeds_yml(srcs, interval="30m"))) == 45
    assert tick_seconds(cfg(feeds_yml(srcs[:1], interval="30m"))) == MAX_TICK
    srcs[1]["enabled"] = "false"
    assert tick_seconds(cfg(feeds_yml(srcs, interval="5s"))) == MAX_TICK   # only enabled ones count
    assert tick_seconds(cfg(feeds_yml([{**srcs[0], "enabled": "false"}], interval="5s"))) == 5


def _signature_by_rglob(root: Path) -> str:
    """``content_signature`` as it was written first (``Path.rglob`` and a ``Path`` a file):
    the digest the scandir walk must keep giving (``.cds/schedule.json`` holds one)."""
    import hashlib

    from pipeline import __version__
    from pipeline.ops.scheduler import SITE_FILES
    h = hashlib.sha256(f"cds {__version__}\n".encode())
    paths = [root / name for name in SITE_FILES]
    content = root / "content"
    if content.is_dir():
        paths += sorted(p for p in content.rglob("*")
                        if not any(part.startswith(".") for part in p.relative_to(content).parts))
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        if p.is_file():
            rel = p.relative_to(root).as_posix()
            h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def test_content_signature_is_the_rglob_digest(tmp_path):
    """The same digest as the first (rglob) version on a tree with nested and hidden folders,
    dot files, names that sort differently as paths and as strings, a linked file (its
    target counts), a linked folder (not entered), a dangling link and a missing YAML file."""
    root = tmp_path / "root"
    content = root / "content"
    for rel in ("articles/2025/01/a.md", "articles/2025/01/b-c.md", "articles/2025-x.md",
                "articles/2025/10/z.md", "media/ab/pic.jpg", "van-ban/1.md", "pages/gioi-thieu.md",
                ".git/HEAD", "articles/.hidden/x.md", "articles/2025/.tmp-a.md", "a b/ç.md"):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(rel * 3, encoding="utf-8")
    (root / "feeds.yml").write_text("sources: []\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "f.md").write_text("x", encoding="utf-8")
    (outside / "g.md").write_text("longer text", encoding="utf-8")
    os.symlink(outside / "g.md", content / "articles" / "linked.md")
    os.symlink(outside / "sub", content / "articles" / "linked-folder")
    os.symlink(tmp_path / "nowhere", content / "articles" / "dangling.md")
    assert content_signature(root) == _signature_by_rglob(root)
    (content / "articles" / "2025" / "01" / "a.md").write_text("changed", encoding="utf-8")
    assert content_signature(root) == _signature_by_rglob(root)
    shutil.rmtree(content)
    assert content_signature(root) == _signature_by_rglob(root)


def test_content_signature_follows_content_but_not_temp_files(tmp_path):
    root = new_root(tmp_path / "root", [{"id": "a", "url": "https://a.example.vn/rss"}])
    folder = root / "content" / "articles" / "2025" / "04"
    folder.mkdir(parents=True)
    before = content_signature(root)
    (folder / ".bai-viet.md.x1y2.tmp").write_text("half", encoding="utf-8")
    assert content_signature(root) == before
    (folder / "bai-viet.md").write_text("---\nid: x\n---\n", encoding="utf-8")
    after = content_signature(root)
    assert after != before
    assert content_signature(root) == after


# --- the scheduler over loopback ------------------------------------------------------------------

def test_failing_source_backs_off_and_recovers_while_others_go_on(tmp_path):
    log, build = Log(), CountingBuild()
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [
            {"id": "bao", "url": site.add_feed("bao", [1, 2])},
            {"id": "cong", "url": site.add_feed("cong", [11, 12])},
        ])
        sched = Scheduler(config_mod.load(root), build=build, log=log)
        assert sched.tick_seconds == 1
        # Each tick's time is taken from the real clock at that step (harvests record their
        # own real times): a slow first build on a loaded machine must not make the later,
        # simulated ticks fall before the sources' real last success.
        first = sched.tick(VN_NOW())
        assert first.due == ["bao", "cong"] and first.report.totals()["new"] == 4
        assert first.built and build.calls == 1
        assert (root / "site" / "index.html").is_file()

        again = sched.tick(VN_NOW() + timedelta(seconds=5))         # due again, nothing new
        assert again.due == ["bao", "cong"] and not again.report.changed
        assert not again.built and build.calls == 1           # no change, no build

        site.broken.add("cong")                               # the portal goes down
        site.add_items("bao", 3)
        res = sched.tick(VN_NOW() + timedelta(seconds=10))
        rep = {s.source: s for s in res.report.sources}
        assert rep["bao"].new == 1 and rep["cong"].failed == "HTTP 503"
        assert res.built and build.calls == 2
        state = State.load(root / ".cds")
        h = state.health("cong")
        assert h["consecutive_failures"] == 1
        first_retry = datetime.fromisoformat(h["next_attempt"])
        assert first_retry - VN_NOW() > timedelta(minutes=29)  # backed off, not every second
        assert "cong: FAILED (1 in a row): HTTP 503" in log.text()

        site.add_items("bao", 4)
        before = site.feed_requests("cong")
        res = sched.tick(VN_NOW() + timedelta(seconds=20))          # the other source goes on
        assert res.due == ["bao"] and res.report.totals()["new"] == 1
        assert site.feed_requests("cong") == before           # cong was left alone

        res = sched.tick(VN_NOW() + timedelta(minutes=31))          # backoff over, still down
        assert "cong" in res.due
        h = State.load(root / ".cds").health("cong")
        assert h["consecutive_failures"] == 2
        second_retry = datetime.fromisoformat(h["next_attempt"])
        assert second_retry - VN_NOW() > timedelta(minutes=59)   # moved further out
        assert second_retry > first_retry

        site.broken.discard("cong")                           # healed, with news
        site.add_items("cong", 13)
        res = sched.tick(VN_NOW() + timedelta(minutes=32))
        assert "cong" not in res.due                          # not before its next attempt
        res = sched.tick(VN_NOW() + timedelta(hours=2))
        assert "cong" in res.due
        rep = {s.source: s for s in res.report.sources}
        assert rep["cong"].ok and rep["cong"].new == 1
        h = State.load(root / ".cds").health("cong")
        assert h["consecutive_failures"] == 0 and h["last_success"]

    assert sorted(urls_once(root)) == sorted(
        site.url(f"/bai/{f}/{n}.html") for f, ns in (("bao", [1, 2, 3, 4]), ("cong", [11, 12, 13]))
        for n in ns)
    runs = [line for line in log if "] run: " in line]
    assert len(runs) == 7                                     # one line per run
    assert all("(" in line and " s)" in line for line in runs)


def test_a_tick_that_finds_the_lock_held_skips_and_the_next_one_runs(tmp_path):
    log = Log()
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1])}])
        sched = Scheduler(config_mod.load(root), build=lambda c: None, log=log)
        other = RunLock(root / ".cds").acquire()          # someone runs `cds run` by hand
        try:
            res = sched.tick()
        finally:
            other.release()
        assert res.skipped and "another run holds the lock: pid" in res.skipped
        assert site.feed_requests("bao") == 0 and "skipped: another run holds the lock" in log.text()
        res = sched.tick()
        assert res.due == ["bao"] and res.report.totals()["new"] == 1
        assert RunLock(root / ".cds").holder() is None        # released after the run


def test_nothing_due_takes_no_lock_and_fetches_nothing(tmp_path):
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1]),
                                              "interval": "1h"}])
        sched = Scheduler(config_mod.load(root), build=CountingBuild(), log=Log())
        assert sched.tick().due == ["bao"]
        other = RunLock(root / ".cds").acquire()              # held: a tick must not need it
        try:
            res = sched.tick(VN_NOW() + timedelta(minutes=5))
        finally:
            other.release()
        assert not res.ran and res.skipped is None
        assert site.feed_requests("bao") == 1


def test_run_loop_ticks_on_schedule_and_stops_on_request(tmp_path):
    log = Log()
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1, 2])}])
        sched = Scheduler(config_mod.load(root), build=lambda c: None, log=log)
        started = time.monotonic()
        assert sched.run(max_ticks=3) == 3
        assert 1.5 < time.monotonic() - started < 60          # on schedule (upper bound: a hang)
        assert site.feed_requests("bao") >= 2                 # interval 1 s: due on each tick

        asked: list[float] = []
        threading.Timer(0.3, lambda: (asked.append(time.monotonic()), sched.stop())).start()
        ticks = sched.ticks
        sched.run()                                           # until stopped
        assert asked and sched.ticks - ticks <= 2             # ended on request, not by running on
        assert time.monotonic() - asked[0] < 30               # after the step under way at most
        assert sched.run(duration=5) == 0                     # a stopped scheduler stays stopped


def test_sigint_stops_the_loop_and_a_second_signal_interrupts_at_once(tmp_path):
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1])}])
        sched = Scheduler(config_mod.load(root), build=lambda c: None, log=Log())
        # the tagger's model is fitted once per process at first use (~2 s CPU): fit it now,
        # so the step under way when the signal comes is a harvest, not the first fit
        from pipeline.tagging import model as theme_model
        theme_model.for_root(root)
        before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        with sched.signals_handled():
            threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
            started = time.monotonic()
            sched.run()
            assert time.monotonic() - started < 2 and sched.stopping
            with pytest.raises(KeyboardInterrupt):               # the operator insists
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1)
        assert {sig: signal.getsignal(sig) for sig in before} == before
        assert RunLock(root / ".cds").holder() is None


def test_stop_during_a_harvest_stores_what_it_has_and_the_next_run_fetches_the_rest(tmp_path):
    with FeedSite() as site:
        site.page_delay = 0.3
        url = site.add_feed("cham", list(range(1, 21)), full=False)
        root = new_root(tmp_path / "root", [{"id": "cham", "url": url, "pages": True}])
        sched = Scheduler(config_mod.load(root), build=CountingBuild(), log=Log())

        def pages_served() -> int:
            return sum(1 for p in site.server.paths_requested() if p.startswith("/bai/cham/"))

        def stop_after_three_pages() -> None:     # mid-harvest, whatever the machine's load
            deadline = time.monotonic() + 60
            while pages_served() < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            sched.stop()

        threading.Thread(target=stop_after_three_pages, daemon=True).start()
        res = sched.tick()
        assert pages_served() < 20                            # not the 20 pages of it all
        rep = res.report.sources[0]
        assert rep.ok and 0 < rep.new < 20 and any("interrupted" in e for e in rep.errors)
        assert not res.built                                  # the build waits for the next run
        state = State.load(root / ".cds")
        assert state.health("cham")["last_success"] is None   # still due
        assert state.validators(url) == (None, None)          # no 304 hiding the rest next time
        first = len(urls_once(root))
        assert first == rep.new

        site.page_delay = 0.0
        again = Scheduler(config_mod.load(root), build=CountingBuild(), log=Log())
        res = again.tick()
        assert res.report.sources[0].new == 20 - first
        assert res.built                                      # what the stopped run left
        assert len(urls_once(root)) == 20


def test_build_runs_when_content_changed_by_hand_and_a_failed_build_waits(tmp_path):
    log = Log()
    calls = []

    def failing(config):
        calls.append(1)
        raise CdsError("mkdocs: theme error")

    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1]),
                                              "interval": "1h"}])
        sched = Scheduler(config_mod.load(root), build=failing, log=log)
        res = sched.tick()
        assert res.build_error == "mkdocs: theme error" and len(calls) == 1
        assert "BUILD FAILED: mkdocs: theme error" in log.text()
        assert not sched.tick().ran and len(calls) == 1      # same inputs: not retried each tick

        build = CountingBuild()
        sched = Scheduler(config_mod.load(root), build=build, log=log)   # e.g. after a restart
        assert sched.tick().built and build.calls == 1
        assert not sched.tick().ran                           # built: nothing to do
        art = next((root / "content" / "articles").rglob("*.md"))
        text = art.read_text(encoding="utf-8")
        assert "status: published\n" in text
        art.write_text(text.replace("status: published\n", "status: published\nfeatured: true\n"),
                       encoding="utf-8")
        assert sched.tick().built and build.calls == 2        # an editor's change is published
        restarted = Scheduler(config_mod.load(root), build=build, log=log)
        assert not restarted.tick().ran                       # remembered across restarts


def test_commit_after_a_harvest_that_changed_content_only(tmp_path):
    def git(*args):
        return subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t",
                               *args], check=True, capture_output=True, text=True).stdout

    log = Log()
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1, 2])}])
        git("init", "-q")
        sched = Scheduler(config_mod.load(root), build=lambda c: None, log=log, commit=True)
        res = sched.tick()
        assert res.committed == "cds run: 2 new, 0 updated\n- bao: 2 new, 0 updated, 0 merged"
        assert "content/ committed" in log.text()
        assert git("rev-list", "--count", "HEAD").strip() == "1"
        res = sched.tick(VN_NOW() + timedelta(seconds=5))
        assert res.due == ["bao"] and res.committed is None
        assert git("rev-list", "--count", "HEAD").strip() == "1"
        assert git("status", "--porcelain", "--", "content").strip() == ""


def test_feeds_yml_changes_are_picked_up_and_bad_ones_ignored(tmp_path):
    log = Log()
    with FeedSite() as site:
        a = {"id": "bao", "url": site.add_feed("bao", [1]), "interval": "1h"}
        root = new_root(tmp_path / "root", [a])
        sched = Scheduler(config_mod.load(root), build=lambda c: None, log=log)
        assert sched.tick().due == ["bao"]
        b = {"id": "dai", "url": site.add_feed("dai", [21, 22]), "interval": "2s"}
        (root / "feeds.yml").write_text(feeds_yml([a, b]), encoding="utf-8")
        res = sched.tick()
        assert res.due == ["dai"] and sched.tick_seconds == 2
        assert "feeds.yml changed" in log.text()
        (root / "feeds.yml").write_text(feeds_yml([a, b]) + "  - {id: BAD}\n", encoding="utf-8")
        res = sched.tick(VN_NOW() + timedelta(seconds=5))
        assert res.due == ["dai"]                             # the previous configuration
        assert "keeping the previous configuration" in log.text()


# --- deployment files ---------------------------------------------------------------------------

DEPLOY = REPO / "deploy"


def test_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    cds = REPO / ".venv" / "bin" / "cds"
    if not cds.exists():
        pytest.skip(f"{cds} missing: the units' ExecStart needs an installed cds")
    units = ["cds-schedule.service", "cds-run.service", "cds-run.timer"]
    for name in units:     # the units point at /opt/cds and /srv/cds: point them at this checkout
        text = (DEPLOY / name).read_text(encoding="utf-8")
        assert "/opt/cds/.venv/bin/cds" in text or name.endswith(".timer")
        text = text.replace("/opt/cds/.venv/bin/cds", str(cds)).replace("/srv/cds", str(tmp_path))
        (tmp_path / name).write_text(text, encoding="utf-8")
    res = subprocess.run([analyze, "verify", *(str(tmp_path / n) for n in units)],
                         capture_output=True, text=True, timeout=60)
    # verify exits 0 even for unknown keys or bad values: every line about our units is a problem
    problems = [line for line in (res.stdout + res.stderr).splitlines()
                if any(name in line for name in units)]
    assert res.returncode == 0 and not problems, res.stdout + res.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nginx_config_serves_a_site_with_feed_types_gzip_cache_and_404(tmp_path):
    site = tmp_path / "site"
    page = "<!doctype html><html lang=\"vi\"><body>" + "Chuyển đổi số. " * 100 + "</body></html>"
    files = {
        "index.html": page, "404.html": page.replace("Chuyển", "Không tìm thấy trang"),
        "tin-tuc/bai-viet/index.html": page, "rss.xml": "<rss version=\"2.0\"/>" + " " * 300,
        "atom.xml": "<feed xmlns=\"http://www.w3.org/2005/Atom\"/>",
        "chu-de/van-ban/rss.xml": "<rss version=\"2.0\"/>",
        "assets/stylesheets/main.57a0d79d.min.css": "body{}", "assets/stylesheets/cds.css": "a{}",
        ".git/config": "secret",
    }
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    with nginx_serving(site, tmp_path) as base:
        r = requests.get(base + "/", headers={"Accept-Encoding": "gzip"}, timeout=5)
        assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert r.headers["Cache-Control"] == "no-cache" and r.headers["ETag"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert requests.get(base + "/tin-tuc/bai-viet/", timeout=5).status_code == 200
        for path, ctype in (("/rss.xml", "application/rss+xml; charset=utf-8"),
                            ("/atom.xml", "application/atom+xml; charset=utf-8"),
                            ("/chu-de/van-ban/rss.xml", "application/rss+xml; charset=utf-8")):
            r = requests.get(base + path, headers={"Accept-Encoding": "gzip"}, timeout=5)
            assert r.status_code == 200 and r.headers["Content-Type"] == ctype, path
            assert r.headers["Cache-Control"] == "no-cache"
        assert requests.get(base + "/rss.xml", headers={"Accept-Encoding": "gzip"},
                            timeout=5).headers.get("Content-Encoding") == "gzip"
        r = requests.get(base + "/assets/stylesheets/main.57a0d79d.min.css", timeout=5)
        assert "immutable" in r.headers["Cache-Control"]
        r = requests.get(base + "/assets/stylesheets/cds.css", timeout=5)
        assert r.headers["Cache-Control"] == "public, max-age=86400"
        r = requests.get(base + "/khong-co-trang-nay/", timeout=5)
        assert r.status_code == 404 and "Không tìm thấy trang" in r.text
        assert requests.get(base + "/.git/config", timeout=5).status_code == 404


def test_deploy_guide_covers_the_operators_tasks():
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needle in ("cds-schedule.service", "cds-run.timer", "nginx-cds.conf", "application/rss+xml",
                   "application/atom+xml", ".cds/state.json", "git", "cds status",
                   "systemctl", "journalctl", "Tóm tắt"):
        assert needle in guide, needle
