"""The data that flows between stages. Dataclasses only: no I/O, no imports of stage modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

THEMES = ("nhan-thuc", "trach-nhiem", "van-ban", "dien-hinh")
PILLARS = ("chinh-quyen-so", "kinh-te-so", "xa-hoi-so")
STATUSES = ("published", "pending", "rejected")


# --- configuration (feeds.yml) ---------------------------------------------------------------

@dataclass(frozen=True)
class ListSelectors:
    """CSS selectors for a listing page (``kind: html``)."""
    item: str
    link: str
    title: str | None = None
    date: str | None = None
    summary: str | None = None
    next: str | None = None
    max_pages: int = 1


@dataclass(frozen=True)
class ArticleSelectors:
    """CSS selectors for an article page."""
    body: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocFields:
    """CSS selectors for a document's fields, in a listing row or on its detail page."""
    number: str | None = None                   # số/ký hiệu
    date: str | None = None                     # ngày ban hành
    issuer: str | None = None                   # cơ quan ban hành
    type: str | None = None                     # loại văn bản
    summary: str | None = None                  # trích yếu
    file: str | None = None                     # link to the file (PDF/DOC/DOCX)


@dataclass(frozen=True)
class DocSelectors:
    """A document listing (``kind: documents``): one ``row`` per document, its fields, the
    ``link`` to the detail page, pagination, and optionally fields read on the detail page."""
    row: str
    fields: DocFields
    link: str | None = None
    next: str | None = None
    max_pages: int = 1
    detail: DocFields | None = None


@dataclass(frozen=True)
class Cadence:
    """The plan's publishing target for a source: ``count`` items ``per`` day|week|month."""
    count: int
    per: str


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    kind: str                                   # "feed" | "html" | "documents"
    url: str
    timeout: float = 20.0                       # seconds per request
    interval: int = 1800                        # seconds between scheduled harvests
    max_items: int = 100
    user_agent: str = "cds"
    aliases: tuple[str, ...] = ()               # other hostnames of the same site
    keywords: tuple[str, ...] = ()
    list: ListSelectors | None = None
    article: ArticleSelectors | None = None
    cadence: Cadence | None = None
    enabled: bool = True
    documents: DocSelectors | None = None       # kind: documents
    review: bool = False                        # new articles (and documents) wait for an editor

    @property
    def host(self) -> str:
        from pipeline.core.urls import host_of
        return host_of(self.url)

    def hosts(self) -> frozenset[str]:
        """The hostnames of the source's site: that of ``url`` and its aliases."""
        return frozenset({self.host, *(a.lower() for a in self.aliases)})

    def alias_map(self) -> dict[str, str]:
        """alias host → the canonical ``scheme://host[:port]`` of ``url``."""
        from urllib.parse import urlsplit
        parts = urlsplit(self.url)
        return {a.lower(): f"{parts.scheme}://{parts.netloc}" for a in self.aliases}


@dataclass(frozen=True)
class Site:
    title: str
    url: str
    timezone: str = "Asia/Ho_Chi_Minh"
    description: str = ""
    language: str = "vi"
    search: bool = True                         # the "Tìm kiếm" page and its Pagefind index
    hub: str = ""                               # a WebSub hub the feeds declare ("": none)


@dataclass(frozen=True)
class Defaults:
    timeout: float = 20.0
    interval: int = 1800
    concurrency: int = 8
    max_items: int = 100
    user_agent: str = "cds/0.1 (chuyen-doi-so harvester)"


@dataclass(frozen=True)
class Config:
    root: Path
    site: Site
    defaults: Defaults
    sources: tuple[Source, ...]

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def state_dir(self) -> Path:
        """Harvest state (validators, health, run reports, lock): ``<root>/.cds/``."""
        return self.root / ".cds"


# --- fetching ---------------------------------------------------------------------------------

@dataclass
class Fetched:
    """One HTTP answer. ``body`` is the decompressed bytes (empty on 304)."""
    url: str                                    # the address asked for
    final_url: str                              # after redirects
    status: int
    headers: dict[str, str]                     # lower-case names
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


# --- extraction -------------------------------------------------------------------------------

@dataclass
class Item:
    """An article as read from a source, before cleaning and storage.

    ``content_html`` is the source's HTML (unsanitised); ``clean`` turns it into Markdown.
    ``published`` is timezone-aware or None when no date was found.
    """
    url: str                                    # canonical address
    title: str = ""
    content_html: str = ""
    summary: str = ""
    published: datetime | None = None
    author: str = ""
    image: str = ""
    guid: str = ""                              # the feed's id for the entry, if any
    full: bool = False                          # True when content_html is the whole article
    fingerprint: str = ""                       # digest of the listing entry / feed item as seen


@dataclass
class Article:
    """One stored article: front matter fields plus the Markdown body."""
    id: str
    title: str
    url: str
    source: str
    published: datetime
    harvested: datetime
    body: str = ""
    updated: datetime | None = None
    author: str = ""
    summary: str = ""
    image: str = ""
    themes: list[str] = field(default_factory=list)
    pillars: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    doc_refs: list[str] = field(default_factory=list)
    also_at: list[str] = field(default_factory=list)
    status: str = "published"
    featured: bool = False
    date_estimated: bool = False
    themes_locked: bool = False
    locked: bool = False
    extra: dict = field(default_factory=dict)   # unknown front-matter keys, kept as they are
    path: Path | None = None                    # relative to content/, set by the store


@dataclass
class Tagging:
    """What the tagger found in a text."""
    themes: list[str] = field(default_factory=list)
    pillars: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)       # activity tags
    doc_refs: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)


# --- reporting --------------------------------------------------------------------------------

@dataclass
class SourceReport:
    source: str
    fetched: int = 0            # items read from the source
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0            # filtered out by keywords, locked, or duplicates
    duplicates: int = 0         # syndicated copies merged into another article
    date_estimated: int = 0
    images_failed: int = 0      # pictures that could not be mirrored (left linked at the source)
    not_modified: bool = False
    failed: str | None = None   # reason, when the source failed
    errors: list[str] = field(default_factory=list)   # per-item problems that did not fail it

    @property
    def ok(self) -> bool:
        return self.failed is None


@dataclass
class RunReport:
    started: datetime
    finished: datetime | None = None
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    @property
    def changed(self) -> bool:
        return any(s.new or s.updated or s.duplicates for s in self.sources)

    def totals(self) -> dict[str, int]:
        keys = ("fetched", "new", "updated", "unchanged", "skipped", "duplicates", "date_estimated")
        out = {k: sum(getattr(s, k) for s in self.sources) for k in keys}
        out["failed"] = sum(1 for s in self.sources if s.failed)
        return out
