"""OPML 2.0 lists: ``feeds.opml`` (the site's own feeds: site, themes, sources) and
``nguon.opml`` (the sources cds harvests: their feeds, or their pages for HTML sources).
``cds opml`` prints the sources' list."""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

from pipeline.site.feeds_out import clean_xml


def _home(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""


def _doc(title: str, outlines: list[dict[str, str]]) -> bytes:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = clean_xml(title)
    body = etree.SubElement(root, "body")
    for attrs in outlines:
        etree.SubElement(body, "outline", {k: clean_xml(v) for k, v in attrs.items() if v})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def site_feeds(ctx) -> bytes:
    chans = [("", ctx.config.site.title)]
    chans += [(f"chu-de/{t}/", f"{n} – {ctx.config.site.title}") for t, n in sorted(ctx.theme_names.items())]
    chans += [(f"nguon/{s}/", f"{n} – {ctx.config.site.title}") for s, n in ctx.sources.items()]
    outlines = []
    for path, title in chans:
        outlines.append({"type": "rss", "text": title, "title": title, "version": "RSS2",
                         "xmlUrl": ctx.abs(path + "rss.xml"), "htmlUrl": ctx.abs(path)})
    return _doc(f"Nguồn tin của {ctx.config.site.title}", outlines)


def sources(config) -> bytes:
    """The harvested sources: ``type="rss"`` with ``xmlUrl`` for feed sources, ``type="link"``
    with ``url`` for HTML listings."""
    outlines = []
    for s in config.sources:
        if s.kind == "feed":
            outlines.append({"type": "rss", "text": s.name, "title": s.name, "xmlUrl": s.url,
                             "htmlUrl": _home(s.url)})
        else:
            outlines.append({"type": "link", "text": s.name, "title": s.name, "url": s.url})
    return _doc(f"Các nguồn tin được thu thập – {config.site.title}", outlines)


def write(ctx, out) -> None:
    out.put("feeds.opml", site_feeds(ctx))
    out.put("nguon.opml", sources(ctx.config))
