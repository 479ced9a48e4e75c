"""Freshness: the time from `cds run` finding one new article to the article being on the site,
in the feeds and in the search, at N articles with search on; against Hugo's cold build of the
same number of articles, measured in the same run.

    .venv/bin/python bench/freshness.py 5000
    .venv/bin/python bench/freshness.py 5000 --keep /tmp/bench-fresh

Steps:
1. a root of N synthetic articles (bench/build.py's generator); the four bench sources are
   disabled and one loopback source is added (a FeedSite from tests/fixtures/sched: RSS on
   127.0.0.1 and its article pages), with no item yet; nothing leaves loopback;
2. `cds build` cold, then `cds run` with nothing new (the state a province is in between two
   runs): both timed, not the figure;
3. one item appears in the feed; `cds run` is timed in a child process (harvest + build: site,
   feeds, search index), then checked: the article page is in site/, its title in a feed under
   site/, and in the search (a fragment holding its title in the recent bundle, the one a
   build re-indexes, or the base); then the same with the tagger's model off
   (``model: {enabled: false}`` in taxonomy.yml: rules only, no scikit-learn import and fit),
   with a second item; then a third item, timed after removing .cds/search/ and the base
   bundle's manifest (every page parsed and through Pagefind, as every build indexed before
   issue 18: the figure "before", in the same conditions);
   and the same freshness in a warm process, ``cds schedule``'s: a child process holds a
   :class:`pipeline.ops.scheduler.Scheduler` of the root (configuration read, the tagger's model
   loaded, one tick already run); one item appears and the tick that harvests and builds it is
   timed inside that process (its CPU, the children's it started — Pagefind —, and wall time),
   then checked like the others (model on, before the model-off line);
4. Hugo (if installed) on N articles with bench/build.py's minimal layout: median of 3 cold builds.

Goal (printed, met or not): the timed `cds run` ≤ 0.3 × Hugo's cold build, with the model
and without it. The machine may be shared: the load average is printed with the figures; CPU
time is the steadier figure.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.build import Run, hugo_cold, make_root, run_child  # noqa: E402
from pipeline.site import search, searchtext  # noqa: E402
from tests.fixtures.sched.helpers import FeedSite, article_text  # noqa: E402

GOAL = 0.3
FEED = "moi"


def cds(root: Path, *args: str):
    return run_child([sys.executable, "-m", "pipeline", "--root", str(root), "--quiet", *args],
                     cwd=REPO)


def loopback_source(root: Path, url: str) -> None:
    """Disable the bench sources (their example.vn URLs must not be fetched) and add ``url``."""
    yml = root / "feeds.yml"
    text = yml.read_text(encoding="utf-8").replace("    kind: feed\n",
                                                   "    kind: feed\n    enabled: false\n")
    text += (f"  - id: {FEED}\n    name: Nguồn thử độ tươi\n    kind: feed\n"
             f"    url: \"{url}\"\n")
    yml.write_text(text, encoding="utf-8")


class Warm:
    """``cds schedule``'s process, held by the bench: a child running :func:`warm_child` on
    ``root``; :meth:`tick` makes it run one tick (the due sources harvested, the site built)
    and returns that tick's :class:`Run` (CPU: the child's own during the tick, plus that of the
    processes it started; wall; peak: the child's largest resident size so far)."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen([sys.executable, __file__, "--warm-child", str(root)],
                                     cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def tick(self) -> Run:
        self.proc.stdin.write("tick\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"the warm scheduler ended:\n{self.proc.stderr.read()[-3000:]}")
        data = json.loads(line)
        if data.get("error"):
            sys.exit(f"the warm scheduler's tick failed: {data['error']}")
        return Run(data["wall"], data["cpu"], data["peak"], "")

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def warm_child(root: Path) -> None:
    """The child of :class:`Warm`: a ``Scheduler`` as ``cds schedule`` makes it (the tagger's
    model loaded first); for each ``tick`` line on stdin, one tick with every source due (its
    ``now`` an hour past the last one's), and a JSON line of its costs on stdout."""
    import resource
    import time
    from datetime import datetime, timedelta

    from pipeline import config as config_mod
    from pipeline.ops import scheduler

    config = config_mod.load(root)
    sched = scheduler.Scheduler(config, log=lambda line: print(line, file=sys.stderr))
    scheduler.warm_process(config)                  # as `cds schedule` does
    now = datetime.now(sched.tz)
    for line in sys.stdin:
        if line.strip() != "tick":
            continue
        now = max(now, datetime.now(sched.tz)) + timedelta(hours=1)    # every source is due
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, wall = time.process_time(), time.perf_counter()
        res = sched.tick(now)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        error = res.error or res.build_error or ("" if res.built else "no build")
        print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak, "error": error}), flush=True)


def model_off(root: Path) -> None:
    """The tagger with its rules only (taxonomy.yml's ``model: {enabled: false}``)."""
    yml = root / "taxonomy.yml"                       # else the packaged one is used
    text = (yml if yml.is_file() else REPO / "pipeline" / "data" / "taxonomy.yml").read_text(
        encoding="utf-8")
    if "model:\n  enabled: true\n" not in text:
        raise SystemExit(f"{yml}: no `model:\\n  enabled: true` to turn off")
    yml.write_text(text.replace("model:\n  enabled: true\n", "model:\n  enabled: false\n"),
                   encoding="utf-8")


def seen_line(seen: dict) -> str:
    return ", ".join(f"{k}: {v if isinstance(v, str) else 'yes'}" if v else f"{k}: NO"
                     for k, v in seen.items())


def in_search(site: Path, needle: str) -> str:
    """Which bundle holds a page titled ``needle``: "recent", "base" or "" (none)."""
    for name, folder in (("recent", search.RECENT_DIR), ("base", search.BUNDLE_DIR)):
        for path in (site / folder).rglob("*.pf_fragment"):     # pagefind/<period>/fragment/
            raw = gzip.decompress(path.read_bytes())
            data = json.loads(raw[len(b"pagefind_dcd"):])
            if needle in searchtext.display_form(data["meta"].get("title", "")):
                return name
    return ""


def shows(root: Path, title: str) -> dict[str, bool]:
    site = root / "site"
    escaped = title.replace("&", "&amp;").replace('"', "&quot;")
    pages = feeds = False
    for path in site.rglob("*"):
        if not path.is_file() or path.relative_to(site).parts[0].startswith(search.BUNDLE_DIR):
            continue
        if path.suffix == ".html" and not pages:
            text = path.read_text(encoding="utf-8", errors="replace")
            pages = (escaped in text or title in text) and "data-pagefind-body" in text
        elif path.suffix in (".xml", ".json") and not feeds:
            text = path.read_text(encoding="utf-8", errors="replace")
            feeds = title in text or escaped in text
    return {"site": pages, "feeds": feeds, "search": in_search(site, title)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=5000)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    ap.add_argument("--warm-child", type=Path, help=argparse.SUPPRESS)     # Warm's child
    args = ap.parse_args()
    if args.warm_child:
        warm_child(args.warm_child)
        return
    base = args.keep or Path(tempfile.mkdtemp(prefix="cds-bench-fresh-"))
    if args.keep and base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True, exist_ok=True)
    root = base / "root"
    try:
        print(f"{args.n} articles in {root}; search on; load {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs", flush=True)
        make_root(root, args.n)
        with FeedSite() as feed:
            loopback_source(root, feed.add_feed(FEED, []))
            cold = cds(root, "build")
            print(f"cds build, cold               {cold}", flush=True)
            idle = cds(root, "run")
            print(f"cds run, nothing new          {idle}", flush=True)
            # the first article ever tagged in the root fits the tagger's model and keeps it in
            # .cds/tagger-model.npz; every later run loads that file: time the later one
            feed.add_items(FEED, 1)
            first = cds(root, "run")
            print(f"cds run, first article tagged {first}  (the model fitted and saved)",
                  flush=True)

            def one_new(n: int, label: str):
                """Item ``n`` appears in the feed: ``cds run`` timed, then checked."""
                feed.add_items(FEED, n)
                title, _ = article_text(FEED, n)
                run = cds(root, "run")
                seen = shows(root, title)
                print(f"{label:30s}{run}  (load {os.getloadavg()[0]:.1f}; {seen_line(seen)})",
                      flush=True)
                return run, seen

            fresh, seen = one_new(2, "cds run, one new article")
            # the same in cds schedule's warm process: items 5 (its first tick, not timed) and 6
            warm = Warm(root)
            try:
                feed.add_items(FEED, 5)
                warm.tick()
                feed.add_items(FEED, 6)
                title, _ = article_text(FEED, 6)
                ticked = warm.tick()
            finally:
                warm.close()
            seen_warm = shows(root, title)
            print(f"{'warm: one schedule tick':30s}{ticked}  (load {os.getloadavg()[0]:.1f}; "
                  f"{seen_line(seen_warm)})", flush=True)
            model_off(root)
            rules, seen2 = one_new(3, "same, model off (rules only)")
            # "before": the same with the whole site through Pagefind and every page parsed
            # again, as every build indexed before issue 18: the base bundle's manifest and
            # the cache of copies are removed first
            feed.add_items(FEED, 4)
            shutil.rmtree(root / search.CACHE_DIR, ignore_errors=True)
            shutil.rmtree(root / "site" / search.BUNDLE_DIR, ignore_errors=True)   # every period
            before = cds(root, "run")
            print(f"same, whole index as before   {before}  (every page parsed and through "
                  f"Pagefind; load {os.getloadavg()[0]:.1f})", flush=True)
        if shutil.which("hugo"):
            hugo, pages = hugo_cold(base / "hugo", args.n)
            print(f"hugo cold build               {hugo}  (median of 3; {pages} HTML files)")
            for label, run in (("run", fresh), ("run, model off", rules),
                               ("warm tick", ticked)):
                ratio_wall, ratio_cpu = run.wall / hugo.wall, run.cpu / hugo.cpu
                print(f"ratio {label + ' / hugo cold':24s}{ratio_wall:6.2f} wall "
                      f"{ratio_cpu:6.2f} CPU   (goal ≤ {GOAL}: "
                      f"{'met' if min(ratio_wall, ratio_cpu) <= GOAL else 'NOT met'})")
        else:
            print("hugo: not installed (apt-get install hugo); no ratio")
        if not all(seen.values()) or not all(seen2.values()) or not all(seen_warm.values()):
            sys.exit(1)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
