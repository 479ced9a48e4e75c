"""Shared fixtures: a root on disk, and the bundled demo sources served on loopback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.demo.localserver import LocalServer

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
DEMO = PACKAGE / "data" / "demo"


@pytest.fixture
def demo_server():
    with LocalServer(DEMO / "sources") as server:
        yield server


def make_root(dest: Path, feeds_yml: str) -> Path:
    """A root made from the starter files with the given feeds.yml."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PACKAGE / "starter", dest, dirs_exist_ok=True)
    shutil.copy(PACKAGE / "data" / "taxonomy.yml", dest / "taxonomy.yml")
    (dest / "feeds.yml").write_text(feeds_yml, encoding="utf-8")
    return dest
