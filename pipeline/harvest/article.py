"""An article page → the complete :class:`~pipeline.core.models.Item`: by the source's
``article:`` selectors (:func:`read_article`), or the main text found by trafilatura
(:func:`read_generic`). The body returned is not sanitised (``clean`` does that); page chrome
and lazy images are dealt with here."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, tzinfo
from html import escape as html_escape

from bs4 import BeautifulSoup, Tag

from pipeline.core.models import Fetched, Item, Source
from pipeline.core.text import fold, nfc
from pipeline.core.urls import absolute
from pipeline.harvest.chrome import (
    _END,
    _SEP,
    _classes,
    _in_chrome,
    _is_gone,
    _link_density,
    _strip_chrome,
    _text_size,
    _unwrap_layout_tables,
)
from pipeline.harvest.decode import decode
from pipeline.harvest.images import _absolutise, _fix_images
from pipeline.harvest.pagehtml import _attr, _base_of, _now, _select, _soup, _text
from pipeline.harvest.pagemeta import (
    _clean_author,
    _configured_date,
    _date_from,
    _guess_date,
    _is_link_text,
    _Meta,
    _page_meta,
    _page_title,
    _title_element,
)

__all__ = ["read_article", "read_generic"]


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
    import trafilatura  # only for pages without selectors: a feed with full text needs none

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
