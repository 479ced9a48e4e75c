"""The built site, with real MkDocs + Material, from 45 articles in a temporary root using the
Thái Bình mkdocs.yml and pages: every article page exists, every internal link and image
resolves, no stylesheet, script or font from another host, lang="vi", one h1 an article,
a Vietnamese 404, sitemap.xml, feeds announced in <head>, hostile content inert, articles out of
the nav, and an incremental build that leaves exactly what a clean build leaves.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html
from mkdocs.config import load_config
from mkdocs.utils import meta as mkdocs_meta

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.errors import ConfigError
from pipeline.core.models import Article, Config, Defaults, Site, Source
from pipeline.site import publish, sitebuild
from pipeline.store import articles as store
from tests import sitemaps
from tests.corpora import feedparser_corpus

REPO = Path(__file__).resolve().parent.parent
ICT = timezone(timedelta(hours=7))
SITE_URL = "https://example.gov.vn/"
HOSTILE_TITLE = 'Tin "đặc biệt" </title><script>alert(1)</script> [x](javascript:alert(2)) {{ y }} | *z*'
HOSTILE_BODY = ("Đoạn mở đầu.\n\n<script>alert(3)</script>\n\n[bấm vào](javascript:alert(4))\n\n"
                "<img src=x onerror=alert(5)>\n\nĐoạn cuối\n{: onclick=\"alert(6)\" }\n")
THEMES = ["nhan-thuc", "trach-nhiem", "van-ban", "dien-hinh"]
SITE_SCRIPTS = ("assets/van-ban-filter.js",)     # the site's own scripts (mkdocs.yml)
SEARCH_PAGE = "tim-kiem/index.html"              # pipeline.site.search's page (a form and a script)


def make_config(root: Path) -> Config:
    return Config(root=root, site=Site(title="Chuyển đổi số Thái Bình", url=SITE_URL),
                  defaults=Defaults(),
                  sources=(Source(id="bao-thai-binh", name="Báo Thái Bình", kind="feed",
                                  url="https://baothaibinh.example.vn/rss"),
                           Source(id="so-tttt", name="Sở TT&TT", kind="html",
                                  url="https://stttt.example.vn/cds")))


def make_articles(n: int = 45) -> list[Article]:
    out = []
    for i in range(n):
        published = datetime(2023, 8, 1, 7, 30, tzinfo=ICT) + timedelta(days=2 * i, minutes=i)
        out.append(Article(
            id=f"{i:016x}", title=HOSTILE_TITLE if i == 7 else f"Xã số {i} chuyển đổi số toàn diện",
            url=f"https://baothaibinh.example.vn/tin/{i}.html",
            source="bao-thai-binh" if i % 3 else "so-tttt", published=published, harvested=published,
            body=HOSTILE_BODY if i == 7 else
            (f"Người dân xã {i} dùng dịch vụ công trực tuyến.\n\n## Kết quả\n\nTỷ lệ hồ sơ trực tuyến "
             f"đạt {40 + i}%.\n\n![Cán bộ hướng dẫn người dân](https://baothaibinh.example.vn/anh/{i}.jpg)\n\n"
             f"Xem [văn bản](https://vanban.example.vn/{i})."),
            summary=f"Xã số {i} đẩy mạnh chuyển đổi số.",
            image=f"https://baothaibinh.example.vn/anh/dai-dien-{i}.jpg" if i % 4 == 0 else "",
            themes=[THEMES[i % 4]] + (["dien-hinh"] if i % 5 == 0 and i % 4 != 3 else []),
            pillars=["chinh-quyen-so", "xa-hoi-so"][: 1 + i % 2],
            doc_refs=["749/QĐ-TTg"] if i % 6 == 0 else [],
            also_at=[f"https://cong.example.vn/bai/{i}"] if i % 7 == 0 else [],
            featured=i % 10 == 0,
            path=Path(f"articles/{published:%Y}/{published:%m}/xa-so-{i}.md")))
    return out


def make_root(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", folder / "mkdocs.yml")
    shutil.copytree(REPO / "content" / "pages", folder / "content" / "pages")
    return folder


def build(root: Path, articles: list[Article]) -> sitebuild.BuildResult:
    config = make_config(root)
    jobs.publish_site(config, articles)
    return sitebuild.build_site(root, config=config, articles=articles)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[Article], sitebuild.BuildResult]:
    root = make_root(tmp_path_factory.mktemp("site") / "root")
    articles = make_articles()
    result = build(root, articles)
    return root, articles, result


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def parse(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_bytes())


def page_url(site: Path, path: Path) -> str:
    rel = path.relative_to(site).as_posix()
    return urljoin(SITE_URL, rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def target_file(site: Path, url: str) -> Path | None:
    """The file in site/ that an address on the site names (None for another host)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(SITE_URL).netloc:
        return None
    rel = parts.path.lstrip("/")
    path = site / rel
    return path / "index.html" if rel == "" or rel.endswith("/") or path.is_dir() else path


def test_build_result(built):
    root, articles, result = built
    assert result.full and result.pages >= len(articles) + 15
    assert result.rendered == result.pages and result.warnings == []
    assert result.feeds is not None and "rss.xml" in result.feeds.files


def test_every_article_page_exists(built):
    root, articles, _ = built
    assert (root / "site/tru-cot/chinh-quyen-so/trang-1/index.html").is_file()   # an archive page
    for art in articles:
        page = root / "site" / "tin-tuc" / art.path.parent.relative_to("articles") / art.path.stem / "index.html"
        assert page.is_file(), page


def test_every_internal_link_and_image_resolves(built):
    root, _, _ = built
    site = root / "site"
    broken = []
    for path in pages(site):
        doc = parse(path)
        base = "/" if path.name == "404.html" and path.parent == site else page_url(site, path)
        for el, attr in [(el, a) for a in ("href", "src") for el in doc.xpath(f"//*[@{a}]")]:
            ref = el.get(attr).strip()
            if not ref or ref.startswith(("#", "mailto:", "tel:", "data:")):
                continue
            url = urljoin(urljoin(SITE_URL, base), ref)
            target = target_file(site, url)
            if target is not None and not target.is_file():
                broken.append(f"{path.relative_to(site)}: {el.tag} {attr}={ref}")
    assert broken == [], broken[:20]


def test_no_stylesheet_script_or_font_from_another_host(built):
    root, _, _ = built
    site = root / "site"
    offenders = []
    for path in pages(site):
        doc = parse(path)
        for el in doc.xpath("//script[@src] | //link[@href] | //iframe[@src] | //object | //embed"):
            ref = el.get("src") or el.get("href") or el.get("data") or ""
            rel = (el.get("rel") or "").lower()
            if el.tag == "link" and ("alternate" in rel or "canonical" in rel):
                continue                              # announced, not loaded
            if urlsplit(urljoin(SITE_URL, ref)).netloc not in ("", urlsplit(SITE_URL).netloc):
                offenders.append(f"{path.relative_to(site)}: <{el.tag} {ref}>")
        for style in doc.xpath("//style/text() | //@style"):
            if "http" in style or "@import" in style:
                offenders.append(f"{path.relative_to(site)}: style {style[:80]}")
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        if "url(http" in text or "@import" in text or "fonts.googleapis" in text:
            offenders.append(str(css.relative_to(site)))
    assert offenders == []
    assert "fonts.g" not in (site / "index.html").read_text(encoding="utf-8")


def test_lang_vi_headings_and_escaped_titles(built):
    root, articles, _ = built
    site = root / "site"
    for path in pages(site):
        assert parse(path).get("lang") == "vi", path
    for art in articles:
        page = site / "tin-tuc" / art.path.parent.relative_to("articles") / art.path.stem / "index.html"
        doc = parse(page)
        assert len(doc.xpath("//article//h1")) == 1, page
        assert doc.xpath("//article//h1")[0].text_content() == art.title
        assert doc.findtext(".//title") == f"{art.title} - Chuyển đổi số Thái Bình"


def test_article_markup_for_the_search_index(built):
    root, articles, _ = built
    art = articles[5]
    doc = parse(root / "site/tin-tuc/2023/08/xa-so-5/index.html")
    body = doc.xpath("//div[@data-pagefind-body]")
    assert len(body) == 1 and body[0].get("markdown") is None
    assert body[0].xpath("./h1")[0].text_content() == art.title
    assert body[0].xpath(".//h2/text()") == ["Kết quả"]                  # the Markdown body
    assert body[0].xpath(".//time/@data-pagefind-meta") == ["date:2023-08-11"]
    assert body[0].xpath(".//time/@data-pagefind-filter") == ["nam:2023"]
    assert body[0].xpath(".//a[@data-pagefind-filter='nguon']/text()") == ["Báo Thái Bình"]
    assert len(body[0].xpath(".//a[@data-pagefind-filter='chude']")) == len(art.themes)
    assert not body[0].xpath(".//*[contains(@class, 'cds-related') or contains(@class, 'cds-crumbs')]")
    assert doc.xpath("//section[contains(@class, 'cds-related')]/@data-pagefind-ignore") == ["all"]
    listing = (root / "site/chu-de/nhan-thuc/index.html").read_text(encoding="utf-8")
    assert "data-pagefind-body" not in listing                            # only articles are indexed


def test_hostile_content_is_inert(built):
    root, _, _ = built
    site = root / "site"
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        doc = html.fromstring(text)
        for script in doc.xpath("//script"):
            assert "alert(" not in (script.text or ""), path
        assert not doc.xpath("//*[starts-with(normalize-space(@href), 'javascript:')]"), path
        inline = [(el.tag, a) for el in doc.xpath("//article//*") for a in el.attrib if a.startswith("on")]
        assert inline == [], (path, inline)
    hostile = parse(site / "tin-tuc/2023/08/xa-so-7/index.html")
    assert "[bấm vào]" in hostile.text_content() or "bấm vào" in hostile.text_content()


def test_vietnamese_404(built):
    root, _, _ = built
    doc = parse(root / "site/404.html")
    assert doc.get("lang") == "vi"
    assert "Không tìm thấy trang" in doc.text_content()
    assert doc.xpath("//a[normalize-space()='Về trang chủ']/@href") == ["/"]


def test_sitemap(built):
    root, articles, _ = built
    locs = dict(sitemaps.urls(root / "site"))
    art = articles[3]
    url = f"{SITE_URL}tin-tuc/{art.published:%Y/%m}/xa-so-3/"
    assert locs[url] == art.published.strftime("%Y-%m-%d")                # the article's own date
    assert SITE_URL in locs and f"{SITE_URL}chu-de/nhan-thuc/" in locs
    assert (root / "site/sitemap.xml.gz").is_file()


def test_feeds_announced_in_head_and_valid(built):
    root, _, _ = built
    site = root / "site"

    def alternates(path: Path) -> set[str]:
        doc = parse(path)
        return {urljoin(page_url(site, path), href)
                for href in doc.xpath("//head/link[contains(concat(' ', @rel, ' '), ' alternate ')]/@href")}

    home = alternates(site / "index.html")
    assert {f"{SITE_URL}rss.xml", f"{SITE_URL}atom.xml"} <= home
    theme = alternates(site / "chu-de/van-ban/index.html")
    assert {f"{SITE_URL}chu-de/van-ban/rss.xml", f"{SITE_URL}chu-de/van-ban/atom.xml", f"{SITE_URL}rss.xml"} <= theme
    source = alternates(site / "nguon/so-tttt/index.html")
    assert f"{SITE_URL}nguon/so-tttt/atom.xml" in source
    assert f"{SITE_URL}feed.json" in home and f"{SITE_URL}nguon/so-tttt/feed.json" in source
    for url in home | theme | source:
        if url.endswith("feed.json"):                   # JSON Feed: tests/test_jsonfeed.py
            from pipeline.site import jsonfeed
            data = json.loads(target_file(site, url).read_bytes())
            assert jsonfeed.problems(data) == [] and data["items"], url
            continue
        parsed = feedparser.parse(target_file(site, url).read_bytes())
        assert parsed.bozo == 0 and parsed.entries, url


def test_articles_stay_out_of_the_nav(built):
    root, _, _ = built
    doc = parse(root / "site/tin-tuc/2023/08/xa-so-1/index.html")
    nav_links = doc.xpath("//nav[contains(@class, 'md-tabs')]//a/@href | //nav[contains(@class, 'md-nav--primary')]//a/@href")
    assert 0 < len(nav_links) <= 20
    assert not [h for h in nav_links if "tin-tuc" in h]
    labels = [t.strip() for t in doc.xpath("//nav[contains(@class, 'md-tabs')]//a/text()") if t.strip()]
    assert labels[:3] == ["Trang chủ", "Chủ đề", "Câu chuyện thành công"]


def test_incremental_build_leaves_what_a_clean_build_leaves(built, tmp_path: Path):
    root, articles, _ = built
    work = tmp_path / "work"
    shutil.copytree(root, work)
    more = make_articles(48)
    changed = [a for a in more if a.id != articles[12].id]                # one removed
    changed[0].title = "Tiêu đề đã sửa"                                   # one edited, three new
    incremental = build(work, changed)
    assert not incremental.full
    assert 0 < incremental.rendered < incremental.pages
    assert incremental.removed >= 1
    assert not (work / "site/tin-tuc/2023/08" / "xa-so-12").exists() and \
        not (work / "site/tin-tuc/2023/09/xa-so-12").exists()

    clean = make_root(tmp_path / "clean")
    assert build(clean, changed).full

    def tree(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    a, b = tree(work / "site"), tree(clean / "site")
    assert sorted(set(a) ^ set(b)) == []
    assert [k for k in a if a[k] != b[k]] == []

    again = build(work, changed)                                         # nothing changed
    assert not again.full and again.rendered == 0 and again.removed == 0

    # A change is seen by its bytes, not its modification time.
    page = work / "site_src/gioi-thieu.md"
    old = page.stat()
    page.write_text(page.read_text(encoding="utf-8").replace("Chuyên trang", "Trang"), encoding="utf-8")
    os.utime(page, ns=(old.st_atime_ns, old.st_mtime_ns - 10**12))
    edited = sitebuild.build_site(work, config=make_config(work), articles=changed)
    assert not edited.full and edited.rendered == 1
    assert "Trang Chuyển đổi số" in (work / "site/gioi-thieu/index.html").read_text(encoding="utf-8")

    # A navigation page's front matter reaches every page (Material's nav reads it): full build.
    page.write_text(page.read_text(encoding="utf-8").replace("title: Giới thiệu", "title: Về trang"),
                    encoding="utf-8")
    retitled = sitebuild.build_site(work, config=make_config(work), articles=changed)
    assert retitled.full and retitled.rendered == retitled.pages


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def differences(a: Path, b: Path) -> list[str]:
    ta, tb = tree(a), tree(b)
    return sorted(set(ta) ^ set(tb)) + sorted(k for k in set(ta) & set(tb) if ta[k] != tb[k])


def assert_equals_cold_build(root: Path, config, cold: Path) -> None:
    """``root``'s ``site/`` and ``site_src/`` are what a cold build of a copy of it gives (the
    copy keeps of ``.cds/`` only what decides the content: its history and last-good copies)."""
    shutil.copytree(root, cold, ignore=lambda folder, names: [
        n for n in names if (Path(folder) == root and n in ("site", "site_src"))
        or (Path(folder) == root / ".cds" and n not in ("content-history.json", "last-good"))])
    _, reference = jobs.build(dataclasses.replace(config, root=cold), progress=False)
    assert reference.full
    assert differences(root / "site", cold / "site") == []
    assert differences(root / "site_src", cold / "site_src") == []


TRICKY = [
    "Chú thích[^1] và một chú thích nữa[^a].\n\n[^1]: Lời chú thích.\n[^a]: Chú thích *hai*.",
    "## Kết quả\n\nĐoạn.\n\n## Kết quả\n\nTrùng tiêu đề.\n\n### Kết quả\n\nLần ba.",
    "| Xã | Tỷ lệ |\n|:---|---:|\n| An | 40% |\n| Bình | 55% |\n\n!!! note \"Ghi chú\"\n    Nội dung ghi chú.",
    '<div markdown="1" id="khoi">\n**Đậm** trong khối\n</div>\n\nẢnh {: #anh .lon }\n\n<a name="moc"></a>',
    "[Liên kết trong trang](#ket-qua) và [tài liệu](../../../../gioi-thieu.md) và ![ảnh](anh.png)",
    "Chú thích[^1] lặp lại tên ở bài khác.\n\n[^1]: Khác.\n\n## Kết quả",
    # links MkDocs rewrites, leaves or warns about: another article with an anchor, a folder
    # (unrecognized), an absolute link, a query, an address that looks like e-mail, missing files
    "[Bài một](../xa-so-1/index.md#ket-qua), [bài hai](../xa-so-2/), [gốc](/gioi-thieu.md), "
    "[kế hoạch](../../../../ke-hoach.md?a=1&b=2#muc-tieu), [thư](ban@example.vn), "
    "![thiếu](khong-co.png) và [thiếu nữa](../khong-co/index.md)\n\n"
    "## Mục [một](../xa-so-3/index.md)\n\n[định nghĩa]: ../xa-so-4/index.md\n\nXem [định nghĩa].",
    # raw HTML: its links are not MkDocs' to rewrite, the Markdown ones beside them are
    '<a href="../../../../gioi-thieu.md">thô</a> và [Markdown](../../../../gioi-thieu.md)\n\n'
    '<p>Khối <a href="../xa-so-1/index.md">thô</a></p>\n\n[thiếu](../khong-co.md)',
]


def tricky_articles() -> list[Article]:
    arts = make_articles(12)
    for i, body in enumerate(TRICKY):
        arts[i].body = body
    return arts


@pytest.fixture(scope="module")
def drivers(tmp_path_factory) -> tuple[Path, Path]:
    """The same store built by the cds driver and by MkDocs' own build."""
    base = tmp_path_factory.mktemp("drivers")
    arts = tricky_articles()
    roots = []
    for driver in ("cds", "mkdocs"):
        root = make_root(base / driver)
        config = make_config(root)
        jobs.publish_site(config, arts, markdown_bodies=driver == "mkdocs")   # the reference form
        result = sitebuild.build_site(root, config=config, articles=arts, driver=driver)
        assert result.driver == driver and result.full and result.rendered == result.pages
        roots.append(root)
    return roots[0], roots[1]


def test_cds_driver_builds_what_mkdocs_builds(drivers, built, tmp_path: Path):
    cds, mkdocs = drivers
    assert differences(cds / "site", mkdocs / "site") == []
    root, articles, _ = built                              # the 45 articles, hostile ones too
    other = make_root(tmp_path / "mkdocs")
    config = make_config(other)
    jobs.publish_site(config, articles, markdown_bodies=True)
    sitebuild.build_site(other, config=config, articles=articles, driver="mkdocs")
    assert differences(root / "site", other / "site") == []


def _md_pages(site_src: Path) -> list[Path]:
    return [p for p in sorted(site_src.rglob("*.md"))
            if not any(part.startswith(".") for part in p.relative_to(site_src).parts)]


def test_publish_writes_html_not_markdown(drivers):
    """Every page of site_src/ is HTML (front matter cds_kind): article bodies and the
    Markdown pages (content/pages, the search page) rendered by publish; no body markers, no
    md_in_html block, no Markdown left."""
    cds, reference = drivers
    for path in _md_pages(cds / "site_src"):
        text = path.read_text(encoding="utf-8")
        body, meta = mkdocs_meta.get_data(text)
        assert meta.get("cds_kind") in ("html", "article"), path
        assert publish.BODY_START not in text and 'markdown="1"' not in text, path
    art = "site_src/tin-tuc/2023/08/xa-so-{}/index.md"
    pages = [(cds / art.format(i)).read_text(encoding="utf-8") for i in range(8)]
    assert '<h2 id="ket-qua_1">Kết quả</h2>' in pages[1] and "## Kết quả" not in pages[1]
    assert 'class="footnote"' in pages[0] and "[^1]" not in pages[0]
    assert "<table>" in pages[2] and "|:---|" not in pages[2]
    assert 'href="../xa-so-1/#ket-qua"' in pages[6] and "xa-so-1/index.md" not in pages[6]
    plan = (cds / "site_src/ke-hoach.md").read_text(encoding="utf-8")
    assert '<h2 id="muc-tieu">Mục tiêu</h2>' in plan and 'href="../chu-de/nhan-thuc/"' in plan
    # the reference form still holds Markdown (what MkDocs renders for the comparison)
    assert "## Kết quả" in (reference / art.format(1)).read_text(encoding="utf-8")


def test_toc_and_heading_ids_kept(drivers):
    """Material's table of contents comes from the toc tokens publish recorded: the same as
    MkDocs makes of the Markdown (the sites are compared byte for byte above), and there."""
    cds, _ = drivers
    meta = mkdocs_meta.get_data((cds / "site_src/tin-tuc/2023/08/xa-so-1/index.md").read_text(
        encoding="utf-8"))[1]
    assert [t["id"] for t in json.loads(meta["cds_toc"])] == ["ket-qua", "ket-qua_1"]
    doc = parse(cds / "site/tin-tuc/2023/08/xa-so-1/index.html")
    toc = doc.xpath("//nav[contains(@class, 'md-nav--secondary')]//a/@href")
    assert toc[:3] == ["#ket-qua", "#ket-qua_1", "#ket-qua_2"]
    plan = parse(cds / "site/ke-hoach/index.html")
    assert "#muc-tieu" in plan.xpath("//nav[contains(@class, 'md-nav--secondary')]//a/@href")


def test_plain_mkdocs_renders_the_html_pages(drivers, tmp_path: Path):
    """site_src/ as publish writes it, built by MkDocs with no cds plugin at all: the bodies
    are there as HTML, links already rewritten (no engine-specific step needed)."""
    from mkdocs.commands.build import build as mkdocs_build

    root = tmp_path / "plain"
    shutil.copytree(drivers[0], root, ignore=shutil.ignore_patterns("site", ".cds"))
    cfg = load_config(config_file=str(root / "mkdocs.yml"))
    assert "cds" not in cfg.plugins
    mkdocs_build(cfg)
    page = (root / "site/tin-tuc/2023/08/xa-so-6/index.html").read_text(encoding="utf-8")
    assert 'href="../xa-so-1/#ket-qua"' in page and 'href="../../../../ke-hoach/?a=1&amp;b=2#muc-tieu"' in page
    one = (root / "site/tin-tuc/2023/08/xa-so-1/index.html").read_text(encoding="utf-8")
    assert '<h2 id="ket-qua_1">Kết quả</h2>' in one and "## Kết quả" not in one
    table = (root / "site/tin-tuc/2023/08/xa-so-2/index.html").read_text(encoding="utf-8")
    assert "<table>" in table and '<div class="cds-article" data-pagefind-body>' in table
    assert '<h2 id="muc-tieu">Mục tiêu</h2>' in (root / "site/ke-hoach/index.html").read_text(
        encoding="utf-8")


def _article_warnings(lines: list[str]) -> list[str]:
    """MkDocs' link warnings about article pages; publish's name the article file first."""
    out = []
    for line in lines:
        if line.startswith("content/articles/"):
            line = line.split(": ", 1)[1]
        if line.startswith("Doc file 'tin-tuc/"):
            out.append(line)
    return sorted(out)


@pytest.mark.parametrize("directory_urls", [True, False])
def test_links_rewritten_and_warned_as_mkdocs_does(directory_urls: bool, tmp_path: Path):
    """publish rewrites the links of bodies as MkDocs' Markdown did, with use_directory_urls
    on and off, and warns (naming the article file) where MkDocs warned."""
    arts = tricky_articles()
    sites, warnings = [], []
    for form in ("html", "markdown"):
        root = make_root(tmp_path / form)
        if not directory_urls:
            cfg = root / "mkdocs.yml"
            cfg.write_text(cfg.read_text(encoding="utf-8").replace(
                "use_directory_urls: true", "use_directory_urls: false"), encoding="utf-8")
        config = make_config(root)
        pub = jobs.publish_site(config, arts, markdown_bodies=form == "markdown")
        result = sitebuild.build_site(root, config=config, articles=arts,
                                      driver="cds" if form == "html" else "mkdocs")
        sites.append(root / "site")
        warnings.append(_article_warnings(pub.warnings + result.warnings))
        if form == "html":
            assert _article_warnings(result.warnings) == []          # publish's, not the build's
            missing = [w for w in pub.warnings if "'../khong-co/index.md'" in w]
            assert len(missing) == 1 and missing[0].startswith(
                "content/articles/2023/08/xa-so-6.md: Doc file 'tin-tuc/2023/08/xa-so-6/index.md'")
    assert differences(*sites) == []
    assert warnings[0] == warnings[1] and len(warnings[0]) == 3
    page = (sites[0] / "tin-tuc/2023/08/xa-so-7/index.html").read_text(encoding="utf-8")
    assert '<a href="../../../../gioi-thieu.md">thô</a>' in page          # raw HTML: as written
    assert ('href="../../../../gioi-thieu/"' if directory_urls else
            'href="../../../../gioi-thieu.html"') in page


def test_theme_overrides_of_the_chrome_are_honoured(drivers, tmp_path: Path):
    """The cds driver renders Material's navigation once a page class; an override of those
    partials turns that off, and both drivers still agree."""
    outs = []
    for name, src in zip(("cds", "mkdocs"), drivers, strict=True):
        root = tmp_path / name
        shutil.copytree(src, root)
        partials = root / "site_src/.overrides/partials"
        partials.mkdir(parents=True)
        material = Path(load_config(config_file=str(root / "mkdocs.yml")).theme.dirs[1])
        tabs = (material / "partials/tabs.html").read_text(encoding="utf-8")
        (partials / "tabs.html").write_text(tabs.replace(
            '<div class="md-grid">', '<div class="md-grid" data-cds-test="{{ page.url }}">'),
            encoding="utf-8")
        result = sitebuild.build_site(root, config=make_config(root), articles=tricky_articles(),
                                      driver=name)
        assert result.full                                  # a changed override: a full build
        outs.append(root / "site")
    assert differences(*outs) == []
    page = (outs[0] / "tin-tuc/2023/08/xa-so-3/index.html").read_text(encoding="utf-8")
    assert 'data-cds-test="tin-tuc/2023/08/xa-so-3/"' in page


def test_mkdocs_yml_or_a_template_changed_means_a_full_build(drivers, tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(drivers[0], root)
    config, arts = make_config(root), tricky_articles()
    assert sitebuild.build_site(root, config=config, articles=arts).rendered == 0
    cfg = root / "mkdocs.yml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("primary: indigo", "primary: teal"),
                   encoding="utf-8")
    again = sitebuild.build_site(root, config=config, articles=arts)
    assert again.full and again.rendered == again.pages
    assert 'data-md-color-primary="teal"' in (root / "site/tin-tuc/2023/08/xa-so-1/index.html").read_text(
        encoding="utf-8")
    main = root / "site_src/.overrides/main.html"
    main.write_text(main.read_text(encoding="utf-8") + "\n{#- changed -#}\n", encoding="utf-8")
    assert sitebuild.build_site(root, config=config, articles=arts).full


def test_a_broken_build_state_means_a_full_build_with_the_same_output(drivers, tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(drivers[0], root)
    config, arts = make_config(root), tricky_articles()
    state = root / ".cds" / sitebuild.STATE_FILE
    for junk in ("{not json", "[]", '{"schema": 4, "fingerprint": 1, "files": 7}', ""):
        state.write_text(junk, encoding="utf-8")
        (root / ".cds" / sitebuild.RENDER_CACHE).write_text(junk, encoding="utf-8")
        result = sitebuild.build_site(root, config=config, articles=arts)
        assert result.full and result.rendered == result.pages
        assert differences(root / "site", drivers[1] / "site") == []
    # a state of another shape (an older cds, a hand edit) is not used either
    good = json.loads(state.read_text(encoding="utf-8"))
    for key, junk in (("files", {"index.md": "x"}), ("links", ["x"]), ("theme", [["a", "b", "c"]]),
                      ("dates", None)):
        state.write_text(json.dumps({**good, key: junk}), encoding="utf-8")
        result = sitebuild.build_site(root, config=config, articles=arts)
        assert result.full and differences(root / "site", drivers[1] / "site") == []
    # a page whose digest is not the recorded one is made again (a file is read again when its
    # size or time differs from the recorded ones; -1: a time too recent to be trusted)
    data = json.loads(state.read_text(encoding="utf-8"))
    data["files"]["index.md"][0] = "0" * 64
    data["files"]["index.md"][2] = -1
    state.write_text(json.dumps(data), encoding="utf-8")
    again = sitebuild.build_site(root, config=config, articles=arts)
    assert not again.full and again.rendered == 1
    assert differences(root / "site", drivers[1] / "site") == []


def test_an_edited_or_deleted_article_reaches_its_page_listings_feeds_and_sitemap(drivers, tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(drivers[0], root)
    config = make_config(root)
    arts = tricky_articles()
    arts[9].title = "Tiêu đề mới của bài chín"
    gone = arts.pop(10)
    jobs.publish_site(config, arts)
    result = sitebuild.build_site(root, config=config, articles=arts)
    assert not result.full and 0 < result.rendered < result.pages
    site = root / "site"
    assert "Tiêu đề mới của bài chín" in (site / "tin-tuc/2023/08/xa-so-9/index.html").read_text(encoding="utf-8")
    theme = f"chu-de/{THEMES[9 % 4]}/"
    assert "Tiêu đề mới của bài chín" in (site / theme / "index.html").read_text(encoding="utf-8")
    for feed in ("rss.xml", f"{theme}rss.xml", f"{theme}atom.xml"):
        assert "Tiêu đề mới của bài chín" in (site / feed).read_text(encoding="utf-8"), feed
    assert not (site / "tin-tuc/2023/08/xa-so-10").exists()
    assert "xa-so-10" not in sitemaps.text(site)
    assert gone.title not in (site / "rss.xml").read_text(encoding="utf-8")
    assert feedparser.parse((site / "rss.xml").read_bytes()).entries[0].title
    clean = make_root(tmp_path / "clean")
    jobs.publish_site(make_config(clean), arts)
    sitebuild.build_site(clean, config=make_config(clean), articles=arts)
    assert differences(site, clean / "site") == []


def test_mkdocs_own_build_is_incremental_too(drivers, tmp_path: Path):
    """A root whose mkdocs.yml has plugins is built by MkDocs (dirty builds of the changed
    pages): that too leaves what a clean build leaves."""
    root = tmp_path / "root"
    shutil.copytree(drivers[1], root)
    arts = tricky_articles()[1:] + make_articles(14)[12:]
    arts[0].title = "Đã sửa"
    jobs.publish_site(make_config(root), arts, markdown_bodies=True)
    result = sitebuild.build_site(root, config=make_config(root), articles=arts, driver="mkdocs")
    assert not result.full and 0 < result.rendered < result.pages and result.removed >= 1
    clean = make_root(tmp_path / "clean")
    jobs.publish_site(make_config(clean), arts, markdown_bodies=True)
    sitebuild.build_site(clean, config=make_config(clean), articles=arts, driver="mkdocs")
    assert differences(root / "site", clean / "site") == []


def test_a_page_whose_link_target_appears_or_vanishes_is_made_again(drivers, tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(drivers[0], root)
    config, arts = make_config(root), tricky_articles()
    (root / "site_src/tai-lieu.md").write_text("# Tài liệu\n", encoding="utf-8")
    (root / "site_src/lien-ket.md").write_text("# Liên kết\n\n[Tài liệu](tai-lieu.md)\n", encoding="utf-8")
    sitebuild.build_site(root, config=config, articles=arts)
    assert 'href="../tai-lieu/"' in (root / "site/lien-ket/index.html").read_text(encoding="utf-8")
    (root / "site_src/tai-lieu.md").unlink()
    gone = sitebuild.build_site(root, config=config, articles=arts)
    assert not gone.full and gone.rendered == 1 and gone.removed >= 1
    assert 'href="tai-lieu.md"' in (root / "site/lien-ket/index.html").read_text(encoding="utf-8")
    assert any("tai-lieu.md" in w for w in gone.warnings)
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", ".cds"))
    sitebuild.build_site(clean, config=make_config(clean), articles=arts)
    assert differences(root / "site", clean / "site") == []


_VALUES = st.recursive(st.none() | st.booleans() | st.text(max_size=20) | st.integers() | st.floats(),
                       lambda inner: st.lists(inner, max_size=3) |
                       st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), _VALUES, max_size=5),
       st.text(max_size=40))
def test_front_matter_reads_as_mkdocs_reads_it(meta, body):
    """publish's front matter (JSON a line), and anything else, reads as MkDocs' YAML reader
    reads it."""
    text = publish.front_matter(meta) + "\n" + body
    assert sitebuild.read_meta(text) == mkdocs_meta.get_data(text)


@pytest.mark.parametrize("text", [
    "---\ntitle: Không có ngoặc\n---\nx", "---\non: \"x\"\n---\n", '---\ntitle: "a\\/b"\n---\n',
    "---\nn: 1e5\n---\n", "---\ntitle: \"x\" # chú thích\n---\n", "---\n  title: \"x\"\n---\n",
    "---\n---\nx", "Title: x\n\nbody", "---\nt: [1, \"a\", {\"b\": null}]\n---\n",
])
def test_front_matter_edge_cases_read_as_mkdocs_reads_them(text):
    assert sitebuild.read_meta(text) == mkdocs_meta.get_data(text)


def test_bad_mkdocs_yml_is_one_line(tmp_path: Path):
    root = make_root(tmp_path / "root")
    publish.publish(make_config(root), [])
    (root / "mkdocs.yml").write_text("site_name: x\ntheme:\n  name: no-such-theme\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        sitebuild.build_site(root, config=make_config(root), articles=[])
    assert "mkdocs.yml" in str(err.value) and "\n" not in str(err.value)


def test_build_site_alone_reads_feeds_yml_and_the_store(tmp_path: Path):
    root = make_root(tmp_path / "root")
    (root / "feeds.yml").write_text(
        "site:\n  title: Trang riêng\n  url: https://rieng.example.vn/\nsources:\n"
        "  - id: bao-thai-binh\n    name: Báo Thái Bình\n    kind: feed\n    url: https://b.example.vn/rss\n",
        encoding="utf-8")
    art = make_articles(2)[1]
    path = root / "content" / art.path
    path.parent.mkdir(parents=True)
    path.write_text(store.dump(art), encoding="utf-8")
    config = config_mod.load(root)
    jobs.publish_site(config, store.Store(config.content_dir).articles())
    result = sitebuild.build_site(root)
    feed = feedparser.parse((root / "site/rss.xml").read_bytes())
    assert [e.title for e in feed.entries] == [art.title] and feed.feed.title == "Trang riêng"
    assert result.feeds.written > 0
    home = (root / "site/index.html").read_text(encoding="utf-8")
    assert "https://rieng.example.vn/" in home and "Trang riêng" in home      # feeds.yml wins


def test_starter_mkdocs_yml_is_valid(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(REPO / "pipeline/starter/mkdocs.yml", root / "mkdocs.yml")
    jobs.publish_site(make_config(root), [])
    cfg = load_config(config_file=str(root / "mkdocs.yml"))
    assert cfg.theme["language"] == "vi" and cfg.use_directory_urls
    assert Path(cfg.theme.custom_dir).is_dir()


MATERIAL_INLINE = ("__md_scope", "var target=", "document.", "{")
CHART_TAGS = {"svg", "title", "desc", "line", "rect", "text"}   # pipeline/results/svg.py


def test_unsafe_corpus_stays_inert_even_as_raw_bodies(tmp_path: Path):
    """feedparser's 745 unsafe-HTML feeds, *unsanitised* (as if clean had let everything
    through): their titles, summaries and HTML used as Markdown bodies. Nothing that can run
    may reach a page or a feed."""
    corpus = feedparser_corpus() / "sanitize"
    arts = []
    base = datetime(2024, 1, 1, tzinfo=ICT)
    for n, path in enumerate(sorted(corpus.glob("*.xml"))):
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        entry, feed = (parsed.entries or [{}])[0], parsed.feed
        texts = [c.get("value", "") for c in entry.get("content", [])] + [
            entry.get("summary", ""), feed.get("subtitle", ""), feed.get("info", ""), feed.get("rights", "")]
        link = entry.get("link", "") or feed.get("link", "")
        arts.append(Article(
            id=f"corpus{n:04d}", title=entry.get("title", "") or feed.get("title", "") or path.stem,
            url=link or f"https://x.example/{n}", source="bao-thai-binh",
            published=base + timedelta(minutes=n), harvested=base, body="\n\n".join(t for t in texts if t),
            summary=(entry.get("summary", "") or feed.get("subtitle", ""))[:500], themes=[THEMES[n % 4]],
            image=link, also_at=[link], path=Path(f"articles/2024/01/corpus-{n}.md")))
    assert len(arts) == len(list(corpus.glob("*.xml"))) > 700
    root = make_root(tmp_path / "root")
    result = build(root, arts)
    assert result.feeds is not None

    site = root / "site"
    problems = []
    for path in pages(site):
        doc = parse(path)
        rel = path.relative_to(site).as_posix()
        if rel in (SEARCH_PAGE, "nhung-tin/index.html"):
            continue                          # cds's own search form / iframe builder: no harvested text
        charts = doc.xpath("//article//figure[@class='cds-figure']/svg[@class='cds-chart']")
        for chart in charts:                  # cds's own charts (pipeline/results/svg.py): only
            problems += [f"{rel}: chart <{el.tag}>" for el in chart.iter()   # inert shapes
                         if el.tag not in CHART_TAGS or any(a.lower().startswith("on") or "href"
                                                            in a.lower() for a in el.attrib)]
        inside = {el for chart in charts for el in chart.iter()}
        for el in doc.xpath("//article//*"):
            if el in inside:
                continue
            if el.tag in ("script", "iframe", "object", "embed", "applet", "form", "meta", "link",
                          "style", "base", "frame", "frameset", "input", "button", "svg", "math"):
                problems.append(f"{rel}: <{el.tag}>")
            for attr, value in el.attrib.items():
                v = "".join(value.split()).lower()
                if attr.lower().startswith("on") or attr.lower() in ("formaction", "srcdoc", "xmlns"):
                    problems.append(f"{rel}: {el.tag}@{attr}")
                if attr in ("href", "src", "action", "data", "background", "poster") and \
                        v.startswith(("javascript:", "vbscript:", "data:")):
                    problems.append(f"{rel}: {el.tag}@{attr}={value[:40]}")
                if attr == "style" and v.replace("text-align:", "").strip(";").isalpha() is False:
                    problems.append(f"{rel}: {el.tag}@style={value[:40]}")
        for script in doc.xpath("//script"):
            src = script.get("src")
            if src is not None:
                if "assets/javascripts/" not in src and not src.endswith(SITE_SCRIPTS):
                    problems.append(f"{rel}: script src={src[:60]}")
            elif not (script.text or "").lstrip().startswith(MATERIAL_INLINE):
                problems.append(f"{rel}: inline script {(script.text or '')[:60]!r}")
        unexpected = doc.xpath("//meta[@http-equiv] | //base | //head/*[not(self::meta or self::title "
                               "or self::link or self::script or self::style)]")
        if rel.startswith("embed/"):        # cds's own columns forbid everything with a CSP meta
            unexpected = [e for e in unexpected if e.get("http-equiv") != "Content-Security-Policy"]
        if unexpected:
            problems.append(f"{rel}: unexpected element in <head>")
    assert problems == [], problems[:20]

    for rel in result.feeds.files:
        if rel.endswith("feed.json"):
            contents = [i["content_html"] for i in json.loads((site / rel).read_bytes())["items"]]
        elif rel.endswith(".xml"):
            contents = [e.content[0].value for e in
                        feedparser.parse((site / rel).read_bytes(), sanitize_html=False).entries]
        else:
            continue
        for content in contents:
            doc = html.fromstring(f"<div>{content}</div>")
            bad = [el.tag for el in doc.iter() if el.tag in ("script", "iframe", "object", "embed", "style")]
            bad += [a for el in doc.iter() for a in el.attrib if a.lower().startswith(("on", "style"))]
            bad += [v for v in doc.xpath("//@href | //@src") if "".join(v.split()).lower().startswith(
                ("javascript:", "vbscript:", "data:"))]
            assert bad == [], (rel, content[:80], bad)
