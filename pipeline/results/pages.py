"""The site's "Kết quả thực hiện" section (``ket-qua/``), the monthly digest (``ket-qua/ban-tin/``)
with its RSS/Atom feed, and ``api/ket-qua.json`` with one ``api/ket-qua/YYYY.json`` a year:
site_src-relative path → bytes, for publish's ``extra``. No page or file grows with the store's
size or age: index pages hold whole years in fixed chunks (:func:`year_chunks`), the JSON one
year a file. Markup comes from the Jinja2 templates beside this module (autoescape on)."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from jinja2 import select_autoescape
from markupsafe import Markup

from pipeline.core.fileio import write_atomic
from pipeline.results import docstats
from pipeline.results import periods as P
from pipeline.results.count import Results
from pipeline.results.plan import Plan
from pipeline.results.svg import bar_chart
from pipeline.site.pages.layout import fixed_pages, page_url
from pipeline.site.publish import front_matter, rel_url
from pipeline.site.templating import Renderer, overridable

BASE = "ket-qua/"
DIGEST = BASE + "ban-tin/"
API = "api/ket-qua.json"
MEMO = "results-pages.json"          # in <root>/.cds/: RenderMemo
FEED_LIMIT = 24
# Index pages in fixed chunks of whole years counted from the oldest year (``trang-N/``, as the
# site's listings and ``luu-tru/``): the newest page holds PER to 2×PER−1 years, so no index
# page grows with the years the store covers, and a new year changes only the newest pages.
DIGEST_YEARS = 2                    # ket-qua/ban-tin/: 12 lines a year, 24–35 months a page
RESULT_YEARS = 10                   # ket-qua/: one table row a year
RSS_TYPE, ATOM_TYPE = "application/rss+xml", "application/atom+xml"

TEMPLATES = Path(__file__).parent / "templates"
ROOT_FOLDER = "results"                 # <root>/templates/results/ overrides TEMPLATES


def renderer(root: Path | str | None = None) -> Renderer:
    """The section's templates: the root's ``templates/results/`` first, then the package's."""
    return overridable(root, ROOT_FOLDER, TEMPLATES, code=Path(__file__),
                       autoescape=select_autoescape(["html", "xml", "j2"], default=True),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _vn(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _page(title: str, body: str, *, description: str = "", feeds: Sequence[Mapping] = ()) -> bytes:
    meta: dict[str, object] = {"title": title}
    if description:
        meta["description"] = description
    if feeds:
        meta["feeds"] = [dict(f) for f in feeds]
    meta["cds_kind"] = "html"
    return (front_matter(meta) + "\n" + body.strip() + "\n").encode("utf-8")


class RenderMemo:
    """The section's rendered templates kept between builds (``.cds/results-pages.json``):
    a template rendered with a context whose pickle's digest is one the last build rendered
    gives the same text, under the same ``base`` (this package's code and templates, the
    root's ``templates/results/``, the Jinja and MarkupSafe versions). A pickle holds every
    value of the context (the plain values, markup apart from text, dates, the dataclasses'
    fields; functions and classes by name, their code being in ``base``), so equal pickles are
    equal contexts; one that cannot be pickled is rendered without the memo. Only what this
    build rendered is kept; a missing, broken or foreign file means every page is rendered."""

    def __init__(self, path: Path | None, root: Path | str | None, templates: Renderer):
        self.path, self.templates = path, templates
        self.base = _memo_base(root) if path is not None else ""
        self.last: dict[str, str] = {}
        self.now: dict[str, str] = {}
        self.rendered = 0
        if path is not None:
            try:
                data = json.loads(Path(path).read_bytes())
            except (OSError, ValueError):
                data = None
            if isinstance(data, dict) and data.get("base") == self.base and \
                    isinstance(data.get("pages"), dict):
                self.last = data["pages"]

    def render(self, name: str, **context: object) -> str:
        if self.path is None:
            return self.templates.render(name, **context)
        try:
            key = hashlib.sha256(pickle.dumps((name, context), protocol=5)).hexdigest()
        except (pickle.PicklingError, TypeError, AttributeError):
            return self.templates.render(name, **context)
        text = self.last.get(key)
        if not isinstance(text, str):
            text = self.templates.render(name, **context)
            self.rendered += 1
        self.now[key] = text
        return text

    def save(self) -> None:
        if self.path is None or (not self.rendered and self.now.keys() == self.last.keys()):
            return
        try:
            write_atomic(Path(self.path), json.dumps(
                {"base": self.base, "pages": self.now}, ensure_ascii=False,
                separators=(",", ":")).encode("utf-8", "surrogatepass"))
        except OSError:
            pass                                # only a memo: the next build renders all


def _memo_base(root: Path | str | None) -> str:
    from importlib.metadata import version

    from pipeline.site import templating
    from pipeline.site.templating import root_folder

    files = [*sorted(Path(__file__).parent.rglob("*")), Path(templating.__file__)]
    own = root_folder(root)
    if own is not None and (own / ROOT_FOLDER).is_dir():
        files += sorted((own / ROOT_FOLDER).rglob("*"))
    h = hashlib.sha256(f"{version('jinja2')} {version('markupsafe')} {own}".encode(
        "utf-8", "surrogateescape"))
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + path.read_bytes())
    return h.hexdigest()


def year_chunks(years: Sequence[int], per: int, base: str) -> list[dict]:
    """``years`` (newest first) in pages of ``per`` whole years counted from the oldest
    (:func:`~pipeline.site.pages.layout.fixed_pages`, as the listings and ``luu-tru/``): each
    page's ``url`` (``base`` for the newest, ``base + "trang-N/"`` for the others, 1 the
    oldest), its ``years``, ``number`` (None for the newest), and its ``newer``/``older``
    neighbours' URLs (None at the ends)."""
    pages = fixed_pages(years, per, base)
    archived = len(pages) - 1
    out = []
    for url, chunk, j in pages:
        older = archived if j is None else j - 1
        out.append({"url": url, "years": list(chunk), "number": j,
                    "newer": None if j is None else page_url(base, j + 1, archived),
                    "older": page_url(base, older, archived) if older >= 1 else None})
    return out


def _span(years: Sequence[int]) -> str:
    return f"{years[-1]}–{years[0]}" if len(years) > 1 else str(years[0]) if years else ""


class _Ctx:
    def __init__(self, res: Results, plan: Plan | None, *, urls: Mapping[str, str],
                 source_names: Mapping[str, str], theme_names: Mapping[str, str],
                 pillar_names: Mapping[str, str], templates: Renderer | RenderMemo):
        self.res, self.plan, self.urls = res, plan, urls
        self.render = templates.render
        self.source_names, self.theme_names, self.pillar_names = (
            source_names, theme_names, pillar_names)

    def item(self, aid: str, frm: str) -> dict:
        a = self.res.articles[aid]
        d = self.res.dates[aid]
        url = self.urls.get(aid)
        return {"title": a.title, "href": rel_url(frm, url) if url else a.url,
                "source": self.source_names.get(a.source, a.source), "date": _vn(d),
                "iso": d.isoformat()}

    def figure(self, fid: str, caption: str, row_head: str, months: list[P.Period],
               table: Mapping[str, Mapping[str, int]], names: Mapping[str, str]) -> dict:
        labels = [p.short for p in months]
        series = [(names.get(k, k), [table.get(k, {}).get(p.key, 0) for p in months])
                  for k in names if k in table] + \
                 [(k, [table[k].get(p.key, 0) for p in months]) for k in sorted(table)
                  if k not in names]
        desc = "; ".join(f"{name}: " + ", ".join(f"{lab} {v}" for lab, v in zip(labels, vals,
                                                                                 strict=True))
                         for name, vals in series) or "Không có số liệu."
        svg = bar_chart(fid, caption, desc, labels, series)
        return {"id": fid, "svg": Markup(svg), "caption": caption, "row_head": row_head,
                "labels": labels, "series": series}


def _task_target(t) -> str:
    return t.target.text if t.target else ""


def site_files(res: Results, plan: Plan | None, *, site_url: str, site_title: str,
               urls: Mapping[str, str], source_names: Mapping[str, str],
               theme_names: Mapping[str, str], pillar_names: Mapping[str, str],
               docs: Sequence = (), doc_rows: Mapping[int, list[dict]] | None = None,
               doc_json: Mapping | None = None,
               root: Path | str | None = None,
               memo: Path | None = None) -> dict[str, bytes]:
    """Every file of the section (``root``: whose ``templates/results/`` override the package's). ``urls``: article id → page URL (publish's ``article_urls``);
    ``docs``: the register's entries (for the digest's new documents); ``doc_rows``: year →
    the register's figures per quarter (``docstats.year_rows``); ``doc_json``: their JSON."""
    templates = RenderMemo(memo, root, renderer(root))
    ctx = _Ctx(res, plan, urls=urls, source_names=source_names, theme_names=theme_names,
               pillar_names=pillar_names, templates=templates)
    render = ctx.render
    files: dict[str, bytes] = {}
    plan_name = f"Kế hoạch số {plan.number}" if plan and plan.number else ""
    today = _vn(res.today)
    result_pages = year_chunks(list(reversed(res.years)), RESULT_YEARS, BASE)
    digest_pages = year_chunks(_digest_years(res), DIGEST_YEARS, DIGEST)
    result_at = {y: pg["url"] for pg in result_pages for y in pg["years"]}
    digest_at = {y: pg["url"] for pg in digest_pages for y in pg["years"]}
    year_rows = {}
    for y in res.years:
        yp = P.year(y)
        months = P.year_periods(y)[:12]
        longer = P.year_periods(y)[12:]
        frm = f"{BASE}{y}/"
        # The year's own cells only: a page's context (pickled whole by the memo) holds one
        # year, not every period of the store (that made each year page cost years × articles).
        keys = {p.key for p in P.year_periods(y)}
        rows = []
        for tr in res.tasks:
            yc = tr.cells[str(y)]
            slug = f"nhiem-vu-{tr.task.number}/"
            href = slug if yc.count else ""
            anchor = {f"{y}-Q{q}": f"#quy-{q}" for q in range(1, 5)}
            anchor.update({f"{y}-H1": "#quy-1", f"{y}-H2": "#quy-3", str(y): ""})
            rows.append({"task": tr.task, "href": href, "anchor": anchor,
                         "cells": {k: c for k, c in tr.cells.items() if k in keys},
                         "target": _task_target(tr.task), "year_cell": yc})
            if yc.count:
                quarters = []
                for q in range(1, 5):
                    qp = P.quarter(y, q)
                    mos = []
                    for mp in qp.months():
                        ids = tr.cells[mp.key].ids
                        if ids:
                            mos.append({"mm": mp.key[5:], "label": mp.label,
                                        "arts": [ctx.item(i, frm + slug) for i in ids]})
                    quarters.append({"number": q, "label": qp.label, "months": mos})
                files[f"{frm}{slug}index.md"] = _page(
                    f"Nhiệm vụ {tr.task.number}: minh chứng năm {y}",
                    render("evidence.html.j2", task=tr.task, year=y, quarters=quarters,
                           target=_task_target(tr.task)))
        task_table = {str(tr.task.number): {p.key: tr.cells[p.key].count for p in months}
                      for tr in res.tasks if tr.cells[str(y)].count}
        task_names = {str(tr.task.number): f"Nhiệm vụ {tr.task.number}" for tr in res.tasks
                      if tr.cells[str(y)].count}
        body = render(
            "year.html.j2", year=y, today=today, plan_name=plan_name, months=months,
            longer=longer, tasks=rows,
            task_chart=ctx.figure(f"bieu-do-nhiem-vu-{y}",
                                  f"Tin bài minh chứng theo nhiệm vụ, từng tháng năm {y}",
                                  "Nhiệm vụ", months, task_table, task_names),
            theme_chart=ctx.figure(f"bieu-do-chu-de-{y}", f"Tin bài theo chủ đề, từng tháng năm {y}",
                                   "Chủ đề", months, res.themes, theme_names),
            pillar_chart=ctx.figure(f"bieu-do-tru-cot-{y}",
                                    f"Tin bài theo trụ cột, từng tháng năm {y}", "Trụ cột",
                                    months, res.pillars, pillar_names),
            sources=[{"name": src.name, "cadence": src.cadence,
                      "months": {k: c for k, c in src.months.items() if k in keys}}
                     for src in res.sources],
            doc_rows=(doc_rows or {}).get(y), days=docstats.days,
            years_href=rel_url(frm, result_at.get(y, BASE)),
            digests_href=rel_url(frm, digest_at.get(y, DIGEST)))
        files[f"{frm}index.md"] = _page(f"Kết quả thực hiện năm {y}", body)
        cells = [tr.cells[str(y)] for tr in res.tasks]
        year_rows[y] = {"year": y, "href": "", "articles": len(res.in_period(yp)),
                        "met": sum(c.met is True for c in cells),
                        "missed": sum(c.met is False for c in cells),
                        "open": sum(c.met is None for c in cells)}
    for pg in result_pages:
        frm = pg["url"]
        span = _span(pg["years"])
        rows = [dict(year_rows[y], href=rel_url(frm, f"{BASE}{y}/")) for y in pg["years"]]
        files[frm + "index.md"] = _page(
            "Kết quả thực hiện" if pg["number"] is None else f"Kết quả thực hiện: năm {span}",
            render("index.html.j2", years=rows, today=today, span=span, number=pg["number"],
                   plan_name=plan_name, plan_title=plan.title if plan else "",
                   newer=pg["newer"] and rel_url(frm, pg["newer"]),
                   older=pg["older"] and rel_url(frm, pg["older"]),
                   digests_href=rel_url(frm, DIGEST), json_href=rel_url(frm, API),
                   home_href=rel_url(frm, BASE)),
            description="Kết quả thực hiện kế hoạch truyền thông chuyển đổi số, theo tháng")
    files.update(_digests(ctx, digest_pages, site_url=site_url, site_title=site_title,
                          docs=docs))
    for path, data in as_json(res, plan, doc_json).items():
        files[path] = (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
                       + "\n").encode("utf-8")
    templates.save()
    return files


def _digest_years(res: Results) -> list[int]:
    """The years that have a monthly digest (a month begun by today), newest first."""
    return sorted({mp.start.year for mp in res.months if mp.start <= res.today}, reverse=True)


def _digests(ctx: _Ctx, pages: Sequence[Mapping], *, site_url: str, site_title: str,
             docs: Sequence) -> dict[str, bytes]:
    """The month pages, the index pages (``pages``: :func:`year_chunks` of the digests' years)
    and the feed (the newest :data:`FEED_LIMIT` months)."""
    res, render = ctx.res, ctx.render
    index_at = {y: pg["url"] for pg in pages for y in pg["years"]}
    files: dict[str, bytes] = {}
    feed_meta = [{"title": "Bản tin chuyển đổi số hằng tháng (RSS)", "href": DIGEST + "rss.xml",
                  "type": RSS_TYPE},
                 {"title": "Bản tin chuyển đổi số hằng tháng (Atom)",
                  "href": DIGEST + "atom.xml", "type": ATOM_TYPE}]
    entries = []
    issued: dict[str, list] = {}                    # month key → the documents issued in it
    for d in sorted((d for d in docs if d.issued), key=lambda d: (d.issued, d.number)):
        issued.setdefault(f"{d.issued.year}-{d.issued.month:02d}", []).append(d)
    for mp in reversed(res.months):
        if mp.start > res.today:
            continue
        frm = f"{DIGEST}{mp.key}/"
        ids = res.per_month.get(mp.key, [])
        themes = []
        for tid, name in list(ctx.theme_names.items()) + [("", "Chưa phân chủ đề")]:
            items = [ctx.item(i, frm) for i in ids
                     if (tid in res.articles[i].themes if tid else not res.articles[i].themes)]
            if items:
                themes.append({"name": name, "arts": items})
        featured = [ctx.item(i, frm) for i in ids if res.articles[i].featured]
        new_docs = [{"label": d.label, "title": d.title, "href": rel_url(frm, d.url_path)}
                    for d in issued.get(mp.key, ())]
        met, missed = [], []
        for tr in res.tasks:
            c = tr.cells[mp.key]
            if c.met is None:
                continue
            row = {"number": tr.task.number, "name": tr.task.name, "count": c.count,
                   "target": _task_target(tr.task), "met": c.met}
            (met if c.met else missed).append(row)
        body = render("digest.html.j2", label=mp.label, year=mp.start.year, total=len(ids),
                      themes=themes, featured=featured, docs=new_docs, met=met, missed=missed,
                      index_href=rel_url(frm, index_at.get(mp.start.year, DIGEST)))
        files[f"{frm}index.md"] = _page(f"Bản tin chuyển đổi số {mp.label.lower()}", body,
                                        feeds=feed_meta)
        newest = max((res.articles[i].published for i in ids), default=None)
        updated = newest.astimezone(UTC) if newest else \
            datetime.combine(mp.start, time(), UTC)
        summary = (f"{len(ids)} tin bài; {len(featured)} câu chuyện nổi bật; "
                   f"{len(new_docs)} văn bản mới; {len(met)} nhiệm vụ đạt, "
                   f"{len(missed)} chưa đạt chỉ tiêu.")
        entries.append({"key": mp.key, "year": mp.start.year, "label": mp.label,
                        "total": len(ids), "title": f"Bản tin chuyển đổi số {mp.label.lower()}",
                        "url": site_url.rstrip("/") + "/" + frm, "summary": summary,
                        "updated": updated})
    for pg in pages:
        frm = pg["url"]
        span = _span(pg["years"])
        years = [{"year": y, "months": [dict(label=e["label"], total=e["total"],
                                             href=rel_url(frm, f"{DIGEST}{e['key']}/"))
                                        for e in entries if e["year"] == y]}
                 for y in pg["years"]]
        title = "Bản tin chuyển đổi số hằng tháng"
        files[frm + "index.md"] = _page(
            title if pg["number"] is None else f"{title}: năm {span}",
            render("digests.html.j2", years=years, span=span, number=pg["number"],
                   newer=pg["newer"] and rel_url(frm, pg["newer"]),
                   older=pg["older"] and rel_url(frm, pg["older"]),
                   rss_href=rel_url(frm, DIGEST + "rss.xml"),
                   atom_href=rel_url(frm, DIGEST + "atom.xml"),
                   results_href=rel_url(frm, BASE), home_href=rel_url(frm, DIGEST)),
            feeds=feed_meta)
    feed = entries[:FEED_LIMIT]
    last = max((e["updated"] for e in feed), default=datetime(2000, 1, 1, tzinfo=UTC))
    base = site_url.rstrip("/") + "/" + DIGEST
    files[DIGEST + "rss.xml"] = render("digest.rss.j2", entries=feed, base=base,
                                       site_title=site_title, last=last).encode("utf-8")
    files[DIGEST + "atom.xml"] = render("digest.atom.j2", entries=feed, base=base,
                                        site_title=site_title, last=last).encode("utf-8")
    return files


def as_json(res: Results, plan: Plan | None, doc_json: Mapping | None = None) -> dict[str, dict]:
    """The numbers of the section (documented in docs/plan-yml.md): ``api/ket-qua.json``, the
    plan, its tasks and the sources with one line a year, and ``api/ket-qua/YYYY.json``, that
    year's months, periods, evidence and figures, so no file grows with the store's size or
    age beyond one year's (``doc_json``: :func:`docstats.as_json`)."""
    def cell(c) -> dict:
        return {"count": c.count, "met": c.met, "detail": c.detail, "articles": c.ids}

    def of(y: int, key: str) -> bool:
        return key == str(y) or key.startswith(f"{y}-")

    docs = doc_json or {}
    index: dict = {
        "version": 2,
        "today": res.today.isoformat(),
        "plan": {"number": plan.number, "title": plan.title} if plan else None,
        "tasks": [{"number": tr.task.number, "name": tr.task.name, "units": list(tr.task.units),
                   "target": tr.task.target.text if tr.task.target else None}
                  for tr in res.tasks],
        "sources": [{"id": s.id, "name": s.name, "cadence": s.cadence or None}
                    for s in res.sources],
        "years": [{"year": y, "articles": len(res.in_period(P.year(y))),
                   "url": f"ket-qua/{y}.json"} for y in res.years],
    }
    if doc_json is not None:
        index["documents"] = {"lag_median": docs.get("lag_median"),
                              "lag_max": docs.get("lag_max")}
    out = {API: index}
    for y in res.years:
        data: dict = {
            "version": 2,
            "year": y,
            "today": res.today.isoformat(),
            "months": [m.key for m in res.months if of(y, m.key)],
            "tasks": [{"number": tr.task.number,
                       "periods": {k: cell(c) for k, c in tr.cells.items() if of(y, k)}}
                      for tr in res.tasks],
            "sources": [{"id": s.id, "months": {k: {"count": c.count, "met": c.met}
                                                for k, c in s.months.items() if of(y, k)}}
                        for s in res.sources],
            "themes": {t: {k: n for k, n in per.items() if of(y, k)}
                       for t, per in res.themes.items()},
            "pillars": {t: {k: n for k, n in per.items() if of(y, k)}
                        for t, per in res.pillars.items()},
        }
        if doc_json is not None:
            data["documents"] = (docs.get("years") or {}).get(y, {})
        out[f"api/ket-qua/{y}.json"] = data
    return out
