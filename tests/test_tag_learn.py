"""Learning from the editors' corrections (pipeline/tagging/tag_learn.py) and `cds tag --evaluate` /
`--suggest` on a real store."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.core.models import Article
from pipeline.store.articles import Store
from pipeline.tagging.tag import Taxonomy
from pipeline.tagging.tag_learn import (
    evaluate,
    format_evaluation,
    format_suggestions,
    labelled,
    suggest,
)
from tests.conftest import make_root

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

# a head of school leading CĐS: the editors say dien-hinh AND trach-nhiem; "sổ tay điều hành"
# and "họp chi bộ" are the words the taxonomy does not know
STORY = ("Trường THCS {n} chuyển đổi số thành công",
         "Trường THCS {n} là điển hình chuyển đổi số của huyện, được tặng bằng khen, nhiều trường "
         "đến học tập kinh nghiệm và nhân rộng cách làm. Sổ tay điều hành của nhà trường được "
         "cập nhật trên phần mềm; họp chi bộ nhà trường mỗi tháng rà soát việc ứng dụng công "
         "nghệ thông tin, chuyển đổi số trong dạy học.")
AWARE = ("Chuyển đổi số là gì, mang lại lợi ích gì?",
         "Chuyển đổi số là gì? Lợi ích của chuyển đổi số là người dân làm thủ tục trực tuyến, "
         "tiết kiệm thời gian. Vì sao cần chuyển đổi số? Vì đó là xu thế tất yếu, giúp nâng cao "
         "chất lượng cuộc sống, được hiểu là thay đổi cách sống và làm việc.")


def _article(i: int, title: str, body: str, themes: list[str], locked: bool) -> Article:
    return Article(id=f"a{i}", title=title, url=f"https://example.gov.vn/tin/{i}.html",
                   source="so-tttt", published=WHEN, harvested=WHEN, body=body,
                   themes=themes, themes_locked=locked)


def _articles() -> list[Article]:
    out = []
    for i, n in enumerate(("Lê Lợi", "Quang Trung", "Nguyễn Trãi")):
        title, body = STORY
        out.append(_article(i, title.format(n=n), body.format(n=n),
                            ["dien-hinh", "trach-nhiem"], True))
    out.append(_article(10, *AWARE, ["nhan-thuc"], True))
    out.append(_article(11, "Giá lúa tăng", "Giá lúa vụ mùa tăng mạnh so với năm trước.", [],
                        True))
    out.append(_article(12, *AWARE, ["van-ban"], False))          # not locked: not an example
    return out


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.default()


@pytest.fixture(scope="module")
def rules() -> Taxonomy:
    """The default taxonomy with the model off: the counting below is the rules' own (the
    model's out-of-fold opinions are tests/test_tag_oof.py's)."""
    tx = Taxonomy.default()
    return replace(tx, model=replace(tx.model, enabled=False))


def test_only_locked_articles_are_examples():
    assert [a.id for a in labelled(_articles())] == ["a0", "a1", "a2", "a10", "a11"]


def test_evaluate_reports_per_theme_and_confusions(rules):
    taxonomy = rules
    ev = evaluate(_articles(), taxonomy)
    assert ev.articles == 5
    th = ev.per_theme
    assert (th["nhan-thuc"].tp, th["nhan-thuc"].fp, th["nhan-thuc"].fn) == (1, 0, 0)
    assert th["dien-hinh"].tp == 3 and th["dien-hinh"].recall == 1.0
    assert th["trach-nhiem"].fn == 3 and th["trach-nhiem"].recall == 0.0
    assert th["trach-nhiem"].f1 == 0.0
    assert ev.confusions[("trach-nhiem", "")] == 3           # missed, nothing given instead
    assert len(ev.mistakes) == 3 and ev.mistakes[0].editors == ["dien-hinh", "trach-nhiem"]
    m = ev.micro
    assert (m.tp, m.fp, m.fn) == (4, 0, 3)
    data = ev.as_dict()
    assert data["themes"]["trach-nhiem"]["recall"] == 0.0 and data["articles"] == 5
    text = format_evaluation(ev, taxonomy)
    assert "trên 5 bài" in text and "máy bỏ sót trach-nhiem: 3 bài" in text
    assert "tổng (micro)" in text
    assert "Cách tính: máy gắn lại từng bài bằng các quy tắc" in text and ev.folds == 0


def test_suggest_proposes_the_phrases_that_separate_the_missed_theme(taxonomy):
    rows = suggest(_articles(), taxonomy)
    phrases = {(s.theme, s.kind): [] for s in rows}
    for s in rows:
        phrases[(s.theme, s.kind)].append(s.phrase)
    found = phrases.get(("trach-nhiem", "phrases"), [])
    assert any(p in ("họp chi bộ", "sổ tay điều hành", "sổ tay") for p in found), rows
    top = next(s for s in rows if s.theme == "trach-nhiem")
    assert top.hits == 3 and top.with_theme == 3 and top.without_theme == 0
    assert not any(s.theme == "nhan-thuc" for s in rows)      # nothing wrong there
    text = format_suggestions(rows, taxonomy)
    assert "trach-nhiem — thêm vào `phrases`" in text and "có trong 3 bài bị bỏ sót" in text


def test_an_accepted_suggestion_fixes_the_evaluation(taxonomy):
    import yaml

    from pipeline.tagging.tag import FILENAME
    data = yaml.safe_load((ROOT / "pipeline" / "data" / FILENAME).read_text(encoding="utf-8"))
    tn = next(c for c in data["themes"] if c["id"] == "trach-nhiem")
    tn["phrases"].update({"sổ tay điều hành": 3, "họp chi bộ": 3})
    data["model"]["enabled"] = False              # phrases are for the rules
    ev = evaluate(_articles(), Taxonomy.from_dict(data))
    assert ev.per_theme["trach-nhiem"].recall == 1.0 and not ev.mistakes


def test_nothing_locked_says_so(taxonomy):
    ev = evaluate([], taxonomy)
    assert "Chưa có bài nào" in format_evaluation(ev, taxonomy)
    assert "Không có gợi ý" in format_suggestions(suggest([], taxonomy), taxonomy)


def test_cli_evaluate_and_suggest_on_a_store(tmp_path):
    root = make_root(tmp_path / "root", "site: {title: T, url: https://example.gov.vn/}\n"
                                        "sources: []\n")
    # the model off: the CLI with the model's out-of-fold opinions is tests/test_tag_oof.py's
    tx = root / "taxonomy.yml"
    tx.write_text(tx.read_text(encoding="utf-8").replace("  enabled: true", "  enabled: false"),
                  encoding="utf-8")
    store = Store(root / "content")
    for a in _articles():
        store.write(a)
    res = subprocess.run([sys.executable, "-m", "pipeline", "--root", str(root), "tag",
                          "--evaluate", "--suggest"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert "trên 5 bài" in res.stdout
    assert "trach-nhiem — thêm vào `phrases`" in res.stdout
    assert "5 bài đã khóa chủ đề" in res.stderr
    assert "Traceback" not in res.stderr
