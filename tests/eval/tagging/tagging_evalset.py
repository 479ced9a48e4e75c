"""Load the labelled tagging sets and score a tagger on them (shared by the gate test and
bench/tagging_model.py).

Run it to print every split's figures (and the mistakes of the splits named)::

    .venv/bin/python tests/eval/tagging/tagging_evalset.py [dev2 demo ...]

``--only dev,dev2,dev3,dev4,dev5,dev6,dev7`` scores those splits alone (tune with it: the held-out sets are
scored once, at the end).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import yaml

HERE = Path(__file__).parent
# The development sets are shipped with the package as the model's training data
# (pipeline/data/tagging_train/; heldout9/10 too from round 8); the blind sets live here only.
SHIPPED = HERE.parents[2] / "pipeline" / "data" / "tagging_train"
THEMES = ("nhan-thuc", "trach-nhiem", "van-ban", "dien-hinh")


def _strip_marks(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _form(text: str, form: str | None) -> str:
    if form == "nfd":
        return unicodedata.normalize("NFD", text)
    if form == "nodiacritics":
        return _strip_marks(text)
    return text


_KNOWN = ("dev", "dev2", "dev3", "heldout", "heldout2", "heldout3", "heldout4", "dev4", "demo",
          "heldout5", "dev5", "heldout6", "heldout7", "heldout8", "heldout9", "heldout10")
# every set on disk: the known ones in their order, then any new one (dev6, a blind set the lead
# drops here) by name
SPLITS = _KNOWN + tuple(sorted({p.stem for d in (HERE, SHIPPED) for p in d.glob("*.yml")}
                               - set(_KNOWN)))

# The plan's activities (the results issue counts evidence with them). The round-1 sets were
# labelled before `to-cong-nghe-so` existed, so it is scored on the round-3 sets only.
PLAN_TAGS = ("ngay-cds-quoc-gia", "ngay-chu-nhat-so", "ngoai-khoa", "cuoc-thi",
             "to-cong-nghe-so", "tap-huan")
TAG_SPLITS = {"dev": PLAN_TAGS[:4] + PLAN_TAGS[5:], "heldout": PLAN_TAGS[:4] + PLAN_TAGS[5:],
              "dev3": PLAN_TAGS, "heldout3": PLAN_TAGS,
              "heldout4": PLAN_TAGS, "dev4": PLAN_TAGS, "heldout5": PLAN_TAGS,
              "dev5": PLAN_TAGS, "dev6": PLAN_TAGS, "heldout9": PLAN_TAGS, "heldout10": PLAN_TAGS,
              "dev7": PLAN_TAGS, "heldout11": PLAN_TAGS, "heldout12": PLAN_TAGS,
              "heldout13": PLAN_TAGS, "heldout14": PLAN_TAGS,
              "heldout15": PLAN_TAGS, "heldout16": PLAN_TAGS,
              "heldout17": PLAN_TAGS, "heldout18": PLAN_TAGS,
              "act_heldout": PLAN_TAGS, "act_heldout2": PLAN_TAGS}


def score_tags(items: list[dict], predicted: list[list[str]], labels: tuple[str, ...]) -> dict:
    """:func:`score` for activity tags, restricted to ``labels``."""
    return score(items, [[t for t in p if t in labels] for p in predicted], key="tags",
                 labels=labels)


def load(name: str) -> list[dict]:
    """Entries of ``<name>.yml`` (one of :data:`SPLITS`) with ``form`` applied to title and
    body; ``date`` (the article's date, passed to the tagger: :func:`tag_item`) None when the
    entry has none."""
    path = HERE / f"{name}.yml"
    if not path.is_file():
        path = SHIPPED / f"{name}.yml"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in items:
        item["title"] = _form(item["title"], item.get("form"))
        item["body"] = _form(item["body"], item.get("form"))
        item.setdefault("pillars", None)
        item.setdefault("tags", None)
        item.setdefault("date", None)
    return items


def tag_item(item: dict, taxonomy, **kw):
    """The tagger's result for one loaded entry: title, body and the article's ``date``."""
    from pipeline.tagging.tag import tag
    return tag(item["title"], item["body"], taxonomy, date=item["date"], **kw)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(items: list[dict], predicted: list[list[str]], key: str = "themes",
          labels: tuple[str, ...] = THEMES) -> dict:
    """Micro P/R/F1, per-label F1, negatives tagged, and the mistakes."""
    per = {lab: [0, 0, 0] for lab in labels}
    mistakes = []
    negatives_tagged = []
    for item, pred in zip(items, predicted, strict=True):
        gold = item.get(key)
        if gold is None:
            continue
        gold, pred = set(gold), set(pred)
        for lab in labels:
            if lab in gold and lab in pred:
                per[lab][0] += 1
            elif lab in pred:
                per[lab][1] += 1
            elif lab in gold:
                per[lab][2] += 1
        if gold != pred:
            mistakes.append((item["id"], sorted(gold), sorted(pred)))
        if key == "themes" and not gold and pred:
            negatives_tagged.append(item["id"])
    tp, fp, fn = (sum(v[i] for v in per.values()) for i in range(3))
    p, r, f = prf(tp, fp, fn)
    return {"micro": {"p": p, "r": r, "f1": f},
            "per": {lab: prf(*v)[2] for lab, v in per.items()},
            "per_prf": {lab: prf(*v) for lab, v in per.items()},
            "negatives_tagged": negatives_tagged, "mistakes": mistakes}


def report(name: str, result: dict) -> str:
    m = result["micro"]
    per = ", ".join(f"{k} {v:.2f}" for k, v in result["per"].items())
    return (f"{name}: micro P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} | {per} | "
            f"negatives tagged {len(result['negatives_tagged'])}")


def score_refs(items: list[dict], find_refs) -> dict:
    """Precision and recall of ``find_refs(title + body)`` against the entries' ``doc_refs``."""
    tp = fp = fn = 0
    wrong = []
    for item in items:
        if "doc_refs" not in item:
            continue
        got = set(find_refs(f"{item['title']}\n{item['body']}"))
        expected = set(item["doc_refs"])
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
        if got != expected:
            wrong.append((item["id"], sorted(expected), sorted(got)))
    p, r, _ = prf(tp, fp, fn)
    return {"p": p, "r": r, "found": tp, "wrong": wrong}


def main(argv: list[str]) -> None:
    import sys
    sys.path.insert(0, str(HERE.parents[2]))
    from pipeline.core.docrefs import find_refs
    from pipeline.tagging.tag import Taxonomy

    taxonomy = Taxonomy.default()
    tag_results = {}
    splits = SPLITS
    if "--only" in argv:
        at = argv.index("--only")
        splits = tuple(argv[at + 1].split(","))
        argv = argv[:at] + argv[at + 2:]   # --only never prints mistakes
    for name in splits:
        items = load(name)
        taggings = [tag_item(i, taxonomy) for i in items]
        predicted = [t.themes for t in taggings]
        result = score(items, predicted)
        print(report(name, result))
        if name in TAG_SPLITS:
            tag_results[name] = score_tags(items, [t.tags for t in taggings], TAG_SPLITS[name])
        if name == "demo":
            first = sum(p[:1] == i["themes"][:1] for p, i in zip(predicted, items, strict=True))
            print(f"  main theme first: {first}/{len(items)}")
        if any("doc_refs" in i for i in items):
            refs = score_refs(items, find_refs)
            print(f"  doc_refs: P {refs['p']:.3f} R {refs['r']:.3f} ({refs['found']} found)")
        if name in argv:
            for mistake in result["mistakes"]:
                print("   ", mistake)
    print("\nactivity tags (the plan's tasks):")
    for name, result in tag_results.items():
        print("  " + report(name, result).replace(" | negatives tagged 0", ""))
        print("    " + ", ".join(f"{k} P {p:.2f} R {r:.2f}"
                                 for k, (p, r, _) in result["per_prf"].items()))
        if name in argv:
            for mistake in result["mistakes"]:
                print("   ", mistake)


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
