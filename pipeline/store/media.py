"""The media store: ``content/media/<aa>/<sha256-16>.<ext>``, pictures the harvest mirrored, and
what the rest of cds needs of it: the addresses of a stored picture in an article, on the site
and in the feeds (``for_site``, ``for_feeds``, ``page_href``), ``site_src/tin-tuc/media/``
(``sync_media``) and the ``cds check`` lines. The layout and its reasons: docs/architecture.md
("Pictures")."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.core.fileio import linked
from pipeline.core.models import Article

__all__ = [
    "ARTICLE_PREFIX", "EXTENSIONS", "MEDIA_DIR", "MIME_TYPES", "SITE_DIR", "MediaSync",
    "absolute_media_url", "available", "check_media", "feed_copy", "for_feeds", "for_site", "is_media_src",
    "media_key", "missing_media", "outside_images", "page_href", "referenced", "site_markdown",
    "site_path", "store_ref", "sync_media", "unused_media",
]

MEDIA_DIR = "media"                     # in content/
ARTICLE_PREFIX = "../../../media/"      # content/articles/YYYY/MM/<slug>.md → content/media/
SITE_DIR = "tin-tuc/media/"             # in site_src/ and on the site (articles: tin-tuc/Y/M/s/)
EXTENSIONS = ("jpg", "png", "gif", "webp", "avif")
MIME_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif",
              "webp": "image/webp", "avif": "image/avif"}
_KEY = r"[0-9a-f]{2}/[0-9a-f]{16}\.(?:jpg|png|gif|webp|avif)"
KEY_RE = re.compile(rf"^{_KEY}$")
_REF_RE = re.compile(rf"^(?:\.\./)*{MEDIA_DIR}/({_KEY})$")
_SRC_RE = re.compile(rf"^(?:\.\./)*(?:tin-tuc/)?{MEDIA_DIR}/({_KEY})$")
_IN_TEXT = re.compile(rf"(?<![\w-]){MEDIA_DIR}/({_KEY})(?![\w])")
# A Markdown image as tomarkdown.to_markdown writes it: alt without brackets (they are entities),
# an address without spaces or parentheses (percent-encoded), an optional "title".
MD_IMAGE = re.compile(r'!\[([^\[\]\n]*)\]\(\s*<?([^()\s<>]+)>?(\s+"[^"\n]*")?\s*\)')


def media_key(ref: str | None) -> str | None:
    """The key (``ab/ab12cd34ef567890.jpg``) of a media reference as an article holds it
    (``../../../media/<key>``; any number of ``../``, or none), else None."""
    m = _REF_RE.match((ref or "").strip())
    if not m:
        return None
    key = m.group(1)
    return key if key[:2] == key[3:5] else None


def store_ref(key: str) -> str:
    """The reference an article file holds for ``key``."""
    return ARTICLE_PREFIX + key


def site_path(ref: str | None) -> str | None:
    """Where a media reference is on the site, from its root: ``tin-tuc/media/<key>``."""
    key = media_key(ref)
    return SITE_DIR + key if key else None


def page_href(ref: str | None, page_url: str) -> str | None:
    """A media reference as a relative link from the page at directory URL ``page_url``
    (``""`` for home, ``chu-de/x/``, ``tin-tuc/2024/05/slug/``); None when ``ref`` is not one.
    For HTML that publish writes itself (cards, hero images)."""
    path = site_path(ref)
    return "../" * page_url.count("/") + path if path else None


def absolute_media_url(site_url: str, ref: str | None) -> str | None:
    """A media reference as an absolute address on the site (feeds): ``site.url`` (which may
    have a path) + ``tin-tuc/media/<key>``; None when ``ref`` is not one."""
    key = media_key(ref)
    return _site_base(site_url) + key if key else None


def _site_base(site_url: str) -> str:
    return site_url.rstrip("/") + "/" + SITE_DIR


def is_media_src(value: str | None) -> bool:
    """True for an ``<img src>`` pointing at the site's own media, as MkDocs leaves it in a
    page (``../../../media/<key>``) or publish writes it (``…/tin-tuc/media/<key>``)."""
    m = _SRC_RE.match((value or "").strip())
    return bool(m) and m.group(1)[:2] == m.group(1)[3:5]


def is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _label(alt: str, *, link: bool) -> str:
    alt = alt.strip()
    if link:
        return f"Ảnh: {alt} (xem tại nguồn)" if alt else "Ảnh (xem tại nguồn)"
    return f"Ảnh: {alt}" if alt else ""


def site_markdown(body: str, available: Collection[str] | None = None) -> str:
    """The body as the site shows it: images of the site's own media stay; an image elsewhere
    becomes a link ``Ảnh: <alt> (xem tại nguồn)`` to it (plain text ``Ảnh: <alt>`` when the
    image is itself inside a link); a media image whose file is not in ``available`` (keys;
    None: do not check) and any other image become ``Ảnh: <alt>``. Nothing left loads a
    picture from another host."""
    def sub(m: re.Match) -> str:
        alt, url = m.group(1), m.group(2)
        key = media_key(url)
        if key is not None and (available is None or key in available):
            return m.group(0)
        in_link = m.start() > 0 and body[m.start() - 1] == "["
        if key is None and is_http(url) and not in_link:
            return f"[{_label(alt, link=True)}]({url})"
        return _label(alt, link=False)

    return MD_IMAGE.sub(sub, body)


def for_site(article: Article, available: Collection[str] | None = None) -> Article:
    """A copy of ``article`` for publishing: body through :func:`site_markdown`, ``image`` kept
    only when it is the site's own media (else "")."""
    key = media_key(article.image)
    keep = key is not None and (available is None or key in available)
    return replace(article, body=site_markdown(article.body, available),
                   image=article.image if keep else "")


def for_feeds(article: Article, site_url: str, available: Collection[str] | None = None) -> Article:
    """A copy of ``article`` for the feeds: as :func:`for_site`, with media references made
    absolute on the site (feed readers fetch pictures from the feed's HTML)."""
    return feed_copy(for_site(article, available), site_url)


def feed_copy(art: Article, site_url: str) -> Article:
    """An article already through :func:`for_site` as :func:`for_feeds` gives it (media
    references made absolute): ``feed_copy(for_site(a, k), url) == for_feeds(a, url, k)``,
    for a build that made the site's copies once."""
    if not art.image and "![" not in art.body:
        return art                              # nothing to make absolute: the same article
    base = _site_base(site_url)

    def sub(m: re.Match) -> str:
        key = media_key(m.group(2))
        return f"![{m.group(1)}]({base}{key}{m.group(3) or ''})" if key else m.group(0)

    body = MD_IMAGE.sub(sub, art.body) if "![" in art.body else art.body
    return replace(art, body=body, image=absolute_media_url(site_url, art.image) or "")


def outside_images(article: Article) -> list[str]:
    """The http(s) picture addresses an article still holds (``image`` and the body's): those
    harvested before mirroring, or that could not be stored then."""
    refs = [article.image, *(m.group(2) for m in MD_IMAGE.finditer(article.body))]
    return list(dict.fromkeys(r for r in refs if r and is_http(r)))


def referenced(articles: Iterable[Article]) -> set[str]:
    """The media keys the articles' bodies and ``image`` fields refer to."""
    keys: set[str] = set()
    for art in articles:
        for ref in [art.image, *(m.group(2) for m in MD_IMAGE.finditer(art.body))]:
            key = media_key(ref)
            if key:
                keys.add(key)
    return keys


@dataclass
class MediaSync:
    added: int = 0          # files linked (or copied) into site_src/
    removed: int = 0        # stale files removed
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)     # keys asked for but not in content/


_NAME_RE = re.compile(r"^[0-9a-f]{16}\.(?:jpg|png|gif|webp|avif)$")


def _media_files(folder: Path) -> dict[str, Path]:
    """key → file for every correctly named file under ``folder`` (``<aa>/<aa…>.<ext>``)."""
    out = {}
    if Path(folder).is_symlink():           # links are never followed (nothing outside the root)
        return out
    try:
        subdirs = [d for d in os.scandir(folder)
                   if len(d.name) == 2 and d.is_dir(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return out
    for sub in subdirs:
        for f in os.scandir(sub.path):
            if f.name[:2] == sub.name and _NAME_RE.match(f.name) \
                    and f.is_file(follow_symlinks=False):
                out[f"{sub.name}/{f.name}"] = Path(f.path)
    return out


def _link_or_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)                   # no bytes copied; same file, same mtime
    except OSError:
        shutil.copy2(src, tmp)              # another file system, or no hard links there
    os.replace(tmp, dest)


def sync_media(content_dir: Path | str, site_src_dir: Path | str,
               keys: Iterable[str] | None = None) -> MediaSync:
    """Make ``site_src/tin-tuc/media/`` hold exactly the media ``keys`` (default: every file of
    ``content/media/``; pass ``referenced(published articles)`` so that pictures of rejected or
    pending articles stay unpublished), hard-linked from ``content/media/`` (copied where hard
    links are impossible). Files already there are left alone (the name is the content);
    others are removed, empty folders pruned. Deterministic and cheap when nothing changed."""
    src_dir = Path(content_dir) / MEDIA_DIR
    dest_dir = Path(site_src_dir) / SITE_DIR
    have = _media_files(src_dir)
    there = set(_media_files(dest_dir))         # the name is the content: there means right
    result = MediaSync()
    wanted = sorted(have) if keys is None else sorted(set(keys))
    keep: set[str] = set()
    for key in wanted:
        src = have.get(key)
        if src is None:
            result.missing.append(key)
            continue
        keep.add(key)
        if key in there:
            result.unchanged += 1
        else:
            _link_or_copy(src, dest_dir / key)
            result.added += 1
    if dest_dir.is_dir():
        top = len(str(dest_dir)) + 1
        for folder, dirs, files in os.walk(dest_dir, topdown=False):
            prefix = folder[top:].replace(os.sep, "/") + "/" if len(folder) > top else ""
            for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                if prefix + name not in keep:
                    os.unlink(os.path.join(folder, name))
                    result.removed += 1
            try:
                os.rmdir(folder)                # only when empty (dest_dir itself too)
            except OSError:
                pass
    return result


def _references(content_dir: Path) -> dict[str, list[tuple[Path, str]]]:
    """key → [(file relative to content_dir, reference as written)] over every Markdown file
    of ``content/`` (articles, pages, register), front matter included."""
    refs: dict[str, list[tuple[Path, str]]] = {}
    media = content_dir / MEDIA_DIR
    for path in sorted(content_dir.rglob("*.md")):
        if media in path.parents or any(p.startswith(".") for p in path.relative_to(content_dir).parts):
            continue
        if linked(path, content_dir):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue                        # reported by the store's own checks
        for m in _IN_TEXT.finditer(text):
            key = m.group(1)
            if key[:2] == key[3:5]:
                refs.setdefault(key, []).append((path.relative_to(content_dir), m.group(0)))
    return refs


def available(content_dir: Path | str) -> set[str]:
    """The keys of the media files in ``content/media/`` (for :func:`for_site`)."""
    return set(_media_files(Path(content_dir) / MEDIA_DIR))


def unused_media(content_dir: Path | str) -> list[Path]:
    """Media files (relative to ``content_dir``: ``media/ab/….jpg``) that no Markdown file of
    ``content/`` refers to: left behind when an article was deleted or re-harvested with other
    pictures. For ``cds check`` to report; nothing is deleted."""
    content_dir = Path(content_dir)
    used = _references(content_dir)
    return [Path(MEDIA_DIR) / key for key in sorted(_media_files(content_dir / MEDIA_DIR))
            if key not in used]


def missing_media(content_dir: Path | str) -> list[tuple[Path, str]]:
    """``(file relative to content_dir, key)`` for every media reference whose file is not in
    ``content/media/``."""
    content_dir = Path(content_dir)
    have = _media_files(content_dir / MEDIA_DIR)
    return [(where, key) for key, places in sorted(_references(content_dir).items())
            if key not in have for where, _ in places]


def check_media(content_dir: Path | str) -> tuple[list[str], list[str]]:
    """``(problems, notes)`` for ``cds check``: missing pictures are problems, unused ones
    notes; one line each, naming the file."""
    content_dir = Path(content_dir)
    name = content_dir.name
    problems = [f"{name}/{where.as_posix()}: picture {MEDIA_DIR}/{key} is missing from "
                f"{name}/{MEDIA_DIR}/" for where, key in missing_media(content_dir)]
    notes = [f"{name}/{rel.as_posix()}: not used by any article (kept; delete it with git rm "
             "if it is not wanted)" for rel in unused_media(content_dir)]
    return problems, notes
