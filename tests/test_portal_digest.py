"""The portal's "nothing changed" digest is taken over the article fields the portal reads
(``portal.USED_FIELDS``), not over the whole article (issue 18: hashing every body cost a
build with one new article ~0.1 s at 5,000 articles). Leaving a field out is right only if no
portal file depends on it: each other field is changed here and every file compared."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.core.models import Article
from pipeline.site import portal
from tests.test_feeds_out import NAMES, make_article, make_config
from tests.test_portal_reuse import tree

UNUSED = {
    "harvested": lambda a: a.harvested - timedelta(days=3),
    "body": lambda a: a.body + "\n\nMột đoạn nữa.",
    "author": lambda a: "Tác giả khác",
    "pillars": lambda a: ["kinh-te-so"],
    "tags": lambda a: ["mot-the"],
    "also_at": lambda a: ["https://b.example.vn/tin.html"],
    "featured": lambda a: not a.featured,
    "date_estimated": lambda a: not a.date_estimated,
    "themes_locked": lambda a: not a.themes_locked,
    "locked": lambda a: not a.locked,
    "extra": lambda a: {"ghi_chu": "x"},
}


def test_every_field_is_either_in_the_digest_or_changes_no_file():
    names = {f.name for f in dataclasses.fields(Article)}
    assert names == set(portal.USED_FIELDS) | set(UNUSED)    # a new field must be sorted here


@pytest.mark.parametrize("name", sorted(UNUSED))
def test_a_field_left_out_of_the_digest_changes_no_portal_file(tmp_path: Path, name: str):
    config = make_config(tmp_path)
    arts = [make_article(i) for i in range(6)]
    changed = [dataclasses.replace(a, **{name: UNUSED[name](a)}) for a in arts]
    portal.write_portal(config, arts, tmp_path / "a", theme_names=NAMES)
    portal.write_portal(config, changed, tmp_path / "b", theme_names=NAMES)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    state = tmp_path / "portal.json"                    # and the digest does not see it
    portal.write_portal(config, arts, tmp_path / "c", theme_names=NAMES, state_file=state)
    assert portal.write_portal(config, changed, tmp_path / "c", theme_names=NAMES,
                               state_file=state).skipped


@pytest.mark.parametrize("name", [n for n in portal.USED_FIELDS if n != "id"])
def test_a_field_in_the_digest_makes_the_files_again(tmp_path: Path, name: str):
    config = make_config(tmp_path)
    arts = [make_article(i) for i in range(6)]
    new = {"title": "Tiêu đề mới", "url": "https://a.example.vn/khac.html", "source": "bao-b",
           "published": arts[2].published - timedelta(days=1),
           "updated": arts[2].published + timedelta(days=1), "summary": "Tóm tắt mới",
           "image": "https://a.example.vn/anh-moi.png", "themes": ["trach-nhiem"],
           "doc_refs": ["96/KH-UBND"], "status": "pending",
           "path": Path("articles/2024/03/ten-khac.md")}[name]
    changed = [*arts[:2], dataclasses.replace(arts[2], **{name: new}), *arts[3:]]
    state = tmp_path / "portal.json"
    portal.write_portal(config, arts, tmp_path / "site", theme_names=NAMES, state_file=state)
    assert not portal.write_portal(config, changed, tmp_path / "site", theme_names=NAMES,
                                   state_file=state).skipped
