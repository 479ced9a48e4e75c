"""Test corpora the repository does not carry, found the same way on every machine.

- feedparser's unsafe-HTML (``sanitize/``, 745 feeds) and ill-formed (``illformed/``, 19 feeds)
  suites. They ship in feedparser's source distribution on the package index; the pinned sdist
  is fetched once with pip (``make test`` does it first, the tests do it themselves when run
  directly), its SHA-256 checked, and the two suites unpacked into ``.cache/corpora/`` inside
  the checkout (git-ignored). Nothing outside the checkout is read.
- real Vietnamese pages and feeds (``real-vn``) that may not be redistributed, so they can only
  live beside the checkout: ``$CDS_REAL_VN`` or ``../shared/corpora/real-vn``. Tests using them
  skip, saying why, when the folder is absent.

``python tests/corpora.py`` fetches the feedparser corpus and prints where it is.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "corpora"

FEEDPARSER_VERSION = "6.0.14"
FEEDPARSER_SHA256 = "088679b0c4b543ee211a820dd544698c76a402122eae7473c04a43425f283d06"
FEEDPARSER_DIR = CACHE / f"feedparser-{FEEDPARSER_VERSION}"
# where each suite sits inside the sdist -> where it goes in the cache
_SUITES = {"tests/wellformed/sanitize": "sanitize", "tests/illformed": "illformed"}
FEEDPARSER_FILES = 764          # 745 sanitize + 19 illformed, all *.xml

REAL_VN_SKIP = ("real Vietnamese pages not present (they may not be redistributed; put them in "
                "../shared/corpora/real-vn beside the checkout or set CDS_REAL_VN)")


def real_vn() -> Path | None:
    """The folder of real Vietnamese pages and feeds, or None when this machine has none."""
    given = os.environ.get("CDS_REAL_VN")
    folder = Path(given) if given else REPO.parent / "shared" / "corpora" / "real-vn"
    return folder if (folder / "pages").is_dir() else None


def _complete() -> bool:
    return (FEEDPARSER_DIR / ".complete").is_file()


def feedparser_corpus() -> Path:
    """The folder holding ``sanitize/`` and ``illformed/``; fetched on first use.

    Safe to call from several processes at once (pytest-xdist workers): one fetches under a
    lock, the others wait and then find it done. Raises RuntimeError with one clear line when
    the sdist cannot be fetched or is not the pinned one.
    """
    if _complete():
        return FEEDPARSER_DIR
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _complete():
            _fetch()
    return FEEDPARSER_DIR


def _fetch() -> None:
    name = f"feedparser-{FEEDPARSER_VERSION}"
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        work = Path(tmp)
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
               "--no-deps", f"feedparser=={FEEDPARSER_VERSION}",
               "-d", str(work / "dl")]
        done = subprocess.run(cmd, capture_output=True, text=True)
        sdist = work / "dl" / f"{name}.tar.gz"
        if done.returncode != 0 or not sdist.is_file():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"cannot fetch the feedparser {FEEDPARSER_VERSION} sdist with pip: {last}")
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if digest != FEEDPARSER_SHA256:
            raise RuntimeError(f"{sdist.name}: sha256 {digest}, expected {FEEDPARSER_SHA256}")
        out = work / "out"
        wanted = [f"{name}/{inside}/" for inside in _SUITES]
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and (
                m.name == f"{name}/LICENSE" or any(m.name.startswith(w) for w in wanted))]
            tar.extractall(work / "x", members=members, filter="data")
        out.mkdir()
        for inside, dest in _SUITES.items():
            shutil.move(str(work / "x" / name / inside), str(out / dest))
        if (work / "x" / name / "LICENSE").is_file():
            shutil.copy(work / "x" / name / "LICENSE", out / "LICENSE")
        count = sum(1 for _ in out.rglob("*.xml"))
        if count != FEEDPARSER_FILES:
            raise RuntimeError(f"{sdist.name}: {count} feeds in the test suites, expected {FEEDPARSER_FILES}")
        (out / ".complete").write_text(f"{sdist.name} sha256 {digest}\n", encoding="utf-8")
        if FEEDPARSER_DIR.exists():
            shutil.rmtree(FEEDPARSER_DIR)
        out.rename(FEEDPARSER_DIR)


if __name__ == "__main__":
    try:
        print(feedparser_corpus())
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
