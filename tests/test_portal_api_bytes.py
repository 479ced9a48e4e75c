"""The API's list files are encoded with each article's record encoded once per build and
spliced in: the bytes are those of encoding each whole file (``api.dump``), for every list
kind (articles, themes, sources, months), empty lists and text JSON must escape."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.site import portal
from pipeline.site.portal import api
from tests.test_feeds_out import NAMES, make_article, make_config


def reference(site: Path) -> dict[str, bytes]:
    """Every list file re-encoded whole from what it holds, as api.dump writes a dict."""
    out = {}
    for path in sorted((site / "api").rglob("*.json")):
        data = json.loads(path.read_bytes())
        out[path.relative_to(site).as_posix()] = api.dump(data)
    return out


def test_list_files_are_the_bytes_of_encoding_them_whole(tmp_path: Path):
    arts = [make_article(i) for i in range(api.PER_PAGE + 7)]
    arts[3] = make_article(3, title='Tiêu đề "trích" \\ </script> \u2028 và \U0001f600',
                           summary="Dòng 1\nDòng 2\t\x07")
    arts[4] = make_article(4, themes=[])
    site = tmp_path / "site"
    res = portal.write_portal(make_config(tmp_path), arts, site, theme_names=NAMES)
    pages = [rel for rel in res.files if rel.startswith("api/") and
             ("/trang-" in rel or rel.startswith("api/thang/2"))]
    assert any(r.startswith("api/bai-viet/trang-2") for r in pages)
    assert any(r.startswith("api/thang/2") for r in pages)
    assert any(r.startswith("api/nguon/") for r in pages)
    whole = reference(site)
    for rel in pages:
        assert (site / rel).read_bytes() == whole[rel], rel
    empty = portal.write_portal(make_config(tmp_path / "e"), [], tmp_path / "e" / "site",
                                theme_names=NAMES)
    first = tmp_path / "e" / "site" / "api" / "bai-viet" / "trang-1.json"
    assert "api/bai-viet/trang-1.json" in empty.files
    assert first.read_bytes() == api.dump(json.loads(first.read_bytes()))
    assert json.loads(first.read_bytes())["items"] == []
