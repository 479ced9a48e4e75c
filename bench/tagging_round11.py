"""Round 11 (issue 20): the shipped tagger against round 10's candidate and cheap variants, with
heldout13–16 as left-out folds (ten folds), trained on or not. docs/tagging.md, "Round 11".

    nice -n 10 .venv/bin/python bench/tagging_round11.py "{}" --train-new no
    nice -n 10 .venv/bin/python bench/tagging_round11.py "{'an': 'char'}" --train-new no
    nice -n 10 .venv/bin/python bench/tagging_round11.py "{'an': 'char'}" --train-new yes

Leave-one-set-out as ``tagging_round10.py`` (imported): folds heldout5–10, 13, 14, 15, 16; each
fold's set scored by a model trained on every other training set. ``--train-new yes``:
heldout13–16 are training sets (each fold's model trains on every other set, them included);
``no``: the 17 shipped sets only, and heldout13–16 are scored by the model trained on all 17
(out of sample, as dev7). dev7, heldout11, heldout12 are scored by the model trained on every
training set (never trained on). heldout13–16 are always free sets of the combiner (their
probabilities are out of sample either way), unless ``--free-new no``.

Rules printed per fold and summarised (mean / worst fold F1, pooled P / R / F1 over the ten
folds, pooled per-theme F1, negatives over the folds and over dev7):

- ``r8``: round 8's rule (the shipped tagger);
- ``stack``: the combiner, C and t chosen by leave-one-set-out inside the other free sets
  (objective F1 − 5 × the shortfall of precision below --min-p − 0.02 a negative);
- ``stack_pt``: as ``stack``, then one threshold per theme chosen the same nested way
  (coordinate search from the chosen t, grid 0.4–0.85).

Nothing is chosen on the fold scored. ``--mistakes heldout15,heldout16`` prints those folds'
mistakes.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests" / "eval" / "tagging")]

import tagging_evalset as evalset  # noqa: E402
import tagging_loso as loso  # noqa: E402
import tagging_round9 as r9  # noqa: E402
import tagging_round10 as r10  # noqa: E402

from pipeline.tagging.tag import Taxonomy  # noqa: E402

THEMES = evalset.THEMES
NEW = ("heldout13", "heldout14", "heldout15", "heldout16")
TARGETS = (*loso.TARGETS, *NEW)
BLIND = ("dev7", "heldout11", "heldout12")
T_GRID = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)


def load(train_new: bool) -> tuple[dict, dict]:
    sets = loso.load_all()
    new = {n: evalset.load(n) for n in NEW}
    evals = {n: evalset.load(n) for n in BLIND}
    if train_new:
        sets.update(new)
    else:
        evals.update(new)
    return sets, evals


class Data:
    """What r9.Stack reads: sets, rules, probs (every fold and evaluation set by name)."""

    def __init__(self, v: dict, train_new: bool, free_new: bool, cache: Path):
        sets, evals = load(train_new)
        tax = Taxonomy.default()
        self.sets = {**sets, **evals}
        self.rules = {n: [loso.R(t, tax) for t in ts] for n, ts in loso.rules_of(self.sets).items()}
        self.probs = r10.probs_for(v, sets, evals, cache)
        self.free = [*loso.FREE, *(NEW if free_new else ())]
        print(f"== variant {v}, heldout13-16 trained on: {train_new}, free sets: "
              f"{', '.join(self.free)}; fit CPU {self.probs['__cpu'][0]:.0f} s "
              f"({len(sets)} LOSO models), {self.probs['__cpu'][1]:.1f} s (the full model)",
              flush=True)


class Stack(r9.Stack):
    """r9's combiner (its ``predict`` takes a threshold per theme too) and per-theme thresholds
    chosen by coordinate search."""

    def choose_pt(self, pool: list[str], c: float, t: float, min_p: float) -> dict:
        """Per-theme thresholds by coordinate search (two passes), each left-out pool set
        scored by a combiner fitted on the others."""
        fitted = {s: self.fit([n for n in pool if n != s], c) for s in pool}
        items = [i for s in pool for i in self.d.sets[s]]
        ts = dict.fromkeys(THEMES, t)
        for _ in range(2):
            for th in THEMES:
                scored = []
                for cand in T_GRID:
                    tt = {**ts, th: cand}
                    preds = [x for s in pool for x in self.predict(fitted[s], s, tt)]
                    o = loso.objective(evalset.score(items, preds), min_p)
                    scored.append((round(o, 6), -abs(cand - t), cand))
                ts[th] = max(scored)[2]
        return ts


def line(name: str, res: dict) -> str:
    m = res["micro"]
    per = " ".join(f"{k[:2]} {v:.2f}" for k, v in res["per"].items())
    return (f"    {name:<9} P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} | {per} | "
            f"neg {len(res['negatives_tagged'])} {res['negatives_tagged']}")


def summary(name: str, res: dict[str, dict], preds: dict[str, list], sets: dict) -> None:
    f1s = [res[n]["micro"]["f1"] for n in TARGETS]
    negs = sum(len(res[n]["negatives_tagged"]) for n in TARGETS)
    pooled = evalset.score([i for n in TARGETS for i in sets[n]],
                           [x for n in TARGETS for x in preds[n]])
    pm, d = pooled["micro"], res["dev7"]
    per = " ".join(f"{k[:2]} {v:.2f}" for k, v in pooled["per"].items())
    dper = " ".join(f"{k[:2]} {v:.2f}" for k, v in d["per"].items())
    print(f"  {name:<9} LOSO F1 mean {sum(f1s) / len(f1s):.3f} worst {min(f1s):.3f} | pooled P "
          f"{pm['p']:.3f} R {pm['r']:.3f} F1 {pm['f1']:.3f} | {per} | neg folds {negs} dev7 "
          f"{len(d['negatives_tagged'])} | dev7 P {d['micro']['p']:.3f} R {d['micro']['r']:.3f} "
          f"F1 {d['micro']['f1']:.3f} {dper}", flush=True)
    print(f"            per fold {' '.join(f'{n[7:]}:{x:.3f}' for n, x in zip(TARGETS, f1s, strict=True))} | "
          f"h11 {res['heldout11']['micro']['f1']:.3f} h12 {res['heldout12']['micro']['f1']:.3f}",
          flush=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("variant", nargs="?", default="{}")
    ap.add_argument("--train-new", choices=("yes", "no"), default="no")
    ap.add_argument("--free-new", choices=("yes", "no"), default="yes")
    ap.add_argument("--min-p", type=float, default=0.92)
    ap.add_argument("--fixed", default="", help="C,t for the combiner instead of nested")
    ap.add_argument("--rules", default="r8,stack,stack_pt")
    ap.add_argument("--cache", default="/tmp/cds-round11")
    ap.add_argument("--mistakes", default="", help="sets whose mistakes to print")
    ap.add_argument("--final", action="store_true",
                    help="also print the combiner fitted on every free set (what would ship)")
    a = ap.parse_args(argv)
    cpu = time.process_time()
    d = Data(ast.literal_eval(a.variant), a.train_new == "yes", a.free_new == "yes",
             Path(a.cache))
    st = Stack(d)
    fixed = tuple(float(x) for x in a.fixed.split(",")) if a.fixed else None
    show = set(filter(None, a.mistakes.split(",")))
    rules = a.rules.split(",")
    results: dict[str, dict[str, dict]] = {r: {} for r in rules}
    preds: dict[str, dict[str, list]] = {r: {} for r in rules}
    chosen = []
    for target in (*TARGETS, *BLIND):
        pool = [n for n in d.free if n != target]
        if "r8" in rules:
            preds["r8"][target] = [r9.decide(r, p, r9.R8) for r, p in
                                   zip(d.rules[target], d.probs[target], strict=True)]
        if "stack" in rules or "stack_pt" in rules:
            c, t = fixed or st.choose(pool, a.min_p)
            m = st.fit(pool, c)
            preds["stack"][target] = st.predict(m, target, t)
            note = f"{target[7:] or target} C {c:g} t {t:g}"
            if "stack_pt" in rules:
                ts = st.choose_pt(pool, c, t, a.min_p)
                preds["stack_pt"][target] = st.predict(m, target, ts)
                note += " pt " + "/".join(f"{ts[th]:g}" for th in THEMES)
            chosen.append(note)
        for rule in rules:
            results[rule][target] = evalset.score(d.sets[target], preds[rule][target])
    if chosen:
        print("  combiner chosen: " + "; ".join(chosen))
    for name in (*TARGETS, *BLIND):
        print(f"  {name} ({len(d.sets[name])})")
        for rule in rules:
            print(line(rule, results[rule][name]))
            if name in show:
                for mk in results[rule][name]["mistakes"]:
                    print("        ", mk)
    for rule in rules:
        summary(rule, results[rule], preds[rule], d.sets)
    if a.final:
        r10.print_combiner(st, d.free, fixed, a.min_p)
    print(f"CPU {time.process_time() - cpu:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
