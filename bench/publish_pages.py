"""What making the pages of ``site_src/`` costs (``publish``: templates in ``templates/site/``).

    .venv/bin/python bench/publish_pages.py 5000

N synthetic articles; prints the CPU (and wall) time of the pages made in memory (the best of
three runs: the templates' share of a cold publish), then a cold publish into a temporary root
and a second one with nothing changed (the page cache keeps every page).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipeline.core.models import Article, Config, Defaults, Site, Source
from pipeline.site import publish

ICT = timezone(timedelta(hours=7))
DOCS = {"749/QĐ-TTg": "van-ban/749-qd-ttg/"}


def article(i: int) -> Article:
    when = datetime(2021, 6, 9, 18, 37, tzinfo=ICT) + timedelta(hours=7 * i)
    return Article(
        id=f"id{i:05d}", title=f'Bài viết số {i} về "chuyển đổi số" & dịch vụ công',
        url=f"https://a.example.vn/bai-{i}.html", source=["bao-a", "cong-b", "dai-c"][i % 3],
        published=when, harvested=when,
        body=f"Đoạn mở đầu của bài {i}.\n\n# Tiêu đề\n\nNội dung **đậm** của bài {i}. " + "Chữ " * 300,
        themes=[["nhan-thuc"], ["van-ban", "dien-hinh"], ["trach-nhiem"]][i % 3],
        pillars=["chinh-quyen-so"], doc_refs=["749/QĐ-TTg"] if i % 5 == 0 else [],
        path=Path(f"articles/{when:%Y}/{when:%m}/bai-{i}.md"))


def config(root: Path) -> Config:
    return Config(root=root, site=Site(title="Thử", url="https://x.example.vn/", description="d"),
                  defaults=Defaults(),
                  sources=(Source(id="bao-a", name="Báo A", kind="feed", url="https://a.example.vn/"),
                           Source(id="cong-b", name="Cổng B", kind="html", url="https://b.example.vn/"),
                           Source(id="dai-c", name="Đài C", kind="html", url="https://c.example.vn/")))


def main(n: int) -> None:
    arts = [article(i) for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config(Path(tmp) / "root")
        runs = []
        for _ in range(3):
            cpu, wall = time.process_time(), time.perf_counter()
            site = publish.Pages(cfg, arts, DOCS, summary_of=publish.summary_of,
                                 image_of=publish.image_of, shorten=publish.shorten)
            site.render(publish.related(site.oldest_first))
            runs.append((time.process_time() - cpu, time.perf_counter() - wall))
        cpu, wall = min(runs)
        print(f"{n} articles: pages in memory   cpu {cpu:6.2f} s  wall {wall:6.2f} s  "
              f"({len(site.files)} files)")
        for label in ("cold publish", "again, nothing new"):
            cpu, wall = time.process_time(), time.perf_counter()
            res = publish.publish(cfg, arts, docs=DOCS)
            print(f"{n} articles: {label:<18} cpu {time.process_time() - cpu:6.2f} s  "
                  f"wall {time.perf_counter() - wall:6.2f} s  ({res.written} written)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
