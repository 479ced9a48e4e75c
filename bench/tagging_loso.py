"""Leave-one-set-out (LOSO) evaluation of the tagger's combinations of rules and model.

    .venv/bin/python bench/tagging_loso.py [--features words|words+chars] [--c 10] [--quick]
    .venv/bin/python bench/tagging_loso.py --fast --passages --strategies rules,r7,r8
        (round 8's table in docs/tagging.md; --cache DIR keeps the probabilities between runs)

For each left-out set S in heldout5..heldout10: the model is trained on every other labelled set
(the shipped development sets, the other heldout sets, dev5 when present); every threshold a
strategy needs is chosen on out-of-fold probabilities of that training pool (grouped folds: a
whole set is left out at a time, so the thresholds are chosen the way they are judged); then S
is scored once. The rules are fixed (tuned on the development sets and heldout5 before this), so
their figure on heldout5 is in-sample. Prints per set P/R/F1, per-theme F1, negatives tagged,
and the mean and worst micro-F1 over the left-out sets (heldout9/10, by another author, are the most honest).
"""

from __future__ import annotations

import argparse
import json
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
TARGETS = ("heldout5", "heldout6", "heldout7", "heldout8", "heldout9", "heldout10")
# the rules were never tuned on these (round 8: heldout9/10 by another author, dev6 and dev7 by
# two more)
FREE = ("dev5", "dev6", "heldout6", "heldout7", "heldout8", "heldout9", "heldout10")
OTHERS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "heldout", "heldout2", "heldout3",
          "heldout4", "demo")
# the model of each fold: words+chars, C 10 unless told (--features, --c)


def load_all() -> dict[str, list[dict]]:
    out = {}
    for name in OTHERS + TARGETS:
        try:
            out[name] = evalset.load(name)
        except FileNotFoundError:
            continue
    return out


def rules_of(sets: dict[str, list[dict]]) -> dict[str, list]:
    tax = replace(Taxonomy.default(), model=ModelSettings(enabled=False))
    return {n: [tag(i["title"], i["body"], tax) for i in items] for n, items in sets.items()}


passages = tm.passages


def fit_predict(train: list[dict], test: list[dict], **kw) -> list[dict[str, float]]:
    """Each test text's probabilities; with ``passages=True`` also, under "pass:<theme>", the
    highest probability any of its passages (title + paragraph) gets."""
    with_passages = kw.pop("passages", False)
    m = tm.ThemeModel(**kw).fit([tm.text_of(i["title"], i["body"]) for i in train],
                                [i["themes"] for i in train])
    probs = m.proba_sklearn([tm.text_of(i["title"], i["body"]) for i in test])
    if with_passages:
        texts, owner = [], []
        for k, i in enumerate(test):
            for ps in passages(i["body"]):
                texts.append(tm.text_of(i["title"], ps))
                owner.append(k)
        for k, pp in zip(owner, m.proba_sklearn(texts), strict=True):
            for th in (*THEMES, "cds"):
                key = f"pass:{th}"
                probs[k][key] = max(probs[k].get(key, 0.0), pp[th])
    return probs


def oof(sets: dict[str, list[dict]], names: list[str], k: int, **kw) -> dict[str, list]:
    """Out-of-fold probabilities over ``names``, whole sets left out together (k groups)."""
    order = sorted(names, key=lambda n: -len(sets[n]))
    groups = [order[i::k] for i in range(k)]
    out = {}
    for g in groups:
        train = [i for n in names if n not in g for i in sets[n]]
        test = [i for n in g for i in sets[n]]
        probs = fit_predict(train, test, **kw)
        at = 0
        for n in g:
            out[n] = probs[at:at + len(sets[n])]
            at += len(sets[n])
    return out


def top(p: dict) -> float:
    return max(p[th] for th in THEMES)


def best(p: dict) -> str:
    return max(THEMES, key=lambda th: p[th])


# --- strategies: each is (name, params grid, apply(rules, probs, params) -> themes lists) ------

def rules_themes(r, p, prm):
    return list(r.themes)


def model_only(r, p, prm):
    tau, rel = prm
    if top(p) < rel:
        return []
    return [th for th in THEMES if p[th] >= tau]


def union(r, p, prm):
    tau, rel = prm
    if not (r.themes or top(p) >= rel):
        return []
    return list(r.themes) + [th for th in THEMES if p[th] >= tau and th not in r.themes]


def union_pt(r, p, prm):
    """Union with a per-theme τ (prm: (τ per theme tuple, τ_rel))."""
    taus, rel = prm
    if not (r.themes or top(p) >= rel):
        return []
    return list(r.themes) + [th for th, t in zip(THEMES, taus, strict=True)
                             if p[th] >= t and th not in r.themes]


def support(r, p, prm):
    """Rules' themes the model supports (p ≥ low) ∪ model p ≥ τ; relevance: rules or p ≥ rel."""
    tau, rel, low = prm
    if not (r.themes or top(p) >= rel):
        return []
    themes = [th for th in r.themes if p[th] >= low]
    themes += [th for th in THEMES if p[th] >= tau and th not in themes]
    return themes or list(r.themes)


def blend(r, p, prm):
    """A theme when w·p + (1-w)·min(rules ratio, 2)/2 ≥ τ; relevant when rules or max p ≥ rel."""
    w, tau, rel = prm
    if not (r.themes or top(p) >= rel):
        return []
    out = []
    for th in THEMES:
        ratio = min(r.ratios[th], 2.0) / 2.0
        if w * p[th] + (1 - w) * ratio >= tau:
            out.append(th)
    return out or list(r.themes)


def union_rel(r, p, prm):
    """Rules ∪ model p ≥ τ; relevant: the rules' gate or the relevance classifier p ≥ τ_rel
    (a text let in by the model alone gets at least its best theme)."""
    tau, rel = prm
    if r.themes:
        return list(r.themes) + [th for th in THEMES if p[th] >= tau and th not in r.themes]
    if p["cds"] < rel:
        return []
    return [th for th in THEMES if p[th] >= tau] or [best(p)]


def model_rel(r, p, prm):
    tau, rel = prm
    if p["cds"] < rel:
        return []
    return [th for th in THEMES if p[th] >= tau] or [best(p)]


def union_rel_pt(r, p, prm):
    """union_rel with the rules' relevance vetoed when the classifier is very sure it is not
    about CĐS (p_cds < veto)."""
    tau, rel, veto = prm
    if r.themes and p["cds"] >= veto:
        return list(r.themes) + [th for th in THEMES if p[th] >= tau and th not in r.themes]
    if p["cds"] < rel:
        return []
    return [th for th in THEMES if p[th] >= tau] or [best(p)]


def union_rel2(r, p, prm):
    """union_rel, but a text the rules' gate left out needs some CĐS vocabulary too (the
    rules' CĐS score ≥ s_min); per-theme τ when prm[0] is a tuple."""
    tau, rel, smin = prm
    taus = tau if isinstance(tau, tuple) else (tau,) * len(THEMES)
    extra = [th for th, t in zip(THEMES, taus, strict=True) if p[th] >= t]
    if r.themes:
        return list(r.themes) + [th for th in extra if th not in r.themes]
    if p["cds"] < rel or r.cds < smin:
        return []
    return extra or [best(p)]


def r7(r, p, prm):
    """The tagger as shipped in round 7: model_strong at τ 0.7, rel 0.7, k 1."""
    return model_strong(r, p, (0.7, 0.7, 1.0))


def shipped(r, p, prm):
    """The tagger as shipped (pipeline/tagging/tag.py, round 8): :func:`r8`."""
    return r8(r, p, prm)


def model_strong(r, p, prm):
    """The model's themes (p ≥ τ, relevance: top p ≥ rel and some CĐS vocabulary), plus the rules' themes whose score
    reaches k × their threshold (strong phrase evidence); k = 99: the model alone."""
    tau, rel, k = prm
    strong = [th for th in r.themes if r.ratios[th] >= k]
    if (top(p) < rel or r.cds <= 0) and not strong:
        return []
    themes = [th for th in THEMES if p[th] >= tau]
    return themes + [th for th in strong if th not in themes] or [best(p)]


def second(r, p, prm):
    """shipped, and once the text is surely about CĐS (a rules theme over its threshold or the
    model's relevance p_cds ≥ sure), any further theme with p ≥ τ2 (the second theme)."""
    tau2, sure = prm
    themes = model_strong(r, p, (0.7, 0.7, 1.0))
    if themes and (any(r.ratios[th] >= 1.0 for th in r.themes) or p["cds"] >= sure):
        themes += [th for th in THEMES if p[th] >= tau2 and th not in themes]
    return themes


def passage(r, p, prm):
    """shipped, plus a theme some passage carries strongly (max passage p ≥ τp) once the text
    is about CĐS."""
    taup, = prm
    themes = model_strong(r, p, (0.7, 0.7, 1.0))
    if themes:
        themes += [th for th in THEMES if p[f"pass:{th}"] >= taup and th not in themes]
    return themes


def second_passage(r, p, prm):
    """second ∪ passage."""
    tau2, sure, taup = prm
    themes = second(r, p, (tau2, sure))
    if themes:
        themes += [th for th in THEMES if p[f"pass:{th}"] >= taup and th not in themes]
    return themes


def second_pt(r, p, prm):
    """second with its own τ2 per theme (prm: (τ2 per theme, sure))."""
    taus, sure = prm
    themes = model_strong(r, p, (0.7, 0.7, 1.0))
    if themes and (any(r.ratios[th] >= 1.0 for th in r.themes) or p["cds"] >= sure):
        themes += [th for th, t in zip(THEMES, taus, strict=True) if p[th] >= t
                   and th not in themes]
    return themes


def cds_rel(r, p, prm):
    """Relevance by the "cds" classifier (p_cds ≥ rel, and some CĐS phrase the rules found) or
    a rules theme over its threshold; then each theme on its own evidence: the rules' over
    threshold, the model's p ≥ τ, a passage's p ≥ τp; none of them: the model's best theme."""
    tau, rel, taup = prm
    strong = [th for th in r.themes if r.ratios[th] >= 1.0]
    if not strong and not (p["cds"] >= rel and r.cds > 0):
        return []
    themes = [th for th in THEMES if p[th] >= tau or p.get(f"pass:{th}", 0.0) >= taup]
    return themes + [th for th in strong if th not in themes] or [best(p)]


def r8(r, p, prm):
    """cds_rel at fixed τ 0.7, p_cds 0.7, passage τp 0.8 (round 8's candidate, no tuning)."""
    return cds_rel(r, p, (0.7, 0.7, 0.8))


def r8_nopass(r, p, prm):
    """cds_rel at fixed τ 0.7, p_cds 0.7, no passage evidence."""
    return cds_rel(r, p, (0.7, 0.7, 1.01))


GRIDS = {
    "cds_rel": [(t, rel, tp) for t in (0.5, 0.6, 0.7) for rel in (0.6, 0.7, 0.8, 0.9, 0.95)
                for tp in (0.7, 0.8, 0.9, 1.01)],
    "second": [(t, s) for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
               for s in (0.5, 0.7, 0.8, 0.9, 0.95, 1.01)],
    "passage": [(t,) for t in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)],
    "second_passage": [(t, s, tp) for t in (0.4, 0.45, 0.5, 0.55, 0.6, 0.7) for s in (0.7, 0.9, 1.01)
                       for tp in (0.7, 0.8, 0.9, 1.01)],
    "model_strong": [(t, rel, k) for t in (0.5, 0.6, 0.7) for rel in (0.4, 0.5, 0.6, 0.7)
                     for k in (1.0, 1.5, 2.0, 3.0, 99)],
    "union_rel2": [(t, rel, s) for t in (0.5, 0.6, 0.7, 0.8) for rel in
                   (0.5, 0.6, 0.7, 0.8, 0.9, 1.01) for s in (0.0, 0.5, 1.0, 1.5)],
    "union_rel": [(t, rel) for t in (0.4, 0.5, 0.6, 0.7, 0.8) for rel in
                  (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)],
    "model_rel": [(t, rel) for t in (0.3, 0.4, 0.5, 0.6, 0.7) for rel in
                  (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)],
    "union_rel_veto": [(t, rel, v) for t in (0.5, 0.6, 0.7) for rel in (0.6, 0.7, 0.8, 0.9, 1.01)
                       for v in (0.0, 0.05, 0.1, 0.2)],
    "model": [(t, rel) for t in (0.4, 0.5, 0.6, 0.7) for rel in (0.4, 0.5, 0.6, 0.7, 0.8)],
    "union": [(t, rel) for t in (0.5, 0.6, 0.7, 0.8, 0.9) for rel in (0.6, 0.7, 0.8, 0.9, 1.01)],
    "support": [(t, rel, low) for t in (0.5, 0.6, 0.7, 0.8) for rel in (0.6, 0.7, 0.8, 0.9, 1.01)
                for low in (0.1, 0.2, 0.3)],
    "blend": [(w, t, rel) for w in (0.3, 0.5, 0.7) for t in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
              for rel in (0.6, 0.7, 0.8, 0.9, 1.01)],
}
FUNCS = {"rules": rules_themes, "model": model_only, "union": union, "support": support,
         "blend": blend, "union_rel": union_rel, "model_rel": model_rel,
         "union_rel_veto": union_rel_pt, "union_rel2": union_rel2, "union_rel2_pt": union_rel2,
         "model_strong": model_strong, "shipped": shipped, "second": second,
         "passage": passage, "second_passage": second_passage, "second_pt": second_pt,
         "cds_rel": cds_rel, "r8": r8, "r8_nopass": r8_nopass,
         "r7": r7}


class R:
    """The rules' output in the form the strategies read."""

    def __init__(self, tagging, taxonomy):
        self.themes = list(tagging.themes)
        self.cds = tagging.scores.get("cds", 0.0)
        self.ratios = {c.id: tagging.scores.get(c.id, 0.0) / c.threshold if tagging.themes
                       else 0.0 for c in taxonomy.themes}


def objective(res: dict, min_p: float) -> float:
    m = res["micro"]
    pen = 0.0 if m["p"] >= min_p else (min_p - m["p"]) * 5
    return m["f1"] - pen - 0.02 * len(res["negatives_tagged"])


def choose(strategy: str, items, rules, probs, min_p: float):
    if strategy.endswith("_pt") and strategy[:-3] in GRIDS:
        tau, *rest = choose(strategy[:-3], items, rules, probs, min_p)
        taus = [tau] * len(THEMES)
        f = FUNCS[strategy]
        for k in range(len(THEMES)):
            scored = []
            for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
                cand = tuple(taus[:k] + [t] + taus[k + 1:])
                res = evalset.score(items, [f(r, p, (cand, *rest))
                                            for r, p in zip(rules, probs, strict=True)])
                scored.append((objective(res, min_p), -abs(t - tau), t))
            taus[k] = max(scored)[2]
        return (tuple(taus), *rest)
    f = FUNCS[strategy]
    best = None
    for prm in GRIDS[strategy]:
        res = evalset.score(items, [f(r, p, prm) for r, p in zip(rules, probs, strict=True)])
        o = objective(res, min_p)
        if best is None or o > best[0] + 1e-9:
            best = (o, prm)
    return best[1]


def line(name: str, res: dict) -> str:
    m = res["micro"]
    per = " ".join(f"{k[:2]} {v:.2f}" for k, v in res["per"].items())
    return (f"  {name:<28} P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} | {per} | "
            f"neg {len(res['negatives_tagged'])}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default="words+chars")
    ap.add_argument("--c", type=float, default=10.0)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--min-p", type=float, default=0.92)
    ap.add_argument("--strategies", default="rules,r7,shipped")
    ap.add_argument("--mistakes", action="store_true")
    ap.add_argument("--tune-on", default="free",
                    help="'all': thresholds chosen on every training set's out-of-fold "
                         "figures; 'free': only on the sets the rules were never tuned on "
                         "(dev5, heldout6-8 but the left-out one)")
    ap.add_argument("--fast", action="store_true",
                    help="one model per set (trained on every other set) instead of nested "
                         "folds per target; a target's thresholds are chosen on the other free "
                         "sets' probabilities (those models saw the target's texts, never its "
                         "labels' use in tuning)")
    ap.add_argument("--passages", action="store_true", help="also each paragraph's p")
    ap.add_argument("--title-times", type=int, default=2, help="the title's repeats in the text")
    ap.add_argument("--cache", default="", help="folder keeping the fast mode's probabilities")
    a = ap.parse_args(argv)
    kw = {"c": a.c, "features": a.features}
    if a.passages:
        kw["passages"] = True
    if a.title_times != 2:
        from pipeline.core.text import fold, nfc

        def text_of(title, body, _n=a.title_times):
            return fold(nfc(" . ".join([title or ""] * _n + [body or ""])))
        tm.text_of = text_of
    if a.fast:
        return fast(a, kw)
    cpu = time.process_time()
    sets = load_all()
    taxonomy = Taxonomy.default()
    rtag = rules_of(sets)
    rules = {n: [R(t, taxonomy) for t in ts] for n, ts in rtag.items()}
    print(f"sets: {', '.join(f'{n} {len(v)}' for n, v in sets.items())}; features {a.features}, "
          f"C {a.c}, inner folds {a.k}, min P {a.min_p}, thresholds tuned on {a.tune_on}")
    strategies = a.strategies.split(",")
    summary: dict[str, list] = {s: [] for s in strategies}
    for target in TARGETS:
        names = [n for n in sets if n != target]
        inner = oof(sets, names, a.k, **kw)
        pool = [i for n in names for i in sets[n]]
        tune = names if a.tune_on == "all" else [n for n in names if n in FREE]
        tune_items = [i for n in tune for i in sets[n]]
        pool_rules = [r for n in tune for r in rules[n]]
        pool_probs = [p for n in tune for p in inner[n]]
        test = sets[target]
        probs = fit_predict(pool, test, **kw)
        print(f"{target} ({len(test)}), trained on {len(pool)}")
        for s in strategies:
            prm = None if s in ("rules", "shipped", "r7", "r8", "r8_nopass") else choose(s, tune_items, pool_rules, pool_probs, a.min_p)
            pred = [FUNCS[s](r, p, prm) for r, p in zip(rules[target], probs, strict=True)]
            res = evalset.score(test, pred)
            summary[s].append(res)
            print(line(f"{s} {prm if prm else ''}", res))
            if a.mistakes:
                for m in res["mistakes"]:
                    print("      ", m)
    print("\nLOSO over", ", ".join(TARGETS))
    for s, results in summary.items():
        f1s = [r["micro"]["f1"] for r in results]
        ps = [r["micro"]["p"] for r in results]
        worst_theme = min(min(r["per"].values()) for r in results)
        negs = sum(len(r["negatives_tagged"]) for r in results)
        print(f"  {s:<10} F1 mean {sum(f1s) / len(f1s):.3f} worst {min(f1s):.3f} | "
              f"P mean {sum(ps) / len(ps):.3f} worst {min(ps):.3f} | worst theme F1 "
              f"{worst_theme:.2f} | negatives tagged {negs}")
    print(f"CPU {time.process_time() - cpu:.1f} s")
    return 0


def summary_lines(summary: dict[str, list]) -> None:
    for s, results in summary.items():
        f1s = [r["micro"]["f1"] for r in results]
        ps = [r["micro"]["p"] for r in results]
        worst_theme = min(min(r["per"].values()) for r in results)
        negs = sum(len(r["negatives_tagged"]) for r in results)
        h910 = " ".join(f"{r['micro']['f1']:.3f}" for r in results[-2:])
        print(f"  {s:<14} F1 mean {sum(f1s) / len(f1s):.3f} worst {min(f1s):.3f} | "
              f"P mean {sum(ps) / len(ps):.3f} worst {min(ps):.3f} | worst theme F1 "
              f"{worst_theme:.2f} | negatives tagged {negs} | heldout9/10 F1 {h910}")


def fast(a, kw) -> int:
    cpu = time.process_time()
    sets = load_all()
    taxonomy = Taxonomy.default()
    rules = {n: [R(t, taxonomy) for t in ts] for n, ts in rules_of(sets).items()}
    tag_ = json.dumps([kw, a.title_times, {n: len(v) for n, v in sets.items()}], sort_keys=True)
    import hashlib
    cache = (Path(a.cache) / f"probs-{hashlib.sha256(tag_.encode()).hexdigest()[:12]}.json"
             if a.cache else None)
    if cache is not None and cache.is_file():
        probs = json.loads(cache.read_text())
    else:
        probs = {}
        for n in sets:
            probs[n] = fit_predict([i for m in sets if m != n for i in sets[m]], sets[n],
                                   **dict(kw))
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(probs))
    print(f"fast LOSO; sets: {', '.join(f'{n} {len(v)}' for n, v in sets.items())}; {kw}, "
          f"title x{a.title_times}, min P {a.min_p}")
    strategies = a.strategies.split(",")
    summary: dict[str, list] = {s: [] for s in strategies}
    for target in TARGETS:
        tune = [n for n in sets if n in FREE and n != target]
        items = [i for n in tune for i in sets[n]]
        prules = [r for n in tune for r in rules[n]]
        pprobs = [p for n in tune for p in probs[n]]
        print(f"{target} ({len(sets[target])})")
        for s in strategies:
            prm = None if s in ("rules", "shipped", "r7", "r8", "r8_nopass") else choose(s, items, prules, pprobs, a.min_p)
            pred = [FUNCS[s](r, p, prm) for r, p in zip(rules[target], probs[target], strict=True)]
            res = evalset.score(sets[target], pred)
            summary[s].append(res)
            print(line(f"{s} {prm if prm else ''}", res))
            if a.mistakes:
                for m in res["mistakes"]:
                    print("      ", m)
    print("\nfast LOSO over", ", ".join(TARGETS))
    summary_lines(summary)
    print(f"CPU {time.process_time() - cpu:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
