"""``content/`` → ``site_src/``: the pages MkDocs turns into the site, every one HTML (article
bodies and Markdown pages rendered here once, links rewritten as MkDocs would:
:mod:`pipeline.site.pages.bodies`), in ``.md`` files with front matter.

Deterministic: the same store gives the same bytes (no "now" anywhere), and only files whose
bytes changed are rewritten, so the site build (which re-renders changed pages only) and HTTP
caches see real changes only. Stale files are removed. Article and listing pages are not even
made again when the digest of what they are made of (their articles, addresses, the names every
page uses, this code) is the one recorded in ``<root>/.cds/publish-cache.json`` and the file in
``site_src/`` still has the recorded size and time; a missing or broken cache only means every
page is made again. A new article changes few files: listing
archive pages are fixed chunks counted from the oldest item, related articles prefer earlier
ones. The pages come from Jinja2 templates
(``templates/site/``; a root's ``templates/site/`` wins, see ``docs/templates.md``), made in
:mod:`pipeline.site.pages.builder`; this module holds the entry point and the text helpers.

Layout of ``site_src/`` (URLs with ``use_directory_urls``; ``X/`` is the file ``X/index.md``)::

    index.md                               home: latest news, success stories, themes, the plan
    tin-tuc/YYYY/MM/<slug>/                one page per published article
    chu-de/  chu-de/<id>/  …/trang-N/      themes overview, one listing per theme (trang-1 = oldest)
    nguon/   nguon/<id>/   …/trang-N/      sources
    tru-cot/ tru-cot/<id>/ …/trang-N/      pillars
    luu-tru/ luu-tru/trang-N/              archive: the years (YEARS_PER_PAGE a page, oldest on trang-1)
    luu-tru/YYYY/ luu-tru/YYYY/MM/ …/trang-N/  a year's months; a month's articles
    cau-chuyen-thanh-cong/ …/trang-N/      success stories (theme dien-hinh, featured first)
    <page>.md                              the root's content/pages/** (ke-hoach.md, gioi-thieu.md)
    .overrides/                            theme overrides (mkdocs.yml: theme.custom_dir): the
                                           package's templates/overrides/, then the root's
    .publish.json                          what the site build needs: URLs, feeds, lastmod dates

Articles are never in the MkDocs nav (Material renders the whole nav into every page).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.dateline import strip_dateline
from pipeline.core.errors import CdsError
from pipeline.core.fileio import write_atomic
from pipeline.core.markup import esc, front_matter, rel_url, shift_headings  # noqa: F401
from pipeline.core.models import Article, Config
from pipeline.core.text import MD_IMAGE, markdown_plain
from pipeline.core.urls import article_urls  # noqa: F401  (jobs, results, tests use it here)
from pipeline.site.pages.bodies import Bodies, Profile
from pipeline.site.pages.builder import PageError, Pages, article_body  # noqa: F401
from pipeline.site.pages.layout import (  # noqa: F401  (the layout's names, as before)
    ARTICLE_START,
    ATOM_TYPE,
    BODY_END,
    BODY_START,
    CACHE,
    HOME_LATEST,
    HOME_STORIES,
    JSON_FEED_TYPE,
    MANIFEST,
    MEDIA_DIR,
    OVERRIDES,
    PER_PAGE,
    RELATED,
    RSS_TYPE,
    SUCCESS_THEME,
    SUMMARY_CHARS,
    YEARS_PER_PAGE,
    safe_href,
    title_of,
)
from pipeline.site.pages.templates import PACKAGE_TEMPLATES, vn_datetime  # noqa: F401
from pipeline.site.pages.topics import BUILTIN_PILLARS, BUILTIN_THEMES, Topic, load_topics  # noqa: F401
from pipeline.site.pages.tree import TreeWriter, read_cache, sync_tree, write_cache
from pipeline.site.render import BODY_CACHE

PACKAGE = Path(__file__).parent.parent
TEMPLATES = PACKAGE_TEMPLATES


class PublishError(CdsError):
    """``site_src/`` cannot be written."""


@dataclass
class PublishResult:
    written: int = 0            # files created or rewritten (bytes changed)
    removed: int = 0            # stale files deleted
    unchanged: int = 0          # files left as they were
    pages: int = 0              # Markdown pages in site_src/
    articles: int = 0           # published articles
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # article files that could not be used


# --- text helpers -----------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


plain_text = markdown_plain     # the one rule (core/text.py), under the name the pages use


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:–- ")
    return cut + "…"


def summary_of(article: Article) -> str:
    """The summary shown in listings and meta descriptions: without the source's dateline
    ("21/04/2024 07:30 CH | (TBTV) - "), also for articles stored before harvest took it off."""
    return shorten(strip_dateline(article.summary or plain_text(article.body)))


def image_of(article: Article, frm: str = "",
             media_href: Callable[[str, str], str | None] | None = None) -> str | None:
    """The article's picture (front matter, else the body's first) as a link from the page at
    ``frm``: the site's own pictures only (``media_href(ref, frm)``, None for anything else),
    never another host's. Without ``media_href``, no picture."""
    if media_href is None:
        return None
    for ref in (article.image, *(m.group(2) for m in MD_IMAGE.finditer(article.body))):
        href = media_href(ref or "", frm) if ref else None
        if href:
            return href
    return None


# --- related articles ---------------------------------------------------------------------

def related(ordered: Sequence[Article], limit: int = RELATED) -> dict[str, list[Article]]:
    """For each article, ``limit`` articles sharing a theme (the same source when it has none):
    the nearest earlier ones first, then the nearest later ones. New articles therefore leave
    older articles' lists alone, which keeps incremental builds small. ``ordered``: oldest first.
    """
    by_key: dict[str, list[int]] = defaultdict(list)      # theme (or source) → indexes, ascending
    for i, art in enumerate(ordered):
        for key in _related_keys(art):
            by_key[key].append(i)
    out: dict[str, list[Article]] = {}
    for i, art in enumerate(ordered):
        pools = [by_key[key] for key in _related_keys(art)]
        before = sorted({j for pool in pools for j in _nearest(pool, i, limit, before=True)},
                        reverse=True)
        after = sorted({j for pool in pools for j in _nearest(pool, i, limit, before=False)})
        out[art.id] = [ordered[j] for j in (before + after)[:limit]]
    return out


def _related_keys(art: Article) -> list[str]:
    return [f"t:{t}" for t in art.themes] or [f"s:{art.source}"]


def _nearest(pool: list[int], i: int, limit: int, *, before: bool) -> list[int]:
    pos = bisect.bisect_left(pool, i)
    if before:
        return pool[max(0, pos - limit):pos]
    start = pos + 1 if pos < len(pool) and pool[pos] == i else pos
    return pool[start:start + limit]


# --- the entry point ------------------------------------------------------------------------

def publish(config: Config, articles: Sequence[Article], *, out: Path | None = None,
            docs: Mapping[str, str] | None = None,
            extra: Mapping[str, bytes] | None = None,
            channels: Sequence[Mapping[str, str]] = (),
            media_href: Callable[[str, str], str | None] | None = None,
            home_blocks: Sequence[str] = (),
            doc_titles: Mapping[str, str] | None = None,
            markdown_bodies: bool = False,
            urls: Mapping[str, str] | None = None,
            stamps: Mapping[str, str] | None = None,
            stamp_context: str | None = None) -> PublishResult:
    """Regenerate ``site_src/`` (or ``out``) from the published articles.

    ``docs`` maps a normalised document number (``749/QĐ-TTg``) to the site URL of its register
    page (``van-ban/749-qd-ttg/``); cited documents without one are shown unlinked.
    ``stamps`` maps an article id to a token of everything the article is made from
    (``SiteContent.stamps``), valid with ``stamp_context`` (``sitecontent.stamps_context``):
    what this publish works out of an article (its key, its links) is remembered with its token
    in the page cache, and an article whose token and context are the recorded ones is not
    read again (a new article costs its own pages, not a pass over every article's text).
    ``urls``: ``article_urls`` of the published articles when the caller has made it already.
    ``doc_titles`` maps a number to its title (trích yếu), shown next to the number. ``extra``
    holds files other stages add to ``site_src/`` (relative POSIX path → bytes, e.g. the search
    page); one that would replace a generated file is skipped with a warning. ``channels`` are
    further feeds for the build to write (e.g. one per register document: ``{path, title,
    description, doc}``). ``media_href(ref, page_url)`` gives the link from a page to an
    article's picture when it is one of the site's own (``media.page_href``; ``site_src/`` holds
    them under ``tin-tuc/media/``, put there by the caller and left alone here); cards and hero
    pictures show only those. Without it, no picture is shown outside article bodies.
    ``home_blocks``: HTML blocks other stages add to the home page after the latest news (the
    register's "Văn bản mới"), links relative to the home page.
    """
    out = Path(out) if out is not None else Path(config.root) / "site_src"
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise PublishError(f"{out}: not made by `cds publish` (no {MANIFEST}); refusing to "
                           "replace its files: move it away or delete it")
    bodies = None if markdown_bodies else Bodies(Profile(Path(config.root) / "mkdocs.yml"),
                                                 Path(config.state_dir) / BODY_CACHE)
    accepted: dict[str, bytes] = {}
    try:
        site = Pages(config, articles, docs, media_href, doc_titles=doc_titles,
                     summary_of=summary_of, image_of=image_of, shorten=shorten, bodies=bodies,
                     extra=extra, urls=urls)
    except OSError as exc:
        raise PublishError(f"{exc.filename}: cannot be read ({exc.strerror})") from None
    site.channels.extend(dict(c) for c in channels)
    site.home_blocks = list(home_blocks)
    site.out = out
    writer = site.sink = TreeWriter(out)        # pages are written as they are made
    if not (out / MANIFEST).exists():
        # a publish that stops half-way (a broken template) leaves a folder the next one takes
        # as its own; the real manifest replaces this at the end
        try:
            out.mkdir(parents=True, exist_ok=True)
            write_atomic(out / MANIFEST, b"{}\n")
        except OSError as exc:
            raise PublishError(f"{exc.filename or out}: cannot be written ({exc.strerror})") from None
    cache_path = Path(config.state_dir) / CACHE
    cached = read_cache(cache_path)
    if stamps is not None and stamp_context:
        site.stamps = stamps
    if cached.get("code") == site.code and cached.get("out") == str(out.resolve()):
        site.cache = cached["pages"]
        if site.stamps and cached.get("stamps") == stamp_context and \
                isinstance(cached.get("articles"), dict):
            site.memo = cached["articles"]
        cache_path.unlink(missing_ok=True)      # a publish that dies half-way: no cache next time
    try:
        files = site.render(related(site.oldest_first))
    except PageError as exc:
        raise PublishError(str(exc)) from None
    except OSError as exc:
        what = "written" if str(exc.filename or "").startswith(str(out)) else "read"
        raise PublishError(f"{exc.filename or out}: cannot be {what} ({exc.strerror})") from None
    for rel, data in (extra or {}).items():
        if site.taken(rel) or rel.startswith((".", "/")) or ".." in rel.split("/"):
            site.warnings.append(f"site_src/{rel}: already generated (or not a plain path); skipped")
        else:
            accepted[rel] = data
    if bodies is not None:
        site.html_pages(accepted, {})
        bodies.save(keep=lambda: (article_body(a).strip("\n") for a in site.articles),
                    pages=len(site.articles))
    files.update(accepted)
    try:
        written, removed, unchanged = sync_tree(out, files, site.kept, keep_dirs=(MEDIA_DIR,),
                                                writer=writer)
    except OSError as exc:
        raise PublishError(f"{exc.filename or out}: cannot be written ({exc.strerror})") from None
    try:
        write_cache(cache_path, out, site.code, site.digests, site.kept, site.cache,
                    articles=site.memo_now if site.stamps else None, stamps=stamp_context)
    except OSError:
        pass                                    # only a cache: the next publish does it all
    pages = sum(1 for rel in files if rel.endswith(".md")) + len(site.kept) + len(site.streamed)
    return PublishResult(written=written, removed=removed, unchanged=unchanged, pages=pages,
                         articles=len(site.articles), warnings=site.warnings)
