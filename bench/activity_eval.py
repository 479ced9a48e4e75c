"""Activity tags: micro P / R / F1 per split and pooled over the development sets (issue 20,
round 10). Run from the repository root::

    nice -n 10 .venv/bin/python bench/activity_eval.py act_heldout2 act_heldout --pool [--rules] [--mistakes]

``--rules``: the model switched off (what tests/eval/tagging/test_gate.py gates); ``--pool``:
the development sets with activity labels pooled; ``--mistakes``: the entries wrong. Each
entry's ``date`` is passed to the tagger (``tagging_evalset.tag_item``)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "eval" / "tagging"))
sys.path.insert(0, str(ROOT))

import tagging_evalset as ev  # noqa: E402

from pipeline.tagging.tag import Taxonomy  # noqa: E402

DEV = ("dev", "heldout", "dev3", "dev4", "dev5", "dev6", "dev7", "heldout3", "heldout4",
       "heldout5", "heldout9", "heldout10")


def main(argv: list[str]) -> None:
    taxonomy = Taxonomy.default()
    if "--rules" in argv:
        taxonomy = replace(taxonomy, model=replace(taxonomy.model, enabled=False))
    show = "--mistakes" in argv
    pool = {label: [0, 0, 0] for label in ev.PLAN_TAGS}

    def run(name: str):
        items = ev.load(name)
        labels = ev.TAG_SPLITS.get(name, ev.PLAN_TAGS)
        predicted = [ev.tag_item(i, taxonomy) for i in items]
        return (items, predicted, labels,
                ev.score_tags(items, [p.tags for p in predicted], labels),
                ev.score(items, [p.themes for p in predicted]))

    for name in (a for a in argv if not a.startswith("--")):
        _, _, _, r, themes = run(name)
        m = r["micro"]
        print(f"{name}: activity P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} | "
              f"themes F1 {themes['micro']['f1']:.3f}")
        print("   ", ", ".join(f"{k} {p:.2f}/{rr:.2f}" for k, (p, rr, _) in r["per_prf"].items()))
        if show:
            for mistake in r["mistakes"]:
                print("    ", mistake)
    if "--pool" not in argv:
        return
    for name in DEV:
        items, predicted, labels, r, _ = run(name)
        for item, p in zip(items, predicted, strict=True):
            if item.get("tags") is None:
                continue
            for label in labels:
                gold, got = label in item["tags"], label in p.tags
                if gold or got:
                    pool[label][0 if gold and got else 1 if got else 2] += 1
        if show:
            for mistake in r["mistakes"]:
                print("   ", name, mistake)
    tp, fp, fn = (sum(v[i] for v in pool.values()) for i in range(3))
    p, r, f = ev.prf(tp, fp, fn)
    print(f"pooled dev ({','.join(DEV)}): activity P {p:.3f} R {r:.3f} F1 {f:.3f} "
          f"(tp {tp} fp {fp} fn {fn})")
    print("   ", ", ".join(f"{k} {ev.prf(*v)[0]:.2f}/{ev.prf(*v)[1]:.2f}"
                          for k, v in pool.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
