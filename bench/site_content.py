"""What keeping last good copies and content history costs a build (`sitecontent.gather`).

    .venv/bin/python bench/site_content.py 5000

N synthetic articles in a temporary store; prints the time of `gather` on a fresh `.cds/`
(every copy written), again with nothing changed, and after one hand edit, beside the time of
the store scan alone (`Store.articles`).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipeline.core.models import Article
from pipeline.site import sitecontent
from pipeline.store import articles as store

ICT = timezone(timedelta(hours=7))


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content, state = Path(tmp) / "content", Path(tmp) / ".cds"
        base = datetime(2023, 1, 1, 8, 0, tzinfo=ICT)
        for i in range(n):
            when = base + timedelta(hours=7 * i)
            art = Article(id=f"{i:016x}", title=f"Xã số {i} chuyển đổi số", source="bao",
                          url=f"https://bao.example.vn/tin/{i}.html", published=when, harvested=when,
                          body=("Người dân dùng dịch vụ công trực tuyến. " * 80).strip())
            path = content / "articles" / f"{when:%Y}" / f"{when:%m}" / f"xa-so-{i}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(store.dump(art), encoding="utf-8")
        now = datetime.now(ICT).replace(microsecond=0)

        def timed(label: str, fn) -> None:
            started = time.perf_counter()
            fn()
            print(f"{label:<42} {time.perf_counter() - started:7.3f} s")

        print(f"{n} articles")
        timed("store scan alone (Store.articles)", lambda: store.Store(content).articles())
        for label in ("gather, fresh .cds/ (all copies written)", "gather, nothing changed"):
            timed(label, lambda: sitecontent.gather(content, state, store.Store(content), now=now))
        first = next((content / "articles").rglob("*.md"))
        first.write_text(first.read_text(encoding="utf-8") + "\nSửa tay.\n", encoding="utf-8")
        timed("gather, one hand edit", lambda: sitecontent.gather(content, state,
                                                                   store.Store(content), now=now))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
