"""End to end: the bundled demo sources, served on loopback, through harvest and build.

Checks the store against pipeline/data/demo/expected.yml (written with the fixtures), that a
second harvest changes nothing, and that the built site and its feeds are whole and valid.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
import yaml
from lxml import html as lxml_html

from pipeline import jobs
from pipeline.store import articles as store
from tests.conftest import DEMO

EXPECTED = yaml.safe_load((DEMO / "expected.yml").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder`` with its digest and mtime."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo root after one harvest and one build, with the server still up."""
    from pipeline.demo.localserver import LocalServer

    root = tmp_path_factory.mktemp("demo") / "root"
    with LocalServer(DEMO / "sources") as server:
        config = jobs.prepare_demo_root(root, server.base)
        report = jobs.harvest(config, progress=False)
        first = snapshot(root / "content")
        before = len(server.requests)
        second = jobs.harvest(config, progress=False)
        after_second = snapshot(root / "content")
        requests_second = [p for _, p, _ in server.requests[before:]]
        jobs.build(config, progress=False)
        yield {"root": root, "config": config, "report": report, "second": second,
               "first": first, "after_second": after_second, "server": server,
               "requests_second": requests_second}


def by_path(articles):
    return {urlsplit(a.url).path: a for a in articles}


def test_first_harvest_stores_every_article_once(demo):
    report = demo["report"]
    assert report.ok, [s.failed for s in report.sources]
    arts = store.Store(demo["root"] / "content").articles()
    assert len(arts) == EXPECTED["stored_count"]
    assert len({a.id for a in arts}) == len(arts)
    assert len({a.url for a in arts}) == len(arts)
    per = {s.source: s for s in report.sources}
    for source_id, exp in EXPECTED["per_source"].items():
        assert per[source_id].fetched == exp["fetched"], source_id
        assert per[source_id].new == exp["stored"], source_id
        assert per[source_id].duplicates == exp.get("duplicates", 0), source_id


def test_articles_match_the_labels(demo):
    arts = by_path(store.Store(demo["root"] / "content").articles())
    problems = []
    for exp in EXPECTED["articles"]:
        art = arts.get(exp["url_path"])
        if art is None:
            problems.append(f"{exp['key']}: not stored")
            continue
        if art.title != exp["title"]:
            problems.append(f"{exp['key']}: title {art.title!r}")
        if art.published != datetime.fromisoformat(exp["published"]) or art.date_estimated:
            problems.append(f"{exp['key']}: published {art.published.isoformat()}")
        if art.published.utcoffset().total_seconds() != 7 * 3600:
            problems.append(f"{exp['key']}: offset {art.published.isoformat()}")
        if art.source != exp["source"]:
            problems.append(f"{exp['key']}: source {art.source}")
        if not set(exp["doc_refs"]) <= set(art.doc_refs):
            problems.append(f"{exp['key']}: doc_refs {art.doc_refs}")
        if not set(exp["themes"]) & set(art.themes):     # the tagger's own gate is tests/eval
            problems.append(f"{exp['key']}: themes {art.themes} (want one of {exp['themes']})")
        body = re.sub(r"\s+", " ", art.body)
        for phrase in exp["body_contains"]:
            if phrase not in body:
                problems.append(f"{exp['key']}: body lacks {phrase!r}")
        for chrome in EXPECTED["body_excludes"]:
            if chrome in art.body:
                problems.append(f"{exp['key']}: body has chrome {chrome!r}")
        for pattern in EXPECTED["body_excludes_patterns"]:
            if re.search(pattern, art.body):
                problems.append(f"{exp['key']}: body has chrome /{pattern}/")
        for copy in exp.get("also_at", []):
            if copy not in {urlsplit(u).path for u in art.also_at}:
                problems.append(f"{exp['key']}: also_at lacks {copy}")
    assert not problems, "\n".join(problems)


def test_keywords_filter_and_syndicated_copy(demo):
    arts = store.Store(demo["root"] / "content").articles()
    paths = {urlsplit(a.url).path for a in arts}
    for item in EXPECTED["filtered_out"]:
        assert item["url_path"] not in paths
    for pair in EXPECTED["syndicated"]:
        assert pair["copy"] not in paths
        original = by_path(arts)[pair["original"]]
        assert original.source == pair["original_source"]
        assert pair["copy"] in {urlsplit(u).path for u in original.also_at}


def test_documents_from_the_portal(demo):
    """The bundled document portal: register entries with their files and text, the editor's
    entry given only its file keys, the citation links both ways, the Văn bản mới feed."""
    from pipeline.store import register

    root, site = demo["root"], demo["root"] / "site"
    docs = {d.number: d for d in register.load_docs(root / "content")}
    per = {s.source: s for s in demo["report"].sources}["van-ban-tinh"]
    exp_counts = EXPECTED["per_source"]["van-ban-tinh"]
    assert (per.updated, per.skipped) == (exp_counts["updated"], exp_counts["filtered"])
    assert not per.errors, per.errors
    for number in EXPECTED["documents_filtered"]:
        assert number not in docs
    bundled = DEMO / "van-ban"
    for exp in EXPECTED["documents"]:
        d = docs[exp["number"]]
        for key in ("doc_type", "issuer", "scope", "file", "title"):
            if key in exp:
                assert getattr(d, key) == exp[key], (exp["number"], key)
        assert d.issued.isoformat() == exp["issued"]
        assert d.cites == exp.get("cites", []), exp["number"]
        assert d.scanned == exp.get("scanned", False)
        assert (root / "content" / "van-ban" / d.file).read_bytes()[:5] == b"%PDF-"
        if "text_contains" in exp:
            assert exp["text_contains"] in d.text
        if exp.get("editor_entry"):
            before = (bundled / d.path.name).read_text(encoding="utf-8").splitlines()
            after = (root / "content" / d.path).read_text(encoding="utf-8").splitlines()
            harvest = ("file:", "file_url:", "file_sha256:", "text_file:", "cites:", "- ")
            assert [x for x in before if not x.startswith(harvest)] == \
                [x for x in after if not x.startswith(harvest)]
        else:
            assert d.source == "van-ban-tinh" and d.first_seen is not None
        page = (site / d.url_path / "index.html").read_text(encoding="utf-8")
        if d.scanned:
            assert register.SCANNED_NOTE in page
        else:
            assert "Nội dung văn bản" in page
    plan = (site / "van-ban/96-kh-ubnd/index.html").read_text(encoding="utf-8")
    assert "Văn bản dẫn chiếu văn bản này" in plan and "../1234-qd-ubnd/" in plan
    feed = feedparser.parse((site / "van-ban" / "rss.xml").read_bytes())
    assert feed.bozo == 0 and feed.entries
    assert any("1234/QĐ-UBND" in e.title for e in feed.entries)
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'id="van-ban-moi"' in home and "van-ban/1234-qd-ubnd/" in home


def test_second_harvest_changes_nothing(demo):
    second = demo["second"]
    assert second.ok
    assert not second.changed
    assert demo["first"] == demo["after_second"]
    for s in second.sources:
        assert s.new == 0 and s.updated == 0
    # feeds and listing pages answered 304; no article page was fetched again
    article_fetches = [p for p in demo["requests_second"] if "/tin-tuc/chuyen-doi-so/" in p and p.endswith(".html")
                       and "index" not in p and "trang-" not in p]
    assert not [p for p in article_fetches if "/bao-thai-binh/" in p], article_fetches


def test_site_has_every_article_page_and_valid_feeds(demo):
    root = demo["root"]
    site = root / "site"
    arts = store.Store(root / "content").articles()
    for art in arts:
        rel = art.path.relative_to("articles").with_suffix("")
        page = site / "tin-tuc" / rel / "index.html"
        assert page.exists(), page
        doc = lxml_html.fromstring(page.read_bytes())
        assert doc.get("lang") == "vi"
        assert art.title in doc.text_content()
    for feed in ("rss.xml", "atom.xml"):
        path = site / feed
        assert path.stat().st_mode & 0o044 == 0o044       # a web server can read it
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (feed, parsed.get("bozo_exception"))
        assert len(parsed.entries) == len(arts)
        assert len({e.id for e in parsed.entries}) == len(arts)
    home = lxml_html.fromstring((site / "index.html").read_bytes())
    alternates = home.xpath('//head/link[@rel="alternate"]/@type')
    assert "application/rss+xml" in alternates and "application/atom+xml" in alternates


def test_every_internal_link_resolves(demo):
    site = demo["root"] / "site"
    missing = []
    for page in site.rglob("*.html"):
        doc = lxml_html.fromstring(page.read_bytes())
        for attr in ("href", "src"):
            for el in doc.xpath(f"//*[@{attr}]"):
                url = el.get(attr)
                parts = urlsplit(url)
                if parts.scheme or parts.netloc or url.startswith(("#", "mailto:")):
                    continue
                target = (page.parent / parts.path).resolve() if parts.path else page
                if parts.path.startswith("/"):
                    target = (site / parts.path.lstrip("/")).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.exists():
                    missing.append(f"{page.relative_to(site)} → {url}")
    assert not missing, "\n".join(missing[:20])


def test_pictures_are_mirrored_and_the_site_loads_none_from_elsewhere(demo):
    """docs/media.md: pictures stored at harvest, published under tin-tuc/media/, pages and
    feeds pointing at the site's own copies only; a re-harvest downloads no picture."""
    root, config = demo["root"], demo["config"]
    stored = sorted(p.relative_to(root / "content/media") for p in (root / "content/media").rglob("*.*"))
    assert stored, "no picture was mirrored"
    published = sorted(p.relative_to(root / "site/tin-tuc/media")
                       for p in (root / "site/tin-tuc/media").rglob("*.*"))
    assert published and set(published) <= set(stored)
    assert not [p for p in demo["requests_second"] if p.endswith((".png", ".jpg", ".gif"))]
    for page in (root / "site").rglob("*.html"):
        srcs = lxml_html.fromstring(page.read_bytes()).xpath("//img/@src")
        assert not [s for s in srcs if urlsplit(s).scheme or s.startswith("//")], (page, srcs)
        for src in srcs:
            target = (page.parent / src).resolve()
            assert target.is_file(), (page, src)
    base = config.site.url.rstrip("/") + "/tin-tuc/media/"
    for feed in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse((root / "site" / feed).read_bytes())
        pics = [link.href for e in parsed.entries for link in e.get("links", [])
                if link.get("rel") == "enclosure"]
        assert pics and all(p.startswith(base) for p in pics), (feed, pics)
        for e in parsed.entries:
            html = " ".join(c.value for c in e.get("content", [])) + e.get("summary", "")
            for src in re.findall(r'<img[^>]*\ssrc="([^"]*)"', html):
                assert src.startswith(base), (feed, src)
