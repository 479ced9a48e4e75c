"""Round 9 (issue 20): model variants × decision rules × a stacked per-theme combiner.

Fast leave-one-set-out over heldout5–10 (as ``tagging_loso.py --fast``: each set scored by a
model trained on every other shipped set) plus dev7, scored by a model trained on every shipped
set (dev7 is never trained on). docs/tagging.md, "Round 9".

    nice -n 10 .venv/bin/python bench/tagging_round9.py table '{}'
    nice -n 10 .venv/bin/python bench/tagging_round9.py table "{'an': 'char'}"
    nice -n 10 .venv/bin/python bench/tagging_round9.py stack "{'an': 'char'}" --min-p 0.92
    nice -n 10 .venv/bin/python bench/tagging_round9.py stack '{}' --fixed 1.0,0.75
    nice -n 10 .venv/bin/python bench/tagging_round9.py size "{'an': 'char'}"   # features, fit

A variant is a dict: ``words`` (lo, hi), ``chars`` (lo, hi), ``an`` ("char_wb" | "char"),
``cmin`` (min_df of the character block), ``c`` (C), ``cw`` ("balanced" | None | "half").
``{}`` is round 8's model. Probabilities are kept in ``--cache`` between runs.

``table``: round 8's rule (``r8``: cds relevance 0.7, whole-text τ 0.7, passage τp 0.8) and
variants of it: a per-theme τ / τp, sentence windows (``sent``: title + sentences joined up to
12 words), a passage-level relevance gate, and per-theme τ / τp tuned on the other free sets.

``stack``: relevance as round 8; then each theme by a logistic regression over the logits of
its whole-text, best-passage and best-sentence p, the rules' ratio (capped at 3) and whether it
reaches 1, the relevance p and the best other theme's logit; a rules theme over its threshold is
kept. The combiner of a left-out set is fitted on the other free sets' leave-one-set-out
probabilities; its C and threshold t are chosen by leave-one-set-out within those sets
(objective: F1, minus 5 × the shortfall of precision below --min-p, minus 0.02 a negative), or
fixed with --fixed C,t. Scratch code for the experiments, not part of the package.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests" / "eval" / "tagging")]

import tagging_evalset as evalset  # noqa: E402
import tagging_loso as loso  # noqa: E402

from pipeline.tagging import model as tm  # noqa: E402
from pipeline.tagging.tag import Taxonomy  # noqa: E402

THEMES = evalset.THEMES
R8 = {"tau": 0.7, "rel": 0.7, "taup": 0.8}
_SENT = re.compile(r"(?<=[.!?;:])\s+|\n+")


def sentences(body: str, min_words: int = 12) -> list[str]:
    return tm.joined(_SENT.split(body or ""), min_words)


def build(v: dict):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion
    blocks = []
    wl, wh = v.get("words", (1, 3))
    if wh:
        blocks.append(("w", TfidfVectorizer(ngram_range=(wl, wh), sublinear_tf=True,
                                            min_df=v.get("wmin", 1),
                                            token_pattern=tm._WORD_PATTERN)))
    cl, ch = v.get("chars", (2, 5))
    if ch:
        blocks.append(("c", TfidfVectorizer(analyzer=v.get("an", "char_wb"), ngram_range=(cl, ch),
                                            sublinear_tf=True, min_df=v.get("cmin", 2))))
    return blocks[0][1] if len(blocks) == 1 else FeatureUnion(blocks)


def fit_predict(v: dict, train: list[dict], test: list[dict]) -> list[dict[str, float]]:
    """Each test text's p per output, and under "pass:<o>" / "sent:<o>" the highest p of its
    passages / sentence windows (read with the title)."""
    from sklearn.linear_model import LogisticRegression
    vec = build(v)
    x = vec.fit_transform([tm.text_of(i["title"], i["body"]) for i in train])
    clfs = {}
    for th in (*THEMES, "cds"):
        y = [int(bool(i["themes"])) if th == "cds" else int(th in i["themes"]) for i in train]
        cw = v.get("cw", "balanced")
        if cw == "half":
            pos = sum(y)
            cw = {1: (len(y) / (2 * pos)) ** 0.5, 0: (len(y) / (2 * (len(y) - pos))) ** 0.5}
        clfs[th] = LogisticRegression(C=v.get("c", 10.0), class_weight=cw, solver="liblinear",
                                      dual=True, random_state=0, max_iter=2000).fit(x, y)

    def pr(texts):
        xx = vec.transform(texts)
        return {th: c.predict_proba(xx)[:, 1] for th, c in clfs.items()}

    whole = pr([tm.text_of(i["title"], i["body"]) for i in test])
    out = [{th: float(whole[th][k]) for th in whole} for k in range(len(test))]
    for kind, split in (("pass", tm.passages), ("sent", sentences)):
        texts, owner = [], []
        for k, i in enumerate(test):
            for part in split(i["body"]):
                texts.append(tm.text_of(i["title"], part))
                owner.append(k)
        pp = pr(texts)
        for j, k in enumerate(owner):
            for th in pp:
                key = f"{kind}:{th}"
                out[k][key] = max(out[k].get(key, 0.0), float(pp[th][j]))
    return out


def probs_for(v: dict, sets: dict, dev7: list[dict], cache: Path) -> dict:
    tag = json.dumps([sorted(v.items()), {n: len(s) for n, s in sets.items()}, 2], default=str)
    path = cache / f"{hashlib.sha256(tag.encode()).hexdigest()[:12]}.json"
    if path.is_file():
        return json.loads(path.read_text())
    t0 = time.process_time()
    probs = {n: fit_predict(v, [i for m in sets if m != n for i in sets[m]], sets[n])
             for n in sets}
    t1 = time.process_time()
    probs["__dev7"] = fit_predict(v, [i for m in sets for i in sets[m]], dev7)
    probs["__cpu"] = [t1 - t0, time.process_time() - t1]
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(probs))
    return probs


class Data:
    def __init__(self, v: dict, cache: Path):
        self.sets = loso.load_all()
        dev7 = evalset.load("dev7")
        tax = Taxonomy.default()
        self.rules = {n: [loso.R(t, tax) for t in ts]
                      for n, ts in loso.rules_of({**self.sets, "dev7": dev7}).items()}
        self.probs = probs_for(v, self.sets, dev7, cache)
        print(f"== variant {v}: fit CPU {self.probs['__cpu'][0]:.0f} s (17 LOSO models), "
              f"{self.probs['__cpu'][1]:.1f} s (the dev7 model, with its scoring)")
        self.probs["dev7"] = self.probs["__dev7"]
        self.sets["dev7"] = dev7


def summary(name: str, res: list[dict], d: dict, extra: str = "") -> None:
    f1s = [x["micro"]["f1"] for x in res]
    ps = [x["micro"]["p"] for x in res]
    negs = sum(len(x["negatives_tagged"]) for x in res)
    dm = d["micro"]
    per = " ".join(f"{k[:2]} {v:.2f}" for k, v in d["per"].items())
    print(f"  {name:<28} LOSO F1 {sum(f1s) / len(f1s):.3f}/{min(f1s):.3f} "
          f"P {sum(ps) / len(ps):.3f}/{min(ps):.3f} neg {negs} "
          f"[{' '.join(f'{x:.3f}' for x in f1s)}] | dev7 F1 {dm['f1']:.3f} P {dm['p']:.3f} "
          f"R {dm['r']:.3f} {per} neg {len(d['negatives_tagged'])}{extra}", flush=True)


# --- decision rules over the probabilities --------------------------------------------------

def decide(r, p: dict, prm: dict) -> list[str]:
    """Round 8's rule with optional per-theme τ / τp, sentence windows and a passage gate."""
    strong = [th for th in r.themes if r.ratios[th] >= 1.0]
    if not strong and not (p["cds"] >= prm["rel"] and r.cds > 0
                           and p.get("pass:cds", p["cds"]) >= prm.get("pgate", 0.0)):
        return []
    tau_th, taup_th, taus = prm.get("tau_th", {}), prm.get("taup_th", {}), prm.get("taus", {})
    themes = [th for th in THEMES if p[th] >= tau_th.get(th, prm["tau"])
              or p.get(f"pass:{th}", 0.0) >= taup_th.get(th, prm["taup"])
              or p.get(f"sent:{th}", 0.0) >= taus.get(th, 1.01)]
    return themes + [th for th in strong if th not in themes] or [max(THEMES, key=p.get)]


def tune_pt(items, rules, probs, base, min_p=0.92):
    """Per-theme τ and τp, coordinate search (two passes) on the given sets."""
    prm = json.loads(json.dumps(base))
    grid = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.01)
    for _ in range(2):
        for key, default in (("tau_th", base["tau"]), ("taup_th", base["taup"])):
            for th in THEMES:
                scored = []
                for t in grid:
                    cand = json.loads(json.dumps(prm))
                    cand.setdefault(key, {})[th] = t
                    res = evalset.score(items, [decide(r, p, cand)
                                                for r, p in zip(rules, probs, strict=True)])
                    scored.append((round(loso.objective(res, min_p), 6), -abs(t - default), t))
                prm.setdefault(key, {})[th] = max(scored)[2]
    return prm


DECISIONS = {
    "r8": R8,
    "r8 nt tau .6": {**R8, "tau_th": {"nhan-thuc": 0.6}},
    "r8 nt taup .7": {**R8, "taup_th": {"nhan-thuc": 0.7}},
    "r8 tau .65": {**R8, "tau": 0.65},
    "r8 sent .85": {**R8, "taus": dict.fromkeys(THEMES, 0.85)},
    "r8 sent .9": {**R8, "taus": dict.fromkeys(THEMES, 0.9)},
    "r8 sent .95": {**R8, "taus": dict.fromkeys(THEMES, 0.95)},
    "r8 pgate .5": {**R8, "pgate": 0.5},
    "r8 pgate .7": {**R8, "pgate": 0.7},
    "r8 rel .6 pgate .7": {**R8, "rel": 0.6, "pgate": 0.7},
    "tuned per-theme tau,taup": "tune",
}


def table(data: Data, names: list[str]) -> None:
    sets, rules, probs = data.sets, data.rules, data.probs

    def params(prm, exclude):
        if prm != "tune":
            return prm
        tune = [n for n in sets if n in loso.FREE and n != exclude]
        return tune_pt([i for n in tune for i in sets[n]], [r for n in tune for r in rules[n]],
                       [q for n in tune for q in probs[n]], R8)

    for name in names:
        prm = DECISIONS[name]
        res = [evalset.score(sets[t], [decide(r, q, params(prm, t))
                                       for r, q in zip(rules[t], probs[t], strict=True)])
               for t in loso.TARGETS]
        p = params(prm, "dev7")
        d = evalset.score(sets["dev7"], [decide(r, q, p) for r, q in
                                         zip(rules["dev7"], probs["dev7"], strict=True)])
        summary(name, res, d, f" prm {p}" if prm == "tune" else "")


# --- the stacked combiner ---------------------------------------------------------------------

def _logit(x: float) -> float:
    x = min(max(x, 1e-4), 1 - 1e-4)
    return math.log(x / (1 - x))


INPUTS = ("whole", "passage", "sentence", "ratio", "strong", "cds", "other")
_USE = list(INPUTS)


def features(r, p: dict, th: str) -> list[float]:
    """The combiner's inputs for one theme (those named in ``_USE``, --inputs)."""
    every = {"whole": _logit(p[th]), "passage": _logit(p[f"pass:{th}"]),
             "sentence": _logit(p[f"sent:{th}"]), "ratio": min(r.ratios[th], 3.0),
             "strong": float(r.ratios[th] >= 1.0), "cds": _logit(p["cds"]),
             "other": max(_logit(p[t]) for t in THEMES if t != th)}
    return [every[k] for k in _USE]


class Stack:
    def __init__(self, data: Data):
        import numpy as np
        self.d = data
        self.x = {n: {th: np.array([features(r, p, th) for r, p in
                                    zip(data.rules[n], data.probs[n], strict=True)])
                      for th in THEMES} for n in data.sets}
        self.y = {n: {th: np.array([int(th in i["themes"]) for i in data.sets[n]])
                      for th in THEMES} for n in data.sets}
        self.on = {n: np.array([bool(i["themes"]) for i in data.sets[n]]) for n in data.sets}

    def fit(self, names: list[str], c: float) -> dict:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        out = {}
        for th in THEMES:
            x = np.vstack([self.x[n][th][self.on[n]] for n in names])
            y = np.concatenate([self.y[n][th][self.on[n]] for n in names])
            clf = LogisticRegression(C=c).fit(x, y)
            out[th] = (clf.coef_[0], float(clf.intercept_[0]))
        return out

    def predict(self, m: dict, n: str, t) -> list[list[str]]:
        """Themes of set ``n`` by the combiner ``m`` at threshold ``t`` (a float, or a dict
        theme → threshold)."""
        import numpy as np
        ts = t if isinstance(t, dict) else dict.fromkeys(THEMES, t)
        s = {th: 1 / (1 + np.exp(-(self.x[n][th] @ m[th][0] + m[th][1]))) for th in THEMES}
        out = []
        for k, (r, p) in enumerate(zip(self.d.rules[n], self.d.probs[n], strict=True)):
            strong = [th for th in r.themes if r.ratios[th] >= 1.0]
            if not strong and not (p["cds"] >= 0.7 and r.cds > 0):
                out.append([])
                continue
            themes = [th for th in THEMES if s[th][k] >= ts[th]]
            out.append(themes + [th for th in strong if th not in themes]
                       or [max(THEMES, key=p.get)])
        return out

    def choose(self, pool: list[str], min_p: float) -> tuple[float, float]:
        best = None
        for c in (0.1, 1.0):
            fitted = {s: self.fit([n for n in pool if n != s], c) for s in pool}
            for t in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
                items, preds = [], []
                for s in pool:
                    items += self.d.sets[s]
                    preds += self.predict(fitted[s], s, t)
                o = loso.objective(evalset.score(items, preds), min_p)
                if best is None or o > best[0] + 1e-9:
                    best = (o, c, t)
        return best[1], best[2]


def stack(data: Data, min_p: float, fixed: tuple[float, float] | None) -> None:
    st = Stack(data)
    res, chosen = [], []
    for target in loso.TARGETS:
        pool = [n for n in loso.FREE if n != target]
        c, t = fixed or st.choose(pool, min_p)
        chosen.append(f"{target} C {c} t {t}")
        res.append(evalset.score(data.sets[target], st.predict(st.fit(pool, c), target, t)))
    c, t = fixed or st.choose(list(loso.FREE), min_p)
    m = st.fit(list(loso.FREE), c)
    d = evalset.score(data.sets["dev7"], st.predict(m, "dev7", t))
    summary(f"stack {'fixed' if fixed else f'nested min P {min_p}'}", res, d,
            f" | {'; '.join(chosen)}; dev7 C {c} t {t}")
    for th in THEMES:
        print(f"    {th}: coef {[round(float(w), 3) for w in m[th][0]]} b {m[th][1]:.3f}")


def size(v: dict) -> None:
    """The variant fitted on every shipped text: features, fit CPU, the .npz it would make."""
    import io

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    examples = tm.shipped_examples()
    texts = [tm.text_of(t, b) for t, b, _ in examples]
    t0 = time.process_time()
    vec = build(v)
    x = vec.fit_transform(texts)
    coefs = []
    for th in (*THEMES, "cds"):
        y = [int(bool(lab)) if th == "cds" else int(th in lab) for _, _, lab in examples]
        coefs.append(LogisticRegression(C=v.get("c", 10.0), class_weight="balanced",
                                        solver="liblinear", dual=True, random_state=0,
                                        max_iter=2000).fit(x, y).coef_[0])
    cpu = time.process_time() - t0
    blocks = [b for _, b in vec.transformer_list] if hasattr(vec, "transformer_list") else [vec]
    vocab = "\n".join(t for b in blocks for t in b.vocabulary_).encode("utf-8")
    buf = io.BytesIO()
    np.savez(buf, coef=np.array(coefs), idf=np.concatenate([b.idf_ for b in blocks]),
             vocab=np.frombuffer(vocab, dtype=np.uint8))
    print(f"{v}: {x.shape[1]} features, fit CPU {cpu:.1f} s ({len(texts)} texts), "
          f".npz about {len(buf.getvalue()) / 1e6:.1f} MB")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("table", "stack", "size"))
    ap.add_argument("variant", nargs="?", default="{}")
    ap.add_argument("--decisions", default=",".join(DECISIONS))
    ap.add_argument("--min-p", type=float, default=0.92)
    ap.add_argument("--fixed", default="", help="C,t")
    ap.add_argument("--cache", default="/tmp/cds-round9")
    ap.add_argument("--inputs", default=",".join(INPUTS), help="the combiner's inputs")
    a = ap.parse_args(argv)
    cpu = time.process_time()
    if a.mode == "size":
        size(ast.literal_eval(a.variant))
        return 0
    data = Data(ast.literal_eval(a.variant), Path(a.cache))
    if a.mode == "table":
        table(data, a.decisions.split(","))
    else:
        fixed = tuple(float(x) for x in a.fixed.split(",")) if a.fixed else None
        _USE[:] = a.inputs.split(",")
        stack(data, a.min_p, fixed)
    print(f"CPU {time.process_time() - cpu:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
