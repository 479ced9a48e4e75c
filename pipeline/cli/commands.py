"""One function per CLI command: arguments in, jobs called, a summary out, an exit code back."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.models import RunReport


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
        pub, _ = jobs.build(config, progress=not args.quiet)  # incremental: cheap if unchanged
        eprint(f"built {config.root / 'site'}")
        if pub.problems:
            from pipeline.harvest import run as harvest_run
            harvest_run.write_run_report(config, report, content_problems=pub.problems)
            eprint(f"{len(pub.problems)} article file(s) could not be used (see above)")
        if getattr(args, "ping", False):
            _ping(config, every=False)
        if args.commit and report.changed:
            msg = jobs.commit_content(config, report)
            if msg:
                eprint(f"committed content/: {msg.splitlines()[0]}")
    return 0 if report.ok and not pub.problems else 1


# --- publish / build / serve ------------------------------------------------------------------

def cmd_publish(args) -> int:
    config = load(args)
    content = jobs.site_content(config)
    res = jobs.publish_site(config, content.articles)
    for warning in res.warnings:                 # e.g. a link to a page the site does not have
        eprint(f"warning: {warning}")
    eprint(f"site_src/: {res.written} written, {res.unchanged} unchanged, {res.removed} removed")
    if content.problems:
        eprint(f"{len(content.problems)} article file(s) could not be used (see above)")
    return 1 if content.problems else 0


def cmd_build(args) -> int:
    config = load(args)
    started = time.monotonic()
    pub, _ = jobs.build(config, progress=not args.quiet)
    eprint(f"site_src/: {pub.written} written, {pub.unchanged} unchanged, {pub.removed} removed")
    eprint(f"built {config.root / 'site'} in {time.monotonic() - started:.1f} s")
    if pub.problems:
        eprint(f"{len(pub.problems)} article file(s) could not be used (see above)")
        return 1
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
    if args.evaluate or args.suggest:
        from pipeline.tagging import tag_learn
        articles, taxonomy = tag_learn.examples(config.root)
        if args.evaluate:
            print(tag_learn.format_evaluation(tag_learn.evaluate(articles, taxonomy), taxonomy))
        if args.suggest:
            print(tag_learn.format_suggestions(tag_learn.suggest(articles, taxonomy), taxonomy))
        eprint(f"{len(articles)} bài đã khóa chủ đề")
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
    from pipeline.ops import scheduler
    return scheduler.cmd_schedule(args)


def cmd_status(args) -> int:
    from pipeline.ops import status
    return status.cmd_status(args)


def cmd_docs(args) -> int:
    config = load(args)
    path = jobs.add_document(config, args.number)
    eprint(f"new register entry {path.relative_to(config.root)}: complete it, then `cds check`")
    return 0


# --- portal: Zalo pack, WebSub ping, OPML ------------------------------------------------------

def cmd_zalo(args) -> int:
    from pipeline.site import zalo
    config = load(args)
    pack = zalo.make_pack(config, jobs.open_store(config).articles(), args.id, out=args.out)
    for warning in pack.warnings:
        eprint(f"warning: {warning}")
    eprint(f"gói Zalo OA “{pack.title}” ({pack.articles} bài): {pack.folder}")
    eprint("  bai-viet.txt, article_create.json, HUONG-DAN.txt"
           + (f", {pack.cover.name}" if pack.cover else ""))
    return 0


def _ping(config, *, every: bool) -> None:
    from pipeline.site import websub
    paths = None
    if every:
        site = config.root / "site"
        paths = [p.relative_to(site).as_posix() for name in ("rss.xml", "atom.xml", "feed.json")
                 for p in site.rglob(name)]
    res = websub.ping(config, every=paths)
    eprint(f"WebSub: {len(res.sent)} feed(s) announced to {config.site.hub}"
           if res.sent else "WebSub: no changed feed to announce")


def cmd_ping(args) -> int:
    _ping(load(args), every=args.all)
    return 0


def cmd_opml(args) -> int:
    from pipeline.site.portal import Context, opml
    config = load(args)
    if args.site:
        from pipeline.site import publish
        themes = {t.id: t.name for t in publish.load_topics(config.root)[0].values()}
        data = opml.site_feeds(Context(config, jobs.open_store(config).articles(), theme_names=themes))
    else:
        data = opml.sources(config)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return 0


def cmd_report(args) -> int:
    from pipeline.results import service
    return service.cmd_report(args)


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
    "zalo": cmd_zalo,
    "ping": cmd_ping,
    "opml": cmd_opml,
    "report": cmd_report,
    "review": cmd_review,
    "desk": cmd_desk,
}
