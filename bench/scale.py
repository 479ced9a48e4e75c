"""Scale: what `cds build` costs at 1,000, 5,000, 20,000 and 50,000 articles (search on).

    .venv/bin/python bench/scale.py                       # 1000 5000 20000 50000
    .venv/bin/python bench/scale.py 1000 5000 --keep /tmp/bench-scale
    .venv/bin/python bench/scale.py 50000 --no-browser    # no Chromium: bytes per query left out

For each N (bench/build.py's synthetic articles and `run_child`, so the same figures as there):
cold build; incremental build after +20 articles (its search step puts only the new and
changed pages through Pagefind: the recent bundle); the whole index alone, from nothing (no
cache of copies: every page parsed, as every build indexed before issue 18) and from the cache
(what rebuilding every period costs), and again with nothing new (the search step's fixed
cost in an incremental build: walking every folder of site/, and told by the site build what
it made and wrote, as `cds build` runs it), each in a child process; peak memory (the largest process's ru_maxrss over the builds); size of
site/ (and of site/pagefind/); the largest HTML page outside pagefind/ and the number of pages
(no page may grow with the store: listings are paginated); sitemap.xml (an index: fetched by
Material's script on every page view) and its largest part (≤ 10,000 addresses); bytes per query under pagefind/ with
an empty cache in headless Chromium (bench/search.py's queries; the worst of them).

Goals (printed, met or not): time per article does not grow with N (linear or better); peak
memory ≤ 1 GB at 5,000 and ≤ 2 GB at 50,000; ≤ 300 KB per query; the largest page the same at
every N; no file of the site grows from the smallest N to the largest (every kind of file, as
tests/test_bounded_pages.py sorts them: HTML pages, api/*.json, feeds, OPML, sitemap and parts,
the search page's first JSON files; more than SLACK bytes larger at the largest N is printed,
with the kinds that test lists as bounded by design or known to grow marked so).
A shared machine slows every figure: the load average is printed with each row.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.build import ADDED, add_articles, cds_build, make_root, run_child  # noqa: E402
from tests.test_bounded_pages import BY_DESIGN, KNOWN, SLACK  # noqa: E402
from tests.test_bounded_pages import largest as largest_by_kind  # noqa: E402

SIZES = [1000, 5000, 20000, 50000]
INDEX = ("import sys, time; from pipeline.site import search; t = time.perf_counter(); "
         "r = search.run_index(sys.argv[1], full=sys.argv[2] == 'full'); "
         "print(r.pages, r.parsed, r.delta, r.files, r.bytes, time.perf_counter() - t, "
         "file=sys.stderr)")
# The search step as an incremental `cds build` runs it with nothing new: told by the site
# build what it made and wrote (nothing), from the build's record (.cds/site-build.json).
TOLD = ("import sys, time; from pathlib import Path; from pipeline.site import search; "
        "from pipeline.site.build import state; t = time.perf_counter(); "
        "rec = Path(sys.argv[1]).parent / '.cds' / state.STATE_FILE; s = state.read_json(rec); "
        "stamp = search.file_stamp(rec); "
        "c = search.Changes(since=stamp, now=stamp, outputs=s['outputs'], written=[], "
        "pages=[e[5] for e in s['files'].values() if e[3] == 'p']); "
        "r = search.run_index(sys.argv[1], changes=c); "
        "print(r.pages, r.parsed, r.walked, r.unchanged, time.perf_counter() - t, file=sys.stderr)")


def du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def largest_page(site: Path) -> tuple[int, int, str]:
    count, size, name = 0, 0, ""
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        if rel.startswith("pagefind/"):
            continue
        count += 1
        n = path.stat().st_size
        if n > size:
            size, name = n, rel
    return count, size, name


def sitemap(site: Path) -> tuple[int, int, int]:
    """sitemap.xml's size (the index, fetched by Material's script on every page view), its
    number of parts and the largest part's number of addresses."""
    parts = sorted(site.glob("sitemap-*.xml"))
    most = max((p.read_text(encoding="utf-8").count("<loc>") for p in parts), default=0)
    return (site / "sitemap.xml").stat().st_size, len(parts), most


def index_alone(root: Path, cached: bool):
    """The whole site through Pagefind (a base bundle): from nothing (``cached`` False: every
    page parsed, as every build indexed before issue 18) or from the cache of copies."""
    if not cached:
        shutil.rmtree(root / ".cds" / "search", ignore_errors=True)
    return run_child([sys.executable, "-c", INDEX, str(root / "site"), "full"], cwd=REPO)


def query_bytes(site: Path) -> int:
    from bench.search import measure_queries
    from pipeline.demo.localserver import LocalServer
    from tests.browser import Browser
    with LocalServer(site) as server, Browser() as browser:
        rows = measure_queries(server, browser)
    return max(cold for _, _, cold, _, _ in rows)


def one(n: int, base: Path, browser: bool) -> dict:
    root = base / f"root-{n}"
    if (root / "content").is_dir() and not (root / "site").exists():
        print(f"  {n}: articles already generated in {root}", flush=True)   # --keep, re-used
    else:
        make_root(root, n)
    cold = cds_build(root)
    print(f"  {n}: cold {cold}", flush=True)
    add_articles(root, n, ADDED, n)
    incr = cds_build(root)
    print(f"  {n}: incremental (+{ADDED}) {incr}", flush=True)
    full = index_alone(root, cached=False)
    cached = index_alone(root, cached=True)
    print(f"  {n}: search index from nothing {full}, with the cache {cached}", flush=True)
    again = run_child([sys.executable, "-c", INDEX, str(root / "site"), "again"], cwd=REPO)
    print(f"  {n}: search step with nothing new, every folder walked {again}", flush=True)
    run_child([sys.executable, "-c", TOLD, str(root / "site")], cwd=REPO)   # records the stamp
    told = run_child([sys.executable, "-c", TOLD, str(root / "site")], cwd=REPO)
    print(f"  {n}: search step with nothing new, told by the build {told} "
          f"({told.out.split()[2:4]})", flush=True)
    pages, biggest, name = largest_page(root / "site")
    row = {"n": n, "cold": cold, "incr": incr, "full": full, "cached": cached,
           "again": again, "told": told, "peak": max(cold.peak, incr.peak, full.peak, cached.peak),
           "site": du(root / "site"), "bundle": du(root / "site" / "pagefind"),
           "pages": pages, "biggest": biggest, "biggest_name": name,
           "sitemap": sitemap(root / "site"), "kinds": largest_by_kind(root / "site"),
           "query": query_bytes(root / "site") if browser else None,
           "load": os.getloadavg()[0]}
    print(f"  {n}: largest page {biggest / 1000:.0f} KB ({name}), {pages} pages; "
          f"worst query {row['query'] / 1000 if row['query'] else 0:.0f} KB; sitemap.xml "
          f"{row['sitemap'][0]} bytes, {row['sitemap'][1]} parts, the largest "
          f"{row['sitemap'][2]} addresses", flush=True)
    return row


def table(rows: list[dict]) -> None:
    print("\n     N   cold s (CPU)   incr s (CPU)  index: full s  cached s  same: walk s (CPU) "
          " told s (CPU)  peak MB  site MB (pagefind)  pages  largest KB  query KB  load")
    for r in rows:
        q = f"{r['query'] / 1000:8.0f}" if r["query"] is not None else "       -"
        print(f"{r['n']:6d} {r['cold'].wall:7.1f} ({r['cold'].cpu:5.1f}) "
              f"{r['incr'].wall:6.1f} ({r['incr'].cpu:5.1f}) {r['full'].wall:13.1f} "
              f"{r['cached'].wall:9.1f} {r['again'].wall:11.1f} ({r['again'].cpu:4.1f}) "
              f"{r['told'].wall:7.1f} ({r['told'].cpu:4.1f}) "
              f"{r['peak']:8d} {r['site'] / 1e6:8.0f} "
              f"({r['bundle'] / 1e6:6.0f}) {r['pages']:6d} {r['biggest'] / 1000:11.0f} {q} "
              f"{r['load']:5.1f}")
    first = rows[0]
    for r in rows[1:]:
        grow = (r["cold"].cpu / r["n"]) / (first["cold"].cpu / first["n"])
        print(f"cold CPU per article at {r['n']} / at {first['n']}: {grow:.2f} "
              f"(goal ≤ 1: {'met' if grow <= 1.1 else 'NOT met'})")
    for r in rows:
        limit = 1024 if r["n"] <= 5000 else 2048
        print(f"peak memory at {r['n']}: {r['peak']} MB (goal ≤ {limit}: "
              f"{'met' if r['peak'] <= limit else 'NOT met'})")
    if len(rows) > 1:
        first, last = rows[0]["kinds"], rows[-1]["kinds"]
        grown = sorted((n - first.get(k, (0, ""))[0], k, rel) for k, (n, rel) in last.items()
                       if n > first.get(k, (0, ""))[0] + SLACK)
        print(f"files that grow from {rows[0]['n']} to {rows[-1]['n']} (> {SLACK} bytes): " + (
            "none" if not grown else ", ".join(
                f"{rel} +{d / 1000:.0f} KB" + (" (bounded by design)" if k in BY_DESIGN else
                                               " (known)" if k in KNOWN else "")
                for d, k, rel in reversed(grown))))
    sizes = {r["biggest"] for r in rows}
    print("largest page: " + ("the same at every N" if max(sizes) - min(sizes) < 2000 else
                              "GROWS with N: " + ", ".join(f"{r['n']}: {r['biggest_name']} "
                                                            f"{r['biggest'] / 1000:.0f} KB"
                                                            for r in rows)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", type=int, nargs="*", default=SIZES)
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--no-browser", action="store_true", help="leave out bytes per query")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="cds-bench-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for n in args.sizes:
            rows.append(one(n, base, not args.no_browser))
            if not args.keep:
                shutil.rmtree(base / f"root-{n}", ignore_errors=True)
        table(rows)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
