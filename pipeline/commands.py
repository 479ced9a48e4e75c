"""One function per CLI command: arguments in, jobs called, a summary out, an exit code back."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.models import RunReport


def eprint(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def dispatch(args: argparse.Namespace) -> int:
    handler = COMMANDS[args.command]
    return handler(args)


def load(args) -> config_mod.Config:
    return config_mod.load(args.root)


# --- harvest / run -----------------------------------------------------------------------------

def print_report(report: RunReport, config) -> None:
    width = max([len(s.source) for s in report.sources] + [6])
    eprint(f"{'source':<{width}}  new  upd  same  skip  dup  result")
    for s in report.sources:
        if s.failed:
            result = f"FAILED: {s.failed}"
        elif s.not_modified:
            result = "not modified (304)"
        else:
            result = "ok"
            if s.date_estimated:
                result += f", {s.date_estimated} without a date (harvest time used)"
            if s.errors:
                result += f", {len(s.errors)} page(s) unreadable"
            if s.images_failed:
                result += f", {s.images_failed} image(s) left at the source"
        eprint(f"{s.source:<{width}}  {s.new:>3}  {s.updated:>3}  {s.unchanged:>4}  "
               f"{s.skipped:>4}  {s.duplicates:>3}  {result}")
        for err in s.errors[:5]:
            eprint(f"{'':<{width}}    - {err}")
    t = report.totals()
    secs = (report.finished - report.started).total_seconds() if report.finished else 0
    eprint(f"{len(report.sources)} source(s): {t['new']} new, {t['updated']} updated, "
           f"{t['unchanged']} unchanged, {t['duplicates']} duplicate(s) merged, "
           f"{t['failed']} failed ({secs:.1f} s)")


def cmd_harvest(args) -> int:
    config = load(args)
    with jobs.run_lock(config, wait=args.wait):
        report = jobs.harvest(config, source_ids=args.source, due_only=args.due,
                              progress=not args.quiet)
    print_report(report, config)
    return 0 if report.ok else 1


def cmd_run(args) -> int:
    config = load(args)
    with jobs.run_lock(config, wait=args.wait):
        report = jobs.harvest(config, due_only=args.due, progress=not args.quiet)
        print_report(report, config)
        jobs.build(config, progress=not args.quiet)     # incremental: cheap when nothing changed
        eprint(f"built {config.root / 'site'}")
        if args.commit and report.changed:
            msg = jobs.commit_content(config, report)
            if msg:
                eprint(f"committed content/: {msg.splitlines()[0]}")
    return 0 if report.ok else 1


# --- publish / build / serve ------------------------------------------------------------------

def cmd_publish(args) -> int:
    config = load(args)
    res = jobs.publish_site(config, jobs.open_store(config).articles())
    eprint(f"site_src/: {res.written} written, {res.unchanged} unchanged, {res.removed} removed")
    return 0


def cmd_build(args) -> int:
    config = load(args)
    started = time.monotonic()
    pub, _ = jobs.build(config, progress=not args.quiet)
    eprint(f"site_src/: {pub.written} written, {pub.unchanged} unchanged, {pub.removed} removed")
    eprint(f"built {config.root / 'site'} in {time.monotonic() - started:.1f} s")
    return 0


def cmd_serve(args) -> int:
    config = load(args)
    if not args.no_build:
        jobs.build(config, progress=not args.quiet)
    jobs.serve(config.root / "site", port=args.port)
    return 0


# --- tag / check ------------------------------------------------------------------------------

def cmd_tag(args) -> int:
    config = load(args)
    if args.explain:
        print(jobs.explain(config, args.explain))
        return 0
    changed, total = jobs.retag(config, everything=args.all)
    eprint(f"tagged {total} article(s): {changed} changed")
    return 0


def cmd_check(args) -> int:
    problems, notes = jobs.check(args.root)
    for line in notes:
        print(line)
    for line in problems:
        eprint(f"error: {line}")
    if problems:
        eprint(f"{len(problems)} problem(s)")
        return 2
    eprint("feeds.yml and content/ are valid")
    return 0


# --- init / demo ------------------------------------------------------------------------------

def cmd_init(args) -> int:
    dest = jobs.init_root(args.dir)
    eprint(f"new root in {dest}: edit {dest / 'feeds.yml'}, then `cds --root {dest} run`")
    return 0


def cmd_demo(args) -> int:
    started = time.monotonic()
    out: Path = args.out.resolve()
    config, report, _ = jobs.run_demo(out, progress=not args.quiet)
    print_report(report, config)
    site = out / "site"
    eprint("")
    eprint(f"Demo site built in {time.monotonic() - started:.1f} s: {site}")
    eprint(f"  open {site / 'index.html'}  (or serve it: .venv/bin/cds --root {out} serve --no-build"
           f" → http://127.0.0.1:8000/)")
    return 0 if report.ok else 1


def cmd_schedule(args) -> int:
    from pipeline import scheduler
    return scheduler.cmd_schedule(args)


def cmd_status(args) -> int:
    from pipeline import status
    return status.cmd_status(args)


def cmd_docs(args) -> int:
    config = load(args)
    path = jobs.add_document(config, args.number)
    eprint(f"new register entry {path.relative_to(config.root)}: complete it, then `cds check`")
    return 0


def cmd_review(args) -> int:
    from pipeline.desk.cli import cmd_review as run
    return run(args)


def cmd_desk(args) -> int:
    from pipeline.desk.cli import cmd_desk as run
    return run(args)


COMMANDS = {
    "harvest": cmd_harvest,
    "run": cmd_run,
    "publish": cmd_publish,
    "build": cmd_build,
    "serve": cmd_serve,
    "tag": cmd_tag,
    "check": cmd_check,
    "init": cmd_init,
    "demo": cmd_demo,
    "schedule": cmd_schedule,
    "status": cmd_status,
    "docs": cmd_docs,
    "review": cmd_review,
    "desk": cmd_desk,
}
