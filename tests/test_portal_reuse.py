"""The portal files are not made again when none of their inputs changed (issue 18: a build with
nothing new), and are made again, with the bytes a first build gives, when one did."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from pipeline.site import portal
from tests.test_feeds_out import NAMES, make_article, make_config


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file()}


def test_same_inputs_skip_and_any_change_makes_the_files_again(tmp_path: Path):
    config = make_config(tmp_path)
    state = tmp_path / ".cds" / "portal.json"
    site = tmp_path / "site"
    arts = [make_article(i) for i in range(5)]

    first = portal.write_portal(config, arts, site, theme_names=NAMES, state_file=state)
    assert not first.skipped and first.written == len(first.files)
    again = portal.write_portal(config, arts, site, theme_names=NAMES, state_file=state)
    assert again.skipped and again.files == first.files and again.written == 0

    changed = [*arts[:-1], dataclasses.replace(arts[-1], title="Tiêu đề đã sửa")]
    third = portal.write_portal(config, changed, site, theme_names=NAMES, state_file=state)
    assert not third.skipped and third.written > 0
    cold = tmp_path / "cold"
    portal.write_portal(config, changed, cold, theme_names=NAMES)
    assert tree(site) == tree(cold)                     # the same bytes as a build from nothing

    (site / third.files[0]).unlink()                    # a file gone: made again
    fourth = portal.write_portal(config, changed, site, theme_names=NAMES, state_file=state)
    assert not fourth.skipped and tree(site) == tree(cold)

    full = portal.write_portal(config, changed, site, theme_names=NAMES, state_file=state,
                               reuse=False)             # a full build never skips
    assert not full.skipped and full.written == 0

    moved = [*changed[:-1], dataclasses.replace(changed[-1],
                                                published=changed[-1].published - timedelta(days=40))]
    assert not portal.write_portal(config, moved, site, theme_names=NAMES,
                                   state_file=state).skipped      # a date is an input too

    state.write_text("{not json", encoding="utf-8")     # a broken record: made again
    assert not portal.write_portal(config, changed, site, theme_names=NAMES,
                                   state_file=state).skipped


def test_a_build_after_a_new_a_changed_and_a_deleted_article_equals_one_from_nothing(
        tmp_path: Path, monkeypatch):
    """The memo (each article's encoded API record under its key, each file's key: in the
    state file) makes only what one new, one changed and one deleted article change, and the
    files are those a build from nothing writes; the memo of other code or configuration, or a
    broken one, is not used."""
    from pipeline.site.portal import api

    config = make_config(tmp_path)
    state = tmp_path / ".cds" / "portal.json"
    site = tmp_path / "site"
    arts = [make_article(i) for i in range(2 * api.PER_PAGE + 9)]    # 3 pages, several months
    portal.write_portal(config, arts, site, theme_names=NAMES, state_file=state)
    made = []
    record = api._record
    monkeypatch.setattr(api, "_record", lambda ctx, art: made.append(art.id) or record(ctx, art))

    new = make_article(len(arts))                                   # the newest
    changed = dataclasses.replace(arts[40], title="Tiêu đề đã sửa", summary="Tóm tắt mới")
    now = [*arts[:40], changed, *arts[41:70], *arts[71:], new]      # arts[70] deleted
    res = portal.write_portal(config, now, site, theme_names=NAMES, state_file=state)
    assert sorted(made) == sorted([new.id, changed.id])             # the others' records kept
    assert not res.skipped and res.unchanged > 0 and res.written > 0
    cold = tmp_path / "cold"
    portal.write_portal(config, now, cold, theme_names=NAMES)
    assert tree(site) == tree(cold)

    made.clear()                                                    # another site title: all again
    other = dataclasses.replace(config, site=dataclasses.replace(config.site, title="Tên khác"))
    portal.write_portal(other, now, site, theme_names=NAMES, state_file=state)
    assert len(made) == len(now)
    portal.write_portal(other, now, cold, theme_names=NAMES)
    assert tree(site) == tree(cold)

    records = portal.records_file(state)                           # a record tampered with
    lines = records.read_text(encoding="utf-8").splitlines()
    key, aid, _ = lines[-1].split("\t", 2)                         # the oldest: not changed below
    records.write_text("\n".join([*lines[:-1], f"{key}\t{aid}\t{{\"id\":\"sai\"}}"]) + "\n",
                       encoding="utf-8")
    moved = [*now[:-1], dataclasses.replace(now[-1], title="Lại sửa")]
    portal.write_portal(other, moved, site, theme_names=NAMES, state_file=state)
    portal.write_portal(other, moved, cold, theme_names=NAMES)
    assert tree(site) != tree(cold)          # the key is trusted: a record is never re-checked
    portal.write_portal(other, moved, site, theme_names=NAMES, state_file=state, reuse=False)
    assert tree(site) == tree(cold)          # a full build (reuse=False) uses no memo
