"""The tagger's second opinion (pipeline/tagging/model.py): training data, determinism, learning
from the editors' locked articles, settings, --explain. One fitted model per module."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from pipeline.core.errors import ConfigError
from pipeline.core.models import Article
from pipeline.store.articles import Store
from pipeline.tagging import model as tm
from pipeline.tagging.tag import ModelSettings, Taxonomy, explain, tag

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval" / "tagging"
SHIPPED = ROOT / "pipeline" / "data" / "tagging_train"
WHEN = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

STORY = ("Xã Tân Lập có tổ công nghệ số cộng đồng",
         "Tổ công nghệ số cộng đồng của xã Tân Lập đi từng nhà hướng dẫn bà con cài ứng dụng "
         "định danh, nộp hồ sơ trực tuyến và thanh toán không dùng tiền mặt. Sau một năm, xã là "
         "điểm sáng chuyển đổi số của huyện, được nhiều địa phương đến học tập cách làm.")


@pytest.fixture(scope="module")
def model() -> tm.ThemeModel:
    return tm.for_root(None)


@pytest.fixture(scope="module")
def combined() -> Taxonomy:
    return replace(Taxonomy.default(), model=ModelSettings(enabled=True))


def test_shipped_training_data_is_the_development_sets_only():
    shipped = sorted(p.stem for p in SHIPPED.glob("*.yml"))
    assert shipped == sorted(["dev", "dev2", "dev3", "dev4", "dev5", "heldout", "heldout2",
                              "heldout3", "heldout4", "heldout5", "heldout6", "heldout7",
                              "heldout8", "demo", "dev7"])
    for name in shipped:     # one copy of each text: the eval reads the shipped sets
        assert not (EVAL / f"{name}.yml").exists(), name
    # a labelled set kept in tests/eval/tagging only is blind: none of its texts is trained on
    trained = {t.strip() for t, _, _ in tm.shipped_examples()}
    for path in EVAL.glob("*.yml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            assert item["title"].strip() not in trained, (path.name, item["id"])


def test_model_is_cached_and_deterministic(model):
    assert tm.for_root(None) is model
    again = tm.train(tm.shipped_examples())
    assert again.proba(*STORY) == model.proba(*STORY)
    assert model.examples == len(tm.shipped_examples()) >= 400


def test_model_reads_a_success_story(model):
    p = model.proba(*STORY)
    assert p["dien-hinh"] >= 0.5 > p["van-ban"]


def test_combined_gives_each_theme_on_either_sides_evidence(combined, model):
    rules_tax = replace(combined, model=ModelSettings(enabled=False))
    rules = tag(*STORY, rules_tax)
    both = tag(*STORY, combined)
    p = model.proba(*STORY)
    ms = combined.model
    sure = {c.id for c in combined.themes if rules.scores[c.id] >= c.threshold
            and c.id in rules.themes}
    assert set(both.themes) == sure | {t for t in evalset_themes() if p[t] >= ms.min_probability}
    assert both.doc_refs == rules.doc_refs
    off_topic = tag("Giá lúa tăng", "Giá lúa vụ mùa năm nay tăng mạnh so với năm trước, nông "
                    "dân phấn khởi.", combined)
    assert off_topic.themes == [] and off_topic.tags == [] and off_topic.pillars == []


def test_model_decides_relevance_when_the_rules_only_fall_back():
    """A text the rules let in with a default theme only (below its threshold) is dropped when
    the model's best theme p is under min_relevance, kept when it reaches it."""
    title, body = ("Bản tin sáng", "Sáng nay, xã tổ chức họp dân về vệ sinh môi trường; "
                   "cuối buổi, cán bộ nhắc bà con cài ứng dụng dịch vụ công trực tuyến "
                   "và chuyển đổi số.")
    rules = tag(title, body, replace(Taxonomy.default(), model=ModelSettings(enabled=False)))
    never = replace(Taxonomy.default(), model=ModelSettings(enabled=True, min_relevance=1.0,
                                                            min_probability=1.0))
    always = replace(Taxonomy.default(), model=ModelSettings(enabled=True, min_relevance=1e-9,
                                                             min_probability=1.0))
    assert rules.themes and all(rules.scores[t] < Taxonomy.default().theme(t).threshold
                                for t in rules.themes)
    assert tag(title, body, never).themes == []
    assert len(tag(title, body, always).themes) == 1


def evalset_themes() -> tuple[str, ...]:
    from pipeline.core.models import THEMES
    return THEMES


def test_explain_shows_model_probability_and_side(combined):
    text = explain(*STORY, combined)
    assert "mô hình: xác suất" in text and "chủ đề do:" in text
    assert "Mô hình (TF-IDF + hồi quy logistic" in text and "xác suất cao nhất" in text
    assert "mô hình: xác suất" in explain(*STORY, Taxonomy.default())       # on by default
    rules_only = replace(combined, model=ModelSettings(enabled=False))
    assert "mô hình: xác suất" not in explain(*STORY, rules_only)


def test_model_learns_from_the_root_locked_articles(tmp_path, model):
    # the editors keep locking texts about "bếp ăn bán trú" as van-ban: the root's model learns it
    store = Store(tmp_path / "content")
    title, body = "Bếp ăn bán trú của trường", "Bếp ăn bán trú quẹt thẻ, sổ theo dõi bán trú."
    for i in range(12):
        store.write(Article(id=f"a{i}", title=f"{title} số {i}", url=f"https://x.vn/{i}.html",
                            source="so", published=WHEN, harvested=WHEN, body=body,
                            themes=["van-ban"], themes_locked=True))
    store.write(Article(id="u", title=title, url="https://x.vn/u.html", source="so",
                        published=WHEN, harvested=WHEN, body=body, themes=["dien-hinh"]))
    assert len(tm.root_examples(tmp_path)) == 12          # locked only
    learned = tm.for_root(tmp_path)
    assert learned is not model and learned.examples == model.examples + 12
    assert learned.proba(title, body)["van-ban"] > model.proba(title, body)["van-ban"] + 0.3
    taxonomy = Taxonomy.load(tmp_path)
    assert taxonomy.root == str(tmp_path)


@pytest.mark.parametrize("value, problem", [
    ({"enabled": "yes"}, "model.enabled"),
    ({"min_probability": 1.5}, "model.min_probability"),
    ({"min_relevance": 0}, "model.min_relevance"),
    ({"threshold": 0.5}, "unknown key 'threshold'"),
    ("on", "model: must be a mapping"),
])
def test_bad_model_settings_name_the_key(value, problem):
    data = yaml.safe_load((ROOT / "pipeline" / "data" / "taxonomy.yml").read_text(encoding="utf-8"))
    data["model"] = value
    with pytest.raises(ConfigError) as err:
        Taxonomy.from_dict(data, source="taxonomy.yml")
    assert problem in str(err.value)


def test_default_settings():
    ms = Taxonomy.default().model
    assert (ms.enabled, ms.min_probability, ms.min_relevance) == (True, 0.7, 0.7)
    assert ModelSettings() == ms


def test_evaluate_notes_the_model_learnt_from_the_examples(combined):
    from pipeline.tagging.tag_learn import evaluate, format_evaluation
    art = Article(id="a", title=STORY[0], url="https://x.vn/a.html", source="so", published=WHEN,
                  harvested=WHEN, body=STORY[1], themes=["dien-hinh"], themes_locked=True)
    on = format_evaluation(evaluate([art], combined), combined)
    off_tax = replace(combined, model=ModelSettings(enabled=False))
    off = format_evaluation(evaluate([art], off_tax), off_tax)
    assert "Mô hình học từ chính các bài này" in on and "Mô hình học" not in off
