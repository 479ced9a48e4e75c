"""feedparser's unsafe-HTML and ill-formed feeds (its pinned sdist, see tests/corpora.py) through clean.

Every title, summary and content value of every feed — as feedparser hands it over both with its
own sanitiser on and off — goes through ``plain_text``, ``safe_html``, ``to_markdown`` and
``first_image`` without raising; the Markdown, rendered with the MkDocs extensions, and the
sanitised HTML must hold nothing ``is_safe_html`` objects to.
"""

from __future__ import annotations

import re

import feedparser

from pipeline.core.text import html_line as plain_text
from pipeline.harvest.clean import first_image, safe_html
from pipeline.harvest.tomarkdown import render_markdown, to_markdown
from tests.corpora import FEEDPARSER_FILES, feedparser_corpus
from tests.safe_html import is_safe_html

CORPUS = feedparser_corpus()
BASE = "https://cds.example.test/feed/"
TEXT_KEYS = {"title", "summary", "subtitle", "value", "description", "rights", "info",
             "tagline", "copyright"}

FILES = sorted(p for sub in ("sanitize", "illformed") for p in (CORPUS / sub).rglob("*.xml"))


def _strings(node, key: str = "") -> list[str]:
    """Every string value under a text-carrying key, anywhere in feedparser's result."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _strings(v, k)
    elif isinstance(node, list | tuple):
        for v in node:
            out += _strings(v, key)
    elif isinstance(node, str) and key in TEXT_KEYS and node.strip():
        out.append(node)
    return out


def _values(data: bytes) -> list[str]:
    seen: dict[str, None] = {}
    for sanitize in (True, False):
        parsed = feedparser.parse(data, sanitize_html=sanitize, resolve_relative_uris=False)
        for value in _strings({"feed": parsed.get("feed", {}), "entries": parsed.get("entries", [])}):
            seen.setdefault(value, None)
    return list(seen)


def test_corpus_is_there():
    assert len(FILES) == FEEDPARSER_FILES


def test_every_corpus_value_comes_out_safe():
    problems: list[str] = []
    checked = 0
    for path in FILES:
        for value in _values(path.read_bytes()):
            checked += 1
            where = f"{path.relative_to(CORPUS)}: {value[:60]!r}"
            title = plain_text(value)
            assert "\n" not in title, where
            cleaned = safe_html(value, BASE)
            md = to_markdown(value, BASE)
            image = first_image(value, BASE)
            assert image == "" or image.startswith(("http://", "https://")), where
            assert not re.search(r"\{[{%#]", md), where
            assert not re.search(r"<[A-Za-z/!?]", md), where     # no HTML left in the Markdown
            for kind, html in (("safe_html", cleaned), ("markdown", render_markdown(md))):
                found = is_safe_html(html)
                if found:
                    problems.append(f"{where} [{kind}] {found}")
    assert checked > 1000
    assert not problems, "\n".join(problems[:20])
