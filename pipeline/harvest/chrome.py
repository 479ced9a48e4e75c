"""Page chrome: what around or inside an article page is never the article (share bars,
font-size toolbars, contrast toggles, print/email buttons, breadcrumbs, related-news blocks,
view and comment counters, the page's "today" stamp).

The one place that knows chrome: its word lists, class/id patterns and the decision whether a
line or block is chrome. Article reading removes chrome elements here (``_strip_chrome``);
the sanitiser (``clean``) asks ``is_chrome_line``/``is_related_heading``/``is_breadcrumb``
about each line of any HTML it cleans, so both follow the same rules.
"""

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
_BREADCRUMB = re.compile(r"^(?:trang chu|home|trang nha)\s*(?:[>»›/|\\→:\-–]|$)")
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


def is_chrome_line(text: str, *, today: bool = True) -> bool:
    """Whether a (folded) line of text is only page chrome: toolbars, share and print buttons,
    view and comment counts, related-news headings, breadcrumbs and, unless ``today`` is false,
    the page's today stamp (a dateline, which a sanitised article may quote)."""
    t = text.strip(" .:|-•·")
    if not t:
        return False
    if _button_line(t):
        return True
    if len(t) <= 60 and _CHROME_PHRASES.match(t):
        return True
    if is_related_heading(t):
        return True
    if is_breadcrumb(t):
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
        if len(parts) > 1 and all(is_chrome_line(p, today=today) for p in parts):
            return True
    return today and len(t) <= 120 and dates.is_today_line(t)


def is_related_heading(text: str) -> bool:
    """A (folded) heading over a list of other articles: "Tin liên quan", "Đọc nhiều" …"""
    t = text.strip(" .:|-")
    return len(t) <= 60 and bool(_RELATED_HEADINGS.match(t))


def is_breadcrumb(text: str, link_ratio: float = 0.0) -> bool:
    """A (folded) breadcrumb line: "Trang chủ > Tin tức"; also "Trang chủ Tin tức …" when the
    line is almost all links (``link_ratio``, the share of its letters inside links)."""
    t = text.strip()
    return len(t) <= 200 and bool(_BREADCRUMB.match(t) or (
        t.startswith(("trang chu ", "home ")) and link_ratio >= 0.8))


# Buttons and counters of a share/print/font bar, line by line (the sanitiser's vocabulary,
# kept whole when the two passes were merged: "Thích", "E-mail", "Sao chép liên kết", "Đã
# xem 12", "Viết bình luận" …). A lone "A" or "In" is a word, not a button.
_SHARE_WORDS = sorted([
    "a-", "a+", "a", "co chu", "tang tuong phan", "giam tuong phan", "tuong phan", "in bai viet",
    "in bai", "in trang", "ban in", "in", "print", "chia se", "chia se bai viet", "share",
    "tweet", "twitter", "facebook", "zalo", "gui email", "gui mail", "gui bai viet", "email",
    "e-mail", "luu tin", "luu bai viet", "luu", "linkedin", "pinterest", "copy link",
    "sao chep link", "sao chep lien ket", "like", "thich", "nghe bai viet", "doc bai viet",
    r"\d[\d.,]*",
], key=len, reverse=True)
_AMBIGUOUS = frozenset({"a", "a-", "a+", "in", "luu", "like", "thich", "email", "e-mail"})
_SHARE = re.compile(r"^(?:(?:" + "|".join(
    w if w.startswith("\\") else re.escape(w) for w in _SHARE_WORDS) + r")(?:\s+|$))+$")
_VIEWS = re.compile(
    r"^(?:(?:luot xem|luot doc|so lan xem|da xem|views?)\s*:?\s*\d[\d.,]*"
    r"|\d[\d.,]*\s*(?:luot xem|luot doc|lan xem|views?))$")
_COMMENTS = re.compile(
    r"^(?:binh luan|cac binh luan|gui binh luan|viet binh luan|y kien ban doc|y kien cua ban"
    r"|gui y kien|binh luan \(\d+\)|\(\d+\) binh luan|\d+ binh luan)$")
_DATEISH = re.compile(
    r"^(?=.*\d)(?:(?:thu \w+|chu nhat|cap nhat|ngay dang|dang luc|dang ngay)\s*[:,]?\s*)?"
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})?\s*[-,]?\s*(?:\d{1,2}[:h]\d{2}(?::\d{2})?)?"
    r"\s*(?:sa|ch|am|pm|\(gmt\+7\))?$")
_PUNCT_TO_SPACE = re.compile(r"[:;,()\[\]{}\"'“”‘’|•·–—_*/]+")
_ICONISH = re.compile(r"(icon|facebook|zalo|twitter|tweet|share|print|email|mail|linkedin|"
                      r"pinterest|\bfb\b|font|zoom)", re.I)


def is_icon(img: Tag) -> bool:
    """An image that is a button's icon (share, print, font size …), by its address or alt."""
    return bool(_ICONISH.search(f"{img.get('src', '')} {img.get('alt', '')}"))


def _button_segment(seg: str) -> bool:
    if _VIEWS.match(seg) or _COMMENTS.match(seg):
        return True
    tokens = " ".join(_PUNCT_TO_SPACE.sub(" ", seg).split())
    if not tokens or not _SHARE.match(tokens) or re.fullmatch(r"[\d.,\s]+", tokens):
        return False
    words = tokens.split()
    return not (set(words) <= _AMBIGUOUS and len(words) < 2)


def _button_line(folded: str) -> bool:
    """A short line of buttons and counters, perhaps next to dates ("09/06/2021 | 18:37 |
    4,455 lượt xem")."""
    if len(folded) > 120:
        return False
    segments = [s.strip(" :.-") for s in re.split(r"\s*[|•·]\s*", folded)]
    segments = [s for s in segments if s]
    if not segments:
        return False
    chrome = [_button_segment(s) for s in segments]
    if all(chrome):
        return True
    return any(chrome) and all(c or _DATEISH.match(s) for c, s in zip(chrome, segments, strict=True))


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
        if is_chrome_line(text) and not protected(el):
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
        if is_chrome_line(" ".join(fold(s).split())):
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
