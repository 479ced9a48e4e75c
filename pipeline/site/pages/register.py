"""The legal documents register's pages (``van-ban/``), rendered from ``templates/site/``
(``register.html``, ``document.html``, ``documents-unknown.html``) and its two static assets
(``templates/site/assets/``). The entries themselves live in :mod:`pipeline.store.register`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from pipeline.core import docrefs
from pipeline.core.markup import front_matter, shift_headings
from pipeline.core.models import Article
from pipeline.core.text import clean_line, fold
from pipeline.core.urls import article_urls
from pipeline.core.urls import path_segment as _segment
from pipeline.site.pages.builder import meta_text
from pipeline.site.pages.layout import ATOM_TYPE, RSS_TYPE, feed_meta
from pipeline.site.pages.templates import PACKAGE_TEMPLATES, environment, trusted
from pipeline.site.templating import Renderer
from pipeline.store.register import (
    DEFAULT_TZ,
    DOCS_DIR,
    FILTER_CSS,
    FILTER_JS,
    REGISTER_URL,
    RELATED_ON_UNKNOWN,
    SCANNED_NOTE,
    SCOPES,
    TEXT_EXCERPT_CHARS,
    TEXT_PAGE_CHARS,
    UNKNOWN_URL,
    Doc,
    citing,
    newest_first,
    unknown_refs,
)

ASSETS = PACKAGE_TEMPLATES / "site" / "assets"
UNKNOWN_TITLE = "Văn bản được trích dẫn nhưng chưa có trong danh mục"
HOME_LATEST_DOCS = 5            # documents on the home page


def _status_label(status: str) -> str:
    return status[:1].upper() + status[1:] if status else ""


def doc_text(d: Doc) -> dict:
    """The file's text as the page shows it: an excerpt, then the paragraphs (up to
    TEXT_PAGE_CHARS); or the scanned-file note."""
    if d.scanned:
        return {"scanned": SCANNED_NOTE, "paragraphs": []}
    paras = [clean_line(p) for p in re.split(r"\n\s*\n|\n", d.text.strip()) if clean_line(p)]
    excerpt = clean_line(" ".join(paras))
    if len(excerpt) > TEXT_EXCERPT_CHARS:
        cut = excerpt.rfind(" ", 0, TEXT_EXCERPT_CHARS)
        excerpt = excerpt[:cut if cut > 0 else TEXT_EXCERPT_CHARS] + " …"
    shown, size, cut_off = [], 0, False
    for p in paras:
        if size > TEXT_PAGE_CHARS:
            cut_off = True
            break
        shown.append(p)
        size += len(p)
    return {"scanned": "", "excerpt": excerpt, "paragraphs": shown, "cut": cut_off}


class RegisterPages:
    def __init__(self, docs: Sequence[Doc], articles: Sequence[Article], site_title: str,
                 source_names: Mapping[str, str], urls: Mapping[str, str] | None, tz: tzinfo,
                 root: Path | str | None):
        self.docs = newest_first(docs)
        self.site_title = site_title
        self.published = [a for a in articles if a.status == "published"]
        self.urls = dict(urls) if urls is not None else article_urls(self.published, tz)
        self.sources = dict(source_names)
        self.tz = tz
        self.citing = citing(self.docs, self.published)
        self.unknown = unknown_refs(self.docs, self.published)
        self.renderer = Renderer(environment(root, tz))
        self.files: dict[str, str] = {}
        self._notes = None

    def add(self, url: str, meta: Mapping[str, object], template: str, **context) -> None:
        text = self.renderer.render(f"site/{template}", url=url, register_url=REGISTER_URL,
                                    **context).strip("\n")
        self.files[url + "index.md"] = front_matter({**meta, "cds_kind": "html"}) + "\n" + text + "\n"

    def article_view(self, art: Article) -> dict:
        local = art.published.astimezone(self.tz)
        return {"href": self.urls.get(art.id), "title": art.title or "(không có tiêu đề)",
                "published": art.published, "day": f"{local:%d/%m/%Y}",
                "source": self.sources.get(art.source, art.source)}

    def doc_view(self, d: Doc) -> dict:
        return {"number": d.number, "label": d.label, "title": d.title, "doc_type": d.doc_type,
                "issuer": d.issuer, "issued": d.issued, "effective": d.effective,
                "aliases": d.aliases, "scope": d.scope, "scope_name": SCOPES.get(d.scope, ""),
                "status_label": _status_label(d.status), "signer": d.signer, "url": d.url_path,
                "link": d.url, "file": d.file,
                "file_href": f"{DOCS_DIR}/" + quote(d.file) if d.file else "",
                "file_name": PurePosixPath(d.file).name if d.file else "",
                "year": str(d.year or ""), "cited": len(self.citing.get(d.number, [])),
                "type_key": _segment(d.doc_type) if d.doc_type else "",
                "issuer_key": _segment(d.issuer) if d.issuer else "",
                "search": fold(" ".join([d.number, d.doc_type, d.title, d.issuer, *d.aliases]))}

    @staticmethod
    def counted(pairs: Iterable[tuple[str, str]],
                order: Sequence[str] | None = None) -> list[tuple[str, str, int]]:
        """(value, label, how many rows) for a filter's options: in ``order``, else by label."""
        pairs = [(v, t) for v, t in pairs if v]
        counts = Counter(v for v, _ in pairs)
        names = dict(pairs)
        keys = list(order) if order is not None else \
            sorted(counts, key=lambda k: (fold(names[k]), k))
        return [(k, names[k], counts[k]) for k in keys]

    def register(self) -> None:
        docs = self.docs
        years = sorted({str(d.year) for d in docs if d.year}, reverse=True)
        filters = {
            "scope": [(k, label, sum(d.scope == k for d in docs)) for k, label in SCOPES.items()],
            "type": self.counted((_segment(d.doc_type), d.doc_type) for d in docs if d.doc_type),
            "issuer": self.counted((_segment(d.issuer), d.issuer) for d in docs if d.issuer),
            "year": self.counted(((str(d.year), str(d.year)) for d in docs if d.year),
                                 order=years)}
        feeds = [{"title": "Văn bản mới (RSS)", "href": REGISTER_URL + "rss.xml", "type": RSS_TYPE},
                 {"title": "Văn bản mới (Atom)", "href": REGISTER_URL + "atom.xml",
                  "type": ATOM_TYPE}]
        self.add(REGISTER_URL, {
            "title": "Văn bản",
            "description": meta_text(f"Danh mục văn bản về chuyển đổi số – {self.site_title}"),
            "feeds": feeds}, "register.html", docs=[self.doc_view(d) for d in docs],
            filters=filters, unknown=len(self.unknown), unknown_url=UNKNOWN_URL)

    def doc_page(self, d: Doc) -> None:
        by_number = {x.number: x for x in self.docs}
        cites = []
        for n in (n for n in d.cites if n != d.number):
            other = by_number.get(n)
            cites.append({"url": other.url_path, "label": other.label, "title": other.title}
                         if other else {"url": None, "label": n, "title": ""})
        cited_by = [{"url": x.url_path, "label": x.label, "title": x.title} for x in self.docs
                    if d.number in x.cites and x.number != d.number]
        meta: dict[str, object] = {"title": meta_text(d.label)}
        if d.title:
            meta["description"] = meta_text(d.title)
        meta["feeds"] = feed_meta(d.url_path, d.label)
        self.add(d.url_path, meta, "document.html", d=self.doc_view(d), text=doc_text(d),
                 cites=cites, cited_by=cited_by,
                 notes=trusted(self.notes(d.body)) if d.body else "",
                 articles=[self.article_view(a) for a in self.citing.get(d.number, [])])

    def notes(self, markdown: str) -> str:
        """An entry's notes (the editor's Markdown) as sanitised HTML: the page is HTML for
        any engine (before, a cds build showed the Markdown as it was written)."""
        from pipeline.site import render

        if self._notes is None:               # no toc: ids that could clash with the page's
            self._notes = render.markdown_renderer(("tables", "attr_list", "md_in_html"))
        return render.sanitize_page(self._notes(shift_headings(markdown, top=3)))

    def unknown_page(self) -> None:
        refs = []
        for ref in self.unknown:
            ids = {x[0] for x in ref.articles}
            arts = sorted((a for a in self.published if a.id in ids),
                          key=lambda a: (a.published, a.id), reverse=True)
            refs.append({"number": ref.number, "doc_type": docrefs.doc_type_of(ref.number) or "",
                         "issuer": docrefs.issuer_of(ref.number) or "", "count": ref.count,
                         "articles": [self.article_view(a) for a in arts[:RELATED_ON_UNKNOWN]],
                         "more": len(arts) - RELATED_ON_UNKNOWN})
        self.add(UNKNOWN_URL, {"title": meta_text(UNKNOWN_TITLE)}, "documents-unknown.html",
                 title=UNKNOWN_TITLE, refs=refs)

    def render(self) -> dict[str, str]:
        self.register()
        for d in self.docs:
            self.doc_page(d)
        self.unknown_page()
        self.files[FILTER_JS] = (ASSETS / "van-ban-filter.js").read_text(encoding="utf-8")
        self.files[FILTER_CSS] = (ASSETS / "van-ban.css").read_text(encoding="utf-8")
        return self.files


def register_pages(docs: Sequence[Doc], articles: Sequence[Article], *, site_title: str,
                   source_names: Mapping[str, str] | None = None,
                   urls: Mapping[str, str] | None = None,
                   tz: tzinfo = DEFAULT_TZ, root: Path | str | None = None) -> dict[str, str]:
    """The register's files, site_src-relative path → text: ``van-ban/index.md`` (the filterable
    table), ``van-ban/<slug>/index.md`` per document, ``van-ban/chua-co/index.md`` (cited but
    missing), and the two assets FILTER_JS and FILTER_CSS.

    Only published articles are linked. ``source_names`` maps source ids to names (feeds.yml);
    ``urls`` maps article ids to their page URLs (computed by publish's rule when omitted);
    ``tz`` is the site's time zone; ``root`` the root whose ``templates/`` override the
    package's. Deterministic."""
    return RegisterPages(docs, articles, site_title, source_names or {}, urls, tz, root).render()


def home_block(latest: Sequence[Doc], *, tz: tzinfo = DEFAULT_TZ, root: Path | str | None = None,
               limit: int = HOME_LATEST_DOCS) -> list[str]:
    """The home page's "Văn bản mới" section (``templates/site/home-documents.html``) for the
    documents in ``latest`` (shown ones, newest first), at most ``limit``; [] when there are
    none."""
    docs = list(latest)[:limit]
    if not docs:
        return []
    return [Renderer(environment(root, tz)).render("site/home-documents.html", docs=docs,
                                                   register_url=REGISTER_URL)]
