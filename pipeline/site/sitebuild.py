"""``site_src/`` → ``site/``: MkDocs + Material with the ``cds`` plugin, then the feeds.

A driver at the level of ``jobs`` (no stage module imports it): it runs MkDocs' public build
(``mkdocs.commands.build.build``, clean or ``dirty``) with the ``cds`` plugin
(:mod:`pipeline.site.build.plugin`), then :mod:`pipeline.site.feeds_out`, reading what
:mod:`pipeline.site.publish` left in ``site_src/.publish.json`` (article URLs, feed channels,
dates), and the root's ``feeds.yml`` and store when not given them. ``mkdocs.yml`` stays free
of Python callables (portable to Zensical): the plugin is added to the loaded configuration.

One build path; only documented MkDocs events, ``custom_dir`` overrides and Jinja's public API
(``tests/test_public_api.py`` fails on any private name or monkeypatch). docs/site-build.md
tells how a build works.

Incremental builds. ``.cds/site-build.json`` (:mod:`pipeline.site.build.state`) records the last
successful build. A page is rendered again only when its bytes or date changed, its output is
missing, or a file one of its links names appeared or vanished (the plugin deletes those
outputs and MkDocs' ``dirty`` build remakes them); anything global — a different fingerprint or
navigation, a missing or malformed state — makes a full, clean build. The state is removed when
a build starts and written when it ends, so a build that dies half-way is followed by a full
one. Outputs of the last build that are no longer produced are deleted: an incremental build
leaves the same bytes as a clean one (``bench/build.py`` and ``tests/test_site.py`` check it).
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.errors import CdsError, ConfigError
from pipeline.core.fileio import trusted_mtime
from pipeline.core.models import Article, Config
from pipeline.site import render as render_mod
from pipeline.site.build import state as state_mod
from pipeline.site.build.pages import (
    ARTICLE_START_HTML,
    join_page,
    read_meta,
    sanitize_page,
    split_page,
)
from pipeline.site.build.state import SCHEMA, STATE_FILE
from pipeline.site.publish import MANIFEST
from pipeline.store import media

__all__ = ["ARTICLE_START_HTML", "BuildResult", "SiteBuildError", "STATE_FILE", "SCHEMA",
           "build_site", "join_page", "read_meta", "sanitize_page", "split_page"]

RENDER_CACHE = render_mod.BODY_CACHE      # in <root>/.cds/: body → HTML (feeds)
JINJA_CACHE = "jinja"                     # in <root>/.cds/: compiled theme templates
PORTAL_STATE = "portal.json"              # in <root>/.cds/: the portal files' inputs digest
PLUGIN = "cds"                            # the plugin's entry point name
DOCS_VIEW = "docs-view"                   # in <root>/.cds/: what a dirty build hands MkDocs
THEME_VIEW = "theme-view"                 # in <root>/.cds/: theme folders without hidden ones
_IGNORED_WARNINGS = ("A 'dirty' build is being performed",)


class SiteBuildError(CdsError):
    """MkDocs could not build the site."""


@dataclass
class BuildResult:
    site_dir: Path
    full: bool = True               # a clean build (else incremental)
    pages: int = 0                  # Markdown pages in the site
    rendered: int = 0               # pages rendered by this build
    removed: int = 0                # outputs of the last build deleted as stale
    feeds: object | None = None     # feeds_out.FeedsResult
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    driver: str = "cds"             # "cds", or "mkdocs" (the reference: no memo, no body cache)
    outputs: list[str] = field(default_factory=list)        # every file of site/ the build made
    written_pages: list[str] = field(default_factory=list)  # the pages (dest_uri) rendered now
    page_outputs: list[str] = field(default_factory=list)   # every page's dest_uri (the search)
    stale: list[str] = field(default_factory=list)          # outputs of the last build deleted
    left_out: int = 0               # files not handed to MkDocs (unchanged, fresh, named by none)


class _LogCapture(logging.Handler):
    """Collects MkDocs' warnings and errors as one-line messages."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = " ".join(record.getMessage().split())
        if any(msg.startswith(p) for p in _IGNORED_WARNINGS):
            return
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(msg)


def _plugin(cfg):
    """The configuration's ``cds`` plugin: the one ``mkdocs.yml`` names, else one added."""
    from pipeline.site.build.plugin import CdsPlugin

    for plugin in cfg.plugins.values():
        if isinstance(plugin, CdsPlugin):
            return plugin
    plugin = CdsPlugin()
    plugin.load_config({})
    cfg.plugins[PLUGIN] = plugin                          # PluginCollection registers its events
    return plugin


# --- the whole build --------------------------------------------------------------------------

def build_site(root: Path, *, config: Config | None = None,
               articles: Sequence[Article] | None = None, quiet: bool = True,
               full: bool = False, driver: str | None = None,
               media_keys: Collection[str] | None = None) -> BuildResult:
    """Build ``<root>/site/`` from ``<root>/site_src/`` (run ``publish`` first), then write the
    RSS/Atom feeds into it.

    ``config`` and ``articles`` default to the root's ``feeds.yml`` and stored articles (pass
    them when you have them). The site's URL, name and description come from ``feeds.yml``,
    overriding ``mkdocs.yml``, so pages and feeds agree. ``full`` forces a clean build;
    otherwise only what changed is rendered when nothing global changed since the last build.
    ``media_keys``: ``articles`` are the site's copies already (``media.for_site`` with these
    available media keys; ``jobs.site_copies``), so the feeds only make their pictures absolute.
    ``driver="mkdocs"`` builds without the navigation memo, the body cache and the lean Markdown
    parsers; on a ``site_src/`` published in the reference form (``publish(markdown_bodies=True)``)
    MkDocs' own Markdown renders the bodies (what the tests compare with). Both are the same
    MkDocs build. Problems are raised as :class:`CdsError` with one line
    (``ConfigError`` for a bad ``feeds.yml`` or ``mkdocs.yml``).
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from pipeline import config as config_mod

    started = time.monotonic()
    root = Path(root)
    driver = driver or "cds"
    cfg_file = root / "mkdocs.yml"
    if not cfg_file.is_file():
        raise ConfigError(f"{cfg_file}: missing (the site's MkDocs configuration)")
    if config is None:
        config = config_mod.load(root)
    if articles is None:
        from pipeline.store import articles as store_mod
        articles = store_mod.Store(config.content_dir).articles()
    overrides = {"site_url": config.site.url, "site_name": config.site.title}
    if config.site.description:
        overrides["site_description"] = config.site.description

    logger = logging.getLogger("mkdocs")
    capture = _LogCapture()
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.handlers = [capture]
    logger.propagate = False
    logger.setLevel(logging.WARNING)      # MkDocs' INFO lines (English) are not shown: a bar is
    bar = None                            # MkDocs' warnings are printed by the caller (jobs.build)
    try:
        try:
            cfg = load_config(config_file=str(cfg_file), **overrides)
        except (ConfigurationError, Abort) as exc:
            detail = "; ".join(capture.errors + capture.warnings) or str(exc)
            raise ConfigError(f"{cfg_file}: {detail}") from None
        site_dir = Path(cfg.site_dir)
        docs_dir = Path(cfg.docs_dir)
        if not docs_dir.is_dir():
            raise SiteBuildError(f"{docs_dir}: missing; run `cds publish` first")
        published = state_mod.read_json(docs_dir / MANIFEST)
        custom = cfg.theme.custom_dir if hasattr(cfg.theme, "custom_dir") else None
        fingerprint = state_mod.fingerprint(cfg_file, Path(custom) if custom else None,
                                            {**overrides, "driver": driver})
        state_path = root / ".cds" / STATE_FILE
        last = state_mod.read_json(state_path)
        if last.get("schema") != SCHEMA or last.get("fingerprint") != fingerprint or \
                not state_mod.well_formed(last):
            last = {}
        state_path.unlink(missing_ok=True)      # a build that dies half-way is followed by a full one

        nav_sig = state_mod.nav_signature(str(docs_dir), cfg["nav"])
        full = full or not last or not site_dir.is_dir() or nav_sig is None or \
            nav_sig != last.get("nav")
        old = {} if full else last["files"]
        entries: dict[str, list] = {}
        untouched: set[str] = set()         # size and (trusted) time as the last build saw them
        now_ns = time.time_ns()
        for uri, size, mtime in state_mod.scan(str(docs_dir)):
            prev = old.get(uri)
            if isinstance(prev, list) and prev[1] == size and prev[2] == mtime:
                entry = list(prev)
                untouched.add(uri)
            else:
                with open(docs_dir / uri, "rb") as fh:
                    entry = [state_mod.sha(fh.read()), size, mtime, "?", "", ""]
            entry[2] = trusted_mtime(mtime, now_ns)       # -1: too recent to trust next time
            entries[uri] = entry
        lastmod = published.get("lastmod") or {}
        site_lastmod = published.get("site_lastmod")
        dates = {uri: lastmod.get(uri) or site_lastmod or "" for uri in entries
                 if uri.endswith((".md", ".markdown"))}
        changed: set[str] = set()
        if not full:
            last_dates, last_links = last.get("dates") or {}, last.get("links") or {}
            appeared = set(entries) ^ set(old)
            for uri, entry in entries.items():
                prev = old.get(uri)
                if prev is None or prev[0] != entry[0] or \
                        (uri in dates and last_dates.get(uri) != dates[uri]) or \
                        appeared.intersection(last_links.get(uri) or ()):
                    changed.add(uri)

        droppable = {} if full or driver != "cds" else _droppable(
            cfg, str(docs_dir), entries, untouched, changed, last.get("links") or {},
            Path(custom) if custom else None)
        left_out = _left_out(cfg, site_dir, droppable) if droppable else {}
        if left_out and _docs_view(root / ".cds" / DOCS_VIEW, str(docs_dir),
                                   [uri for uri in entries if uri not in left_out]):
            cfg["docs_dir"] = str(root / ".cds" / DOCS_VIEW)    # MkDocs walks only what it needs
        else:
            left_out = {}

        extensions, ext_configs = cfg.markdown_extensions, cfg.mdx_configs
        bodies = render_mod.BodyCache(root / ".cds" / RENDER_CACHE,
                                      render_mod.fingerprint(extensions, ext_configs),
                                      lambda: render_mod.toc_renderer(extensions, ext_configs))
        plugin = _plugin(cfg)
        if not quiet:
            from tqdm import tqdm

            bar = tqdm(desc="Trang", unit="trang", file=sys.stderr, leave=False)
        plugin.prepare(lastmod=lastmod, default_lastmod=site_lastmod, dirty=not full,
                       changed=changed, jinja_cache=root / ".cds" / JINJA_CACHE,
                       memo_nav=driver == "cds",
                       bodies=bodies if driver == "cds" else None,
                       untouched=frozenset(untouched),
                       progress=bar.update if bar is not None else None,
                       lean_markdown=driver == "cds", left_out=left_out,
                       order=list(entries) if left_out else (), source_dir=str(docs_dir),
                       theme_view=root / ".cds" / THEME_VIEW if driver == "cds" else None)
        try:
            mkdocs_build(cfg, dirty=not full)
            feeds = _write_feeds(root, cfg, config, articles, published,
                                 None if full else last.get("feeds"), bodies, media_keys)
            bodies.save(keep=feeds.bodies, prune=False)    # publish prunes (it knows the pages)
        except CdsError:
            raise
        except (Abort, ConfigurationError) as exc:
            raise SiteBuildError(capture.errors[0] if capture.errors else f"MkDocs: {exc}") from None
        except Exception as exc:               # a template or Markdown error inside MkDocs
            first = capture.errors[0] if capture.errors else ""
            raise SiteBuildError(" ".join(f"MkDocs: {first} {type(exc).__name__}: {exc}".split())) from None
        if cfg.strict and capture.warnings:
            raise SiteBuildError(f"MkDocs: aborted with {len(capture.warnings)} warnings in strict "
                                 f"mode: {capture.warnings[0]}")

        outputs: set[str] = set()
        page_outputs = []                              # every page of the site (dest_uri)
        for file in plugin.files:
            entry = entries.get(file.src_uri)
            included = file.inclusion.is_included()
            if included:
                outputs.add(file.dest_uri)
            if entry is None or not file.abs_src_path:
                continue
            is_page = file.is_documentation_page()
            if is_page and included:
                page_outputs.append(file.dest_uri)
            entry[3:] = [("p" if is_page else "s") if included else "x",
                         file.url if included else "", file.dest_uri if included else ""]
        for uri in plugin.dropped:                     # left out of MkDocs' list: as last time
            entry = entries[uri]
            if entry[3] in ("p", "s"):
                outputs.add(entry[5])
                if entry[3] == "p":
                    page_outputs.append(entry[5])   # still a page of the site (the search)
        outputs |= set(cfg.theme.static_templates)
        if "sitemap.xml" in outputs:
            outputs.add("sitemap.xml.gz")
            outputs.update(plugin.sitemaps)            # its parts: one gone is pruned
        outputs |= set(feeds.files)
        links = {uri: targets for uri, targets in (last.get("links") or {}).items()
                 if uri in entries and uri not in plugin.seen}
        links.update(plugin.links)
        result = BuildResult(site_dir=site_dir, full=full, pages=len(page_outputs),
                             rendered=plugin.rendered,
                             warnings=capture.warnings, driver=driver, feeds=feeds,
                             outputs=sorted(outputs), written_pages=sorted(plugin.written_pages),
                             left_out=len(plugin.dropped), page_outputs=page_outputs)
        if last and not full:
            result.stale = sorted(set(last.get("outputs") or ()) - outputs)
            result.removed = state_mod.prune(site_dir, result.stale)
        state_mod.write_json(state_path, {
            "schema": SCHEMA, "fingerprint": fingerprint, "outputs": sorted(outputs),
            "feeds": feeds.digests, "files": entries, "nav": nav_sig, "links": links,
            "dates": dates, "theme": []})
        result.seconds = time.monotonic() - started
        return result
    finally:
        if bar is not None:
            bar.close()
        logger.handlers = saved[2]
        logger.propagate = saved[1]
        logger.setLevel(saved[0])


def _droppable(cfg, docs_dir: str, entries: Mapping[str, list], untouched: set[str],
               changed: set[str], last_links: Mapping[str, list],
               custom: Path | None) -> dict[str, tuple[str, int, str, str]]:
    """The files a dirty build may leave out of MkDocs' list (``src_uri`` → kind, source time,
    URL, output, as the last build recorded them): untouched and not changed
    (:func:`_left_out` still checks that each output is there and fresh), named by no
    navigation entry and by no link of a page this build may render (every link the record
    holds, and those of the changed pages, read now). None when MkDocs' file list may matter to
    more than the sitemap: another plugin, or a theme override that reads the ``pages``
    variable, or a ``README`` file (MkDocs chooses between it and ``index`` from its list)."""
    if any(name != PLUGIN for name in cfg.plugins) or _reads_pages(cfg, custom) or \
            any(os.path.splitext(uri.rsplit("/", 1)[-1])[0].lower() == "readme" for uri in entries):
        return {}
    named = set(state_mod.nav_strings(cfg["nav"]))
    for targets in last_links.values():
        named.update(targets)
    for uri in changed:
        if uri.endswith((".md", ".markdown")):
            named.update(_page_targets(docs_dir, uri))
    out: dict[str, tuple[str, int, str]] = {}
    for uri in untouched:
        if uri in changed or uri in named:
            continue
        entry = entries[uri]
        if entry[3] not in ("p", "s", "x") or entry[2] < 0:
            continue
        folder = uri
        while "/" in folder:                           # a link to one of its folders
            folder = folder.rsplit("/", 1)[0]
            if folder in named:
                break
        else:
            out[uri] = (entry[3], entry[2], entry[4], entry[5])
    return out


def _left_out(cfg, site_dir: Path, droppable: Mapping[str, tuple[str, int, str, str]]
              ) -> dict[str, tuple[str, int, str]]:
    """Of ``droppable``, the files MkDocs' dirty build would neither render nor copy (``src_uri``
    → kind, source time, URL): excluded ones, and included ones whose output is there and no
    older than their source; not a page MkDocs would count as missing from the navigation
    (included, not matched by ``not_in_nav``: it says so at a warning level), nor a file that
    hides a theme file of the same name (MkDocs would add the theme's in its place)."""
    not_in_nav = cfg["not_in_nav"]
    theme_dirs = list(cfg.theme.dirs)
    site = str(site_dir)
    out: dict[str, tuple[str, int, str]] = {}
    for uri, (kind, mtime, url, dest) in droppable.items():
        if kind == "p":
            if not_in_nav is None or not not_in_nav.match_file(uri):
                continue
        elif any(os.path.isfile(os.path.join(folder, uri)) for folder in theme_dirs):
            continue
        if kind != "x":
            try:
                if os.stat(os.path.join(site, dest)).st_mtime_ns < mtime:
                    continue
            except OSError:
                continue                                   # no output: made again
        out[uri] = (kind, mtime, url)
    return out


def _docs_view(folder: Path, docs_dir: str, uris: Sequence[str]) -> bool:
    """``folder`` made a view of ``docs_dir`` holding only ``uris`` (symbolic links to the
    files, in real folders), for MkDocs to walk instead of every file of ``site_src/``. False
    when it cannot be made (the build then hands MkDocs every file)."""
    import shutil

    try:
        shutil.rmtree(folder, ignore_errors=True)
        made: set[str] = set()
        for uri in uris:
            parent = os.path.join(str(folder), os.path.dirname(uri))
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            os.symlink(os.path.join(docs_dir, uri), os.path.join(str(folder), uri))
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return False
    return True


def _page_targets(docs_dir: str, uri: str) -> list[str]:
    """The link targets of a page's Markdown, as the plugin's ``on_page_markdown`` finds them
    (every relative link of the file when its front matter is not publish's)."""
    from pipeline.site.pages.bodies import link_targets

    try:
        with open(os.path.join(docs_dir, uri), encoding="utf-8-sig", errors="strict") as fh:
            source = fh.read()
    except (OSError, ValueError):
        return []
    text, data = read_meta(source)
    if not data:
        return link_targets(uri, source)
    text = split_page(text, data.get("cds_kind"))[0]
    return link_targets(uri, text) if text else []


def _reads_pages(cfg, custom: Path | None) -> bool:
    """Whether a template of the root's theme folder reads MkDocs' ``pages`` (every page of the
    site), which a dirty build that leaves files out would give it short."""
    if custom is None or not custom.is_dir():
        return False
    import jinja2
    from jinja2 import meta

    env = cfg.theme.get_env()                  # the theme's filters: templates parse as MkDocs'
    for path in custom.rglob("*"):
        if path.suffix in (".html", ".xml") and path.is_file():
            try:
                names = meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, jinja2.TemplateSyntaxError):
                return True
            if "pages" in names:
                return True
    return False


def _write_feeds(root: Path, cfg, config: Config, articles: Sequence[Article],
                 published: Mapping, previous: Mapping | None, render: render_mod.BodyCache,
                 media_keys: Collection[str] | None = None):
    """The RSS/Atom feeds into ``site/``: only those whose inputs changed are made again; item
    bodies through the shared body cache (:class:`pipeline.site.render.BodyCache`).
    ``media_keys``: ``articles`` went through ``media.for_site`` with them already."""
    from pipeline.site import feeds_out, portal, websub

    chans = published.get("channels")
    available = media_keys if media_keys is not None else \
        media.available(config.content_dir)             # feeds: absolute site media URLs only
    sizes: dict[str, int] = {}                          # enclosures: the mirrored file's size
    for art in articles:
        key = media.media_key(art.image)
        url = media.absolute_media_url(config.site.url, art.image) if key in available else None
        if url and url not in sizes:
            try:
                st = os.lstat(config.content_dir / media.MEDIA_DIR / key)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                sizes[url] = st.st_size
    if media_keys is not None:
        feeds_for = [media.feed_copy(a, config.site.url) for a in articles]
    else:
        feeds_for = [media.for_feeds(a, config.site.url, available) for a in articles]
    result = feeds_out.write_feeds(
        config, feeds_for,
        Path(cfg.site_dir), render_html=render, sizes=sizes,
        channels=feeds_out.channels_from(chans) if chans is not None else None,
        urls=published.get("urls"), theme_names=published.get("themes"),
        previous=previous if isinstance(previous, Mapping) else None, memo=root / ".cds" / feeds_out.ITEMS_FILE)
    extra = portal.write_portal(config, feeds_for, Path(cfg.site_dir), urls=published.get("urls"),
                                theme_names=published.get("themes"),
                                state_file=root / ".cds" / PORTAL_STATE,
                                reuse=isinstance(previous, Mapping))
    result.files += extra.files
    websub.note_changed(root, config, result.changed)
    return result
