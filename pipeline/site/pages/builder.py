"""Every page of ``site_src/`` publish makes from the articles, rendered from the templates in
``templates/site/`` (the root's first). This module gathers each page's data and its digest
(pages whose digest did not change are kept as they are); the markup is the templates'."""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from markupsafe import Markup

from pipeline import config as config_mod
from pipeline.core.errors import CdsError
from pipeline.core.fileio import linked
from pipeline.core.markup import esc, front_matter, read_front_matter, rel_url, shift_headings
from pipeline.core.models import Article, Config
from pipeline.core.urls import article_urls
from pipeline.core.urls import path_segment as _segment
from pipeline.site.pages.bodies import Bodies, link_targets, toc_meta
from pipeline.site.pages.layout import (
    ARTICLE_START,
    ARTICLE_START_HTML,
    BODY_END,
    BODY_START,
    HOME_LATEST,
    HOME_STORIES,
    MANIFEST,
    OVERRIDES,
    PER_PAGE,
    SUCCESS_THEME,
    YEARS_PER_PAGE,
    feed_meta,
    fixed_pages,
    page_url,
    safe_href,
    title_of,
)
from pipeline.site.pages.templates import (
    PACKAGE_TEMPLATES,
    environment,
    escape,
    fingerprint,
    trusted,
    vn_datetime,
)
from pipeline.site.templating import Renderer, root_folder
from pipeline.site.pages.topics import Topic, load_topics
from pipeline.site.pages.tree import TreeWriter

HREF = "\x00href\x00"     # stands in for an item's link (see Pages.items)
MARKS = {"article_start": trusted(ARTICLE_START), "body_start": trusted(BODY_START),
         "body_end": trusted(BODY_END)}
MARKS_HTML = {**MARKS, "article_start": trusted(ARTICLE_START_HTML)}


class PageError(CdsError):
    """Two pages want one address."""


def article_body(art: Article) -> str:
    """The article's body as its page holds it (between the body markers): its Markdown with
    the headings re-levelled under the page's title."""
    return shift_headings(art.body)


def meta_text(text: str) -> str:
    """A title or description for the front matter: escaped here because Material prints
    ``page.meta.title`` without escaping (templates escape everything else)."""
    return esc(text)


class Pages:
    """Everything one publish run knows; renders each page. ``summary_of``, ``image_of`` and
    ``shorten`` are publish's text helpers.

    With ``bodies`` (:class:`pipeline.site.pages.bodies.Bodies`) every page is written as HTML
    (``cds_kind: html``): article bodies and the Markdown pages of ``content/pages/`` and of
    ``extra`` rendered as MkDocs would render them. Without it, the reference form: an article's
    body stays Markdown between two markers in an ``md_in_html`` block (``cds_kind: article``),
    other Markdown pages as they are, for MkDocs' own Markdown (``tests/test_site.py`` builds
    both and compares the sites)."""

    def __init__(self, config: Config, articles: Sequence[Article], docs: Mapping[str, str] | None,
                 media_href: Callable[[str, str], str | None] | None = None, *,
                 doc_titles: Mapping[str, str] | None = None,
                 summary_of: Callable[[Article], str],
                 image_of: Callable[..., str | None],
                 shorten: Callable[..., str],
                 bodies: Bodies | None = None,
                 extra: Mapping[str, bytes] | None = None,
                 urls: Mapping[str, str] | None = None):
        self.config = config
        self.bodies = bodies
        self.extra = dict(extra or {})      # other stages' files (publish(extra=)): links to them resolve
        self.media_href = media_href
        self.root = Path(config.root)
        self.tz = config_mod.timezone(config)
        self.renderer = Renderer(environment(self.root, self.tz))
        self.code = fingerprint(self.root)
        self._summary_of, self._image_of, self._shorten = summary_of, image_of, shorten
        self.themes, self.pillars, self.warnings = load_topics(self.root)
        published = [a for a in articles if a.status == "published"]
        self.oldest_first = sorted(published, key=lambda a: (a.published, a.id))
        self.articles = self.oldest_first[::-1]                           # newest first
        # ``urls``: the same addresses made by the caller (jobs.publish_site), else made here
        self.urls = dict(urls) if urls is not None else article_urls(published, self.tz)
        self.docs = dict(docs or {})
        self.doc_titles = {k: " ".join(v.split()) for k, v in (doc_titles or {}).items() if v}
        self.sources = {s.id: s.name for s in config.sources}
        for art in self.articles:
            self.sources.setdefault(art.source, art.source)
        self.source_urls = {sid: f"nguon/{_segment(sid)}/" for sid in self.sources}
        self.files: dict[str, bytes] = {}
        # publish(): pages go straight into site_src/ as they are made (``sink``; their paths in
        # ``streamed``), not held until every page is made (~10 KB an article)
        self.sink: TreeWriter | None = None
        self.streamed: set[str] = set()
        self.lastmod: dict[str, str] = {}
        self.channels: list[dict[str, str]] = [
            {"path": "", "title": config.site.title, "description": config.site.description}]
        self.plan = self._plan_line()
        self.home_blocks: list[str] = []                # publish(home_blocks=)
        self._views: dict[str, SimpleNamespace] = {}
        self._summaries: dict[str, str] = {}
        self._items: dict[str, str] = {}
        self._counts: dict[tuple[str, str], list[Article]] = {}
        self._by_source: dict[str, list[Article]] | None = None
        self.macros = self.renderer.module("site/macros.html")
        # Pages whose inputs are those of the page already in site_src/ are not made again
        # (``cache``: the last publish's digests; ``kept``: such pages; ``digests``: now).
        self.out: Path | None = None
        self.cache: dict[str, list] = {}
        self.kept: set[str] = set()
        self.digests: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._lines: dict[str, str] = {}        # article id → its line in a page's digest
        # What the last publish worked out of each article (its key, its page's link targets),
        # by the token of what the article is made from (``publish(stamps=)``, from gather):
        # an article whose token is the one recorded is not read again. ``memo``: the last
        # publish's (set by publish when its context is this one's); ``memo_now``: this one's.
        self.stamps: Mapping[str, str] = {}
        self.memo: dict[str, list] = {}
        self.memo_now: dict[str, list] = {}
        self._global = hashlib.sha256(repr((
            self.code, str(self.tz),
            sorted((t.id, t.name, t.description) for t in self.themes.values()),
            sorted((t.id, t.name, t.description) for t in self.pillars.values()),
            sorted(self.sources.items()), sorted(self.source_urls.items()),
            sorted(self.docs.items()), media_href is not None,
            sorted(self.doc_titles.items()), bodies.key() if bodies else None
        )).encode("utf-8", "surrogatepass")).hexdigest()
        self.sources_of: dict[str, str] = {}            # static page → the file it came from

    # -- output ------------------------------------------------------------------------------

    def add(self, url: str, meta: Mapping[str, object], template: str,
            lastmod: datetime | None = None, *, kind: str = "html", joined: bool = False,
            **context: object) -> None:
        """One page at directory URL ``url`` ("" for home) from ``template``, all HTML.
        ``cds_kind`` (``html``; ``article`` for an article page, what the theme's templates go
        by) lets the site build skip Markdown. ``joined``: the body between publish's markers
        is HTML, the markers go; else (the reference form) it is Markdown for MkDocs."""
        path = url + "index.md"
        if self.taken(path):
            raise PageError(f"site_src/{path}: two pages want the same address")
        text = self.renderer.render(f"site/{template}", url=url, **context).strip("\n")
        if joined:                      # the body is HTML already: no markers, one block
            text = join_body(text)
        data = (front_matter({**meta, "cds_kind": kind}) + "\n" + text + "\n").encode("utf-8")
        if self.sink is not None:
            self.sink.put(path, data)
            self.streamed.add(path)
        else:
            self.files[path] = data
        if lastmod is not None:
            self.lastmod[path] = lastmod.astimezone(self.tz).strftime("%Y-%m-%d")

    def taken(self, path: str) -> bool:
        """Whether a page of this publish is at ``path`` already."""
        return path in self.files or path in self.kept or path in self.streamed

    def article_key(self, art: Article) -> str:
        """The digest of everything of an article that pages show."""
        key = self._keys.get(art.id)
        if key is None:
            token = self.stamps.get(art.id)
            if token is not None:
                entry = self.memo.get(art.id)
                if isinstance(entry, list) and len(entry) == 4 and entry[0] == token and \
                        isinstance(entry[1], str):
                    key = self._keys[art.id] = entry[1]
                    self.memo_now[art.id] = entry
                    return key
        if key is None:
            fields = json.dumps([
                art.id, art.title, art.url, art.source, art.published.isoformat(),
                art.updated.isoformat() if art.updated else None, art.date_estimated, art.author,
                art.summary, art.image, art.themes, art.pillars, art.doc_refs, art.also_at,
                art.featured, art.status], ensure_ascii=False)
            key = self._keys[art.id] = hashlib.sha256(
                fields.encode("utf-8", "surrogatepass") + b"\0"
                + art.body.encode("utf-8", "surrogatepass")).hexdigest()
            token = self.stamps.get(art.id)
            if token is not None:
                self.memo_now[art.id] = [token, key, None, None]
        return key

    def link_targets_of(self, art: Article, path: str) -> list[str]:
        """:func:`~pipeline.site.pages.bodies.link_targets` of the article's body on its page
        ``path``, remembered with its key (:attr:`memo_now`)."""
        self.article_key(art)
        entry = self.memo_now.get(art.id)
        if entry is not None and entry[2] == path and isinstance(entry[3], list):
            return entry[3]
        targets = link_targets(path, art.body)
        if entry is not None:
            self.memo_now[art.id] = [entry[0], entry[1], path, targets]
        return targets

    def digest(self, kind: str, params: object, arts: Sequence[Article]) -> str:
        """The digest of everything a page is made of: its kind and parameters (JSON), the
        articles it shows and their addresses, the names and addresses every page uses, the
        code and templates."""
        lines = self._lines
        parts = [self._global, kind, json.dumps(params, ensure_ascii=False)]
        for a in arts:
            line = lines.get(a.id)
            if line is None:
                line = lines[a.id] = f"{self.article_key(a)} {self.urls[a.id]}"
            parts.append(line)
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
        if self.taken(path):
            raise PageError(f"site_src/{path}: two pages want the same address")
        self.kept.add(path)
        if lastmod is not None:
            self.lastmod[path] = lastmod.astimezone(self.tz).strftime("%Y-%m-%d")
        return True

    def article_source(self, art: Article) -> str:
        """The file an article's body was written in, for warnings."""
        return f"content/{art.path.as_posix()}" if art.path else f"site_src/{self.urls[art.id]}index.md"

    def newest(self, arts: Sequence[Article]) -> datetime | None:
        return max((a.updated or a.published for a in arts), default=None)

    # -- what templates get of an article ----------------------------------------------------

    def summary(self, art: Article) -> str:
        """publish's summary_of, once an article."""
        out = self._summaries.get(art.id)
        if out is None:
            out = self._summaries[art.id] = self._summary_of(art)
        return out

    def view(self, art: Article) -> SimpleNamespace:
        """An article as listings and cards show it, its texts escaped here once (by the
        templates' own :func:`escape`): an article is in many listings."""
        v = self._views.get(art.id)
        if v is None:
            local = art.published.astimezone(self.tz)
            v = self._views[art.id] = SimpleNamespace(
                id=art.id, url=self.urls[art.id], title=escape(title_of(art)),
                summary=escape(self.summary(art)), published=art.published,
                iso=escape(local.isoformat()), when=escape(vn_datetime(art.published, self.tz)),
                source=escape(self.sources.get(art.source, art.source)), featured=art.featured)
        return v

    def items(self, arts: Iterable[Article], frm: str) -> list[Markup]:
        """The articles as list items on the page at ``frm``: the ``item`` macro rendered once an
        article with :data:`HREF` standing in for the link, which is put in here."""
        out = []
        for art in arts:
            html = self._items.get(art.id)
            if html is None:
                html = self._items[art.id] = str(self.macros.item(self.view(art), trusted(HREF)))
            out.append(trusted(html.replace(HREF, str(escape(rel_url(frm, self.urls[art.id]))), 1)))
        return out

    def card_views(self, arts: Iterable[Article], frm: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(**vars(self.view(a)), image=self._image_of(a, frm, self.media_href))
                for a in arts]

    def count(self, attr: str, tid: str) -> list[Article]:
        """The articles (newest first) whose ``attr`` (themes, pillars) holds ``tid``: once a
        publish (the home page, the overviews and the listings ask)."""
        out = self._counts.get((attr, tid))
        if out is None:
            out = self._counts[(attr, tid)] = [a for a in self.articles if tid in getattr(a, attr)]
        return out

    def topic_views(self, table: Mapping[str, Topic], attr: str) -> list[dict]:
        return [{"id": t.id, "name": t.name, "description": t.description,
                 "count": len(self.count(attr, t.id))} for t in table.values()]

    def of_source(self, sid: str) -> list[Article]:
        """The source's articles, newest first (every source's grouped once a publish)."""
        if self._by_source is None:
            self._by_source = defaultdict(list)
            for a in self.articles:
                self._by_source[a.source].append(a)
        return self._by_source.get(sid, [])

    def source_views(self) -> list[dict]:
        return [{"url": self.source_urls[sid], "name": name, "count": len(self.of_source(sid))}
                for sid, name in self.sources.items()]

    def span(self, arts: Sequence[Article]) -> str:
        first = min(a.published for a in arts).astimezone(self.tz)
        last = max(a.published for a in arts).astimezone(self.tz)
        return f"tin từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"

    def success_stories(self) -> list[Article]:
        stories = self.count("themes", SUCCESS_THEME)
        return [a for a in stories if a.featured] + [a for a in stories if not a.featured]

    # -- listings ----------------------------------------------------------------------------

    def listing(self, base: str, title: str, arts: Sequence[Article], *, intro: str = "",
                home: str | None = None, feed_base: str | None = None,
                trail: Sequence[tuple[str, str]] = (), feeds: list[dict[str, str]] | None = None,
                description: str = "", as_cards: bool = False) -> None:
        """``arts`` (in display order, newest first) at ``base`` and on archive pages.

        Archive pages hold fixed chunks of PER_PAGE counted from the *oldest* item (``trang-1/``
        holds the oldest), so a new article changes the first page, not every page after it
        (incremental builds stay small, archive addresses stay put). The first page holds what
        is not archived yet: PER_PAGE to 2×PER_PAGE−1 items."""
        pages = fixed_pages(arts, PER_PAGE, base)
        archived = len(pages) - 1
        for url, chunk, j in pages:
            digest = self.digest("listing", [base, url, title, intro, home, feed_base,
                                             [list(t) for t in trail], feeds, description,
                                             as_cards, j, archived], chunk)
            if self.reuse(url + "index.md", digest, self.newest(chunk)):
                continue
            heading = title if j is None else f"{title}: {self.span(chunk)}"
            meta: dict[str, object] = {"title": meta_text(heading)}
            if description:
                meta["description"] = meta_text(self._shorten(description, 300))
            if feeds:
                meta["feeds"] = feeds
            older = archived if j is None else j - 1
            self.add(url, meta, "listing.html", self.newest(chunk),
                     trail=list(trail) if j is None else [*trail, (base, title)],
                     here=title if j is None else self.span(chunk).capitalize(),
                     heading=heading, first=j is None, intro=intro, home=home,
                     feed_base=feed_base, as_cards=as_cards,
                     arts=self.card_views(chunk, url) if as_cards else self.items(chunk, url),
                     prev=page_url(base, j + 1, archived) if j is not None else None,
                     next=page_url(base, older, archived) if older >= 1 else None,
                     latest=base if j is not None and j < archived else None)

    # -- pages -------------------------------------------------------------------------------

    def article_page(self, art: Article, rel: list[Article]) -> None:
        """An article (``article.html``); its body comes from :func:`article_body`."""
        url = self.urls[art.id]
        path = url + "index.md"
        # the files its links name, found or not (headings re-levelled or not, the same links)
        resolution = self.bodies.resolve(self.link_targets_of(art, path)) if self.bodies else []
        if self.reuse(path, self.digest("article", [url, resolution] if resolution else url,
                                        [art, *rel]), art.updated or art.published):
            if not all(found for _, found in resolution):     # its warnings, every publish
                self.warnings += self.bodies.page(article_body(art).strip("\n"), path,
                                                  self.article_source(art), sanitize=False).warnings
            return
        body = article_body(art).strip("\n")
        rendered = None
        if self.bodies is not None:
            rendered = self.bodies.page(body, path, self.article_source(art), sanitize=True)
            self.warnings += rendered.warnings
        local = art.published.astimezone(self.tz)
        meta: dict[str, object] = {"title": meta_text(title_of(art))}
        summary = self.summary(art)
        if summary:
            meta["description"] = meta_text(summary)
        if rendered is not None and rendered.toc:
            meta["cds_toc"] = toc_meta(rendered.toc)
        if self.media_href and art.image:           # the share card's picture (portal.share)
            from pipeline.site.portal import share
            meta.update(share.image_meta(self.config.content_dir, art.image))
        meta["og_published"] = local.isoformat()
        original = safe_href(art.url)
        topic_rows = []
        for label, ids, table, prefix, attr in (
                ("Chủ đề", art.themes, self.themes, "chu-de", "chude"),
                ("Trụ cột", art.pillars, self.pillars, "tru-cot", "")):
            known = [table[t] for t in ids if t in table]
            if known:
                topic_rows.append({"label": label, "prefix": prefix, "filter": attr,
                                   "topics": known})
        img = self.media_href(art.image, url) if self.media_href and art.image else None
        self.add(url, meta, "article.html", art.updated or art.published,
                 kind="article", joined=rendered is not None,
                 trail=[("luu-tru/", "Lưu trữ"), (f"luu-tru/{local:%Y}/", f"Năm {local:%Y}"),
                        (f"luu-tru/{local:%Y}/{local:%m}/", f"Tháng {local:%m/%Y}")],
                 title=title_of(art), marks=MARKS if rendered is None else MARKS_HTML,
                 published=art.published,
                 day=f"{local:%Y-%m-%d}", minute=f"{local:%Y-%m-%dT%H:%M}", year=f"{local:%Y}",
                 estimated=art.date_estimated,
                 updated=art.updated if art.updated and art.updated > art.published else None,
                 source=self.sources.get(art.source, art.source),
                 source_url=self.source_urls[art.source], original=original, author=art.author,
                 copies=[u for u in (safe_href(x) for x in art.also_at) if u and u != original],
                 topic_rows=topic_rows,
                 hero=img if img and art.image.strip() not in art.body else None,
                 body=trusted(body if rendered is None else rendered.html),
                 refs=[{"number": n, "href": self.docs.get(n), "title": self.doc_titles.get(n)}
                       for n in art.doc_refs],
                 related=self.items(rel, url))

    def home(self) -> None:
        site = self.config.site
        meta = {"title": "Trang chủ"}
        if site.description:
            meta["description"] = meta_text(site.description)
        self.add("", meta, "home.html", self.newest(self.articles),
                 site_title=site.title, site_description=site.description, plan=self.plan,
                 latest=self.items(self.articles[:HOME_LATEST], ""),
                 home_blocks=[trusted(b.strip("\n")) for b in self.home_blocks if b],
                 stories=self.card_views(self.success_stories()[:HOME_STORIES], ""),
                 themes=self.topic_views(self.themes, "themes"))

    def themes_pages(self) -> None:
        self.add("chu-de/", {"title": "Chủ đề"}, "themes.html", self.newest(self.articles),
                 themes=self.topic_views(self.themes, "themes"),
                 pillars=self.topic_views(self.pillars, "pillars"), sources=self.source_views())
        for t in self.themes.values():
            base = f"chu-de/{t.id}/"
            self.channels.append({"path": base, "title": t.name, "description": t.description,
                                  "theme": t.id})
            self.listing(base, t.name, self.count("themes", t.id), trail=[("chu-de/", "Chủ đề")],
                         intro=t.description, feed_base=base, feeds=feed_meta(base, t.name),
                         description=t.description)

    def source_pages(self) -> None:
        self.add("nguon/", {"title": "Nguồn tin"}, "sources.html", self.newest(self.articles),
                 sources=self.source_views())
        for sid, name in self.sources.items():
            base = self.source_urls[sid]
            src = self.config.source(sid)
            self.channels.append({"path": base, "title": name, "description": "", "source": sid})
            self.listing(base, name, self.of_source(sid),
                         trail=[("nguon/", "Nguồn tin")],
                         home=safe_href(src.url) if src else None, feed_base=base,
                         feeds=feed_meta(base, name))

    def pillar_pages(self) -> None:
        self.add("tru-cot/", {"title": "Trụ cột"}, "pillars.html", self.newest(self.articles),
                 pillars=self.topic_views(self.pillars, "pillars"))
        for p in self.pillars.values():
            self.listing(f"tru-cot/{p.id}/", p.name, self.count("pillars", p.id),
                         trail=[("tru-cot/", "Trụ cột")], intro=p.description,
                         description=p.description)

    def archive_pages(self) -> None:
        """``luu-tru/``: the years that have news, newest first, in fixed chunks of
        :data:`YEARS_PER_PAGE` counted from the oldest year (``luu-tru/trang-N/``, as listings'
        archive pages): no page grows with the years the store covers. ``luu-tru/YYYY/``: that
        year's months; ``luu-tru/YYYY/MM/``: the month's articles (a listing)."""
        months: dict[tuple[str, str], list[Article]] = defaultdict(list)
        for art in self.articles:
            local = art.published.astimezone(self.tz)
            months[(f"{local:%Y}", f"{local:%m}")].append(art)
        years: dict[str, list[tuple[str, list[Article]]]] = defaultdict(list)
        for (year, month), arts in months.items():              # newest month first
            years[year].append((month, arts))
        order = sorted(years, reverse=True)
        rows = [{"year": y, "count": sum(len(a) for _, a in years[y]),
                 "first": years[y][-1][0], "last": years[y][0][0]} for y in order]
        chunks = fixed_pages(rows, YEARS_PER_PAGE, "luu-tru/")
        archived = len(chunks) - 1
        for url, chunk, j in chunks:
            span = f"{chunk[-1]['year']}–{chunk[0]['year']}" if chunk else ""
            here = "Lưu trữ" if j is None else f"Năm {span}"
            older = archived if j is None else j - 1
            self.add(url, {"title": "Lưu trữ" if j is None else f"Lưu trữ: năm {span}"},
                     "archive.html", self.newest([years[r["year"]][0][1][0] for r in chunk]),
                     years=chunk, here=here, trail=[] if j is None else [("luu-tru/", "Lưu trữ")],
                     newer=None if j is None else page_url("luu-tru/", j + 1, archived),
                     older=page_url("luu-tru/", older, archived) if older >= 1 else None)
        for year in order:
            self.add(f"luu-tru/{year}/", {"title": f"Lưu trữ năm {year}"}, "archive-year.html",
                     self.newest([arts[0] for _, arts in years[year]]), year=year,
                     trail=[("luu-tru/", "Lưu trữ")],
                     months=[{"month": m, "count": len(arts)} for m, arts in years[year]])
        for (year, month), arts in months.items():
            self.listing(f"luu-tru/{year}/{month}/", f"Tháng {month}/{year}", arts,
                         trail=[("luu-tru/", "Lưu trữ"), (f"luu-tru/{year}/", f"Năm {year}")])

    def stories_page(self) -> None:
        t = self.themes.get(SUCCESS_THEME)
        self.listing("cau-chuyen-thanh-cong/", "Câu chuyện thành công", self.success_stories(),
                     intro=t.description if t else "",
                     feed_base=f"chu-de/{SUCCESS_THEME}/" if t else None,
                     feeds=feed_meta(f"chu-de/{SUCCESS_THEME}/", t.name) if t else None,
                     as_cards=True)

    # -- static pages and theme overrides -----------------------------------------------------

    def _pages_dirs(self) -> list[Path]:
        return [self.root / "content" / "pages", PACKAGE_TEMPLATES / "pages"]

    def _plan_line(self) -> str:
        for folder in self._pages_dirs():
            path = folder / "ke-hoach.md"
            if path.is_file() and not linked(path, folder.parent):
                meta = read_front_matter(path.read_text(encoding="utf-8"))
                return " ".join(str(meta.get("description") or "").split())
        return ""

    def static_pages(self) -> None:
        """The root's ``content/pages/**`` as they are; the package's defaults for the pages the
        nav needs (ke-hoach.md, gioi-thieu.md) when the root has none."""
        generated = set(self.files) | self.kept | self.streamed | \
            {u + "index.md" for u in self.urls.values()}
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
                self.sources_of[rel] = (f"content/pages/{rel}" if folder.parent.parent == self.root
                                        else f"site_src/{rel}")

    def html_page(self, rel: str, data: bytes, source: str) -> bytes:
        """A Markdown page of ``site_src/`` (its front matter YAML, any) as HTML, its front
        matter kept as written with ``cds_kind`` and ``cds_toc`` added. Left as it is (MkDocs
        renders it) when it is not UTF-8, its front matter cannot take the two keys, it is
        already cds', or it has no ``title`` and starts with a heading (MkDocs' title)."""
        from mkdocs.utils import meta as mkmeta

        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data
        try:
            markdown, meta = mkmeta.get_data(text)
        except Exception:
            return data
        if not isinstance(meta, dict) or "cds_kind" in meta or "cds_toc" in meta:
            return data
        assert self.bodies is not None
        page = self.bodies.page(markdown, rel, source, sanitize=False, whole=True)
        if "title" not in meta and page.html.startswith("<h1"):
            return data
        added = {"cds_kind": "html"}
        if page.toc:
            added["cds_toc"] = toc_meta(page.toc)
        lines = "".join(f"{k}: {json.dumps(v, ensure_ascii=True)}\n" for k, v in added.items())
        m = mkmeta.YAML_RE.match(text)
        if m is None:
            head = "---\n" + lines + "---\n"
        elif m.group(1) == "" or m.group(1).endswith("\n"):
            head = text[:m.end(1)] + lines + text[m.end(1):m.end()]
        else:
            return data
        out = head + "\n" + page.html + "\n"
        try:
            if mkmeta.get_data(out)[1] != {**meta, **added}:
                return data
        except Exception:
            return data
        self.warnings += page.warnings
        return out.encode("utf-8")

    def html_pages(self, files: dict[str, bytes], sources: Mapping[str, str]) -> None:
        """Every Markdown page of ``files`` that is not cds' HTML yet, as HTML (in place)."""
        for rel in [r for r in files if r.endswith(".md") and not r.startswith(".")
                    and "/." not in r]:
            if b"cds_kind" in files[rel][:4096] and files[rel].startswith(b"---"):
                continue                        # publish's own HTML pages (checked by html_page too)
            files[rel] = self.html_page(rel, files[rel], sources.get(rel, f"site_src/{rel}"))

    def link_targets(self) -> set[str]:
        """Every file ``site_src/`` will hold: what links resolve against (as MkDocs' Files)."""
        from pipeline.store import media

        uris = set(self.files) | self.kept | self.streamed | set(self.extra)
        uris |= {u + "index.md" for u in self.urls.values()}
        uris |= {media.SITE_DIR + k for k in media.referenced(self.articles)}
        if self.out is not None:
            folder = Path(self.out) / media.SITE_DIR
            if folder.is_dir():
                uris |= {media.SITE_DIR + p.relative_to(folder).as_posix()
                         for p in folder.rglob("*") if p.is_file()}
        return uris

    def overrides(self) -> None:
        """The theme overrides (``theme.custom_dir``): the package's ``templates/overrides/``,
        each file replaced or joined by the root's ``templates/overrides/``."""
        root = root_folder(self.root)
        folders = [(PACKAGE_TEMPLATES / "overrides", False)]
        if root is not None and not linked(root, self.root):
            folders.append((root / "overrides", True))
        for folder, in_root in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if not path.is_file() or "__pycache__" in path.parts or \
                        (in_root and linked(path, self.root)):   # links never followed in a root
                    continue
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
        self.files[MANIFEST] = (json.dumps(data, ensure_ascii=False, sort_keys=True,
                                           separators=(",", ":")) + "\n").encode("utf-8")

    def render(self, related: Mapping[str, list[Article]]) -> dict[str, bytes]:
        """Every page; the articles once every address is known (their links resolve against
        all of ``site_src/``)."""
        self.home()
        self.themes_pages()
        self.source_pages()
        self.pillar_pages()
        self.archive_pages()
        self.stories_page()
        self.static_pages()
        self.overrides()
        if self.bodies is not None:
            self.bodies.uris = self.link_targets()
        for art in self.articles:
            self.article_page(art, related[art.id])
        if self.bodies is not None:
            self.html_pages(self.files, self.sources_of)
        self.manifest()
        return self.files


def join_body(text: str) -> str:
    """A page whose body (between publish's markers) is HTML already: the markers out, the
    parts joined as the site build joined them (``build.pages.join_page``)."""
    head, _, rest = text.partition(BODY_START)
    body, sep, tail = rest.rpartition(BODY_END)
    if not sep:
        return text
    body, tail = body.strip(), tail.strip()
    return head.strip() + ("\n" + body if body else "") + ("\n" + tail if tail else "")


def search_page(root: Path | str | None) -> str:
    """``site_src/tim-kiem/index.md``: ``templates/site/search.md`` (the root's when it has one),
    a whole Markdown page with its front matter."""
    return Renderer(environment(root, UTC)).render("site/search.md") + "\n"
