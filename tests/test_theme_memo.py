"""The translations memo (pipeline/site/build/navmemo.py, Translations): Material's own `t`, asked
once a key and language, gives what Material's partials/language.html gives for every key its
templates use; a root's own language partials are honoured. Real MkDocs environments and Material
templates, no mocks; whole sites are compared with MkDocs' own build in tests/test_site.py."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import pytest
from mkdocs.config import load_config

from pipeline.site.build import navmemo
from tests.test_site import make_config, make_root, tricky_articles

PROBE = ('{% import "partials/language.html" as lang with context %}'
         "{% for key in keys %}{{ key }}={{ lang.t(key) }}|{{ lang.t(key) is string }}\n{% endfor %}")


def theme_env(root: Path, language: str, memo: bool):
    """The theme's Jinja environment as MkDocs makes it for ``root``, with the plugin's folder
    and globals when ``memo``; the probe template in a folder of its own at the end."""
    (root / "probe").mkdir(exist_ok=True)
    (root / "probe" / "probe.html").write_text(PROBE, encoding="utf-8")
    cfg = load_config(config_file=str(root / "mkdocs.yml"), theme={"name": "material",
                      "language": language, "custom_dir": str(root / "overrides")})
    if memo:
        navmemo.add_theme_folder(cfg)
    cfg.theme.dirs.append(str(root / "probe"))
    env = cfg.theme.get_env()
    installed = navmemo.install(env, []) if memo else None
    return env, cfg, installed


def material_keys() -> list[str]:
    folder = Path(jinja2.__file__).parents[1] / "material" / "templates"
    keys = set()
    for path in folder.rglob("*.html"):
        keys.update(re.findall(r"lang\.t\(\s*['\"]([^'\"]+)['\"]", path.read_text(encoding="utf-8")))
    return sorted(keys)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "site_src").mkdir()
    (tmp_path / "overrides").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: T\ndocs_dir: site_src\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("language", ["vi", "en", "de"])
def test_translations_are_materials_for_every_key(root: Path, language: str):
    keys = material_keys()
    assert len(keys) > 40 and "toc" in keys and "search.result.other" in keys
    keys = sorted({*keys, "no.such.key", "language", "direction"})   # unknown: the key itself
    outs = []
    for memo in (True, False):
        env, cfg, installed = theme_env(root, language, memo)
        probe = env.get_template("probe.html")
        # twice: the second page answers from the memo
        outs.append([probe.render(config=cfg, keys=keys) for _ in range(2)])
        if installed:
            assert installed.translations.misses == len(keys)
            assert installed.translations.hits == 3 * len(keys)      # two asks a key a page
    assert outs[0] == outs[1]
    assert "no.such.key=no.such.key|True" in outs[0][0]


def test_a_roots_own_language_files_are_honoured(root: Path):
    """An override of one language's strings (custom_dir) reaches the memo through Material's
    real partial; an override of partials/language.html itself comes before the plugin's
    folder, so the memo is never asked."""
    lang = root / "overrides" / "partials" / "languages"
    lang.mkdir(parents=True)
    material = Path(jinja2.__file__).parents[1] / "material" / "templates" / "partials"
    text = (material / "languages" / "vi.html").read_text(encoding="utf-8")
    (lang / "vi.html").write_text(text.replace('"toc": "Mục lục"', '"toc": "Trong trang này"'),
                                  encoding="utf-8")
    env, cfg, installed = theme_env(root, "vi", True)
    out = env.get_template("probe.html").render(config=cfg, keys=["toc", "search"])
    assert "toc=Trong trang này|True" in out and installed.translations.misses == 2

    (root / "overrides" / "partials" / "language.html").write_text(
        '{% macro t(key) %}[{{ key }}]{% endmacro %}', encoding="utf-8")
    env, cfg, installed = theme_env(root, "vi", True)
    out = env.get_template("probe.html").render(config=cfg, keys=["toc"])
    assert "toc=[toc]" in out
    assert installed.translations.misses == 0 and installed.translations.hits == 0


def test_a_site_with_a_language_override_is_what_mkdocs_builds(tmp_path: Path):
    """Whole sites, both drivers, with a root's own Vietnamese strings: byte for byte the same."""
    from pipeline import jobs
    from pipeline.site import sitebuild
    from tests.test_site import differences

    outs = []
    for driver in ("cds", "mkdocs"):
        site_root = make_root(tmp_path / driver)
        config = make_config(site_root)
        arts = tricky_articles()
        jobs.publish_site(config, arts)
        lang = site_root / "site_src/.overrides/partials/languages"
        lang.mkdir(parents=True)
        material = Path(jinja2.__file__).parents[1] / "material" / "templates" / "partials"
        text = (material / "languages" / "vi.html").read_text(encoding="utf-8")
        (lang / "vi.html").write_text(text.replace('"toc": "Mục lục"', '"toc": "Trong bài"'),
                                      encoding="utf-8")
        sitebuild.build_site(site_root, config=config, articles=arts, driver=driver)
        outs.append(site_root / "site")
    assert differences(*outs) == []
    pages = [p.read_text(encoding="utf-8") for p in outs[0].rglob("index.html")]
    assert any("Trong bài" in p for p in pages)
    shutil.rmtree(tmp_path, ignore_errors=True)
