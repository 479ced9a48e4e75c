"""One function per CLI command: arguments in, jobs called, a summary out, an exit code back.

Summaries are in Vietnamese (the people who run a province's page read them); ``error:`` and
``warning:`` lines keep their English prefixes (scripts and logs search for them)."""

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
    eprint(f"{'nguồn':<{width}}  mới  sửa  giữ  bỏ qua  trùng  kết quả")
    for s in report.sources:
        if s.failed:
            result = f"LỖI: {s.failed}"
        elif s.not_modified:
            result = "nguồn không đổi (304)"
        else:
            result = "tốt"
            if s.date_estimated:
                result += f", {s.date_estimated} bài không ghi ngày (lấy giờ thu thập)"
            if s.errors:
                result += f", {len(s.errors)} trang không đọc được"
            if s.images_failed:
                result += f", {s.images_failed} ảnh để lại ở nguồn"
        eprint(f"{s.source:<{width}}  {s.new:>3}  {s.updated:>3}  {s.unchanged:>3}  "
               f"{s.skipped:>6}  {s.duplicates:>5}  {result}")
        for err in s.errors[:5]:
            eprint(f"{'':<{width}}    - {err}")
    t = report.totals()
    secs = (report.finished - report.started).total_seconds() if report.finished else 0
    eprint(f"{len(report.sources)} nguồn: {t['new']} bài mới, {t['updated']} cập nhật, "
           f"{t['unchanged']} không đổi, {t['duplicates']} bản trùng đã gộp, "
           f"{t['failed']} nguồn lỗi ({secs:.1f} giây)")


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
        if not report.changed and jobs.site_current(config):
            problems = jobs.last_problems(config)     # the same files as the last build's
            for line in problems:
                print(f"error: {line}", file=sys.stderr)
            eprint(f"{config.root / 'site'}: trang đã mới nhất (không có gì đổi từ lần dựng trước)")
        else:
            pub, _ = jobs.build(config, progress=not args.quiet)  # incremental
            problems = pub.problems
            eprint(f"đã dựng trang: {config.root / 'site'}")
        if problems:
            from pipeline.harvest import run as harvest_run
            harvest_run.write_run_report(config, report, content_problems=problems)
            _unusable(problems)
        if getattr(args, "ping", False):
            _ping(config, every=False)
        if args.commit and report.changed:
            msg = jobs.commit_content(config, report)
            if msg:
                eprint(f"đã ghi content/ vào git: {msg.splitlines()[0]}")
    return 0 if report.ok and not problems else 1


# --- publish / build / serve ------------------------------------------------------------------

def cmd_publish(args) -> int:
    config = load(args)
    content = jobs.site_content(config)
    res = jobs.publish_site(config, content.articles)
    for warning in res.warnings:                 # e.g. a link to a page the site does not have
        eprint(f"warning: {warning}")
    _published(res)
    if content.problems:
        _unusable(content.problems)
    return 1 if content.problems else 0


def cmd_build(args) -> int:
    config = load(args)
    started = time.monotonic()
    pub, _ = jobs.build(config, progress=not args.quiet)
    _published(pub)
    eprint(f"đã dựng trang trong {time.monotonic() - started:.1f} giây: {config.root / 'site'}")
    if pub.problems:
        _unusable(pub.problems)
        return 1
    return 0


def _published(res) -> None:
    eprint(f"site_src/: {res.written} tệp viết mới, {res.unchanged} không đổi, {res.removed} đã xóa")


def _unusable(problems) -> None:
    eprint(f"{len(problems)} tệp bài viết không dùng được (xem các dòng error: ở trên)")


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
            ev = tag_learn.evaluate(articles, taxonomy)
            print(tag_learn.format_evaluation(ev, taxonomy))
            if ev.folds:
                eprint(f"mô hình: {ev.fits} lần học lại" if ev.fits else
                       "mô hình: dùng kết quả đã lưu trong .cds/ (không học lại)")
        if args.suggest:
            print(tag_learn.format_suggestions(tag_learn.suggest(articles, taxonomy), taxonomy))
        eprint(f"{len(articles)} bài đã khóa chủ đề")
        return 0
    changed, total = jobs.retag(config, everything=args.all)
    eprint(f"đã gắn chủ đề {total} bài: {changed} bài thay đổi")
    return 0


def cmd_check(args) -> int:
    problems, notes = jobs.check(args.root)
    for line in notes:
        print(line)
    for line in problems:
        eprint(f"error: {line}")
    if problems:
        eprint(f"{len(problems)} lỗi")
        return 2
    eprint("feeds.yml và content/ hợp lệ")
    return 0


# --- init / demo ------------------------------------------------------------------------------

def cmd_init(args) -> int:
    dest = jobs.init_root(args.dir)
    eprint(f"đã tạo thư mục gốc {dest}: sửa {dest / 'feeds.yml'}, rồi chạy `cds --root {dest} run`")
    return 0


def cmd_demo(args) -> int:
    started = time.monotonic()
    out: Path = args.out.resolve()
    config, report, _ = jobs.run_demo(out, progress=not args.quiet)
    print_report(report, config)
    site = out / "site"
    eprint("")
    eprint(f"Đã dựng trang mẫu trong {time.monotonic() - started:.1f} giây: {site}")
    eprint(f"  mở {site / 'index.html'}  (hoặc xem qua máy chủ: .venv/bin/cds --root {out} serve "
           f"--no-build → http://127.0.0.1:8000/)")
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
    eprint(f"mục văn bản mới {path.relative_to(config.root)}: điền đủ thông tin, rồi chạy `cds check`")
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
    eprint(f"WebSub: đã báo {len(res.sent)} kênh tin cho {config.site.hub}"
           if res.sent else "WebSub: không có kênh tin nào thay đổi để báo")


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
