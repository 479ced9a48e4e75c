"""Bench: scan 5,000 stored articles, rebuild DupIndex from them, re-save all unchanged."""
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from pipeline.core.models import Article
from pipeline.harvest.dedupe import DupIndex
from pipeline.store.articles import Store, make_id
from tests.test_dedupe import ORIGINAL, OTHER

ICT = timezone(timedelta(hours=7))
vocab = sorted(set((ORIGINAL + " " + OTHER).split()))
rng = random.Random(1)
root = Path(tempfile.mkdtemp()) / "content"
arts = []
for i in range(5000):
    url = f"https://baothaibinh.example.vn/tin/{i}.html"
    body = "\n\n".join(" ".join(rng.choice(vocab) for _ in range(60)) + "." for _ in range(4))
    arts.append(Article(id=make_id(url), title=" ".join(rng.choice(vocab) for _ in range(10)), url=url,
        source="bao-thai-binh", published=datetime(2023, 1, 1, tzinfo=ICT) + timedelta(hours=7 * i),
        harvested=datetime(2025, 1, 1, tzinfo=ICT), body=body, themes=["nhan-thuc"], tags=["a", "b"]))
s = Store(root)
now = datetime(2025, 4, 1, tzinfo=ICT)
t = time.process_time()
for a in arts:
    s.save(a, now=now)
print(f"save 5000 new: {time.process_time() - t:.2f}s")
t = time.process_time()
s2 = Store(root)
got = s2.articles()
print(f"scan+parse 5000 ({len(got)}): {time.process_time() - t:.2f}s")
t = time.process_time()
idx = DupIndex()
for a in got:
    idx.add(a.id, a.body)
print(f"DupIndex from store: {time.process_time() - t:.2f}s")
t = time.process_time()
res = {s2.save(a, now=now) for a in arts}
print(f"re-save 5000 unchanged {res}: {time.process_time() - t:.2f}s")
shutil.rmtree(root.parent)
