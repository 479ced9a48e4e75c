"""An independent checker of *rendered* HTML for the tests: what could run code in a reader's
browser. Kept apart from the sanitiser it checks (pipeline.harvest.clean), with its own rules."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable

# Removed before looking at a scheme: what browsers ignore or strip inside a URL.
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")


def _squash(url: str) -> str:
    return _URL_JUNK.sub("", url)


_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|mocha|data):", re.I)
_URL_ATTRS = frozenset({
    "href", "src", "action", "formaction", "data", "poster", "background", "lowsrc", "dynsrc",
    "codebase", "cite", "longdesc", "ping", "manifest", "icon", "profile", "usemap", "archive",
    "classid", "srcset", "imagesrcset", "xlink:href", "xml:base",
})
_ANIMATION = frozenset({"animate", "set", "animatemotion", "animatetransform", "animatecolor"})
_FORBIDDEN = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "form",
                        "base", "portal", "isindex"})
_DATA_SCRIPT_TYPES = frozenset({"application/json", "application/ld+json"})
_STYLE_BAD = re.compile(r"expression\(|javascript:|vbscript:|-moz-binding|behavior:", re.I)


def _matches(value: str, allowed: Iterable) -> bool:
    for pattern in allowed:
        if isinstance(pattern, re.Pattern):
            if pattern.search(value):
                return True
        elif pattern and pattern in value:
            return True
    return False


def _bad_url(value: str, attr: str) -> bool:
    candidates = [value, htmllib.unescape(value)]
    if attr in ("srcset", "imagesrcset"):
        candidates = [c.strip().split(" ")[0] for v in candidates for c in v.split(",")]
    return any(_BAD_SCHEME.match(_squash(c)) for c in candidates)


def is_safe_html(rendered_html: str, allowed_script_srcs: Iterable = (), *,
                 allowed_inline_scripts: Iterable = (), allowed_tags: Iterable[str] = ()
                 ) -> list[str]:
    """Problems in rendered HTML that could run code in a reader's browser; [] when none.

    Flags: ``<script>`` elements (except JSON data blocks, scripts whose ``src`` contains one of
    ``allowed_script_srcs`` and inline scripts whose text contains one of
    ``allowed_inline_scripts`` — plain strings are substrings, compiled patterns are searched);
    ``on*`` attributes; javascript:/vbscript:/data: URLs in any URL attribute (after decoding
    entities and removing whitespace/control characters); ``srcdoc``; dangerous ``style`` values;
    ``<meta http-equiv=refresh>``; iframe/frame/object/embed/applet/form/base elements (a tag
    named in ``allowed_tags`` is let through, e.g. ``form`` for a theme's search box).
    """
    if not rendered_html or not rendered_html.strip():
        return []
    import lxml.html
    from lxml import etree

    try:
        doc = lxml.html.document_fromstring(rendered_html)
    except ValueError:          # a str with an XML encoding declaration
        doc = lxml.html.document_fromstring(rendered_html.encode("utf-8"))
    except etree.ParserError:
        return []
    allowed_tags = {t.lower() for t in allowed_tags}
    allowed_script_srcs, allowed_inline_scripts = list(allowed_script_srcs), list(allowed_inline_scripts)
    problems: list[str] = []

    def report(el, what: str) -> None:
        problems.append(f"line {el.sourceline or '?'}: <{tag}> {what}")

    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue                            # comments, processing instructions
        tag = el.tag.rsplit("}", 1)[-1].split(":")[-1].lower()
        if tag == "script":
            src = (el.get("src") or "").strip()
            kind = (el.get("type") or "").strip().lower()
            if src:
                if not _matches(src, allowed_script_srcs):
                    report(el, f"script src={src[:80]!r}")
            elif kind not in _DATA_SCRIPT_TYPES:
                body = el.text or ""
                if not (body.strip() and _matches(body, allowed_inline_scripts)):
                    report(el, f"inline script {body.strip()[:60]!r}")
        if tag in _FORBIDDEN and tag not in allowed_tags:
            report(el, "forbidden element")
        if tag == "meta" and (el.get("http-equiv") or "").strip().lower() == "refresh":
            report(el, "meta refresh")
        for name, value in el.attrib.items():
            lname = str(name).lower()
            local = lname.rsplit("}", 1)[-1]
            if local.startswith("on"):
                report(el, f"event handler {lname}={value[:60]!r}")
            elif local == "srcdoc":
                report(el, "srcdoc attribute")
            elif local == "style" and _STYLE_BAD.search(_squash(htmllib.unescape(value))):
                report(el, f"style {value[:60]!r}")
            elif (local in _URL_ATTRS or local.endswith(":href")
                  or (tag in _ANIMATION and local in ("to", "from", "values", "by"))):
                if _bad_url(value, local):
                    report(el, f"{lname}={value[:60]!r}")
    return problems
