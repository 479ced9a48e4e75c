"""The network phase of a harvest: one source's feed or listing pages, then the article pages
it needs, into a :class:`Harvested` (nothing is stored here; see ``harvest/run.py``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pipeline.core.errors import ConfigError, ExtractError, FetchError
from pipeline.core.models import Config, Item, Source, SourceReport
from pipeline.harvest import article, confine, docharvest, feedcut, feeds, listings
from pipeline.harvest.fetch import ACCEPT_FEED, ACCEPT_PAGE, Fetcher
from pipeline.store.state import State


@dataclass
class Harvested:
    """What one source's network phase produced: full items ready to store, and its report."""
    source: Source
    report: SourceReport
    items: list[Item] = field(default_factory=list)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)     # url → fingerprint, once handled
    retry_after: float | None = None
    fresh: bool = False                 # the source's reading settings changed: read all anew
    interrupted: bool = False           # stopped early (``stop``): health and validators kept
    docs: list = field(default_factory=list)    # kind: documents: docharvest.Listed rows


def reading_settings(src: Source) -> str:
    """A digest of how a source is read (kind, selectors, keywords, aliases): when an editor
    changes it, the next harvest reads every listed entry again, ignoring validators."""
    text = repr((src.kind, src.url, src.list, src.article, src.keywords, src.aliases)
                + ((src.documents,) if src.documents else ()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def select_sources(config: Config, source_ids: Iterable[str]) -> list[Source]:
    wanted = list(source_ids)
    unknown = [i for i in wanted if config.source(i) is None]
    if unknown:
        raise ConfigError([f"--source {i}: no such source in feeds.yml" for i in unknown])
    if wanted:
        return [config.source(i) for i in wanted]
    return [s for s in config.sources if s.enabled]


def fetch_source(fetcher: Fetcher, src: Source, state: State, tz: ZoneInfo,
                 stop: Callable[[], bool] | None = None) -> Harvested:
    """The network phase of one source: listing or feed, then the article pages it needs."""
    h = Harvested(src, SourceReport(src.id))
    h.fresh = state.settings(src.id) not in (None, reading_settings(src))

    def stopped() -> bool:
        if stop is not None and stop():
            h.interrupted = True
            h.report.errors.append("interrupted: the rest is fetched on the next run")
            return True
        return False

    if stopped():
        return h
    if src.kind == "documents":
        try:
            return docharvest.fetch_source(
                fetcher, src, state, h, lambda url: conditional_get(fetcher, src, url, state, h),
                stopped)
        except (FetchError, ExtractError) as exc:
            h.report.failed = exc.reason
            h.retry_after = getattr(exc, "retry_after", None)
            return h
    try:
        items = list_items(fetcher, src, state, tz, h)
    except (FetchError, ExtractError) as exc:
        h.report.failed = exc.reason
        h.retry_after = getattr(exc, "retry_after", None)
        return h
    if h.report.not_modified:
        return h
    items = items[: src.max_items]
    h.report.fetched = len(items)
    for item in items:
        if stopped():
            break
        if not h.fresh and item.fingerprint and state.seen(item.url) == item.fingerprint:
            h.report.unchanged += 1          # the entry is as it was: do not re-fetch the page
            continue
        try:
            full = complete_item(fetcher, src, item, tz)
        except (FetchError, ExtractError) as exc:
            h.report.errors.append(f"{item.url}: {exc.reason}")
            continue
        h.items.append(full)
    if items and not h.items and h.report.errors and not h.report.unchanged and not h.interrupted:
        h.report.failed = f"no article page could be read ({h.report.errors[0]})"
    return h


def list_items(fetcher: Fetcher, src: Source, state: State, tz: ZoneInfo,
               h: Harvested) -> list[Item]:
    """The feed's entries, or the listing pages' entries up to ``max_pages``."""
    if src.kind == "feed":
        fetched = conditional_get(fetcher, src, src.url, state, h)
        if fetched.not_modified:
            h.report.not_modified = True
            return []
        # the entries that cannot be kept are cut before feedparser reads them all
        return feeds.read_feed(feedcut.precut(fetched, src.max_items), src, tz)
    items: list[Item] = []
    url: str | None = src.url
    pages = src.list.max_pages if src.list else 1
    seen_pages: set[str] = set()
    for page in range(pages):
        if not url or url in seen_pages:
            break
        seen_pages.add(url)
        if not confine.on_site(src, url):        # a `next` link off the source's site
            h.report.errors.append(f"{url}: next listing page not on the source's site "
                                   "(not fetched)")
            break
        fetched = conditional_get(fetcher, src, url, state, h)
        if fetched.not_modified:
            if page == 0:                     # first page unchanged: nothing new anywhere
                h.report.not_modified = True
                return []
            break
        try:
            page_items, url = listings.read_listing(fetched, src, tz)
        except ExtractError:
            if page == 0:                     # the first page has no items: the site changed
                raise
            break                             # a later page without items ends the listing
        items.extend(i for i in page_items if i.url not in {x.url for x in items})
    return items


def conditional_get(fetcher: Fetcher, src: Source, url: str, state: State, h: Harvested):
    etag, modified = (None, None) if h.fresh else state.validators(url)
    fetched = fetcher.get(url, timeout=src.timeout, user_agent=src.user_agent, etag=etag,
                          last_modified=modified,
                          accept=ACCEPT_FEED if src.kind == "feed" else ACCEPT_PAGE,
                          allow=confine.guard(src))
    h.validators[url] = (fetched.etag, fetched.last_modified)
    return fetched


def complete_item(fetcher: Fetcher, src: Source, item: Item, tz: ZoneInfo) -> Item:
    """The whole article: the feed's own full content, or the article page read by the source's
    selectors, or generic main-text extraction when the feed has only a summary."""
    if item.full and not src.article:
        return item
    if not confine.on_site(src, item.url):
        # Article pages are fetched only from the source's own site (its origins: scheme, host
        # and port of url and its aliases, see pipeline.harvest.confine), redirects included: a feed
        # cannot send the harvester to arbitrary, or internal, addresses.
        return item
    page = fetcher.get(item.url, timeout=src.timeout, user_agent=src.user_agent,
                       accept=ACCEPT_PAGE, allow=confine.guard(src))
    if src.article:
        return article.read_article(page, src, item, tz)
    return article.read_generic(page, item, tz)
