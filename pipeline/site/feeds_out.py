"""RSS 2.0 and Atom feeds of the built site: site-wide, per theme and per source.

Each channel gets ``<dir>/rss.xml`` and ``<dir>/atom.xml`` in ``site/`` (``dir`` is "" for the
whole site, ``chu-de/<id>/`` for a theme, ``nguon/<id>/`` for a source: the directory of the
listing page the feed belongs to). Items are the newest ``limit`` published articles with their
full content as HTML (Markdown rendered, then sanitised), a GUID built from the article's stable
id (a ``tag:`` URI: it survives re-harvests, rebuilds and a change of the article's address),
dates in the site's time zone (RFC 822 in RSS, RFC 3339 in Atom), one ``<category>`` per theme
and an image enclosure when the article has an image. XML is built with lxml (it escapes);
the bytes depend only on the articles, so unchanged feeds are not rewritten.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import mimetypes
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from email.utils import format_datetime
from itertools import islice
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urljoin, urlsplit

from lxml import etree

from pipeline import config as config_mod
from pipeline.core.dateline import strip_dateline
from pipeline.core.fileio import open_sqlite, write_if_changed, write_sqlite
from pipeline.core.models import THEMES, Article, Config
from pipeline.site import jsonfeed, render

FEED_LIMIT = 50
# Part of every feed's digest: the feeds change with this code.
_CODE = hashlib.sha256(Path(__file__).read_bytes()
                      + (Path(__file__).parent.parent / "core" / "dateline.py").read_bytes()
                      + (Path(__file__).parent / "jsonfeed.py").read_bytes()).hexdigest()
_RENDER_CODE = hashlib.sha256(Path(render.__file__).read_bytes()).hexdigest()   # sanitize_feed
ITEMS_FILE = "feed-items.sqlite"      # in <root>/.cds/: ItemMemo
TAG_DATE = "2023"                     # the date part of every GUID (tag: URI); never change it
GENERATOR = "cds"
DEFAULT_EXTENSIONS = render.DEFAULT_EXTENSIONS

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_RSS_NSMAP = {"atom": ATOM_NS, "content": CONTENT_NS, "dc": DC_NS}

# Characters XML 1.0 cannot hold at all: dropped from every text.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

@dataclass(frozen=True)
class Channel:
    """One feed: the articles of the whole site, of a theme or of a source."""
    path: str                       # site-relative directory: "", "chu-de/nhan-thuc/", …
    title: str
    description: str = ""
    theme: str | None = None
    source: str | None = None
    doc: str | None = None          # a register document's number: the articles citing it

    def selects(self, art: Article) -> bool:
        if self.doc is not None:
            return self.doc in art.doc_refs
        if self.theme is not None:
            return self.theme in art.themes
        if self.source is not None:
            return art.source == self.source
        return True


@dataclass
class FeedsResult:
    written: int = 0                # feed files created or changed
    unchanged: int = 0
    files: list[str] = field(default_factory=list)      # site-relative paths of every feed
    digests: dict[str, str] = field(default_factory=dict)   # path → digest of the feed's inputs
    bodies: list[str] = field(default_factory=list)     # Markdown of items in feeds not remade
    changed: list[str] = field(default_factory=list)    # feed files whose bytes changed (WebSub)
    encoded: int = 0                # items encoded (not taken from the ItemMemo)


def clean_xml(text: object) -> str:
    return _NOT_XML.sub("", str(text or ""))


def guid(config: Config, art: Article) -> str:
    """``tag:<site host>,2023:<article id>``: the same for the article forever."""
    return f"tag:{_host(config.site.url)},{TAG_DATE}:{quote(art.id, safe='-._~')}"


@functools.lru_cache(maxsize=8)
def _host(url: str) -> str:
    """The site URL's host (once a URL: every article of every feed and API list asks)."""
    return urlsplit(url).hostname or "localhost"


def fallback_url(art: Article, tz: tzinfo) -> str:
    """``tin-tuc/YYYY/MM/<slug>/`` from the store path (publish's rule without its collision
    handling): used only when the caller gives no ``urls``."""
    parts = list(PurePosixPath(art.path.as_posix()).with_suffix("").parts) if art.path else []
    if parts[:1] == ["articles"]:
        parts = parts[1:]
    if len(parts) == 3:
        return "tin-tuc/" + "/".join(parts) + "/"
    local = art.published.astimezone(tz)
    return f"tin-tuc/{local:%Y}/{local:%m}/{quote(art.id)}/"


def default_channels(config: Config, articles: Iterable[Article],
                     theme_names: Mapping[str, str] | None = None) -> list[Channel]:
    """The site, each theme, each source (those in feeds.yml, then any other an article names)."""
    names = dict(theme_names or {t: t for t in THEMES})
    chans = [Channel("", config.site.title, config.site.description)]
    chans += [Channel(f"chu-de/{t}/", name, theme=t) for t, name in names.items()]
    sources = {s.id: s.name for s in config.sources}
    for art in articles:
        sources.setdefault(art.source, art.source)
    chans += [Channel(f"nguon/{sid}/", name, source=sid) for sid, name in sources.items()]
    return chans


def channels_from(data: Iterable[Mapping[str, object]]) -> list[Channel]:
    """Channels from plain mappings (publish's manifest)."""
    return [Channel(str(d["path"]), str(d["title"]), str(d.get("description") or ""),
                    theme=d.get("theme"), source=d.get("source"), doc=d.get("doc"))
            for d in data]


class _Writer:
    def __init__(self, config: Config, articles: Sequence[Article], urls: Mapping[str, str],
                 theme_names: Mapping[str, str], render_html: Callable[[str], str],
                 sizes: Mapping[str, int] | None = None):
        self.config = config
        self.sizes = dict(sizes or {})
        self.tz = config_mod.timezone(config)
        self.base = config.site.url.rstrip("/") + "/"
        self.urls = urls
        self.theme_names = theme_names
        self.render_html = render_html
        self.sources = {s.id: s.name for s in config.sources}
        self.articles = sorted((a for a in articles if a.status == "published"),
                               key=lambda a: (a.published, a.id), reverse=True)
        self.newest_all = max((self._updated(a) for a in self.articles), default=None)
        self._html: dict[str, str] = {}
        self._keys: dict[str, list] = {}
        self._links: dict[str, str] = {}
        self.hub = getattr(config.site, "hub", "") or ""

    def guid(self, art: Article) -> str:
        return guid(self.config, art)

    @staticmethod
    def clean(text: object) -> str:
        return clean_xml(text)

    def digest(self, chan: Channel, items: Sequence[Article]) -> str:
        """Everything a channel's two feeds are made from (the same digest: the same bytes,
        given the same ``render_html``)."""
        data = [_CODE, self.config.site.title, self.config.site.url,
                self.config.site.language, str(self.tz), GENERATOR, TAG_DATE, self.hub,
                [chan.path, chan.title, chan.description, chan.theme, chan.source, chan.doc],
                sorted(self.theme_names.items()),
                self.newest_all.isoformat() if self.newest_all else None,
                [self.item_key(a) for a in items]]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode(
            "utf-8", "surrogatepass")).hexdigest()

    def item_key(self, art: Article) -> list:
        """Everything of an article its item in a feed is made from (with what every item
        shares: :meth:`ItemMemo.salt_of`)."""
        if art.id not in self._keys:
            self._keys[art.id] = [
                art.id, art.title, art.url, self.link(art), art.source, self.source_name(art),
                art.published.isoformat(), art.updated.isoformat() if art.updated else None,
                art.author, art.summary, art.image, self.sizes.get(art.image.strip()),
                art.themes, hashlib.sha256(art.body.encode("utf-8", "surrogatepass")).hexdigest()]
        return self._keys[art.id]

    def abs(self, rel: str) -> str:
        return urljoin(self.base, rel)

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz).replace(microsecond=0)

    @staticmethod
    def _updated(art: Article) -> datetime:
        return max(art.updated, art.published) if art.updated else art.published

    def link(self, art: Article) -> str:
        link = self._links.get(art.id)
        if link is None:
            link = self._links[art.id] = self.abs(self.urls.get(art.id) or fallback_url(art, self.tz))
        return link

    def source_name(self, art: Article) -> str:
        return self.sources.get(art.source, art.source)

    def content(self, art: Article) -> str:
        """The article's full content as safe HTML, with a line naming its source."""
        if art.id not in self._html:
            try:
                body = self.render_html(art.body)
            except Exception:                       # a body python-markdown chokes on
                body = "<p>" + html.escape(art.body) + "</p>"
            tail = html.escape(self.source_name(art))
            if art.url.lower().startswith(("http://", "https://")):
                tail = f'<a href="{html.escape(art.url)}">{tail}</a>'
            self._html[art.id] = clean_xml(render.sanitize_feed(body + f"\n<p>Nguồn: {tail}</p>"))
        return self._html[art.id]

    @staticmethod
    def image(art: Article) -> tuple[str, str] | None:
        url = (art.image or "").strip()
        if not url.lower().startswith(("http://", "https://")):
            return None
        kind = mimetypes.guess_type(urlsplit(url).path)[0] or ""
        return url, kind if kind.startswith("image/") else "image/jpeg"

    # -- RSS 2.0 ---------------------------------------------------------------------------

    def rss(self, chan: Channel, items: Sequence[Article], *, with_items: bool = True) -> bytes:
        """The channel's RSS; without ``with_items``, all but its ``<item>`` elements (the
        feed's head and tail, for :meth:`ItemMemo.feed`)."""
        root = etree.Element("rss", nsmap=_RSS_NSMAP)
        root.set("version", "2.0")
        ch = etree.SubElement(root, "channel")
        _text(ch, "title", self.channel_title(chan))
        _text(ch, "link", self.abs(chan.path))
        _text(ch, "description", chan.description or self.channel_title(chan))
        _text(ch, "language", self.config.site.language or "vi")
        _text(ch, "generator", GENERATOR)
        if items:
            _text(ch, "lastBuildDate", format_datetime(self.local(max(map(self._updated, items)))))
        etree.SubElement(ch, f"{{{ATOM_NS}}}link", href=self.abs(chan.path + "rss.xml"),
                         rel="self", type="application/rss+xml")
        if self.hub:
            etree.SubElement(ch, f"{{{ATOM_NS}}}link", href=self.hub, rel="hub")
        for art in items if with_items else ():
            self.rss_item(ch, art)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def rss_item(self, ch: etree._Element, art: Article) -> None:
        it = etree.SubElement(ch, "item")
        _text(it, "title", art.title)
        _text(it, "link", self.link(art))
        _text(it, "guid", guid(self.config, art)).set("isPermaLink", "false")
        _text(it, "pubDate", format_datetime(self.local(art.published)))
        _text(it, f"{{{DC_NS}}}creator", art.author or self.source_name(art))
        for t in art.themes:
            if t in self.theme_names:
                _text(it, "category", self.theme_names[t]).set("domain", self.abs("chu-de/"))
        if art.summary:
            _text(it, "description", strip_dateline(art.summary))
        _text(it, f"{{{CONTENT_NS}}}encoded", self.content(art))
        img = self.image(art)
        if img:
            etree.SubElement(it, "enclosure", url=img[0],
                             length=str(self.sizes.get(img[0], 0)), type=img[1])

    # -- Atom (RFC 4287) ---------------------------------------------------------------------

    def atom(self, chan: Channel, items: Sequence[Article], *, with_items: bool = True) -> bytes:
        """The channel's Atom feed; without ``with_items``, all but its entries."""
        root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
        root.set(f"{{{XML_NS}}}lang", self.config.site.language or "vi")
        self_url = self.abs(chan.path + "atom.xml")
        _text(root, _a("id"), self_url)
        _text(root, _a("title"), self.channel_title(chan))
        if chan.description:
            _text(root, _a("subtitle"), chan.description)
        newest = max(map(self._updated, items), default=self.newest_all)
        # An empty feed still needs <updated>: the site's newest article, else a fixed date.
        _text(root, _a("updated"), self.local(newest).isoformat() if newest else
              "2000-01-01T00:00:00+00:00")
        etree.SubElement(root, _a("link"), rel="alternate", type="text/html", href=self.abs(chan.path))
        etree.SubElement(root, _a("link"), rel="self", type="application/atom+xml", href=self_url)
        if self.hub:
            etree.SubElement(root, _a("link"), rel="hub", href=self.hub)
        author = etree.SubElement(root, _a("author"))
        _text(author, _a("name"), self.config.site.title)
        _text(root, _a("generator"), GENERATOR)
        for art in items if with_items else ():
            self.atom_entry(root, art)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def atom_entry(self, root: etree._Element, art: Article) -> None:
        e = etree.SubElement(root, _a("entry"))
        _text(e, _a("id"), guid(self.config, art))
        _text(e, _a("title"), art.title).set("type", "text")
        etree.SubElement(e, _a("link"), rel="alternate", type="text/html", href=self.link(art))
        img = self.image(art)
        if img:
            link = etree.SubElement(e, _a("link"), rel="enclosure", type=img[1], href=img[0])
            if img[0] in self.sizes:
                link.set("length", str(self.sizes[img[0]]))
        _text(e, _a("published"), self.local(art.published).isoformat())
        _text(e, _a("updated"), self.local(self._updated(art)).isoformat())
        who = etree.SubElement(e, _a("author"))
        _text(who, _a("name"), art.author or self.source_name(art))
        for t in art.themes:
            if t in self.theme_names:
                etree.SubElement(e, _a("category"), term=t, label=clean_xml(self.theme_names[t]),
                                 scheme=self.abs("chu-de/"))
        if art.summary:
            _text(e, _a("summary"), strip_dateline(art.summary)).set("type", "text")
        _text(e, _a("content"), self.content(art)).set("type", "html")

    def channel_title(self, chan: Channel) -> str:
        if chan.path == "":
            return chan.title or self.config.site.title
        return f"{chan.title} – {self.config.site.title}"


def _a(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def _text(parent: etree._Element, tag: str, text: object) -> etree._Element:
    el = etree.SubElement(parent, tag)
    el.text = clean_xml(text)
    return el


def write_feeds(config: Config, articles: Sequence[Article], site_dir: Path, *,
                render_html: Callable[[str], str] | None = None,
                channels: Sequence[Channel] | None = None,
                urls: Mapping[str, str] | None = None,
                theme_names: Mapping[str, str] | None = None,
                limit: int = FEED_LIMIT,
                previous: Mapping[str, str] | None = None,
                sizes: Mapping[str, int] | None = None,
                memo: Path | None = None) -> FeedsResult:
    """Write ``rss.xml``, ``atom.xml`` and ``feed.json`` (JSON Feed 1.1) for every channel into
    ``site_dir``.

    ``render_html`` turns a Markdown body into HTML (default: python-markdown with
    DEFAULT_EXTENSIONS); ``channels`` default to :func:`default_channels`; ``urls`` maps an
    article id to its site-relative page URL (publish's manifest; default: from its path);
    ``theme_names`` maps theme ids to the names used in titles and categories.

    ``sizes`` maps a picture's address (an article's ``image``) to its size in bytes: the
    enclosure's ``length`` (RSS; Atom's ``link length``). Unknown sizes give RSS ``length="0"``.

    ``previous``: the ``digests`` of an earlier call with the same ``render_html``; a channel
    whose inputs have the same digest and whose files are there is not made again.

    ``memo``: the file of an :class:`ItemMemo` (``<root>/.cds/feed-items.sqlite``), used when
    ``render_html`` has a ``fingerprint`` (``render.BodyCache``): each item is encoded once.
    """
    names = dict(theme_names or {t: t for t in THEMES})
    chans = list(channels) if channels is not None else default_channels(config, articles, names)
    writer = _Writer(config, articles, urls or {}, names, render_html or render.markdown_renderer(),
                     sizes)
    result = FeedsResult()
    previous = previous or {}
    render_key = getattr(writer.render_html, "fingerprint", None)
    items_memo = ItemMemo(memo, ItemMemo.salt_of(writer, render_key)) \
        if memo is not None and isinstance(render_key, str) else None
    for chan in chans:
        items = list(islice((a for a in writer.articles if chan.selects(a)), max(limit, 0)))
        if items_memo is not None:
            items_memo.wanted.update(items_memo.key(writer, a) for a in items)
        digest = writer.digest(chan, items)
        rels = [chan.path + "rss.xml", chan.path + "atom.xml", chan.path + jsonfeed.FILENAME]
        result.files += rels
        for rel in rels:
            result.digests[rel] = digest
        if all(previous.get(rel) == digest and (Path(site_dir) / rel).is_file() for rel in rels):
            result.unchanged += len(rels)
            result.bodies += [a.body for a in items]
            continue
        made = items_memo.feeds(writer, chan, items) if items_memo is not None else \
            (writer.rss(chan, items), writer.atom(chan, items), jsonfeed.feed(writer, chan, items))
        for rel, data in zip(rels, made, strict=True):
            if write_if_changed(Path(site_dir) / rel, data):
                result.written += 1
                result.changed.append(rel)
            else:
                result.unchanged += 1
    if items_memo is not None:
        result.encoded = len(items_memo.new)
        items_memo.save()
    return result


# --- each item encoded once --------------------------------------------------------------------

class ItemMemo:
    """Each article's item as the three formats write it (the RSS ``<item>``, the Atom
    ``<entry>``, the JSON Feed item, laid out where a feed holds it), kept in ``path`` (SQLite,
    ``<root>/.cds/feed-items.sqlite``) by a key of everything the item is made from
    (:meth:`_Writer.item_key`, and the ``salt`` every item shares: this code, the site's
    address, language and time zone, the theme names, the body renderer's fingerprint). A feed
    made again takes the items it has from here and encodes only the others: one new article
    encodes one item, not the fifty of every feed it is in. The file holds the items of the
    feeds written last; one of another salt or schema, or that SQLite cannot read, is not read
    and is replaced by the next save; losing it costs time, never a different byte
    (``tests/test_feeds_out.py`` compares with the feeds made without it)."""

    SCHEMA = "1"

    def __init__(self, path: Path | None, salt: str):
        self.path, self.salt = path, salt
        self.new: dict[str, tuple[bytes, bytes, str]] = {}
        self.wanted: set[str] = set()           # the keys of every feed's items now
        self._keys: dict[str, str] = {}
        self._con: sqlite3.Connection | None = open_sqlite(
            path, {"schema": self.SCHEMA, "salt": salt},
            "SELECT key, rss, atom, json FROM items LIMIT 1")
        self.valid = self._con is not None

    @staticmethod
    def salt_of(writer: _Writer, render_key: str) -> str:
        c = writer.config
        return hashlib.sha256(json.dumps(
            [_CODE, _RENDER_CODE, render_key, c.site.url, c.site.language, str(writer.tz),
             TAG_DATE, sorted(writer.theme_names.items())], ensure_ascii=False).encode(
                "utf-8", "surrogatepass")).hexdigest()

    def key(self, writer: _Writer, art: Article) -> str:
        key = self._keys.get(art.id)
        if key is None:
            key = self._keys[art.id] = hashlib.sha256(
                (self.salt + json.dumps(writer.item_key(art), ensure_ascii=False))
                .encode("utf-8", "surrogatepass")).hexdigest()
        return key

    def get(self, key: str) -> tuple[bytes, bytes, str] | None:
        have = self.new.get(key)
        if have is not None or self._con is None:
            return have
        try:
            row = self._con.execute("SELECT rss, atom, json FROM items WHERE key = ?",
                                    (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not isinstance(row[0], bytes) or not isinstance(row[1], bytes) or \
                not isinstance(row[2], str):
            return None
        return row[0], row[1], row[2]

    def feeds(self, writer: _Writer, chan: Channel,
              items: Sequence[Article]) -> tuple[bytes, bytes, bytes]:
        """The channel's RSS, Atom and JSON Feed bytes, its items from the memo (those it does
        not have encoded now, and kept)."""
        keys = [self.key(writer, a) for a in items]
        parts = [self.get(k) for k in keys]
        missing = [(k, a) for k, a, part in zip(keys, items, parts, strict=True) if part is None]
        if missing:
            made = dict(zip([k for k, _ in missing], _encode(writer, [a for _, a in missing]),
                            strict=True))
            self.new.update(made)
            parts = [part if part is not None else made[k]
                     for k, part in zip(keys, parts, strict=True)]
        rss = _splice(writer.rss(chan, items, with_items=False), b"  </channel>\n</rss>\n",
                      [p[0] for p in parts])
        atom = _splice(writer.atom(chan, items, with_items=False), b"</feed>\n",
                       [p[1] for p in parts])
        js = jsonfeed.joined(writer, chan, [p[2] for p in parts])
        if rss is None or atom is None or js is None:         # not laid out as expected
            return writer.rss(chan, items), writer.atom(chan, items), jsonfeed.feed(writer, chan, items)
        return rss, atom, js

    def save(self) -> None:
        """Keep the items of :attr:`wanted` (one transaction), the others go."""
        if self.path is None:
            return
        held: set[str] = set()
        if self._con is not None:
            try:
                held = {k for (k,) in self._con.execute("SELECT key FROM items")}
            except sqlite3.Error:
                self.valid = False
        new = {k: v for k, v in self.new.items() if k in self.wanted}
        if self.valid and not new and held <= self.wanted:
            self.close()
            return                              # nothing to add, nothing to drop
        try:
            if self.valid:
                con = self._con
                assert con is not None
                with con:
                    con.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?)",
                                    [(k, *v) for k, v in sorted(new.items())])
                    con.executemany("DELETE FROM items WHERE key = ?",
                                    [(k,) for k in sorted(held - self.wanted)])
                self.close()
                return
        except sqlite3.Error:
            pass
        self.close()

        def fill(con: sqlite3.Connection) -> None:
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            con.execute("CREATE TABLE items (key TEXT PRIMARY KEY, rss BLOB NOT NULL, "
                        "atom BLOB NOT NULL, json TEXT NOT NULL)")
            con.executemany("INSERT INTO meta VALUES (?, ?)",
                            [("schema", self.SCHEMA), ("salt", self.salt)])
            con.executemany("INSERT INTO items VALUES (?, ?, ?, ?)",
                            [(k, *v) for k, v in sorted(new.items())])

        try:
            write_sqlite(self.path, fill)       # atomic: the old file or the new one
        except (OSError, sqlite3.Error):
            pass                                # only a memo: the next build encodes again

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


_ITEM_RSS = re.compile(rb"^    <item>$", re.M)
_ITEM_ATOM = re.compile(rb"^  <entry>$", re.M)


def _encode(writer: _Writer, arts: Sequence[Article]) -> list[tuple[bytes, bytes, str]]:
    """Each article's item in the three formats, laid out as a feed holds it: the items are
    written into one RSS and one Atom document as the feeds write them (lxml lays an element
    out by its depth only) and cut at their opening lines (a text or attribute holds no raw
    ``<``, so such a line is an item's)."""
    ch = etree.SubElement(etree.Element("rss", nsmap=_RSS_NSMAP), "channel")
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    for art in arts:
        writer.rss_item(ch, art)
        writer.atom_entry(feed, art)
    rss = _cut(etree.tostring(ch.getparent(), encoding="UTF-8", pretty_print=True), _ITEM_RSS,
               b"  </channel>\n</rss>\n")
    atom = _cut(etree.tostring(feed, encoding="UTF-8", pretty_print=True), _ITEM_ATOM,
                b"</feed>\n")
    if len(rss) != len(arts) or len(atom) != len(arts):
        raise ValueError("feed items not laid out as expected")
    return [(r, a, jsonfeed.encoded_item(writer, art))
            for r, a, art in zip(rss, atom, arts, strict=True)]


def _cut(data: bytes, start: re.Pattern[bytes], tail: bytes) -> list[bytes]:
    if not data.endswith(tail):
        return []
    body = data[:-len(tail)]
    marks = [m.start() for m in start.finditer(body)]
    return [body[a:b] for a, b in zip(marks, [*marks[1:], len(body)], strict=True)]


def _splice(head: bytes, tail: bytes, items: Sequence[bytes]) -> bytes | None:
    """A feed without its items (``head``, ending with ``tail``) with ``items`` put back."""
    if not head.endswith(tail):
        return None
    return head[:-len(tail)] + b"".join(items) + tail


# --- the register's "Văn bản mới" feeds ------------------------------------------------------

def document_feed(config: Config, entries: Sequence[Mapping[str, object]], path: str,
                  title: str, description: str = "") -> tuple[bytes, bytes]:
    """(RSS 2.0, Atom) bytes of a feed of register documents, not articles. ``entries``, newest
    first: ``{"id", "title", "link" (site-relative), "published" (aware datetime), "summary",
    "category"}``; ``path`` is the feed's directory (``van-ban/``). GUIDs are ``tag:`` URIs of
    the entry's ``id``; the bytes depend only on the entries."""
    tz = config_mod.timezone(config)
    base = config.site.url.rstrip("/") + "/"
    host = urlsplit(config.site.url).hostname or "localhost"
    full_title = f"{title} – {config.site.title}"

    def tag(e: Mapping[str, object]) -> str:
        return f"tag:{host},{TAG_DATE}:{quote(str(e['id']), safe='-._~:')}"

    def when(e: Mapping[str, object]) -> datetime:
        return e["published"].astimezone(tz).replace(microsecond=0)   # type: ignore[union-attr]

    rss = etree.Element("rss", nsmap={"atom": ATOM_NS})
    rss.set("version", "2.0")
    ch = etree.SubElement(rss, "channel")
    _text(ch, "title", full_title)
    _text(ch, "link", urljoin(base, path))
    _text(ch, "description", description or full_title)
    _text(ch, "language", config.site.language or "vi")
    _text(ch, "generator", GENERATOR)
    if entries:
        _text(ch, "lastBuildDate", format_datetime(max(when(e) for e in entries)))
    etree.SubElement(ch, f"{{{ATOM_NS}}}link", href=urljoin(base, path + "rss.xml"), rel="self",
                     type="application/rss+xml")
    for e in entries:
        it = etree.SubElement(ch, "item")
        _text(it, "title", e["title"])
        _text(it, "link", urljoin(base, str(e["link"])))
        _text(it, "guid", tag(e)).set("isPermaLink", "false")
        _text(it, "pubDate", format_datetime(when(e)))
        if e.get("category"):
            _text(it, "category", e["category"])
        if e.get("summary"):
            _text(it, "description", e["summary"])
    atom = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    atom.set(f"{{{XML_NS}}}lang", config.site.language or "vi")
    self_url = urljoin(base, path + "atom.xml")
    _text(atom, _a("id"), self_url)
    _text(atom, _a("title"), full_title)
    if description:
        _text(atom, _a("subtitle"), description)
    _text(atom, _a("updated"), max(when(e) for e in entries).isoformat() if entries
          else "2000-01-01T00:00:00+00:00")
    etree.SubElement(atom, _a("link"), rel="alternate", type="text/html", href=urljoin(base, path))
    etree.SubElement(atom, _a("link"), rel="self", type="application/atom+xml", href=self_url)
    author = etree.SubElement(atom, _a("author"))
    _text(author, _a("name"), config.site.title)
    _text(atom, _a("generator"), GENERATOR)
    for e in entries:
        en = etree.SubElement(atom, _a("entry"))
        _text(en, _a("id"), tag(e))
        _text(en, _a("title"), e["title"]).set("type", "text")
        etree.SubElement(en, _a("link"), rel="alternate", type="text/html",
                         href=urljoin(base, str(e["link"])))
        _text(en, _a("published"), when(e).isoformat())
        _text(en, _a("updated"), when(e).isoformat())
        if e.get("category"):
            etree.SubElement(en, _a("category"), term=clean_xml(e["category"]))
        if e.get("summary"):
            _text(en, _a("summary"), e["summary"]).set("type", "text")
    return (etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True),
            etree.tostring(atom, xml_declaration=True, encoding="UTF-8", pretty_print=True))
