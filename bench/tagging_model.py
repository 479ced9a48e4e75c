"""Rules vs a statistical model for theme tagging, on the labelled sets in tests/eval/tagging/.

Not a runtime dependency: scikit-learn lives in a throwaway venv::

    python3 -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn pyyaml
    /tmp/sk/bin/python bench/tagging_model.py

The model: TF-IDF over syllable 1–3-grams of the folded text (no marks, so text typed without
diacritics looks the same) + one logistic regression per theme (one-vs-rest). It is compared
with the rules (pipeline/tagging/tag.py + taxonomy) and with two combinations, on

1. train = dev, test = held-out (the rules were tuned on dev only);
2. repeated stratified 4-fold cross-validation over dev + held-out (the model is retrained on
   each fold; the rules are fixed, so their figure there is partly in-sample).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "eval" / "tagging")]

import tagging_evalset as evalset  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from pipeline.core.text import fold, nfc  # noqa: E402
from pipeline.tagging.tag import Taxonomy, tag  # noqa: E402

THEMES = evalset.THEMES


def text_of(item: dict) -> str:
    # the title twice: it carries the subject
    return fold(nfc(f"{item['title']} . {item['title']} . {item['body']}"))


class Model:
    def __init__(self, c: float = 10.0):
        self.vec = TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, min_df=1,
                                   token_pattern=r"(?u)\b\w+\b")
        self.c = c
        self.clf: dict[str, LogisticRegression | None] = {}

    def fit(self, items: list[dict]) -> Model:
        x = self.vec.fit_transform([text_of(i) for i in items])
        for th in THEMES:
            y = [int(th in i["themes"]) for i in items]
            if len(set(y)) < 2:
                self.clf[th] = None
                continue
            self.clf[th] = LogisticRegression(C=self.c, class_weight="balanced",
                                              max_iter=2000).fit(x, y)
        return self

    def proba(self, items: list[dict]) -> list[dict[str, float]]:
        x = self.vec.transform([text_of(i) for i in items])
        out = [{} for _ in items]
        for th, clf in self.clf.items():
            ps = clf.predict_proba(x)[:, 1] if clf is not None else [0.0] * len(items)
            for o, p in zip(out, ps, strict=True):
                o[th] = float(p)
        return out


def rules(items: list[dict], taxonomy: Taxonomy) -> list:
    return [tag(i["title"], i["body"], taxonomy) for i in items]


def predictions(items, taxonomy, model):
    r = rules(items, taxonomy)
    probs = model.proba(items)
    gate = [t.scores["cds"] >= taxonomy.relevance.min_score for t in r]
    return {
        "rules": [t.themes for t in r],
        "model (p≥0.5)": [[th for th in THEMES if p[th] >= 0.5] for p in probs],
        "model+gate": [[th for th in THEMES if p[th] >= 0.5] if g else []
                       for p, g in zip(probs, gate, strict=True)],
        "rules ∪ model(p≥0.8)": [sorted(set(t.themes) | {th for th in THEMES if p[th] >= 0.8})
                                 if g else [] for t, p, g in zip(r, probs, gate, strict=True)],
        "rules ∩ model(p≥0.3)": [[th for th in t.themes if p[th] >= 0.3]
                                 for t, p in zip(r, probs, strict=True)],
    }


def line(name: str, res: dict) -> str:
    m = res["micro"]
    per = " ".join(f"{k[:5]} {v:.2f}" for k, v in res["per"].items())
    return (f"  {name:<22} micro P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} | {per} | "
            f"neg tagged {len(res['negatives_tagged'])}")


def main() -> int:
    taxonomy = Taxonomy.default()
    dev, held = evalset.load("dev"), evalset.load("heldout")

    print(f"1. train on dev ({len(dev)}), test on held-out ({len(held)})")
    model = Model().fit(dev)
    for name, pred in predictions(held, taxonomy, model).items():
        print(line(name, evalset.score(held, pred)))

    print("\n   (for reference: the same on dev, in-sample for both)")
    for name, pred in predictions(dev, taxonomy, model).items():
        if name in ("rules", "model (p≥0.5)"):
            print(line(name, evalset.score(dev, pred)))

    every = dev + held
    folds, repeats = 4, 5
    print(f"\n2. {repeats}× {folds}-fold cross-validation over all {len(every)} texts")
    totals: dict[str, list] = {}
    for rep in range(repeats):
        rng = random.Random(rep)
        order = every[:]
        rng.shuffle(order)
        # stratify on the first theme (or none) so each fold sees every kind
        order.sort(key=lambda i: (i["themes"][:1] or ["~"])[0])
        for k in range(folds):
            test = order[k::folds]
            train = [i for i in order if i not in test]
            m = Model().fit(train)
            for name, pred in predictions(test, taxonomy, m).items():
                totals.setdefault(name, [[], []])
                totals[name][0].extend(test)
                totals[name][1].extend(pred)
    for name, (items, pred) in totals.items():
        print(line(name, evalset.score(items, pred)))

    train = [i for name in ("dev", "dev2", "dev3", "heldout", "heldout2", "demo")
             for i in evalset.load(name)]
    held3 = evalset.load("heldout3")
    print(f"\n3. round 3: train on every other set ({len(train)}), test on heldout3 "
          f"({len(held3)}, two themes in half of them)")
    model = Model().fit(train)
    for name, pred in predictions(held3, taxonomy, model).items():
        print(line(name, evalset.score(held3, pred)))

    for n, blind in ((4, "heldout7"), (5, "heldout8")):
        train = [i for name in evalset.SPLITS if name not in ("heldout7", "heldout8")
                 for i in evalset.load(name)]
        if blind == "heldout8":
            train += evalset.load("heldout7")
        held = evalset.load(blind)
        print(f"\n{n}. round 5: train on the sets written before it ({len(train)}), test on "
              f"{blind} ({len(held)}, freely worded, blind for the rules)")
        model = Model().fit(train)
        for name, pred in predictions(held, taxonomy, model).items():
            print(line(name, evalset.score(held, pred)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
