"""Page chrome: what around or inside an article page is never the article (share bars,
font-size toolbars, breadcrumbs, related-news blocks, view counters, the page's "today"
stamp), found by class/id tokens and by the folded text of short blocks."""

from __future__ import annotations

import re
from datetime import tzinfo

from bs4 import BeautifulSoup, CData, Comment, NavigableString, Tag

from pipeline.core.text import fold
from pipeline.harvest import dates
from pipeline.harvest.pagehtml import _attr

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
