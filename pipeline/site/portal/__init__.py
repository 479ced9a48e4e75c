"""What the site offers other sites: the static JSON API (``api/``), embeddable columns
(``embed/``), OPML lists, share cards' image sizes and the webmasters' page.

:func:`write_portal` is called by the site build right after the feeds (``sitebuild``); every
file is written only when its bytes changed, and the list of files goes into the build's
outputs so a file nothing makes any more is removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import config as config_mod
from pipeline.core.fileio import write_atomic
from pipeline.core.models import THEMES, Article, Config


@dataclass
class PortalResult:
    files: list[str] = field(default_factory=list)     # site-relative paths
    written: int = 0
    unchanged: int = 0


class Context:
    """The published articles, newest first, with everything a page about them needs."""

    def __init__(self, config: Config, articles: Sequence[Article], *,
                 urls: Mapping[str, str] | None = None,
                 theme_names: Mapping[str, str] | None = None,
                 docs: Sequence[object] = ()):
        from pipeline.site import feeds_out

        self.config = config
        self.tz = config_mod.timezone(config)
        self.base = config.site.url.rstrip("/") + "/"
        self.urls = dict(urls or {})
        self.theme_names = dict(theme_names or {t: t for t in THEMES})
        self.sources = {s.id: s.name for s in config.sources}
        self.source_urls = {s.id: s.url for s in config.sources}
        self.articles = sorted((a for a in articles if a.status == "published"),
                               key=lambda a: (a.published, a.id), reverse=True)
        for art in self.articles:
            self.sources.setdefault(art.source, art.source)
        self.docs = list(docs)
        self._guid = feeds_out.guid
        self._fallback = feeds_out.fallback_url

    def abs(self, rel: str) -> str:
        return self.base + rel.lstrip("/")

    def link(self, art: Article) -> str:
        return self.abs(self.urls.get(art.id) or self._fallback(art, self.tz))

    def guid(self, art: Article) -> str:
        return self._guid(self.config, art)

    def local_iso(self, dt) -> str:
        return dt.astimezone(self.tz).replace(microsecond=0).isoformat()

    def source_name(self, art: Article) -> str:
        return self.sources.get(art.source, art.source)

    def of_theme(self, tid: str) -> list[Article]:
        return [a for a in self.articles if tid in a.themes]

    def of_source(self, sid: str) -> list[Article]:
        return [a for a in self.articles if a.source == sid]


class Writer:
    """Collects files; writes each only when its bytes changed."""

    def __init__(self, site_dir: Path):
        self.site_dir = Path(site_dir)
        self.result = PortalResult()

    def put(self, rel: str, data: bytes) -> None:
        self.result.files.append(rel)
        path = self.site_dir / rel
        try:
            if path.read_bytes() == data:
                self.result.unchanged += 1
                return
        except OSError:
            pass
        write_atomic(path, data)
        self.result.written += 1


def write_portal(config: Config, articles: Sequence[Article], site_dir: Path, *,
                 urls: Mapping[str, str] | None = None,
                 theme_names: Mapping[str, str] | None = None) -> PortalResult:
    """The JSON API, the embeddable columns and the OPML lists into ``site_dir``.
    ``articles`` as the feeds get them (``media.for_feeds``: absolute picture addresses)."""
    from pipeline.site.portal import api, embed, opml
    from pipeline.store import register

    docs = register.load_docs(config.content_dir)      # never raises: `cds check` reports
    ctx = Context(config, articles, urls=urls, theme_names=theme_names, docs=docs)
    out = Writer(site_dir)
    api.write(ctx, out)
    embed.write(ctx, out)
    opml.write(ctx, out)
    return out.result
