"""A dirty build hands MkDocs only the files it renders or that those name: the pages it will
not render, that no navigation entry and no rendered page names, are left out of MkDocs' file
list (no ``Page`` made for them, no date tested), and the site stays byte for byte the one a
clean build makes: the sitemap's parts list them, sitemap.xml.gz keeps a full build's time. Each
skip is shown to be redone when its input changes. Real MkDocs builds of a small root."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import jobs
from pipeline.site import sitebuild
from pipeline.site.build import plugin as plugin_mod
from tests import sitemaps
from tests.test_site import (
    assert_equals_cold_build,
    differences,
    make_articles,
    make_config,
    make_root,
)


def build(root: Path, arts) -> sitebuild.BuildResult:
    config = make_config(root)
    shown, keys = jobs.site_copies(config, arts)
    jobs.publish_site(config, shown, media_keys=keys)
    return sitebuild.build_site(root, config=config, articles=shown, media_keys=keys)


def clean_copy(root: Path, dest: Path, arts) -> Path:
    """The same site_src/ built from nothing (no site/, no build record)."""
    shutil.copytree(root, dest, ignore=lambda folder, names: [
        n for n in names if Path(folder) == root and n in ("site", ".cds")])
    result = sitebuild.build_site(dest, config=make_config(dest), articles=arts)
    assert result.full
    return dest


def test_a_new_article_renders_few_pages_and_the_site_is_a_clean_builds(tmp_path: Path):
    root = make_root(tmp_path / "root")
    arts = make_articles(12)
    assert build(root, arts).full
    more = make_articles(13)                                 # one new article
    again = build(root, more)
    assert not again.full and 0 < again.rendered < again.pages and again.left_out > 0
    # MkDocs walked a view of site_src/ holding only what it renders, copies or they name
    view = root / ".cds" / sitebuild.DOCS_VIEW
    linked = [p for p in view.rglob("*") if p.is_symlink()]
    src = root / "site_src"
    in_src = [p for p in src.rglob("*") if p.is_file() and
              not any(part.startswith(".") for part in p.relative_to(src).parts)]
    assert 0 < len(linked) == len(in_src) - again.left_out
    clean = make_root(tmp_path / "clean")
    reference = build(clean, more)
    assert reference.full and reference.left_out == 0
    assert differences(root / "site", clean / "site") == []
    assert len(sitemaps.urls(root / "site")) == again.pages     # left out, yet listed
    assert again.outputs == reference.outputs and again.pages == reference.pages
    # the search step is told every page of the site, left out or not (else it drops them)
    assert sorted(again.page_outputs) == sorted(reference.page_outputs)

    # nothing changed: all but the navigation left out, the same site again
    third = build(root, more)
    assert third.rendered == 0 and third.left_out > again.left_out
    assert third.outputs == reference.outputs
    assert sorted(third.page_outputs) == sorted(reference.page_outputs)
    assert differences(root / "site", clean / "site") == []


def test_an_output_deleted_by_hand_is_made_again(tmp_path: Path):
    root = make_root(tmp_path / "root")
    arts = make_articles(12)
    build(root, arts)
    reference = tmp_path / "reference"
    shutil.copytree(root / "site", reference)
    out = root / "site" / "tin-tuc" / "2023" / "08" / "xa-so-3" / "index.html"
    out.unlink()
    again = build(root, arts)
    assert again.rendered == 1 and out.is_file()
    assert differences(root / "site", reference) == []


def test_the_newest_date_on_a_page_left_out_stamps_the_gzipped_sitemap(tmp_path: Path):
    """MkDocs stamps sitemap.xml.gz with the newest date of the pages in its list; a page left
    out may hold it (fails without the plugin's on_post_build)."""
    root = make_root(tmp_path / "root")
    arts = make_articles(12)
    build(root, arts)
    manifest = root / "site_src" / ".publish.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    page = "tin-tuc/2023/08/xa-so-4/index.md"
    assert page in data["lastmod"]
    data["lastmod"][page] = "2099-12-31"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    config = make_config(root)
    first = sitebuild.build_site(root, config=config, articles=arts)
    assert not first.full and first.rendered == 1                  # its date changed
    second = sitebuild.build_site(root, config=config, articles=arts)   # now it is left out
    assert second.rendered == 0 and second.left_out > 0
    clean = clean_copy(root, tmp_path / "clean", arts)
    gz = (root / "site" / "sitemap.xml.gz").read_bytes()
    assert gz == (clean / "site" / "sitemap.xml.gz").read_bytes()
    assert differences(root / "site", clean / "site") == []
    assert "2099-12-31" in sitemaps.text(root / "site")


def test_a_changed_page_keeps_the_pages_its_links_name(tmp_path: Path):
    """A hand-written Markdown page that now links to a page left out until then: the target
    is handed to MkDocs so the link is rewritten as a clean build rewrites it (not warned)."""
    root = make_root(tmp_path / "root")
    arts = make_articles(12)
    page = root / "site_src" / "lien-ket.md"
    build(root, arts)
    page.write_text("# Liên kết\n\nChưa có liên kết.\n", encoding="utf-8")
    config = make_config(root)
    sitebuild.build_site(root, config=config, articles=arts)
    sitebuild.build_site(root, config=config, articles=arts)       # every article left out
    page.write_text("# Liên kết\n\n[Bài ba](tin-tuc/2023/08/xa-so-3/index.md)\n",
                    encoding="utf-8")
    edited = sitebuild.build_site(root, config=config, articles=arts)
    assert not edited.full and edited.rendered == 1 and edited.left_out > 0
    assert not any("xa-so-3" in w for w in edited.warnings)
    assert 'href="../tin-tuc/2023/08/xa-so-3/"' in \
        (root / "site" / "lien-ket" / "index.html").read_text(encoding="utf-8")
    clean = clean_copy(root, tmp_path / "clean", arts)
    assert differences(root / "site", clean / "site") == []
    # and the link is remembered: the target stays in MkDocs' list while the page links to it
    again = sitebuild.build_site(root, config=config, articles=arts)
    assert again.rendered == 0
    assert differences(root / "site", clean / "site") == []


def test_a_theme_template_reading_pages_turns_it_off(tmp_path: Path):
    root = make_root(tmp_path / "root")
    arts = make_articles(12)
    build(root, arts)
    from mkdocs.config import load_config

    cfg = load_config(config_file=str(root / "mkdocs.yml"))
    custom = root / "site_src" / ".overrides"
    assert not sitebuild._reads_pages(cfg, custom)          # cds' own: comments name "pages"
    extra = tmp_path / "theme"
    (extra / "partials").mkdir(parents=True)
    (extra / "partials" / "x.html").write_text(
        "{# every pages #}{{ 'a' | url }}", encoding="utf-8")
    assert not sitebuild._reads_pages(cfg, extra)
    (extra / "partials" / "y.html").write_text(
        "{% for f in pages %}{{ f.page.title }}{% endfor %}", encoding="utf-8")
    assert sitebuild._reads_pages(cfg, extra)
    # in a root: such an override means every file goes to MkDocs, and the site stays right
    shutil.copy(extra / "partials" / "y.html", custom / "y.html")
    config = make_config(root)
    full = sitebuild.build_site(root, config=config, articles=arts)
    assert full.full                                         # the theme changed
    again = sitebuild.build_site(root, config=config, articles=arts)
    assert not again.full and again.left_out == 0


_URL_CHARS = st.sampled_from(list("abz09-_~%./:?#@!$&'()*+,;=") + ["..", "./", "//", "/"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_URL_CHARS, max_size=12).map("".join),
       st.sampled_from(["https://example.gov.vn/", "https://example.gov.vn/cds/",
                        "http://127.0.0.1:8000/a/b/"]))
def test_a_left_out_pages_address_is_the_one_mkdocs_gives(url: str, base: str):
    """The sitemap's address of a page left out: appended when urljoin would append it."""
    if plugin_mod._PLAIN_URL.fullmatch(url):
        assert urljoin(base, url) == base + url
        assert urlsplit(urljoin(base, url)).path == urlsplit(base).path + url


def _targets_with_every_alternative(src_uri: str, markdown: str) -> list[str]:
    """bodies.link_targets as it was: the whole pattern on every text."""
    import posixpath

    from pipeline.site.pages import bodies

    here = posixpath.dirname(src_uri)
    out = set()
    for m in bodies._LINKS.finditer(markdown):
        target = next(g for g in m.groups() if g)
        target = target.split("#", 1)[0].split("?", 1)[0]
        if not target or ":" in target.split("/", 1)[0]:
            continue
        out.add(posixpath.normpath(target.lstrip("/")) if target.startswith("/")
                else posixpath.normpath(posixpath.join(here, target)))
    return sorted(out)


_MD_PIECES = st.sampled_from(["](", "](<", "[a]", "]: ", "[x]:", "\n", "   ", " ", "(", ")", "<",
                              ">", "#", "?", "/", "../", "a.md", "https://h/x", "href", "src",
                              "=", '"', "'", "b", "ảnh", "!["])


@settings(max_examples=600, deadline=None)
@given(st.lists(_MD_PIECES, max_size=30).map("".join))
def test_link_targets_fast_path_finds_what_the_whole_pattern_finds(text: str):
    """A body without "]:", "href" or "src" is searched with the inline-link alternative
    alone (publish reads every article's links on every build): the same targets."""
    from pipeline.site.pages.bodies import link_targets

    assert link_targets("tin-tuc/2024/01/bai/index.md", text) == \
        _targets_with_every_alternative("tin-tuc/2024/01/bai/index.md", text)


@pytest.mark.parametrize("warm", [False, True], ids=["process", "warm-process"])
def test_jobs_build_after_a_new_and_a_changed_article_equals_a_cold_build(tmp_path: Path,
                                                                          warm: bool):
    """The whole build (``jobs.build``: the store through its index, the content history, publish
    with its page cache, MkDocs, feeds, the portal with its digest) after one new article and
    one changed by a harvest leaves ``site/`` and ``site_src/`` as a build of the same root
    from nothing does (only the content history and last-good copies kept: they are data).
    ``warm``: the builds run in one process that keeps the store index's articles and their site
    copies between builds (``jobs.keep_warm``, as ``cds schedule``): the unchanged articles are
    shown to come from what the build before kept, the new and changed ones not."""
    jobs.keep_warm(warm)
    try:
        _new_and_changed(tmp_path, warm)
    finally:
        jobs.keep_warm(False)


def _new_and_changed(tmp_path: Path, warm: bool) -> None:
    import dataclasses

    from pipeline.store import articles as store_mod
    from pipeline.store import index as store_index

    root = make_root(tmp_path / "root")
    config = make_config(root)
    config = dataclasses.replace(config, site=dataclasses.replace(config.site, search=False))
    arts = make_articles(14)
    store = store_mod.Store(root / "content")
    for art in arts[:12]:
        store.write(art)
    jobs.build(config, progress=False)
    jobs.build(config, progress=False)                  # nothing new: everything reused
    index = str(config.state_dir / store_index.INDEX_FILE)
    kept = dict(store_index._KEPT[index]) if warm else {}
    copies = dict(jobs._KEPT.copies) if warm else {}
    store = store_mod.Store(root / "content")
    store.write(arts[12])                                # the newest
    changed = arts[5]
    store.write(dataclasses.replace(changed, body=changed.body + "\n\nĐoạn thêm.",
                                    title=changed.title + " (cập nhật)",
                                    updated=changed.published + timedelta(days=1)))
    pub, result = jobs.build(config, progress=False)
    assert not result.full and result.left_out > 0
    if warm:
        now = store_index._KEPT[index]
        paths = {a.id: a.path.as_posix() for a in store.articles()}
        same = [rel for rel in now if rel in kept and now[rel][4] is kept[rel][4]]
        assert sorted(same) == sorted(p for i, p in paths.items()
                                      if i not in (arts[12].id, changed.id))
        assert paths[changed.id] in now and paths[changed.id] not in same
        assert paths[arts[12].id] in now
        reused = [key for key, (art, copy) in jobs._KEPT.copies.items()
                  if key in copies and copies[key][1] is copy]
        assert len(reused) == 11
        jobs.keep_warm(False)                            # the reference: nothing kept

    cold = tmp_path / "cold"
    shutil.copytree(root, cold, ignore=lambda folder, names: [
        n for n in names if (Path(folder) == root and n in ("site", "site_src"))
        or (Path(folder) == root / ".cds" and n not in ("content-history.json", "last-good"))])
    cold_config = dataclasses.replace(config, root=cold)
    _, reference = jobs.build(cold_config, progress=False)
    assert reference.full
    assert differences(root / "site", cold / "site") == []
    assert differences(root / "site_src", cold / "site_src") == []


def test_jobs_build_with_the_memos_after_new_changed_and_deleted_articles_equals_a_cold_build(
        tmp_path: Path):
    """The memos a build keeps in ``.cds/`` (publish's memo of each article by gather's token, the
    feeds' encoded items, the results pages' rendered templates, the portal's
    encoded records and file keys) after a new, a changed and a deleted article, then one more
    new article: ``site/`` and ``site_src/`` byte for byte those of a build from nothing."""
    import dataclasses

    from pipeline.results import pages as results_pages
    from pipeline.site import feeds_out, portal, publish
    from pipeline.store import articles as store_mod

    root = make_root(tmp_path / "root")
    config = make_config(root)
    config = dataclasses.replace(config, site=dataclasses.replace(config.site, search=False))
    arts = make_articles(15)
    store = store_mod.Store(root / "content")
    paths = {art.id: store.write(art) for art in arts[:12]}
    jobs.build(config, progress=False)
    state = root / ".cds"
    assert (state / results_pages.MEMO).is_file()
    assert portal.records_file(state / sitebuild.PORTAL_STATE).is_file()
    # publish's memo of each article (by gather's token) and the feeds' encoded items
    memo = json.loads((state / publish.CACHE).read_text(encoding="utf-8"))["articles"]
    assert sorted(memo) == sorted(a.id for a in arts[:12])
    assert (state / feeds_out.ITEMS_FILE).is_file()

    store = store_mod.Store(root / "content")
    store.write(arts[12])                                # the newest
    changed = arts[4]
    store.write(dataclasses.replace(changed, title=changed.title + " (sửa)",
                                    summary="Tóm tắt đã sửa"))
    (root / "content" / paths[arts[7].id]).unlink()       # deleted
    for more in (None, arts[13]):
        if more is not None:
            store_mod.Store(root / "content").write(more)
        _, result = jobs.build(config, progress=False)
        assert not result.full
        assert_equals_cold_build(root, config, tmp_path / f"cold-{more is None}")


def test_a_file_hiding_a_theme_file_stays_in_mkdocs_view(tmp_path: Path):
    """A file of site_src/ named as a theme file hides it; left out of the folder MkDocs walks,
    MkDocs would add the theme's in its place (and copy it, being newer)."""
    import os

    root = make_root(tmp_path / "root")
    arts = make_articles(12)
    build(root, arts)
    (root / "site_src" / "assets").mkdir(exist_ok=True)
    (root / "site_src" / "assets" / "an.css").write_text("a{color:red}", encoding="utf-8")
    os.utime(root / "site_src" / "assets" / "an.css", (1_700_000_000, 1_700_000_000))  # trusted
    theme = root / "site_src" / ".overrides" / "assets"
    theme.mkdir(parents=True, exist_ok=True)
    (theme / "an.css").write_text("a{color:blue}", encoding="utf-8")
    config = make_config(root)
    assert sitebuild.build_site(root, config=config, articles=arts).full     # the theme changed
    later = (root / "site" / "assets" / "an.css").stat().st_mtime_ns + 10**9
    os.utime(theme / "an.css", ns=(later, later))
    again = sitebuild.build_site(root, config=config, articles=arts)
    assert not again.full and again.left_out > 0
    assert (root / "site" / "assets" / "an.css").read_text(encoding="utf-8") == "a{color:red}"
