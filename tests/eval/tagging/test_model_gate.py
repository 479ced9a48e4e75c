"""Score gates for the combined tagger (rules + the model's second opinion, taxonomy
``model: {enabled: true}``) on every labelled set. The model is trained on the development sets
shipped in pipeline/data/tagging_train/ only: heldout6, heldout7, heldout8 are blind for it (and
were for the rules when first scored). On the development sets the model is in-sample.

Thresholds are the scores measured when the gates were set (bench/tagging_combined.py), rounded
down; lower one only on purpose, in a commit that says why. One fitted model for the module.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import tagging_evalset as evalset

from pipeline.tagging.tag import ModelSettings, Taxonomy, tag

# split: (micro-F1 floor, micro-precision floor, negatives tagged allowed)
GATES = {
    # blind for the model; measured 0.857 / 0.837 (heldout6: the rules' own negative, a
    # land-planning report titled "Số hóa bản đồ quy hoạch"), 0.769 / 0.833, 0.710 / 1.000
    "heldout6": (0.85, 0.83, 1),
    "heldout7": (0.76, 0.83, 0),
    "heldout8": (0.70, 0.95, 0),
    # development data (the model's training data: in-sample)
    "dev": (0.96, 0.93, 0),
    "dev2": (0.92, 0.94, 0),
    "dev3": (0.98, 0.97, 0),
    "dev4": (0.95, 0.98, 0),
    # dev5 (round 6): 0.911 / 0.922 in-sample; the rules' own negative (an online-fraud
    # arrest, tagged nhan-thuc) stays tagged: the model only adds themes
    "dev5": (0.91, 0.92, 1),
    "heldout": (0.96, 0.92, 0),
    "heldout2": (0.96, 0.94, 0),
    "heldout3": (0.96, 0.94, 0),
    "heldout4": (0.97, 0.97, 0),
    "heldout5": (0.98, 0.98, 0),
    "demo": (0.87, 0.78, 0),
}


@pytest.fixture(scope="module")
def combined() -> Taxonomy:
    return replace(Taxonomy.default(), model=ModelSettings(enabled=True))


@pytest.mark.parametrize("split", list(GATES))
def test_combined_tagger_gate(split, combined):
    items = evalset.load(split)
    result = evalset.score(items, [tag(i["title"], i["body"], combined).themes for i in items])
    f1, precision, negatives = GATES[split]
    m = result["micro"]
    assert m["f1"] >= f1, evalset.report(split, result)
    assert m["p"] >= precision, evalset.report(split, result)
    assert len(result["negatives_tagged"]) <= negatives, result["negatives_tagged"]


def test_combined_never_drops_a_rules_theme_or_document(combined):
    rules = replace(combined, model=ModelSettings(enabled=False))
    for split in ("heldout6", "heldout7", "heldout8"):
        for i in evalset.load(split):
            a, b = tag(i["title"], i["body"], rules), tag(i["title"], i["body"], combined)
            assert set(a.themes) <= set(b.themes) and a.doc_refs == b.doc_refs, i["id"]
