"""Round 10 (issue 20): round 8's tagger against round 9's candidate (``char`` 2–5 n-grams + the
stacked combiner), with heldout13/14 as left-out folds, trained on or not.

    nice -n 10 .venv/bin/python bench/tagging_round10.py "{}" --train13 no
    nice -n 10 .venv/bin/python bench/tagging_round10.py "{'an': 'char'}" --train13 yes

Leave-one-set-out as ``tagging_round9.py`` (fast mode: each set scored by a model trained on
every other training set) over eight folds: heldout5–10, heldout13, heldout14. ``--train13 yes``:
heldout13/14 are training sets (each fold's model trains on every other set, them included;
they join the combiner's free sets); ``no``: the 17 shipped sets only, and heldout13/14 are
scored by the model trained on all 17 (as dev7 is). dev7, heldout11 and heldout12 are scored by
the model trained on every training set (never trained on). Rules: ``r8`` (round 8 as shipped)
and ``stack`` (the combiner, C and t chosen by leave-one-set-out inside the other free sets,
objective F1 − 5 × the shortfall of precision below --min-p − 0.02 a negative).
docs/tagging.md, "Round 10".
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests" / "eval" / "tagging")]

import tagging_evalset as evalset  # noqa: E402
import tagging_loso as loso  # noqa: E402
import tagging_round9 as r9  # noqa: E402

from pipeline.tagging.tag import Taxonomy  # noqa: E402

THEMES = evalset.THEMES
NEW = ("heldout13", "heldout14")
TARGETS = (*loso.TARGETS, *NEW)
BLIND = ("dev7", "heldout11", "heldout12")


def load(train13: bool) -> tuple[dict, dict]:
    sets = loso.load_all()
    new = {n: evalset.load(n) for n in NEW}
    evals = {n: evalset.load(n) for n in BLIND}
    if train13:
        sets.update(new)
    else:
        evals.update(new)
    return sets, evals


def probs_for(v: dict, sets: dict, evals: dict, cache: Path) -> dict:
    tag = json.dumps([sorted(v.items()), {n: [[i["title"], i["body"], i["themes"]] for i in s]
                                          for n, s in sets.items()}, sorted(evals), 3],
                     default=str, ensure_ascii=False)
    path = cache / f"{hashlib.sha256(tag.encode()).hexdigest()[:12]}.json"
    if path.is_file():
        return json.loads(path.read_text())
    t0 = time.process_time()
    probs = {n: r9.fit_predict(v, [i for m in sets if m != n for i in sets[m]], sets[n])
             for n in sets}
    t1 = time.process_time()
    every = [i for n in evals for i in evals[n]]
    allp = r9.fit_predict(v, [i for m in sets for i in sets[m]], every)
    at = 0
    for n in evals:
        probs[n] = allp[at:at + len(evals[n])]
        at += len(evals[n])
    probs["__cpu"] = [t1 - t0, time.process_time() - t1]
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(probs))
    return probs


class Data:
    """What r9.Stack reads: sets, rules, probs (every fold and evaluation set by name)."""

    def __init__(self, v: dict, train13: bool, cache: Path):
        sets, evals = load(train13)
        tax = Taxonomy.default()
        self.sets = {**sets, **evals}
        self.rules = {n: [loso.R(t, tax) for t in ts] for n, ts in loso.rules_of(self.sets).items()}
        self.probs = probs_for(v, sets, evals, cache)
        self.free = [n for n in (*loso.FREE, *(NEW if train13 else ())) if n in sets]
        print(f"== variant {v}, heldout13/14 trained on: {train13}; fit CPU "
              f"{self.probs['__cpu'][0]:.0f} s ({len(sets)} LOSO models), "
              f"{self.probs['__cpu'][1]:.1f} s (the full model, scoring {', '.join(evals)})",
              flush=True)


def line(name: str, res: dict) -> str:
    m = res["micro"]
    per = " ".join(f"{k[:2]} {v:.2f}" for k, v in res["per"].items())
    return (f"    {name:<10} P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} | {per} | "
            f"neg {len(res['negatives_tagged'])} {res['negatives_tagged']}")


def summary(name: str, res: list[dict]) -> None:
    f1s = [x["micro"]["f1"] for x in res]
    ps = [x["micro"]["p"] for x in res]
    negs = sum(len(x["negatives_tagged"]) for x in res)
    worst_theme = min(min(x["per"].values()) for x in res)
    print(f"  {name:<6} LOSO F1 mean {sum(f1s) / len(f1s):.3f} worst {min(f1s):.3f} | P mean "
          f"{sum(ps) / len(ps):.3f} worst {min(ps):.3f} | worst theme {worst_theme:.2f} | neg "
          f"{negs} | per fold {' '.join(f'{x:.3f}' for x in f1s)} | heldout5-10 only F1 mean "
          f"{sum(f1s[:6]) / 6:.3f} worst {min(f1s[:6]):.3f}", flush=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("variant", nargs="?", default="{}")
    ap.add_argument("--train13", choices=("yes", "no"), default="no")
    ap.add_argument("--min-p", type=float, default=0.92)
    ap.add_argument("--fixed", default="", help="C,t for the combiner instead of nested")
    ap.add_argument("--cache", default="/tmp/cds-round10")
    ap.add_argument("--mistakes", default="", help="sets whose mistakes to print")
    a = ap.parse_args(argv)
    cpu = time.process_time()
    d = Data(ast.literal_eval(a.variant), a.train13 == "yes", Path(a.cache))
    st = r9.Stack(d)
    fixed = tuple(float(x) for x in a.fixed.split(",")) if a.fixed else None
    show = set(filter(None, a.mistakes.split(",")))
    results: dict[str, dict[str, dict]] = {"r8": {}, "stack": {}}
    chosen = []
    for target in (*TARGETS, *BLIND):
        in_loso = target in d.free
        pool = [n for n in d.free if n != target] if in_loso else list(d.free)
        c, t = fixed or st.choose(pool, a.min_p)
        chosen.append(f"{target} C {c:g} t {t:g}")
        m = st.fit(pool, c)
        results["stack"][target] = evalset.score(d.sets[target], st.predict(m, target, t))
        results["r8"][target] = evalset.score(d.sets[target], [
            r9.decide(r, p, r9.R8) for r, p in zip(d.rules[target], d.probs[target], strict=True)])
    print("  combiner chosen: " + "; ".join(chosen))
    for name in (*TARGETS, *BLIND):
        print(f"  {name} ({len(d.sets[name])})")
        for rule in results:
            print(line(rule, results[rule][name]))
            if name in show:
                for mk in results[rule][name]["mistakes"]:
                    print("        ", mk)
    for rule in results:
        summary(rule, [results[rule][n] for n in TARGETS])
    print_combiner(st, d.free, fixed, a.min_p)
    print(f"CPU {time.process_time() - cpu:.1f} s")
    return 0



def print_combiner(st, free: list[str], fixed, min_p: float) -> None:
    """The combiner fitted on every free set (C and t chosen there, or ``fixed``): its weights."""
    c, t = fixed or st.choose(list(free), min_p)
    m = st.fit(list(free), c)
    print(f"  combiner on every free set ({', '.join(free)}): C {c:g} t {t:g}")
    for th in THEMES:
        print(f"    {th}: coef {[round(float(w), 3) for w in m[th][0]]} b {m[th][1]:.3f}")

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
