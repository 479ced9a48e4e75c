"""What the portal outputs cost a build: JSON Feed beside RSS/Atom, the JSON API, the embeddable
columns and OPML, on N synthetic published articles, cold (empty site/) and warm (nothing
changed: every file compared, none rewritten). Prints figures; no goal is asserted.

    .venv/bin/python bench/portal.py 5000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.core.models import Article, Config, Defaults, Site, Source  # noqa: E402
from pipeline.site import feeds_out, portal  # noqa: E402

THEMES = ["nhan-thuc", "trach-nhiem", "van-ban", "dien-hinh"]


def articles(n: int, sources: int) -> list[Article]:
    start = datetime(2023, 7, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        when = start + timedelta(hours=3 * i)
        out.append(Article(
            id=f"{i:016x}", title=f"Xã số {i} triển khai chuyển đổi số trong dịch vụ công",
            url=f"https://bao{i % sources}.example.vn/tin-{i}.html", source=f"nguon-{i % sources}",
            published=when, harvested=when, summary=f"Tóm tắt tin {i} về chuyển đổi số.",
            body=("Đoạn văn về chuyển đổi số, dữ liệu số và chính quyền số. " * 40 + "\n\n") * 3,
            themes=[THEMES[i % 4]] + ([THEMES[(i + 1) % 4]] if i % 3 == 0 else []),
            path=Path(f"articles/{when:%Y}/{when:%m}/tin-{i}.md")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=2000)
    ap.add_argument("--sources", type=int, default=30)
    args = ap.parse_args()
    arts = articles(args.n, args.sources)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(root=Path(tmp), site=Site(title="Chuyển đổi số Thử", url="https://cds.example.gov.vn/"),
                        defaults=Defaults(),
                        sources=tuple(Source(id=f"nguon-{k}", name=f"Nguồn {k}", kind="feed",
                                             url=f"https://bao{k}.example.vn/rss") for k in range(args.sources)))
        site = Path(tmp) / "site"
        previous = None
        for label in ("cold", "warm"):
            t0 = time.perf_counter()
            feeds = feeds_out.write_feeds(config, arts, site, previous=previous)
            previous = feeds.digests
            t1 = time.perf_counter()
            res = portal.write_portal(config, arts, site)
            t2 = time.perf_counter()
            print(f"{label}: feeds (RSS+Atom+JSON Feed, {len(feeds.files)} files, {feeds.written} written) "
                  f"{t1 - t0:.2f} s; portal ({len(res.files)} files, {res.written} written) {t2 - t1:.2f} s")
        size = sum(p.stat().st_size for p in (site / "api").rglob("*.json"))
        emb = sum(p.stat().st_size for p in (site / "embed").rglob("*.html"))
        jf = sum(p.stat().st_size for p in site.rglob("feed.json"))
        print(f"{args.n} articles, {args.sources} sources: api/ {size / 1e6:.1f} MB, "
              f"embed/ {emb / 1e6:.1f} MB, feed.json files {jf / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
