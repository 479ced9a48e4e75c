"""``site_src/`` → ``site/``: MkDocs, run programmatically, then the RSS/Atom feeds.

A driver at the level of ``jobs`` (no stage module imports it): it calls MkDocs and
:mod:`pipeline.feeds_out`, reading what :mod:`pipeline.publish` left in ``site_src/.publish.json``
(article URLs, feed channels, dates), and the root's ``feeds.yml`` and store when not given them.
Nothing here is configured in ``mkdocs.yml``: the plugin below is added to the loaded config in
code, so ``mkdocs.yml`` stays free of Python callables (portable to Zensical).

Incremental builds. A page is rendered again only when its file in ``site_src/`` changed (by
SHA-256 against the last build's, not by modification time) or its output is missing; MkDocs'
``dirty`` mode does the skipping. That is sound here because no page's HTML depends on another
page's source: the nav holds only the fixed section pages with titles given in ``mkdocs.yml``,
listings and related links are plain HTML written by ``publish``. Anything global —
``mkdocs.yml``, the theme overrides, the MkDocs/Material/cds versions, the site's URL and name —
goes into a fingerprint; when it differs from the last successful build's
(``.cds/site-build.json``), the build is a full, clean one. Outputs of the last build that are
no longer produced (removed articles, shorter listings) are deleted, so an incremental build
leaves the same files as a clean one (``bench/build.py`` and ``tests/test_site.py`` check it).

Several processes. When many pages need rendering and the machine has several CPUs, the build
forks: each process runs the same MkDocs build on its share of the pages (a stable hash of the
page's path), the first one also writes the theme assets, ``404.html`` and the sitemap.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jinja2
import nh3
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, BuildError, ConfigurationError
from mkdocs.plugins import BasePlugin
from mkdocs.utils import clean_directory

import pipeline
from pipeline import config as config_mod
from pipeline import feeds_out, publish
from pipeline import store as store_mod
from pipeline.errors import CdsError, ConfigError
from pipeline.models import Article, Config

STATE_FILE = "site-build.json"            # in <root>/.cds/
RENDER_CACHE = "feed-html.json"           # in <root>/.cds/: Markdown → HTML of feed items
JINJA_CACHE = "jinja"                     # in <root>/.cds/: compiled theme templates
SCHEMA = 3                                # bump when this module changes what it writes
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
    feeds: feeds_out.FeedsResult | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


# --- sanitising article pages -----------------------------------------------------------------

def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    # Ids starting "__" could clobber Material's own (#__config …): drop them.
    if attr == "id" and value.startswith("__"):
        return None
    # A body's images are absolute (the store's contract); a relative one can only be junk.
    if tag == "img" and attr == "src" and not value.lower().startswith(("http://", "https://")):
        return None
    return value


_SITE_TAGS = nh3.ALLOWED_TAGS | {"section", "nav", "figure", "figcaption", "time", "sup", "sub"}
_SITE_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"id", "class", "title", "lang", "dir", "aria-label", "aria-labelledby",
          "aria-current", "aria-hidden"},
    "a": {"href", "hreflang", "rel", "type"},
    "img": {"src", "alt", "title", "width", "height", "loading", "referrerpolicy", "decoding"},
    "time": {"datetime"},
    "th": nh3.ALLOWED_ATTRIBUTES["th"] | {"style"},
    "td": nh3.ALLOWED_ATTRIBUTES["td"] | {"style"},
    "ol": {"start", "type"},
}
_site_cleaner = nh3.Cleaner(tags=_SITE_TAGS, attributes=_SITE_ATTRIBUTES, link_rel=None,
                            url_schemes={"http", "https", "mailto"},
                            attribute_filter=_attribute_filter,
                            filter_style_properties={"text-align"})


def sanitize_page(html: str) -> str:
    """An article page's rendered content with nothing that can run (a second line of defence
    behind ``clean``: Markdown such as ``[x](javascript:…)`` or ``{: onclick=…}`` in a harvested
    text would otherwise become live HTML)."""
    return _site_cleaner.clean(html)


# --- the plugin added in code -----------------------------------------------------------------

class _CdsPlugin(BasePlugin):
    """Added to the loaded config by :func:`build_site`. It

    - renders only what needs Markdown: a page ``publish`` wrote as HTML (``cds_kind: html``)
      is taken as it is, and of an article page (``cds_kind: article``) only the body between
      publish's markers goes through Markdown — then through the sanitiser;
    - gives every page a deterministic sitemap date (publish's ``lastmod``);
    - counts the pages rendered and keeps the file list, to know the build's outputs.
    """

    def __init__(self, lastmod: Mapping[str, str], default_lastmod: str | None,
                 known: Mapping[str, str], digests: Mapping[str, str],
                 part: tuple[int, int] = (0, 1), jinja_cache: Path | None = None):
        super().__init__()
        self.jinja_cache = jinja_cache
        self.lastmod = lastmod
        self.default_lastmod = default_lastmod
        self.known = known                                 # src_uri → digest at the last build
        self.digests = digests                             # src_uri → digest now
        self.part = part                                   # (k, n): this process renders 1/n
        self.rendered = 0
        self.files = None
        self.nav_pages: list = []
        self._html: dict[str, tuple[str, str]] = {}       # src_uri → (before, after) the body

    def mine(self, file) -> bool:
        """Whether this process writes ``file``: pages are shared out by a stable hash of their
        path; everything else (static files, theme assets) is the first process's."""
        k, n = self.part
        if n == 1:
            return True
        if not file.is_documentation_page():
            return k == 0
        return int(hashlib.sha1(file.src_uri.encode()).hexdigest()[:8], 16) % n == k

    def on_files(self, files, *, config):
        """A file of site_src/ counts as changed when its bytes differ from the last build's
        (or its output is missing): MkDocs' own test compares modification times. A file
        another process renders counts as unchanged here."""
        self.files = files
        for file in files:
            if not self.mine(file):
                file.is_modified = _never
                continue
            digest = self.digests.get(file.src_uri)
            if digest is None or not file.abs_src_path:
                continue                                   # theme files: versions are fingerprinted
            changed = self.known.get(file.src_uri) != digest
            file.is_modified = (lambda f=file, c=changed: c or not os.path.isfile(f.abs_dest_path))
        return files

    def on_page_markdown(self, markdown, *, page, config, files):
        kind = page.meta.get("cds_kind")
        if kind == "html":
            self._html[page.file.src_uri] = (markdown, "")
            return ""
        if kind == "article":
            head, sep, rest = markdown.partition(publish.BODY_START)
            body, sep2, tail = rest.rpartition(publish.BODY_END)
            if sep and sep2:
                # md_in_html's attribute, which Markdown would have consumed: not for the HTML
                head = head.replace(publish.ARTICLE_START, publish.ARTICLE_START.replace(' markdown="1"', ""))
                self._html[page.file.src_uri] = (head, tail)
                return body
        return markdown

    def on_page_content(self, html, *, page, config, files):
        self.rendered += 1
        kind = page.meta.get("cds_kind")
        if kind == "article":
            html = sanitize_page(html)
        parts = self._html.pop(page.file.src_uri, None)
        if parts is not None:
            html = parts[0].strip() + ("\n" + html.strip() if html.strip() else "") + (
                "\n" + parts[1].strip() if parts[1].strip() else "")
        return html

    def on_nav(self, nav, *, config, files):
        self.nav_pages = list(nav.pages)
        return nav

    def on_env(self, env, *, config, files):
        if self.jinja_cache is not None:         # compiled templates kept between builds
            self.jinja_cache.mkdir(parents=True, exist_ok=True)
            env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(self.jinja_cache))
        for page in self.nav_pages:
            if page.markdown is None:          # skipped by an incremental build: the nav of
                page.read_source(config)       # the pages rendered shows its title and meta
        for file in files.documentation_pages():
            if file.page is not None:
                date = self.lastmod.get(file.src_uri) or self.default_lastmod
                if date:
                    file.page.update_date = date
        return env

    def outputs(self, config) -> set[str]:
        out = {f.dest_uri for f in self.files if f.inclusion.is_included()}
        out |= set(config.theme.static_templates)
        if "sitemap.xml" in out:
            out.add("sitemap.xml.gz")
        return out


# --- helpers ----------------------------------------------------------------------------------

def _never() -> bool:
    return False


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _fingerprint(cfg_file: Path, overrides: Path | None, settings: Mapping[str, str]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"schema": SCHEMA, "cds": pipeline.__version__, **settings,
                         "mkdocs": _version("mkdocs"), "material": _version("mkdocs-material")},
                        sort_keys=True).encode())
    h.update(cfg_file.read_bytes())
    if overrides and overrides.is_dir():
        for path in sorted(overrides.rglob("*")):
            if path.is_file():
                h.update(path.relative_to(overrides).as_posix().encode() + b"\0")
                h.update(path.read_bytes())
    return h.hexdigest()


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


class _CachedRenderer:
    """Markdown → HTML for the feeds, remembered between builds (by the body's digest, for one
    fingerprint): an incremental build renders only the new and changed articles' bodies."""

    def __init__(self, path: Path, fingerprint: str, render: Callable[[str], str]):
        self.path, self.fingerprint, self.render = path, fingerprint, render
        data = _read_json(path)
        self.old = data.get("html", {}) if data.get("fingerprint") == fingerprint else {}
        self.used: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if key not in self.used:
            cached = self.old.get(key)
            self.used[key] = cached if isinstance(cached, str) else self.render(text)
        return self.used[key]

    def save(self) -> None:
        _write_json(self.path, {"fingerprint": self.fingerprint, "html": self.used})


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _prune(site_dir: Path, stale: set[str]) -> int:
    removed = 0
    folders = set()
    for rel in stale:
        path = site_dir / rel
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        folders.update(path.parents)
    for folder in sorted((f for f in folders if site_dir in f.parents), key=lambda p: -len(p.parts)):
        try:
            folder.rmdir()                     # only when empty
        except OSError:
            pass
    return removed


# --- rendering in several processes -----------------------------------------------------------

PARALLEL_MIN = 150          # pages to render before a build is shared out between processes
MAX_WORKERS = 4


def _workers(changed: int) -> int:
    """How many processes render: one per CPU (at most MAX_WORKERS) when there is enough to
    render and the platform can fork; else one."""
    if not hasattr(os, "fork") or changed < PARALLEL_MIN:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def _digests(docs_dir: Path, known: Mapping[str, list]) -> dict[str, list]:
    """src_uri → [SHA-256, size, mtime_ns] of every file of site_src/ MkDocs reads (dot files are
    not read). A file whose size and modification time are those of ``known`` keeps its known
    digest (the way git's index avoids re-reading files)."""
    out = {}
    for path in docs_dir.rglob("*"):
        rel = path.relative_to(docs_dir).as_posix()
        if any(p.startswith(".") for p in rel.split("/")):
            continue
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            continue
        old = known.get(rel)
        if isinstance(old, list) and old[1:] == [st.st_size, st.st_mtime_ns]:
            out[rel] = old
        else:
            out[rel] = [hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns]
    return out


class _Child:
    """A forked process that renders its share of the pages (see :meth:`_CdsPlugin.mine`)."""

    def __init__(self, pid: int, fd: int):
        self.pid, self.fd = pid, fd

    def join(self) -> dict:
        with os.fdopen(self.fd, "rb") as fh:
            data = fh.read()
        _, status = os.waitpid(self.pid, 0)
        try:
            report = json.loads(data or b"{}")
        except ValueError:
            report = {}
        if os.waitstatus_to_exitcode(status) != 0 and not report.get("error"):
            report["error"] = f"MkDocs: a build process ended with status {status}"
        return report


def _fork_part(cfg, plugin: _CdsPlugin) -> _Child:
    """Fork a process that builds ``cfg`` with ``plugin`` (its share), reports on a pipe."""
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return _Child(pid, read)
    os.close(read)                                       # the child: never returns
    status, report = 1, {}
    logger = logging.getLogger("mkdocs")
    capture = _LogCapture()
    logger.handlers = [h for h in logger.handlers if not isinstance(h, _LogCapture)] + [capture]
    try:
        cfg.plugins["cds-site"] = plugin
        cfg.theme.static_templates.clear()               # sitemap, 404: the first process's
        mkdocs_build(cfg, dirty=True)
        report = {"rendered": plugin.rendered, "warnings": capture.warnings}
        status = 0
    except BaseException as exc:                         # reported to the parent, one line
        first = capture.errors[0] if capture.errors else ""
        report = {"error": " ".join(f"MkDocs: {first} {type(exc).__name__}: {exc}".split())}
    finally:
        try:
            data = memoryview(json.dumps(report).encode())
            while data:
                data = data[os.write(write, data):]
        finally:
            os._exit(status)


# --- the build --------------------------------------------------------------------------------

def build_site(root: Path, *, config: Config | None = None,
               articles: Sequence[Article] | None = None, quiet: bool = True,
               full: bool = False) -> BuildResult:
    """Build ``<root>/site/`` from ``<root>/site_src/`` (run ``publish`` first), then write the
    RSS/Atom feeds into it.

    ``config`` and ``articles`` default to the root's ``feeds.yml`` and stored articles (pass
    them when you have them). The site's URL, name and description come from ``feeds.yml``,
    overriding ``mkdocs.yml``, so pages and feeds agree. ``full`` forces a clean build;
    otherwise only changed pages are rendered when nothing global changed since the last build.
    Problems are raised as :class:`CdsError` with one line (``ConfigError`` for a bad
    ``feeds.yml`` or ``mkdocs.yml``).
    """
    started = time.monotonic()
    root = Path(root)
    cfg_file = root / "mkdocs.yml"
    if not cfg_file.is_file():
        raise ConfigError(f"{cfg_file}: missing (the site's MkDocs configuration)")
    if config is None:
        config = config_mod.load(root)
    if articles is None:
        articles = store_mod.Store(config.content_dir).articles()
    overrides = {"site_url": config.site.url, "site_name": config.site.title}
    if config.site.description:
        overrides["site_description"] = config.site.description

    logger = logging.getLogger("mkdocs")
    capture = _LogCapture()
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.handlers = [capture]
    logger.propagate = False
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    if not quiet:
        echo = logging.StreamHandler(sys.stderr)
        echo.setFormatter(logging.Formatter("mkdocs: %(message)s"))
        logger.addHandler(echo)
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
        published = _read_json(docs_dir / publish.MANIFEST)
        custom = cfg.theme.custom_dir if hasattr(cfg.theme, "custom_dir") else None
        fingerprint = _fingerprint(cfg_file, Path(custom) if custom else None, overrides)
        state_path = root / ".cds" / STATE_FILE
        last = _read_json(state_path)
        incremental = (not full and last.get("fingerprint") == fingerprint and site_dir.is_dir())
        state_path.unlink(missing_ok=True)      # a build that dies half-way is followed by a full one

        known = (last.get("sources") or {}) if incremental else {}
        files = _digests(docs_dir, known)
        digests = {uri: entry[0] for uri, entry in files.items()}
        before = {uri: entry[0] for uri, entry in known.items() if isinstance(entry, list)}
        changed = sum(1 for uri, d in digests.items() if before.get(uri) != d)
        n = _workers(changed)
        args = (published.get("lastmod") or {}, published.get("site_lastmod"), before, digests)
        if n > 1 and not incremental:
            clean_directory(str(site_dir))     # what a clean build does first; then all "dirty"
        cache = root / ".cds" / JINJA_CACHE
        children = [_fork_part(cfg, _CdsPlugin(*args, part=(k, n), jinja_cache=cache))
                    for k in range(1, n)]
        plugin = _CdsPlugin(*args, part=(0, n), jinja_cache=cache)
        cfg.plugins["cds-site"] = plugin
        try:
            try:
                mkdocs_build(cfg, dirty=incremental or n > 1)
            finally:
                others = [child.join() for child in children]
        except (Abort, BuildError, ConfigurationError) as exc:
            raise SiteBuildError(capture.errors[0] if capture.errors else f"MkDocs: {exc}") from None
        except Exception as exc:               # a template or plugin error inside MkDocs
            first = capture.errors[0] if capture.errors else ""
            raise SiteBuildError(" ".join(f"MkDocs: {first} {type(exc).__name__}: {exc}".split())) from None
        for other in others:
            if other.get("error"):
                raise SiteBuildError(other["error"])
            capture.warnings += other.get("warnings", [])
        outputs = plugin.outputs(cfg)
        pages = sum(1 for f in plugin.files.documentation_pages())

        result = BuildResult(site_dir=site_dir, full=not incremental, pages=pages,
                             rendered=plugin.rendered + sum(o.get("rendered", 0) for o in others),
                             warnings=capture.warnings)
        render = _CachedRenderer(root / ".cds" / RENDER_CACHE, fingerprint,
                                 feeds_out.markdown_renderer(cfg.markdown_extensions, cfg.mdx_configs))
        chans = published.get("channels")
        result.feeds = feeds_out.write_feeds(
            config, articles, site_dir, render_html=render,
            channels=feeds_out.channels_from(chans) if chans is not None else None,
            urls=published.get("urls"), theme_names=published.get("themes"))
        outputs |= set(result.feeds.files)
        render.save()
        if incremental:
            result.removed = _prune(site_dir, set(last.get("outputs") or ()) - outputs)
        _write_json(state_path, {"fingerprint": fingerprint, "outputs": sorted(outputs),
                                 "sources": files})
        result.seconds = time.monotonic() - started
        return result
    finally:
        logger.handlers = saved[2]
        logger.propagate = saved[1]
        logger.setLevel(saved[0])
