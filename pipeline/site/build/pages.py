"""Pages as ``publish`` writes them: front matter, page kinds, the article block.

A page ``publish`` wrote as HTML (front matter ``cds_kind: html``, or ``cds_kind: article``
without body markers: every page ``cds publish`` writes) needs no Markdown. In the reference
form (``publish(markdown_bodies=True)``) only an article's body, between publish's markers, is
Markdown, and what it renders to is sanitised (:func:`pipeline.site.render.sanitize_page`).
"""

from __future__ import annotations

import json
import re

from pipeline.site.pages.layout import ARTICLE_START, ARTICLE_START_HTML, BODY_END, BODY_START
from pipeline.site.render import sanitize_page

__all__ = ["ARTICLE_START_HTML", "join_page", "read_meta", "sanitize_page", "split_page"]


def split_page(markdown: str, kind: object) -> tuple[str, str | None, str]:
    """(Markdown to render, HTML before it, HTML after it) of a page publish wrote: all of an
    HTML page is HTML, and so is all of an article page (``cds_kind: article``, what the theme's
    templates go by) without publish's body markers; in the reference form the body between the
    markers is Markdown (the block's ``markdown="1"``, which Markdown would have consumed, is
    not for the HTML). ``None``: render all of it (any other page)."""
    if kind == "html":
        return "", markdown, ""
    if kind == "article":
        head, sep, rest = markdown.partition(BODY_START)
        if not sep:
            return "", markdown, ""
        body, sep2, tail = rest.rpartition(BODY_END)
        if sep2:
            return body, head.replace(ARTICLE_START, ARTICLE_START_HTML), tail
    return markdown, None, ""


def join_page(html: str, kind: object, head: str | None, tail: str) -> str:
    """The page's content: the rendered Markdown (sanitised for an article) between publish's
    HTML parts."""
    if kind == "article":
        html = sanitize_page(html)
    if head is None:
        return html
    html = html.strip()
    tail = tail.strip()
    return head.strip() + ("\n" + html if html else "") + ("\n" + tail if tail else "")


_JSON_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): (.*)")
_YAML_WORD_KEYS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null"}


def _plain(value: object) -> bool:
    """JSON values that YAML reads the same: strings, booleans, null, lists and mappings of them
    (no numbers: YAML 1.1 reads some JSON numbers differently)."""
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    return False


def read_meta(source: str) -> tuple[str, dict]:
    """``mkdocs.utils.meta.get_data``: (Markdown, front matter). Front matter written the way
    ``publish`` writes it (``key: <JSON>`` a line, JSON being a subset of YAML) is read with
    ``json``, which gives the same values many times faster; anything else goes to MkDocs."""
    from mkdocs.utils import meta

    m = meta.YAML_RE.match(source)
    if m:
        data: dict = {}
        for line in m.group(1).split("\n")[:-1]:
            lm = _JSON_LINE.fullmatch(line)
            if lm is None or lm.group(1).lower() in _YAML_WORD_KEYS or "\\/" in line:
                break
            try:
                value = json.loads(lm.group(2))
            except ValueError:
                break
            if not _plain(value):
                break
            data[lm.group(1)] = value
        else:
            if data:
                return source[m.end():].lstrip("\n"), data
    return meta.get_data(source)


