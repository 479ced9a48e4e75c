"""Reading a built site's sitemap: ``sitemap.xml`` is an index of parts (``sitemap-*.xml``);
each file is parsed as XML (a parse error fails the test) and checked against the protocol's
namespace and root element."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def index(site: Path) -> list[tuple[str, str | None]]:
    """The index's entries: (address of a part, its lastmod)."""
    root = etree.parse(str(site / "sitemap.xml")).getroot()
    assert root.tag == f"{{{NS}}}sitemapindex", root.tag
    return [(e.findtext(f"{{{NS}}}loc"), e.findtext(f"{{{NS}}}lastmod"))
            for e in root.iterfind(f"{{{NS}}}sitemap")]


def part(site: Path, loc: str) -> list[tuple[str, str | None]]:
    """One part's entries (address, lastmod), from the file the index's address names."""
    name = urlsplit(loc).path.rsplit("/", 1)[-1]
    root = etree.parse(str(site / name)).getroot()
    assert root.tag == f"{{{NS}}}urlset", root.tag
    return [(e.findtext(f"{{{NS}}}loc"), e.findtext(f"{{{NS}}}lastmod"))
            for e in root.iterfind(f"{{{NS}}}url")]


def urls(site: Path) -> list[tuple[str, str | None]]:
    """Every address the sitemap lists (across its parts, in order), with its lastmod."""
    return [entry for loc, _ in index(site) for entry in part(site, loc)]


def text(site: Path) -> str:
    """The index and every part, as one text (for "is this address listed" checks)."""
    return "".join((site / urlsplit(loc).path.rsplit("/", 1)[-1]).read_text(encoding="utf-8")
                   for loc, _ in index(site))
