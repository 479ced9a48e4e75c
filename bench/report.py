"""The plan's results: time of `cds report` on the demo root, and of the results section
(pipeline.results: counting, pages, charts, digest, JSON) on N synthetic articles.

    .venv/bin/python bench/report.py            # N = 5000
    .venv/bin/python bench/report.py 20000

1. `cds demo` into a temporary root, then `python -m pipeline --root ROOT report --period 2024
   --format md|csv|docx --out FILE` in a fresh child process each (wall time, imports included);
2. N synthetic published articles over three years with themes and activity tags, the starter
   plan.yml: `service.site_files` (what `cds build` adds to publish) timed, and the files counted.
Figures are printed as measured.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    from pipeline import config as config_mod
    from pipeline.core.models import Article
    from pipeline.jobs import run_demo
    from pipeline.results import service

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        t = time.perf_counter()
        run_demo(root, progress=False)
        print(f"cds demo: {time.perf_counter() - t:.1f} s (results section included)")
        for fmt in ("md", "csv", "docx"):
            out = Path(tmp) / f"bao-cao.{fmt}"
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline", "--root", str(root), "report",
                            "--period", "2024", "--format", fmt, "--out", str(out)], check=True,
                           capture_output=True, cwd=REPO)
            print(f"cds report --period 2024 --format {fmt}: {time.perf_counter() - t:.2f} s "
                  f"wall, {out.stat().st_size} bytes")

        config = config_mod.load(root)
        rng = random.Random(7)
        tz = timezone(timedelta(hours=7))
        tags = ["ngay-cds-quoc-gia", "ngay-chu-nhat-so", "tap-huan", "hoi-nghi", "ngoai-khoa",
                "truyen-thanh-co-so", "", ""]
        themes = ["nhan-thuc", "trach-nhiem", "van-ban", "dien-hinh"]
        start = datetime(2023, 1, 1, 8, tzinfo=tz)
        arts = []
        for i in range(n):
            when = start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            arts.append(Article(
                id=f"b{i:06d}", title=f"Tin thử {i} về chuyển đổi số", url=f"https://x.test/{i}",
                source=rng.choice([s.id for s in config.sources]), published=when,
                harvested=when, body="Nội dung thử về hợp tác xã và chuyển đổi số.",
                themes=[rng.choice(themes)], pillars=["xa-hoi-so"],
                tags=[t for t in [rng.choice(tags)] if t],
                status=rng.choice(["published"] * 8 + ["pending", "rejected"])))
        t = time.perf_counter()
        files, _w = service.site_files(config, arts, today=date(2025, 12, 20))
        secs = time.perf_counter() - t
        size = sum(len(b) for b in files.values())
        print(f"results section for {n} articles: {secs:.2f} s, {len(files)} files, "
              f"{size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
