"""Harvested HTML → safe Markdown.

The one place where a source's HTML is made harmless. Three layers, each enough on its own for
the common attacks and together meant to leave nothing that can run in a reader's browser:

1. ``safe_html``: a BeautifulSoup pass (Python's HTML parser) resolves lazy images and makes links absolute, drops
   the lines ``harvest/chrome`` calls page chrome ("A- A A+", share buttons, view counts,
   related-news lists, breadcrumbs) and marks photo captions; then nh3 (ammonia) sanitises against a small allow-list (no script, style,
   iframe, form, svg, event handlers or style attributes; only http, https and mailto URLs).
2. ``tomarkdown.to_markdown``: the sanitised HTML becomes Markdown in which every character that came from the
   source is escaped for Python-Markdown and the MkDocs extensions a Material site enables
   (``<`` → ``&lt;``, ``{`` → ``&#123;`` against attr_list and Jinja, ``[``, ``]``, backslashes and
   ``$`` as entities, backticks and emphasis markers backslash-escaped, block markers at the start of a
   line neutralised). Links and images are written only by the converter, with percent-encoded
   http(s)/mailto addresses.
   ``<pre>``/``<code>`` become plain escaped text: code syntax is the one place Markdown does not
   escape, and news articles do not need it.
3. The tests check *rendered* HTML with an independent checker (tests/safe_html.py).

Also ``first_image`` (the article's picture).
Pure functions, no I/O; the same input always gives the same bytes.
"""

from __future__ import annotations

import html as htmllib
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urlsplit

import nh3
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

from pipeline.core.text import BIDI, BLOCK_TAGS, ENTITY, fold, nfc, parse_fragment
from pipeline.core.urls import absolute
from pipeline.harvest import chrome
from pipeline.harvest.images import real_src, tiny

# A summary that is just an address is text to us, not a mistake (bs4's own advice).
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

__all__ = ["first_image", "safe_html"]

# --- the allow-list -----------------------------------------------------------------------------

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
# Removed together with everything inside them (their text must not leak into the article).
DROP_WITH_CONTENT = frozenset({
    "applet", "audio", "base", "basefont", "bgsound", "button", "canvas", "datalist", "dialog",
    "embed", "frame", "frameset", "head", "iframe", "input", "link", "map", "math", "meta", "nav",
    "noembed", "noframes", "object", "option", "optgroup", "param", "script", "select", "source",
    "style", "svg", "template", "textarea", "title", "track", "video", "portal", "keygen",
})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Block-ish containers nh3 would strip (gluing their text to the neighbours'): become <div>.
_TO_DIV = frozenset({
    "address", "article", "aside", "center", "details", "fieldset", "footer", "form", "header",
    "hgroup", "legend", "main", "marquee", "section", "summary", "label", "output",
})
_BLOCK = BLOCK_TAGS                  # _TO_DIV's names among them
_EMPTY_REMOVABLE = frozenset((
    "p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "figure",
    "figcaption", "em", "i", "strong", "b", "span", "a", "u", "dl", "dt", "dd", "table", "tbody",
    "thead", "tfoot", "tr", "caption", "small", "mark",
))
_EMPHASIS = ("em", "i", "strong", "b", "u")
_INLINE_EMPTY = frozenset({"em", "i", "strong", "b", "span", "a", "u", "small", "mark"})

# --- URLs ---------------------------------------------------------------------------------------

# Removed before looking at a scheme: what browsers ignore or strip inside a URL.
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_MAILTO = re.compile(r"^mailto:[^\s@<>\"'()]+@[^\s@<>\"'()]+$", re.I)
_UNSAFE_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f<>\"'(){}\[\]\\^`|]")


def _squash(url: str) -> str:
    return _URL_JUNK.sub("", url)


def _scheme_ok(url: str, *, mailto: bool = True) -> bool:
    """True for an absolute http(s) URL with a host, or (when allowed) a plain mailto: address."""
    squashed = _squash(url)
    if mailto and squashed[:7].lower() == "mailto:":
        return bool(_MAILTO.match(squashed))
    try:        # both readings (as written, and without the junk) must be http(s) with a host
        return all(p.scheme.lower() in ("http", "https") and bool(p.hostname)
                   for p in (urlsplit(squashed), urlsplit(url.strip())))
    except ValueError:
        return False


_URL_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _absolutise(base_url: str, href: str | None, *, mailto: bool) -> str | None:
    if not href or _URL_CONTROLS.search(href):
        return None
    href = re.sub(r"[\t\n\r]", "", href).strip()     # what browsers drop from a URL
    if mailto and _squash(href)[:7].lower() == "mailto:":
        return _squash(href) if _scheme_ok(href) else None
    full = absolute(base_url, href)
    return full if full and _scheme_ok(full, mailto=False) else None


def _md_url(url: str | None, *, mailto: bool = True) -> str | None:
    """A URL safe to put between Markdown's parentheses: checked again, odd characters encoded."""
    if not url or not _scheme_ok(url, mailto=mailto):
        return None
    return _UNSAFE_URL_CHARS.sub(lambda m: quote(m.group(0), safe=""), url.strip())


# --- page chrome (chrome.py decides, line by line) and photo captions --------------------------

_CAPTION = re.compile(
    r"^[(\[]?\s*(?:anh|nguon anh|anh minh hoa|anh tu lieu|anh internet|anh chup man hinh|photo)"
    r"\s*(?:[:\-–)\]]|$)"
    r"|\(\s*(?:anh|nguon anh)\s*:[^()]{1,80}\)$"
    r"|\(\s*(?:anh minh hoa|anh tu lieu|anh internet)\s*\)$"
    r"|[.!?…]\s*(?:anh|nguon anh)\s*:\s*[^.:]{1,80}$")
_WS = re.compile(r"\s+")
_ENTITY, _BIDI = ENTITY, BIDI


def _folded(text: str) -> str:
    return _WS.sub(" ", fold(text)).strip()


@dataclass
class _Unit:
    """One line of the page: a run of inline content between blocks or <br>s."""
    nodes: list = field(default_factory=list)
    text: str = ""
    link_len: int = 0
    images: list = field(default_factory=list)

    @property
    def link_ratio(self) -> float:
        """Share of the line's letters inside links (dates and punctuation do not count)."""
        letters = _letters(self.text)
        return min(1.0, self.link_len / letters) if letters else 0.0


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def _text_of(node) -> str:
    return node.get_text(" ") if isinstance(node, Tag) else str(node)


def _tags(node: Tag, names) -> list[Tag]:
    """``node`` and its descendants named in ``names`` (cheaper than bs4's find_all here)."""
    found = [node] if node.name in names else []
    found += [d for d in node.descendants if isinstance(d, Tag) and d.name in names]
    return found


_INVISIBLE_CHARS = " \t\r\n\f\v\u00a0\u200b\u200c\u200d\ufeff\u2000\u2001\u2002\u2003\u3000"


def _has_content(el: Tag) -> bool:
    """Visible text or an image anywhere inside."""
    for d in el.descendants:
        if isinstance(d, Tag):
            if d.name == "img":
                return True
        elif type(d) is NavigableString and d.strip(_INVISIBLE_CHARS):
            return True
    return False


def _make_unit(nodes: list) -> _Unit:
    text = _WS.sub(" ", " ".join(_text_of(n) for n in nodes)).strip()
    link_len, images = 0, []
    for n in nodes:
        if isinstance(n, Tag):
            link_len += sum(_letters(a.get_text()) for a in _tags(n, ("a",)))
            images += _tags(n, ("img",))
    return _Unit(nodes, text, link_len, images)


def _units(root: Tag) -> list[_Unit]:
    units: list[_Unit] = []

    def walk(container: Tag) -> None:
        run: list = []
        for child in list(container.children):
            if isinstance(child, Tag):
                if child.name == "br":
                    run.append(child)
                    if len(run) > 1:
                        units.append(_make_unit(run))
                    run = []
                elif _tags(child, _BLOCK):
                    if run:
                        units.append(_make_unit(run))
                    run = []
                    walk(child)
                else:
                    run.append(child)
            elif isinstance(child, NavigableString):
                run.append(child)
        if run:
            units.append(_make_unit(run))

    walk(root)
    return units


def _remove(unit: _Unit) -> None:
    for node in unit.nodes:
        node.extract()


def _drop_chrome(root: Tag) -> None:
    """Remove the lines ``chrome`` calls page chrome, and the link list after a related-news
    heading. A line with a picture goes only when its pictures are button icons."""
    related = False
    for unit in _units(root):
        if not unit.text and not unit.images:
            continue
        folded = _folded(unit.text)
        if related:                                 # the link list after "Tin liên quan"
            if unit.link_len and unit.link_ratio >= 0.6:
                _remove(unit)
                continue
            related = False
        outside_links = _folded(" ".join(
            _text_of(n) for n in unit.nodes if not (isinstance(n, Tag) and n.name == "a")))
        if chrome.is_related_heading(folded) or (
                unit.link_len and chrome.is_related_heading(outside_links)):
            _remove(unit)
            related = True
            continue
        if all(chrome.is_icon(i) for i in unit.images) and chrome.is_chrome_line(folded,
                                                                                   today=False):
            _remove(unit)
        elif chrome.is_breadcrumb(folded, unit.link_ratio):
            _remove(unit)


def _unwrap_emphasis(nodes: Iterable) -> None:
    for n in nodes:
        if isinstance(n, Tag):
            for inner in n.find_all(_EMPHASIS):
                inner.unwrap()


def _mark_captions(root: Tag, soup: BeautifulSoup) -> None:
    for fc in root.find_all("figcaption"):
        _unwrap_emphasis([fc])
    for unit in _units(root):
        if not unit.text or len(unit.text) > 300:
            continue
        if not _CAPTION.search(_folded(unit.text)):
            continue
        nodes = [n for n in unit.nodes if not (isinstance(n, Tag) and n.name == "br")]
        if not nodes or nodes[0].find_parent("figcaption") is not None:
            continue
        # images leading the line stay where they are; the caption goes on its own line below
        lead = []
        while nodes and isinstance(nodes[0], Tag) and (nodes[0].name == "img" or (
                nodes[0].find("img") is not None and not nodes[0].get_text(strip=True))):
            lead.append(nodes.pop(0))
        while nodes and isinstance(nodes[0], NavigableString) and not nodes[0].strip():
            nodes.pop(0)
        if not nodes or any(isinstance(n, Tag) and (n.name == "img" or n.find("img"))
                            for n in nodes):
            continue
        em = soup.new_tag("em")
        nodes[0].insert_before(em)
        for n in nodes:
            em.append(n.extract())
        _unwrap_emphasis([em])
        for inner in list(em.children):         # <em><b>x</b></em> → <em>x</em>
            if isinstance(inner, Tag) and inner.name in _EMPHASIS:
                inner.unwrap()
        if lead:
            em.insert_before(soup.new_tag("br"))


# --- tables -------------------------------------------------------------------------------------

_TABLE_PARTS = ("tbody", "thead", "tfoot", "tr", "td", "th", "caption")


def _flatten_table(table: Tag, soup: BeautifulSoup, *, captions: bool = False) -> None:
    if captions:
        for cell in table.find_all(["td", "th", "caption"]):
            if cell.find("img") is None and cell.get_text(strip=True):
                _unwrap_emphasis([cell])
                em = soup.new_tag("em")
                for child in list(cell.children):
                    em.append(child.extract())
                cell.append(em)
    for part in table.find_all(["col", "colgroup"]):
        part.decompose()
    for el in [table, *table.find_all(_TABLE_PARTS)]:
        el.name = "div"
        el.attrs = {}


def _tidy_tables(root: Tag, soup: BeautifulSoup) -> None:
    for table in root.find_all("table"):
        if table.find_parent("table") is not None:
            _flatten_table(table, soup)
    for table in root.find_all("table"):
        rows = table.find_all("tr")
        cells = table.find_all(["td", "th"])
        widths = [len(tr.find_all(["td", "th"], recursive=False)) for tr in rows]
        images = len(table.find_all("img"))
        texts = [c.get_text(" ", strip=True) for c in cells if c.find("img") is None]
        texts = [t for t in texts if t]
        if images and len(rows) <= 4 and len(texts) <= images + 1 and sum(map(len, texts)) <= 400:
            _flatten_table(table, soup, captions=True)      # a photo with its caption
        elif len(cells) <= 1 or max(widths, default=0) <= 1:
            _flatten_table(table, soup)                     # layout, not data


# --- the HTML pass ------------------------------------------------------------------------------

_EMBED_LABELS = {"video": "Xem video", "audio": "Nghe âm thanh"}
_VIDEO_HOSTS = re.compile(r"(^|\.)(youtube\.com|youtube-nocookie\.com|youtu\.be|vimeo\.com|"
                          r"dailymotion\.com|facebook\.com|tiktok\.com)$")


_YOUTUBE_EMBED = re.compile(r"^https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]{6,20})")


def _watch_url(url: str) -> str:
    """A player's address as the page a reader can open: YouTube's /embed/ID → /watch?v=ID."""
    m = _YOUTUBE_EMBED.match(url)
    return f"https://www.youtube.com/watch?v={m.group(1)}" if m else url


def _embeds_to_links(root: Tag, soup: BeautifulSoup, base_url: str) -> None:
    """A video or audio player becomes a link to it, so the editor does not lose it silently."""
    for el in root.find_all(["video", "audio", "iframe"]):
        src = el.get("src")
        if not src:
            source = el.find("source", src=True)
            src = source.get("src") if source is not None else None
        url = _absolutise(base_url, src, mailto=False) if isinstance(src, str) else None
        if not url:
            continue
        if el.name == "iframe":
            if not _VIDEO_HOSTS.search((urlsplit(url).hostname or "").lower()):
                continue
            label = _EMBED_LABELS["video"]
            url = _watch_url(url)
        else:
            label = _EMBED_LABELS[el.name]
        p = soup.new_tag("p")
        a = soup.new_tag("a", href=url)
        a.string = label
        p.append(a)
        el.replace_with(p)


_MAX_DEPTH = 40


def _limit_depth(root: Tag) -> None:
    """Unwrap elements nested deeper than any article needs (the converters recurse)."""
    deep, stack = [], [(root, 0)]
    while stack:
        node, depth = stack.pop()
        for child in node.children:
            if isinstance(child, Tag):
                if depth >= _MAX_DEPTH:
                    deep.append(child)
                stack.append((child, depth + 1))
    for tag in reversed(deep):
        tag.unwrap()


_soup = parse_fragment


def _prepare(html: str, base_url: str) -> str:
    soup = _soup(html)
    root = soup.body or soup
    _limit_depth(root)
    for junk in root.find_all(string=lambda s: isinstance(
            s, (Comment, CData, ProcessingInstruction, Declaration, Doctype))):
        junk.extract()
    _embeds_to_links(root, soup, base_url)
    for ns in root.find_all("noscript"):        # lazy-load fallbacks carry the real <img>
        if ns.find("img") is not None:
            ns.unwrap()
        else:
            ns.decompose()
    # images (before <source> goes): lazy sources, tracking pixels, absolute addresses
    for img in root.find_all("img"):
        src = None if tiny(img) else _absolutise(base_url, real_src(img) or None, mailto=False)
        if not src:
            img.decompose()
            continue
        keep = {k: img[k] for k in ("alt", "title", "width", "height") if img.has_attr(k)}
        img.attrs = {"src": src, **keep}
    for picture in root.find_all("picture"):
        picture.unwrap()
    for el in _tags(root, DROP_WITH_CONTENT):
        if not el.decomposed:
            el.decompose()
    for el in _tags(root, _TO_DIV | {"dir", "menu"}):
        if el.name in _TO_DIV:
            el.name = "div"
        elif el.name in ("dir", "menu"):
            el.name = "ul"
    for el in root.find_all(["td", "th", "ol"]):     # numbers the converters read: ASCII only
        for attr in ("colspan", "rowspan", "start"):
            if el.has_attr(attr) and not re.fullmatch(r"[0-9]{1,3}", str(el[attr]).strip()):
                del el[attr]
    for a in root.find_all("a"):
        href = _absolutise(base_url, a.get("href"), mailto=True)
        title = a.get("title")
        a.attrs = {}
        if href:
            a["href"] = href
        if isinstance(title, str) and title.strip():
            a["title"] = title
    # double-encoded entities ("Th&amp;#225;i") read as what they mean
    for s in root.find_all(string=_ENTITY):
        if type(s) is NavigableString:
            s.replace_with(_ENTITY.sub(lambda m: htmllib.unescape(m.group(0)), str(s)))
    _tidy_tables(root, soup)
    _drop_chrome(root)
    _mark_captions(root, soup)
    seen: set[str] = set()
    for img in root.find_all("img"):
        if img["src"] in seen:
            img.decompose()
        else:
            seen.add(img["src"])
    for el in reversed(_tags(root, _EMPTY_REMOVABLE)):
        if el.decomposed or el is root or _has_content(el):
            continue
        if el.name in _INLINE_EMPTY and (el.find("br") or el.get_text()):
            el.replace_with(" ")                # keep the words on either side apart
        else:
            el.decompose()
    return "".join(str(c) for c in root.contents)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr in ("href", "src"):
        return value if _scheme_ok(value, mailto=(tag == "a")) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROP_WITH_CONTENT),
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel=None,
    url_schemes=set(URL_SCHEMES),
)


@lru_cache(maxsize=16)
def _safe_html(html: str, base_url: str) -> str:
    return nfc(_BIDI.sub("", _CLEANER.clean(_prepare(html, base_url))))


def safe_html(html: str, base_url: str) -> str:
    """Sanitised HTML of an article body: allow-listed tags only, absolute http(s)/mailto links,
    real (not placeholder) images, no page chrome, photo captions in italics. NFC."""
    if not html or not html.strip():
        return ""
    return _safe_html(html, base_url or "")


# --- titles, summaries, images ------------------------------------------------------------------

def first_image(html: str, base_url: str) -> str:
    """The first real image of the article body as an absolute http(s) URL, or ""."""
    cleaned = safe_html(html, base_url)
    if "<img" not in cleaned:
        return ""
    img = BeautifulSoup(cleaned, "lxml").find("img", src=True)
    src = img["src"] if img is not None else ""
    return src if src and _scheme_ok(src, mailto=False) else ""
