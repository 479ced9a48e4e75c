"""The theme folders MkDocs lists on every build, seen through a view without their hidden
folders (``plugin.theme_views``): the same static files, the same templates, far fewer names
listed. Real MkDocs and Material; a dirty build through the view of ``site_src/`` is compared
with a clean build in tests/test_build_left_out.py."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.config import load_config
from mkdocs.structure.files import Files

from pipeline.site.build.plugin import theme_views
from tests.test_build_left_out import build
from tests.test_site import make_articles, make_root


def _theme_files(cfg) -> list[tuple[str, bytes]]:
    files = Files([])
    files.add_files_from_theme(cfg.theme.get_env(), cfg)
    return [(f.src_uri, Path(f.abs_src_path).read_bytes()) for f in files]


def test_a_view_lists_the_same_theme_files_and_loads_the_same_templates(tmp_path: Path):
    root = make_root(tmp_path / "root")
    build(root, make_articles(3))
    extra = tmp_path / "theme"                        # a theme folder with every odd case
    (extra / ".hidden" / "deep").mkdir(parents=True)
    (extra / ".hidden" / "deep" / "x.svg").write_text("<svg/>", encoding="utf-8")
    (extra / "assets" / ".cache").mkdir(parents=True)
    (extra / "assets" / ".cache" / "y.css").write_text("a{}", encoding="utf-8")
    (extra / "assets" / "extra.css").write_text("b{}", encoding="utf-8")
    (extra / "partials").mkdir()
    (extra / "partials" / "x.html").write_text("{% include '.hidden/deep/x.svg' %}",
                                               encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "z.js").write_text("1", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere", extra / "linked")       # not walked by Jinja either
    cfg = load_config(config_file=str(root / "mkdocs.yml"))
    cfg.theme.dirs.insert(1, str(extra))
    plain = cfg.theme.get_env()
    before, names = _theme_files(cfg), plain.list_templates()
    dirs = list(cfg.theme.dirs)
    theme_views(cfg.theme.dirs, tmp_path / "views")
    assert cfg.theme.dirs != dirs and len(cfg.theme.dirs) == len(dirs)
    viewed = cfg.theme.get_env()
    assert _theme_files(cfg) == before
    assert set(viewed.list_templates()) == {n for n in names if not n.startswith(".")
                                             and "/." not in n}
    assert len(viewed.list_templates()) < len(names) // 10      # Material's .icons not walked
    for name in ("main.html", "partials/x.html", ".icons/material/magnify.svg", "linked/z.js",
                 "404.html"):
        assert viewed.loader.get_source(viewed, name)[0] == plain.loader.get_source(plain, name)[0]
    assert viewed.get_template("partials/x.html").render() == "<svg/>"
    # made again on every build: a file the theme gains is seen
    (extra / "assets" / "new.css").write_text("c{}", encoding="utf-8")
    cfg.theme.dirs[:] = dirs
    theme_views(cfg.theme.dirs, tmp_path / "views")
    assert ("assets/new.css", b"c{}") in _theme_files(cfg)
