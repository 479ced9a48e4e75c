"""Rules, the model (pipeline/tagging/model.py) and their combination, per labelled set.

    .venv/bin/python bench/tagging_combined.py [--cv]

The model is trained on every set shipped in pipeline/data/tagging_train/ (heldout6–8
included from round 7), so every figure here is in-sample; bench/tagging_loso.py is the
leave-one-set-out measure. On the development sets the model's figures are in-sample; ``--cv``
adds a 4-fold cross-validation over the development pool (the model retrained on each fold)
for a grid of combination settings (τ = min_probability, τ_rel = min_relevance).
Prints micro P/R/F1, per-theme F1 and negatives tagged; CPU seconds of training.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "eval" / "tagging")]

import tagging_evalset as evalset  # noqa: E402

from pipeline.tagging import model as tm  # noqa: E402
from pipeline.tagging.tag import ModelSettings, Taxonomy, tag  # noqa: E402

THEMES = evalset.THEMES
DEV = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "heldout", "heldout2", "heldout3",
       "heldout4", "heldout5", "heldout6", "heldout7", "heldout8", "demo")
BLIND = ()   # heldout6-8 are training data from round 7: bench/tagging_loso.py measures them


def line(name: str, res: dict) -> str:
    m = res["micro"]
    per = " ".join(f"{k[:5]} {v:.2f}" for k, v in res["per"].items())
    return (f"  {name:<26} P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} | {per} | "
            f"neg {len(res['negatives_tagged'])}")


def combine(rules_t, probs, tau: float, tau_rel: float) -> list[list[str]]:
    out = []
    for t, p in zip(rules_t, probs, strict=True):
        relevant = bool(t.themes) or max(p.values()) >= tau_rel
        if not relevant:
            out.append([])
            continue
        out.append(list(t.themes) + [th for th in THEMES if p[th] >= tau and th not in t.themes])
    return out


def support(rules_t, probs, tau: float, tau_rel: float, low: float = 0.3) -> list[list[str]]:
    """The model's themes (p ≥ τ) plus the rules' themes the model supports (p ≥ low);
    relevant = the rules' gate or max p ≥ τ_rel; a relevant text the model gives nothing keeps
    the rules' themes."""
    out = []
    for t, p in zip(rules_t, probs, strict=True):
        if not (t.themes or max(p.values()) >= tau_rel):
            out.append([])
            continue
        themes = [th for th in t.themes if p[th] >= low]
        themes += [th for th in THEMES if p[th] >= tau and th not in themes]
        out.append(themes or list(t.themes))
    return out


def main(argv: list[str]) -> int:
    rules_tax = replace(Taxonomy.default(), model=ModelSettings(enabled=False))
    settings = replace(Taxonomy.default().model, enabled=True)
    combined_tax = replace(Taxonomy.default(), model=settings)
    cpu, wall = time.process_time(), time.perf_counter()
    model = tm.for_root(None)          # what the tagger uses (fitted once per process)
    print(f"training on {model.examples} shipped texts: "
          f"{time.process_time() - cpu:.2f} s CPU, {time.perf_counter() - wall:.2f} s wall")
    print(f"combined = rules ∪ model p ≥ {settings.min_probability}; relevant = rules' gate "
          f"or max p ≥ {settings.min_relevance} (1: the rules' gate alone); model-supported "
          f"rules = the rules' themes with p ≥ 0.3 ∪ model p ≥ {settings.min_probability}\n")
    for name in (() if "--cv-only" in argv else BLIND + DEV):
        items = evalset.load(name)
        r = [tag(i["title"], i["body"], rules_tax) for i in items]
        probs = model.proba_texts([tm.text_of(i["title"], i["body"]) for i in items])
        print(f"{name} ({len(items)}){' BLIND' if name in BLIND else ' (model in-sample)'}")
        print(line("rules", evalset.score(items, [t.themes for t in r])))
        print(line(f"model p≥{settings.min_probability}", evalset.score(
            items, [[th for th in THEMES if p[th] >= settings.min_probability] for p in probs])))
        print(line("combined (the tagger)", evalset.score(
            items, [tag(i["title"], i["body"], combined_tax).themes for i in items])))
        print(line("model-supported rules", evalset.score(
            items, support(r, probs, settings.min_probability, settings.min_relevance))))
    if "--cv" in argv:
        pool = [i for n in DEV for i in evalset.load(n)]
        rules_all = [tag(i["title"], i["body"], rules_tax) for i in pool]
        grid = [(tau, rel) for tau in (0.5, 0.6, 0.7, 0.8) for rel in (0.6, 0.7, 0.8, 0.9, 1.01)]
        mprobs = [None] * len(pool)
        idx = list(range(len(pool)))
        random.Random(0).shuffle(idx)
        for k in range(4):
            test = idx[k::4]
            train = [pool[i] for i in idx if i not in set(test)]
            m = tm.train([(i["title"], i["body"], i["themes"]) for i in train])
            probs = m.proba_texts([tm.text_of(pool[i]["title"], pool[i]["body"]) for i in test])
            for i, p in zip(test, probs, strict=True):
                mprobs[i] = p
        print(f"\n4-fold CV over the development pool ({len(pool)} texts)")
        print(line("rules", evalset.score(pool, [t.themes for t in rules_all])))
        for g in grid:
            print(line(f"∪ τ {g[0]} τ_rel {g[1]}",
                       evalset.score(pool, combine(rules_all, mprobs, *g))))
        for g in grid:
            for low in (0.2, 0.3):
                print(line(f"sup τ {g[0]} τ_rel {g[1]} low {low}",
                           evalset.score(pool, support(rules_all, mprobs, *g, low))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
