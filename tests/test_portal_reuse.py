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
