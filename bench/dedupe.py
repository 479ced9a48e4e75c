"""(CPU seconds) Bench: DupIndex rebuilt from 5,000 articles of ~250 words, then 1,000 lookups."""
import random
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from pipeline.harvest.dedupe import DupIndex
from tests.test_dedupe import ORIGINAL, OTHER

vocab = sorted(set((ORIGINAL + " " + OTHER).split()))
rng = random.Random(1)
texts = []
for _ in range(5000):
    paras = [" ".join(rng.choice(vocab) for _ in range(60)) + "." for _ in range(4)]
    texts.append("\n\n".join(paras) + "\n\nMinh Hằng")
t = time.process_time()
idx = DupIndex()
for i, text in enumerate(texts):
    idx.add(f"id{i:05d}", text)
build = time.process_time() - t
t = time.process_time()
hits = 0
for i in range(1000):
    words = texts[i * 5].split()
    words[10:14] = ["Thái", "Bình", "hôm", "nay"]
    if idx.find(" ".join(words)):
        hits += 1
for _ in range(1000):
    idx.find(" ".join(rng.choice(vocab) for _ in range(240)))
look = time.process_time() - t
print(f"build 5000: {build:.2f}s; 2000 finds (1000 near-copies found={hits}, 1000 new): {look:.2f}s")
