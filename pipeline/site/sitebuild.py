"""``site_src/`` → ``site/``: MkDocs + Material, then the RSS/Atom feeds.

A driver at the level of ``jobs`` (no stage module imports it): it runs MkDocs and
:mod:`pipeline.site.feeds_out`, reading what :mod:`pipeline.site.publish` left in ``site_src/.publish.json``
(article URLs, feed channels, dates), and the root's ``feeds.yml`` and store when not given them.
Nothing is configured in ``mkdocs.yml``: ``mkdocs.yml`` stays free of Python callables (portable
to Zensical); what cds adds is done in code here.

What cds adds to a plain ``mkdocs build`` (the pages are otherwise MkDocs + Material's own):

- a page ``publish`` wrote as HTML (front matter ``cds_kind: html``) is taken as it is, and of
  an article page (``cds_kind: article``) only the body between publish's markers goes through
  Markdown — then through a sanitiser (a second line of defence behind ``clean``);
- every page gets a deterministic sitemap date (publish's ``lastmod``), so the same
  ``site_src/`` gives the same bytes.

Two ways to build, same output:

- *The cds driver* (the Material theme; ``mkdocs.yml`` without plugins, hooks or extra
  templates; an explicit ``nav``: the cds roots). It runs MkDocs' own pieces — files,
  navigation, pages, Markdown with MkDocs' link and anchor processors, the theme's Jinja
  templates, the sitemap template — but reads and renders only what it must: one Markdown parser
  for all pages (reset between them, as MkDocs' own extensions allow) instead of a new one per
  page, no Markdown at all for HTML pages, front matter in publish's JSON-per-line form read
  with ``json`` (anything else goes to MkDocs' YAML reader), Material's navigation, tab bar and
  translations rendered once a page class (:class:`_Chrome`; off when those partials are
  overridden or Material is a version not checked), the sitemap from each page's URL and date;
  on a cold build, processes take chunks of pages from a queue while this one copies the static
  files and writes the feeds.
- *MkDocs' build* with a plugin doing the same (any other ``mkdocs.yml``, or theme overrides
  that read the whole page list; the reference the tests compare the driver with).

Incremental builds. ``.cds/site-build.json`` records the last successful build: a fingerprint of
everything global (``mkdocs.yml``, the theme overrides, this module, MkDocs/Material/Markdown/Jinja/cds
versions, the site's URL and name), the navigation pages' titles and front matter, the SHA-256 of
every file of ``site_src/`` (re-read only when its size or modification time changed), the
outputs, the files each page's Markdown looked up (relative links), the sitemap's and every
feed's inputs. A page is rendered again only when its source or date changed, its output is
missing, or a file one of its links names appeared or vanished; the sitemap and each feed only
when their inputs changed. That is sound because no page's HTML depends on another page's source
except through the navigation (its pages' titles and front matter are compared) and links
(tracked): listings and related links are plain HTML that ``publish`` rewrites when they change.
Anything else — a different fingerprint or navigation, a missing or malformed state file —
makes a full, clean build. The state is removed when a build starts and written when it ends,
so a build that dies half-way is followed by a full one. Outputs of the last build that are no
longer produced are deleted: an incremental build leaves the same bytes as a clean one
(``bench/build.py`` and ``tests/test_site.py`` check it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePath
from types import SimpleNamespace
from urllib.parse import urljoin

import nh3

import pipeline
from pipeline.store import media
from pipeline.core.errors import CdsError, ConfigError
from pipeline.core.fileio import trusted_mtime, write_atomic
from pipeline.core.models import Article, Config
from pipeline.site.publish import ARTICLE_START, BODY_END, BODY_START, MANIFEST

STATE_FILE = "site-build.json"            # in <root>/.cds/
RENDER_CACHE = "feed-html.json"           # in <root>/.cds/: Markdown → HTML of feed items
JINJA_CACHE = "jinja"                     # in <root>/.cds/: compiled theme templates
SCHEMA = 4                                # bump when this module changes what it writes
_IGNORED_WARNINGS = ("A 'dirty' build is being performed",)

# the block of an article page, without md_in_html's attribute (which Markdown consumes)
ARTICLE_START_HTML = ARTICLE_START.replace(' markdown="1"', "")


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
    driver: str = "cds"             # "cds" (the cds driver) or "mkdocs" (MkDocs' build)


# --- sanitising article pages -----------------------------------------------------------------

def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    # Ids starting "__" could clobber Material's own (#__config …): drop them.
    if attr == "id" and value.startswith("__"):
        return None
    # Pictures come from the site's own media only (docs/media.md); anything else is dropped.
    if tag == "img" and attr == "src" and not media.is_media_src(value):
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


def split_page(markdown: str, kind: object) -> tuple[str, str | None, str]:
    """(Markdown to render, HTML before it, HTML after it) of a page publish wrote: all of an
    HTML page is HTML, of an article only the body between the markers is Markdown (the block's
    ``markdown="1"``, which Markdown would have consumed, is not for the HTML). ``None``: render
    all of it (any other page)."""
    if kind == "html":
        return "", markdown, ""
    if kind == "article":
        head, sep, rest = markdown.partition(BODY_START)
        body, sep2, tail = rest.rpartition(BODY_END)
        if sep and sep2:
            return body, head.replace(ARTICLE_START, ARTICLE_START_HTML), tail
    return markdown, None, ""


def join_page(html: str, kind: object, head: str | None, tail: str) -> str:
    """The page's content: the rendered Markdown (sanitised for an article) between publish's
    HTML parts."""
    if kind == "article":
        html = sanitize_page(html)
    if head is None:
        return html
    html = html.strip()
    tail = tail.strip()
    return head.strip() + ("\n" + html if html else "") + ("\n" + tail if tail else "")


# --- small helpers ----------------------------------------------------------------------------

def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _write_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _prune(site_dir: Path, stale: Iterable[str]) -> int:
    removed = 0
    folders = set()
    for rel in stale:
        path = site_dir / rel
        try:
            path.unlink()
            removed += 1
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
        folders.update(path.parents)
    for folder in sorted((f for f in folders if site_dir in f.parents), key=lambda p: -len(p.parts)):
        try:
            folder.rmdir()                     # only when empty
        except OSError:
            pass
    return removed


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

    def __init__(self, path: Path, fingerprint: str, make: Callable[[], Callable[[str], str]]):
        self.path, self.fingerprint, self.make = path, fingerprint, make
        self.render: Callable[[str], str] | None = None
        data = _read_json(path)
        self.old = data.get("html", {}) if data.get("fingerprint") == fingerprint else {}
        if not isinstance(self.old, dict):
            self.old = {}
        self.used: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if key not in self.used:
            cached = self.old.get(key)
            if not isinstance(cached, str):
                if self.render is None:
                    self.render = self.make()
                cached = self.render(text)
            self.used[key] = cached
        return self.used[key]

    def save(self, keep: Iterable[str] = ()) -> None:
        """Keep what this build used, and what it did not need to look at (``keep``: the
        bodies of feed items whose feeds were not made again)."""
        out = dict(self.used)
        for text in keep:
            key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            if key not in out and isinstance(self.old.get(key), str):
                out[key] = self.old[key]
        if out != self.old:
            _write_json(self.path, {"fingerprint": self.fingerprint, "html": out})


# --- fingerprint ------------------------------------------------------------------------------

_PAGES_VAR = re.compile(r"(?<![.\w])pages(?!\w)")
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _reads_pages(template: str) -> bool:
    """Whether a Jinja template uses the variable ``pages`` (conservatively: anywhere in a tag)."""
    text = _JINJA_COMMENT.sub("", template)
    return any(_PAGES_VAR.search(tag) for tag in _JINJA_TAG.findall(text))


def _fingerprint(cfg_file: Path, overrides: Path | None,
                 settings: Mapping[str, str]) -> tuple[str, bool]:
    """The digest of everything every page depends on, and whether a theme override reads the
    template variable ``pages`` (the whole page list: then MkDocs' own build is used)."""
    h = hashlib.sha256(Path(__file__).read_bytes())           # pages change with this code
    h.update(json.dumps({"schema": SCHEMA, "cds": pipeline.__version__, **settings,
                         "python": sys.version_info[:2],
                         **{dist: _version(dist) for dist in (
                             "mkdocs", "mkdocs-material", "markdown", "jinja2", "pymdown-extensions",
                             "nh3")}},
                        sort_keys=True).encode())
    h.update(cfg_file.read_bytes())
    reads_pages = False
    if overrides and overrides.is_dir():
        for path in sorted(overrides.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                h.update(path.relative_to(overrides).as_posix().encode() + b"\0")
                h.update(hashlib.sha256(data).digest())
                if path.suffix in (".html", ".xml", ".j2", ".jinja") and \
                        _reads_pages(data.decode("utf-8", "replace")):
                    reads_pages = True
    return h.hexdigest(), reads_pages


# --- the whole build --------------------------------------------------------------------------

def build_site(root: Path, *, config: Config | None = None,
               articles: Sequence[Article] | None = None, quiet: bool = True,
               full: bool = False, driver: str | None = None) -> BuildResult:
    """Build ``<root>/site/`` from ``<root>/site_src/`` (run ``publish`` first), then write the
    RSS/Atom feeds into it.

    ``config`` and ``articles`` default to the root's ``feeds.yml`` and stored articles (pass
    them when you have them). The site's URL, name and description come from ``feeds.yml``,
    overriding ``mkdocs.yml``, so pages and feeds agree. ``full`` forces a clean build;
    otherwise only what changed is rendered when nothing global changed since the last build.
    ``driver`` ("cds" or "mkdocs") forces one way of building (tests); by default the cds
    driver builds whenever ``mkdocs.yml`` allows it. Problems are raised as :class:`CdsError`
    with one line (``ConfigError`` for a bad ``feeds.yml`` or ``mkdocs.yml``).
    """
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from pipeline import config as config_mod

    started = time.monotonic()
    root = Path(root)
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
        published = _read_json(docs_dir / MANIFEST)
        custom = cfg.theme.custom_dir if hasattr(cfg.theme, "custom_dir") else None
        fingerprint, reads_pages = _fingerprint(cfg_file, Path(custom) if custom else None,
                                                overrides)
        state_path = root / ".cds" / STATE_FILE
        last = _read_json(state_path)
        if driver is None:
            driver = "cds" if _driver_fits(cfg) and not reads_pages else "mkdocs"
        if last.get("schema") != SCHEMA or last.get("fingerprint") != fingerprint or \
                last.get("driver") != driver or not _well_formed(last):
            last = {}
        state_path.unlink(missing_ok=True)      # a build that dies half-way is followed by a full one
        job = (_Driver if driver == "cds" else _MkDocsBuild)(
            cfg, root=root, published=published, last=last, capture=capture,
            full=full or not site_dir.is_dir())
        feeds: list = []

        def write_feeds() -> None:              # while pages render, when the driver can
            feeds.append(_write_feeds(root, cfg, config, articles, published, fingerprint,
                                      None if job.full else last.get("feeds")))

        job.side = write_feeds
        try:
            try:
                state = job.run()
            except _UseMkDocs:
                driver = "mkdocs"
                job = _MkDocsBuild(cfg, root=root, published=published, last={}, capture=capture,
                                   full=True)
                state = job.run()
            if not feeds:
                write_feeds()
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
        result = BuildResult(site_dir=site_dir, full=job.full, pages=job.pages,
                             rendered=job.rendered, warnings=capture.warnings, driver=driver,
                             feeds=feeds[0])
        outputs = job.outputs | set(result.feeds.files)
        if last and not job.full:
            result.removed = _prune(site_dir, set(last.get("outputs") or ()) - outputs)
        _write_json(state_path, {"schema": SCHEMA, "fingerprint": fingerprint,
                                 "outputs": sorted(outputs), "feeds": result.feeds.digests, **state})
        result.seconds = time.monotonic() - started
        return result
    finally:
        logger.handlers = saved[2]
        logger.propagate = saved[1]
        logger.setLevel(saved[0])


def _write_feeds(root: Path, cfg, config: Config, articles: Sequence[Article],
                 published: Mapping, fingerprint: str, previous: Mapping | None):
    """The RSS/Atom feeds into ``site/``: only those whose inputs changed are made again."""
    from pipeline.site import feeds_out

    render = _CachedRenderer(root / ".cds" / RENDER_CACHE, fingerprint,
                             lambda: feeds_out.markdown_renderer(cfg.markdown_extensions,
                                                                 cfg.mdx_configs))
    chans = published.get("channels")
    available = media.available(config.content_dir)     # feeds: absolute site media URLs only
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
    feeds_for = [media.for_feeds(a, config.site.url, available) for a in articles]
    result = feeds_out.write_feeds(
        config, feeds_for,
        Path(cfg.site_dir), render_html=render, sizes=sizes,
        channels=feeds_out.channels_from(chans) if chans is not None else None,
        urls=published.get("urls"), theme_names=published.get("themes"),
        previous=previous if isinstance(previous, Mapping) else None)
    render.save(keep=result.bodies)
    from pipeline.site import portal, websub
    extra = portal.write_portal(config, feeds_for, Path(cfg.site_dir), urls=published.get("urls"),
                                theme_names=published.get("themes"))
    result.files += extra.files
    websub.note_changed(root, config, result.changed)
    return result


def _well_formed(state: Mapping) -> bool:
    """Whether a build state read from disk has the shape this module writes (anything else:
    a full build)."""
    files = state.get("files")
    if not isinstance(files, dict) or not isinstance(state.get("outputs"), list):
        return False
    for entry in files.values():
        if not (isinstance(entry, list) and len(entry) == 6 and isinstance(entry[0], str)
                and isinstance(entry[1], int) and isinstance(entry[2], int)
                and entry[3] in ("p", "s", "x", "?")
                and all(isinstance(x, str) for x in entry[4:])):
            return False
    if state.get("driver") == "cds":
        links, dates, theme = state.get("links"), state.get("dates"), state.get("theme")
        if not (isinstance(links, dict) and all(isinstance(v, list) for v in links.values())
                and isinstance(dates, dict) and isinstance(theme, list)
                and all(isinstance(t, list) and len(t) == 3 and isinstance(t[1], int) for t in theme)
                and isinstance(state.get("nav"), str) and isinstance(state.get("sitemap"), str)):
            return False
    return isinstance(state.get("feeds") or {}, dict)


def _driver_fits(cfg) -> bool:
    """Whether the cds driver can build this configuration exactly as MkDocs would: the
    Material theme (whose templates never read the whole page list), nothing that runs code
    at MkDocs' build events (plugins, hooks), no extra templates."""
    return cfg.theme.name == "material" and len(cfg.plugins) == 0 and not cfg.extra_templates


# --- site_src/ as MkDocs sees it --------------------------------------------------------------

def _file_sort_key(name: str) -> tuple[bool, str]:
    return (os.path.splitext(name)[0] not in ("index", "README"), name)


def _scan(docs_dir: str) -> list[tuple[str, int, int]]:
    """(src_uri, size, mtime_ns) of every file MkDocs would read in ``docs_dir``, in the order
    its ``get_files`` lists them (a folder's files, index first, then its sub-folders, sorted).
    Dot files and folders are left out: MkDocs always excludes them."""
    out: list[tuple[str, int, int]] = []

    def walk(folder: str, prefix: str) -> None:
        files, dirs = [], []
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    dirs.append(entry)
                else:
                    files.append(entry)
        for entry in sorted(files, key=lambda e: _file_sort_key(e.name)):
            st = entry.stat()
            out.append((prefix + entry.name, st.st_size, st.st_mtime_ns))
        for entry in sorted(dirs, key=lambda e: e.name):
            walk(entry.path, prefix + entry.name + "/")

    walk(docs_dir, "")
    return out


_JSON_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): (.*)")
_YAML_WORD_KEYS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null"}


def _plain(value: object) -> bool:
    """JSON values that YAML reads the same: strings, booleans, null, lists and mappings of them
    (no numbers: YAML 1.1 reads some JSON numbers differently)."""
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    return False


def read_meta(source: str) -> tuple[str, dict]:
    """``mkdocs.utils.meta.get_data``: (Markdown, front matter). Front matter written the way
    ``publish`` writes it (``key: <JSON>`` a line, JSON being a subset of YAML) is read with
    ``json``, which gives the same values many times faster; anything else goes to MkDocs."""
    from mkdocs.utils import meta

    m = meta.YAML_RE.match(source)
    if m:
        data: dict = {}
        for line in m.group(1).split("\n")[:-1]:
            lm = _JSON_LINE.fullmatch(line)
            if lm is None or lm.group(1).lower() in _YAML_WORD_KEYS or "\\/" in line:
                break
            try:
                value = json.loads(lm.group(2))
            except ValueError:
                break
            if not _plain(value):
                break
            data[lm.group(1)] = value
        else:
            if data:
                return source[m.end():].lstrip("\n"), data
    return meta.get_data(source)


# --- Markdown, as MkDocs' Page.render does it -------------------------------------------------

# Extensions whose state Markdown.reset() clears completely (checked against fresh parsers by
# tests/test_site.py); with any other, a fresh parser is made for every page, as MkDocs does.
_RESETTABLE = {"toc", "tables", "attr_list", "md_in_html", "admonition", "footnotes", "abbr",
               "def_list", "fenced_code", "sane_lists", "nl2br", "smarty", "meta", "legacy_attrs",
               "legacy_em", "wikilinks"}


def _extension_name(ext: object) -> str | None:
    if not isinstance(ext, str):
        return None
    return ext.rsplit(".", 1)[-1] if ext.startswith("markdown.extensions.") else ext


class _Markdown:
    """``Page.render`` of MkDocs 1.6 with one parser for every page: the parser is reset and
    MkDocs' four per-page processors (raw HTML anchors, anchors, relative links, title) are
    registered again, in the order a fresh parser has them (checked)."""

    def __init__(self, cfg):
        self.cfg = cfg
        names = [_extension_name(e) for e in cfg["markdown_extensions"]]
        self.reuse = all(n in _RESETTABLE for n in names)
        self.md = None
        self.order: list[list[str]] | None = None

    @staticmethod
    def _order(md) -> list[list[str]]:
        out = []
        for reg in (md.preprocessors, md.parser.blockprocessors, md.treeprocessors,
                    md.inlinePatterns, md.postprocessors):
            reg._sort()
            out.append([item.name for item in reg._priority])
        return out

    def render(self, page, text: str, files) -> None:
        import markdown
        from mkdocs.structure import pages as mkpages
        from mkdocs.structure.toc import get_toc

        cfg = self.cfg
        if not self.reuse:
            saved, page.markdown = page.markdown, text
            try:
                page.render(cfg, files)
            finally:
                page.markdown = saved
            return
        if self.md is None:
            self.md = markdown.Markdown(extensions=cfg["markdown_extensions"],
                                        extension_configs=cfg["mdx_configs"] or {})
        md = self.md
        md.reset()
        raw = mkpages._RawHTMLPreprocessor()
        raw._register(md)
        anchors = mkpages._ExtractAnchorsTreeprocessor(page.file, files, cfg)
        anchors._register(md)
        relative = mkpages._RelativePathTreeprocessor(page.file, files, cfg)
        relative._register(md)
        title = mkpages._ExtractTitleTreeprocessor()
        title._register(md)
        if self.order is None:                   # the first page: how a fresh parser looks
            fresh = markdown.Markdown(extensions=cfg["markdown_extensions"],
                                      extension_configs=cfg["mdx_configs"] or {})
            for proc in (mkpages._RawHTMLPreprocessor(),
                         mkpages._ExtractAnchorsTreeprocessor(page.file, files, cfg),
                         mkpages._RelativePathTreeprocessor(page.file, files, cfg),
                         mkpages._ExtractTitleTreeprocessor()):
                proc._register(fresh)
            self.order = self._order(fresh)
        if self._order(md) != self.order:        # never seen; but then do as MkDocs does
            self.reuse = False
            self.render(page, text, files)
            return
        page.content = md.convert(text)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw.present_anchor_ids
        if mkpages.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors


class _Files:
    """What the Markdown link processors and the navigation ask of MkDocs' ``Files``:
    ``get_file_from_path``. Files are made when first asked for, exactly as ``get_files`` and
    ``add_files_from_theme`` would have made them, and every question is recorded (a page whose
    link named a file that later appears or vanishes is rendered again)."""

    def __init__(self, cfg, env, known: Mapping[str, object] | None = None):
        self.cfg, self.env = cfg, env
        self.known = dict(known or {})              # src_uri → File, made already
        self.asked: set[str] = set()
        self._theme: list[str] | None = None

    def documentation_pages(self, **_kw) -> list:
        return []                                   # get_navigation: nav pages come by lookup

    def _theme_dir(self, uri: str) -> str | None:
        """The theme folder ``add_files_from_theme`` would take ``uri`` from (MkDocs 1.6's
        filter, asked of one file instead of listing every file of the theme)."""
        import fnmatch

        from mkdocs import utils

        if self._theme is None:
            self._theme = ['.*', '*/.*', '*.py', '*.pyc', '*.html', '*readme*', 'mkdocs_theme.yml',
                           'locales/*', *(f'*{x}' for x in utils.markdown_extensions),
                           *self.cfg.theme.static_templates]
        name = uri.lower()
        if any(fnmatch.fnmatch(name, pattern) for pattern in self._theme):
            return None
        for folder in self.cfg.theme.dirs:
            if os.path.isfile(os.path.join(folder, uri)):
                return folder
        return None

    def get_file_from_path(self, path: str):
        from mkdocs.structure.files import File, Files, set_exclusions

        uri = PurePath(path).as_posix()
        self.asked.add(uri)
        found = self.known.get(uri)
        if found is not None or uri in self.known:
            return found
        docs = self.cfg.docs_dir
        file = None
        if uri.startswith("/") or ".." in uri.split("/") or uri == ".":
            pass                                    # never a key of MkDocs' Files
        elif os.path.isfile(os.path.join(docs, uri)):
            file = File(uri, docs, self.cfg.site_dir, self.cfg.use_directory_urls)
        elif (folder := self._theme_dir(uri)) is not None:
            file = File(uri, folder, self.cfg.site_dir, self.cfg.use_directory_urls)
        if file is not None:
            set_exclusions(Files([file]), self.cfg)
        self.known[uri] = file
        return file


# --- the constant chrome: Material's navigation and tabs, rendered once --------------------

# Material versions whose partials below were read: for a page that is not in the navigation
# (no navigation item active, never equal to the page), partials/nav.html and partials/tabs.html
# depend only on the configuration, the navigation, ``features`` and the URLs the ``url`` filter
# makes of their (constant) links; partials/language.html's ``t`` only on the site's language.
# Any other version, or any of these partials in the theme overrides: no memo (the same output,
# rendered every time).
_CHROME_VERSIONS = {"9.8.1"}
_CHROME = ("partials/nav.html", "partials/tabs.html")
_CHROME_READ = ("partials/nav.html", "partials/nav-item.html", "partials/tabs.html",
                "partials/tabs-item.html", "partials/logo.html", "partials/toc.html",
                "partials/toc-item.html", "partials/source.html", "partials/language.html",
                "partials/languages/en.html")


class _Chrome:
    """Memoises Material's navigation and tab bar per page class (the URLs their links take
    from that page, ``features``), and the language partial's ``t``."""

    def __init__(self, env, nav_uris: set[str], language: str):
        import jinja2

        self.nav_uris = nav_uris
        self.recording: list[str] | None = None
        self.entries: dict[str, list[tuple[tuple[str, ...], dict]]] = {n: [] for n in _CHROME}
        self.hits = 0
        self.url = env.filters["url"]
        chrome = self

        @jinja2.pass_context
        def url(context, value):
            if chrome.recording is not None:
                chrome.recording.append(str(value))
            return chrome.url(context, value)

        env.filters["url"] = url                 # before any template is compiled
        self.language = f"partials/languages/{language}.html"

    def install(self, env) -> bool:
        import material

        base = Path(material.__file__).parent / "templates"
        if _version("mkdocs-material") not in _CHROME_VERSIONS:
            return False
        for name in (*_CHROME_READ, self.language):
            try:
                filename = env.get_template(name).filename or ""
            except Exception:
                return False
            if Path(filename).parent not in (base / "partials", base / "partials" / "languages"):
                return False                     # overridden: leave it alone
        for name in _CHROME:
            template = env.get_template(name)
            template.root_render_func = self._memo(name, template.root_render_func)
        language = env.get_template("partials/language.html")
        language.make_module = self._module(language.make_module)
        return True

    def _eligible(self, context) -> bool:
        page, nav = context.get("page"), context.get("nav")
        file = getattr(page, "file", None)
        return (file is not None and nav is not None and file.src_uri not in self.nav_uris
                and not any(p.active for p in nav.pages))

    def _memo(self, name: str, render: Callable) -> Callable:
        def memo(context):
            features = context.get("features")
            if not self._eligible(context) or not isinstance(features, (list, tuple)) or \
                    not all(isinstance(f, str) for f in features):
                yield from render(context)
                return
            base = tuple(features)
            for inputs, table in self.entries[name]:
                key = (base, tuple(self.url(context, v) for v in inputs))
                if key in table:
                    self.hits += 1
                    yield table[key]
                    return
            outer, self.recording = self.recording, []
            try:
                html = "".join(render(context))
                inputs = tuple(self.recording)
            finally:
                if outer is not None:
                    outer.extend(self.recording)
                self.recording = outer
            key = (base, tuple(self.url(context, v) for v in inputs))
            for known, table in self.entries[name]:
                if known == inputs:
                    table[key] = html
                    break
            else:
                self.entries[name].append((inputs, {key: html}))
            yield html
        return memo

    def _module(self, make_module: Callable) -> Callable:
        cache: dict = {}

        class Module:
            """The language partial's module: ``t(key)`` remembered."""

            def __init__(self, real):
                self._real = real

            def __getattr__(self, name):
                value = getattr(self._real, name)
                if name != "t" or not callable(value):
                    return value

                def t(key, *args, **kwargs):
                    if args or kwargs or not isinstance(key, str):
                        return value(key, *args, **kwargs)
                    if key not in cache:
                        cache[key] = value(key)
                    return cache[key]
                return t

            def __str__(self):
                return str(self._real)

        modules: list = []

        def make(vars=None, shared=False, locals=None):
            if not modules:
                modules.append(Module(make_module(vars, shared, locals)))
            return modules[0]
        return make


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


class _Child:
    """A forked process that does part of the work and reports on a pipe."""

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


def _fork(work: Callable[[_LogCapture], dict]) -> _Child:
    """Run ``work`` in a forked process; it reports a JSON-able dict (its warnings added)."""
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
        report = work(capture)
        report["warnings"] = capture.warnings
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


# --- the cds driver ---------------------------------------------------------------------------

class _UseMkDocs(Exception):
    """The cds driver cannot build this site exactly as MkDocs would: MkDocs' build will."""


class _Driver:
    """MkDocs' build, doing only what this build needs (see the module's docstring)."""

    def __init__(self, cfg, *, root: Path, published: Mapping, last: Mapping,
                 capture: _LogCapture, full: bool):
        self.cfg, self.root, self.capture = cfg, root, capture
        self.lastmod: Mapping[str, str] = published.get("lastmod") or {}
        self.default_lastmod: str | None = published.get("site_lastmod")
        self.last = last
        self.full = full or not last
        self.pages = 0
        self.rendered = 0
        self.outputs: set[str] = set()
        self.looked: dict[str, list[str]] = {}     # src_uri → files its links looked up
        self.memo_chrome = True
        self.chrome: _Chrome | None = None
        self.side: Callable[[], None] = lambda: None   # more work done while pages render

    # -- the parts ------------------------------------------------------------------------

    def _env(self):
        import jinja2

        env = self.cfg.theme.get_env()
        cache = self.root / ".cds" / JINJA_CACHE
        cache.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache))
        return env

    def _chrome(self, env, nav) -> None:
        """Material's navigation, tabs and translations rendered once a page class."""
        if not self.memo_chrome:
            return
        chrome = _Chrome(env, {p.file.src_uri for p in nav.pages},
                         str(self.cfg.theme.get("language") or "en"))
        if chrome.install(env):
            self.chrome = chrome

    def _date(self, uri: str) -> str | None:
        return self.lastmod.get(uri) or self.default_lastmod

    def _populate(self, page, files) -> None:
        """Read a page and render its Markdown (``_populate_page``, the cds way)."""
        from mkdocs.structure.toc import get_toc

        cfg = self.cfg
        cfg._current_page = page
        files.asked = set()
        try:
            try:
                source = page.file.content_string
            except OSError:
                logging.getLogger("mkdocs.structure.pages").error(
                    f"File not found: {page.file.src_path}")
                raise
            except ValueError:
                logging.getLogger("mkdocs.structure.pages").error(
                    f"Encoding error reading file: {page.file.src_path}")
                raise
            page.markdown, page.meta = read_meta(source)
            kind = page.meta.get("cds_kind")
            text, head, tail = split_page(page.markdown, kind)
            page.markdown = text
            if text.strip() or head is None:
                self.md.render(page, text, files)
            else:                                   # what Markdown makes of nothing
                page.content = ""
                page.toc = get_toc([])
                page._title_from_render = None
                page.present_anchor_ids = set()
                page.links_to_anchors = {}
            page.content = join_page(page.content, kind, head, tail)
            page.update_date = self._date(page.file.src_uri) or page.update_date
            if files.asked:
                self.looked[page.file.src_uri] = sorted(files.asked)
        except Exception as e:
            from mkdocs.exceptions import BuildError
            message = f"Error reading page '{page.file.src_uri}':"
            if not isinstance(e, BuildError):
                message += f" {e}"
            logging.getLogger("mkdocs.commands.build").error(message)
            raise
        finally:
            cfg._current_page = None

    def _render(self, pages: Sequence, files, nav, env, doc_files: Sequence) -> None:
        """Populate and write ``pages``, then check their links to anchors."""
        from mkdocs.commands.build import _build_page

        for page in pages:
            if page.content is None:
                self._populate(page, files)
            _build_page(page, self.cfg, doc_files, nav, env)
            self.rendered += 1
        for page in pages:
            page.validate_anchor_links(files=files, log_level=self.cfg.validation.links.anchors)

    def _render_all(self, pages: list, files, nav, env, doc_files,
                    side: Callable[[], None]) -> None:
        """Render ``pages`` and do the ``side`` work (static files, templates, feeds). With many
        pages and several CPUs: the first page here (the templates are then compiled once,
        before the fork), then processes take chunks of pages from a shared queue, this one
        after the side work."""
        n = _workers(len(pages))
        if n == 1 or len(pages) < 2:
            side()
            self._render(pages, files, nav, env, doc_files)
            return
        self._render(pages[:1], files, nav, env, doc_files)
        rest = pages[1:]
        size = max(1, min(50, len(rest) // (n * 4)))
        chunks = [rest[i:i + size] for i in range(0, len(rest), size)]
        read, write = os.pipe()                     # the queue: chunk numbers, 4 bytes each
        try:
            data = memoryview(b"".join(k.to_bytes(4, "little") for k in range(len(chunks))))
            while data:
                data = data[os.write(write, data):]
        finally:
            os.close(write)

        def take() -> None:
            while (token := os.read(read, 4)):
                self._render(chunks[int.from_bytes(token, "little")], files, nav, env, doc_files)

        def work(_capture: _LogCapture) -> dict:
            self.rendered, self.looked = 0, {}
            take()
            return {"rendered": self.rendered, "links": self.looked}

        try:
            children = [_fork(work) for _ in range(1, n)]
            try:
                side()
                take()
            finally:
                reports = [child.join() for child in children]
        finally:
            os.close(read)
        for report in reports:
            if report.get("error"):
                raise SiteBuildError(report["error"])
            self.capture.warnings += report.get("warnings", [])
            self.rendered += report.get("rendered", 0)
            self.looked.update(report.get("links") or {})

    def _sitemap(self, env, nav, entries: Sequence[tuple[str, str]]) -> None:
        """MkDocs' sitemap template rendered from (URL, date) of every page, without a Page
        object for each (when the template is MkDocs' own, which reads only those)."""
        import gzip

        from mkdocs import utils
        from mkdocs.commands.build import get_context

        template = env.get_template("sitemap.xml")
        base = self.cfg.site_url or ""
        if base and not base.endswith("/"):
            base += "/"
        pages = []
        for url, date in entries:
            if not base:
                canonical = None
            elif url.startswith("/") or ":" in url.split("/", 1)[0] or \
                    any(seg in (".", "..") for seg in url.split("/")):
                canonical = urljoin(base, url)
            else:
                canonical = base + url            # what urljoin gives for a plain relative path
            # The stock template reads abs_url only where canonical_url is empty (no site_url).
            page = SimpleNamespace(is_link=False, canonical_url=canonical, abs_url=None,
                                   update_date=date)
            pages.append(SimpleNamespace(page=page))
        context = get_context(nav, pages, self.cfg, base_url=utils.get_relative_url(".", "sitemap.xml"))
        output = template.render(context)
        path = os.path.join(self.cfg.site_dir, "sitemap.xml")
        if output.strip():
            utils.write_file(output.encode("utf-8"), path)
            stamp = utils.get_build_timestamp(pages=[p.page for p in pages] or None)
            with open(path + ".gz", "wb") as fh, gzip.GzipFile(
                    fileobj=fh, filename=path + ".gz", mode="wb", mtime=stamp) as gz:
                gz.write(output.encode("utf-8"))
        self.outputs |= {"sitemap.xml", "sitemap.xml.gz"}

    def _stock_sitemap(self, env) -> bool:
        import mkdocs

        try:
            name = env.get_template("sitemap.xml").filename or ""
        except Exception:
            return False
        return Path(name).parent == Path(mkdocs.__file__).parent / "templates"

    # -- the build ------------------------------------------------------------------------

    def run(self) -> dict:
        from mkdocs import utils
        from mkdocs.structure.files import File, Files, set_exclusions
        from mkdocs.structure.nav import get_navigation
        from mkdocs.structure.pages import Page

        cfg = self.cfg
        docs, site = cfg.docs_dir, cfg.site_dir
        scan = _scan(docs)
        if cfg["nav"] is None or any(uri.rsplit("/", 1)[-1] == "README.md" for uri, _, _ in scan):
            raise _UseMkDocs                      # the nav, or a README/index choice, needs all files
        self.md = _Markdown(cfg)
        env = self._env()

        # Every file: its digest (kept from the last build when size and time are the same)
        # and, once it is known, what MkDocs makes of it.
        old = (self.last.get("files") or {}) if not self.full else {}
        entries: dict[str, list] = {}
        made: dict[str, object] = {}              # src_uri → File, for the files read now
        now_ns = time.time_ns()
        for uri, size, mtime in scan:
            prev = old.get(uri)
            if isinstance(prev, list) and len(prev) == 6 and prev[1] == size and prev[2] == mtime:
                entry = list(prev)
            else:
                with open(os.path.join(docs, uri), "rb") as fh:
                    entry = [_sha(fh.read()), size, mtime, None, None, None]
                if isinstance(prev, list) and len(prev) == 6 and prev[0] == entry[0]:
                    entry[3:] = prev[3:]
            entry[2] = trusted_mtime(mtime, now_ns)   # -1: too recent to trust next time
            if entry[3] is None:
                file = File(uri, docs, site, cfg.use_directory_urls)
                made[uri] = file
            entries[uri] = entry
        if made:
            set_exclusions(Files(list(made.values())), cfg)
            for uri, file in made.items():
                if file.inclusion.is_included():  # a page ("p") or a static file ("s")
                    entries[uri][3:] = ["p" if file.is_documentation_page() else "s",
                                        file.url, file.dest_uri]
                else:                             # excluded or a draft: not built
                    entries[uri][3:] = ["x", "", ""]

        files = _Files(cfg, env, made)
        nav = get_navigation(files, cfg)
        nav_pages = list(nav.pages)
        for page in nav_pages:
            if page.file.inclusion.is_included():
                self._populate(page, files)
        nav_sig = _sha(json.dumps([[p.file.src_uri, p.title, p.meta, p.url] for p in nav_pages],
                                  sort_keys=True, default=str).encode())
        if not self.full and nav_sig != self.last.get("nav"):
            self.full = True
            return self.run()
        self._chrome(env, nav)

        # What to render.
        pages = [uri for uri, e in entries.items() if e[3] == "p"]
        statics = [uri for uri, e in entries.items() if e[3] == "s"]
        self.pages = len(pages)
        build_date = utils.get_build_date()
        dates = {uri: self._date(uri) or build_date for uri in pages}
        links: dict[str, list[str]] = {}
        if self.full:
            todo = pages
        else:
            last_dates = self.last.get("dates") or {}
            last_links = self.last.get("links") or {}
            appeared = set(entries) ^ set(old)
            todo = []
            for uri in pages:
                prev = old.get(uri)
                asked = last_links.get(uri)
                if not isinstance(prev, list) or prev[0] != entries[uri][0] or \
                        last_dates.get(uri) != dates[uri] or \
                        (asked and appeared.intersection(asked)) or \
                        not os.path.isfile(os.path.join(site, entries[uri][5])):
                    todo.append(uri)
                elif asked:
                    links[uri] = asked
        by_uri = {p.file.src_uri: p for p in nav_pages}
        render = []
        for uri in todo:
            page = by_uri.get(uri)
            if page is None:
                file = files.get_file_from_path(uri)
                page = file.page if file.page is not None else Page(None, file, cfg)
            render.append(page)

        # In MkDocs' order: static files (the site's, then the theme's), the theme's static
        # templates (404.html on a full build; the sitemap when its entries changed), pages. The
        # first two are done while other processes render pages when no page writes where a
        # static file or template does (else first).
        if self.full:
            utils.clean_directory(site)
        theme = self.last.get("theme") if not self.full else None
        if not isinstance(theme, list):
            if not self.full:
                self.full = True
                return self.run()
            probe = Files(list(made.values()))
            probe.add_files_from_theme(env, cfg)
            dirs = list(cfg.theme.dirs)
            theme = [[f.src_uri, dirs.index(f.src_dir), f.dest_uri] for f in probe
                     if f.src_dir != docs and f.src_dir in dirs]
        if not self._stock_sitemap(env) and "sitemap.xml" in cfg.theme.static_templates \
                and not self.full:
            self.full = True                      # a theme's own sitemap: MkDocs' way, all pages
            return self.run()

        from mkdocs.commands.build import _build_theme_template

        sitemap = [(entries[uri][4], dates[uri]) for uri in pages]
        sitemap_sig = _sha(json.dumps(sitemap).encode())

        def statics_and_templates() -> None:
            for uri in statics:
                dest = os.path.join(site, entries[uri][5])
                prev = old.get(uri)
                if self.full or not isinstance(prev, list) or prev[0] != entries[uri][0] or \
                        not os.path.isfile(dest):
                    utils.copy_file(os.path.join(docs, uri), dest)
            for uri, k, dest_uri in theme:         # k: which of the theme's folders
                dest = os.path.join(site, dest_uri)
                if self.full or not os.path.isfile(dest):
                    utils.copy_file(os.path.join(cfg.theme.dirs[k], uri), dest)
            for name in sorted(cfg.theme.static_templates):
                if name != "sitemap.xml":
                    if self.full or not os.path.isfile(os.path.join(site, name)):
                        _build_theme_template(name, env, Files([]), cfg, nav)
                elif not self._stock_sitemap(env):
                    every = []
                    for uri in pages:
                        file = files.get_file_from_path(uri)
                        page = file.page if file.page is not None else Page(None, file, cfg)
                        page.update_date = dates[uri]
                        every.append(file)
                    _build_theme_template(name, env, Files(every), cfg, nav)
                elif self.full or sitemap_sig != self.last.get("sitemap") or \
                        not os.path.isfile(os.path.join(site, "sitemap.xml.gz")):
                    self._sitemap(env, nav, sitemap)

        written = {entries[uri][5] for uri in statics} | {dest for _, _, dest in theme} | \
            set(cfg.theme.static_templates) | {"sitemap.xml.gz"}
        if any(entries[p.file.src_uri][5] in written for p in render):
            statics_and_templates()
            side = self.side
        else:
            def side() -> None:
                statics_and_templates()
                self.side()
        for name in cfg.theme.static_templates:
            self.outputs |= {name, "sitemap.xml.gz"} if name == "sitemap.xml" else {name}

        self._render_all(render, files, nav, env, [p.file for p in render], side)
        links.update(self.looked)
        self.outputs |= {entries[uri][5] for uri in pages + statics}
        self.outputs |= {dest for _, _, dest in theme}
        return {"driver": "cds", "files": entries, "nav": nav_sig, "links": links,
                "theme": theme, "sitemap": sitemap_sig, "dates": dates}


# --- MkDocs' own build, with a plugin -----------------------------------------------------------

def _plugin_class():
    from mkdocs.plugins import BasePlugin

    class CdsPlugin(BasePlugin):
        """Added to the loaded config when MkDocs builds (``mkdocs.yml`` with plugins): the cds
        page kinds and the sitemap dates; in an incremental build, a page counts as changed when
        its bytes changed (MkDocs' own test compares modification times)."""

        def __init__(self, lastmod: Mapping[str, str], default_lastmod: str | None,
                     known: Mapping[str, str], digests: Mapping[str, str],
                     jinja_cache: Path | None = None):
            super().__init__()
            self.jinja_cache = jinja_cache
            self.lastmod = lastmod
            self.default_lastmod = default_lastmod
            self.known = known                                 # src_uri → digest at the last build
            self.digests = digests                             # src_uri → digest now
            self.rendered = 0
            self.files = None
            self.nav_pages: list = []
            self._html: dict[str, tuple[object, str | None, str]] = {}

        def on_files(self, files, *, config):
            self.files = files
            for file in files:
                digest = self.digests.get(file.src_uri)
                if digest is None or not file.abs_src_path:
                    continue                                   # theme files: fingerprinted
                changed = self.known.get(file.src_uri) != digest
                file.is_modified = (lambda f=file, c=changed: c or not os.path.isfile(f.abs_dest_path))
            return files

        def on_page_markdown(self, markdown, *, page, config, files):
            kind = page.meta.get("cds_kind")
            text, head, tail = split_page(markdown, kind)
            self._html[page.file.src_uri] = (kind, head, tail)
            return text

        def on_page_content(self, html, *, page, config, files):
            self.rendered += 1
            kind, head, tail = self._html.pop(page.file.src_uri, (None, None, ""))
            return join_page(html, kind, head, tail)

        def on_nav(self, nav, *, config, files):
            self.nav_pages = list(nav.pages)
            return nav

        def on_env(self, env, *, config, files):
            import jinja2

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

    return CdsPlugin


class _MkDocsBuild:
    """MkDocs' own build (``mkdocs build``, or ``--dirty`` with the changed pages marked)."""

    def __init__(self, cfg, *, root: Path, published: Mapping, last: Mapping,
                 capture: _LogCapture, full: bool):
        self.cfg, self.root, self.published, self.last = cfg, root, published, last
        self.full = full or not last
        self.pages = self.rendered = 0
        self.outputs: set[str] = set()

    def run(self) -> dict:
        from mkdocs.commands.build import build as mkdocs_build

        cfg = self.cfg
        docs = cfg.docs_dir
        known = {} if self.full else (self.last.get("files") or {})
        entries = {}
        for uri, size, mtime in _scan(docs):
            prev = known.get(uri)
            if isinstance(prev, list) and len(prev) == 6 and prev[1:3] == [size, mtime]:
                entries[uri] = list(prev)
            else:
                with open(os.path.join(docs, uri), "rb") as fh:
                    entries[uri] = [_sha(fh.read()), size, mtime, "?", "", ""]
            entries[uri][2] = trusted_mtime(mtime, time.time_ns())
        before = {uri: e[0] for uri, e in known.items() if isinstance(e, list)}
        plugin = _plugin_class()(self.published.get("lastmod") or {},
                                 self.published.get("site_lastmod"), before,
                                 {uri: e[0] for uri, e in entries.items()},
                                 jinja_cache=self.root / ".cds" / JINJA_CACHE)
        cfg.plugins["cds-site"] = plugin
        mkdocs_build(cfg, dirty=not self.full)
        self.rendered = plugin.rendered
        self.pages = sum(1 for _ in plugin.files.documentation_pages())
        out = {f.dest_uri for f in plugin.files if f.inclusion.is_included()}
        out |= set(cfg.theme.static_templates)
        if "sitemap.xml" in out:
            out.add("sitemap.xml.gz")
        self.outputs = out
        return {"driver": "mkdocs", "files": entries}
