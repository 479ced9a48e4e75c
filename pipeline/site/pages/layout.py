"""The layout of ``site_src/`` (addresses, markers the site build reads, page sizes) and the
small pure helpers every page uses. See ``docs/architecture.md`` for the whole layout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pipeline.core.models import Article

T = TypeVar("T")

MANIFEST = ".publish.json"
MEDIA_DIR = "tin-tuc/media/"    # pictures in site_src/: another stage's (jobs: media.sync_media)
OVERRIDES = ".overrides"
CACHE = "publish-cache.json"    # in the root's .cds/: article page → digest of its inputs, size, mtime

PER_PAGE = 20          # items on a listing page
HOME_LATEST = 20       # latest news on the home page
HOME_STORIES = 6       # success stories on the home page
YEARS_PER_PAGE = 20    # years on an archive index page (luu-tru/, luu-tru/trang-N/)
RELATED = 5            # related articles under an article
SUMMARY_CHARS = 220

SUCCESS_THEME = "dien-hinh"
BODY_START, BODY_END = "<!-- cds:body -->", "<!-- /cds:body -->"   # around an article's body
# The block of an article the search index reads; ``markdown="1"`` (md_in_html) has plain
# MkDocs render the Markdown body inside it.
ARTICLE_START = '<div class="cds-article" data-pagefind-body markdown="1">'
# The same block in a page publish writes as HTML (the body rendered already: no md_in_html).
ARTICLE_START_HTML = ARTICLE_START.replace(' markdown="1"', "")
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_FEED_TYPE = "application/feed+json"
SAFE_SCHEMES = ("http://", "https://")


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) address, else None (nothing else becomes a link)."""
    if url and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None


def fixed_pages(items: Sequence[T], per: int,
                base: str) -> list[tuple[str, Sequence[T], int | None]]:
    """``items`` (newest first) on pages of a fixed ``per`` counted from the *oldest*: ``(url,
    chunk, number)``, the first at ``base`` (number None) holding what is not archived yet (``per``
    to ``2 × per − 1`` items), then ``base + "trang-N/"`` from the newest archived chunk down to
    ``trang-1/``, the oldest. A new item changes the first page only, and archive addresses stay
    put (listings, ``luu-tru/``, the results' indexes)."""
    archived = max(0, len(items) // per - 1)
    front = len(items) - archived * per
    pages: list[tuple[str, Sequence[T], int | None]] = [(base, items[:front], None)]
    for j in range(archived, 0, -1):
        start = len(items) - j * per
        pages.append((f"{base}trang-{j}/", items[start:start + per], j))
    return pages


def page_url(base: str, number: int, archived: int) -> str:
    """The address of page ``number`` of :func:`fixed_pages` with ``archived`` archive pages
    (one past the newest archived is the first page, ``base``)."""
    return base if number > archived else f"{base}trang-{number}/"


def title_of(article: Article) -> str:
    return " ".join(article.title.split()) or "(Không có tiêu đề)"


def feed_meta(base: str, name: str) -> list[dict[str, str]]:
    """A page's feeds for its front matter (``<link rel="alternate">`` in the page head)."""
    return [{"title": f"{name} (RSS)", "href": base + "rss.xml", "type": RSS_TYPE},
            {"title": f"{name} (Atom)", "href": base + "atom.xml", "type": ATOM_TYPE},
            {"title": f"{name} (JSON Feed)", "href": base + "feed.json", "type": JSON_FEED_TYPE}]
