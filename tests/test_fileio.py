"""The one atomic writer: whole files only, readable by a web server, no temporary file left."""

from __future__ import annotations

import os
import stat

import pytest

from pipeline.core.fileio import write_atomic


@pytest.mark.parametrize("durable", [False, True])
def test_write_replaces_whole_file_world_readable(tmp_path, durable):
    target = tmp_path / "a" / "rss.xml"
    write_atomic(target, "<rss>Chuyển đổi số</rss>", durable=durable)
    write_atomic(target, b"<rss>2</rss>", durable=durable)
    assert target.read_bytes() == b"<rss>2</rss>"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644      # mkstemp alone would leave 0600
    assert [p.name for p in target.parent.iterdir()] == ["rss.xml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "x.md"
    write_atomic(target, "cũ")

    with pytest.raises(TypeError):
        write_atomic(target, 123)                              # not bytes nor text
    assert target.read_text(encoding="utf-8") == "cũ"
    assert [p.name for p in tmp_path.iterdir()] == ["x.md"]


def test_write_if_changed_leaves_equal_bytes_and_their_time_alone(tmp_path):
    from pipeline.core.fileio import write_if_changed

    path = tmp_path / "a" / "feed.xml"
    assert write_if_changed(path, b"<rss/>") is True
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert write_if_changed(path, b"<rss/>") is False
    assert path.stat().st_mtime_ns == 1_000_000_000            # not touched
    assert write_if_changed(path, b"<rss>1</rss>") is True and path.read_bytes() == b"<rss>1</rss>"
