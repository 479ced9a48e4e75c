"""``cds schedule``: run ``run`` unattended, one source at its own pace, until stopped.

Every *tick* (the shortest source interval, at most a minute) the scheduler reads the state file
and picks the enabled sources that are due: never harvested, ``interval`` elapsed since their last
success, or their backoff over after failures (:meth:`pipeline.store.state.State.is_due`). Only then
does it take the root's run lock, harvest those sources, commit ``content/`` (with ``commit``),
and rebuild the site when the store changed. The lock is held only while a run is in progress,
so a person can still run ``cds run`` or ``cds harvest`` between ticks; a tick that finds the
lock held is skipped and logged.

"Changed" is remembered across runs and restarts: the inputs of the site (``content/``, the
root's YAML files, the cds version) are summarised in a signature kept in
``.cds/schedule.json`` after each successful build. A build skipped because of a stop, a failed
build, or an editor's change to ``content/`` is therefore picked up by a later tick.

SIGTERM and SIGINT end it cleanly: the harvest stops fetching after the requests in flight,
stores what it has (atomic writes), saves the state, releases the lock; the build is left for
the next start. A second signal stops at once (``KeyboardInterrupt``).

Each run logs one line to stderr, and one more line per source that failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import schedule

from pipeline import __version__, jobs
from pipeline import config as config_mod
from pipeline.core.errors import CdsError, ConfigError, LockedError
from pipeline.core.fileio import write_atomic
from pipeline.core.models import Config, RunReport, Source
from pipeline.store.state import RunLock, State

MAX_TICK = 60              # seconds: check at least once a minute whether a source is due
MIN_TICK = 1
POLL = 0.2                 # seconds between looks at the stop flag while idle
BUILD_RETRY = 1800         # seconds before a failed build is tried again with the same inputs
SCHEDULE_FILE = "schedule.json"
SITE_FILES = ("feeds.yml", "mkdocs.yml", "taxonomy.yml")

__all__ = ["Scheduler", "TickResult", "cmd_schedule", "content_signature", "tick_seconds",
           "warm_process"]


def tick_seconds(config: Config) -> int:
    """How often to look for due sources: the shortest enabled source interval (or
    ``defaults.interval`` when none is enabled), between 1 s and a minute."""
    intervals = [s.interval for s in config.sources if s.enabled] or [config.defaults.interval]
    return int(max(MIN_TICK, min(min(intervals), MAX_TICK)))


def content_signature(root: Path) -> str:
    """A digest of what the built site depends on: every file under ``content/`` (path, size,
    modification time; hidden and temporary files excepted), the root's YAML files and the cds
    version. Cheap: no file is read, and the folder is walked with ``os.scandir`` (no ``Path``
    a file: a tick of a 5,000-article root looks at it in a few hundredths of a second)."""
    root = Path(root)
    h = hashlib.sha256(f"cds {__version__}\n".encode())
    for name in SITE_FILES:
        _file_line(h, os.path.join(root, name), name)

    def walk(folder: str, prefix: str) -> None:
        # in the order of the sorted paths (a folder's files right after it, by name); folders
        # reached through a link are not entered, a linked file counts as its target
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue                             # hidden and temporary files
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                walk(entry.path, rel + "/")
            else:
                _file_line(h, entry.path, rel, entry)

    walk(os.path.join(root, "content"), "content/")
    return h.hexdigest()


def _file_line(h, path: str, rel: str, entry: os.DirEntry | None = None) -> None:
    """``rel``'s size and time into ``h`` when it is a file (a link: its target's)."""
    try:
        st = entry.stat() if entry is not None else os.stat(path)
    except OSError:
        return
    if stat.S_ISREG(st.st_mode):
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())


@dataclass
class TickResult:
    """What one tick did."""
    when: datetime
    due: list[str] = field(default_factory=list)        # source ids harvested
    report: RunReport | None = None
    built: bool = False
    build_error: str | None = None
    committed: str | None = None                        # the commit message, when committed
    skipped: str | None = None                          # why nothing ran (lock held, stopping)
    error: str | None = None                            # a run that ended on an error

    @property
    def ran(self) -> bool:
        return bool(self.due) or self.built or self.build_error is not None


def _eprint(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Scheduler:
    """Harvest due sources and rebuild the site, tick after tick.

    ``tick(now)`` does one pass (``now`` may be injected: it decides which sources are due);
    ``run(max_ticks=, duration=)`` loops with the ``schedule`` package until stopped, after
    ``max_ticks`` ticks, or after ``duration`` seconds. ``stop()`` (thread- and signal-safe:
    it only sets a flag) ends the loop after the current step.

    ``build`` (default: ``jobs.build``) and ``log`` (default: a line on stderr) can be replaced;
    ``commit`` commits ``content/`` to git after a harvest that changed it.
    """

    def __init__(self, config: Config, *, commit: bool = False,
                 build: Callable[[Config], Any] | None = None,
                 log: Callable[[str], None] | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.config = config
        self.commit = commit
        self._build_fn = build if build is not None else self._default_build
        self._print = log if log is not None else _eprint
        self.tz = config_mod.timezone(config)
        self._clock = clock or (lambda: datetime.now(self.tz).replace(microsecond=0))
        self._stop_requested = False
        self._signals = 0
        self._feeds_stamp = self._stamp()
        self._failed_build: tuple[str, float] | None = None      # (signature, monotonic time)
        self._built_sig = self._read_schedule_file().get("built")
        self.ticks = 0
        self._jobs = schedule.Scheduler()
        self._every = 0
        self._reschedule()

    @staticmethod
    def _default_build(config: Config) -> Any:
        return jobs.build(config, progress=False)

    # --- stopping ---------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop_requested

    def stop(self) -> None:
        """Ask the loop to end after the current step (safe from a signal handler)."""
        self._stop_requested = True

    def _on_signal(self, signum, frame) -> None:
        self._signals += 1
        if self._signals > 1:
            raise KeyboardInterrupt
        self.stop()

    @contextlib.contextmanager
    def signals_handled(self):
        """SIGTERM and SIGINT call :meth:`stop` inside the block (main thread only)."""
        old = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield self
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)

    # --- the loop ---------------------------------------------------------------------------

    @property
    def tick_seconds(self) -> int:
        return self._every

    def _reschedule(self) -> None:
        every = tick_seconds(self.config)
        if every != self._every:
            self._jobs.clear()
            self._jobs.every(every).seconds.do(self._scheduled_tick)
            self._every = every

    def _scheduled_tick(self) -> None:
        self.ticks += 1
        try:
            self.tick()
        except Exception as exc:  # e.g. an unreadable content/ folder: log, try again next tick
            self.log(f"error: {exc}")

    def run(self, *, max_ticks: int | None = None, duration: float | None = None) -> int:
        """Tick now, then every :attr:`tick_seconds`, until :meth:`stop`, ``max_ticks`` ticks
        or ``duration`` seconds. Returns the number of ticks run."""
        deadline = None if duration is None else time.monotonic() + duration
        start = self.ticks

        def more() -> bool:
            return not (self.stopping
                        or (max_ticks is not None and self.ticks - start >= max_ticks)
                        or (deadline is not None and time.monotonic() >= deadline))

        if more():
            self._jobs.run_all()            # the first tick at once; the next ones on schedule
        while more():
            self._jobs.run_pending()
            wait = self._jobs.idle_seconds
            wait = POLL if wait is None else max(0.0, min(POLL, wait))
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            time.sleep(wait)
        return self.ticks - start

    # --- one tick ---------------------------------------------------------------------------

    def due(self, now: datetime, state: State | None = None) -> list[Source]:
        """The enabled sources due at ``now``, in feeds.yml order."""
        state = state or State.load(self.config.state_dir)
        return [s for s in self.config.sources if s.enabled and state.is_due(s, now)]

    def tick(self, now: datetime | None = None) -> TickResult:
        """One pass: harvest the due sources and rebuild when the store changed. The run lock is
        taken only when there is something to do."""
        self._maybe_reload()
        now = now or self._clock()
        res = TickResult(when=now)
        if self.stopping:
            res.skipped = "stopping"
            return res
        if not self.due(now) and not self._build_needed(False):
            return res
        try:
            lock = RunLock(self.config.state_dir).acquire(wait=False)
        except LockedError as exc:
            res.skipped = str(exc)
            self.log(f"skipped: {exc}; trying again in {self.tick_seconds} s")
            return res
        started = time.monotonic()
        try:
            self._run_locked(now, res)
        except CdsError as exc:
            res.error = str(exc)
        except Exception as exc:  # a bug must not end an unattended service
            res.error = f"internal error: {exc!r}"
            for line in traceback.format_exc().rstrip().splitlines():
                self.log("  " + line)
        finally:
            lock.release()
        self._log_tick(res, time.monotonic() - started)
        return res

    def _run_locked(self, now: datetime, res: TickResult) -> None:
        state = State.load(self.config.state_dir)      # again, under the lock
        if state.warning:
            self.log(f"warning: {state.warning}")
        due = self.due(now, state)
        res.due = [s.id for s in due]
        if due:
            res.report = jobs.harvest(self.config, source_ids=res.due, progress=False,
                                      stop=lambda: self._stop_requested)
            if self.commit:
                try:
                    res.committed = jobs.commit_content(self.config, res.report)
                except (subprocess.CalledProcessError, OSError) as exc:
                    res.error = f"git commit of content/ failed: {exc}"
        if self.stopping:
            return
        changed = bool(res.report and res.report.changed)
        if self._build_needed(changed):
            sig = content_signature(self.config.root)
            try:
                self._build_fn(self.config)
            except CdsError as exc:
                res.build_error = str(exc)
                self._failed_build = (sig, time.monotonic())
                return
            res.built = True
            self._failed_build = None
            self._built_sig = sig
            self._write_schedule_file({"built": sig, "built_at": self._clock().isoformat()})

    def _build_needed(self, changed: bool) -> bool:
        if changed:
            return True
        sig = content_signature(self.config.root)
        if self._failed_build and self._failed_build[0] == sig \
                and time.monotonic() - self._failed_build[1] < BUILD_RETRY:
            return False                 # the same inputs failed a moment ago: wait for a change
        if not (self.config.root / "site" / "index.html").is_file():
            return True
        return sig != self._built_sig

    # --- feeds.yml changes --------------------------------------------------------------------

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.config.root / config_mod.FILENAME).stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _maybe_reload(self) -> None:
        stamp = self._stamp()
        if stamp == self._feeds_stamp:
            return
        self._feeds_stamp = stamp
        try:
            config = config_mod.load(self.config.root)
        except ConfigError as exc:
            for line in exc.problems:
                self.log(f"error: {line}")
            self.log("feeds.yml changed but has problems: keeping the previous configuration")
            return
        self.config = config
        self.tz = config_mod.timezone(config)
        self._reschedule()
        self.log(f"feeds.yml changed: {self.describe()}")

    # --- files and logging --------------------------------------------------------------------

    def _schedule_path(self) -> Path:
        return self.config.state_dir / SCHEDULE_FILE

    def _read_schedule_file(self) -> dict:
        try:
            data = json.loads(self._schedule_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_schedule_file(self, data: dict) -> None:
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self._schedule_path(), json.dumps(data, indent=2, sort_keys=True) + "\n",
                     durable=True, make_parents=False)

    def fmt(self, when: datetime | str | None) -> str:
        """A time in the site's zone, for the log and the status table."""
        if isinstance(when, str):
            try:
                when = datetime.fromisoformat(when)
            except ValueError:
                return when
        if when is None:
            return "-"
        return when.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def log(self, line: str) -> None:
        self._print(f"[{self.fmt(self._clock())}] {line}")

    def describe(self) -> str:
        enabled = [s for s in self.config.sources if s.enabled]
        return (f"{len(enabled)} enabled source(s), looking for due ones every "
                f"{self.tick_seconds} s")

    def _log_tick(self, res: TickResult, seconds: float) -> None:
        parts = []
        rep = res.report
        if rep is not None:
            t = rep.totals()
            parts.append(f"{len(rep.sources)} source(s): {t['new']} new, {t['updated']} updated, "
                         f"{t['duplicates']} merged, {t['failed']} failed")
        if res.committed:
            parts.append("content/ committed")
        if res.built:
            parts.append("site rebuilt")
        elif res.build_error:
            parts.append(f"BUILD FAILED: {res.build_error.splitlines()[0]}")
        elif rep is not None and rep.changed and self.stopping:
            parts.append("stopping: the build is left for the next run")
        if res.error:
            parts.append(f"ERROR: {res.error.splitlines()[0]}")
        if not parts:
            return
        self.log(f"run: {'; '.join(parts)} ({seconds:.1f} s)")
        if rep is None:
            return
        health = State.load(self.config.state_dir)
        for s in rep.sources:
            if s.failed:
                h = health.health(s.source)
                self.log(f"  {s.source}: FAILED ({h['consecutive_failures']} in a row): {s.failed}; "
                         f"next attempt {self.fmt(h['next_attempt'])}")
            elif s.errors:
                self.log(f"  {s.source}: {len(s.errors)} problem(s), first: {s.errors[0]}")


def warm_tagger(config) -> None:
    """Load the tagger's model before the first step (from ``.cds/tagger-model.npz``, ~0.2 s; a
    fit of ~4–6 s CPU when the file is missing or stale), so that a stop signal during a
    harvest never waits for it. A broken taxonomy is left to the harvest, which reports it."""
    from pipeline.tagging import model as theme_model
    from pipeline.tagging import tag as tagger
    try:
        taxonomy = tagger.Taxonomy.load(config.root)
    except CdsError:
        return
    if taxonomy.model.enabled:
        theme_model.for_root(taxonomy.root)


def warm_process(config) -> None:
    """What a long-running process sets up once: the tagger's model loaded
    (:func:`warm_tagger`), and what each build keeps for the next one (``jobs.keep_warm``: the
    store index's articles and their site copies, so a tick that finds one new article does
    not unpickle and copy every article again)."""
    jobs.keep_warm()
    warm_tagger(config)


def cmd_schedule(args) -> int:
    """``cds schedule``: run until SIGTERM/SIGINT. ``args``: ``root`` (Path), ``quiet``, and
    optionally ``commit`` (commit ``content/`` after each harvest that changed it)."""
    config = config_mod.load(args.root)
    sched = Scheduler(config, commit=bool(getattr(args, "commit", False)))
    sched.log(f"schedule started (pid {os.getpid()}) on {config.root.resolve()}: {sched.describe()}; "
              "SIGTERM or Ctrl-C stops it")
    warm_process(config)
    with sched.signals_handled():
        sched.run()
    sched.log("schedule stopped")
    return 0
