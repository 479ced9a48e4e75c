"""Honest figures for `cds tag --evaluate` (pipeline/tagging/oof.py): each editor-locked article
is tagged by the rules and a model that did not learn from it, and those out-of-fold opinions are
kept in `.cds/tagger-oof.json` until something they were made from changes. A real root, the
real model (scikit-learn fits), the real CLI."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.store.articles import Store
from pipeline.tagging import model as theme_model
from pipeline.tagging import oof, tag_learn
from pipeline.tagging.tag import tag
from tests.conftest import make_root
from tests.test_tag_learn import AWARE, STORY, _article

ROOT = Path(__file__).resolve().parent.parent

# one head-of-school story the editors say is dien-hinh AND trach-nhiem: the rules give only
# dien-hinh ("sổ tay điều hành", "họp chi bộ" are not in the taxonomy), and no other locked
# article teaches the model trach-nhiem, so only the article itself can
TITLE, BODY = (x.format(n="Lê Lợi") for x in STORY)
LOCKED = [_article(0, TITLE, BODY, ["dien-hinh", "trach-nhiem"], True),
          _article(10, *AWARE, ["nhan-thuc"], True),
          _article(11, "Giá lúa tăng", "Giá lúa vụ mùa tăng mạnh so với năm trước.", [], True)]


def _cli(root: Path) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "pipeline", "--root", str(root), "tag",
                          "--evaluate"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    return res


class Fits:
    """Counts the model fits (ThemeModel.fit, the real one still runs)."""

    def __init__(self, monkeypatch):
        self.n = 0
        real = theme_model.ThemeModel.fit

        def counted(model, texts, labels):
            self.n += 1
            return real(model, texts, labels)
        monkeypatch.setattr(theme_model.ThemeModel, "fit", counted)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    r = make_root(tmp_path_factory.mktemp("oof") / "root",
                  "site: {title: T, url: https://example.gov.vn/}\nsources: []\n")
    store = Store(r / "content")
    for a in LOCKED:
        store.write(a)
    return r


def test_folds_are_fixed_by_the_ids():
    few = ["b", "a", "c"]
    assert oof.fold_of(few) == {"a": 0, "b": 1, "c": 2}          # leave one out
    assert oof.fold_of(reversed(few)) == oof.fold_of(few)
    many = [f"bai-{i}" for i in range(40)]
    folds = oof.fold_of(many)
    assert set(folds.values()) == set(range(oof.MAX_FOLDS))       # at most 5 fits
    assert oof.fold_of(list(reversed(many))) == folds             # not the order
    more = oof.fold_of([*many, "bai-moi-1", "bai-moi-2"])
    assert {a: more[a] for a in many} == folds                    # others keep their fold
    assert oof.fold_of(many) == folds                             # reruns agree


def test_a_label_only_the_article_teaches_is_a_miss_out_of_fold(root):
    articles, taxonomy = tag_learn.examples(root)
    assert taxonomy.model.enabled and len(articles) == 3
    story = next(a for a in articles if a.id == "a0")
    # in sample (the model the tagger uses learned this very article): a hit — what
    # `cds tag --evaluate` reported before
    assert "trach-nhiem" in tag(story.title, story.body, taxonomy).themes
    # the rules alone do not give it
    rules = dataclasses.replace(taxonomy, model=dataclasses.replace(taxonomy.model,
                                                                    enabled=False))
    assert "trach-nhiem" not in tag(story.title, story.body, rules).themes
    ev = tag_learn.evaluate(articles, taxonomy)
    s = ev.per_theme["trach-nhiem"]
    assert (s.tp, s.fp, s.fn) == (0, 0, 1)                        # out of fold: a miss
    assert ev.per_theme["nhan-thuc"].tp == 1 and ev.per_theme["dien-hinh"].tp == 1
    assert ev.folds == 3 and ev.leave_one_out
    text = tag_learn.format_evaluation(ev, taxonomy)
    assert "máy bỏ sót trach-nhiem: 1 bài" in text
    assert "mỗi bài được chấm bởi quy tắc và mô hình không học từ chính bài đó" in text
    assert "mỗi bài một phần (3 lần học)" in text
    assert "cao hơn thực tế" not in text                          # the old warning is gone


def test_a_second_evaluation_fits_nothing(root, monkeypatch):
    articles, taxonomy = tag_learn.examples(root)
    first = tag_learn.evaluate(articles, taxonomy).as_dict()     # warm (or warms) the cache
    cache = root / ".cds" / oof.CACHE_FILE
    stamp = cache.stat().st_mtime_ns
    fits = Fits(monkeypatch)
    again = tag_learn.evaluate(articles, taxonomy)
    assert fits.n == 0 and again.fits == 0
    assert again.as_dict() == first
    # the CLI, a new process: no fit either (it says so), the file untouched, the same figures
    res = _cli(root)
    assert "mô hình: dùng kết quả đã lưu trong .cds/ (không học lại)" in res.stderr
    assert cache.stat().st_mtime_ns == stamp
    assert tag_learn.format_evaluation(again, taxonomy) in res.stdout
    assert json.loads(cache.read_bytes())["key"] == oof.key(articles)


def test_reruns_agree_and_a_changed_locked_article_recomputes(root, tmp_path, monkeypatch):
    articles, taxonomy = tag_learn.examples(root)
    tag_learn.evaluate(articles, taxonomy)
    made = (root / ".cds" / oof.CACHE_FILE).read_bytes()
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".cds"))
    (copy / ".cds").mkdir()
    fits = Fits(monkeypatch)
    arts, tx = tag_learn.examples(copy)
    ev = tag_learn.evaluate(arts, tx)                             # cold: fitted again
    assert fits.n == 3 == ev.fits
    assert (copy / ".cds" / oof.CACHE_FILE).read_bytes() == made  # the same opinions, bit for bit
    # an editor changes one locked article: everything it was made from is not the same
    store = Store(copy / "content")
    rice = store.get("a11")
    store.write(dataclasses.replace(rice, body=rice.body + " Thương lái thu mua tại ruộng."))
    arts, tx = tag_learn.examples(copy)
    assert oof.cached(arts, copy) is None
    ev = tag_learn.evaluate(arts, tx)
    assert fits.n == 6 and ev.fits == 3
    assert json.loads((copy / ".cds" / oof.CACHE_FILE).read_bytes())["key"] == oof.key(arts)
    assert oof.cached(arts, copy) is not None


def test_model_off_is_the_rules_alone_and_fits_nothing(root, tmp_path, monkeypatch):
    copy = tmp_path / "off"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".cds"))
    tx = copy / "taxonomy.yml"
    tx.write_text(tx.read_text(encoding="utf-8").replace("  enabled: true", "  enabled: false"),
                  encoding="utf-8")
    fits = Fits(monkeypatch)
    arts, taxonomy = tag_learn.examples(copy)
    ev = tag_learn.evaluate(arts, taxonomy)
    assert fits.n == 0 and ev.folds == 0
    assert ev.per_theme["trach-nhiem"].fn == 1
    assert not (copy / ".cds" / oof.CACHE_FILE).exists()
    text = tag_learn.format_evaluation(ev, taxonomy)
    assert "mô hình đang tắt" in text and "không học từ chính bài đó" not in text


def test_out_of_fold_with_the_combiner_on_reads_the_held_out_windows(root):
    """With ``model.min_combined`` < 1 the tagger also reads the best sentence window; the
    out-of-fold opinion keeps it (from the model that did not learn the article), so
    `cds tag --evaluate` tags each article as that model would."""
    articles, taxonomy = tag_learn.examples(root)
    stacked = dataclasses.replace(taxonomy, model=dataclasses.replace(taxonomy.model,
                                                                      min_combined=0.6))
    out = oof.predictions(articles, root)
    story = next(a for a in articles if a.id == "a0")
    frozen = out.model_for("a0")
    held_out = theme_model.train(theme_model.shipped_examples() + [       # oof's order: by id
        (a.title, a.body, list(a.themes)) for a in sorted(articles, key=lambda a: a.id)
        if a.id != "a0" and a.themes_locked])
    got, want = frozen.best_windows(story.title, story.body), \
        held_out.best_windows(story.title, story.body)
    assert set(got) == set(want) and len(theme_model.windows(story.body)) > 1
    for name, (p, k, text) in want.items():
        assert got[name][1:] == (k, text) and got[name][0] == pytest.approx(p, abs=1e-12)
    assert tag(story.title, story.body, stacked, model=frozen).themes == \
        tag(story.title, story.body, stacked, model=held_out).themes
    ev = tag_learn.evaluate(articles, stacked)
    assert ev.folds == 3 and sum(s.tp for s in ev.per_theme.values()) >= 2
