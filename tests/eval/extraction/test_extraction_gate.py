"""Score gate for article extraction (pipeline.harvest.article.read_article / read_generic).

Every page in ``labels.yml`` is read twice: with its ``article:`` selectors when it has them
("configured" mode, read_article) and without any ("generic" mode, read_generic: trafilatura
plus our date and title discovery). The scores:

- title accuracy   the title equals the label (NFC, whitespace collapsed)
- date accuracy    the publication instant equals the label (or both are None)
- body recall      share of the ``must`` sentences found in the body text
- forbidden hits   ``must_not`` strings found in the body or the title (chrome, today's date)

The gate fails when a score drops below the committed threshold or any forbidden string appears.
Lower a threshold only on purpose, in its own commit, saying why.

Print the figures: ``.venv/bin/python tests/eval/extraction/test_extraction_gate.py``
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from bs4 import BeautifulSoup

HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[2]))

from pipeline.core.models import ArticleSelectors, Fetched, Item, Source  # noqa: E402
from pipeline.core.urls import canonical  # noqa: E402
from pipeline.harvest import article  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Committed thresholds. Measured when committed (26 pages, 6 with selectors): configured
# title 1.000, date 1.000, author 1.000, recall 1.000; generic title 1.000, date 1.000, recall
# 1.000; no forbidden hits. The generic gate leaves one page of slack on title and date.
THRESHOLDS = {
    "configured": {"title": 1.0, "date": 1.0, "recall": 0.98, "author": 1.0},
    "generic": {"title": 0.95, "date": 0.95, "recall": 0.97},
}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([.,;:!?”)\]])", r"\1", text)
    text = re.sub(r"([“(\[])\s+", r"\1", text)
    return text.strip()


def body_text(html: str) -> str:
    return _norm(BeautifulSoup(html or "", "lxml").get_text(" "))


def _when(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=TZ)
    return datetime.fromisoformat(str(value))


@dataclass
class PageResult:
    page: str
    title_ok: bool
    date_ok: bool
    author_ok: bool | None
    found: int
    total: int
    missing: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    got_title: str = ""
    got_date: datetime | None = None


@dataclass
class Scores:
    mode: str
    pages: list[PageResult]

    def _share(self, values: list[bool]) -> float:
        return sum(values) / len(values) if values else 1.0

    @property
    def title(self) -> float:
        return self._share([p.title_ok for p in self.pages])

    @property
    def date(self) -> float:
        return self._share([p.date_ok for p in self.pages])

    @property
    def author(self) -> float:
        return self._share([p.author_ok for p in self.pages if p.author_ok is not None])

    @property
    def recall(self) -> float:
        total = sum(p.total for p in self.pages)
        return sum(p.found for p in self.pages) / total if total else 1.0

    @property
    def forbidden(self) -> list[str]:
        return [f"{p.page}: {s!r}" for p in self.pages for s in p.forbidden]

    def summary(self) -> str:
        return (f"{self.mode}: {len(self.pages)} pages, title {self.title:.3f}, "
                f"date {self.date:.3f}, author {self.author:.3f}, body recall {self.recall:.3f}, "
                f"forbidden hits {len(self.forbidden)}")

    def details(self) -> str:
        lines = []
        for p in self.pages:
            if p.title_ok and p.date_ok and not p.missing and not p.forbidden \
                    and p.author_ok is not False:
                continue
            lines.append(f"  {p.page}:")
            if not p.title_ok:
                lines.append(f"    title: {p.got_title!r}")
            if not p.date_ok:
                lines.append(f"    date: {p.got_date}")
            if p.author_ok is False:
                lines.append("    author wrong")
            for m in p.missing:
                lines.append(f"    missing: {m!r}")
            for f in p.forbidden:
                lines.append(f"    forbidden: {f!r}")
        return "\n".join(lines)


@cache
def labels() -> list[dict]:
    return yaml.safe_load((HERE / "labels.yml").read_text(encoding="utf-8"))


def _run(entry: dict, mode: str) -> PageResult:
    url = entry["url"]
    body = (HERE / "pages" / entry["page"]).read_bytes()
    fetched = Fetched(url=url, final_url=url, status=200,
                      headers={"content-type": entry.get("content_type", "text/html")}, body=body)
    given = entry.get("item") or {}
    item = Item(url=canonical(url), title=given.get("title", ""),
                published=_when(given.get("published")))
    if mode == "configured":
        sel = entry["selectors"]
        source = Source(id="eval", name="eval", kind="html", url=url, article=ArticleSelectors(
            body=sel["body"], title=sel.get("title"), date=sel.get("date"),
            author=sel.get("author"), remove=tuple(sel.get("remove") or ())))
        got = article.read_article(fetched, source, item, TZ)
    else:
        got = article.read_generic(fetched, item, TZ)
    exp = entry["expect"]
    text = body_text(got.content_html)
    title = _norm(got.title)
    want_date = _when(exp.get("date"))
    must = [_norm(s) for s in exp.get("must") or []]
    missing = [s for s in must if s not in text]
    forbidden = [s for s in exp.get("must_not") or [] if s in text or s in title]
    author_ok = None
    if "author" in exp and mode == "configured":
        author_ok = _norm(got.author) == _norm(exp["author"])
    return PageResult(
        page=entry["page"],
        title_ok=title == _norm(exp["title"]),
        date_ok=(got.published == want_date) if want_date else got.published is None,
        author_ok=author_ok,
        found=len(must) - len(missing),
        total=len(must),
        missing=missing,
        forbidden=forbidden,
        got_title=got.title,
        got_date=got.published,
    )


@cache
def scores(mode: str) -> Scores:
    entries = [e for e in labels() if mode == "generic" or e.get("selectors")]
    return Scores(mode, [_run(e, mode) for e in entries])


def test_eval_set_is_big_enough():
    assert len(labels()) >= 10
    assert sum(1 for e in labels() if e.get("selectors")) >= 5


@pytest.mark.parametrize("mode", ["configured", "generic"])
def test_extraction_gate(mode):
    s = scores(mode)
    t = THRESHOLDS[mode]
    report = s.summary() + "\n" + s.details()
    assert not s.forbidden, report
    assert s.title >= t["title"], report
    assert s.date >= t["date"], report
    assert s.recall >= t["recall"], report
    if "author" in t:
        assert s.author >= t["author"], report


if __name__ == "__main__":
    for m in ("configured", "generic"):
        sc = scores(m)
        print(sc.summary())
        print(sc.details())
