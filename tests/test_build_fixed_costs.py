"""What every build pays even when little changed, cut without changing a byte: the site's copies
of the articles (``media.for_site``) made once for publish and the feeds, and the plugin's
``on_files`` leaving alone the files whose size and time the last build saw. Each skip is
shown to be redone when its input changes. Real MkDocs builds of a small root."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

from pipeline import jobs
from pipeline.site import sitebuild
from pipeline.store import media
from tests.test_site import differences, make_articles, make_config, make_root

KEY = "ab/ab12cd34ef567890.jpg"                 # in content/media/
MISSING = "cd/cd12cd34ef567890.png"             # referred to, not there
JPEG = bytes.fromhex("ffd8ffe000104a464946000101") + b"\0" * 64 + bytes.fromhex("ffd9")


def pictured_root(folder: Path) -> tuple[Path, list]:
    root = make_root(folder)
    (root / "content" / "media" / KEY).parent.mkdir(parents=True)
    (root / "content" / "media" / KEY).write_bytes(JPEG)
    arts = make_articles(12)
    arts[1] = replace(arts[1], image=media.store_ref(KEY),
                      body=arts[1].body + f"\n\n![Ảnh của cds]({media.store_ref(KEY)})")
    arts[2] = replace(arts[2], image=media.store_ref(MISSING),
                      body=arts[2].body + f"\n\n![Ảnh đã mất]({media.store_ref(MISSING)} \"t\")")
    return root, arts


def test_the_site_copies_made_once_give_the_site_and_feeds_made_twice(tmp_path: Path):
    once, arts = pictured_root(tmp_path / "once")
    config = make_config(once)
    shown, keys = jobs.site_copies(config, arts)
    assert keys == {KEY}
    jobs.publish_site(config, shown, media_keys=keys)
    sitebuild.build_site(once, config=config, articles=shown, media_keys=keys)

    twice, _ = pictured_root(tmp_path / "twice")         # every stage applies media itself
    jobs.publish_site(make_config(twice), arts)
    sitebuild.build_site(twice, config=make_config(twice), articles=arts)
    assert differences(once / "site", twice / "site") == []
    rss = (once / "site" / "rss.xml").read_text(encoding="utf-8")
    assert f"https://example.gov.vn/tin-tuc/media/{KEY}" in rss       # made absolute
    assert "xem tại nguồn" in rss and "anh/1.jpg" in rss                # outside: a link
    assert MISSING not in rss
    for art in arts:
        assert media.feed_copy(media.for_site(art, keys), config.site.url) == \
            media.for_feeds(art, config.site.url, keys)


def test_files_the_last_build_saw_unchanged_are_left_alone_and_redone_when_they_change(
        tmp_path: Path):
    root, arts = pictured_root(tmp_path / "root")
    config = make_config(root)

    def build():
        shown, keys = jobs.site_copies(config, arts)
        jobs.publish_site(config, shown, media_keys=keys)
        return sitebuild.build_site(root, config=config, articles=shown, media_keys=keys)

    assert build().full
    reference = tmp_path / "reference"
    shutil.copytree(root / "site", reference)
    assert build().rendered == 0                         # nothing changed: nothing rendered
    src = root / "site_src" / "tin-tuc" / "2023" / "08" / "xa-so-3" / "index.md"
    out = root / "site" / "tin-tuc" / "2023" / "08" / "xa-so-3" / "index.html"

    # an output deleted by hand is made again (its source is one the last build saw)
    out.unlink()
    again = build()
    assert again.rendered == 1 and differences(root / "site", reference) == []

    # a source touched (same bytes, a later time) is not rendered; its output gets its time
    later = out.stat().st_mtime_ns + 10**10
    os.utime(src, ns=(later, later))
    again = build()
    assert again.rendered == 0 and out.stat().st_mtime_ns >= later
    assert differences(root / "site", reference) == []

    # a page whose bytes changed is rendered again, and only it (publish's output, edited)
    arts[3] = replace(arts[3], title="Xã số 3 đổi tên bài viết")
    again = build()
    assert 0 < again.rendered < again.pages
    assert "Xã số 3 đổi tên bài viết" in out.read_text(encoding="utf-8")
    clean, _ = pictured_root(tmp_path / "clean")
    shown, keys = jobs.site_copies(make_config(clean), arts)
    jobs.publish_site(make_config(clean), shown, media_keys=keys)
    sitebuild.build_site(clean, config=make_config(clean), articles=shown, media_keys=keys)
    assert differences(root / "site", clean / "site") == []


def test_run_builds_only_when_something_a_build_reads_changed(tmp_path: Path):
    from tests.fixtures.sched.helpers import FeedSite, cds, new_root

    def run(expect_build: bool, code: int = 0) -> str:
        res = cds(root, "run")
        assert res.returncode == code, res.stderr
        built = f"đã dựng trang: {root / 'site'}" in res.stderr
        assert built == expect_build, res.stderr
        assert ("trang đã mới nhất" in res.stderr) == (not expect_build), res.stderr
        return res.stderr

    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1])}])
        run(True)
        state = root / ".cds" / sitebuild.STATE_FILE
        stamp = state.stat().st_mtime_ns
        run(False)                                      # nothing new, nothing edited
        assert state.stat().st_mtime_ns == stamp        # no build at all
        site.add_items("bao", 2)
        run(True)                                       # a new article
        run(False)
        # an editor's hand edit of an article, a root template, mkdocs.yml: built again
        art = next((root / "content" / "articles").rglob("*.md"))
        art.write_text(art.read_text(encoding="utf-8").replace("\n---\n", "\n---\nSửa tay.\n", 1),
                       encoding="utf-8")
        run(True)
        run(False)
        (root / "templates" / "site").mkdir(parents=True, exist_ok=True)
        (root / "templates" / "ghi-chu.txt").write_text("mới", encoding="utf-8")
        run(True)
        cfg = root / "mkdocs.yml"
        cfg.write_text(cfg.read_text(encoding="utf-8") + "\n# sửa\n", encoding="utf-8")
        run(True)
        # a site removed by hand; a source that starts failing (the results pages mark it)
        shutil.rmtree(root / "site")
        run(True)
        run(False)
        site.broken.add("bao")
        run(True, code=1)
        run(False, code=1)                              # still failing: nothing else changed
        site.broken.discard("bao")
        run(True)
        # a file that cannot be used is reported by a run that does not build, as by one that does
        bad = art.with_name("hong.md")
        bad.write_text("---\ntitle: [không đóng\n---\n", encoding="utf-8")
        first = run(True, code=1)
        again = run(False, code=1)
        line = next(x for x in first.splitlines() if x.startswith("error: content/articles/"))
        assert line in again.splitlines()


def test_a_build_says_which_pages_it_wrote_and_which_outputs_it_removed(tmp_path: Path):
    root, arts = pictured_root(tmp_path / "root")
    config = make_config(root)

    def build(articles):
        shown, keys = jobs.site_copies(config, articles)
        jobs.publish_site(config, shown, media_keys=keys)
        return sitebuild.build_site(root, config=config, articles=shown, media_keys=keys)

    first = build(arts)
    site = root / "site"
    assert set(first.outputs) == {p.relative_to(site).as_posix() for p in site.rglob("*")
                                  if p.is_file()}
    assert len(first.written_pages) == first.pages and first.stale == []
    again = build(arts)
    assert again.written_pages == [] and again.outputs == first.outputs
    gone = arts.pop(5)
    third = build(arts)
    assert "tin-tuc/2023/08/xa-so-5/index.html" in third.stale
    assert not (site / "tin-tuc/2023/08/xa-so-5/index.html").exists()
    assert 0 < len(third.written_pages) < third.pages
    assert all((site / p).is_file() for p in third.written_pages)
    assert gone.title not in "".join((site / p).read_text(encoding="utf-8")
                                     for p in third.written_pages if p.endswith(".html"))
