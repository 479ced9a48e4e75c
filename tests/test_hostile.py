"""Hostile sources through the whole pipeline: nothing they carry may run in a reader's browser,
in the store, the site or the feeds — and no title breaks the store.

- the demo's hostile feed (scripts, on* handlers, javascript: in disguises, {{ }}, --- titles);
- all 764 feeds of feedparser's unsafe-HTML and ill-formed corpus, each served as a source.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from lxml import html as lxml_html

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.demo.localserver import LocalServer
from pipeline.harvest.tomarkdown import render_markdown
from pipeline.store import articles as store
from tests.conftest import DEMO, make_root
from tests.corpora import FEEDPARSER_FILES, feedparser_corpus
from tests.safety import markdown_problems, site_problems

HOSTILE = yaml.safe_load((DEMO / "expected.yml").read_text(encoding="utf-8"))["hostile"]


def hostile_root(tmp: Path, base: str) -> Path:
    return make_root(tmp, f"""\
site: {{title: Thử nghiệm, url: "http://127.0.0.1:9/"}}
sources:
  - id: hostile-test
    name: Nguồn thử nghiệm
    kind: feed
    url: "{base}/hostile/feed.rss"
""")


def test_hostile_feed_leaves_nothing_runnable(tmp_path):
    with LocalServer(DEMO / "sources") as server:
        root = hostile_root(tmp_path / "root", server.base)
        config = config_mod.load(root)
        report = jobs.harvest(config, progress=False)
    assert report.ok, report.sources[0].failed
    arts = store.Store(root / "content").articles()
    assert len(arts) == len(HOSTILE["items"])
    by_path = {a.url.split(str(server.port), 1)[1]: a for a in arts}
    for exp in HOSTILE["items"]:
        art = by_path[exp["url_path"]]
        if "title" in exp:
            assert art.title == exp["title"]
        else:
            assert exp["title_contains"] in art.title
        seen = " ".join(lxml_html.fromstring(f"<div>{render_markdown(art.body)}</div>")
                        .text_content().split())              # what a reader sees
        seen += " " + " ".join(lxml_html.fromstring(f"<div>{render_markdown(art.body)}</div>")
                               .xpath("//a/@href"))
        for phrase in exp["must_keep"]:
            assert phrase in seen, (exp["url_path"], phrase)
        assert not markdown_problems(art.body), (exp["url_path"], markdown_problems(art.body))
        # the file on disk reads back exactly
        again = store.parse((root / "content" / art.path).read_text(encoding="utf-8"))
        assert (again.title, again.body) == (art.title, art.body)
    jobs.build(config, progress=False)
    problems = site_problems(root / "site", marker="xss")
    assert not problems, "\n".join(problems[:30])


@pytest.mark.slow
def test_feedparser_corpus_goes_through_without_a_crash_or_anything_unsafe(tmp_path):
    """Every file of feedparser's corpus, served as a source: harvested without a crash, and
    nothing unsafe in content/, site/ or the feeds."""
    served = tmp_path / "served"
    files = sorted(p for p in feedparser_corpus().rglob("*.xml"))
    assert len(files) == FEEDPARSER_FILES
    for i, path in enumerate(files):
        target = served / f"f{i:04d}.xml"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    with LocalServer(served) as server:
        sources = "\n".join(
            f"  - {{id: f{i:04d}, name: 'Corpus {i}', kind: feed, url: \"{server.base}/f{i:04d}.xml\"}}"
            for i in range(len(files)))
        root = make_root(tmp_path / "root", f"""\
site: {{title: Corpus, url: "http://127.0.0.1:9/"}}
defaults: {{concurrency: 8, timeout: 10}}
sources:
{sources}
""")
        config = config_mod.load(root)
        report = jobs.harvest(config, progress=False)
    internal = [s for s in report.sources if s.failed and s.failed.startswith("internal error")]
    assert not internal, [(s.source, s.failed) for s in internal[:5]]
    failed = [s for s in report.sources if s.failed]
    assert len(failed) < 20, [(s.source, s.failed) for s in failed]   # only truly broken feeds
    arts = store.Store(root / "content").articles()
    assert len(arts) > 300
    for art in arts:
        assert not markdown_problems(art.body), (art.path, markdown_problems(art.body)[:3])
    jobs.build(config, progress=False)
    problems = site_problems(root / "site")
    assert not problems, "\n".join(problems[:30])
