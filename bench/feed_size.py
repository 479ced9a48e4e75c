"""Huge feeds: the work `read_feed` (and storing) does before `max_items` applies.

    .venv/bin/python bench/feed_size.py                 # 100,000 items, then one 19 MB item
    .venv/bin/python bench/feed_size.py --items 20000 --item-mb 5

    .venv/bin/python bench/feed_size.py --raw           # the same without the caps (slow)

Each case runs in a fresh child process, so that its wall time and peak memory (ru_maxrss of
the child) are its own: what `harvest.sources.list_items` does with a feed (`feedcut.precut`, then
`feeds.read_feed`), then `harvest.run.to_article` (clean, tag) on the items kept (at most
`max_items`, 100). Prints one line per case.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r'''
import json, resource, sys, time
from datetime import datetime, timezone, timedelta
from pipeline import jobs
from pipeline.harvest import feeds, run
from pipeline.tagging import tag
from pipeline.core.models import Fetched, Source
kind, n, mb, raw = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "raw"
from pipeline.harvest import feedcut
tz = timezone(timedelta(hours=7))
def item(i, text):
    return (f"<item><title>Bài {i} về chuyển đổi số</title><link>https://bao.vn/bai-{i}</link>"
            f"<guid>https://bao.vn/bai-{i}</guid><pubDate>Mon, 07 Dec 2026 08:00:00 +0700</pubDate>"
            f"<description><![CDATA[{text}]]></description></item>")
if kind == "many":
    items = "".join(item(i, f"<p>Tóm tắt bài {i}: chính quyền số, kinh tế số.</p>") for i in range(n))
else:
    para = "<p>" + "Chuyển đổi số là nhiệm vụ trọng tâm của tỉnh. " * 40 + "</p>"
    big = para * int(mb * 1024 * 1024 / len(para.encode()))
    items = item(0, big.replace("</p><p>", " ")) + item(1, "<p>Bài bình thường.</p>")
body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        '<link>https://bao.vn/</link><description>d</description>' + items
        + "</channel></rss>").encode("utf-8")
src = Source(id="bao", name="Báo", kind="feed", url="https://bao.vn/rss", max_items=100)
fetched = Fetched(url=src.url, final_url=src.url, status=200,
                  headers={"content-type": "application/rss+xml"}, body=body)
t0 = time.perf_counter()
got = feeds.read_feed(fetched if raw else feedcut.precut(fetched, src.max_items), src, tz)
t1 = time.perf_counter()
taxonomy = tag.Taxonomy.load()
now = datetime.now(tz)
if raw:         # cleaning without the cap, as before it existed
    run.MAX_ITEM_HTML, run.MAX_TITLE = 1 << 40, 1 << 40
arts = [run.to_article(i, src, jobs.tagger_for(taxonomy), now) for i in got]
t2 = time.perf_counter()
print(json.dumps({"bytes": len(body), "items": len(got), "parse_s": round(t1 - t0, 2),
                  "store_s": round(t2 - t1, 2),
                  "body_chars": max((len(a.body) for a in arts), default=0),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
'''


def run(kind: str, n: int, mb: float, raw: bool) -> dict:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(n), str(mb),
                          "raw" if raw else "capped"], capture_output=True,
                         text=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if out.returncode:
        sys.exit(out.stderr)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["wall_s"] = round(time.perf_counter() - started, 2)
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--item-mb", type=float, default=19.0)
    ap.add_argument("--raw", action="store_true",
                    help="without the caps (feedcut.precut, harvest.run.MAX_ITEM_HTML): the old figures")
    args = ap.parse_args()
    print("without the caps" if args.raw else "harvest path (feed pre-cut, item HTML capped)")
    many = run("many", args.items, 0, args.raw)
    print(f"{args.items} items, {many['bytes'] / 2**20:.1f} MB: read_feed {many['parse_s']} s, "
          f"store {many['store_s']} s, {many['items']} items kept, peak {many['peak_mb']} MB, "
          f"wall {many['wall_s']} s")
    big = run("big", 0, args.item_mb, args.raw)
    print(f"one {args.item_mb:g} MB item ({big['bytes'] / 2**20:.1f} MB feed): read_feed "
          f"{big['parse_s']} s, store {big['store_s']} s, longest body {big['body_chars']} chars, "
          f"peak {big['peak_mb']} MB, wall {big['wall_s']} s")


if __name__ == "__main__":
    main()
