"""The ``cds`` MkDocs plugin: what cds adds to MkDocs' own build, through documented events only.

Registered as the entry point ``cds`` (``mkdocs.plugins``), so a root may name it in
``mkdocs.yml`` (``plugins: [cds]``); ``cds build`` adds it to the loaded configuration when
the file does not name it (``mkdocs.yml`` stays free of Python callables). Events used:

- ``on_files``: in an incremental (``--dirty``) build, the output of every page or static file
  whose *bytes* changed (or whose date, or a file one of its links names, changed) is deleted,
  and an output older than its unchanged source is given the source's time, so MkDocs' own
  dirty test (output missing or older than its source) picks exactly the changed files. The
  files it will not render or copy, that no navigation entry and no page it renders names
  (``prepare(left_out=…)``, from the build's record), are not in the folder MkDocs walks
  (``sitebuild`` hands it a view of ``site_src/`` without them, ``.cds/docs-view/``): MkDocs
  makes no ``File`` or ``Page`` for them and tests no dates. ``sitemap.xml`` still lists them
  (``on_template_context`` hands MkDocs' own template every page in the order of MkDocs' walk,
  ``prepare(order=…)``, those left out as what the template reads of them) and
  ``sitemap.xml.gz`` gets the time a full build gives it (``on_post_build``);
- ``on_pre_template`` / ``on_template_context`` / ``on_post_template`` (``sitemap.xml``): the
  sitemap is split (see :func:`sitemap_parts`): each part is rendered with the theme's own
  ``sitemap.xml`` template and written as ``sitemap-<part>.xml`` with a ``.gz`` copy (only
  when its bytes changed), and ``sitemap.xml`` becomes their index
  (``pipeline/templates/sitemap/sitemapindex.xml``), which MkDocs writes and gzips as it
  wrote the sitemap;
- ``on_page_read_source``: publish's front matter (one JSON value a line) is read with ``json``
  and handed over with ``on_page_markdown`` (MkDocs' YAML reader for anything else);
- ``on_page_markdown`` / ``on_page_content``: a page publish wrote as HTML (``cds_kind: html``:
  every page ``cds publish`` writes) skips Markdown; its table of contents comes from the
  ``toc`` tokens publish recorded (``cds_toc``, :func:`mkdocs.structure.toc.get_toc`). With
  ``lean_markdown`` such a page gets MkDocs' Markdown without extensions (``Page.render`` makes
  a parser for every page, even for no text): the configured ones are handed back for any page
  that has Markdown, and before the templates (``on_env``). Of a page in the reference form
  (``cds_kind: article``) only the body is Markdown, sanitised after rendering;
- ``on_config``: the theme folders that hold hidden folders (Material's ``.icons``) are seen
  through a view (:func:`theme_views`), so listing the theme's static files, which MkDocs does
  on every build, does not walk 14,000 icons;
- ``on_nav``, ``on_env``: the navigation pages a dirty build did not read are read
  (``Page.read_source``) so their titles show; every page gets publish's sitemap date; the
  theme's compiled templates are cached in ``.cds/jinja`` (``Environment.overlay``);
  the globals ``cds_memo`` (Material's navigation partials once a page class) and
  ``cds_translations`` (Material's ``t`` once a key) are registered (see
  :mod:`pipeline.site.build.navmemo`).

Memory: MkDocs renders every page's content before it renders the first template, so every
page's HTML would be alive at once (about 60 KB a page). Once the last ``on_page_content`` of
a page has run (seen at the next ``on_pre_page``, or at ``on_env`` for the last page), its
``page.content`` is kept zlib-compressed and set to ``None``; ``on_page_context`` (first of
all plugins) puts it back right before the page's template renders, ``on_post_page`` (last of
all plugins) drops it again. A plugin that reads ``page.content`` in between (in ``on_env``, or
after ``on_post_page``) would see ``None``: none of cds' does.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

from mkdocs.plugins import BasePlugin, event_priority

from pipeline.core.fileio import write_if_changed
from pipeline.site.build.pages import join_page, read_meta, split_page
from pipeline.site.pages.bodies import link_targets
from pipeline.site.render import BodyCache

_IN_PAGE = re.compile(r"\]\(\s*<?#|(?:href|src)\s*=\s*[\"']#|^\s{0,3}\[[^\]]+\]:\s*<?#", re.M)
_IDS = re.compile(r'\sid="([^"]*)"')
# a page URL that urljoin(base, url) appends to ``base`` as it is: no scheme, query, fragment,
# leading slash, dot segment or empty segment
_PLAIN_URL = re.compile(r"(?![./])(?:[A-Za-z0-9_~%!$&'()*+,=@-]|\.(?!\.?(?:/|$))|/(?![./]))*")

SITEMAP_URLS = 10_000          # addresses per part of the sitemap (the protocol allows 50,000)
# the index's template (not in this package's templates/: MkDocs copies a theme folder's
# other files into site/)
SITEMAP_INDEX = Path(__file__).resolve().parents[2] / "templates" / "sitemap" / "sitemapindex.xml"
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"\d{4}-\d{2}")


class CdsPlugin(BasePlugin):
    """See the module's docstring. :mod:`pipeline.site.sitebuild` hands it the build's inputs
    with :meth:`prepare`; as a plain ``mkdocs build`` plugin it only does the page kinds."""

    def __init__(self):
        super().__init__()
        self.prepare()

    def prepare(self, *, lastmod: Mapping[str, str] | None = None, default_lastmod: str | None = None,
                dirty: bool = False, changed: set[str] | frozenset[str] = frozenset(),
                jinja_cache: Path | None = None, memo_nav: bool = False,
                bodies: BodyCache | None = None,
                untouched: set[str] | frozenset[str] = frozenset(),
                progress: Callable[[int], object] | None = None,
                lean_markdown: bool = False, stash_content: bool = True,
                left_out: Mapping[str, tuple[str, int, str]] | None = None,
                order: Iterable[str] = (), source_dir: str | None = None,
                theme_view: Path | None = None) -> None:
        self.lastmod = lastmod or {}
        self.default_lastmod = default_lastmod
        self.dirty = dirty                 # an incremental build: only `changed` is rendered
        self.changed = set(changed)        # src_uris to render again
        # src_uris whose size and time are the last build's: their outputs are as it left them
        self.untouched = untouched
        self.jinja_cache = jinja_cache
        self.memo_nav = memo_nav
        self.bodies = bodies               # article bodies rendered once (shared with the feeds)
        self.progress = progress         # called with 1 for every page written (a progress bar)
        self.prerendered = 0
        self.rendered = 0
        self.files = None
        self.nav_pages: list = []
        self.links: dict[str, list[str]] = {}             # src_uri → link targets (rendered pages)
        self.navmemo = None
        self.seen: set[str] = set()                         # src_uris whose Markdown was read
        self.written_pages: list[str] = []                  # dest_uris of the pages rendered
        self._meta: dict[str, dict] = {}
        self._parts: dict[str, tuple] = {}
        self.lean_markdown = lean_markdown
        self._markdown: tuple | None = None       # the configured extensions while lean
        self.stash_content = stash_content         # see the module's docstring ("Memory")
        self.stash: dict[str, bytes] = {}          # src_uri → page.content, zlib-compressed
        self._pending = None                       # the page whose content is not stashed yet
        # src_uri → (kind "p"/"s"/"x", source mtime_ns, url) as the last build recorded them:
        # files this dirty build left out of the folder MkDocs walks (their outputs are fresh)
        self.left_out = left_out or {}
        self.order = list(order)                   # every file of site_src/, in MkDocs' order
        self.source_dir = source_dir               # site_src/ (MkDocs' docs_dir may be a view)
        self.dropped: list[str] = []               # src_uris left out of `files` this build
        self.theme_view = theme_view               # where theme_views() puts its folders
        self._listed: list = []                    # every page the sitemap lists, in order
        self.sitemaps: list[str] = []              # the sitemap's parts written (and .gz)
        self._sitemap: tuple | None = None         # the sitemap template and its context

    def on_config(self, config):
        self._restore()
        if self.memo_nav:
            from pipeline.site.build import navmemo

            navmemo.add_theme_folder(config)
        if self.theme_view is not None:
            theme_views(config.theme.dirs, self.theme_view)
        return config

    # -- files -------------------------------------------------------------------------------

    def on_files(self, files, *, config):
        self.files = files
        self.dropped = []
        self._listed = []
        if not self.dirty:
            return files
        docs = os.path.realpath(self.source_dir or config["docs_dir"])
        real = _RealPaths()
        untouched = self.untouched
        for file in files:
            src = file.abs_src_path
            if not src:
                continue
            uri = file.src_uri
            if uri in untouched and uri not in self.changed:
                continue           # the last build left its output no older than it: not again
            real_src = real(src)
            if os.path.dirname(real_src) != docs and not real_src.startswith(docs + os.sep):
                continue                                   # the theme's: fingerprinted
            dest = file.abs_dest_path
            if uri in self.changed:
                try:
                    os.unlink(dest)                        # missing: MkDocs makes it again
                except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                    pass
                continue
            try:
                st_dest = os.stat(dest)
                st_src = os.stat(src)
            except OSError:
                continue                                   # missing output: made again
            if st_dest.st_mtime_ns < st_src.st_mtime_ns:   # same bytes, newer time: not again
                os.utime(dest, ns=(st_dest.st_atime_ns, st_src.st_mtime_ns))
        if self.left_out:
            self._list_pages(files, config)
        return files

    def _list_pages(self, files, config) -> None:
        """Remember, in MkDocs' order (``order``: the order of its walk), every page its sitemap
        lists: the File of a page MkDocs has, what the sitemap template reads of one left out."""
        left = self.left_out
        base = config.site_url or ""
        if base and not base.endswith("/"):
            base += "/"
        parts = urlsplit(base)
        plain = bool(base) and not parts.query and not parts.fragment
        for uri in self.order:
            known = left.get(uri)
            if known is None:
                file = files.get_file_from_path(uri)
                if file is not None and file.is_documentation_page() and \
                        file.inclusion.is_included():
                    self._listed.append(file)
                continue
            if known[0] != "p":
                continue
            url = known[2]
            if not base:
                canonical = absolute = None
            elif plain and _PLAIN_URL.fullmatch(url):
                canonical, absolute = base + url, parts.path + url       # what urljoin gives
            else:
                canonical = urljoin(base, url)
                absolute = urlsplit(canonical).path
            date = self.lastmod.get(uri) or self.default_lastmod
            self._listed.append(SimpleNamespace(page=SimpleNamespace(
                is_link=False, url=url, canonical_url=canonical, abs_url=absolute,
                update_date=date or None)))
        self.dropped = sorted(left)

    def on_nav(self, nav, *, config, files):
        self.nav_pages = list(nav.pages)
        return nav

    # -- pages -------------------------------------------------------------------------------

    def on_pre_page(self, page, *, config, files):
        self._stash_pending()                     # the last page's on_page_content are all done
        return page

    def _stash_pending(self) -> None:
        page, self._pending = self._pending, None
        if page is not None and isinstance(page.content, str):
            self.stash[page.file.src_uri] = zlib.compress(page.content.encode("utf-8"), 1)
            page.content = None

    @event_priority(100)
    def on_page_context(self, context, *, page, config, nav):
        """The page's HTML back, before any other plugin's ``on_page_context`` reads it."""
        data = self.stash.pop(page.file.src_uri, None)
        if data is not None and page.content is None:
            page.content = zlib.decompress(data).decode("utf-8")
        return context

    def on_page_read_source(self, *, page, config):
        """publish's front matter read with ``json`` (the same values as MkDocs' YAML reader,
        checked by tests/test_site.py); the page's Markdown without it goes on to MkDocs."""
        from mkdocs.utils import meta as mkmeta

        path = page.file.abs_src_path
        if not path:
            return None
        try:
            with open(path, encoding="utf-8-sig", errors="strict") as fh:
                source = fh.read()
        except (OSError, ValueError):
            return None                                    # MkDocs reads it and reports
        text, data = read_meta(source)
        if not data or text == source:
            return None
        if mkmeta.get_data(text) != (text, {}):            # the rest would read as front matter
            return None
        self._meta[page.file.src_uri] = data
        return text

    def on_page_markdown(self, markdown, *, page, config, files):
        uri = page.file.src_uri
        self.seen.add(uri)
        data = self._meta.pop(uri, None)
        if data is not None:
            page.meta = data
        kind = page.meta.get("cds_kind")
        text, head, tail = split_page(markdown, kind)
        targets = link_targets(uri, text) if text else []
        if targets:
            self.links[uri] = targets
        else:
            self.links.pop(uri, None)
        done = None
        if kind == "article" and head is not None and self.bodies is not None and \
                text.strip() and not targets and not _IN_PAGE.search(text):
            done = self.bodies.get(text)   # no link for MkDocs to rewrite or check: cds renders
            self.prerendered += 1
            text = ""
        toc = page.meta.pop("cds_toc", None)
        whole = head is not None and not text and done is None    # publish's HTML, all of it
        self._parts[uri] = (kind, head, tail, done, toc if whole else None)
        if self.lean_markdown:
            self._lean(config, not text)
        return text

    def _lean(self, config, lean: bool) -> None:
        """MkDocs' Markdown for the next page: without extensions when it has no text (the
        parser MkDocs makes for it then costs little), else as configured."""
        if lean and self._markdown is None:
            self._markdown = (config, config["markdown_extensions"], config["mdx_configs"])
            config["markdown_extensions"], config["mdx_configs"] = [], {}
        elif not lean:
            self._restore()

    def on_page_content(self, html, *, page, config, files):
        from mkdocs.structure.toc import get_toc

        if self.stash_content:
            self._pending = page                  # stashed once the other plugins are done
        self.rendered += 1
        kind, head, tail, done, toc = self._parts.pop(page.file.src_uri,
                                                      (None, None, "", None, None))
        if done is not None:
            html, tokens = done
            page.toc = get_toc(tokens)
            page.present_anchor_ids = set(_IDS.findall(html))
            return join_page(html, kind, head, tail)
        html = join_page(html, kind, head, tail)
        if head is not None and not page.markdown and isinstance(toc, str):   # publish's HTML
            try:
                tokens = json.loads(toc)
            except ValueError:
                tokens = None
            if isinstance(tokens, list):
                page.toc = get_toc(tokens)
                page.present_anchor_ids = {a.id for a in _anchors(page.toc)}  # its headings
        return html

    def on_build_error(self, *, error):
        self._restore()
        self.stash.clear()

    def on_post_build(self, *, config):
        self._restore()
        self.stash.clear()
        if self.dropped:
            self._sitemap_time(config)

    def _sitemap_time(self, config) -> None:
        """``sitemap.xml.gz`` as a full build writes it: MkDocs stamps it with the newest date
        of the pages in ``files``; the newest may be one this build left out."""
        from mkdocs.utils import get_build_timestamp

        every = get_build_timestamp(pages=[item.page for item in self._listed if item.page])
        kept = get_build_timestamp(pages=[f.page for f in self.files.documentation_pages()
                                          if f.page is not None])
        out = os.path.join(config["site_dir"], "sitemap.xml")
        if every == kept or not os.path.isfile(out + ".gz"):
            return
        with open(out, "rb") as fh:
            data = fh.read()
        gz_filename = f"{out}.gz"
        with open(gz_filename, "wb") as f:                   # as mkdocs.commands.build does
            with gzip.GzipFile(fileobj=f, filename=gz_filename, mode="wb", mtime=every) as gz_buf:
                gz_buf.write(data)

    def _restore(self) -> None:
        if self._markdown is not None:
            config, extensions, configs = self._markdown
            config["markdown_extensions"], config["mdx_configs"] = extensions, configs
            self._markdown = None

    @event_priority(-100)
    def on_post_page(self, output, *, page, config):
        if self.stash_content:
            page.content = None                   # written: its HTML is not wanted any more
        self.written_pages.append(page.file.dest_uri)     # what this build wrote (the search)
        if self.progress is not None:
            self.progress(1)
        return output

    # -- templates ---------------------------------------------------------------------------

    def on_env(self, env, *, config, files):
        self._stash_pending()
        if self.lean_markdown:
            self._lean(config, False)                       # templates see the configuration
        if self.jinja_cache is not None:                  # compiled templates kept between builds
            import jinja2

            self.jinja_cache.mkdir(parents=True, exist_ok=True)
            env = env.overlay(bytecode_cache=jinja2.FileSystemBytecodeCache(str(self.jinja_cache)))
        for page in self.nav_pages:
            if page.markdown is None:      # not read by a dirty build: the nav shows its title
                page.read_source(config)
        for file in files.documentation_pages():
            if file.page is not None:
                date = self.lastmod.get(file.src_uri) or self.default_lastmod
                if date:
                    file.page.update_date = date
        if self._listed:
            from mkdocs.utils import get_build_date

            for item in self._listed:
                if item.page is not None and item.page.update_date is None:
                    item.page.update_date = get_build_date()
        if self.memo_nav:
            from pipeline.site.build import navmemo

            self.navmemo = navmemo.install(env, self.nav_pages)
        return env

    # -- the sitemap: an index of parts --------------------------------------------------------

    def on_pre_template(self, template, *, template_name, config):
        if template_name == "sitemap.xml":
            self._sitemap = (template, None)
        return template

    def on_template_context(self, context, *, template_name, config):
        """The sitemap lists every page, those this dirty build left out of ``files`` too."""
        if template_name == "sitemap.xml":
            if self.dropped:
                context["pages"] = self._listed
            if self._sitemap is not None:
                self._sitemap = (self._sitemap[0], context)
        return context

    def on_post_template(self, output, *, template_name, config):
        """``sitemap.xml``: the parts written, their index returned (MkDocs writes it)."""
        if template_name != "sitemap.xml" or self._sitemap is None or self._sitemap[1] is None:
            return output
        template, context = self._sitemap
        self._sitemap = None
        return self._write_sitemaps(template, context, config)

    def _write_sitemaps(self, template, context, config) -> str:
        """Each part of the sitemap rendered with the theme's own template (its ``pages`` the
        part's), written with a ``.gz`` copy stamped as MkDocs stamps ``sitemap.xml.gz``;
        files whose bytes are the same are left alone. Returns the index."""
        from mkdocs.utils import get_build_timestamp

        site = config["site_dir"]
        base = config.site_url or "/"
        if not base.endswith("/"):
            base += "/"
        self.sitemaps = []
        parts = []
        for name, items in sitemap_parts(context["pages"], SITEMAP_URLS):
            data = template.render({**context, "pages": items}).encode("utf-8")
            file = f"sitemap-{name}.xml"
            write_if_changed(os.path.join(site, file), data)
            buf = io.BytesIO()
            stamp = get_build_timestamp(pages=[item.page for item in items])
            with gzip.GzipFile(fileobj=buf, filename=file + ".gz", mode="wb", mtime=stamp) as gz:
                gz.write(data)
            write_if_changed(os.path.join(site, file + ".gz"), buf.getvalue())
            self.sitemaps += [file, file + ".gz"]
            parts.append({"loc": base + file,
                          "lastmod": max(str(item.page.update_date or "") for item in items)})
        return _index_template().render(sitemaps=parts)


def sitemap_parts(pages: Iterable, limit: int = SITEMAP_URLS) -> list[tuple[str, list]]:
    """The sitemap's parts: ``(name, pages)``, at most ``limit`` pages each, in the order given
    (MkDocs' order). Only the pages the sitemap template lists (not links, with an address).

    A page's part is the year of its date (``update_date``, the sitemap's ``lastmod``); a year
    of more than ``limit`` pages is split by month, a month of more than ``limit`` into parts
    of ``limit`` in order (``YYYY-MM``, ``YYYY-MM-part2`` …); pages without a date go to
    ``undated`` (split the same way). An article keeps its part for as long as its date stays,
    and a new article, like the listings whose date it moves, goes to the newest year: adding
    an article changes that part and the index, not the others."""
    years: dict[str, list] = {}
    for item in pages:
        page = getattr(item, "page", None)
        if page is None or page.is_link or not (page.abs_url or page.canonical_url):
            continue
        date = str(page.update_date or "")
        years.setdefault(date[:4] if _YEAR.fullmatch(date[:4]) else "undated", []).append(item)
    out: list[tuple[str, list]] = []
    for year in sorted(years):
        items = years[year]
        if len(items) <= limit:
            out.append((year, items))
            continue
        months: dict[str, list] = {}
        for item in items:
            date = str(item.page.update_date or "")
            months.setdefault(date[:7] if _MONTH.fullmatch(date[:7]) else year, []).append(item)
        for month in sorted(months):
            chunk = months[month]
            for i in range(0, len(chunk), limit):
                out.append((month if i == 0 else f"{month}-part{i // limit + 1}",
                            chunk[i:i + limit]))
    return out


_INDEX = None


def _index_template():
    """The sitemap index's Jinja template (``pipeline/templates/sitemap/sitemapindex.xml``),
    loaded once."""
    global _INDEX
    if _INDEX is None:
        import jinja2

        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SITEMAP_INDEX.parent)),
                                 autoescape=True, keep_trailing_newline=True)
        _INDEX = env.get_template(SITEMAP_INDEX.name)
    return _INDEX


def _anchors(toc):
    for item in toc:
        yield item
        yield from _anchors(item.children)


def theme_views(dirs: list[str], folder: Path) -> None:
    """Each theme folder of ``dirs`` (MkDocs' ``theme.dirs``) that holds hidden folders
    (Material's ``.icons``: ~14,000 files) replaced in place by a view of it in ``folder``: the
    same tree of real folders and links to its files, its hidden folders a link each. Jinja
    loads every template through the view as from the folder, and its ``list_templates`` (which
    MkDocs asks on every build for the theme's static files, and whose hidden names it drops)
    does not walk into the linked folders. The view is made again on every build (a theme
    updated in place is seen); a folder it cannot make stays as it was."""
    import hashlib
    import shutil

    for i, theme_dir in enumerate(dirs):
        try:
            if not any(e.name.startswith(".") and e.is_dir(follow_symlinks=False)
                       for e in os.scandir(theme_dir)):
                continue
        except OSError:
            continue
        view = os.path.join(str(folder), hashlib.sha256(theme_dir.encode("utf-8", "surrogateescape"))
                            .hexdigest()[:16])
        try:
            shutil.rmtree(view, ignore_errors=True)
            for here, subdirs, files in os.walk(theme_dir):    # as Jinja walks (no link followed)
                rel = os.path.relpath(here, theme_dir)
                out = view if rel == "." else os.path.join(view, rel)
                os.makedirs(out, exist_ok=True)
                for name in files:
                    os.symlink(os.path.join(here, name), os.path.join(out, name))
                for name in [d for d in subdirs
                             if d.startswith(".") or os.path.islink(os.path.join(here, d))]:
                    os.symlink(os.path.join(here, name), os.path.join(out, name))
                    subdirs.remove(name)
        except OSError:
            shutil.rmtree(view, ignore_errors=True)
            continue
        dirs[i] = view


class _RealPaths:
    """``os.path.realpath`` of many absolute paths sharing folders: each folder resolved once
    (one ``lstat`` a path instead of one a path component); a symbolic link anywhere goes to
    ``os.path.realpath`` itself, so the result is the same."""

    def __init__(self):
        self.folders: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        parent, name = os.path.split(path)
        if not name or not os.path.isabs(path) or path != os.path.normpath(path):
            return os.path.realpath(path)                  # "..", "." or "//": realpath's way
        real_parent = self.folders.get(parent)
        if real_parent is None:
            real_parent = self.folders[parent] = self(parent) if parent != path else \
                os.path.realpath(parent)
        if os.path.islink(path):
            return os.path.realpath(path)
        return os.path.join(real_parent, name)

