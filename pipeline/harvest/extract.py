"""Bytes → :class:`~pipeline.core.models.Item`: feeds, listing pages, article pages, encodings.

- :func:`decode` turns fetched bytes into NFC text (valid UTF-8 wins, then the declared
  charsets, then detection; windows-1258 handled).
- :func:`read_feed` reads RSS/Atom with feedparser (which never fetches anything itself here).
- :func:`read_listing` reads a listing page by the source's ``list:`` CSS selectors.
- :func:`read_article` reads an article page by the source's ``article:`` selectors;
  :func:`read_generic` finds the main text with trafilatura when there are none.

The body HTML returned is *not* sanitised (``clean`` does that); what is removed here is page
structure that is never the article: scripts, share bars, font-size toolbars, breadcrumbs,
related-news blocks, view counters, the page's "today" stamp. Lazy images get their real
``src``. The publication date is the configured selector's, else the page metadata's
(``article:published_time``, ``itemprop=datePublished``, JSON-LD), else the feed's or listing's,
else a careful look near the title; never the date a page prints for *today*.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import io
import json
import re
import warnings
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from html import escape as html_escape

import charset_normalizer
import feedparser
import soupsieve
import trafilatura
from bs4 import BeautifulSoup, CData, Comment, MarkupResemblesLocatorWarning, NavigableString, Tag

from pipeline.core.errors import ExtractError
from pipeline.core.models import Fetched, Item, Source
from pipeline.core.text import clean_line, fold, html_line, nfc
from pipeline.core.urls import absolute, canonical
from pipeline.harvest import dates, images

warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

__all__ = ["decode", "read_feed", "read_listing", "read_article", "read_generic"]


# =============================================================================================
# Encodings
# =============================================================================================

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:\-]+)", re.I)
_XML_PROLOG_ENC = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([\w.:\-]+)[\"']", re.I)
_META_CHARSET = re.compile(
    rb"<meta\b[^>]{0,300}?charset\s*=\s*[\"']?\s*([\w.:\-]+)", re.I)
# Labels that servers send by default whatever the page is (WHATWG: latin-1 is windows-1252).
_WEAK_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii",
                "windows-1252", "cp1252"}
_LABEL_ALIASES = {
    "x-windows-1258": "cp1258", "windows-1258": "cp1258", "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "l1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "x-user-defined": "cp1252", "unicode": "utf-8",
    "utf8": "utf-8", "tis-620": "cp874", "iso-8859-11": "cp874", "gb2312": "gb18030",
    "gbk": "gb18030", "x-sjis": "shift_jis", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
}


def _codec(label: str | bytes | None) -> str | None:
    """A Python codec name for a charset label, or None when it is unknown or unusable."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_LABEL_ALIASES.get(label, label)).name
    except LookupError:
        return None
    # A page that says UTF-16/32 in its own (ASCII) text is not UTF-16/32 (WHATWG).
    if name.startswith(("utf-16", "utf-32")):
        return None
    return name


def _declared_in_bytes(body: bytes) -> str | None:
    head = body[:4096]
    m = _XML_PROLOG_ENC.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore") if m else None


def decode(body: bytes, content_type: str = "") -> str:
    """Text of fetched bytes, NFC.

    A byte-order mark decides; else bytes that are valid UTF-8 are UTF-8 whatever anyone says;
    else the HTTP header's charset (unless it is a server default such as ISO-8859-1 and the
    page declares another), the page's ``<meta charset>`` or XML prolog, then detection
    (charset-normalizer). windows-1258's decomposed tone marks are composed (NFC).
    """
    if not body:
        return ""
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return nfc(body.decode(enc, "replace").lstrip("\ufeff"))
    try:
        return nfc(body.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    header = _HEADER_CHARSET.search(content_type or "")
    header_label = header.group(1).lower() if header else None
    page_label = _declared_in_bytes(body)
    order: list[str | None] = []
    if header_label and header_label in _WEAK_LABELS and page_label:
        order = [page_label, header_label]
    else:
        order = [header_label, page_label]
    for label in order:
        enc = _codec(label)
        if enc and enc != "utf-8":
            try:
                return nfc(body.decode(enc))
            except (UnicodeDecodeError, LookupError):
                continue
    best = None
    # Vietnamese and Western legacy pages first: on short texts an open detection often
    # mistakes them for a CJK encoding.
    for isolation in (["cp1258", "cp1252"], None):
        try:
            best = charset_normalizer.from_bytes(body[:200_000], cp_isolation=isolation).best()
        except Exception:  # noqa: BLE001 - detection is best effort on hostile bytes
            best = None
        if best is not None:
            break
    if best is not None and best.encoding:
        try:
            return nfc(body.decode(best.encoding, "replace"))
        except LookupError:
            pass
    return nfc(body.decode("cp1252" if _codec(header_label) == "cp1252" else "utf-8", "replace"))


# =============================================================================================
# Small helpers
# =============================================================================================

MAX_DEPTH = 180


def _soup(html: str) -> BeautifulSoup:
    """Parse HTML (lxml).

    Real pages never nest elements more than MAX_DEPTH deep; hostile ones do, to make every walk
    of the tree quadratic. Such a page is rebuilt flat: its metadata and its text as paragraphs.
    """
    soup = BeautifulSoup(html, "lxml")
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        el, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _flat_soup(soup)
        stack.extend((c, depth + 1) for c in el.contents if isinstance(c, Tag))
    return soup


def _flat_soup(soup: BeautifulSoup) -> BeautifulSoup:
    keep = [*soup.find_all("title", limit=1), *soup.find_all("meta", limit=200),
            *soup.find_all("script", type=re.compile(r"ld\+json", re.I), limit=5)]
    head = "".join(f"<{el.name} {_flat_attrs(el)}>{html_escape(el.get_text())}</{el.name}>"
                   if el.name != "meta" else f"<meta {_flat_attrs(el)}>" for el in keep)
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    body = "".join(f"<p>{html_escape(line, quote=False)}</p>" for line in lines if line)
    return BeautifulSoup(f"<html><head>{head}</head><body>{body}</body></html>", "lxml")


def _flat_attrs(el: Tag) -> str:
    return " ".join(f'{k}="{html_escape(_attr(el, k))}"' for k in list(el.attrs)[:10])


# Joining inline elements with spaces leaves "word ," and "( x )"; braces and brackets are left
# alone: a title such as "{{ x }}" is kept as published.
_SPACE_BEFORE = re.compile(r"\s+([.,;:!?)”’…])")
_SPACE_AFTER = re.compile(r"([(“‘])\s+")


def _line(text: str) -> str:
    """One clean line; no space left before closing punctuation by joining inline elements."""
    text = clean_line(text)
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", text))


def _text(el: Tag | None) -> str:
    return _line(el.get_text(" ")) if el is not None else ""


def _digest(*parts: str | None) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update((p or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def _now(fetched: Fetched, tz: tzinfo) -> datetime:
    """When the page was fetched: the server's Date header, else now."""
    raw = (fetched.headers or {}).get("date")
    if raw:
        try:
            dt = parsedate_to_datetime(raw)
            if dt.tzinfo is not None:
                return dt.astimezone(tz)
        except (TypeError, ValueError, IndexError):
            pass
    return datetime.now(tz)


def _base_of(soup: BeautifulSoup, url: str) -> str:
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        resolved = absolute(url, str(base.get("href")))
        if resolved:
            return resolved
    return url


def _select(root: Tag, selector: str | None, where: str, url: str) -> list[Tag]:
    if not selector:
        return []
    try:
        return root.select(selector)
    except (soupsieve.SelectorSyntaxError, ValueError, NotImplementedError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ExtractError(url, f"bad CSS selector in {where} {selector!r}: {first}") from None


def _attr(el: Tag, name: str) -> str:
    v = el.get(name)
    if isinstance(v, list):
        return " ".join(v)
    return str(v) if v is not None else ""


# =============================================================================================
# Feeds
# =============================================================================================

_LEADING_JUNK = re.compile(r"^(?:\s|\ufeff|<\?[^>]*\?>|<!--.*?-->|<!doctype[^>\[]*(?:\[.*?\])?\s*>)*",
                           re.S | re.I)
_HTML_START = re.compile(r"<\s*(?:html|head|body|meta|title|div|script|table|p|!doctype\s+html)\b",
                         re.I)
_FEED_START = re.compile(r"<\s*(?:[\w.-]+:)?(?:rss|feed|rdf|channel)\b", re.I)
_PROLOG_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*([\"'])[^\"']*\2", re.I)
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|bmp)(?:$|[?#])", re.I)


def _looks_like_html(text: str) -> bool:
    """Whether a document is an HTML page: its first element (after the prolog, comments and
    doctype) is an HTML one, not rss/feed/rdf."""
    head = _LEADING_JUNK.sub("", text[:20000], count=1)[:2000]
    if _FEED_START.match(head):
        return False
    if _HTML_START.match(head):
        return True
    return bool(re.search(r"<html\b", head, re.I)) and not _FEED_START.search(text[:20000])


def _one_line(err: object) -> str:
    text = str(err or "unknown error").strip().splitlines()
    return (text[0] if text else "unknown error")[:200]


def _struct_to_dt(st, tz: tzinfo) -> datetime | None:
    try:
        return datetime(*tuple(st)[:6], tzinfo=UTC).astimezone(tz)
    except (TypeError, ValueError, OverflowError):
        return None


def _feed_date(entry, tz: tzinfo, now: datetime) -> tuple[datetime | None, str]:
    """The entry's date and the raw string it came from."""
    for key in ("published", "updated", "created"):
        raw = entry.get(key) or ""
        raw = raw if isinstance(raw, str) else ""
        dt = None
        if raw and not dates.has_offset(raw):
            dt = dates.parse_date(raw, tz)          # no offset: the site's own time
        if dt is None and entry.get(key + "_parsed"):
            dt = _struct_to_dt(entry.get(key + "_parsed"), tz)   # feedparser's are UTC
        if dt is None and raw:
            dt = dates.parse_date(raw, tz)
        if dt is not None and dates.plausible(dt, now, tz):
            return dt, raw
    return None, ""


def _entry_link(entry, base: str) -> str | None:
    candidates = [entry.get("link")]
    for link in entry.get("links") or []:
        if isinstance(link, dict) and link.get("rel", "alternate") == "alternate":
            candidates.append(link.get("href"))
    guid = entry.get("id")
    is_url = isinstance(guid, str) and guid.startswith(("http://", "https://"))
    if entry.get("guidislink") and not is_url:
        candidates = candidates[1:]        # feedparser made a link of an id that is no address
    if is_url:
        candidates.append(guid)
    for c in candidates:
        if isinstance(c, str):
            url = absolute(base, c)
            if url:
                return url
    return None


def _entry_image(entry, base: str) -> str:
    for enc in entry.get("enclosures") or []:
        if not isinstance(enc, dict):
            continue
        href = enc.get("href") or enc.get("url") or ""
        if str(enc.get("type", "")).startswith("image/") or _IMAGE_EXT.search(str(href)):
            url = absolute(base, str(href))
            if url:
                return url
    for key in ("media_content", "media_thumbnail"):
        for m in entry.get(key) or []:
            if not isinstance(m, dict) or not m.get("url"):
                continue
            if key == "media_content" and not (
                    m.get("medium") == "image" or str(m.get("type", "")).startswith("image/")
                    or _IMAGE_EXT.search(str(m["url"]))):
                continue
            url = absolute(base, str(m["url"]))
            if url:
                return url
    return ""


def _title_of(detail, raw) -> str:
    if isinstance(detail, dict) and "html" in str(detail.get("type", "")):
        return html_line(str(detail.get("value") or raw or ""))
    return clean_line(str(raw or ""))


_LEADING_DATE_CHARS = 48


def _leading_date(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    """A date that opens an undated item's text ("06/12/2023 04:40 CH | (TBTV) - …"), as
    radio-TV feeds print it. Only the opening is read: a date further on is more likely that of
    a document or an event the text mentions."""
    return dates.find_date(text[:_LEADING_DATE_CHARS], tz, now=now) if text else None


def _feed_item(entry, base: str, source: Source, tz: tzinfo, now: datetime) -> Item | None:
    title = _title_of(entry.get("title_detail"), entry.get("title"))
    contents = [c for c in entry.get("content") or [] if isinstance(c, dict) and c.get("value")]
    content_html = max((str(c["value"]) for c in contents), key=len, default="")
    # feedparser copies content into ``summary`` when there is none: only summary_detail
    # shows a real description.
    summary_html = str(entry.get("summary") or "") if entry.get("summary_detail") else ""
    if summary_html and summary_html == content_html:
        summary_html = ""
    summary = html_line(summary_html)
    content_len = len(html_line(content_html))
    full = bool(content_html) and (
        not summary or content_len >= max(1.5 * len(summary), len(summary) + 100))
    link = _entry_link(entry, base)
    if link:
        url = canonical(link, aliases=source.alias_map())
    else:
        # The entry exists only in the feed: it is addressed there, and there is no page to
        # fetch. Stable as long as its id (or title, or text) is.
        guid = entry.get("id")
        key = guid if isinstance(guid, str) and guid else (title or content_html or summary_html)
        if not key or not (title or content_html or summary_html):
            return None
        url = canonical(base, aliases=source.alias_map()) + "#entry-" + _digest(key)[:16]
        full = True
    body = content_html or summary_html
    if "src=" in body or "href=" in body or "srcset=" in body:
        body = _fix_images_html(body, base)
    published, raw_date = _feed_date(entry, tz, now)
    if published is None:
        published = _leading_date(summary or html_line(content_html), tz, now)
    author = html_line(str(entry.get("author") or ""))
    guid = entry.get("id")
    return Item(
        url=url,
        title=title,
        content_html=nfc(body),
        summary=summary,
        published=published,
        author=author,
        image=_entry_image(entry, base),
        guid=nfc(guid) if isinstance(guid, str) else "",
        full=full,
        fingerprint=_digest(title, url, summary_html, content_html, raw_date),
    )


def _newest(items: list[Item], limit: int) -> list[Item]:
    """Items newest first (undated ones after, in source order), at most ``limit``."""
    order = sorted(range(len(items)), key=lambda i: (
        items[i].published is None,
        -(items[i].published.timestamp() if items[i].published else 0), i))
    return [items[i] for i in order][:max(0, limit)]


def _feed_headers(text: str, base: str) -> dict[str, str]:
    """Headers for feedparser. Without a Content-Location links stay relative and are made
    absolute here, against the feed's address (with one, feedparser would also turn relative
    ids into addresses). But where the feed uses xml:base, a base is needed: without a document
    base, one entry's relative xml:base leaks into the next entries' links."""
    headers = {"content-type": "application/xml; charset=utf-8"}
    if "xml:base" in text:
        headers["content-location"] = base
    return headers


def read_feed(fetched: Fetched, source: Source, tz: tzinfo) -> list[Item]:
    """The items of an RSS/Atom feed, newest first, at most ``source.max_items``.

    Raises ExtractError when the bytes are an HTML page or a feed so broken it has no entries;
    a malformed feed that still has entries is read.
    """
    base = fetched.final_url or fetched.url
    text = decode(fetched.body, fetched.content_type)
    if not text.strip():
        raise ExtractError(base, "empty answer where a feed was expected")
    if _looks_like_html(text):
        raise ExtractError(base, "not a feed (got an HTML page)")
    # The text is Unicode now: hand feedparser UTF-8 and a prolog that does not contradict it.
    text = _PROLOG_ENCODING.sub(r"\1", text.lstrip("\ufeff"), count=1)
    try:
        parsed = feedparser.parse(
            io.BytesIO(text.encode("utf-8", "replace")),   # a stream: never a URL or a path
            response_headers=_feed_headers(text, base),
            sanitize_html=False, resolve_relative_uris=True)
    except Exception as err:  # noqa: BLE001 - feedparser must not crash a harvest
        raise ExtractError(base, f"malformed feed: {_one_line(err)}") from None
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            raise ExtractError(base, f"malformed feed: {_one_line(parsed.get('bozo_exception'))}")
        if not parsed.get("version"):
            raise ExtractError(base, "not a feed (no RSS or Atom found)")
        return []
    now = _now(fetched, tz)
    items: list[Item] = []
    seen: set[str] = set()
    for entry in entries:
        try:
            item = _feed_item(entry, base, source, tz, now)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, UnicodeError,
                OverflowError, RecursionError):
            continue                                # one hostile entry does not sink the feed
        if item is None or item.url in seen:
            continue
        seen.add(item.url)
        items.append(item)
    return _newest(items, source.max_items)


# =============================================================================================
# Listing pages
# =============================================================================================

def read_listing(fetched: Fetched, source: Source, tz: tzinfo) -> tuple[list[Item], str | None]:
    """Items of one listing page (by ``source.list`` selectors) and the next page's URL.

    Raises ExtractError when the source has no list selectors, a selector is invalid, or no
    element matches ``list.item`` (the site changed, or the page is not a listing).
    """
    sel = source.list
    url = fetched.final_url or fetched.url
    if sel is None:
        raise ExtractError(url, f"source {source.id!r} has no list selectors")
    soup = _soup(decode(fetched.body, fetched.content_type))
    base = _base_of(soup, url)
    nodes = _select(soup, sel.item, "list.item", url)
    if not nodes:
        raise ExtractError(url, f"no element matches list.item {sel.item!r}")
    aliases = source.alias_map()
    now = _now(fetched, tz)
    items: list[Item] = []
    seen: set[str] = set()
    for node in nodes:
        link_el = _first(node, sel.link, "list.link", url)
        href = _attr(link_el, "href") if link_el is not None else ""
        if link_el is not None and not href:
            inner = link_el.find("a", href=True)
            href = _attr(inner, "href") if isinstance(inner, Tag) else ""
        full = absolute(base, href)
        if not full:
            continue
        link = canonical(full, aliases=aliases)
        if link in seen:
            continue
        seen.add(link)
        title = _text(_first(node, sel.title, "list.title", url)) if sel.title else ""
        if not title and link_el is not None:
            title = _text(link_el) or clean_line(_attr(link_el, "title"))
            if not title:
                img = link_el.find("img", alt=True)
                title = clean_line(_attr(img, "alt")) if isinstance(img, Tag) else ""
        date_el = _first(node, sel.date, "list.date", url) if sel.date else None
        raw_date = _date_text(date_el) if date_el is not None else ""
        published = dates.parse_date(raw_date, tz, now=now) if raw_date else None
        summary = _text(_first(node, sel.summary, "list.summary", url)) if sel.summary else ""
        image = ""
        img = node.find("img")
        if isinstance(img, Tag):
            _fix_images(node, base)
            img = node.find("img")
            image = (absolute(base, _attr(img, "src")) or "") if isinstance(img, Tag) else ""
        items.append(Item(url=link, title=title, summary=summary, published=published,
                          image=image, fingerprint=_digest(title, link, summary, raw_date)))
    next_url = None
    if sel.next:
        nxt = _first(soup, sel.next, "list.next", url)
    else:
        nxt = soup.select_one('link[rel~="next"][href], a[rel~="next"][href]')
    if nxt is not None:
        href = _attr(nxt, "href") or _attr(nxt.find("a", href=True) or nxt, "href")
        candidate = absolute(base, href)
        if candidate and canonical(candidate) != canonical(url):
            next_url = candidate
    return items[:max(0, source.max_items)], next_url


def _first(root: Tag, selector: str | None, where: str, url: str) -> Tag | None:
    """The first element matching ``selector`` under ``root`` (``root`` itself if it matches)."""
    if not selector:
        return None
    found = _select(root, selector, where, url)
    if found:
        return found[0]
    try:
        if root.name and soupsieve.match(selector, root):
            return root
    except (soupsieve.SelectorSyntaxError, ValueError, NotImplementedError):
        return None
    return None


def _date_text(el: Tag) -> str:
    """The machine date of an element if it carries one, else its text."""
    attrs = ["datetime", "content", "data-date", "data-time"]
    if el.name == "abbr":
        attrs.append("title")                   # microformats: <abbr class="published" title=…>
    for attr in attrs:
        v = _attr(el, attr)
        if v and re.search(r"\d{4}", v):
            return v
    return el.get_text(" ")


# =============================================================================================
# Page chrome: what is never the article
# =============================================================================================

_ALWAYS_DROP = ("script", "style", "noscript", "template", "link", "meta", "button", "input",
                "select", "textarea", "form", "svg", "canvas", "map", "dialog")
_LAYOUT_TAGS = ("header", "nav", "footer", "aside", "menu")
_SEP = r"(?:^|[\s_-])"
_END = r"(?:$|[\s_-])"
# Class/id tokens of blocks that are never part of an article, wherever they are.
_CHROME_TOKEN = re.compile(
    _SEP + r"(?:share|sharing|shares|social|socials|sharebar|addthis|sharethis|"
    r"font-?size|text-?size|fontsize|textsize|resize-?text|contrast|tuong-?phan|"
    r"breadcrumbs?|bread-?crumbs?|crumbs?|related|relate|relates|lien-?quan|tin-?khac|"
    r"other-?news|more-?news|news-?other|same-?category|cung-?chuyen-?muc|"
    r"comments?|binh-?luan|rating|vote|like-?box|"
    r"view-?count|count-?view|total-?views?|luot-?xem|pageviews?|hit-?count|"
    r"tags?|tag-?list|keywords?|tu-?khoa|"
    r"ads?|adv|advert\w*|banner-?ads?|quang-?cao|qc|sponsor\w*|"
    r"today|date-?now|current-?date|curdate|clock|ngay-?hien-?tai|weather|thoi-?tiet|"
    r"audio-?player|tts|text-?to-?speech|nghe-?doc)" + _END, re.I)
_CHROME_SUBSTRING = re.compile(
    r"share|social|breadcrumb|lienquan|tinlienquan|relatednews|fontsize|textsize|"
    r"comment|binhluan|luotxem|quangcao|addthis|tuongphan|tinkhac|othernews|relatedone|"
    r"relatedarticle|relatedpost|relatedbox|newsrelat", re.I)
# Words that also name containers of the article ("print-content", "email-body"): chrome only
# on small elements.
_SMALL_CHROME_TOKEN = re.compile(_SEP + r"(?:print|printer|in-?bai|in-?trang|email|mail|"
                                 r"send-?mail|gui-?mail|toolbar|tools?|utility|utilities)" + _END,
                                 re.I)
# Page layout around the article; dropped outside the article only.
_LAYOUT_TOKEN = re.compile(
    _SEP + r"(?:nav|navbar|navigation|menu|main-?menu|sidebar|side-?bar|footer|"
    r"header|site-?header|top-?header|header-?top|topbar|top-?bar|masthead|"
    r"banner|search|login|pagination|pager|cookie|popup|modal|widget|"
    r"col-?right|right-?col(?:umn)?|right-?side|box-?right|cot-?phai|ben-?phai)" + _END, re.I)
# Layout words that are also found glued to others ("menutop", "leftmenu", "footer-links").
_LAYOUT_SUBSTRING = re.compile(r"menu|navbar|navigation|sidebar|footer|breadcrumb|banner|header|"
                               r"colright|rightcol|boxright|cotphai", re.I)
_ARTICLE_HINT = re.compile(r"article|post|entry|detail|content|story|news-?body|chi-?tiet", re.I)

# A heading over a list of other articles: the whole (folded) text of the element is one of
# these, so that a sentence beginning "Xem thêm thông tin tại …" is not taken for one.
_RELATED_HEADINGS = re.compile(
    r"^(?:(?:cac |nhung )?(?:tin|bai|bai viet|tin bai|tin tuc|noi dung)(?: va su kien)? "
    r"(?:lien quan|cung chuyen muc|khac|moi|moi nhat|moi hon|cu hon|da dua|da dang|doc nhieu|"
    r"xem nhieu|noi bat|cung loai|cung chu de)(?: khac)?"
    r"|doc nhieu|xem nhieu|xem them|doc them|co the ban quan tam|ban co the quan tam|"
    r"related(?: news| articles| posts)?|read more|more news|tieu diem|cung chuyen muc)"
    r"(?:\W*\(\d+\))?\W*$")
_STRONG_CHROME_WORDS = {"share", "facebook", "zalo", "twitter", "tweet", "print", "email",
                        "a+", "a-", "linkedin", "pinterest", "messenger", "telegram"}
_CHROME_WORDS = _STRONG_CHROME_WORDS | {
    "chia", "se", "in", "bai", "viet", "gui", "luu", "tin", "save", "like", "copy", "link",
    "sao", "chep", "a", "co", "chu", "tang", "giam", "tuong", "phan", "mail", "fb", "x",
    "nghe", "doc", "trang", "|", "-", "+", ":", "chuc", "nang", "kich", "thuoc", "thu",
    "nho", "lon", "mac", "dinh", "dat", "lai", "reset", "google", "news", "theo", "doi",
    "luot", "xem", "binh", "luan", "quay", "ve", "top", "dau", "len", "ban",
}
_CHROME_PHRASES = re.compile(
    r"^(?:(?:co chu|kich thuoc chu|font chu|font)\s*:?\s*)?(?:a\s*[-+]?\s*){2,4}$"
    r"|^(?:tang|giam|che do|bat|tat)?\s*tuong phan(?: cao)?$"
    r"|^(?:in bai|in trang|ban in|in bai viet|gui email|gui bai|gui bai viet|luu bai|luu tin|"
    r"chia se|chia se bai viet|chia se:|quay lai|tro ve|tro lai|ve dau trang|len dau trang|"
    r"nghe doc bai|doc bai|nghe bai viet|nghe bai bao|binh luan|gui binh luan|y kien ban doc|"
    r"tu khoa|tags?|trang chu|print|share|back to top|top)\s*:?$"
    r"|^(?:so )?(?:luot xem|luot doc|luot truy cap|views?|hits?)\s*:?\s*[\d.,]+$"
    r"|^[\d.,]+\s*(?:luot xem|luot doc|views?|hits?)$"
    r"|^binh luan\s*\(?\d*\)?$"
    r"|^theo doi .{0,80} tren(?: (?:google news|google tin tuc|zalo|facebook|youtube|tiktok))?\W*$"
    r"|^(?:ban quyen|copyright|\u00a9|\(c\)) .{0,200}$"
    r"|^.{0,120}(?:ghi ro nguon|phat hanh lai thong tin|khi trich dan).{0,120}$")
_BREADCRUMB = re.compile(r"^(?:trang chu|home|trang nha)\s*(?:[>»›/|→:\-–]|$)")
_VIEW_COUNT = re.compile(r"\(?\b(?:so )?(?:luot xem|luot doc)\s*:?\s*[\d.,]+\)?|[\d.,]+\s*luot (?:xem|doc)")
_META_WORDS = {
    "thu", "hai", "ba", "tu", "nam", "sau", "bay", "chu", "nhat", "cn", "ngay", "thang", "cap",
    "dang", "luc", "gio", "phut", "giay", "gmt", "utc", "sa", "ch", "am", "pm", "luot", "xem",
    "doc", "views", "view", "posted", "updated", "published", "on", "at", "thoi", "gian",
    "xuat", "ban", "tai", "h", "g", "p", "ict", "cong", "bo", "sua", "chinh",
}


def _classes(el: Tag) -> str:
    attrs = getattr(el, "attrs", None)
    if not attrs:
        return ""
    cls = attrs.get("class") or []
    if isinstance(cls, str):
        cls = [cls]
    # CMS widgets name themselves in other attributes too: <div type="RelatedOneNews">,
    # <aside data-module="related-article-in-content">.
    return " ".join([*map(str, cls), *(str(attrs.get(a) or "") for a in _NAME_ATTRS)])


_NAME_ATTRS = ("id", "role", "type", "data-module", "data-type")


def _is_chrome_attr(el: Tag) -> bool:
    names = _classes(el)
    if not names.strip():
        return False
    if _CHROME_TOKEN.search(names):
        return True
    return any(_CHROME_SUBSTRING.search(tok) for tok in names.split())


def _is_layout_attr(el: Tag) -> bool:
    names = _classes(el)
    if not names.strip():
        return False
    for tok in names.split():
        # "post-header", "entry-footer", "article__header" are parts of the article.
        if (_LAYOUT_TOKEN.search(tok) or _LAYOUT_SUBSTRING.search(tok)) and not (
                re.search(r"header|footer", tok, re.I) and _ARTICLE_HINT.search(tok)):
            return True
    return (el.get("role") or "") in ("navigation", "banner", "contentinfo", "complementary",
                                       "search")


def _folded(el: Tag, limit: int = 400) -> str:
    text = el.get_text(" ")
    if len(text) > limit * 4:
        return fold(text[: limit * 4]).strip()
    return " ".join(fold(text).split())


def _is_chrome_text(text: str) -> bool:
    """Whether a (folded) element text is only page chrome: toolbars, share and print buttons,
    view counts, related-news headings, breadcrumbs, the page's today stamp."""
    t = text.strip(" .:|-•·")
    if not t:
        return False
    if len(t) <= 60 and _CHROME_PHRASES.match(t):
        return True
    if len(t) <= 60 and _RELATED_HEADINGS.match(t):
        return True
    if len(t) <= 200 and _BREADCRUMB.match(t):
        return True
    if len(t) <= 200:
        # A toolbar on one line: "A- A A+ | Tăng tương phản | Giảm tương phản | In bài viết |
        # Chia sẻ bài viết lên facebook" is made of toolbar words only.
        words = [w.strip(".,;:!?()[]\"'") for w in t.split()]
        words = [w for w in words if w]
        if words and len(words) <= 24 and all(w in _CHROME_WORDS or w.isdigit() for w in words):
            joined = " ".join(words)
            if any(w in _STRONG_CHROME_WORDS for w in words) or any(
                    p in joined for p in ("chia se", "in bai", "tuong phan", "luot xem")):
                return True
    if len(t) <= 300 and _TOOL_SEPARATOR.search(t):
        parts = [p for p in _TOOL_SEPARATOR.split(t) if p.strip(" .:-")]
        if len(parts) > 1 and all(_is_chrome_text(p) for p in parts):
            return True
    return len(t) <= 120 and dates.is_today_line(t)


_TOOL_SEPARATOR = re.compile(r"\s*[|•·]\s*")


def _is_meta_line(text: str, tz: tzinfo) -> bool:
    """A short line that is only a date (with weekday, time, labels, a view count)."""
    if len(text) > 140 or not re.search(r"\d", text):
        return False
    folded = fold(text)
    if dates.parse_date(text, tz) is None:
        return False
    rest = re.sub(r"[\d\W_]+", " ", _VIEW_COUNT.sub(" ", folded)).split()
    return len([w for w in rest if w not in _META_WORDS]) == 0


def _link_density(el: Tag) -> float:
    text = len(el.get_text(" ").strip()) or 1
    links = sum(len(a.get_text(" ").strip()) for a in el.find_all("a"))
    return links / text


def _is_gone(el: Tag) -> bool:
    # Read __dict__ directly: a missing attribute on a Tag means a search of its subtree.
    attrs = el.__dict__
    return bool(attrs.get("_decomposed")) or attrs.get("parent") is None


def _drop_related(heading: Tag, keep: Tag | None) -> None:
    """Remove a related-news heading with the link list that follows or contains it."""
    container = heading.parent
    if (isinstance(container, Tag) and container is not keep and container.name not in
            ("body", "html", "article", "main") and (keep is None or keep not in
                                                     container.parents)
            and len(container.get_text(" ")) < 3000 and _link_density(container) >= 0.4):
        container.decompose()
        return
    # The list follows the heading: blocks made of links, or inline links between <br>s.
    siblings = list(heading.next_siblings)
    heading.decompose()
    for nxt in siblings:
        if isinstance(nxt, Tag):
            if nxt.name == "br" or (nxt.name == "a" and nxt.get("href")) or (
                    nxt.find("a") is not None and _link_density(nxt) >= 0.5):
                nxt.decompose()
                continue
            break
        text = str(nxt).strip()
        if len(text) > 40 or re.search(r"[^\W\d_]{3}", text):   # running text: the list ended
            break
        nxt.extract()


def _strip_chrome(root: Tag, tz: tzinfo, *, keep: Tag | None = None, layout: bool = False,
                  title: str = "") -> None:
    """Remove chrome from ``root`` in place.

    ``keep`` is never removed (nor anything containing it); ``layout`` also removes page layout
    (header, navigation, sidebars, footer), which is right outside the article only. Blocks
    that hold most of the page's text are never removed.
    """
    for c in root.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    sizes = _text_sizes(root)
    total = sizes.get(id(root), 0) or 1
    keep_line = {id(p) for p in keep.parents} if keep is not None else set()
    holds_article = {id(p) for a in root.find_all("article") for p in a.parents}

    def protected(el: Tag) -> bool:
        if el is keep or el.name in ("html", "body", "main") or id(el) in keep_line:
            return True
        if keep is None and el.name != "aside" and id(el) in holds_article:
            return True
        return total > 400 and sizes.get(id(el), 0) > 0.5 * total

    for name in _ALWAYS_DROP:
        for el in root.find_all(name):
            # ASP.NET pages wrap the whole page in one <form>: keep a form that holds the text.
            if not _is_gone(el) and not (name == "form" and protected(el)):
                el.decompose()

    for el in list(root.find_all(True)):
        if _is_gone(el) or protected(el):
            continue
        inside_keep = keep is not None and keep in el.parents
        if layout and not inside_keep and not _inside_article(el) and (
                el.name in _LAYOUT_TAGS or _is_layout_attr(el)):
            el.decompose()
            continue
        size = sizes.get(id(el), 0)
        if _is_chrome_attr(el) and (size <= 3000 or _link_density(el) >= 0.5
                                    or "comment" in _classes(el).lower()):
            el.decompose()
            continue
        if size > 300:
            continue
        if size <= 200 and _SMALL_CHROME_TOKEN.search(_classes(el)):
            el.decompose()
            continue
        text = _folded(el)
        if len(text) > 200:
            continue
        if _RELATED_HEADINGS.match(text.strip(" .:|-")) and len(text) <= 60:
            _drop_related(el, keep)
            continue
        if _is_chrome_text(text) and not protected(el):
            el.decompose()
            continue
        if el.name in ("p", "div", "span", "li", "td", "time", "small", "em", "i", "section",
                       "font", "b", "strong", "dd", "dt", "h4", "h5", "h6", "abbr") \
                and _is_meta_line(el.get_text(" "), tz):
            el.decompose()
            continue
    # Toolbar text written straight into a container, between its blocks (no element of its
    # own): "<div class=content>A- A A+ Tăng tương phản<p>…".
    for s in list(root.find_all(string=True)):
        parent = s.parent
        if type(s) is not NavigableString or parent is None or _is_gone(parent) \
                or not s.strip() or len(s) > 300:
            continue
        if parent.find(_BLOCKS, recursive=False) is None:
            continue                    # text inside a paragraph: running text
        if _is_chrome_text(" ".join(fold(s).split())):
            s.extract()
    if title:
        # The title repeated at the top of the body.
        tkey = " ".join(fold(title).split()).strip(" .")
        for h in root.find_all(["h1", "h2", "h3", "h4", "p", "div", "strong", "b"], limit=8):
            if not _is_gone(h) and h is not keep and \
                    " ".join(fold(h.get_text(" ")).split()).strip(" .") == tkey:
                h.decompose()
                break


def _text_sizes(root: Tag) -> dict[int, int]:
    """Length of the text under every element (by id), in one pass from the leaves up."""
    sizes: dict[int, int] = {}
    for el in [*reversed(root.find_all(True)), root]:
        n = 0
        for child in el.contents:
            if isinstance(child, Tag):
                n += sizes.get(id(child), 0)
            elif type(child) in (NavigableString, CData):
                n += len(child.strip())
        sizes[id(el)] = n
    return sizes


def _unwrap_layout_tables(root: Tag) -> None:
    """Turn tables used for page layout into plain blocks, so that the article inside one is
    not read as a data table. A layout table holds other tables or most of the page's text."""
    total = len(root.get_text(" "))
    for table in root.find_all("table"):
        if _is_gone(table):
            continue
        size = len(table.get_text(" "))
        if not (table.find("table") is not None or (total > 400 and size > 0.5 * total)
                or (size > 1500 and table.find(["div", "h1", "h2", "h3", "form", "ul"]))):
            continue
        own = [el for el in table.find_all(["tbody", "thead", "tfoot", "tr", "td", "th"])
               if el.find_parent("table") is table]
        for el in [table, *own]:
            el.name = "div"


def _inside_article(el: Tag) -> bool:
    for parent in el.parents:
        if parent.name in ("article", "main") or _attr(parent, "itemprop") == "articleBody":
            return True
    return False


_BLOCKS = ["p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
           "figure", "section", "article", "dl", "pre"]
_TODAY_TOKEN = re.compile(_SEP + r"(?:today|date-?now|current-?date|curdate|clock|"
                          r"ngay-?hien-?tai|weather|thoi-?tiet|time-?now)" + _END, re.I)


def _in_chrome(el: Tag, total: int = 0) -> bool:
    """Whether an element sits in page chrome (header, menus, sidebars, a today clock …).

    An ancestor holding more than 40% of the page's ``total`` text is never chrome (a wrapper
    with an unlucky class name)."""
    for node in [el, *list(el.parents)[:40]]:
        if not isinstance(node, Tag) or node.name in ("html", "body", "[document]"):
            continue
        names = _classes(node)
        chrome = False
        if node.name in ("nav", "footer", "aside", "menu"):
            chrome = True
        elif node.name == "header" and not _inside_article(node):
            chrome = True
        elif names.strip():
            chrome = bool(
                _TODAY_TOKEN.search(names)
                or (_is_layout_attr(node) and not _inside_article(node))
                or (_CHROME_TOKEN.search(names) and not re.search(r"date|time|ngay", names, re.I)))
        if chrome and not (total and len(node.get_text(" ")) > 0.4 * total) \
                and node.find("article") is None:   # a "sidebar-1" holding the <article>
            return True
    return False


def _text_size(soup: BeautifulSoup) -> int:
    root = soup.body or soup
    return len(root.get_text(" "))


# =============================================================================================
# Images and links
# =============================================================================================

def _fix_images(root: Tag, base: str) -> None:
    """Give lazy images their real ``src`` (absolute); drop images that only have a placeholder."""
    for img in list(root.find_all("img")):
        src = _attr(img, "src").strip()
        if not src or images.is_placeholder(src) or images.tiny(img):
            real = images.lazy_src(img)
            if not real:
                img.decompose()
                continue
            src = real
        img["src"] = absolute(base, src) or src
        for a in images.LAZY_ATTRS + ("data-srcset", "data-lazy-srcset", "data-original-set"):
            if a in img.attrs:
                del img[a]
        if "srcset" in img.attrs:
            srcset = _attr(img, "srcset")
            if any(images.is_placeholder(p.strip().split()[0])
                   for p in srcset.split(",") if p.strip()):
                del img["srcset"]
            else:
                img["srcset"] = ", ".join(
                    " ".join([absolute(base, p.strip().split()[0]) or p.strip().split()[0],
                              *p.strip().split()[1:]])
                    for p in srcset.split(",") if p.strip())
        for cls in ("lazy", "lazyload", "lazyloaded"):
            classes = img.get("class")
            if isinstance(classes, list) and cls in classes:
                classes.remove(cls)
    for source in root.find_all("source"):
        data = _attr(source, "data-srcset")
        if data and not _attr(source, "srcset"):
            source["srcset"] = data


def _fix_images_html(html: str, base: str) -> str:
    """A fragment with lazy images fixed and links and images made absolute against ``base``."""
    soup = _soup(html)
    body = soup.body or soup
    _fix_images(body, base)
    _absolutise(body, base)
    return body.decode_contents()


def _absolutise(root: Tag, base: str) -> None:
    for tag, attr in (("a", "href"), ("img", "src"), ("source", "src"), ("video", "src"),
                      ("video", "poster"), ("audio", "src"), ("iframe", "src"), ("a", "data-href")):
        for el in root.find_all(tag):
            v = _attr(el, attr)
            if v and not v.startswith("#"):
                full = absolute(base, v)
                if full:
                    el[attr] = full


# =============================================================================================
# Page metadata
# =============================================================================================

_META_DATE_NAMES = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "datepublished", "pubdate", "publishdate", "publish-date",
    "publish_date", "published_time", "publication_date", "dc.date.issued", "dcterms.issued",
    "dcterms.created", "dc.date.created", "parsely-pub-date", "sailthru.date",
    "article.published", "cxenseparse:recs:publishtime", "date.published", "originalpublicationdate",
)
_ARTICLE_TYPES = re.compile(r"article|posting|report|news|blog", re.I)


@dataclasses.dataclass
class _Meta:
    dates: list[str] = dataclasses.field(default_factory=list)      # meta tags, itemprop
    ld_dates: list[str] = dataclasses.field(default_factory=list)   # JSON-LD
    titles: list[str] = dataclasses.field(default_factory=list)     # og:title, headline …
    html_title: str = ""
    site_name: str = ""
    author: str = ""
    image: str = ""
    description: str = ""


def _ld_objects(data, depth: int = 0) -> Iterator[dict]:
    if depth > 6:
        return
    if isinstance(data, list):
        for x in data[:50]:
            yield from _ld_objects(x, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in data:
                yield from _ld_objects(data[key], depth + 1)


def _ld_name(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("name") or "")
    if isinstance(value, list):
        names = [n for n in (_ld_name(v) for v in value[:5]) if n]
        return ", ".join(names)
    return ""


def _ld_url(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("url") or value.get("contentUrl") or "")
    if isinstance(value, list) and value:
        return _ld_url(value[0])
    return ""


def _page_meta(soup: BeautifulSoup) -> _Meta:
    meta = _Meta()
    by_name: dict[str, str] = {}
    for m in soup.find_all("meta"):
        key = (_attr(m, "property") or _attr(m, "name") or _attr(m, "itemprop")).strip().lower()
        content = _attr(m, "content").strip()
        if key and content and key not in by_name:
            by_name[key] = content
    for name in _META_DATE_NAMES:
        if name in by_name:
            meta.dates.append(by_name[name])
    for el in soup.find_all(attrs={"itemprop": "datePublished"}):
        if el.name != "meta":
            meta.dates.append(_attr(el, "datetime") or _attr(el, "content") or el.get_text(" "))
    for name in ("og:title", "twitter:title"):
        if by_name.get(name):
            meta.titles.append(clean_line(by_name[name]))
    for el in soup.find_all(attrs={"itemprop": "headline"}, limit=3):
        text = _attr(el, "content") if el.name == "meta" else el.get_text(" ")
        if clean_line(text):
            meta.titles.append(clean_line(text))
    meta.site_name = clean_line(by_name.get("og:site_name", ""))
    for name in ("author", "article:author", "dc.creator", "byl", "parsely-author"):
        v = by_name.get(name, "")
        if v and not v.startswith(("http://", "https://")):
            meta.author = clean_line(v)
            break
    for name in ("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                 "twitter:image:src"):
        if by_name.get(name):
            meta.image = by_name[name]
            break
    meta.description = clean_line(by_name.get("description") or by_name.get("og:description"))
    head_title = soup.find("title")
    meta.html_title = _text(head_title) if isinstance(head_title, Tag) else ""
    ld_title = ""
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.I)):
        raw = script.string or script.get_text()
        if not raw or len(raw) > 500_000:
            continue
        try:
            data = json.loads(raw.strip().rstrip(";"))
        except (ValueError, RecursionError):
            continue
        for obj in _ld_objects(data):
            kind = obj.get("@type")
            kind = " ".join(kind) if isinstance(kind, list) else str(kind or "")
            if not _ARTICLE_TYPES.search(kind) and "datePublished" not in obj:
                continue
            if isinstance(obj.get("datePublished"), str):
                meta.ld_dates.append(obj["datePublished"])
            if not ld_title and isinstance(obj.get("headline"), str):
                ld_title = clean_line(obj["headline"])
            if not meta.author and obj.get("author"):
                meta.author = clean_line(_ld_name(obj.get("author")))
            if not meta.image and obj.get("image"):
                meta.image = _ld_url(obj.get("image"))
    if ld_title:
        meta.titles.append(ld_title)
    return meta


def _strip_site_name(title: str, site_name: str) -> str:
    if not title:
        return ""
    if site_name:
        for sep in (" - ", " | ", " – ", " — ", " :: ", " » ", ": "):
            if title.endswith(sep + site_name):
                return title[: -len(sep + site_name)].strip()
            if title.startswith(site_name + sep):
                return title[len(site_name + sep):].strip()
    return title


_TITLE_CLASS = re.compile(r"title|tieu-?de|headline|heading|ten-?bai", re.I)
_BRAND_CLASS = re.compile(r"logo|brand|site-?name|site-?title|banner|slogan|masthead", re.I)


def _title_candidates(soup: BeautifulSoup) -> list[Tag]:
    """Headings and title-classed elements that are not in page chrome or the site's brand."""
    total = _text_size(soup)
    out: list[Tag] = []
    for el in soup.find_all(["h1", "h2", "h3", "div", "p", "span", "td", "strong"], limit=5000):
        if el.name not in ("h1", "h2", "h3"):
            names = _classes(el)
            if not (names and _TITLE_CLASS.search(names)) and _attr(el, "itemprop") != "headline":
                continue
        text = _text(el)
        if not (8 <= len(text) <= 300) or _in_chrome(el, total):
            continue
        if any(_BRAND_CLASS.search(_classes(n)) for n in [el, *list(el.parents)[:6]]
               if isinstance(n, Tag)):
            continue
        out.append(el)
        if len(out) >= 80:
            break
    return out


def _bold_titles(soup: BeautifulSoup) -> list[Tag]:
    """Bold or large-font lines followed by running text: the title of pages without headings
    (old CMSes that write ``<font size=4><b>…</b></font>``)."""
    total = _text_size(soup)
    out: list[Tag] = []
    for el in soup.find_all(["b", "strong", "font"], limit=3000):
        if el.name == "font" and not (_attr(el, "size") in ("4", "5", "6", "7", "+1", "+2", "+3")
                                      or el.find(["b", "strong"])):
            continue
        text = _text(el)
        if not (15 <= len(text) <= 200) or text.endswith((".", ":", ";")):
            continue
        if _is_link_text(el) or _in_chrome(el, total):
            continue
        size, paragraph = 0, False
        for string in el.find_all_next(string=True, limit=40):
            if el in string.parents or (string.parent is not None and
                                        string.parent.name in ("script", "style")):
                continue
            t = string.strip()
            size += len(t)
            paragraph = paragraph or len(t) >= 80
            if size >= 300:
                break
        if size >= 300 and paragraph:
            out.append(el)
            if len(out) >= 3:
                break
    return out


def _is_link_text(el: Tag) -> bool:
    """A title inside (or made of) a link is a link to another article, not this one's title."""
    if el.find_parent("a") is not None:
        return True
    links = el.find_all("a")
    return bool(links) and sum(len(a.get_text(strip=True)) for a in links) >= \
        0.8 * len(el.get_text(strip=True))


def _page_title(soup: BeautifulSoup, meta: _Meta, item_title: str) -> str:
    """The article's title as the page shows it.

    In order: a heading (or title-classed element) that matches a reference title (og:title,
    JSON-LD headline, the feed's title, <title>); the feed's title when it looks whole; the
    page's only h1; og:title or the JSON-LD headline; the first title-classed element that is not
    a link; the first h1; a bold line before the text; <title> without the site name.
    """
    refs = [_strip_site_name(t, meta.site_name) for t in meta.titles if t]
    if item_title:
        refs.append(item_title)
    html_title = _strip_site_name(meta.html_title, meta.site_name)
    ref_keys = [fold(r).strip(" .") for r in [*refs, html_title] if r]
    site_key = fold(meta.site_name).strip()
    candidates = [c for c in _title_candidates(soup) if fold(_text(c)).strip() != site_key]
    for el in candidates:
        text = _text(el)
        key = fold(text).strip(" .")
        if any(key == r or (len(key) >= 0.6 * len(r) and key in r) for r in ref_keys):
            return text
    # The feed's or listing's own title, unless it looks cut short or like a "read more" link.
    if len(item_title) >= 20 and not item_title.rstrip().endswith(("...", "…")):
        return item_title
    h1s = [h for h in candidates if h.name == "h1"]
    if len(h1s) == 1:
        return _text(h1s[0])
    for r in refs:
        if r:
            return r
    for el in candidates:
        if el.name != "h1" and not _is_link_text(el) and len(_text(el)) >= 15:
            return _text(el)
    if h1s:
        return _text(h1s[0])
    # The <title> is shown nowhere as a heading: it is the site's name more often than not.
    bold = _bold_titles(soup)
    if bold:
        return _text(bold[0])
    if html_title:
        parts = re.split(r"\s+[-|–—]\s+", html_title)
        if len(parts) > 1 and len(parts[-1]) < len(" - ".join(parts[:-1])):
            return " - ".join(parts[:-1])
        return html_title
    return ""


def _title_element(soup: BeautifulSoup, title: str) -> Tag | None:
    def key_of(text: str) -> str:
        return " ".join(fold(text).split()).strip(" .")    # "\nTitle " is the same title

    key = key_of(title)
    if not key:
        return None
    for h in _title_candidates(soup):
        if key_of(h.get_text(" ")) == key:
            return h
    for h in _bold_titles(soup):
        if key_of(h.get_text(" ")) == key:
            return h
    return None


_DATE_HINT = re.compile(r"date|time|publish|posted|ngay|thoi-?gian|created|meta|byline|info|"
                        r"post-?on|pubdate|calendar|datetime|ngaydang|ngay-?dang", re.I)
_DATE_LABEL = re.compile(r"(?:ngay dang|ngay xuat ban|dang luc|dang ngay|cap nhat|ngay cap nhat|"
                         r"thoi gian dang|posted|published|ngay ban hanh)", re.I)


def _configured_date(soup: BeautifulSoup, selector: str | None, url: str,
                     tz: tzinfo, now: datetime) -> datetime | None:
    if not selector:
        return None
    total = _text_size(soup)
    for el in _select(soup, selector, "article.date", url):
        if _in_chrome(el, total):
            continue
        raw = _date_text(el)
        if dates.is_today_line(raw) and dates.parse_date(raw, tz) is not None:
            continue                    # a today stamp; "Hôm nay 08:05" alone is an article's
        dt = dates.parse_date(raw, tz, now=now)
        if dt is not None:
            return dt
    return None


def _guess_date(soup: BeautifulSoup, title_el: Tag | None, tz: tzinfo,
                now: datetime) -> datetime | None:
    """Last resort: a date printed near the title, never the page's today stamp.

    Candidates are <time> elements, elements whose class says date/time and short lines with a
    label ("Ngày đăng", "Cập nhật" …), outside page chrome. Looked at in order: those after the
    title, the text right after the title, then those shortly before the title (a today stamp
    sits at the top of the page, far from it). Dates on the fetch day are skipped.
    """
    def ok(dt: datetime | None) -> bool:
        return dt is not None and dates.plausible(dt, now, tz, allow_today=False)

    total = _text_size(soup)
    elements = soup.find_all(True)
    pos = {id(el): i for i, el in enumerate(elements)}
    tpos = pos.get(id(title_el)) if title_el is not None else None

    def is_candidate(el: Tag) -> bool:
        if el.name == "time":
            return True
        if el.name not in ("span", "div", "p", "small", "li", "em", "i", "td", "abbr", "dd",
                           "dt", "b", "strong", "font", "h4", "h5", "h6", "section"):
            return False
        names = _classes(el)
        if names and _DATE_HINT.search(names):
            return True
        return len(el.get_text(" ")) < 80 and bool(_DATE_LABEL.search(_folded(el, 80)))

    def read(el: Tag) -> datetime | None:
        text = _date_text(el)
        if len(text) > 200 or _in_chrome(el, total):
            return None
        if el.name in ("time", "abbr") or text is not el.get_text(" "):
            dt = dates.parse_date(text, tz)
        else:
            dt = _labelled_date(text, tz, now)
        return dt if ok(dt) else None

    def rank(el: Tag) -> int:
        """Elements that say "published" first, those that say "updated" last."""
        names = (_classes(el) + " " + _attr(el, "itemprop")).lower()
        if _PUBLISHED_HINT.search(names):
            return 0
        if _UPDATED_HINT.search(names):
            return 2
        return 1

    candidates = sorted((el for el in elements if is_candidate(el)), key=rank)
    if tpos is None:
        for el in candidates:
            dt = read(el)
            if dt:
                return dt
        return None
    for el in candidates:
        if tpos < pos[id(el)] <= tpos + 400:
            dt = read(el)
            if dt:
                return dt
    following: list[str] = []
    size = 0
    for s in title_el.find_all_next(string=True, limit=80):
        if isinstance(s, Comment) or s.parent is None or s.parent.name in ("script", "style"):
            continue
        following.append(str(s))
        size += len(s)
        if size > 400:
            break
    dt = dates.find_date("\n".join(following), tz, now=now)
    if ok(dt):
        return dt
    before = sorted((el for el in candidates if tpos - 40 <= pos[id(el)] < tpos),
                    key=lambda el: (rank(el), -pos[id(el)]))         # nearest first
    for el in before:
        dt = read(el)
        if dt:
            return dt
    return None


_PUBLISHED_HINT = re.compile(r"publish|pubdate|post-?date|entry-?date|date-?post|ngay-?dang|"
                             r"created|datepublished", re.I)
_UPDATED_HINT = re.compile(r"updat|modif|edited|sua-?doi|cap-?nhat", re.I)
_PUBLISH_LABEL = re.compile(r"(?:ngay dang|dang ngay|dang luc|dang vao|ngay xuat ban|xuat ban|"
                            r"posted|published|dang)\b")
_UPDATE_LABEL = re.compile(r"(?:cap nhat|sua doi|chinh sua|updated|modified)\b")


def _labelled_date(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    """The date in a meta line; with both an update and a publication label ("Cập nhật …
    · Đăng ngày …"), the one after the publication label."""
    folded = fold(text)
    if _UPDATE_LABEL.search(folded):
        for m in _PUBLISH_LABEL.finditer(folded):
            dt = dates.find_date(folded[m.end():], tz, now=now)
            if dt is not None:
                return dt
    return dates.find_date(text, tz, now=now)


def _date_from(values: Iterable[str], tz: tzinfo, now: datetime) -> datetime | None:
    for v in values:
        dt = dates.parse_date(v, tz)
        if dt is not None and dates.plausible(dt, now, tz):
            return dt
    return None


_AUTHOR_LABEL = re.compile(
    r"^(?:tác giả|người viết|bài(?:,| và| &)? ảnh|bài|tin(?:,| và)? ảnh|tin|ảnh|theo|by|"
    r"nguồn|ctv|phóng viên|pv)\s*[:\-]?\s*", re.I)


def _clean_author(text: str) -> str:
    text = clean_line(text)
    return _AUTHOR_LABEL.sub("", text).strip(" .-|:") if len(text) <= 120 else ""


# =============================================================================================
# Article pages
# =============================================================================================

@dataclasses.dataclass
class _Page:
    soup: BeautifulSoup
    base: str
    meta: _Meta
    title: str
    title_el: Tag | None
    now: datetime


def _read_page(fetched: Fetched, item: Item, tz: tzinfo,
               title_selector: str | None = None) -> _Page:
    url = fetched.final_url or fetched.url or item.url
    soup = _soup(decode(fetched.body, fetched.content_type))
    base = _base_of(soup, url)
    meta = _page_meta(soup)
    title = ""
    title_el = None
    if title_selector:
        for el in _select(soup, title_selector, "article.title", url):
            if _text(el):
                title, title_el = _text(el), el
                break
    if not title:
        title = _page_title(soup, meta, item.title) or item.title
        title_el = _title_element(soup, title)
    return _Page(soup, base, meta, title, title_el, _now(fetched, tz))


def _page_date(page: _Page, item: Item, tz: tzinfo, selector: str | None,
               url: str) -> datetime | None:
    now = page.now
    return (_configured_date(page.soup, selector, url, tz, now)
            or _date_from(page.meta.dates, tz, now)
            or _date_from(page.meta.ld_dates, tz, now)
            or item.published
            or _guess_date(page.soup, page.title_el, tz, now))


def read_article(fetched: Fetched, source: Source, item: Item, tz: tzinfo) -> Item:
    """An article page read by ``source.article`` selectors (or generically without them).

    Body, title, date, author and image come from the page; what the page lacks is kept from
    ``item``. Returns a new Item with ``full=True``. When the body selector matches nothing, the
    main text is found generically (the date and title selectors still apply).
    """
    sel = source.article
    if sel is None:
        return read_generic(fetched, item, tz)
    url = fetched.final_url or fetched.url or item.url
    page = _read_page(fetched, item, tz, sel.title)
    published = _page_date(page, item, tz, sel.date, url)
    author = ""
    if sel.author:
        for el in _select(page.soup, sel.author, "article.author", url):
            author = _clean_author(el.get_text(" "))
            if author:
                break
    author = author or page.meta.author or item.author
    for selector in sel.remove:
        for el in _select(page.soup, selector, "article.remove", url):
            if not _is_gone(el):
                el.decompose()
    bodies = [b for b in _select(page.soup, sel.body, "article.body", url)
              if not _is_gone(b) and (_text(b) or b.find(["img", "video", "iframe", "table"]))]
    if not bodies:
        generic = _generic_body(page, tz)
        content = generic or item.content_html or item.summary
        return _result(item, page, content, published, author, full=bool(generic))
    body = max(bodies[:5], key=lambda b: len(b.get_text(" "))) if len(bodies) > 1 else bodies[0]
    lead = _find_lead(page)
    lead_text = ""
    if lead is not None and lead is not body and body not in lead.parents \
            and lead not in body.parents and body in lead.find_all_next(True, limit=400):
        lead_text = _text(lead)
    _fix_images(body, page.base)
    _absolutise(body, page.base)
    _strip_chrome(body, tz, keep=body, title=page.title)
    content = body.decode_contents().strip()
    if lead_text and _squash(lead_text) not in _squash(body.get_text(" ")):
        content = _lead_html(lead_text) + "\n" + content
    content = nfc(content)
    return _result(item, page, content, published, author, full=True)


def _result(item: Item, page: _Page, content: str, published: datetime | None, author: str,
            *, full: bool) -> Item:
    image = absolute(page.base, page.meta.image) if page.meta.image else ""
    if not image and not item.image and content and "<img" in content:
        m = re.search(r"""<img[^>]+src=["']([^"']+)""", content)
        image = absolute(page.base, m.group(1)) if m else ""
    return dataclasses.replace(
        item,
        title=nfc(page.title or item.title),
        content_html=content,
        summary=item.summary or page.meta.description,
        published=published,
        author=nfc(author),
        image=image or item.image,
        full=full,
    )


_TRAFILATURA_OPTS = dict(output_format="html", include_images=True, include_links=True,
                         include_formatting=True, include_tables=True, include_comments=False,
                         with_metadata=False, deduplicate=False)


def _generic_body(page: _Page, tz: tzinfo) -> str:
    """The main text of a page by trafilatura, after our own chrome removal; "" if none."""
    soup = page.soup
    lead = _find_lead(page)
    lead_text = _text(lead) if lead is not None else ""
    _fix_images(soup, page.base)
    _unwrap_layout_tables(soup.body or soup)
    _drop_teasers(soup, page.title_el)
    _strip_chrome(soup, tz, layout=True)
    html = str(soup)
    result = _trafilatura(html, page.base, favor_precision=True)
    # Precision mode keeps one block of a body split by an ad or a "Xem thêm" line; recall mode
    # keeps it whole. Our chrome is gone already, so take recall's when it holds clearly more
    # running text (paragraphs, not link lists).
    wider = _trafilatura(html, page.base, favor_recall=True)
    known = _squash(page.title) + _squash(lead_text)
    if wider and (not result or _running_text(wider, known)
                  >= 1.25 * _running_text(result, known) + 50):
        result = wider
    if not result:
        return ""
    out = _soup(result)
    root = out.body or out
    _fix_images(root, page.base)
    _absolutise(root, page.base)
    _strip_chrome(root, tz, keep=None, title=page.title)
    _drop_link_lists(root)
    text = root.get_text(" ").strip()
    if not text:
        return ""
    html = root.decode_contents().strip()
    if lead_text and _squash(lead_text) not in _squash(text):
        html = _lead_html(lead_text) + "\n" + html
    return nfc(html)


def _drop_teasers(soup: BeautifulSoup, title_el: Tag | None) -> None:
    """Remove teaser cards: ``<article>`` elements that are a link to another story (a
    headline, a picture, a line of lead), as news sites print them by the dozen around the
    story. They are not the article, and as <article>s they would otherwise pass for it."""
    for el in soup.find_all("article"):
        if _is_gone(el) or (title_el is not None and (el is title_el or el in title_el.parents)):
            continue
        text = " ".join(el.get_text(" ").split())
        if len(text) > 1000 or not el.find("a", href=True):
            continue
        own = max((len(" ".join(p.get_text(" ").split())) for p in el.find_all("p")
                   if not p.find("a")), default=0)
        if _link_density(el) >= 0.4 or own < 150:
            el.decompose()
    # A picture that links to another page is a teaser's thumbnail (a picture of this article
    # links to itself or to the image file).
    for a in soup.find_all("a", href=True):
        if _is_gone(a) or a.get_text(strip=True) or not a.find("img"):
            continue
        href = _attr(a, "href").split("#")[0].split("?")[0].lower()
        if href and not re.search(r"\.(?:jpe?g|png|gif|webp|avif|bmp|svg|tiff?)$", href) \
                and not href.startswith(("javascript:", "#")) and (
                    title_el is None or a not in title_el.parents) and _is_article_link(href):
            a.decompose()


def _is_article_link(href: str) -> bool:
    """A link to a story page: a path that ends in a long slug or a numeric id."""
    path = re.sub(r"^[a-z]+://[^/]+", "", href)
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return bool(re.search(r"\d{4,}|(?:[a-z0-9]+-){3,}", last))


def _drop_link_lists(root: Tag) -> None:
    """Remove lists at the start or end of an extracted body whose every item is one link to
    another story (with a thumbnail perhaps): the site's "more news", whatever its markup."""
    blocks = [el for el in root.children if isinstance(el, Tag)]
    edges = blocks[-2:] + blocks[:1]
    for el in edges:
        lists = [el] if el.name in ("ul", "ol") else el.find_all(["ul", "ol"], recursive=False)
        for lst in lists:
            items = lst.find_all("li", recursive=False)
            if len(items) < 3:
                continue
            if all(_is_story_link(li) for li in items):
                lst.decompose()


def _is_story_link(li: Tag) -> bool:
    links = li.find_all("a", href=True)
    text = " ".join(li.get_text(" ").split())
    link_text = sum(len(" ".join(a.get_text(" ").split())) for a in links)
    return bool(links) and len(text.split()) >= 3 and link_text >= 0.9 * len(text) and all(
        _is_article_link(_attr(a, "href").split("?")[0].lower()) for a in links)


def _trafilatura(html: str, url: str, **opts) -> str:
    try:
        return trafilatura.extract(html, url=url, **_TRAFILATURA_OPTS, **opts) or ""
    except Exception:  # noqa: BLE001 - a library failure on odd HTML is "nothing found"
        return ""


def _running_text(html: str, known: str = "") -> int:
    """Characters of text outside links, in paragraphs of some length that are not ``known``
    (the title and lead, which are dealt with apart)."""
    soup = _soup(html)
    for a in soup.find_all("a"):
        a.decompose()
    blocks = [el.get_text(" ").strip() for el in soup.find_all(["p", "li", "td", "div",
                                                               "blockquote"])
              if not el.find(["p", "div", "li", "td"])]
    return sum(len(t) for t in blocks if len(t) >= 60 and not (known and _squash(t) in known))


def _squash(text: str) -> str:
    return "".join(fold(text).split())


def _lead_html(text: str) -> str:
    return f"<p><strong>{html_escape(text, quote=False)}</strong></p>"


_LEAD_CLASS = re.compile(
    _SEP + r"(?:lead|desc|intro|mo-?ta)" + _END
    + r"|sapo|summary|description|tom-?tat|chapeau|excerpt|abstract|teaser|standfirst|"
    r"trich-?yeu", re.I)


def _find_lead(page: _Page) -> Tag | None:
    """The article's lead paragraph (Vietnamese "sapo") printed after the title, if the page
    marks one; it often sits outside the body container."""
    if page.title_el is None or _is_gone(page.title_el):
        return None
    total = _text_size(page.soup)
    seen = 0
    for el in page.title_el.find_all_next(True, limit=400):
        seen += 1
        names = _classes(el) + " " + _attr(el, "itemprop")
        if not names.strip() or not _LEAD_CLASS.search(names) or el.name in ("meta", "img"):
            continue
        text = _text(el)
        if 40 <= len(text) <= 1500 and not _in_chrome(el, total) and not _is_link_text(el):
            return el
    return None


def read_generic(fetched: Fetched, item: Item, tz: tzinfo) -> Item:
    """An article page without selectors: main text by trafilatura, date and title from the
    page's metadata (never its "today" stamp). Falls back to the item's own content (and
    ``full=False``) when no main text is found."""
    url = fetched.final_url or fetched.url or item.url
    page = _read_page(fetched, item, tz)
    published = _page_date(page, item, tz, None, url)
    author = page.meta.author or item.author
    content = _generic_body(page, tz)
    if not content:
        return _result(item, page, item.content_html or item.summary, published, author,
                       full=False)
    return _result(item, page, content, published, author, full=True)
