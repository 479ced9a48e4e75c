"""Article bodies: Markdown → sanitised HTML, once, cached by content hash in ``<root>/.cds/``.

One sanitising policy for everything the site side shows (pages and feeds): the tags and
attributes below, http(s)/mailto links only, pictures from the site's own media only. The feeds
use the same policy narrowed for feed readers (:data:`FEED`: no ids, classes or ARIA, links get
``rel="noopener noreferrer"``); the pages use it whole (:data:`PAGE`). The harvest has its own,
stricter cleaning (``pipeline/harvest/clean.py``): this is the second line of defence behind it
(Markdown such as ``[x](javascript:…)`` or ``{: onclick=…}`` in a stored text would otherwise
become live HTML).

The renderer is Python-Markdown with the site's extensions (``mkdocs.yml``'s
``markdown_extensions``), so a body renders as the pages render it. ``bench/renderers.py``
measures the CommonMark renderers against it on the store's own bodies (see docs/site-build.md
for why Python-Markdown stays).

:class:`BodyCache` keeps ``sha256(body) → HTML`` for one renderer fingerprint in an SQLite file
(``.cds/bodies.sqlite``): a build renders only new or changed bodies, and a corrupt or foreign
cache is dropped and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import nh3

from pipeline.core.fileio import open_sqlite, write_sqlite
from pipeline.store import media

BODY_CACHE = "bodies.sqlite"          # in <root>/.cds/
_SCHEMA = 2

# --- the one policy ---------------------------------------------------------------------------

_TAGS = nh3.ALLOWED_TAGS | {"section", "nav", "figure", "figcaption", "time", "sup", "sub"}
_ATTRIBUTES = {
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
_SCHEMES = {"http", "https", "mailto"}


def _page_attribute(tag: str, attr: str, value: str) -> str | None:
    # Ids starting "__" could clobber Material's own (#__config …): drop them.
    if attr == "id" and value.startswith("__"):
        return None
    # Pictures come from the site's own media only (docs/media.md); anything else is dropped.
    if tag == "img" and attr == "src" and not media.is_media_src(value):
        return None
    return value


PAGE = nh3.Cleaner(tags=_TAGS, attributes=_ATTRIBUTES, link_rel=None, url_schemes=_SCHEMES,
                   attribute_filter=_page_attribute, filter_style_properties={"text-align"})
"""The policy for pages (the article block of every article page)."""

# Feed readers: the same policy without the page's structure (ids, classes, ARIA, styles,
# image maps) and with rel on every link. Pictures are absolute URLs there (media.for_feeds).
_FEED_TAGS = nh3.ALLOWED_TAGS - {"area", "map"}
_FEED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "*": {"lang", "title"},
}
FEED = nh3.Cleaner(tags=_FEED_TAGS, attributes=_FEED_ATTRIBUTES, url_schemes=_SCHEMES,
                   link_rel="noopener noreferrer")
"""The policy for feed items (a narrowing of :data:`PAGE` for feed readers)."""


def sanitize_page(html: str) -> str:
    """An article page's content with nothing that can run."""
    return PAGE.clean(html)


def sanitize_feed(html: str) -> str:
    """A feed item's content with nothing that can run (allow-listed tags and attributes,
    http(s)/mailto links only)."""
    return FEED.clean(html)


# --- Markdown → HTML --------------------------------------------------------------------------

DEFAULT_EXTENSIONS = ("tables", "attr_list", "md_in_html", "toc")


def markdown_renderer(extensions: Sequence[object] = DEFAULT_EXTENSIONS,
                      extension_configs: Mapping[str, Mapping] | None = None) -> Callable[[str], str]:
    """Markdown → HTML with Python-Markdown (pass the site's extensions to match its pages);
    one parser, reset between bodies (public ``Markdown.reset``)."""
    render = toc_renderer(extensions, extension_configs)
    return lambda text: render(text)[0]


def toc_renderer(extensions: Sequence[object] = DEFAULT_EXTENSIONS,
                 extension_configs: Mapping[str, Mapping] | None = None, *, fast: bool = True
                 ) -> Callable[[str], tuple[str, list]]:
    """Markdown → (HTML, the ``toc`` extension's ``toc_tokens``: what MkDocs makes a page's
    table of contents of; ``[]`` without that extension).

    ``fast``: a body written only in the part of Markdown where CommonMark and Python-Markdown
    agree (:func:`plain`: paragraphs, ATX/setext headings, emphasis, inline links and pictures,
    flat lists, block quotes, code) is rendered by pyromark (CommonMark in Rust, ~40× faster
    here: ``bench/renderers.py``), its headings given the ids and table of contents the ``toc``
    extension gives them; anything else by Python-Markdown with the site's extensions.
    tests/test_site.py builds the same bodies both ways and compares the pages byte for byte."""
    slow = _python_markdown(extensions, extension_configs)
    names = {_extension_name(e) for e in extensions}
    if not fast or "toc" in (extension_configs or {}) or not names <= RESETTABLE:
        return slow
    with_toc = "toc" in names
    try:
        import pyromark
    except ImportError:                               # not installed: Python-Markdown only
        return slow

    def render(text: str) -> tuple[str, list]:
        if not plain(text):
            return slow(text)
        html = _IMG.sub(r'<img alt="\2" src="\1"', pyromark.html(text).rstrip("\n"))
        return _heading_ids(html) if with_toc else (html, [])

    return render


# What Python-Markdown and CommonMark read differently, or what needs an extension: indented
# lines (nested lists, lazy continuation, indented code), ``1)`` lists, backslashes, tables, raw
# HTML and autolinks (``<``), entities, attribute lists, footnotes, admonitions, strikethrough,
# fences, reference definitions, ``***``/``___`` (nesting order), picture titles (attribute
# order), block quotes, and a list or quote right under a paragraph line (CommonMark lets it
# interrupt the paragraph, Python-Markdown does not).
_NOT_PLAIN_TEXT = ("<", "|", "\t", ">", "{:", "[^", "~~", "```", "***", "___", "\\")
_NOT_PLAIN_LINE = re.compile(r"^(?:[ \t]+\S|\s{0,3}(?:\d+\)|\[[^\]]*\]:|!!!|\?\?\?))", re.M)
_ENTITY = re.compile(r"&#?\w+;")
# link or picture addresses the two write differently (CommonMark percent-encodes non-ASCII and
# escapes quotes, brackets, braces and backticks; Python-Markdown writes them as they are)
_ODD_DEST = re.compile("\\]\\([^)\\s]*?[\"'\\[\\]`{}\u0080-\U0010ffff]")
_IMAGE_TITLE = re.compile(r"!\[[^\]]*\]\([^)]*[\"']")
_ANY_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d+\.)[ \t]", re.M)
_ITEM = re.compile(r"\s{0,3}(?:[-*+]|\d+\.)[ \t]")
_FIRST_ITEM = re.compile(r"(?:\A|\n\s*\n)\s{0,3}(\d+)\.[ \t]")


def plain(text: str) -> bool:
    """Whether ``text`` keeps to the Markdown both renderers read alike."""
    if any(part in text for part in _NOT_PLAIN_TEXT) or _NOT_PLAIN_LINE.search(text) or \
            ("&" in text and _ENTITY.search(text)) or ("![" in text and _IMAGE_TITLE.search(text)) or \
            ("](" in text and _ODD_DEST.search(text)):
        return False
    if not _ANY_ITEM.search(text):
        return True
    prev, last, blank = "", "", False             # line before; last non-blank line
    for line in text.split("\n"):
        item, before = _ITEM.match(line), _ITEM.match(last)
        if item and prev.strip() and not _ITEM.match(prev):
            return False                          # a list right under a paragraph line
        if item and before and (blank or item.group(0).strip()[-1] != before.group(0).strip()[-1]):
            return False                          # loose lists, or bullets that change
        if line.strip():
            last, blank = line, False
        else:
            blank = True
        prev = line
    return all(m.group(1) == "1" for m in _FIRST_ITEM.finditer(text))  # CommonMark: start="3"


_IMG = re.compile(r'<img src="([^"]*)" alt="([^"]*)"')       # Python-Markdown's order
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _heading_ids(html: str) -> tuple[str, list]:
    """The ``toc`` extension's work on CommonMark's output: ids (its ``slugify``, made unique
    as it makes them) and the nested ``toc_tokens``."""
    import html as htmlmod

    from markdown.extensions.toc import slugify, unique

    used: set[str] = set()
    flat: list[dict] = []

    def sub(m: re.Match) -> str:
        level, inner = int(m.group(1)), m.group(2)
        name = htmlmod.escape(htmlmod.unescape(_TAG.sub("", inner)), quote=False)
        ident = unique(slugify(htmlmod.unescape(name), "-"), used)
        flat.append({"level": level, "id": ident, "name": name, "html": inner,
                     "data-toc-label": "", "children": []})
        return f'<h{level} id="{ident}">{inner}</h{level}>'

    html = _HEADING.sub(sub, html)
    return html, _nest(flat)


def _nest(flat: list[dict]) -> list[dict]:
    """``markdown.extensions.toc.nest_toc_tokens``: a flat list of headings as a tree."""
    from markdown.extensions.toc import nest_toc_tokens

    return nest_toc_tokens(flat)


def _python_markdown(extensions: Sequence[object], extension_configs: Mapping | None
                     ) -> Callable[[str], tuple[str, list]]:
    import markdown

    def make():
        return markdown.Markdown(extensions=list(extensions),
                                 extension_configs=dict(extension_configs or {}))

    reuse = all(_extension_name(e) in RESETTABLE for e in extensions)
    md = make()

    def render(text: str) -> tuple[str, list]:
        nonlocal md
        if reuse:
            md.reset()
        else:
            md = make()
        html = md.convert(text)
        return html, list(getattr(md, "toc_tokens", []))

    return render


# Extensions whose state ``Markdown.reset()`` clears completely: with only these, one parser
# renders every body; with any other, a fresh parser per body (as MkDocs does per page).
RESETTABLE = {"toc", "tables", "attr_list", "md_in_html", "admonition", "footnotes", "abbr",
              "def_list", "fenced_code", "sane_lists", "nl2br", "smarty", "meta", "legacy_attrs",
              "legacy_em", "wikilinks"}


def resettable(ext: object) -> bool:
    """Whether ``Markdown.reset()`` clears all of the extension's state (see :data:`RESETTABLE`)."""
    return _extension_name(ext) in RESETTABLE


def _extension_name(ext: object) -> str | None:
    if not isinstance(ext, str):
        return None
    return ext.rsplit(".", 1)[-1] if ext.startswith("markdown.extensions.") else ext


def fingerprint(extensions: Sequence[object], extension_configs: Mapping | None) -> str:
    """What a cached rendering depends on besides the body: this module, the extensions and
    their settings, the Markdown and nh3 versions."""
    from importlib.metadata import version

    h = hashlib.sha256(Path(__file__).read_bytes())
    try:
        fast = version("pyromark")
    except Exception:
        fast = None
    h.update(json.dumps([_SCHEMA, [str(e) for e in extensions], extension_configs or {},
                         version("markdown"), version("nh3"), fast], sort_keys=True,
                        default=str).encode())
    return h.hexdigest()


def _unpack(data: bytes) -> str:
    return zlib.decompress(data).decode("utf-8", "surrogatepass")


def body_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class BodyCache:
    """``body → (HTML, toc tokens)`` through ``make()``'s renderer (:func:`toc_renderer`),
    remembered in ``path`` (SQLite) for ``fingerprint``; shared by the pages (publish) and the
    feeds (the site build).

    Called with a body, it gives the HTML (what the feeds want); :meth:`get` gives both. Entries
    are read from the file one at a time when asked (a build that needs a few reads a few);
    :meth:`save` writes the new ones, and with ``prune`` drops those neither used nor kept, in
    one transaction. A corrupt or foreign file (another fingerprint or schema) is not read and
    is replaced, through a new file, by the next save. Until then the entries rendered now are
    held zlib-compressed (a cold build of 50,000 articles renders every body: ~6 KB of HTML
    each); those read from the file are not held (asked again, they are read again)."""

    def __init__(self, path: Path | None, fingerprint: str,
                 make: Callable[[], Callable[[str], tuple[str, list]]]):
        self.path, self.fingerprint, self.make = path, fingerprint, make
        self.render: Callable[[str], tuple[str, list]] | None = None
        self.used: set[str] = set()                         # keys asked for
        self.new: dict[str, tuple[bytes, str]] = {}         # key → (HTML compressed, toc as JSON)
        self.hits = 0
        self._con: sqlite3.Connection | None = None
        self.valid = self._open()

    def _open(self) -> bool:
        """Whether the file holds entries of this fingerprint (then kept open to read them)."""
        self._con = open_sqlite(self.path, {"schema": str(_SCHEMA),
                                            "fingerprint": self.fingerprint},
                                "SELECT key, html, toc FROM bodies LIMIT 1")
        return self._con is not None             # corrupt or foreign: replaced by save()

    def entries(self) -> int | None:
        """How many entries the file holds (None: no file of this fingerprint, or unreadable)."""
        if self._con is None:
            return None
        try:
            return int(self._con.execute("SELECT COUNT(*) FROM bodies").fetchone()[0])
        except sqlite3.Error:
            return None

    def _read(self, key: str) -> tuple[str, str] | None:
        if self._con is None:
            return None
        try:
            row = self._con.execute("SELECT html, toc FROM bodies WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not isinstance(row[0], str) or not isinstance(row[1], str):
            return None
        return row[0], row[1]

    def _entry(self, text: str) -> tuple[str, str]:
        key = body_key(text)
        packed = self.new.get(key)
        if packed is not None:
            return _unpack(packed[0]), packed[1]
        entry = self._read(key)
        if entry is None:
            if self.render is None:
                self.render = self.make()
            html, toc = self.render(text)
            entry = (html, json.dumps(toc, ensure_ascii=False))
            self.new[key] = (zlib.compress(html.encode("utf-8", "surrogatepass"), 1), entry[1])
        elif key not in self.used:
            self.hits += 1
        self.used.add(key)
        return entry

    def __call__(self, text: str) -> str:
        return self._entry(text)[0]

    def get(self, text: str) -> tuple[str, list]:
        html, toc = self._entry(text)
        try:
            tokens = json.loads(toc)
        except ValueError:
            tokens = []
        return html, tokens if isinstance(tokens, list) else []

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def save(self, keep: Iterable[str] = (), *, prune: bool = True) -> None:
        """Write the entries rendered now; with ``prune``, keep only those used now and those
        of ``keep`` (bodies still needed though not asked for now). One transaction."""
        if self.path is None:
            return
        if not self.valid:                        # no file, or one that is not ours: a new one
            self.close()
            self._write_new()
            return
        keys = self.used | {body_key(t) for t in keep} if prune else set()
        con = self._con
        assert con is not None
        try:
            with con:
                if self.new:
                    con.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
                                    ((k, _unpack(h), t) for k, (h, t) in sorted(self.new.items())))
                if prune:
                    stale = [k for (k,) in con.execute("SELECT key FROM bodies") if k not in keys]
                    con.executemany("DELETE FROM bodies WHERE key = ?", [(k,) for k in stale])
        except sqlite3.Error:
            self.close()
            self._write_new()
            return
        self.new = {}
        self.close()

    def _write_new(self) -> None:
        """The cache as a new file (what was rendered now) that replaces the old one at once."""
        assert self.path is not None

        def fill(con: sqlite3.Connection) -> None:
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            con.execute("CREATE TABLE bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL, "
                        "toc TEXT NOT NULL)")
            con.executemany("INSERT INTO meta VALUES (?, ?)",
                            [("schema", str(_SCHEMA)), ("fingerprint", self.fingerprint)])
            con.executemany("INSERT INTO bodies VALUES (?, ?, ?)",
                            ((k, _unpack(h), t) for k, (h, t) in sorted(self.new.items())))

        write_sqlite(self.path, fill)               # atomic: the old cache or the new one
        self.new = {}
