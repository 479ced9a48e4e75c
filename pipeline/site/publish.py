"""``content/`` → ``site_src/``: the Markdown pages MkDocs turns into the site.

Deterministic: the same store gives the same bytes (no "now" anywhere), and only files whose
bytes changed are rewritten, so the site build (which re-renders changed pages only) and HTTP
caches see real changes only. Stale files are removed. Article and listing pages are not even
made again when the digest of what they are made of (their articles, addresses, the names every
page uses, this code) is the one recorded in ``<root>/.cds/publish-cache.json`` and the file in
``site_src/`` still has the recorded size and time; a missing or broken cache only means every
page is made again. A new article changes few files: listing
archive pages are fixed chunks counted from the oldest item, related articles prefer earlier
ones. Everything taken from an article is HTML-escaped where it is put into a
page: listings and page chrome are written as raw HTML blocks, titles and descriptions go into
the front matter already escaped (Material prints ``page.meta.title`` without escaping).

Layout of ``site_src/`` (URLs with ``use_directory_urls``; ``X/`` is the file ``X/index.md``)::

    index.md                               home: latest news, success stories, themes, the plan
    tin-tuc/YYYY/MM/<slug>/                one page per published article
    chu-de/  chu-de/<id>/  …/trang-N/      themes overview, one listing per theme (trang-1 = oldest)
    nguon/   nguon/<id>/   …/trang-N/      sources
    tru-cot/ tru-cot/<id>/ …/trang-N/      pillars
    luu-tru/ luu-tru/YYYY/MM/ …/trang-N/   archive by month
    cau-chuyen-thanh-cong/ …/trang-N/      success stories (theme dien-hinh, featured first)
    <page>.md                              the root's content/pages/** (ke-hoach.md, gioi-thieu.md)
    .overrides/                            theme overrides (mkdocs.yml: theme.custom_dir)
    .publish.json                          what the site build needs: URLs, feeds, lastmod dates

Articles are never in the MkDocs nav (Material renders the whole nav into every page).
"""

from __future__ import annotations

import bisect
import hashlib
import html
import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

import yaml

from pipeline import config as config_mod
from pipeline.core.dateline import strip_dateline
from pipeline.core.errors import CdsError
from pipeline.core.markup import esc, front_matter, rel_url
from pipeline.core.fileio import linked, trusted_mtime, write_atomic
from pipeline.core.models import PILLARS, THEMES, Article, Config
from pipeline.core.urls import article_urls, host_of
from pipeline.core.urls import path_segment as _segment

PACKAGE = Path(__file__).parent.parent
TEMPLATES = PACKAGE / "templates"
MANIFEST = ".publish.json"
MEDIA_DIR = "tin-tuc/media/"    # pictures in site_src/: another stage's (jobs: media.sync_media)
OVERRIDES = ".overrides"
CACHE = "publish-cache.json"    # in the root's .cds/: article page → digest of its inputs, size, mtime

PER_PAGE = 20          # items on a listing page
HOME_LATEST = 20       # latest news on the home page
HOME_STORIES = 6       # success stories on the home page
RELATED = 5            # related articles under an article
SUMMARY_CHARS = 220

SUCCESS_THEME = "dien-hinh"
BODY_START, BODY_END = "<!-- cds:body -->", "<!-- /cds:body -->"   # around an article's body
# The block of an article the search index reads; ``markdown="1"`` (md_in_html) has plain
# MkDocs render the Markdown body inside it.
ARTICLE_START = '<div class="cds-article" data-pagefind-body markdown="1">'
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_FEED_TYPE = "application/feed+json"

# Built-in names, used where the root's taxonomy.yml (or the package's) does not name a theme.
BUILTIN_THEMES = {
    "nhan-thuc": ("Nhận thức về chuyển đổi số",
                  "Khái niệm, tầm quan trọng, ý nghĩa, mục tiêu, tác động và lợi ích của chuyển "
                  "đổi số, chính quyền số, công nghệ số."),
    "trach-nhiem": ("Vai trò, trách nhiệm",
                    "Vai trò, trách nhiệm của cấp ủy đảng và người đứng đầu cơ quan, đơn vị trong "
                    "chuyển đổi số."),
    "van-ban": ("Văn bản, chính sách",
                "Tuyên truyền, phổ biến văn bản, chính sách của Trung ương và của tỉnh về chuyển "
                "đổi số."),
    "dien-hinh": ("Câu chuyện thành công",
                  "Câu chuyện thành công, gương điển hình, kinh nghiệm triển khai chuyển đổi số ở "
                  "các đơn vị, địa phương."),
}
BUILTIN_PILLARS = {
    "chinh-quyen-so": ("Chính quyền số", ""),
    "kinh-te-so": ("Kinh tế số", ""),
    "xa-hoi-so": ("Xã hội số", ""),
}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
SAFE_SCHEMES = ("http://", "https://")


# Pages change with this code (and the helpers it uses): part of every page's digest.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml when there, else Python

_CODE = hashlib.sha256(Path(__file__).read_bytes() + (PACKAGE / "core" / "urls.py").read_bytes()
                      + (PACKAGE / "core" / "dateline.py").read_bytes()
                      + (PACKAGE / "core" / "markup.py").read_bytes()).hexdigest()


class PublishError(CdsError):
    """``site_src/`` cannot be written."""


@dataclass
class PublishResult:
    written: int = 0            # files created or rewritten (bytes changed)
    removed: int = 0            # stale files deleted
    unchanged: int = 0          # files left as they were
    pages: int = 0              # Markdown pages in site_src/
    articles: int = 0           # published articles
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # article files that could not be used


@dataclass(frozen=True)
class Topic:
    """A theme or a pillar: id, Vietnamese name, description (from taxonomy.yml)."""
    id: str
    name: str
    description: str = ""


# --- small pure helpers -----------------------------------------------------------------------

def vn_datetime(dt: datetime, tz: tzinfo) -> str:
    """``Thứ Tư, 09/06/2021 18:37`` in the site's time zone."""
    local = dt.astimezone(tz)
    return f"{WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y %H:%M}"


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) address, else None (nothing else becomes a link)."""
    if url and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None


_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_MD_MARKS = re.compile(r"(^|\s)[#>*_|`~+-]+(?=\s|$)|[*_`]+|\\(?=\S)", re.M)
_SPACES = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """Rough plain text of a Markdown body, for summaries (never rendered as Markdown)."""
    text = _MD_IMAGE.sub(" ", markdown)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_MARKS.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:–- ")
    return cut + "…"


def title_of(article: Article) -> str:
    return " ".join(article.title.split()) or "(Không có tiêu đề)"


def summary_of(article: Article) -> str:
    """The summary shown in listings and meta descriptions: without the source's dateline
    ("21/04/2024 07:30 CH | (TBTV) - "), also for articles stored before harvest took it off."""
    return shorten(strip_dateline(article.summary or plain_text(article.body)))


def image_of(article: Article, frm: str = "",
             media_href: Callable[[str, str], str | None] | None = None) -> str | None:
    """The article's picture (front matter, else the body's first) as a link from the page at
    ``frm``: the site's own pictures only (``media_href(ref, frm)``, None for anything else),
    never another host's. Without ``media_href``, no picture."""
    if media_href is None:
        return None
    for ref in (article.image, *(m.group(2) for m in _MD_IMAGE.finditer(article.body))):
        href = media_href(ref or "", frm) if ref else None
        if href:
            return href
    return None


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_NOT_PARAGRAPH = re.compile(r"^\s*([-*+>|#]|\d+[.)]|$)")


def shift_headings(markdown: str, top: int = 2) -> str:
    """Re-level the body's headings so the highest is ``top`` (the page's title is the h1):
    relative order kept, setext headings made ATX, fenced code left alone."""
    lines = markdown.split("\n")
    found: list[tuple[int, int, str, bool]] = []         # line, level, text, setext
    fence = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        m = _ATX.match(line)
        if m:
            found.append((i, len(m.group(2)), line[m.end():], False))
            continue
        m = _SETEXT.match(line)
        if m and i > 0 and not _NOT_PARAGRAPH.match(lines[i - 1]) and (
                not found or found[-1][0] != i - 1):
            found.append((i, 1 if m.group(1)[0] == "=" else 2, lines[i - 1], True))
    if not found:
        return markdown
    delta = top - min(level for _, level, _, _ in found)
    drop = set()
    for i, level, text, setext in found:
        new = "#" * min(6, max(1, level + delta))
        if setext:
            lines[i - 1] = f"{new} {text.strip()}"
            drop.add(i)
        else:
            lines[i] = f"{new}{text}"
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


# --- taxonomy (theme and pillar names are data) -----------------------------------------------

def _topics(data: object, builtin: Mapping[str, tuple[str, str]],
            order: Sequence[str]) -> dict[str, Topic]:
    """Topics from ``{id: {name, description}}`` or ``[{id, name, description}, …]``."""
    if isinstance(data, list):
        data = {str(e["id"]): e for e in data if isinstance(e, Mapping) and e.get("id")}
    entries = data if isinstance(data, Mapping) else {}
    ids = list(order) + [str(k) for k in entries if str(k) not in order]
    out: dict[str, Topic] = {}
    for tid in ids:
        entry = entries.get(tid)
        entry = entry if isinstance(entry, Mapping) else {}
        name, desc = builtin.get(tid, (tid, ""))
        out[tid] = Topic(tid, str(entry.get("name") or name).strip(),
                         " ".join(str(entry.get("description") or desc).split()))
    return out


def load_topics(root: Path) -> tuple[dict[str, Topic], dict[str, Topic], list[str]]:
    """Themes and pillars with their Vietnamese names: the root's ``taxonomy.yml``, else the
    package's, else the built-in table. Returns (themes, pillars, warnings)."""
    warnings: list[str] = []
    data: Mapping = {}
    for path in (Path(root) / "taxonomy.yml", PACKAGE / "data" / "taxonomy.yml"):
        if not path.is_file():
            continue
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            warnings.append(f"{path}: cannot be read ({type(exc).__name__}); built-in theme names used")
            continue
        data = loaded if isinstance(loaded, Mapping) else {}
        break
    return (_topics(data.get("themes"), BUILTIN_THEMES, THEMES),
            _topics(data.get("pillars"), BUILTIN_PILLARS, PILLARS), warnings)


# --- article URLs -----------------------------------------------------------------------------



def related(ordered: Sequence[Article], limit: int = RELATED) -> dict[str, list[Article]]:
    """For each article, ``limit`` articles sharing a theme (the same source when it has none):
    the nearest earlier ones first, then the nearest later ones. New articles therefore leave
    older articles' lists alone, which keeps incremental builds small. ``ordered``: oldest first.
    """
    by_key: dict[str, list[int]] = defaultdict(list)      # theme (or source) → indexes, ascending
    for i, art in enumerate(ordered):
        for key in _related_keys(art):
            by_key[key].append(i)
    out: dict[str, list[Article]] = {}
    for i, art in enumerate(ordered):
        pools = [by_key[key] for key in _related_keys(art)]
        before = sorted({j for pool in pools for j in _nearest(pool, i, limit, before=True)},
                        reverse=True)
        after = sorted({j for pool in pools for j in _nearest(pool, i, limit, before=False)})
        out[art.id] = [ordered[j] for j in (before + after)[:limit]]
    return out


def _related_keys(art: Article) -> list[str]:
    return [f"t:{t}" for t in art.themes] or [f"s:{art.source}"]


def _nearest(pool: list[int], i: int, limit: int, *, before: bool) -> list[int]:
    pos = bisect.bisect_left(pool, i)
    if before:
        return pool[max(0, pos - limit):pos]
    start = pos + 1 if pos < len(pool) and pool[pos] == i else pos
    return pool[start:start + limit]


# --- the publisher ----------------------------------------------------------------------------

class _Site:
    """Everything one publish run knows; renders each page to Markdown text."""

    def __init__(self, config: Config, articles: Sequence[Article], docs: Mapping[str, str] | None,
                 media_href: Callable[[str, str], str | None] | None = None, *,
                 doc_titles: Mapping[str, str] | None = None):
        self.config = config
        self.media_href = media_href
        self.root = Path(config.root)
        self.tz = config_mod.timezone(config)
        self.themes, self.pillars, self.warnings = load_topics(self.root)
        published = [a for a in articles if a.status == "published"]
        self.oldest_first = sorted(published, key=lambda a: (a.published, a.id))
        self.articles = self.oldest_first[::-1]                           # newest first
        self.urls = article_urls(published, self.tz)
        self.docs = dict(docs or {})
        self.doc_titles = {k: " ".join(v.split()) for k, v in (doc_titles or {}).items() if v}
        self.sources = {s.id: s.name for s in config.sources}
        for art in self.articles:
            self.sources.setdefault(art.source, art.source)
        self.source_urls = {sid: f"nguon/{_segment(sid)}/" for sid in self.sources}
        self.files: dict[str, bytes] = {}
        self.lastmod: dict[str, str] = {}
        self.channels: list[dict[str, str]] = [
            {"path": "", "title": config.site.title, "description": config.site.description}]
        self.plan = self._plan_line()
        self.home_blocks: list[str] = []                # publish(home_blocks=)
        self._summaries: dict[str, str] = {}
        self._items: dict[str, str] = {}                # id → a listing item after its link
        self._times: dict[datetime, str] = {}
        # Article pages whose inputs are those of the page already in site_src/ are not made
        # again (``cache``: the last publish's digests; ``kept``: such pages; ``digests``: now).
        self.out: Path | None = None
        self.cache: dict[str, list] = {}
        self.kept: set[str] = set()
        self.digests: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._global = hashlib.sha256(repr((
            _CODE, str(self.tz), sorted((t.id, t.name, t.description) for t in self.themes.values()),
            sorted((t.id, t.name, t.description) for t in self.pillars.values()),
            sorted(self.sources.items()), sorted(self.source_urls.items()),
            sorted(self.docs.items()), media_href is not None,
            sorted(self.doc_titles.items()))).encode("utf-8", "surrogatepass")).hexdigest()

    # -- output ------------------------------------------------------------------------------

    def add(self, url: str, meta: Mapping[str, object], blocks: Iterable[str],
            lastmod: datetime | None = None, *, body: str | None = None,
            after: Iterable[str] = ()) -> None:
        """One page at directory URL ``url`` ("" for home): HTML ``blocks``, then for an article
        its Markdown ``body`` between two markers and more HTML (``after``). The markers and
        ``cds_kind`` let the site build skip Markdown for the HTML parts (an optimisation only:
        the file is ordinary Markdown that plain MkDocs renders the same)."""
        path = url + "index.md"
        if path in self.files or path in self.kept:
            raise PublishError(f"site_src/{path}: two pages want the same address")
        parts = [b.strip("\n") for b in blocks if b]
        meta = {**meta, "cds_kind": "html" if body is None else "article"}
        if body is not None:
            parts += [BODY_START, body.strip("\n"), BODY_END, *(b.strip("\n") for b in after if b)]
        self.files[path] = (front_matter(meta) + "\n" + "\n\n".join(parts) + "\n").encode("utf-8")
        if lastmod is not None:
            self.lastmod[path] = lastmod.astimezone(self.tz).strftime("%Y-%m-%d")

    def article_key(self, art: Article) -> str:
        """The digest of everything of an article that pages show."""
        key = self._keys.get(art.id)
        if key is None:
            fields = json.dumps([
                art.id, art.title, art.url, art.source, art.published.isoformat(),
                art.updated.isoformat() if art.updated else None, art.date_estimated, art.author,
                art.summary, art.image, art.themes, art.pillars, art.doc_refs, art.also_at,
                art.featured, art.status], ensure_ascii=False)
            key = self._keys[art.id] = hashlib.sha256(
                fields.encode("utf-8", "surrogatepass") + b"\0"
                + art.body.encode("utf-8", "surrogatepass")).hexdigest()
        return key

    def digest(self, kind: str, params: object, arts: Sequence[Article]) -> str:
        """The digest of everything a page is made of: its kind and parameters (JSON), the
        articles it shows and their addresses, the names and addresses every page uses, this
        code."""
        parts = [self._global, kind, json.dumps(params, ensure_ascii=False)]
        parts += [f"{self.article_key(a)} {self.urls[a.id]}" for a in arts]
        return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def reuse(self, path: str, digest: str, lastmod: datetime | None) -> bool:
        """Whether the page at ``path`` in site_src/ was made from ``digest`` and is untouched
        since (then it is kept as it is)."""
        self.digests[path] = digest
        entry = self.cache.get(path)
        if self.out is None or not isinstance(entry, list) or len(entry) != 3 or \
                entry[0] != digest or entry[2] == -1:
            return False
        try:
            st = os.stat(os.path.join(self.out, path))
        except OSError:
            return False
        if [st.st_size, st.st_mtime_ns] != entry[1:]:
            return False
        if path in self.files or path in self.kept:
            raise PublishError(f"site_src/{path}: two pages want the same address")
        self.kept.add(path)
        if lastmod is not None:
            self.lastmod[path] = lastmod.astimezone(self.tz).strftime("%Y-%m-%d")
        return True

    def summary(self, art: Article) -> str:
        """summary_of, once an article (it appears in many listings)."""
        if art.id not in self._summaries:
            self._summaries[art.id] = summary_of(art)
        return self._summaries[art.id]

    def newest(self, arts: Sequence[Article]) -> datetime | None:
        return max((a.updated or a.published for a in arts), default=None)

    # -- shared fragments --------------------------------------------------------------------

    def crumbs(self, trail: Sequence[tuple[str, str]], here: str, frm: str) -> str:
        items = ['<li><a href="{}">Trang chủ</a></li>'.format(rel_url(frm, ""))]
        items += [f'<li><a href="{rel_url(frm, url)}">{esc(label)}</a></li>' for url, label in trail]
        items.append(f'<li aria-current="page">{esc(here)}</li>')
        return ('<nav class="cds-crumbs" aria-label="Đường dẫn">\n<ol>\n'
                + "\n".join(items) + "\n</ol>\n</nav>")

    def time(self, dt: datetime) -> str:
        out = self._times.get(dt)
        if out is None:
            local = dt.astimezone(self.tz)
            out = self._times[dt] = (f'<time datetime="{local.isoformat()}">'
                                     f'{esc(vn_datetime(dt, self.tz))}</time>')
        return out

    def item(self, art: Article, frm: str) -> str:
        """An article in a listing. Everything but the link (relative to ``frm``) is built once
        an article: an article appears in many listings."""
        tail = self._items.get(art.id)
        if tail is None:
            summary = self.summary(art)
            source = esc(self.sources.get(art.source, art.source))
            tail = (f'">{esc(title_of(art))}</a>\n'
                    f'<div class="cds-item__meta">{self.time(art.published)} · {source}</div>\n'
                    + (f'<p class="cds-item__summary">{esc(summary)}</p>\n' if summary else "")
                    + "</li>")
            self._items[art.id] = tail
        return '<li class="cds-item">\n<a class="cds-item__title" href="' + \
            rel_url(frm, self.urls[art.id]) + tail

    def item_list(self, arts: Sequence[Article], frm: str) -> str:
        if not arts:
            return '<p class="cds-empty">Chưa có bài viết.</p>'
        return '<ul class="cds-list">\n' + "\n".join(self.item(a, frm) for a in arts) + "\n</ul>"

    def card(self, art: Article, frm: str, level: int) -> str:
        img = image_of(art, frm, self.media_href)
        out = ['<article class="cds-card">']
        if img:
            out.append(f'<img class="cds-card__img" src="{esc(img)}" alt="" loading="lazy" '
                       'referrerpolicy="no-referrer">')
        badge = ' · <span class="cds-badge">Tiêu biểu</span>' if art.featured else ""
        out += ['<div class="cds-card__body">',
                f'<h{level} class="cds-card__title"><a href="{rel_url(frm, self.urls[art.id])}">'
                f'{esc(title_of(art))}</a></h{level}>',
                f'<p class="cds-card__meta">{self.time(art.published)} · '
                f'{esc(self.sources.get(art.source, art.source))}{badge}</p>']
        summary = self.summary(art)
        if summary:
            out.append(f"<p>{esc(summary)}</p>")
        out += ["</div>", "</article>"]
        return "\n".join(out)

    def cards(self, arts: Sequence[Article], frm: str, level: int = 2) -> str:
        if not arts:
            return '<p class="cds-empty">Chưa có câu chuyện nào.</p>'
        return '<div class="cds-cards">\n' + "\n".join(self.card(a, frm, level) for a in arts) + "\n</div>"

    def feed_links(self, base: str, frm: str) -> str:
        return (f'<p class="cds-feeds">Theo dõi: <a href="{rel_url(frm, base + "rss.xml")}" '
                f'type="{RSS_TYPE}">RSS</a> · <a href="{rel_url(frm, base + "atom.xml")}" '
                f'type="{ATOM_TYPE}">Atom</a> · <a href="{rel_url(frm, base + "feed.json")}" '
                f'type="{JSON_FEED_TYPE}">JSON Feed</a></p>')

    def feed_meta(self, base: str, name: str) -> list[dict[str, str]]:
        return [{"title": f"{name} (RSS)", "href": base + "rss.xml", "type": RSS_TYPE},
                {"title": f"{name} (Atom)", "href": base + "atom.xml", "type": ATOM_TYPE},
                {"title": f"{name} (JSON Feed)", "href": base + "feed.json", "type": JSON_FEED_TYPE}]

    def pager(self, base: str, j: int | None, archived: int, frm: str) -> str:
        """Links between the first page (``j`` None) and the archive pages ``trang-j/``."""
        def url(k: int) -> str:
            return base if k > archived else f"{base}trang-{k}/"

        links = []
        if j is not None:
            links.append(f'<a class="cds-pager__prev" href="{rel_url(frm, url(j + 1))}" rel="prev">'
                         '← Tin mới hơn</a>')
        older = archived if j is None else j - 1
        if older >= 1:
            links.append(f'<a class="cds-pager__next" href="{rel_url(frm, url(older))}" rel="next">'
                         'Tin cũ hơn →</a>')
        if j is not None and j < archived:
            links.append(f'<a href="{rel_url(frm, base)}">Tin mới nhất</a>')
        if not links:
            return ""
        return '<nav class="cds-pager" aria-label="Phân trang">\n' + "\n".join(links) + "\n</nav>"

    def span(self, arts: Sequence[Article]) -> str:
        first = min(a.published for a in arts).astimezone(self.tz)
        last = max(a.published for a in arts).astimezone(self.tz)
        return f"tin từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"

    def listing(self, base: str, title: str, arts: Sequence[Article], *, intro: Sequence[str] = (),
                trail: Sequence[tuple[str, str]] = (), feeds: list[dict[str, str]] | None = None,
                description: str = "", as_cards: bool = False) -> None:
        """``arts`` (in display order, newest first) at ``base`` and on archive pages.

        Archive pages hold fixed chunks of PER_PAGE counted from the *oldest* item (``trang-1/``
        holds the oldest), so a new article changes the first page, not every page after it
        (incremental builds stay small, archive addresses stay put). The first page holds what
        is not archived yet: PER_PAGE to 2×PER_PAGE−1 items."""
        archived = max(0, len(arts) // PER_PAGE - 1)
        front = len(arts) - archived * PER_PAGE
        pages: list[tuple[str, Sequence[Article], int | None]] = [(base, arts[:front], None)]
        for j in range(archived, 0, -1):
            start = len(arts) - j * PER_PAGE
            pages.append((f"{base}trang-{j}/", arts[start:start + PER_PAGE], j))
        for url, chunk, j in pages:
            digest = self.digest("listing", [base, url, title, list(intro), [list(t) for t in trail],
                                             feeds, description, as_cards, j, archived], chunk)
            if self.reuse(url + "index.md", digest, self.newest(chunk)):
                continue
            heading = title if j is None else f"{title}: {self.span(chunk)}"
            meta: dict[str, object] = {"title": esc(heading)}
            if description:
                meta["description"] = esc(shorten(description, 300))
            if feeds:
                meta["feeds"] = feeds
            crumbs = (self.crumbs(trail, title, url) if j is None else
                      self.crumbs([*trail, (base, title)], self.span(chunk).capitalize(), url))
            blocks = [crumbs, f"<h1>{esc(heading)}</h1>", *(intro if j is None else ()),
                      self.cards(chunk, url) if as_cards else self.item_list(chunk, url),
                      self.pager(base, j, archived, url)]
            self.add(url, meta, blocks, self.newest(chunk))

    # -- pages -------------------------------------------------------------------------------

    def article_page(self, art: Article, rel: list[Article]) -> None:
        """An article. The title, metadata, body and cited documents sit in one block marked
        for the search index (``data-pagefind-body``; filters ``chude``, ``nguon``, ``nam``,
        meta and sort key ``date``); breadcrumbs and related articles stay outside it."""
        url = self.urls[art.id]
        if self.reuse(url + "index.md", self.digest("article", url, [art, *rel]),
                      art.updated or art.published):
            return
        local = art.published.astimezone(self.tz)
        month = f"luu-tru/{local:%Y}/{local:%m}/"
        meta: dict[str, object] = {"title": esc(title_of(art))}
        summary = self.summary(art)
        if summary:
            meta["description"] = esc(summary)
        if self.media_href and art.image:           # the share card's picture (portal.share)
            from pipeline.site.portal import share
            meta.update(share.image_meta(self.config.content_dir, art.image))
        meta["og_published"] = local.isoformat()
        source_name = self.sources.get(art.source, art.source)
        lines = ['<div class="cds-meta" data-pagefind-ignore="index">']
        when = (f'<time datetime="{local.isoformat()}" data-pagefind-meta="date:{local:%Y-%m-%d}" '
                f'data-pagefind-sort="date:{local:%Y-%m-%dT%H:%M}" data-pagefind-filter="nam:{local:%Y}">'
                f'{esc(vn_datetime(art.published, self.tz))}</time>')
        if art.date_estimated:
            when += ' <span class="cds-note">(ngày thu thập; không rõ ngày đăng)</span>'
        if art.updated and art.updated > art.published:
            when += f' · cập nhật {self.time(art.updated)}'
        lines.append(f'<p class="cds-meta__date">{when}</p>')
        source = (f'Nguồn: <a href="{rel_url(url, self.source_urls[art.source])}" '
                  f'data-pagefind-filter="nguon">{esc(source_name)}</a>')
        original = safe_href(art.url)
        if original:
            source += f' · <a href="{esc(original)}" rel="noopener">Xem bài gốc</a>'
        if art.author:
            source += f' · Tác giả: {esc(art.author)}'
        lines.append(f'<p class="cds-meta__source">{source}</p>')
        copies = [u for u in (safe_href(x) for x in art.also_at) if u and u != original]
        if copies:
            links = ", ".join(f'<a href="{esc(u)}" rel="noopener">{esc(_host(u))}</a>' for u in copies)
            lines.append(f'<p class="cds-meta__copies">Cũng đăng tại: {links}</p>')
        for label, ids, table, prefix, attr in (
                ("Chủ đề", art.themes, self.themes, "chu-de", ' data-pagefind-filter="chude"'),
                ("Trụ cột", art.pillars, self.pillars, "tru-cot", "")):
            known = [t for t in ids if t in table]
            if known:
                links = ", ".join(f'<a href="{rel_url(url, f"{prefix}/{t}/")}"{attr}>'
                                  f'{esc(table[t].name)}</a>' for t in known)
                lines.append(f'<p class="cds-meta__{prefix}">{label}: {links}</p>')
        lines.append("</div>")
        blocks = [self.crumbs([("luu-tru/", "Lưu trữ"), (month, f"Tháng {local:%m/%Y}")],
                              title_of(art), url),
                  ARTICLE_START, f"<h1>{esc(title_of(art))}</h1>", "\n".join(lines)]
        img = self.media_href(art.image, url) if self.media_href and art.image else None
        if img and art.image.strip() not in art.body:
            blocks.append(f'<figure class="cds-hero"><img src="{esc(img)}" alt="" '
                          'referrerpolicy="no-referrer"></figure>')
        after = []
        if art.doc_refs:
            refs = []
            for number in art.doc_refs:
                target = self.docs.get(number)
                title = self.doc_titles.get(number)
                label = (f'<span class="cds-ref-number">{esc(number)}</span>'
                         + (f': <span class="cds-ref-title">{esc(title)}</span>' if title else ""))
                refs.append(f'<li><a href="{rel_url(url, target)}">{label}</a></li>' if target
                            else f"<li>{label}</li>")
            after.append('<section class="cds-refs" aria-labelledby="van-ban-dan-chieu">\n'
                         '<h2 id="van-ban-dan-chieu">Văn bản được dẫn chiếu</h2>\n<ul>\n'
                         + "\n".join(refs) + "\n</ul>\n</section>")
        after.append("</div>")                                     # ARTICLE_START's
        if rel:
            after.append('<section class="cds-related" aria-labelledby="tin-lien-quan" '
                         'data-pagefind-ignore="all">\n<h2 id="tin-lien-quan">Tin liên quan</h2>\n'
                         + self.item_list(rel, url) + "\n</section>")
        self.add(url, meta, blocks, art.updated or art.published,
                 body=shift_headings(art.body), after=after)

    def home(self) -> None:
        stories = self.success_stories()[:HOME_STORIES]
        blocks = [f"<h1>{esc(self.config.site.title)}</h1>"]
        if self.config.site.description:
            blocks.append(f'<p class="cds-lead">{esc(self.config.site.description)}</p>')
        if self.plan:
            blocks.append(f'<p class="cds-plan">{esc(self.plan)} '
                          f'<a href="{rel_url("", "ke-hoach/")}">Xem kế hoạch</a></p>')
        blocks += ['<h2 id="tin-moi">Tin mới</h2>', self.item_list(self.articles[:HOME_LATEST], ""),
                   f'<p><a href="{rel_url("", "luu-tru/")}">Xem tất cả tin theo tháng</a></p>']
        blocks += self.home_blocks
        if stories:
            blocks += ['<h2 id="cau-chuyen-thanh-cong">Câu chuyện thành công</h2>',
                       self.cards(stories, "", level=3),
                       f'<p><a href="{rel_url("", "cau-chuyen-thanh-cong/")}">Xem tất cả câu chuyện '
                       'thành công</a></p>']
        blocks += ['<h2 id="chu-de">Chủ đề</h2>', self.topic_list(self.themes, "chu-de", "")]
        meta = {"title": "Trang chủ"}
        if self.config.site.description:
            meta["description"] = esc(self.config.site.description)
        self.add("", meta, blocks, self.newest(self.articles))

    def count(self, attr: str, tid: str) -> list[Article]:
        return [a for a in self.articles if tid in getattr(a, attr)]

    def topic_list(self, table: Mapping[str, Topic], prefix: str, frm: str) -> str:
        attr = "themes" if prefix == "chu-de" else "pillars"
        items = []
        for t in table.values():
            n = len(self.count(attr, t.id))
            desc = f'<p>{esc(t.description)}</p>' if t.description else ""
            items.append(f'<li class="cds-topic"><a href="{rel_url(frm, f"{prefix}/{t.id}/")}">'
                         f'{esc(t.name)}</a> <span class="cds-count">({n} bài)</span>{desc}</li>')
        return '<ul class="cds-topics">\n' + "\n".join(items) + "\n</ul>"

    def success_stories(self) -> list[Article]:
        stories = self.count("themes", SUCCESS_THEME)
        return [a for a in stories if a.featured] + [a for a in stories if not a.featured]

    def themes_pages(self) -> None:
        self.add("chu-de/", {"title": "Chủ đề"},
                 [self.crumbs([], "Chủ đề", "chu-de/"), "<h1>Chủ đề</h1>",
                  "<p>Các chủ đề tuyên truyền về chuyển đổi số.</p>",
                  self.topic_list(self.themes, "chu-de", "chu-de/"),
                  '<h2 id="tru-cot">Trụ cột</h2>', self.topic_list(self.pillars, "tru-cot", "chu-de/"),
                  '<h2 id="nguon">Nguồn tin</h2>', self.source_list("chu-de/")],
                 self.newest(self.articles))
        for t in self.themes.values():
            base = f"chu-de/{t.id}/"
            self.channels.append({"path": base, "title": t.name, "description": t.description,
                                  "theme": t.id})
            self.listing(base, t.name, self.count("themes", t.id), trail=[("chu-de/", "Chủ đề")],
                         intro=[f"<p>{esc(t.description)}</p>" if t.description else "",
                                self.feed_links(base, base)],
                         feeds=self.feed_meta(base, t.name), description=t.description)

    def source_list(self, frm: str) -> str:
        items = []
        for sid, name in self.sources.items():
            n = sum(1 for a in self.articles if a.source == sid)
            items.append(f'<li><a href="{rel_url(frm, self.source_urls[sid])}">{esc(name)}</a> '
                         f'<span class="cds-count">({n} bài)</span></li>')
        return '<ul class="cds-topics">\n' + "\n".join(items) + "\n</ul>" if items else \
            '<p class="cds-empty">Chưa có nguồn tin.</p>'

    def source_pages(self) -> None:
        self.add("nguon/", {"title": "Nguồn tin"},
                 [self.crumbs([], "Nguồn tin", "nguon/"), "<h1>Nguồn tin</h1>",
                  self.source_list("nguon/")], self.newest(self.articles))
        for sid, name in self.sources.items():
            base = self.source_urls[sid]
            src = self.config.source(sid)
            intro = [self.feed_links(base, base)]
            home = safe_href(src.url) if src else None
            if home:
                intro.insert(0, f'<p>Trang nguồn: <a href="{esc(home)}" rel="noopener">'
                                f'{esc(_host(home))}</a></p>')
            self.channels.append({"path": base, "title": name, "description": "", "source": sid})
            self.listing(base, name, [a for a in self.articles if a.source == sid],
                         trail=[("nguon/", "Nguồn tin")], intro=intro,
                         feeds=self.feed_meta(base, name))

    def pillar_pages(self) -> None:
        self.add("tru-cot/", {"title": "Trụ cột"},
                 [self.crumbs([], "Trụ cột", "tru-cot/"), "<h1>Trụ cột</h1>",
                  self.topic_list(self.pillars, "tru-cot", "tru-cot/")], self.newest(self.articles))
        for p in self.pillars.values():
            self.listing(f"tru-cot/{p.id}/", p.name, self.count("pillars", p.id),
                         trail=[("tru-cot/", "Trụ cột")],
                         intro=[f"<p>{esc(p.description)}</p>" if p.description else ""],
                         description=p.description)

    def archive_pages(self) -> None:
        months: dict[tuple[str, str], list[Article]] = defaultdict(list)
        for art in self.articles:
            local = art.published.astimezone(self.tz)
            months[(f"{local:%Y}", f"{local:%m}")].append(art)
        years: dict[str, list[str]] = defaultdict(list)
        for (year, month), arts in months.items():
            years[year].append(f'<li><a href="{rel_url("luu-tru/", f"luu-tru/{year}/{month}/")}">'
                               f'Tháng {month}/{year}</a> <span class="cds-count">({len(arts)} bài)'
                               '</span></li>')
        blocks = [self.crumbs([], "Lưu trữ", "luu-tru/"), "<h1>Lưu trữ</h1>"]
        for year in sorted(years, reverse=True):
            blocks += [f'<h2 id="nam-{year}">Năm {year}</h2>',
                       '<ul class="cds-months">\n' + "\n".join(years[year]) + "\n</ul>"]
        if not years:
            blocks.append('<p class="cds-empty">Chưa có bài viết.</p>')
        self.add("luu-tru/", {"title": "Lưu trữ"}, blocks, self.newest(self.articles))
        for (year, month), arts in months.items():
            self.listing(f"luu-tru/{year}/{month}/", f"Tháng {month}/{year}", arts,
                         trail=[("luu-tru/", "Lưu trữ")])

    def stories_page(self) -> None:
        t = self.themes.get(SUCCESS_THEME)
        self.listing("cau-chuyen-thanh-cong/", "Câu chuyện thành công", self.success_stories(),
                     intro=[f"<p>{esc(t.description)}</p>" if t and t.description else "",
                            self.feed_links(f"chu-de/{SUCCESS_THEME}/", "cau-chuyen-thanh-cong/")
                            if t else ""],
                     feeds=self.feed_meta(f"chu-de/{SUCCESS_THEME}/", t.name) if t else None,
                     as_cards=True)

    # -- static pages and theme overrides -----------------------------------------------------

    def _pages_dirs(self) -> list[Path]:
        return [self.root / "content" / "pages", TEMPLATES / "pages"]

    def _plan_line(self) -> str:
        for folder in self._pages_dirs():
            path = folder / "ke-hoach.md"
            if path.is_file() and not linked(path, folder.parent):
                meta = _read_front_matter(path.read_text(encoding="utf-8"))
                return " ".join(str(meta.get("description") or "").split())
        return ""

    def static_pages(self) -> None:
        """The root's ``content/pages/**`` as they are; the package's defaults for the pages the
        nav needs (ke-hoach.md, gioi-thieu.md) when the root has none."""
        generated = set(self.files) | self.kept
        for folder in self._pages_dirs():
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                rel = path.relative_to(folder).as_posix()
                if not path.is_file() or any(p.startswith(".") for p in rel.split("/")):
                    continue
                if linked(path, folder.parent):      # links are never followed in content/
                    continue
                if rel in self.files and rel not in generated:
                    continue                          # the root's page wins over the default
                if rel in generated or (rel.endswith(".md") and rel[:-3] + "/index.md" in generated):
                    self.warnings.append(f"content/pages/{rel}: an address the site generates; skipped")
                    continue
                self.files[rel] = path.read_bytes()

    def overrides(self) -> None:
        folder = TEMPLATES / "overrides"
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                self.files[f"{OVERRIDES}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()

    def manifest(self) -> None:
        site_lastmod = self.newest(self.articles)
        data = {
            "version": 1,
            "lastmod": self.lastmod,
            "site_lastmod": site_lastmod.astimezone(self.tz).strftime("%Y-%m-%d") if site_lastmod else None,
            "urls": self.urls,
            "themes": {t.id: t.name for t in self.themes.values()},
            "sources": self.sources,
            "channels": self.channels,
        }
        self.files[MANIFEST] = (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
                                + "\n").encode("utf-8")

    def render(self) -> dict[str, bytes]:
        rel = related(self.oldest_first)
        for art in self.articles:
            self.article_page(art, rel[art.id])
        self.home()
        self.themes_pages()
        self.source_pages()
        self.pillar_pages()
        self.archive_pages()
        self.stories_page()
        self.static_pages()
        self.overrides()
        self.manifest()
        return self.files


def _host(url: str) -> str:
    return host_of(url) or url


_FM = re.compile(r"\A-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)


def _read_front_matter(text: str) -> dict:
    m = _FM.match(text)
    if not m:
        return {}
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


# --- writing site_src/ ------------------------------------------------------------------------

def _atomic_write(path: Path, data: bytes, made: set[str] | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename. ``made`` remembers the
    folders known to exist (a cold publish writes thousands of files)."""
    folder = os.path.dirname(path)
    if made is None or folder not in made:
        os.makedirs(folder, exist_ok=True)
        if made is not None:
            made.add(folder)
    write_atomic(path, data, make_parents=False)


def _write_new(path: str, data: bytes, made: set[str]) -> None:
    folder = os.path.dirname(path)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    with open(path, "xb") as fh:
        fh.write(data)


def _tree(folder: str, prefix: str = "", skip: Collection[str] = ()) -> tuple[list[str], list[str]]:
    """(files, folders) under ``folder`` as relative POSIX paths, folders after their contents;
    symbolic links are listed as files (removed, never followed); folders in ``skip``
    (``"x/y/"``) are left out, contents and all."""
    files: list[str] = []
    folders: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return files, folders
    for entry in entries:
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            if rel + "/" in skip:
                continue
            sub_files, sub_folders = _tree(entry.path, rel + "/", skip)
            files += sub_files
            folders += sub_folders
            folders.append(rel)
        else:
            files.append(rel)
    return files, folders


def sync_tree(out: Path, files: Mapping[str, bytes],
              keep: Iterable[str] = (), keep_dirs: Collection[str] = ()) -> tuple[int, int, int]:
    """Make ``out`` hold exactly ``files`` (relative POSIX path → bytes) and the files in
    ``keep`` as they are: write the files whose bytes differ, delete the others, prune empty
    folders. Folders in ``keep_dirs`` (``"x/y/"``) are another stage's: neither read nor
    touched. Returns (written, removed, unchanged).
    """
    keep = set(keep)
    written, unchanged, removed = 0, len(keep), 0
    base = str(out)
    made: set[str] = set()
    for rel, data in files.items():
        path = os.path.join(base, rel)
        try:
            if os.stat(path).st_size == len(data):
                with open(path, "rb") as fh:
                    same = fh.read() == data
            else:
                same = False
        except FileNotFoundError:
            # A new file is written in place: there is no old content to protect, and a file
            # left half-written by a crash differs from what the next publish writes over it.
            try:
                _write_new(path, data, made)
                written += 1
                continue
            except FileExistsError:
                same = False
        except OSError:
            same = False
        if same:
            unchanged += 1
        else:
            _atomic_write(path, data, made)
            written += 1
    present, folders = _tree(base, skip=keep_dirs)
    for rel in present:
        if rel not in files and rel not in keep:
            os.unlink(os.path.join(base, rel))
            removed += 1
    for rel in folders:                                       # children before their folders
        try:
            os.rmdir(os.path.join(base, rel))                 # only when empty
        except OSError:
            pass
    return written, removed, unchanged


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("pages"), dict) else {}


def _write_cache(cache: Path, out: Path, site: _Site) -> None:
    """Remember what each article page in ``out`` was made from, with its size and modification
    time (a time too close to now to tell a later change apart is not trusted next time)."""
    now = time.time_ns()
    pages = {}
    for path, digest in site.digests.items():
        if path in site.kept:
            pages[path] = site.cache[path]
            continue
        try:
            st = os.stat(os.path.join(out, path))
        except OSError:
            continue
        pages[path] = [digest, st.st_size, trusted_mtime(st.st_mtime_ns, now)]
    write_atomic(cache, json.dumps({"code": _CODE, "out": str(out.resolve()), "pages": pages},
                                   separators=(",", ":")))


def publish(config: Config, articles: Sequence[Article], *, out: Path | None = None,
            docs: Mapping[str, str] | None = None,
            extra: Mapping[str, bytes] | None = None,
            channels: Sequence[Mapping[str, str]] = (),
            media_href: Callable[[str, str], str | None] | None = None,
            home_blocks: Sequence[str] = (),
            doc_titles: Mapping[str, str] | None = None) -> PublishResult:
    """Regenerate ``site_src/`` (or ``out``) from the published articles.

    ``docs`` maps a normalised document number (``749/QĐ-TTg``) to the site URL of its register
    page (``van-ban/749-qd-ttg/``); cited documents without one are shown unlinked.
    ``doc_titles`` maps a number to its title (trích yếu), shown next to the number. ``extra``
    holds files other stages add to ``site_src/`` (relative POSIX path → bytes, e.g. the search
    page); one that would replace a generated file is skipped with a warning. ``channels`` are
    further feeds for the build to write (e.g. one per register document: ``{path, title,
    description, doc}``). ``media_href(ref, page_url)`` gives the link from a page to an
    article's picture when it is one of the site's own (``media.page_href``; ``site_src/`` holds
    them under ``tin-tuc/media/``, put there by the caller and left alone here); cards and hero
    pictures show only those. Without it, no picture is shown outside article bodies.
    ``home_blocks``: HTML blocks other stages add to the home page after the latest news (the
    register's "Văn bản mới"), links relative to the home page.
    """
    out = Path(out) if out is not None else Path(config.root) / "site_src"
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise PublishError(f"{out}: not made by `cds publish` (no {MANIFEST}); refusing to "
                           "replace its files: move it away or delete it")
    site = _Site(config, articles, docs, media_href, doc_titles=doc_titles)
    site.channels.extend(dict(c) for c in channels)
    site.home_blocks = list(home_blocks)
    site.out = out
    cache_path = Path(config.state_dir) / CACHE
    cached = _read_cache(cache_path)
    if cached.get("code") == _CODE and cached.get("out") == str(out.resolve()):
        site.cache = cached["pages"]
        cache_path.unlink(missing_ok=True)      # a publish that dies half-way: no cache next time
    files = site.render()
    for rel, data in (extra or {}).items():
        if rel in files or rel in site.kept or rel.startswith((".", "/")) or ".." in rel.split("/"):
            site.warnings.append(f"site_src/{rel}: already generated (or not a plain path); skipped")
        else:
            files[rel] = data
    try:
        written, removed, unchanged = sync_tree(out, files, site.kept, keep_dirs=(MEDIA_DIR,))
    except OSError as exc:
        raise PublishError(f"{exc.filename or out}: cannot be written ({exc.strerror})") from None
    try:
        _write_cache(cache_path, out, site)
    except OSError:
        pass                                    # only a cache: the next publish does it all
    pages = sum(1 for rel in files if rel.endswith(".md")) + len(site.kept)
    return PublishResult(written=written, removed=removed, unchanged=unchanged, pages=pages,
                         articles=len(site.articles), warnings=site.warnings)
