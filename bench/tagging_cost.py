"""What the tagger's model costs (issue 18's freshness: one new article in `cds run`): the fit on
the shipped training data, the model file's size, loading it, and tagging one article with the
model on, in CPU seconds (``time.process_time``).

    nice -n 10 .venv/bin/python bench/tagging_cost.py
    nice -n 10 .venv/bin/python bench/tagging_cost.py --candidate   # round 10's, not shipped
    # before: the same script against main's code
    git archive main pipeline | tar -x -C /tmp/main-src
    PYTHONPATH=/tmp/main-src nice -n 10 .venv/bin/python bench/tagging_cost.py

Articles tagged: every text of dev7, heldout11–14 (not the training data), then the ones over
400 words alone (long articles have more passages and sentence windows to score). Each is tagged
three times and the median CPU kept. docs/tagging.md, "Round 10".
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "tests" / "eval" / "tagging"))

import tagging_evalset as evalset  # noqa: E402

from pipeline.tagging import model as tm  # noqa: E402
from pipeline.tagging.tag import Taxonomy, tag  # noqa: E402


def main(argv: list[str]) -> int:
    candidate = "--candidate" in argv       # features words+xchars, the combiner on (0.6)
    if candidate:
        tm.FEATURES = "words+xchars"
        tm.ThemeModel.__init__.__defaults__ = (tm._C, tm.FEATURES)
    print(f"code: {tm.__file__}{' (the candidate)' if candidate else ''}")
    import sklearn.linear_model  # noqa: F401  (imported before timing the fit)
    examples = tm.shipped_examples()
    fits = []
    for _ in range(2):
        t0 = time.process_time()
        model = tm.train(examples)
        fits.append(time.process_time() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / tm.CACHE_FILE
        model.save(path, "k")
        size = path.stat().st_size
        loads = []
        for _ in range(5):
            t0 = time.process_time()
            loaded = tm.ThemeModel.load(path, "k")
            loads.append(time.process_time() - t0)
    features = sum(len(b.idf) for b in loaded.linear.blocks)
    print(f"fit on {len(examples)} texts: {min(fits):.2f} s CPU (best of 2: "
          f"{', '.join(f'{x:.2f}' for x in fits)}); {features} features; "
          f".npz {size:,} bytes; load {statistics.median(loads) * 1000:.0f} ms CPU (median of 5)")
    taxonomy = Taxonomy.default()
    if candidate:
        from dataclasses import replace
        taxonomy = replace(taxonomy, model=replace(taxonomy.model, min_combined=0.6))
    items = [i for n in ("dev7", "heldout11", "heldout12", "heldout13", "heldout14")
             for i in evalset.load(n)]

    def tagged(i: dict) -> float:
        runs = []
        for _ in range(3):
            t0 = time.process_time()
            tag(i["title"], i["body"], taxonomy, model=loaded)
            runs.append(time.process_time() - t0)
        return statistics.median(runs)

    cost = [(len(i["body"].split()), tagged(i)) for i in items]
    for label, rows in (("every article", cost),
                        ("over 400 words", [c for c in cost if c[0] > 400])):
        ms = [c[1] * 1000 for c in rows]
        print(f"tag, model on, {label} ({len(rows)}, {statistics.mean(r[0] for r in rows):.0f} "
              f"words on average): mean {statistics.mean(ms):.1f} ms CPU, median "
              f"{statistics.median(ms):.1f}, max {max(ms):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
