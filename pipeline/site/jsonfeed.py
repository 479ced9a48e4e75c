"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) beside every RSS/Atom feed: ``feed.json``.

Made by :mod:`pipeline.site.feeds_out` from the same channel and items as ``rss.xml``/``atom.xml``:
the same stable ids (the ``tag:`` GUIDs), links, titles, dates (RFC 3339 in the site's time
zone), themes as ``tags``, sanitised ``content_html``. ``hubs`` names the WebSub hub when
``site.hub`` is set. The bytes depend only on the inputs (sorted keys are not used: the order
below is the specification's, for a reader's eyes; ``json.dumps`` keeps it stable).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.core.dateline import strip_dateline

if TYPE_CHECKING:                                # only for annotations: no import cycle
    from pipeline.core.models import Article
    from pipeline.site.feeds_out import Channel, _Writer

VERSION = "https://jsonfeed.org/version/1.1"
FILENAME = "feed.json"
MIME = "application/feed+json"


def feed(writer: _Writer, chan: Channel, items: Sequence[Article]) -> bytes:
    """The channel's JSON Feed as UTF-8 bytes."""
    data = head(writer, chan)
    data["items"] = [item(writer, art) for art in items]
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8", "surrogatepass")


def head(writer: _Writer, chan: Channel) -> dict[str, object]:
    """The channel's feed but its ``items`` (the last key)."""
    config = writer.config
    data: dict[str, object] = {
        "version": VERSION,
        "title": writer.channel_title(chan),
        "home_page_url": writer.abs(chan.path),
        "feed_url": writer.abs(chan.path + FILENAME),
    }
    if chan.description:
        data["description"] = chan.description
    data["language"] = config.site.language or "vi"
    data["authors"] = [{"name": config.site.title, "url": writer.abs("")}]
    hub = getattr(config.site, "hub", "")
    if hub:
        data["hubs"] = [{"type": "WebSub", "url": hub}]
    return data


def item(writer: _Writer, art: Article) -> dict[str, object]:
    """One article as an item of any channel's feed."""
    out: dict[str, object] = {
        "id": writer.guid(art),
        "url": writer.link(art),
        "title": writer.clean(art.title),
        "content_html": writer.content(art),
    }
    if art.url.lower().startswith(("http://", "https://")):
        out["external_url"] = art.url
    summary = strip_dateline(art.summary)          # as in RSS/Atom: no dateline boilerplate
    if summary:
        out["summary"] = writer.clean(summary)
    img = writer.image(art)
    if img:
        out["image"] = img[0]
    out["date_published"] = writer.local(art.published).isoformat()
    out["date_modified"] = writer.local(writer._updated(art)).isoformat()
    out["authors"] = [{"name": art.author or writer.source_name(art)}]
    tags = [writer.theme_names[t] for t in art.themes if t in writer.theme_names]
    if tags:
        out["tags"] = tags
    return out


def encoded_item(writer: _Writer, art: Article) -> str:
    """:func:`item` as :func:`feed` writes it in the ``items`` list (two levels deep, indented
    by one: JSON text has no raw line break, so every line break is the layout's)."""
    return json.dumps(item(writer, art), ensure_ascii=False, indent=1).replace("\n", "\n  ")


def joined(writer: _Writer, chan: Channel, encoded: Sequence[str]) -> bytes | None:
    """:func:`feed`'s bytes from the channel's items as :func:`encoded_item` gives them (None
    if the head is not laid out as expected: then :func:`feed`)."""
    text = json.dumps(head(writer, chan), ensure_ascii=False, indent=1)
    if not text.endswith("\n}"):
        return None
    text = text[:-2] + ',\n "items": ' + ("[\n  " + ",\n  ".join(encoded) + "\n ]" if encoded
                                         else "[]") + "\n}\n"
    return text.encode("utf-8", "surrogatepass")


def problems(data: object) -> list[str]:
    """What a parsed JSON Feed breaks of the 1.1 specification's required fields and types
    (used by tests and ``cds check``-style tools): an empty list when it is valid."""
    from datetime import datetime

    out: list[str] = []
    if not isinstance(data, dict):
        return ["not a JSON object"]
    if data.get("version") != VERSION:
        out.append(f"version: {data.get('version')!r}, expected {VERSION}")
    if not isinstance(data.get("title"), str) or not data.get("title"):
        out.append("title: missing or not a string")
    for key in ("home_page_url", "feed_url", "description", "language", "icon", "favicon"):
        if key in data and not isinstance(data[key], str):
            out.append(f"{key}: not a string")
    for hub in data.get("hubs") or []:
        if not (isinstance(hub, dict) and isinstance(hub.get("type"), str)
                and isinstance(hub.get("url"), str)):
            out.append("hubs: each needs type and url strings")
    items = data.get("items")
    if not isinstance(items, list):
        return out + ["items: missing or not an array"]
    for n, item in enumerate(items):
        where = f"items[{n}]"
        if not isinstance(item, dict):
            out.append(f"{where}: not an object")
            continue
        if not isinstance(item.get("id"), str) or not item.get("id"):
            out.append(f"{where}.id: missing or not a non-empty string")
        if not isinstance(item.get("content_html"), str) and not isinstance(item.get("content_text"), str):
            out.append(f"{where}: neither content_html nor content_text")
        for key in ("url", "external_url", "title", "summary", "image", "banner_image", "language"):
            if key in item and not isinstance(item[key], str):
                out.append(f"{where}.{key}: not a string")
        for key in ("date_published", "date_modified"):
            if key in item:
                try:
                    when = datetime.fromisoformat(item[key])
                except (TypeError, ValueError):
                    out.append(f"{where}.{key}: not an RFC 3339 date")
                    continue
                if when.tzinfo is None:
                    out.append(f"{where}.{key}: no time zone offset (RFC 3339 needs one)")
        if "tags" in item and not (isinstance(item["tags"], list)
                                   and all(isinstance(t, str) for t in item["tags"])):
            out.append(f"{where}.tags: not an array of strings")
        if "authors" in item and not isinstance(item["authors"], list):
            out.append(f"{where}.authors: not an array")
    return out
