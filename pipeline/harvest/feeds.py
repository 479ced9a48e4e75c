"""RSS/Atom → :class:`~pipeline.core.models.Item`s with feedparser (which never fetches anything
itself here): links, dates, images, the newest entries first."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, tzinfo

import feedparser

from pipeline.core.errors import ExtractError
from pipeline.core.models import Fetched, Item, Source
from pipeline.core.text import clean_line, html_line, nfc
from pipeline.core.urls import absolute, canonical
from pipeline.harvest import dates
from pipeline.harvest.decode import decode
from pipeline.harvest.images import _fix_images_html
from pipeline.harvest.pagehtml import _digest, _now

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
