"""Score gates for the tagger as shipped (rules + model, taxonomy ``model: {enabled: true}``,
the default since round 6) on every labelled set. Most sets here are the model's training data
(pipeline/data/tagging_train/), so their figures are in-sample: they catch a regression, they do
not measure generalisation; the last three (kept in tests/eval/tagging/) were never trained on. That is measured leave-one-set-out by bench/tagging_loso.py (the
model retrained without the set scored; docs/tagging.md, round 6); a blind set kept in
tests/eval/tagging/ only is never trained on.

Thresholds are the scores measured when the gates were set, rounded down; lower one only on
purpose, in a commit that says why. One fitted model for the module. Round 11 lowered many of
them on purpose: the label audit (h20audA, h20audB) took `van-ban` from about 70 local units'
own documents, in the training sets (the model changes) and in the sets scored (the figures
change); the rules still tag many of those texts `van-ban`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import tagging_evalset as evalset

from pipeline.tagging.tag import ModelSettings, Taxonomy, tag

# split: (micro-F1 floor, micro-precision floor, negatives tagged allowed)
GATES = {
    # in-sample (every set is training data); measured F1 / P when set (round 8: relevance by
    # the model's cds classifier, themes one passage carries); LOSO figures: bench/tagging_loso.py
    "heldout6": (0.95, 0.90, 0),    # 0.965 / 0.932 (LOSO round 8: 0.905 / 0.884)
                                    # round 11: lowered from (0.96, 0.93, 0) on purpose:
                                    # relabelled sets, same tagger: 0.952 / 0.909, 0 neg
    "heldout7": (0.98, 0.96, 0),    # 0.982 / 0.966 (LOSO: 0.873 / 0.889)
    "heldout8": (0.99, 0.99, 0),    # 1.000 / 1.000 (LOSO: 0.889 / 1.000)
    "dev": (0.96, 0.93, 0),         # 0.966 / 0.933
    "dev2": (0.97, 0.95, 0),        # 1.000 / 1.000
                                    # round 11: lowered from (0.99, 0.99, 0) on purpose:
                                    # relabelled sets, same tagger: 0.976 / 0.952, 0 neg
    "dev3": (0.97, 0.94, 0),        # 0.986 / 0.973
                                    # round 11: lowered from (0.98, 0.97, 0) on purpose:
                                    # relabelled sets, same tagger: 0.972 / 0.946, 0 neg
    "dev4": (0.94, 0.92, 0),        # 0.974 / 0.982
                                    # round 11: lowered from (0.97, 0.98, 0) on purpose:
                                    # relabelled sets, same tagger: 0.946 / 0.930, 0 neg
    "dev5": (0.97, 0.94, 1),        # 0.984 / 0.968
                                    # round 11: lowered from (0.98, 0.96, 0) on purpose:
                                    # relabelled sets, same tagger: 0.972 / 0.945, 1 neg
    "dev6": (0.95, 0.92, 0),        # 0.984 / 0.972 (round 8; trained without it: 0.860 / 0.953)
                                    # round 11: lowered from (0.98, 0.97, 0) on purpose:
                                    # relabelled sets, same tagger: 0.959 / 0.924, 0 neg
    "heldout": (0.95, 0.90, 0),     # 0.963 / 0.929
                                    # round 11: lowered from (0.96, 0.92, 0) on purpose:
                                    # relabelled sets, same tagger: 0.950 / 0.905, 0 neg
    "heldout2": (0.94, 0.90, 0),    # 0.962 / 0.943
                                    # round 11: lowered from (0.96, 0.94, 0) on purpose:
                                    # relabelled sets, same tagger: 0.941 / 0.906, 0 neg
    "heldout3": (0.94, 0.89, 0),    # 0.969 / 0.940
                                    # round 11: lowered from (0.96, 0.94, 0) on purpose:
                                    # relabelled sets, same tagger: 0.946 / 0.897, 0 neg
    "heldout4": (0.97, 0.95, 0),    # 0.989 / 0.978
                                    # round 11: lowered from (0.98, 0.97, 0) on purpose:
                                    # relabelled sets, same tagger: 0.977 / 0.955, 0 neg
    "heldout5": (0.97, 0.95, 0),    # 0.993 / 0.986 (LOSO: 0.979 / 0.973)
                                    # round 11: lowered from (0.99, 0.98, 0) on purpose:
                                    # relabelled sets, same tagger: 0.979 / 0.959, 0 neg
    "demo": (0.86, 0.75, 0),        # 0.862 / 0.758 (the labeller gives single themes);
                                    # lowered from 0.87 / 0.78 in round 8: one passage adds
                                    # van-ban to btb-chu-nhat-so (0.877 / 0.781 without it)
    # round 7's blind sets (another author; scored once blind: 0.829 / 0.951 and 0.821 / 0.923),
    # training data from round 8
    "heldout9": (0.98, 0.96, 1),    # 0.988 / 0.975, 1 negative: the rules' council session
                                    # round 11: lowered from (0.98, 0.97, 1) on purpose:
                                    # relabelled sets, same tagger: 0.981 / 0.963, 1 neg
                                    # (LOSO: 0.924 / 0.924)
    "heldout10": (0.96, 0.93, 0),   # 0.977 / 0.970 (LOSO: 0.846 / 0.897)
                                    # round 11: lowered from (0.97, 0.96, 0) on purpose:
                                    # relabelled sets, same tagger: 0.961 / 0.939, 0 neg
    # never trained on (kept in tests/eval/tagging/): these measure generalisation. dev7 (another
    # author, 190 texts) was scored once by its author with round 7's tagger (0.833 / 0.948) and
    # left out of the training data in round 8 (LOSO F1 0.903 -> 0.892 with it); heldout11/12
    # (two more authors, written blind, committed before the round's tuning) scored once with
    # round 8's final tagger
    "dev7": (0.85, 0.86, 1),        # 0.883 / 0.927, nhan-thuc 0.81, 1 negative
                                    # round 11: lowered from (0.88, 0.92, 1) on purpose:
                                    # relabelled sets, same tagger: 0.859 / 0.880, 1 neg;
                                    # trained on heldout13-16 too (round 11, shipped, on
                                    # purpose: LOSO mean 0.872 -> 0.883): 0.851 / 0.869
    "heldout11": (0.90, 0.89, 0),   # blind 0.920 / 0.920, lowest theme nhan-thuc 0.86
                                    # round 11: lowered from (0.92, 0.92, 0) on purpose:
                                    # relabelled sets, same tagger: 0.902 / 0.897, 0 neg;
                                    # round 11 lead: lowered from 0.91 on purpose after the
                                    # issuer rule (h20vb) and 'chủ nhật số' as nhan-thuc
                                    # evidence (ccb694d): 0.908 / 0.898, 0 neg;
                                    # trained on heldout13-16 too: 0.914 / 0.899 (raised)
    "heldout12": (0.93, 0.90, 0),   # blind 0.943 / 0.926, lowest theme van-ban 0.87; round 11
                                    # (relabelled training sets, trained on heldout13-16 too:
                                    # lowered on purpose from (0.94, 0.92, 0)): 0.932 / 0.904
    # round 9: two blind sets by two more authors who wrote freely (h20blind3, h20blind4),
    # scored once with the round's final tagger (themes: round 8's, unchanged); development
    # data from round 10 (read, not trained on: bench/tagging_round10.py); training data from
    # round 11 (bench/tagging_round11.py), with heldout15/16
    "heldout13": (0.97, 0.94, 0),   # blind 0.911 / 0.917, lowest theme nhan-thuc 0.88: goal met
                                    # round 11: lowered from (0.91, 0.91, 0) on purpose:
                                    # relabelled sets, same tagger: 0.885 / 0.901, 0 neg;
                                    # training data from round 11 (in-sample): 0.971 / 0.944
    "heldout14": (0.96, 0.93, 2),   # blind 0.861 / 0.850, nhan-thuc 0.82, dien-hinh 0.75,
                                    # 2 negatives: the goal NOT met on this set;
                                    # lowered in round 10 from (0.86, 0.85, 2) on purpose:
                                    # h14-06 / h14-08 relabelled without van-ban (README's
                                    # rule), same tagger: 0.846 / 0.825, 3 negatives (h14-06)
                                    # round 11: lowered from (0.84, 0.82, 3) on purpose:
                                    # relabelled sets, same tagger: 0.848 / 0.817, 4 neg
                                    # (h14-28 too); training data from round 11 (in-sample):
                                    # 0.968 / 0.938, 2 negatives (h14-06, h14-11)
    # round 10: two blind sets by two more authors (h20blind5: department and agency portals,
    # newspaper and radio-TV; h20blind6: grassroots voices), committed (051d587, a09bd6e) before
    # any round-10 result and never read by anyone tuning; scored once by the lead with the
    # round's final tagger (themes: round 8's, unchanged): the issue's goal NOT met on either
    "heldout15": (0.95, 0.93, 2),   # blind 0.859 / 0.882, nhan-thuc 0.83, van-ban 0.83,
                                    # dien-hinh 0.82, 2 negatives; training data from round
                                    # 11 (in-sample): 0.955 / 0.932, 2 negatives (h15-47, -64)
    "heldout16": (0.98, 0.97, 0),   # blind 0.837 / 0.846, nhan-thuc 0.80, dien-hinh 0.80;
                                    # training data from round 11 (in-sample): 0.984 / 0.979
    # round 11's blind sets (h20blind7, h20blind8), scored once by the lead with the round's
    # final tagger (round 8's, trained on heldout13-16 too, van-ban from central and
    # provincial documents only): /work/notes/blind17_18_score.txt
    "heldout17": (0.93, 0.93, 1),   # blind 0.939 / 0.934, nhan-thuc 0.89, dien-hinh 0.92,
                                    # 1 negative (h17-64, an op-ed on children and social media)
    "heldout18": (0.93, 0.93, 0),   # blind 0.934 / 0.934, nhan-thuc 0.92, dien-hinh 0.90
}


# the combiner on (``model.min_combined: 0.6``; not the default: rounds 10 and 11 shipped
# nothing) over the shipped model, on the sets never trained on: split: (F1, P, negatives),
# measured when set in round 10 (pipeline/data/tagging_combiner.json), rounded down (round 11:
# weights refitted on the relabelled sets); they keep the code path honest
COMBINED_GATES = {
    "dev7": (0.86, 0.86, 1),        # 0.896 / 0.915, 1 negative (d7-109; round 8: 0.883)
                                    # round 11: lowered from (0.89, 0.91, 1) on purpose:
                                    # relabelled sets, same tagger: 0.864 / 0.866, 1 neg;
                                    # trained on heldout13-16, weights refitted: 0.866 / 0.866
    "heldout11": (0.92, 0.91, 0),   # 0.933 / 0.922 (round 8: 0.920 / 0.920)
                                    # round 11: lowered from (0.93, 0.92, 0) on purpose:
                                    # relabelled sets, same tagger: 0.920 / 0.909, 0 neg;
                                    # round 11 lead: lowered from 0.93 on purpose (issuer
                                    # rule, 'chủ nhật số', combiner refitted): 0.926 / 0.910;
                                    # trained on heldout13-16, weights refitted: 0.932 / 0.911
    "heldout12": (0.94, 0.91, 0),   # 0.963 / 0.939 (round 8: 0.943 / 0.926)
                                    # round 11: lowered from (0.96, 0.93, 0) on purpose:
                                    # relabelled sets, same tagger: 0.956 / 0.938, 0 neg;
                                    # trained on heldout13-16, weights refitted: 0.944 / 0.916
}


@pytest.mark.parametrize("split", list(COMBINED_GATES))
def test_combiner_gate(split, combined):
    stacked = replace(combined, model=replace(combined.model, min_combined=0.6))
    _check_gate(split, stacked, COMBINED_GATES[split])


# activity tags of the plan's tasks, the tagger as shipped: split: (min micro-P, min micro-R),
# set in round 9 (h20act: an activity is tagged when the text reports it, not when a plan,
# guidance or notice announces it, nor on a passing mention) from the figures measured, rounded
# down; "pooled" = every development set with activity labels together (dev, heldout, dev3-7,
# heldout3-5, heldout9-10): 0.940 / 0.908, the round-8 tagger 0.721 / 0.925
TAG_GATES = {
    "dev5": (0.96, 0.92),           # 0.960 / 0.923
    "dev6": (0.88, 0.96),           # 0.882 / 0.968
    "dev7": (0.99, 0.85),           # 1.000 / 0.852 (not trained on; none of the sets is a
                                    # training set for activities: the rules make them)
    "act_heldout": (0.92, 0.96),    # 0.926 / 0.962 (held out, scored twice: before 0.532 / 0.962)
    "act_heldout2": (0.91, 0.95),   # round 10 (held out, scored once before, once after):
                                    # 0.913 / 0.955 (before 0.750 / 0.955)
    "heldout13": (0.99, 0.76),      # blind (round 9) 1.000 / 0.762
    "heldout14": (0.89, 0.80),      # blind (round 9) 0.895 / 0.810
    "heldout15": (0.99, 0.94),      # blind (round 10, h20act2's rule) 1.000 / 0.947
    "heldout16": (0.94, 0.90),      # blind (round 10) 0.947 / 0.900
    "heldout17": (0.87, 0.93),      # blind (round 11) 0.875 / 0.933
    "heldout18": (0.88, 0.99),      # blind (round 11) 0.882 / 1.000
}
TAG_POOLED = (0.94, 0.93)            # round 10: 0.942 / 0.936 (round 9: 0.940 / 0.908)
TAG_POOLED_SPLITS = ("dev", "heldout", "dev3", "dev4", "dev5", "dev6", "dev7", "heldout3",
                     "heldout4", "heldout5", "heldout9", "heldout10")


@pytest.fixture(scope="module")
def combined() -> Taxonomy:
    return replace(Taxonomy.default(), model=ModelSettings(enabled=True))


@pytest.mark.parametrize("split", list(GATES))
def test_combined_tagger_gate(split, combined):
    _check_gate(split, combined, GATES[split])


def _check_gate(split: str, taxonomy: Taxonomy, gate: tuple[float, float, int]) -> None:
    """``split``'s themes by ``taxonomy`` reach the gate's (min micro-F1, min micro-P, max
    negatives tagged)."""
    items = evalset.load(split)
    result = evalset.score(items, [tag(i["title"], i["body"], taxonomy).themes for i in items])
    f1, precision, negatives = gate
    m = result["micro"]
    assert m["f1"] >= f1, evalset.report(split, result)
    assert m["p"] >= precision, evalset.report(split, result)
    assert len(result["negatives_tagged"]) <= negatives, result["negatives_tagged"]


def test_shipped_tagger_keeps_every_rules_theme_over_its_threshold_and_documents(combined):
    """Each theme on either side's evidence: a rules theme whose phrase score reaches its own
    threshold is never dropped by the model, nor a document reference."""
    rules = replace(combined, model=ModelSettings(enabled=False))
    for split in ("heldout6", "heldout7", "heldout8", "dev5"):
        for i in evalset.load(split):
            a, b = tag(i["title"], i["body"], rules), tag(i["title"], i["body"], combined)
            sure = {c.id for c in combined.themes
                    if c.id in a.themes and a.scores[c.id] >= c.threshold}
            assert sure <= set(b.themes) and a.doc_refs == b.doc_refs, i["id"]


def test_activity_tags_of_the_shipped_tagger(combined):
    """Activity precision and recall per gated split and pooled over the development sets."""
    tp = fp = fn = 0
    failures = []
    for split in sorted(set(TAG_POOLED_SPLITS) | set(TAG_GATES)):
        items = evalset.load(split)
        labels = evalset.TAG_SPLITS[split]
        predicted = [evalset.tag_item(i, combined).tags for i in items]
        result = evalset.score_tags(items, predicted, labels)
        if split in TAG_GATES:
            min_p, min_r = TAG_GATES[split]
            if result["micro"]["p"] < min_p or result["micro"]["r"] < min_r:
                failures.append(evalset.report(split, result))
        if split in TAG_POOLED_SPLITS:
            for item, pred in zip(items, predicted, strict=True):
                if item.get("tags") is None:
                    continue
                gold = set(item["tags"]) & set(labels)
                got = set(pred) & set(labels)
                tp += len(gold & got)
                fp += len(got - gold)
                fn += len(gold - got)
    p, r, _ = evalset.prf(tp, fp, fn)
    assert not failures, failures
    assert p >= TAG_POOLED[0] and r >= TAG_POOLED[1], (p, r, tp, fp, fn)
