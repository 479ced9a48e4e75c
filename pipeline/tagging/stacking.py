"""Fits the tagger's combiner (:mod:`pipeline.tagging.combiner`) from the shipped training sets
and writes ``pipeline/data/tagging_combiner.json``::

    .venv/bin/python -m pipeline.tagging.stacking            # fit and write
    .venv/bin/python -m pipeline.tagging.stacking --check    # fit, compare, write nothing

How: each of the *free* sets (:data:`FREE_SETS`: the training sets the rules were never tuned
on) is scored by a model trained on every other shipped set — the probabilities a new text
gets —, and by the rules (taxonomy.yml as shipped, the model off); every on-topic text of those
sets gives each theme one row of :func:`pipeline.tagging.combiner.inputs` and whether the theme
is labelled; one logistic regression per theme (scikit-learn, C :data:`C`, its default solver)
is fitted on those rows. About 12 model fits: a few minutes of CPU. The file records a digest
of what it was made from (:func:`source_digest`: the shipped sets' bytes and these settings;
``tests/eval/tagging/test_combiner.py`` checks it is current and that a refit reproduces the
weights). C and the threshold (``model.min_combined``) were chosen by leave-one-set-out in
``bench/tagging_round10.py`` and, with heldout13–16 among the free sets,
``bench/tagging_round11.py``
(docs/tagging.md, rounds 10 and 11).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import unicodedata
from dataclasses import replace
from importlib import resources

import yaml

from pipeline.core.fileio import write_atomic
from pipeline.core.models import THEMES
from pipeline.tagging import combiner
from pipeline.tagging import model as theme_model
from pipeline.tagging.tag import ModelSettings, Taxonomy, rules_ratios

FREE_SETS = ("dev5", "dev6", "heldout6", "heldout7", "heldout8", "heldout9", "heldout10",
             "heldout13", "heldout14", "heldout15", "heldout16")     # 13-16: round 11
C = 0.1                                                              # round 11 (1 before)


def _form(text: str, form: str | None) -> str:
    """A labelled entry's ``form`` applied (tests/eval/tagging/README.md): NFD, or no marks."""
    if form == "nfd":
        return unicodedata.normalize("NFD", text)
    if form == "nodiacritics":
        text = text.replace("đ", "d").replace("Đ", "D")
        return "".join(c for c in unicodedata.normalize("NFD", text)
                       if not unicodedata.combining(c))
    return text


def shipped_sets() -> dict[str, list[tuple[str, str, list[str]]]]:
    """The shipped training sets by name: (title, body, themes), ``form`` applied."""
    out = {}
    for ref in theme_model._shipped_files():
        items = yaml.safe_load(ref.read_text(encoding="utf-8")) or []
        out[ref.name.removesuffix(".yml")] = [
            (_form(i["title"], i.get("form")), _form(i["body"], i.get("form")),
             list(i.get("themes") or [])) for i in items]
    return out


def source_digest() -> str:
    """What the weights are made from: the shipped sets' bytes, the free sets, C, the inputs."""
    h = hashlib.sha256(json.dumps({"free": FREE_SETS, "c": C, "inputs": combiner.INPUTS,
                                   "model": theme_model.ThemeModel().settings()},
                                  sort_keys=True).encode("utf-8"))
    for ref in theme_model._shipped_files():
        data = ref.read_bytes()
        h.update(f"\n{ref.name} {len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()


def rows(log=None) -> dict[str, tuple[list[list[float]], list[int]]]:
    """Per theme, the inputs of every on-topic text of the free sets and its label."""
    sets = shipped_sets()
    missing = [n for n in FREE_SETS if n not in sets]
    if missing:
        raise SystemExit(f"stacking: free sets not shipped: {', '.join(missing)}")
    rules = replace(Taxonomy.default(), model=ModelSettings(enabled=False))
    out: dict[str, tuple[list[list[float]], list[int]]] = {th: ([], []) for th in THEMES}
    for name in FREE_SETS:
        t0 = time.process_time()
        model = theme_model.train([ex for n in sets if n != name for ex in sets[n]])
        for title, body, themes in sets[name]:
            if not themes:
                continue
            probs = model.proba(title, body)
            passage = {k: p for k, (p, _, _) in model.best_passages(title, body).items()}
            window = {k: p for k, (p, _, _) in model.best_windows(title, body).items()}
            ratios = rules_ratios(title, body, rules)
            for th in THEMES:
                x = combiner.inputs(th, probs, passage, window, ratios)
                out[th][0].append([x[k] for k in combiner.INPUTS])
                out[th][1].append(int(th in themes))
        if log:
            log(f"{name}: {len(sets[name])} texts, {time.process_time() - t0:.1f} s CPU")
    return out


def fit(log=None) -> combiner.Combiner:
    from sklearn.linear_model import LogisticRegression
    data = rows(log)
    weights, intercepts = {}, {}
    for th in THEMES:
        x, y = data[th]
        clf = LogisticRegression(C=C).fit(x, y)
        weights[th] = tuple(float(w) for w in clf.coef_[0])
        intercepts[th] = float(clf.intercept_[0])
    return combiner.Combiner(weights, intercepts, {
        "c": C, "free_sets": list(FREE_SETS), "rows": len(data[THEMES[0]][1]),
        "source": source_digest()})


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.tagging.stacking")
    ap.add_argument("--check", action="store_true", help="compare with the shipped file only")
    a = ap.parse_args(argv)
    made = fit(lambda s: print(s, file=sys.stderr, flush=True))
    text = json.dumps(made.to_json(), indent=1, sort_keys=True) + "\n"
    if a.check:
        shipped = combiner.load()
        gap = max(abs(a_ - b_) for th in THEMES for a_, b_ in
                  zip((*made.weights[th], made.intercepts[th]),
                      (*shipped.weights[th], shipped.intercepts[th]), strict=True))
        print(f"largest difference from the shipped weights: {gap:.2e}")
        return 0 if gap <= 1e-6 else 1
    path = resources.files("pipeline").joinpath(*combiner.FILE)
    write_atomic(str(path), text.encode("utf-8"))
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
