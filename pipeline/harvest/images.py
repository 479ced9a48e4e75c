"""Lazy images: the real address of an ``<img>`` whose ``src`` is a placeholder, and tracking
pixels; a page's images and links made absolute. One rule for reading pages (``feeds``,
``listings``, ``article``) and for sanitising (``clean``), whose copies had drifted apart."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import Tag

from pipeline.core.urls import absolute
from pipeline.harvest.pagehtml import _soup

#: Attributes sites keep the real address in until a script copies it to ``src`` (first wins).
LAZY_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url",
              "data-full-src", "data-large-src", "data-origin", "data-echo", "data-hi-res-src",
              "data-original-src", "data-orig-file", "original-src", "data-img", "data-image",
              "lazy-src", "data-actualsrc", "data-url-image")
LAZY_SRCSETS = ("data-srcset", "data-lazy-srcset", "data-original-set", "srcset")

# What browsers ignore inside a URL (looked through before the scheme is read).
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
# A file name that is a placeholder: a short name with one of these words in it …
_PLACEHOLDER_NAME = re.compile(
    r"^[\w.-]{0,30}(blank|spacer|placeholder|lazy|loading|1x1|pixel|transparent|empty|grey|gray)"
    r"[\w.-]{0,30}$", re.I)
# … or a placeholder picture's name, or a loader's anywhere in the name.
_PLACEHOLDER = re.compile(
    r"(?:^|[/_.-])(?:blank|spacer|pixel|transparent|grey|gray|1x1|empty|dot|clear|"
    r"no-?image|noimage|noimg)[^/]*\.(?:gif|png|jpe?g|svg|webp)(?:$|[?#])"
    r"|placeholder|lazy|loading|loader|spinner", re.I)
_SRCSET_SPLIT = re.compile(r",\s+|,(?=[a-zA-Z/.])")
_DESCRIPTOR = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,3})?[wx]")
_TINY = ("0", "1", "2", "0px", "1px", "2px")
_NOSCRIPT_IMG = re.compile(r"""<img[^>]+src=["']([^"']+)""")


def _attr(el: Tag, name: str) -> str:
    value = el.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return str(value).strip() if value is not None else ""


def is_placeholder(src: str | None) -> bool:
    """True for an address that is not a picture of the article: empty, ``data:``/``about:``/
    ``javascript:``, or a placeholder's or loader's file name."""
    squashed = _URL_JUNK.sub("", src or "").lower()
    if not squashed or squashed.startswith(("data:", "about:", "javascript:")):
        return True
    name = squashed.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1]
    if not name:
        name = urlsplit(squashed).netloc
    return bool(_PLACEHOLDER_NAME.match(name) or _PLACEHOLDER.search(name))


def tiny(img: Tag) -> bool:
    """A tracking pixel: both sides given and at most 2 px."""
    return _attr(img, "width") in _TINY and _attr(img, "height") in _TINY


def largest_candidate(srcset: str) -> str:
    """The largest candidate of a srcset (by its w/x descriptor; the last one when none);
    placeholders skipped; "" when there is none."""
    best, best_size = "", -1.0
    for candidate in _SRCSET_SPLIT.split(srcset.strip()):
        bits = candidate.split()
        if not bits or is_placeholder(bits[0]):
            continue
        size = 0.0
        if len(bits) > 1 and _DESCRIPTOR.fullmatch(bits[1]):
            size = float(bits[1][:-1])
        if size >= best_size:
            best, best_size = bits[0], size
    return best


def lazy_src(img: Tag) -> str:
    """The real address a lazy ``img`` keeps aside (lazy attributes, srcsets, its
    ``<picture>``'s sources, the ``<noscript>`` copy after it); "" when it has none."""
    for name in LAZY_ATTRS:
        value = _attr(img, name)
        if value and not is_placeholder(value):
            return value
    for name in LAZY_SRCSETS:
        value = largest_candidate(_attr(img, name))
        if value:
            return value
    picture = img.find_parent("picture")
    if picture is not None:
        for source in picture.find_all("source"):
            value = largest_candidate(_attr(source, "srcset") or _attr(source, "data-srcset"))
            if value:
                return value
    after = img.find_next_sibling()
    if isinstance(after, Tag) and after.name == "noscript":
        inner = after.find("img")
        if isinstance(inner, Tag) and not is_placeholder(_attr(inner, "src")):
            return _attr(inner, "src")
        m = _NOSCRIPT_IMG.search(after.decode_contents())
        if m and not is_placeholder(m.group(1)):
            return m.group(1)
    return ""


def real_src(img: Tag) -> str:
    """``src`` unless it is a placeholder, else :func:`lazy_src`; "" when there is none."""
    src = _attr(img, "src")
    return src if not is_placeholder(src) else lazy_src(img)


# --- images and links of a page being read -------------------------------------------------

def _fix_images(root: Tag, base: str) -> None:
    """Give lazy images their real ``src`` (absolute); drop images that only have a placeholder."""
    for img in list(root.find_all("img")):
        src = _attr(img, "src").strip()
        if not src or is_placeholder(src) or tiny(img):
            real = lazy_src(img)
            if not real:
                img.decompose()
                continue
            src = real
        img["src"] = absolute(base, src) or src
        for a in LAZY_ATTRS + ("data-srcset", "data-lazy-srcset", "data-original-set"):
            if a in img.attrs:
                del img[a]
        if "srcset" in img.attrs:
            srcset = _attr(img, "srcset")
            if any(is_placeholder(p.strip().split()[0])
                   for p in srcset.split(",") if p.strip()):
                del img["srcset"]
            else:
                img["srcset"] = ", ".join(
                    " ".join([absolute(base, p.strip().split()[0]) or p.strip().split()[0],
                              *p.strip().split()[1:]])
                    for p in srcset.split(",") if p.strip())
        for cls in ("lazy", "lazyload", "lazyloaded"):
            classes = img.get("class")
            if isinstance(classes, list) and cls in classes:
                classes.remove(cls)
    for source in root.find_all("source"):
        data = _attr(source, "data-srcset")
        if data and not _attr(source, "srcset"):
            source["srcset"] = data


def _fix_images_html(html: str, base: str) -> str:
    """A fragment with lazy images fixed and links and images made absolute against ``base``."""
    soup = _soup(html)
    body = soup.body or soup
    _fix_images(body, base)
    _absolutise(body, base)
    return body.decode_contents()


def _absolutise(root: Tag, base: str) -> None:
    for tag, attr in (("a", "href"), ("img", "src"), ("source", "src"), ("video", "src"),
                      ("video", "poster"), ("audio", "src"), ("iframe", "src"), ("a", "data-href")):
        for el in root.find_all(tag):
            v = _attr(el, attr)
            if v and not v.startswith("#"):
                full = absolute(base, v)
                if full:
                    el[attr] = full
