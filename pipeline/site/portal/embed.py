"""Embeddable columns under ``embed/``: small static pages a portal shows in an ``<iframe>``.

One folder per channel (the whole site ``embed/``, each theme ``embed/chu-de/<id>/``, each
source ``embed/nguon/<id>/``) holding ``<variant>-<n>.html`` for the colour variants
``sang`` (light), ``toi`` (dark) and ``tu-dong`` (follows the reader's system setting) and
5 to 10 items, plus ``index.html`` (``tu-dong-10``). The pages are Jinja2 templates with
autoescape: no script, no web font, no picture, a Content-Security-Policy that forbids
loading anything; every link is absolute on the site and opens in a new tab
(``target="_blank" rel="noopener"``).

:func:`site_files` is the webmasters' page (``nhung-tin/``) that builds the ``<iframe>`` line.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from pipeline.core.models import Article
from pipeline.site.templating import Renderer, overridable

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "portal"
PREFIX = "embed/"
VARIANTS = {"sang": "Sáng", "toi": "Tối", "tu-dong": "Theo máy người xem"}
COUNTS = range(5, 11)
DEFAULT = ("tu-dong", 10)
PAGE_URL = "nhung-tin/"

ROOT_FOLDER = "portal"                  # <root>/templates/portal/ overrides TEMPLATES


def renderer(root: Path | str | None) -> Renderer:
    """The columns' templates: the root's ``templates/portal/`` first, then the package's."""
    return overridable(root, ROOT_FOLDER, TEMPLATES, code=Path(__file__), autoescape=True,
                       keep_trailing_newline=True,
                       undefined=jinja2.StrictUndefined)


def file_name(variant: str, count: int) -> str:
    return "index.html" if (variant, count) == DEFAULT else f"{variant}-{count}.html"


def channels(ctx) -> list[tuple[str, str, str, list[Article]]]:
    """(folder under embed/, title, page on the site, articles) for the site, themes, sources."""
    out = [("", ctx.config.site.title, "", ctx.articles)]
    out += [(f"chu-de/{t}/", name, f"chu-de/{t}/", ctx.of_theme(t)) for t, name in ctx.theme_names.items()]
    out += [(f"nguon/{s}/", name, f"nguon/{s}/", ctx.of_source(s)) for s, name in ctx.sources.items()]
    return out


def _item(ctx, art: Article) -> dict:
    local = art.published.astimezone(ctx.tz)
    return {"title": art.title, "url": ctx.link(art), "source": ctx.source_name(art),
            "datetime": local.replace(microsecond=0).isoformat(), "date": local.strftime("%d/%m/%Y")}


def write(ctx, out) -> None:
    """Every column; one whose key (its channel, variant, count and the keys of the articles
    it shows: ``api.file_key``) is the last build's and whose file is there is not made again."""
    render = renderer(ctx.config.root).render
    for folder, title, page, arts in channels(ctx):
        _channel(ctx, out, render, folder, title, page, arts[:max(COUNTS)])


def _channel(ctx, out, render, folder: str, title: str, page: str, shown: list[Article]) -> None:
    from pipeline.site.portal.api import file_key

    items: list[dict] = []

    def html(variant: str, count: int) -> bytes:
        if not items:
            items.extend(_item(ctx, a) for a in shown)
        return render("embed.html", title=title, page_url=ctx.abs(page),
                      site_title=ctx.config.site.title, site_url=ctx.abs(""), items=items[:count],
                      variant=variant, lang=ctx.config.site.language or "vi").encode("utf-8")

    for variant in VARIANTS:
        for count in COUNTS:
            rel = f"{PREFIX}{folder}{file_name(variant, count)}"
            key = file_key(ctx, [rel, title, page, variant, count], shown[:count])
            if key is None:
                out.put(rel, html(variant, count))
            else:
                out.made(rel, key, lambda v=variant, c=count: html(v, c))


def site_files(config, theme_names: dict[str, str], sources: dict[str, str]) -> dict[str, bytes]:
    """The webmasters' page ``nhung-tin/index.md`` and its small script, for ``site_src/``
    (publish's ``extra``)."""
    base = config.site.url.rstrip("/") + "/"
    columns = [("", config.site.title)]
    columns += [(f"chu-de/{t}/", f"Chủ đề: {n}") for t, n in theme_names.items()]
    columns += [(f"nguon/{s}/", f"Nguồn: {n}") for s, n in sources.items()]
    templates = renderer(config.root)
    page = templates.render(
        "nhung-tin.md", base=base, columns=columns, variants=VARIANTS, counts=list(COUNTS),
        default_src=base + PREFIX + "index.html", site_title=config.site.title)
    return {PAGE_URL + "index.md": page.encode("utf-8"),
            "assets/cds-nhung.js": _script(templates)}


def _script(templates: Renderer) -> bytes:
    """The webmasters' page script, the root's copy when it has one (copied as it is)."""
    name = templates.env.get_template("cds-nhung.js").filename
    return Path(name).read_bytes()
