"""An article page's metadata: ``<meta>``/JSON-LD, the title (not the site's name), the
publication date (never the date a page prints for *today*), the author."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo

from bs4 import BeautifulSoup, Comment, Tag

from pipeline.core.text import clean_line, fold
from pipeline.harvest import dates
from pipeline.harvest.chrome import _classes, _folded, _in_chrome, _text_size
from pipeline.harvest.pagehtml import _attr, _date_text, _select, _text

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
