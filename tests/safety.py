"""Checks that nothing from a source can run in a reader's browser: site pages, feeds, store."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from tests.safe_html import is_safe_html

# What the site itself ships: Material's bundle and inline bootstrap, our own assets, Pagefind.
SITE_SCRIPTS = [re.compile(r"^(\.\./)*(/)?(assets/javascripts/|assets/|pagefind/|search/)")]
SITE_INLINE = ["__md_", "__md_scope", "document$", "pagefind", "PagefindUI", "cds",
               "location.hash"]     # Material's own: opens the <details> a link points to
URL_ATTRS = ("href", "src", "action", "formaction", "poster", "data", "srcset", "xlink:href",
             "background", "cite", "longdesc", "usemap", "content")
_TAG_IN_MARKDOWN = re.compile(r"<\s*/?\s*(script|iframe|object|embed|svg|math|style|meta|base|link|"
                              r"form|input|button|img|a|div|span|p)\b", re.I)


def page_problems(path: Path, marker: str | None = None) -> list[str]:
    """Problems in one built HTML page; with ``marker``, also any occurrence of it outside text
    (in a script, a style, an attribute name or value)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    allowed = ["form"]
    if path.parent.name == "nhung-tin":         # the webmasters' page previews the site's own column
        frames = lxml_html.document_fromstring(text.encode("utf-8")).xpath("//iframe/@src")
        if frames and all(src.startswith("../embed/") for src in frames):
            allowed.append("iframe")
    problems = [f"{path.name}: {p}" for p in is_safe_html(
        text, SITE_SCRIPTS, allowed_inline_scripts=SITE_INLINE, allowed_tags=allowed)]
    if marker:
        doc = lxml_html.document_fromstring(text.encode("utf-8"))
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            if el.tag in ("script", "style") and marker in (el.text or ""):
                problems.append(f"{path.name}: {marker!r} inside <{el.tag}>")
            for name, value in el.attrib.items():
                if el.tag == "meta" and name == "content" or \
                        name in ("href", "src") and value.startswith(("http://", "https://")):
                    continue        # plain text, or an address a reader follows: nothing runs
                if marker in name or marker in value:
                    problems.append(f"{path.name}: {marker!r} in <{el.tag} {name}={value[:60]!r}>")
    return problems


def feed_problems(path: Path) -> list[str]:
    """Problems in an RSS/Atom file: the HTML it carries (descriptions, contents) must be safe."""
    problems = []
    tree = etree.parse(str(path))
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        local = el.tag.rsplit("}", 1)[-1]
        if local in ("description", "content", "encoded", "summary") and el.text:
            problems += [f"{path.name} <{local}>: {p}" for p in is_safe_html(el.text)]
    return problems


def markdown_problems(text: str) -> list[str]:
    """Raw HTML tags left in a stored Markdown body."""
    return [f"raw HTML tag {m.group(0)!r}" for m in _TAG_IN_MARKDOWN.finditer(text)]


def site_problems(site: Path, marker: str | None = None) -> list[str]:
    problems = []
    for page in sorted(site.rglob("*.html")):
        problems += [f"{page.relative_to(site)}: {p}" for p in page_problems(page, marker)]
    for feed in sorted(site.rglob("*.xml")):
        if feed.name.startswith("sitemap"):
            continue
        problems += [f"{feed.relative_to(site)}: {p}" for p in feed_problems(feed)]
    return problems
