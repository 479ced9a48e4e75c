"""The ``cds`` plugin's content stash (pipeline.site.build.plugin, "Memory"): between MkDocs'
populating of the pages and the rendering of their templates no page holds its HTML
(``page.content`` is None, the plugin keeps it compressed), each page has it back when its
template renders (for every other plugin's ``on_page_context`` too), and the site is byte for
byte the one built with the stash off.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.plugins import BasePlugin

from pipeline import jobs
from pipeline.site.build.plugin import CdsPlugin
from tests.test_site import make_articles, make_config, make_root


class Probe(BasePlugin):
    """What another plugin sees of the pages' HTML (registered after ``cds``)."""

    def __init__(self, cds: CdsPlugin):
        super().__init__()
        self.cds = cds
        self.at_env: list = []          # page.content of every page when on_env runs
        self.stashed = 0                # pages the cds plugin holds then
        self.at_context: list = []      # page.content when the page's template is about to render
        self.at_end: list = []

    def on_env(self, env, *, config, files):
        self.at_env = [f.page.content for f in files.documentation_pages()]
        self.stashed = len(self.cds.stash)
        return env

    def on_page_context(self, context, *, page, config, nav):
        self.at_context.append(page.content)
        return context

    def on_post_build(self, *, config):
        self.at_end = [f.page.content for f in self.cds.files.documentation_pages()]


def _build(root: Path, site: str, stash: bool) -> Probe:
    cfg = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / site))
    cds = CdsPlugin()
    cds.load_config({})
    cds.prepare(stash_content=stash)
    cfg.plugins["cds"] = cds
    probe = Probe(cds)
    probe.load_config({})
    cfg.plugins["probe"] = probe
    mkdocs_build(cfg)
    return probe


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file()}


def test_page_html_is_stashed_between_populate_and_build_and_the_site_is_the_same(tmp_path: Path):
    root = make_root(tmp_path / "root")
    articles = make_articles(12)
    jobs.publish_site(make_config(root), articles)

    on = _build(root, "site-on", stash=True)
    pages = len(on.at_env)
    assert pages > len(articles)
    assert on.at_env == [None] * pages and on.stashed == pages     # nothing alive: all stashed
    assert len(on.at_context) == pages
    assert all(isinstance(c, str) and c for c in on.at_context)   # back for the template
    assert on.at_end == [None] * pages                            # dropped once written

    off = _build(root, "site-off", stash=False)
    assert all(isinstance(c, str) and c for c in off.at_env)     # what the stash saves
    assert off.at_context == on.at_context

    a, b = _tree(root / "site-on"), _tree(root / "site-off")
    assert sorted(a) == sorted(b) and len(a) > pages
    assert [k for k in a if a[k] != b[k]] == []
