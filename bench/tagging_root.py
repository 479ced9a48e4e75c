"""A root of 300 stored articles for timing the tagger (docs/tagging.md, round 8, "Speed").

    .venv/bin/python bench/tagging_root.py /tmp/troot
    /usr/bin/time -f "%U user %S sys" .venv/bin/python -m pipeline --root /tmp/troot --quiet tag --all

The articles are labelled texts (dev5, heldout3, heldout4, dev4); every 15th is themes_locked, so
the root's model learns from 20 of them. Run a command twice: the first fits and writes
.cds/tagger-model.npz, the second loads it.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "eval" / "tagging")]

import tagging_evalset as evalset  # noqa: E402

from pipeline.core.models import Article  # noqa: E402
from pipeline.store.articles import Store  # noqa: E402


def main(argv: list[str]) -> int:
    root = Path(argv[0])
    subprocess.run([sys.executable, "-m", "pipeline", "--quiet", "init", str(root)], check=True)
    store = Store(root / "content")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    items = [i for n in ("dev5", "heldout3", "heldout4", "dev4") for i in evalset.load(n)][:300]
    for k, i in enumerate(items):
        store.write(Article(id=f"a{k:04d}", title=i["title"], url=f"https://x.vn/{k}.html",
                            source="so", published=t0 + timedelta(hours=k), harvested=t0,
                            body=i["body"], themes=list(i["themes"]), themes_locked=k % 15 == 0))
    print(f"{len(items)} articles in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
