"""A misspelled key that protects an editor's work (`lockd`, `Locked`, `Featured`…) is an
error in `cds check`, and harvest leaves such a file alone instead of overwriting it."""

from __future__ import annotations

import pytest

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.demo.localserver import LocalServer
from pipeline.store import articles as store
from tests.conftest import make_root
from tests.test_harvest_safety import _cds, _serve_feed


@pytest.mark.parametrize(("key", "meant"), [
    ("lockd", "locked"), ("Locked", "locked"), ("LOCKED", "locked"), ("lock", "locked"),
    ("themes_lock", "themes_locked"), ("Themes-Locked", "themes_locked"),
    ("themes_lockd", "themes_locked"), ("Status", "status"), ("statuss", "status"),
    ("featred", "featured"), ("Featured", "featured"),
])
def test_near_misses_of_protecting_keys(key, meant):
    assert store.protecting_typos({key: True}) == [(key, meant)]


@pytest.mark.parametrize("key", ["nguoi_sua", "ghi_chu", "source_note", "stats_ok", "status_note"])
def test_other_extra_keys_are_not_near_misses(key):
    assert store.protecting_typos({key: True}) == []


def test_check_and_harvest_protect_a_misspelled_lock(tmp_path):
    with LocalServer() as srv:
        url = srv.url("/bai")
        _serve_feed(srv, "/feed.rss", [(url, "Bài một", "Nội dung bài một về số hoá.")])
        root = make_root(tmp_path / "root", f"""\
site: {{title: Thử nghiệm, url: "http://127.0.0.1:9/"}}
sources:
  - id: nguon
    name: Nguồn
    kind: feed
    url: "{srv.url('/feed.rss')}"
""")
        config = config_mod.load(root)
        jobs.harvest(config, progress=False)
        art = store.Store(config.content_dir).articles()[0]
        path = config.content_dir / art.path
        text = path.read_text(encoding="utf-8").replace("status: published",
                                                        "status: published\nlockd: true\ntitel: x")
        text = text.replace("Nội dung bài một", "Biên tập viên đã sửa bài một")
        path.write_text(text, encoding="utf-8")
        problems, notes = jobs.check(root)
        shown = f"content/{art.path.as_posix()}"
        assert any(shown in p and "lockd" in p and "locked" in p for p in problems), problems
        assert any(shown in n and "titel" in n and "did you mean title" in n for n in notes), notes
        _serve_feed(srv, "/feed.rss", [(url, "Bài một (sửa)", "Nội dung mới từ nguồn.")])
        result = _cds(root, "harvest")
        assert result.returncode == 1
        assert shown in result.stderr and "lockd" in result.stderr
        assert path.read_text(encoding="utf-8") == text
        check = _cds(root, "check")
        assert check.returncode == 2 and "lockd" in check.stderr
