"""Markdown of a page → the HTML MkDocs would make of it, so ``site_src/`` holds HTML only.

publish writes every page as HTML (front matter ``cds_kind: html``) that any Material-compatible
engine shows as it is. What MkDocs' own Markdown step did to a page is done here, once:

- the body rendered by :mod:`pipeline.site.render` (cached by content hash, shared with the
  feeds) with ``mkdocs.yml``'s Markdown extensions, then sanitised (articles: ``render.PAGE``);
- the relative links of the Markdown (``x.md``, ``../y/index.md#z``, pictures) rewritten as
  MkDocs rewrites them (its relative-path step, rebuilt here from public pieces:
  ``mkdocs.structure.files.File``/``set_exclusions``, ``mkdocs.utils.get_relative_url``),
  ``use_directory_urls`` on or off; a link MkDocs would have warned about gives the same
  warning, prefixed with the file the editor wrote it in;
- the ``toc`` extension's tokens recorded in the front matter (``cds_toc``, a JSON string), from
  which the ``cds`` plugin sets ``page.toc`` (``mkdocs.structure.toc.get_toc``); other engines
  ignore the key.

Which links are rewritten: MkDocs rewrites the ``href`` of links and the ``src`` of pictures
that Markdown made (elements of its tree), never those in raw HTML. A body without ``<`` has no raw HTML, so
every such attribute of its HTML is one Markdown made and the cached HTML is rewritten after
the fact (:meth:`PageLinks.rewrite_html`); a body with ``<`` and relative links is rendered
for its page by Python-Markdown with the rewriting as a tree processor, where MkDocs does it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit, urlunsplit

from pipeline.site import render

# MkDocs' defaults when a root has no mkdocs.yml (publish alone, tests)
_DEFAULT_EXTENSIONS = ("toc", "tables", "fenced_code")
_RELATIVE_TO_DOCS = -1                       # validation.links.absolute_links: relative_to_docs

# link targets a page's Markdown may name: [x](target), ![x](target), [x]: target, href/src="…"
_LINKS = re.compile(r"\]\(\s*<?([^)\s>]+)|^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)|"
                    r"(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.M)
# _LINKS' first alternative alone: where the text holds no "]:", "href" or "src" the other two
# cannot match, and this one is found ~20× faster (its literal start is searched for)
_INLINE_LINKS = re.compile(r"\]\(\s*<?([^)\s>]+)")
_TAG = re.compile(r"<(a|img)(\s[^>]*)?>")
_ATTR = {"a": re.compile(r'(\shref=")([^"]*)(")'), "img": re.compile(r'(\ssrc=")([^"]*)(")')}
_UNESCAPE = (("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_ENTITY_AMP = re.compile(r"&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)", re.I)
_IDS = re.compile(r'\sid="([^"]*)"')


def link_targets(src_uri: str, markdown: str) -> list[str]:
    """The files (docs-relative) the relative links of a page's Markdown could name (a
    superset: links in code or raw HTML are counted too)."""
    if "](" not in markdown and "]:" not in markdown and "href" not in markdown and \
            "src" not in markdown:
        return []
    here = posixpath.dirname(src_uri)
    out = set()
    inline = "]:" not in markdown and "href" not in markdown and "src" not in markdown
    for m in (_INLINE_LINKS if inline else _LINKS).finditer(markdown):
        target = next(g for g in m.groups() if g)
        target = target.split("#", 1)[0].split("?", 1)[0]
        if not target or ":" in target.split("/", 1)[0]:
            continue                                     # in-page anchor, or a URL with a scheme
        if target.startswith("/"):
            out.add(posixpath.normpath(target.lstrip("/")))
        else:
            out.add(posixpath.normpath(posixpath.join(here, target)))
    return sorted(out)


def _escape_attribute(text: str) -> str:
    """An attribute value as Python-Markdown's HTML serializer writes it."""
    if "&" in text:
        text = _ENTITY_AMP.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _unescape_attribute(text: str) -> str:
    for entity, char in _UNESCAPE:
        text = text.replace(entity, char)
    return text


# --- what of mkdocs.yml shapes a page ---------------------------------------------------------

NEEDED = ("markdown_extensions", "mdx_configs", "use_directory_urls", "validation", "exclude_docs",
          "draft_docs", "not_in_nav")


def _load(config_file: Path):
    """The options of ``mkdocs.yml`` pages need (:data:`NEEDED`), read by MkDocs' own reader
    (``mkdocs.utils.yaml_load``: ``INHERIT``, ``!ENV``) and validated by its schema
    (``MkDocsConfig.load_dict``/``validate``: defaults, the extensions and their settings).
    Only those: publish reads it before ``site_src/`` and the theme folder in it exist, which
    the other options' validation would fail on. MkDocs' log is silenced."""
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.utils import yaml_load

    log = logging.getLogger("mkdocs")
    level, propagate, handlers = log.level, log.propagate, list(log.handlers)
    log.handlers, log.propagate = [logging.NullHandler()], False
    try:
        with open(config_file, "rb") as fh:
            raw = yaml_load(fh)
        if not isinstance(raw, dict):
            return None
        cfg = MkDocsConfig(config_file_path=str(config_file))
        cfg.load_dict({"site_name": "cds", "docs_dir": str(Path(__file__).parent), "plugins": [],
                       **{k: raw[k] for k in NEEDED if k in raw and k != "mdx_configs"}})
        failed, _ = cfg.validate()
    except Exception:                      # not YAML, an extension that cannot be loaded…
        return None
    finally:
        log.handlers, log.propagate = handlers, propagate
        log.setLevel(level)
    return None if failed else cfg


class Profile:
    """``mkdocs.yml`` as far as pages are concerned (loaded when first needed: a publish that
    makes no page again never reads it). Without the file, MkDocs' defaults."""

    def __init__(self, config_file: Path | None):
        self.config_file = config_file if config_file is not None and config_file.is_file() else None
        self.key = hashlib.sha256(self.config_file.read_bytes() if self.config_file else b"").hexdigest()
        self._config = None
        self._loaded = False

    @property
    def config(self):
        """The MkDocs configuration, validated (None without ``mkdocs.yml``). Read before
        ``site_src/`` and its theme folder exist (publish makes them), so an option that fails
        validation (``docs_dir``, ``theme``) is no reason to give up: only those pages need are
        required (:data:`NEEDED`); a file that is not a configuration at all gives None, and the
        site build reports it."""
        if not self._loaded:
            self._loaded = True
            if self.config_file is not None:
                self._config = _load(self.config_file)
        return self._config

    @property
    def extensions(self) -> list:
        return list(self.config["markdown_extensions"]) if self.config else list(_DEFAULT_EXTENSIONS)

    @property
    def extension_configs(self) -> dict:
        return dict(self.config["mdx_configs"] or {}) if self.config else {}

    @property
    def use_directory_urls(self) -> bool:
        return bool(self.config["use_directory_urls"]) if self.config else True

    def level(self, name: str) -> int:
        """``validation.links.<name>`` (MkDocs' defaults without a configuration)."""
        if self.config is not None:
            return int(self.config.validation.links[name])
        return logging.WARNING if name == "not_found" else logging.INFO

    def excluded(self, src_uri: str) -> bool:
        """Whether MkDocs leaves the file out of the built site (``exclude_docs``, drafts)."""
        from mkdocs.structure.files import File, set_exclusions

        if self.config is None:
            return any(p.startswith(".") for p in src_uri.split("/")) or src_uri.startswith("templates/")
        file = File(src_uri, None, "site", self.use_directory_urls)
        set_exclusions([file], self.config)
        return file.inclusion.is_excluded()

    def url(self, src_uri: str) -> str:
        """The address MkDocs gives the file (``File.url``)."""
        from mkdocs.structure.files import File

        return File(src_uri, None, "site", self.use_directory_urls).url


# --- the links of one page ----------------------------------------------------------------------

@dataclass
class PageLinks:
    """MkDocs' relative-path step for the page at ``src_uri``, over the files ``site_src/`` will
    hold (``uris``); ``warnings`` collects what MkDocs would have logged at WARNING or above,
    each line prefixed with ``source`` (the file the editor wrote)."""

    profile: Profile
    uris: Collection[str]
    src_uri: str
    source: str
    warnings: list[str] = field(default_factory=list)
    _url: str | None = None
    _excluded: bool | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = self.profile.url(self.src_uri)
        return self._url

    def _lookup(self, uri: str) -> str | None:
        uri = PurePosixPath(uri).as_posix()
        return uri if uri in self.uris else None

    def _possible_target_uris(self, path: str, use_directory_urls: bool) -> Iterator[str]:
        """mkdocs.structure.pages: the resolved file for the link, then guesses at mistakes."""
        target_uri = _target_uri(self.src_uri, path)
        yield target_uri
        if posixpath.normpath(path) == ".":
            yield self.src_uri
            return
        tried = {target_uri}
        prefixes = [target_uri, _target_uri(self.url, path)]
        if prefixes[0] == prefixes[1]:
            prefixes.pop()
        suffixes: list[Callable[[str], str]] = []
        if use_directory_urls:
            suffixes.append(lambda p: p)
        if not posixpath.splitext(target_uri)[-1]:
            suffixes.append(lambda p: posixpath.join(p, "index.md"))
            suffixes.append(lambda p: posixpath.join(p, "README.md"))
        if not target_uri.endswith(".") and not path.endswith(".md") and \
                (use_directory_urls or not path.endswith("/")):
            suffixes.append(lambda p: (p[:-5] if p.endswith(".html") else p) + ".md")
        for pref in prefixes:
            for suf in suffixes:
                guess = posixpath.normpath(suf(pref))
                if guess not in tried and not guess.startswith("../"):
                    yield guess
                    tried.add(guess)

    def rewrite(self, url: str) -> str:
        """A link of the page's Markdown as MkDocs writes it (``_RelativePathTreeprocessor``'s
        ``path_to_url``, step for step), warnings collected."""
        from markdown.util import AMP_SUBSTITUTE
        from mkdocs.utils import get_relative_url

        try:
            scheme, netloc, path, query, anchor = urlsplit(url)
        except ValueError:
            return url
        absolute_link = None
        level, warning = 0, ""
        if scheme or netloc:
            return url
        elif url.startswith(("/", "\\")):
            absolute_link = self.profile.level("absolute_links")
            if absolute_link != _RELATIVE_TO_DOCS:
                level = absolute_link
                warning = (f"Doc file '{self.src_uri}' contains an absolute link '{url}', "
                           "it was left as is.")
        elif AMP_SUBSTITUTE in url:
            return url
        elif not path:
            return url
        path = unquote(path)
        possible = self._possible_target_uris(path, self.profile.use_directory_urls)
        if warning:
            target_uri, target = url, None
        else:
            target_uri = next(possible)
            target = self._lookup(target_uri)
        if target is None and not warning:
            if not posixpath.splitext(path)[-1] and absolute_link is None:
                level = self.profile.level("unrecognized_links")
                warning = (f"Doc file '{self.src_uri}' contains an unrecognized relative link "
                           f"'{url}', it was left as is.")
            else:
                shown = f" '{target_uri}'" if target_uri != url.lstrip("/") else ""
                level = self.profile.level("not_found")
                warning = (f"Doc file '{self.src_uri}' contains a link '{url}', but the "
                           f"target{shown} is not found among documentation files.")
        if warning:
            if self._page_excluded():
                level = min(logging.INFO, level)
            if level >= logging.WARNING:
                suggest = ""
                for guess in possible:
                    if self._lookup(guess) is not None:
                        if anchor and guess == self.src_uri:
                            guess = ""
                        elif absolute_link == _RELATIVE_TO_DOCS:
                            guess = "/" + guess
                        else:
                            guess = get_relative_url(guess, self.src_uri)
                        suggest = urlunsplit(("", "", guess, query, anchor))
                        break
                else:
                    if "@" in url and "." in url and "/" not in url:
                        suggest = f"mailto:{url}"
                if suggest:
                    warning += f" Did you mean '{suggest}'?"
                self.warnings.append(f"{self.source}: {warning}")
            return url
        new = get_relative_url(self.profile.url(target), self.url)
        return urlunsplit(("", "", new, query, anchor))

    def _page_excluded(self) -> bool:
        if self._excluded is None:
            self._excluded = self.profile.excluded(self.src_uri)
        return self._excluded

    def rewrite_html(self, html: str) -> str:
        """``rewrite`` on the ``href`` of every link and the ``src`` of every picture of HTML
        that Markdown alone made (no raw HTML in its source), the values read and written as
        Python-Markdown's serializer writes them."""
        def attr(m: re.Match) -> str:
            old = _unescape_attribute(m.group(2))
            new = self.rewrite(old)
            return m.group(0) if new == old else m.group(1) + _escape_attribute(new) + m.group(3)

        def tag(m: re.Match) -> str:
            return _ATTR[m.group(1)].sub(attr, m.group(0), count=1) if m.group(2) else m.group(0)

        return _TAG.sub(tag, html)


def _target_uri(src_path: str, dest_path: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(src_path), dest_path).lstrip("/"))


# --- bodies -------------------------------------------------------------------------------------

@dataclass
class Rendered:
    html: str                 # the page's HTML for the body (sanitised when asked)
    toc: list                 # the toc extension's tokens
    warnings: list[str]


class Bodies:
    """Renders the Markdown of ``site_src/`` pages: bodies through the shared
    :class:`pipeline.site.render.BodyCache` (``<root>/.cds/bodies.sqlite``), links through
    :class:`PageLinks` against ``uris`` (every file ``site_src/`` will hold; set it before
    rendering)."""

    def __init__(self, profile: Profile, cache_path: Path | None):
        self.profile = profile
        self.cache_path = cache_path
        self.uris: set[str] = set()
        self._cache: render.BodyCache | None = None
        self._exact = None

    @property
    def cache(self) -> render.BodyCache:
        if self._cache is None:
            ext, cfg = self.profile.extensions, self.profile.extension_configs
            self._cache = render.BodyCache(self.cache_path, render.fingerprint(ext, cfg),
                                           lambda: render.toc_renderer(ext, cfg))
        return self._cache

    def key(self) -> str:
        """What a page's HTML depends on besides its Markdown and the files it links to."""
        from importlib.metadata import version

        versions = []
        for dist in ("markdown", "mkdocs", "nh3", "pyromark"):
            try:
                versions.append(version(dist))
            except Exception:
                versions.append(None)
        return json.dumps([self.profile.key, versions])

    def resolution(self, src_uri: str, text: str) -> list[list]:
        """The files the page's links could name and whether ``site_src/`` holds them (part of
        the page's digest: a page is made again when one appears or vanishes)."""
        return self.resolve(link_targets(src_uri, text))

    def resolve(self, targets: Iterable[str]) -> list[list]:
        """:meth:`resolution` of the targets :func:`link_targets` gave."""
        return [[t, t in self.uris] for t in targets]

    def page(self, text: str, src_uri: str, source: str, *, sanitize: bool,
             whole: bool = False) -> Rendered:
        """The HTML of ``text`` (an article body, or with ``whole`` a page's whole Markdown: not
        cached, it is one page) on the page ``src_uri``."""
        links = PageLinks(self.profile, self.uris, src_uri, source)
        targets = link_targets(src_uri, text)
        if whole or (targets and "<" in text):
            html, toc = self._render_exact(text, links)
        else:
            html, toc = self.cache.get(text)
            if targets:
                html = links.rewrite_html(html)
        if sanitize:
            html = render.sanitize_page(html)
        return Rendered(html, toc, links.warnings)

    def _render_exact(self, text: str, links: PageLinks) -> tuple[str, list]:
        """Python-Markdown with the site's extensions and MkDocs' link step where MkDocs runs it
        (a tree processor after the others: priority 0, registered after the extensions)."""
        import markdown
        from markdown.treeprocessors import Treeprocessor

        class Relative(Treeprocessor):
            page: PageLinks

            def run(self, root):
                for el in root.iter():
                    key = "href" if el.tag == "a" else "src" if el.tag == "img" else None
                    if key is not None and el.get(key) is not None:
                        el.set(key, self.page.rewrite(el.get(key)))
                return root

        if self._exact is None:
            md = markdown.Markdown(extensions=self.profile.extensions,
                                   extension_configs=self.profile.extension_configs)
            proc = Relative(md)
            md.treeprocessors.register(proc, "cds_relpath", 0)
            self._exact = (md, proc)
        md, proc = self._exact
        md.reset()
        proc.page = links
        html = md.convert(text)
        toc = list(getattr(md, "toc_tokens", []))
        if not all(render.resettable(e) for e in self.profile.extensions):
            self._exact = None                    # an extension reset() does not clear
        return html, toc

    def save(self, keep: Callable[[], Iterable[str]], *, pages: int | None = None) -> None:
        """Write the bodies rendered now; entries no longer in ``keep()`` (the bodies of every
        page) go. Nothing is read or written when no body was asked for.

        ``pages``: how many bodies ``keep()`` gives about. Then the entries no page has any more
        stay until they are more than :func:`prune_slack` (a quarter of ``pages``, at least
        64): one new article does not make every body's key again (~0.3 s at 5,000
        articles) to find the one or two entries it replaced. The cache only grows by so
        much; which entries it holds never changes what a page is."""
        if self._cache is None:
            return
        if pages is not None:
            held = self._cache.entries()
            if held is not None and held + len(self._cache.new) <= pages + prune_slack(pages):
                self._cache.save(prune=False)
                return
        self._cache.save(keep=keep(), prune=True)


def prune_slack(pages: int) -> int:
    """How many entries beyond ``pages`` the body cache may hold before one save prunes it."""
    return max(64, pages // 4)


def page_ids(html: str) -> set[str]:
    return set(_IDS.findall(html))


def toc_meta(tokens: list) -> str:
    """The ``cds_toc`` front-matter value: the tokens as a JSON string (ASCII: any YAML reader
    takes it back exactly)."""
    return json.dumps(tokens, ensure_ascii=True, separators=(",", ":"))
