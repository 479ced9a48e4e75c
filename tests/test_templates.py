"""The site's pages come from templates a root may override (templates/ in the root)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.core.errors import ConfigError
from pipeline.core.markup import shift_headings
from pipeline.jobs import init_root
from pipeline.site import publish
from pipeline.site.pages import templates
from pipeline.site.pages.register import register_pages
from pipeline.store.register import Doc
from tests.test_publish import make_article, make_config

PACKAGE_SITE = templates.PACKAGE_TEMPLATES / "site"


def override(root: Path, name: str, text: str) -> Path:
    path = root / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_root_template_replaces_the_package_one_and_the_cache_sees_it(tmp_path: Path):
    root = tmp_path / "root"
    config = make_config(root)
    arts = [make_article(i) for i in range(5)]
    publish.publish(config, arts)
    page = root / "site_src/tin-tuc/2021/06/bai-1/index.md"
    assert "Sở Thông tin" not in page.read_text(encoding="utf-8")

    # the province's footer line on every article: its own copy of article.html
    text = (PACKAGE_SITE / "article.html").read_text(encoding="utf-8")
    override(root, "site/article.html", text + '\n<p class="tinh">Sở Thông tin &amp; Truyền thông tỉnh Thử</p>\n')
    logo = root / "templates/overrides/assets/images/logo.svg"
    logo.parent.mkdir(parents=True)
    logo.write_text("<svg/>", encoding="utf-8")
    again = publish.publish(config, arts)
    assert again.written >= 5                         # the cached article pages are made again
    assert '<p class="tinh">Sở Thông tin &amp; Truyền thông tỉnh Thử</p>' in page.read_text(encoding="utf-8")
    assert "tinh" not in (root / "site_src/index.md").read_text(encoding="utf-8")   # only articles
    assert (root / "site_src/.overrides/assets/images/logo.svg").read_text() == "<svg/>"
    assert (root / "site_src/.overrides/main.html").is_file()     # the package's, still there

    # a root override of a theme file wins over the package's
    override(root, "overrides/404.html", "{% extends 'main.html' %}")
    publish.publish(config, arts)
    assert (root / "site_src/.overrides/404.html").read_text() == "{% extends 'main.html' %}"

    # removing the override brings the package's page back (the cache sees that too)
    shutil.rmtree(root / "templates")
    publish.publish(config, arts)
    assert "tinh" not in page.read_text(encoding="utf-8")
    assert "Không tìm thấy trang" in (root / "site_src/.overrides/404.html").read_text()


def test_fingerprint_follows_every_root_template(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    base = templates.fingerprint(root)
    path = override(root, "site/macros.html", "x")
    first = templates.fingerprint(root)
    path.write_text("y", encoding="utf-8")
    assert len({base, first, templates.fingerprint(root)}) == 3


def test_a_broken_root_template_is_one_line_naming_the_file(tmp_path: Path):
    root = tmp_path / "root"
    config = make_config(root)
    override(root, "site/listing.html", "<h1>{{ heading }}</h1>\n{% if first %}\n<p>x</p>\n")
    with pytest.raises(ConfigError) as err:
        publish.publish(config, [make_article(1)])
    assert str(err.value).startswith("templates/site/listing.html (the root's template): line 3: "
                                     "Unexpected end of template.")
    assert "\n" not in str(err.value)
    override(root, "site/listing.html", '{% from "site/nope.html" import x %}{{ x() }}')
    with pytest.raises(ConfigError, match=r"^templates/site/listing.html \(the root's template\): "
                                          r"includes site/nope.html, which cannot be found$"):
        publish.publish(config, [make_article(1)])
    override(root, "site/listing.html", "{{ no_such_name.x }}")
    with pytest.raises(ConfigError, match=r"^templates/site/listing.html .*: cannot be rendered: "
                                          r"'no_such_name' is undefined$"):
        publish.publish(config, [make_article(1)])


def test_the_command_line_shows_a_broken_override_as_one_line(tmp_path: Path, capsys):
    root = init_root(tmp_path / "root")
    override(root, "site/home.html", "{% for x in %}")
    code = main(["--root", str(root), "publish"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        "error: templates/site/home.html (the root's template): line 1: Expected an expression, "
        "got 'end of statement block'"]


def test_register_pages_use_the_root_templates(tmp_path: Path):
    root = tmp_path / "root"
    doc = Doc(number="749/QĐ-TTg", doc_type="Quyết định", issuer="Thủ tướng Chính phủ",
              issued=date(2020, 6, 3), title="Chương trình chuyển đổi số quốc gia", scope="central",
              slug="749-qd-ttg", body="Ghi chú\n=======\n\nNội dung.\n\nMục nhỏ\n-------\n")
    page = register_pages([doc], [], site_title="T")["van-ban/749-qd-ttg/index.md"]
    # the stricter heading rule of the site's pages: setext headings made ATX under the h2,
    # rendered (no ids: they could clash with the page's own)
    assert ('<h2 id="ghi-chu">Ghi chú</h2>\n\n<h3>Ghi chú</h3>\n<p>Nội dung.</p>\n<h4>Mục nhỏ</h4>'
            in page)
    text = (PACKAGE_SITE / "document.html").read_text(encoding="utf-8")
    override(root, "site/document.html", text.replace("Tin bài liên quan", "Tin bài của tỉnh"))
    page = register_pages([doc], [], site_title="T", root=root)["van-ban/749-qd-ttg/index.md"]
    assert "Tin bài của tỉnh" in page and "Tin bài liên quan" not in page


def test_shift_headings_is_the_one_rule_for_articles_and_notes():
    # ATX and setext alike, fenced code left alone, levels capped at 6
    md = "Tên\n===\n\n```\n# not a heading\n```\n\n###### sâu\n"
    assert shift_headings(md, top=3) == "### Tên\n\n```\n# not a heading\n```\n\n###### sâu\n"


PAGE_CODE = [Path(publish.__file__), *sorted((Path(publish.__file__).parent / "pages").glob("*.py")),
             Path(publish.__file__).parents[1] / "harvest" / "docharvest.py"]   # the home block was there


@pytest.mark.parametrize("path", PAGE_CODE, ids=lambda p: p.name)
def test_no_page_markup_or_escaping_left_in_python(path: Path):
    code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("ARTICLE_START = "))     # the build's marker
    assert not re.search(r"""["'][^"'\n]*<(li|ul|p|a|div|h[1-6]|section|nav|table|tr|td|span|time)[ >]""",
                         code), "markup belongs in templates/site/"
    assert code.count("esc(") <= (1 if path.name == "builder.py" else 0)   # meta_text only


def test_the_search_page_is_a_template_a_root_overrides(tmp_path: Path):
    from pipeline.site import search
    from pipeline.site.pages.builder import search_page
    assert search_page(None) == search.search_page_markdown()
    assert search_page(None).startswith("---\ntitle: Tìm kiếm\n") and 'id="cds-search"' in search_page(None)
    root = tmp_path / "root"
    text = (PACKAGE_SITE / "search.md").read_text(encoding="utf-8")
    override(root, "site/search.md", text.replace("Từ khóa", "Tìm gì?"))
    assert "Tìm gì?" in search_page(root) and "Từ khóa" not in search_page(root)


def test_the_cache_key_covers_every_page_module():
    pages = Path(templates.__file__).parent
    listed = set(templates._CODE_FILES)
    for path in pages.glob("*.py"):
        if path.name not in ("__init__.py", "tree.py"):      # tree.py writes files, makes none
            assert f"site/pages/{path.name}" in listed, f"{path.name}: add it to _CODE_FILES"
