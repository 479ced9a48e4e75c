"""What page-chrome removal keeps and drops, page by page.

For every page of the extraction eval set (tests/eval/extraction/pages, cds's own text) and the
real Vietnamese article pages (../shared/corpora/real-vn, test input only, see SOURCES.md):

- ``read``   length of the text of the article body found by ``article.read_generic``
- ``md``     length of the text of that body after ``tomarkdown.to_markdown`` (the sanitiser's
             chrome pass included), i.e. what the store keeps
- ``raw``    length of the text of ``clean.safe_html`` on the page's whole <body> (the
             sanitiser's chrome pass alone, as feed content goes through it)
- ``left``   chrome phrases still found in ``md`` (folded text)
- ``raw-left`` chrome phrases still found in ``raw``

Run before and after a change to compare: ``.venv/bin/python bench/chrome_compare.py``.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402

from pipeline.core.models import Fetched, Item  # noqa: E402
from pipeline.core.text import fold  # noqa: E402
from pipeline.core.urls import canonical  # noqa: E402
from pipeline.harvest import article, clean, decode, tomarkdown  # noqa: E402
from tests.corpora import real_vn  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EVAL = ROOT / "tests" / "eval" / "extraction"
# Folded phrases that are page chrome wherever they stand alone on a line.
PHRASES = [
    r"a- a a\+", r"tang tuong phan", r"giam tuong phan", r"chia se", r"luot xem", r"luot doc",
    r"tin lien quan", r"bai viet lien quan", r"tin cung chuyen muc", r"in bai", r"gui email",
    r"binh luan", r"doc them", r"xem them", r"doc nhieu", r"tieu diem", r"trang chu",
    r"tin khac", r"dang nhap", r"copy link", r"sao chep",
]
_LINE = [re.compile(r"(?:^|\n)\W*" + p + r"\W*(?:\(\d+\))?\W*(?:\n|$)") for p in PHRASES]


def _text(html: str) -> str:
    return "\n".join(" ".join(line.split()) for line in
                     BeautifulSoup(html or "", "lxml").get_text("\n").split("\n") if line.strip())


def _left(text: str) -> list[str]:
    folded = fold(text)
    return [p.replace("\\", "") for p, rx in zip(PHRASES, _LINE, strict=True) if rx.search(folded)]


def pages() -> list[tuple[str, str, bytes, str]]:
    out = []
    for e in yaml.safe_load((EVAL / "labels.yml").read_text(encoding="utf-8")):
        out.append(("eval/" + e["page"], e["url"], (EVAL / "pages" / e["page"]).read_bytes(),
                    e.get("content_type", "text/html; charset=utf-8")))
    real = real_vn()
    if real is not None:
        for e in yaml.safe_load((EVAL / "heldout-real-vn.yml").read_text(encoding="utf-8")):
            out.append(("real/" + e["page"], e["url"], (real / "pages" / e["page"]).read_bytes(),
                        "text/html; charset=utf-8"))
    return out


def main() -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    totals = [0, 0, 0, 0, 0]
    print(f"{'page':46} {'read':>6} {'md':>6} {'raw':>6}  left | raw-left")
    for name, url, body, ctype in pages():
        fetched = Fetched(url=url, final_url=url, status=200, headers={"content-type": ctype},
                          body=body)
        got = article.read_generic(fetched, Item(url=canonical(url)), TZ)
        read = _text(got.content_html)
        md = tomarkdown.to_markdown(got.content_html, url)
        html = decode.decode(body, ctype)
        soup = BeautifulSoup(html, "lxml")
        raw = _text(clean.safe_html(str(soup.body or soup), url))
        left, raw_left = _left(md), _left(raw)
        totals = [totals[0] + len(read), totals[1] + len(md), totals[2] + len(raw),
                  totals[3] + len(left), totals[4] + len(raw_left)]
        print(f"{name[:46]:46} {len(read):6} {len(md):6} {len(raw):6}  "
              f"{', '.join(left) or '-'} | {', '.join(raw_left) or '-'}")
    print(f"{'TOTAL':46} {totals[0]:6} {totals[1]:6} {totals[2]:6}  "
          f"{totals[3]} phrases left | {totals[4]} phrases left (raw)")
    print(f"wall {time.perf_counter() - t0:.1f} s, CPU {time.process_time() - c0:.1f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
