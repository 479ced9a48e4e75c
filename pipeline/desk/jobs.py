"""The desk's background work: "publish now" (``cds build`` in a child process, its output
shown on the page), the article previews (the real publish + site build of a one-article root),
the run lock and the sources' health."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from datetime import datetime, tzinfo
from pathlib import Path

import yaml

from pipeline import config as config_mod
from pipeline.core.errors import CdsError
from pipeline.core.models import Article, Config
from pipeline.core.urls import article_urls
from pipeline.ops import status as status_mod
from pipeline.store import articles as store_mod
from pipeline.store.state import RunLock, State

PREVIEW_DIR = "desk-preview"
PREVIEWS_KEPT = 20
BUILD_TIMEOUT = 900


def _cds(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--root", str(root), "--quiet", *args]


class Builder:
    """One ``cds build`` at a time (or another ``cds`` command: ``args``), in a child process;
    its output kept for the page. The quality page runs ``cds tag --evaluate`` this way when the
    out-of-fold figures are not cached (:mod:`pipeline.tagging.oof`: a minute of fitting, not
    for a request to wait on)."""

    def __init__(self, root: Path, *args: str):
        self.root = Path(root)
        self.args = args or ("build",)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._lines: deque[str] = deque(maxlen=40)
        self._started: float | None = None
        self._finished: float | None = None
        self._ok: bool | None = None

    def start(self) -> bool:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._lines.clear()
            self._started, self._finished, self._ok = time.time(), None, None
            self._thread = threading.Thread(target=self._run, name=f"desk-{self.args[0]}",
                                            daemon=True)
            self._thread.start()
            return True

    def _run(self) -> None:
        ok = False
        try:
            proc = subprocess.Popen(_cds(self.root, *self.args), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                                    errors="replace")
            assert proc.stdout is not None
            for line in proc.stdout:
                self._lines.append(line.rstrip())
            ok = proc.wait(timeout=BUILD_TIMEOUT) == 0
        except (OSError, subprocess.SubprocessError) as exc:
            self._lines.append(f"error: {exc}")
        with self._lock:
            self._ok, self._finished = ok, time.time()

    def wait(self, timeout: float | None = None) -> bool | None:
        t = self._thread
        if t is not None:
            t.join(timeout)
        return self._ok

    def status(self) -> dict:
        with self._lock:
            running = self._thread is not None and self._thread.is_alive()
            return {"running": running, "started": self._started, "finished": self._finished,
                    "ok": self._ok, "lines": list(self._lines),
                    "elapsed": (time.time() - self._started) if self._started else None}


def harvest_running(config: Config) -> dict | None:
    """The run lock's holder (``{"pid", "since"}``) while a harvest runs."""
    return RunLock(config.state_dir).holder()


def last_build(root: Path, tz: tzinfo) -> datetime | None:
    page = Path(root) / "site" / "index.html"
    try:
        return datetime.fromtimestamp(page.stat().st_mtime, tz)
    except OSError:
        return None


def source_rows(config: Config) -> list[status_mod.SourceStatus]:
    now = datetime.now(config_mod.timezone(config))
    return status_mod.collect(config, State.load(config.state_dir), now)


class Previews:
    """The article as the site will show it: a root holding only this article (marked
    published), built by ``cds build`` like the real site, kept in ``.cds/desk-preview/``."""

    def __init__(self, config: Config):
        self.config = config
        self.root = Path(config.root)
        self.base = self.root / ".cds" / PREVIEW_DIR
        self._lock = threading.Lock()

    def _key(self, art: Article) -> str:
        h = hashlib.sha256(store_mod.dump(dataclasses.replace(art, status="published"))
                           .encode("utf-8"))
        for name in ("feeds.yml", "mkdocs.yml", "taxonomy.yml"):
            p = self.root / name
            if p.is_file():
                h.update(p.read_bytes())
        return f"{art.id}-{h.hexdigest()[:16]}"

    def get(self, art: Article) -> tuple[Path, str]:
        """(the built preview site, the article page's path in it)."""
        tz = config_mod.timezone(self.config)
        shown = dataclasses.replace(art, status="published")
        page = article_urls([shown], tz)[art.id] + "index.html"
        with self._lock:
            out = self.base / self._key(art)
            if (out / "site" / page).is_file():
                return out / "site", page
            self._build(shown, out)
            self._prune()
        if not (out / "site" / page).is_file():
            raise CdsError("the page was not built")
        return out / "site", page

    def _build(self, art: Article, out: Path) -> None:
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "content" / "articles").mkdir(parents=True)
        data = yaml.safe_load((self.root / "feeds.yml").read_text(encoding="utf-8")) or {}
        data.setdefault("site", {})["search"] = False
        (tmp / "feeds.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                       encoding="utf-8")
        for name in ("mkdocs.yml", "taxonomy.yml"):
            if (self.root / name).is_file():
                shutil.copy(self.root / name, tmp / name)
        target = tmp / "content" / (art.path or Path("articles") / "bai.md")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(store_mod.dump(art), encoding="utf-8")
        res = subprocess.run(_cds(tmp, "build"), capture_output=True, text=True,
                             encoding="utf-8", errors="replace", timeout=BUILD_TIMEOUT)
        if res.returncode != 0:
            lines = [x for x in res.stderr.splitlines() if x.strip()]
            shutil.rmtree(tmp, ignore_errors=True)
            raise CdsError(lines[-1] if lines else "cds build failed")
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)

    def _prune(self) -> None:
        dirs = sorted((p for p in self.base.iterdir() if p.is_dir()),
                      key=lambda p: p.stat().st_mtime, reverse=True)
        for old in dirs[PREVIEWS_KEPT:]:
            shutil.rmtree(old, ignore_errors=True)
