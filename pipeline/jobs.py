"""The pipeline, one screen per job: ``harvest()``, ``build()``, ``demo()``.

Stage modules never call each other; this module is where their results meet.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import shutil
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tqdm import tqdm

from pipeline import config as config_mod
from pipeline.core import fileio
from pipeline.core.dateline import strip_dateline
from pipeline.core.errors import CdsError, ConfigError, ExtractError, FetchError
from pipeline.core.models import Article, Config, Item, RunReport, Source, SourceReport
from pipeline.core.text import mentions_any, nfc
from pipeline.harvest import clean, confine, dedupe, docfiles, docharvest, extract, feedcut, media
from pipeline.harvest.fetch import ACCEPT_FEED, ACCEPT_PAGE, Fetcher
from pipeline.site import publish, search, sitebuild
from pipeline.site.pages.builder import search_page
from pipeline.site.pages.register import register_pages
from pipeline.site.sitecontent import SiteContent, gather, write_build_report
from pipeline.store import articles as store_mod
from pipeline.store import register
from pipeline.store.articles import open_store
from pipeline.store.state import State, atomic_write
from pipeline.tagging import tag as tagger

PACKAGE = Path(__file__).parent
KEEP_RUN_REPORTS = 500          # .cds/runs/ keeps this many reports, newest


# --- harvest ---------------------------------------------------------------------------------

@dataclass
class Harvested:
    """What one source's network phase produced: full items ready to store, and its report."""
    source: Source
    report: SourceReport
    items: list[Item] = field(default_factory=list)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)     # url → fingerprint, once handled
    retry_after: float | None = None
    fresh: bool = False                 # the source's reading settings changed: read all anew
    interrupted: bool = False           # stopped early (``stop``): health and validators kept
    docs: list = field(default_factory=list)    # kind: documents: docharvest.Listed rows


def harvest(config: Config, *, source_ids: Iterable[str] = (), due_only: bool = False,
            progress: bool = True, stop: Callable[[], bool] | None = None) -> RunReport:
    """Fetch every enabled source (or the named ones), store new and changed articles, tag them,
    write the run report. A failing source is recorded and never stops the others.

    ``stop`` is asked between requests; once it returns True the sources still fetching end
    early: what they fetched is stored, but their validators and health stay as they were, so
    the next run fetches the rest."""
    tz = config_mod.timezone(config)
    clock = datetime.now(tz)
    started = clock.replace(microsecond=0)      # what articles and health record
    state = State.load(config.state_dir)
    if state.warning:                   # a corrupt state.json was set aside: say so, and where
        print(f"warning: {state.warning}", file=sys.stderr, flush=True)
    store = open_store(config)
    store.cleanup()
    mirror = media.MediaStore.for_config(config)        # content/media/ + .cds/media.json
    mirror.cleanup()
    taxonomy = tagger.Taxonomy.load(config.root)
    sources = select_sources(config, source_ids)
    if due_only:
        sources = [s for s in sources if state.is_due(s, started)]
    report = RunReport(started=clock)

    results: dict[str, Harvested] = {}
    workers = max(1, min(config.defaults.concurrency, len(sources) or 1))
    with Fetcher() as fetcher, ThreadPoolExecutor(max_workers=workers,
                                                  thread_name_prefix="harvest") as pool:
        futures = {pool.submit(fetch_source, fetcher, s, state, store, tz, stop): s
                   for s in sources}
        bar = tqdm(total=len(futures), desc="Nguồn", unit="nguồn", disable=not progress,
                   file=sys.stderr, leave=False)
        for fut in as_completed(futures):
            src = futures[fut]
            try:
                results[src.id] = fut.result()
            except Exception as exc:  # a bug in one source's handling must not stop the others
                results[src.id] = Harvested(src, SourceReport(src.id, failed=f"internal error: {exc!r}"))
            bar.update(1)
        bar.close()

    index = dedupe.DupIndex()
    for art in store.articles():
        index.add(art.id, art.body)
    names = {s.id: s.name for s in config.sources}
    images = Fetcher(max_bytes=media.MAX_BYTES)   # pictures, fetched while storing (store_items)
    try:
        _store_all(config, sources, results, state, store, index, taxonomy, names, started,
                   report, mirror, images, stop)
    finally:
        images.close()
        mirror.save()
    report.finished = datetime.now(tz)
    state.save()
    write_run_report(config, report)
    return report


def _store_all(config: Config, sources: list[Source], results: dict[str, Harvested],
               state: State, store: store_mod.Store, index: dedupe.DupIndex, taxonomy,
               names: dict[str, str], started: datetime, report: RunReport,
               mirror: media.MediaStore, images: Fetcher,
               stop: Callable[[], bool] | None) -> None:
    """The storing phase of a harvest: each source's items in feeds.yml order (deterministic),
    their pictures mirrored first, then the pictures of articles stored earlier."""
    for src in sources:
        h = results[src.id]
        new_dates: list[datetime] = []
        if not h.report.failed:
            if src.kind == "documents":
                with Fetcher(max_bytes=docfiles.MAX_FILE_BYTES) as files:
                    new_dates = docharvest.store_documents(config, h, files, state, started)
            else:
                new_dates = store_items(h, store, index, taxonomy, names, started,
                                        mirror=mirror, fetch=media.image_fetcher(images, src))
            for url, fingerprint in h.seen.items():     # only entries stored (or let go)
                state.set_seen(url, fingerprint)
        # Validators are kept only when everything the listing led to was read and stored:
        # otherwise the next run would get a 304 and never retry the pages that failed.
        if not (h.interrupted or h.report.failed or h.report.errors):
            for url, (etag, modified) in h.validators.items():
                state.set_validators(url, etag, modified)
        if h.report.failed:
            state.record_failure(src.id, started, h.report.failed, retry_after=h.retry_after)
        elif not h.interrupted:
            state.record_success(src.id, started, items=h.report.new, interval=src.interval)
            if not h.report.errors:
                state.set_settings(src.id, reading_settings(src))
        if new_dates or not h.report.failed:
            state.record_items(src.id, new_dates)
        report.sources.append(h.report)
    if stop is None or not stop():
        mirror_stored(config, store, mirror, images)


def reading_settings(src: Source) -> str:
    """A digest of how a source is read (kind, selectors, keywords, aliases): when an editor
    changes it, the next harvest reads every listed entry again, ignoring validators."""
    text = repr((src.kind, src.url, src.list, src.article, src.keywords, src.aliases)
                + ((src.documents,) if src.documents else ()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def select_sources(config: Config, source_ids: Iterable[str]) -> list[Source]:
    wanted = list(source_ids)
    unknown = [i for i in wanted if config.source(i) is None]
    if unknown:
        raise ConfigError([f"--source {i}: no such source in feeds.yml" for i in unknown])
    if wanted:
        return [config.source(i) for i in wanted]
    return [s for s in config.sources if s.enabled]


def fetch_source(fetcher: Fetcher, src: Source, state: State, store: store_mod.Store,
                 tz: ZoneInfo, stop: Callable[[], bool] | None = None) -> Harvested:
    """The network phase of one source: listing or feed, then the article pages it needs."""
    h = Harvested(src, SourceReport(src.id))
    h.fresh = state.settings(src.id) not in (None, reading_settings(src))

    def stopped() -> bool:
        if stop is not None and stop():
            h.interrupted = True
            h.report.errors.append("interrupted: the rest is fetched on the next run")
            return True
        return False

    if stopped():
        return h
    if src.kind == "documents":
        try:
            return docharvest.fetch_source(
                fetcher, src, state, h, lambda url: conditional_get(fetcher, src, url, state, h),
                stopped)
        except (FetchError, ExtractError) as exc:
            h.report.failed = exc.reason
            h.retry_after = getattr(exc, "retry_after", None)
            return h
    try:
        items = list_items(fetcher, src, state, tz, h)
    except (FetchError, ExtractError) as exc:
        h.report.failed = exc.reason
        h.retry_after = getattr(exc, "retry_after", None)
        return h
    if h.report.not_modified:
        return h
    items = items[: src.max_items]
    h.report.fetched = len(items)
    for item in items:
        if stopped():
            break
        if not h.fresh and item.fingerprint and state.seen(item.url) == item.fingerprint:
            h.report.unchanged += 1          # the entry is as it was: do not re-fetch the page
            continue
        try:
            full = complete_item(fetcher, src, item, tz)
        except (FetchError, ExtractError) as exc:
            h.report.errors.append(f"{item.url}: {exc.reason}")
            continue
        h.items.append(full)
    if items and not h.items and h.report.errors and not h.report.unchanged and not h.interrupted:
        h.report.failed = f"no article page could be read ({h.report.errors[0]})"
    return h


def list_items(fetcher: Fetcher, src: Source, state: State, tz: ZoneInfo,
               h: Harvested) -> list[Item]:
    """The feed's entries, or the listing pages' entries up to ``max_pages``."""
    if src.kind == "feed":
        fetched = conditional_get(fetcher, src, src.url, state, h)
        if fetched.not_modified:
            h.report.not_modified = True
            return []
        # the entries that cannot be kept are cut before feedparser reads them all
        return extract.read_feed(feedcut.precut(fetched, src.max_items), src, tz)
    items: list[Item] = []
    url: str | None = src.url
    pages = src.list.max_pages if src.list else 1
    seen_pages: set[str] = set()
    for page in range(pages):
        if not url or url in seen_pages:
            break
        seen_pages.add(url)
        if not confine.on_site(src, url):        # a `next` link off the source's site
            h.report.errors.append(f"{url}: next listing page not on the source's site "
                                   "(not fetched)")
            break
        fetched = conditional_get(fetcher, src, url, state, h)
        if fetched.not_modified:
            if page == 0:                     # first page unchanged: nothing new anywhere
                h.report.not_modified = True
                return []
            break
        try:
            page_items, url = extract.read_listing(fetched, src, tz)
        except ExtractError:
            if page == 0:                     # the first page has no items: the site changed
                raise
            break                             # a later page without items ends the listing
        items.extend(i for i in page_items if i.url not in {x.url for x in items})
    return items


def conditional_get(fetcher: Fetcher, src: Source, url: str, state: State, h: Harvested):
    etag, modified = (None, None) if h.fresh else state.validators(url)
    fetched = fetcher.get(url, timeout=src.timeout, user_agent=src.user_agent, etag=etag,
                          last_modified=modified,
                          accept=ACCEPT_FEED if src.kind == "feed" else ACCEPT_PAGE,
                          allow=confine.guard(src))
    h.validators[url] = (fetched.etag, fetched.last_modified)
    return fetched


def complete_item(fetcher: Fetcher, src: Source, item: Item, tz: ZoneInfo) -> Item:
    """The whole article: the feed's own full content, or the article page read by the source's
    selectors, or generic main-text extraction when the feed has only a summary."""
    if item.full and not src.article:
        return item
    if not confine.on_site(src, item.url):
        # Article pages are fetched only from the source's own site (its origins: scheme, host
        # and port of url and its aliases, see pipeline.harvest.confine), redirects included: a feed
        # cannot send the harvester to arbitrary, or internal, addresses.
        return item
    page = fetcher.get(item.url, timeout=src.timeout, user_agent=src.user_agent,
                       accept=ACCEPT_PAGE, allow=confine.guard(src))
    if src.article:
        return extract.read_article(page, src, item, tz)
    return extract.read_generic(page, item, tz)


#: An item's HTML (content or summary) is cut to this many characters before it is cleaned:
#: a 19 MB single-line item took 107 s and 1.4 GB to clean; no news article is this long.
MAX_ITEM_HTML = 512 * 1024
MAX_TITLE = 2000


def _capped(html: str, limit: int = MAX_ITEM_HTML) -> str:
    """``html`` cut to ``limit`` characters at the end of a paragraph, else of a tag or word."""
    if len(html) <= limit:
        return html
    head = html[:limit]
    for mark, extra in (("</p>", 4), (">", 1), (" ", 0)):
        at = head.rfind(mark)
        if at > limit // 2:
            return head[:at + extra]
    return head


def to_article(item: Item, src: Source, taxonomy, now: datetime) -> Article:
    """A stored article from a complete item: cleaned, tagged, dated (its HTML capped at
    :data:`MAX_ITEM_HTML` first)."""
    if max(len(item.content_html), len(item.summary), len(item.title) // 2) > MAX_ITEM_HTML \
            or len(item.title) > MAX_TITLE:
        item = replace(item, content_html=_capped(item.content_html),
                       summary=_capped(item.summary), title=_capped(item.title, MAX_TITLE))
    body = clean.to_markdown(item.content_html or item.summary, item.url)
    title = clean.plain_text(item.title) or clean.plain_text(item.url)
    summary = strip_dateline(clean.plain_text(item.summary))
    image = item.image or clean.first_image(item.content_html, item.url) or ""
    tagging = tagger.tag(title, body, taxonomy)
    return Article(
        id=store_mod.make_id(item.url), title=nfc(title), url=item.url, source=src.id,
        published=item.published or now, harvested=now, body=body,
        author=clean.plain_text(item.author), summary=summary, image=image,
        themes=tagging.themes, pillars=tagging.pillars, tags=tagging.tags,
        doc_refs=tagging.doc_refs, date_estimated=item.published is None,
        status="pending" if src.review else "published",
    )


def store_items(h: Harvested, store: store_mod.Store, index: dedupe.DupIndex, taxonomy,
                names: dict[str, str], now: datetime, *, mirror: media.MediaStore | None = None,
                fetch: media.Fetch | None = None) -> list[datetime]:
    """Store one source's items; returns the publication dates of the new ones. With
    ``mirror`` and ``fetch``, the pictures of the articles kept are stored in content/media/
    first (problems with pictures are counted in ``report.images_failed``, never as errors: they are
    not unreadable pages, and a later harvest retries them)."""
    rep, src, new_dates = h.report, h.source, []
    unstored: list[str] = []
    for item in h.items:
        art = to_article(item, src, taxonomy, now)
        if src.keywords and not mentions_any(f"{art.title}\n{art.summary}\n{art.body}", src.keywords):
            rep.skipped += 1
            h.seen[item.url] = item.fingerprint
            continue
        stored = store.find_by_url(item.url)
        if stored is not None and stored.source != src.id:
            # An article belongs to the source that stored it: another source listing the same
            # address is a copy (counted as a duplicate), never a rewrite of its text or source.
            rep.duplicates += 1
            h.seen[item.url] = item.fingerprint
            continue
        if mirror is not None and fetch is not None and not (
                stored is not None and (stored.locked or stored.status == "rejected")):
            try:
                art, mirrored = mirror.mirror_article(art, fetch)
                h.report.images_failed += len(mirrored.problems)
            except CdsError:                     # e.g. content/media/ cannot be written
                h.report.images_failed += 1
        text = art.body                          # re-posts often change the title
        if stored is None:
            hit = index.find(text)
            if hit is not None:
                other = store.get(hit[0])
                if other is not None and other.source != src.id:
                    try:
                        if merge_copies(store, other, art, names, now) == "replaced":
                            index.add(other.id, text)
                    except CdsError as exc:
                        rep.errors.append(f"{item.url}: {exc}")
                        unstored.append(str(exc))
                        continue
                    rep.duplicates += 1
                    h.seen[item.url] = item.fingerprint
                    continue
        try:
            status = store.save(art, now=now)
        except CdsError as exc:               # cannot write, or the stored file does not parse
            rep.errors.append(str(exc))
            unstored.append(str(exc))
            continue                          # not seen: the next run tries it again
        h.seen[item.url] = item.fingerprint
        if status == "new":
            rep.new += 1
            new_dates.append(art.published)
            index.add(art.id, text)
            rep.date_estimated += int(art.date_estimated)
        elif status == "updated":
            rep.updated += 1
        elif status == "locked":
            rep.skipped += 1
        else:
            rep.unchanged += 1
    if unstored:                              # an entry not stored fails the source (exit 1)
        rep.failed = (f"{len(unstored)} article(s) not stored: {unstored[0]}"
                      if len(unstored) > 1 else unstored[0])
    return new_dates


def mirror_stored(config: Config, store: store_mod.Store, mirror: media.MediaStore,
                  fetcher: Fetcher, *, limit: int = 200) -> int:
    """Pictures of stored articles that still point at another site (harvested before
    mirroring, or whose pictures failed then): at most ``limit`` articles a run make requests.
    Written as they are (``updated`` untouched: the article did not change). Locked and
    rejected articles are left alone (the site shows outside pictures as links). Returns the
    number of articles changed."""
    changed = tried = 0
    for art in store.articles():
        if tried >= limit:
            break
        if art.locked or art.status == "rejected" or not media.outside_images(art):
            continue
        if store_mod.protecting_typos(art.extra):       # maybe meant as locked: left alone
            continue
        src = config.source(art.source)
        if src is None:                      # a source no longer in feeds.yml: not asked
            continue
        try:
            new, m = mirror.mirror_article(art, media.image_fetcher(fetcher, src))
        except CdsError:
            continue
        tried += int(m.downloaded > 0)
        if (new.body, new.image) != (art.body, art.image):
            try:
                store.write(new)
            except CdsError:
                continue
            changed += 1
    return changed


def merge_copies(store: store_mod.Store, stored: Article, new: Article, names: dict[str, str],
                 now: datetime) -> str:
    """Two sources carry the same article: keep one, record the other address in ``also_at``.
    The copy that the other credits ("Nguồn: Báo …") is the original; else the earlier one."""
    credited_by_new = dedupe.credited_source(new.body, names)
    credited_by_stored = dedupe.credited_source(stored.body, names)
    if credited_by_stored == new.source:
        new_is_original = True
    elif credited_by_new == stored.source:
        new_is_original = False
    elif new.date_estimated or stored.date_estimated:     # a real date beats a guessed one
        new_is_original = stored.date_estimated and not new.date_estimated
    else:
        new_is_original = new.published < stored.published
    if new_is_original:
        status = store.replace_original(stored, new, now=now)
        return "replaced" if status == "updated" else status
    return store.merge_duplicate(stored, new.url, now=now)


def write_run_report(config: Config, report: RunReport, *,
                     content_problems: list[str] | None = None) -> Path:
    """``.cds/runs/<started>.json`` and ``.cds/last-run.json``; written again by ``run`` after
    its build with the article files the build could not use (``content_problems``)."""
    runs = config.state_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    data = {
        "started": report.started.isoformat(),
        "finished": report.finished.isoformat() if report.finished else None,
        "ok": report.ok and not content_problems,
        "totals": report.totals(),
        "sources": [asdict(s) for s in report.sources],
    }
    if content_problems is not None:
        data["content_problems"] = content_problems
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    path = runs / (report.started.strftime("%Y%m%dT%H%M%S.%f") + ".json")
    for target in (path, config.state_dir / "last-run.json"):
        atomic_write(target, text)
    for old in sorted(runs.glob("*.json"))[:-KEEP_RUN_REPORTS]:
        old.unlink(missing_ok=True)
    return path


# --- build -----------------------------------------------------------------------------------

def publish_site(config: Config, articles: list[Article]) -> publish.PublishResult:
    """``site_src/`` from the store: articles and listings, the legal register, search, and
    the pictures the published articles show (no picture is loaded from another host: those
    not mirrored become links, see ``media.for_site``)."""
    available = media.available(config.content_dir)
    articles = [media.for_site(a, available) for a in articles]
    docs = [safe_notes(d, config.site.url)
            for d in register.visible(register.load_docs(config.content_dir))]  # not pending
    extra = register_files(config, docs, articles)
    tz = config_mod.timezone(config)
    extra.update(docharvest.feed_files(config, docs, tz))
    if config.site.search:
        extra.update(search.site_files())
        extra[search.PAGE_URL + "index.md"] = search_page(config.root).encode("utf-8")  # root's template
    from pipeline.site.portal import embed  # the webmasters' page (embeddable columns)
    extra.update(embed.site_files(config, {t.id: t.name for t in publish.load_topics(config.root)[0].values()},
                                  {s.id: s.name for s in config.sources}))
    extra.update(results_files(config, articles, docs))
    result = publish.publish(config, articles, docs=register.doc_link_map(docs), extra=extra,
                             channels=register.doc_channels(docs), media_href=media.page_href,
                             home_blocks=docharvest.home_block(docs, tz),
                             doc_titles={d.number: d.title for d in docs if d.title})
    try:
        media.sync_media(config.content_dir, config.root / "site_src",
                         keys=media.referenced(a for a in articles if a.status == "published"))
    except OSError as exc:
        raise publish.PublishError(f"{exc.filename or 'site_src/' + media.SITE_DIR}: cannot be "
                                   f"written ({exc.strerror})") from None
    return result


def site_content(config: Config) -> SiteContent:
    """The articles to publish (a broken file's last good copy in its place, ``updated`` moved
    to the last change of the content): every file that cannot be used is one ``error:`` line
    on stderr and in ``SiteContent.problems``."""
    now = datetime.now(config_mod.timezone(config)).replace(microsecond=0)
    content = gather(config.content_dir, config.state_dir, open_store(config), now=now)
    for line in content.problems:
        print(f"error: {line}", file=sys.stderr)
    return content


def safe_notes(doc: register.Doc, base_url: str) -> register.Doc:
    """A register entry whose notes (the editor's Markdown) went through the sanitiser article
    bodies go through (``clean.to_markdown``): nothing in them can run in a reader's browser."""
    if not doc.body:
        return doc
    return replace(doc, body=clean.to_markdown(clean.render_markdown(doc.body), base_url))


def build(config: Config, *, progress: bool = True):
    """``publish`` then MkDocs, feeds and search index into ``site/``. ``pub.problems`` lists the
    article files that could not be used (also in ``.cds/last-build.json``)."""
    content = site_content(config)
    articles = content.articles
    pub = publish_site(config, articles)
    pub.problems = content.problems
    result = sitebuild.build_site(config.root, config=config, articles=articles,
                                  quiet=not progress)
    warnings = pub.warnings + result.warnings
    if config.site.search:
        warnings += search.run_index(result.site_dir).warnings
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    write_build_report(
        config.state_dir, content,
        finished=datetime.now(config_mod.timezone(config)).replace(microsecond=0))
    return pub, result


def results_files(config: Config, articles: list[Article], docs) -> dict[str, bytes]:
    """The "Kết quả thực hiện" section, the monthly digest and ``api/ket-qua.json``."""
    from pipeline.results import service
    files, warnings = service.site_files(config, articles, docs)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return files


def register_files(config: Config, docs, articles: list[Article]) -> dict[str, bytes]:
    """The legal register's pages, assets and attached files, for ``site_src/``."""
    tz = config_mod.timezone(config)
    published = [a for a in articles if a.status == "published"]
    pages = register_pages(
        docs, articles, site_title=config.site.title,
        source_names={s.id: s.name for s in config.sources},
        urls=publish.article_urls(published, tz), tz=tz, root=config.root)
    files = {path: text.encode("utf-8") for path, text in pages.items()}
    files.update({path: src.read_bytes()
                  for path, src in register.attachments(docs, config.content_dir).items()})
    return files


# --- init and demo ---------------------------------------------------------------------------

def init_root(dest: Path) -> Path:
    """A new root with a starter feeds.yml, mkdocs.yml, taxonomy and pages."""
    if (dest / "feeds.yml").exists():
        raise ConfigError(f"{dest}/feeds.yml: already exists; not overwriting a root")
    init_root_files(dest)
    return dest


#: The file that marks a folder as a demo root (``cds demo`` replaces only such folders).
DEMO_MARKER = ".cds-demo"


def prepare_demo_root(dest: Path, base_url: str) -> Config:
    """Lay out the demo root: the starter files, plus the demo's feeds.yml pointing at base_url.

    ``dest`` must be missing, an empty folder, or a previous demo root (it holds
    :data:`DEMO_MARKER`), which is then replaced. Anything else is refused (ConfigError): the
    demo never writes into a folder it did not make."""
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise ConfigError(f"{dest}: exists and is not a folder; the demo needs a new or empty "
                          "folder (--out)")
    if dest.is_dir() and any(dest.iterdir()):
        if not (dest / DEMO_MARKER).is_file():
            raise ConfigError(f"{dest}: not empty and not made by `cds demo`; refusing to "
                              "write into it (choose a new folder with --out)")
        shutil.rmtree(dest)
    init_root_files(dest)
    (dest / DEMO_MARKER).write_text("made by `cds demo`: `cds demo` may replace this folder\n",
                                    encoding="utf-8")
    text = (PACKAGE / "data" / "demo" / "feeds.yml").read_text(encoding="utf-8")
    (dest / "feeds.yml").write_text(text.replace("{base}", base_url), encoding="utf-8")
    shutil.copytree(PACKAGE / "data" / "demo" / "van-ban", dest / "content" / "van-ban",
                    dirs_exist_ok=True)
    return config_mod.load(dest)


def init_root_files(dest: Path) -> None:
    """The starter files (feeds.yml, mkdocs.yml, theme overrides, pages) and the default
    taxonomy; existing files are kept."""
    dest.mkdir(parents=True, exist_ok=True)
    config_mod.copy_starter(dest)
    taxonomy = dest / "taxonomy.yml"
    if not taxonomy.exists():
        shutil.copy(PACKAGE / "data" / "taxonomy.yml", taxonomy)
    (dest / "content" / "articles").mkdir(parents=True, exist_ok=True)


def demo_sources_dir() -> Path:
    return PACKAGE / "data" / "demo" / "sources"


def run_demo(dest: Path, *, progress: bool = True):
    """Serve the bundled sample sources on loopback, harvest them into ``dest``, build its site."""
    from pipeline.demo.localserver import LocalServer

    with LocalServer(demo_sources_dir()) as server:
        config = prepare_demo_root(dest, server.base)
        report = harvest(config, progress=progress)
    pub, result = build(config, progress=progress)
    return config, report, result


# --- tagging, checking, serving, committing ----------------------------------------------------

def run_lock(config: Config, *, wait: bool = False):
    """The root's run lock (one harvest at a time); a context manager."""
    from pipeline.store.state import RunLock
    return RunLock(config.state_dir, wait=wait)     # acquired by `with` (acquiring twice fails)


def retag(config: Config, *, everything: bool = False) -> tuple[int, int]:
    """Re-tag stored articles the editor has not locked. Without ``everything`` only articles
    that have no themes yet. Returns (changed, considered)."""
    store = open_store(config)
    taxonomy = tagger.Taxonomy.load(config.root)
    changed = considered = 0
    for art in store.articles():
        if art.locked or art.themes_locked or (not everything and art.themes):
            continue
        if store_mod.protecting_typos(art.extra):       # maybe meant as locked: left alone
            continue
        considered += 1
        t = tagger.tag(art.title, art.body, taxonomy)
        new = replace(art, themes=t.themes, pillars=t.pillars, doc_refs=t.doc_refs,
                      tags=art.tags + [x for x in t.tags if x not in art.tags])
        if (new.themes, new.pillars, new.doc_refs, new.tags) != \
                (art.themes, art.pillars, art.doc_refs, art.tags):
            store.write(new)
            changed += 1
    return changed, considered


def explain(config: Config, path: Path) -> str:
    path = path if path.is_absolute() or path.exists() else config.root / path
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    art = store_mod.parse(path.read_text(encoding="utf-8"), path)
    return tagger.explain(art.title, art.body, tagger.Taxonomy.load(config.root))


def check(root: Path) -> tuple[list[str], list[str]]:
    """Every problem in feeds.yml and content/, and notes for the editor."""
    problems: list[str] = []
    notes: list[str] = []
    try:
        config = config_mod.load(root)
    except ConfigError as exc:
        problems.extend(exc.problems)
        config = None
    store = store_mod.Store(root / "content")
    for _path, message in store.iter_parse_errors():
        problems.append(message)
    problems.extend(register.validate(root / "content" / "van-ban"))
    notes.extend(register.check_messages(register.load_docs(root / "content"), store.articles()))
    for art in store.articles():
        typos = dict(store_mod.protecting_typos(art.extra))
        for key in art.extra:
            if key in typos:        # an editor's protection that does not work: an error
                problems.append(f"content/{art.path}: {key}: unknown key; did you mean "
                                f"{typos[key]}? (as written it protects nothing; harvest leaves "
                                "the file alone until it is fixed)")
                continue
            by_case = [k for k in store_mod.FIELD_ORDER if k == str(key).lower()]
            near = by_case or difflib.get_close_matches(str(key), store_mod.FIELD_ORDER, n=1,
                                                        cutoff=0.75)
            if near:
                notes.append(f"content/{art.path}: {key}: unknown key; did you mean {near[0]}?")
    for link in fileio.symlinks(root / "content"):
        problems.append(f"{link.relative_to(root).as_posix()}: a symbolic link; links in "
                        "content/ are never followed (not published): put the file itself here")
    for default in sorted((publish.TEMPLATES / "pages").glob("*.md")):
        page = default.name
        if not (root / "content" / "pages" / page).is_file():
            notes.append(f"content/pages/{page}: missing; the site shows a generic page: write "
                         f"yours there (see docs/huong-dan-bien-tap.md)")
    media_problems, media_notes = media.check_media(root / "content")
    problems.extend(media_problems)
    notes.extend(media_notes)
    problems.extend(_plan_problems(root, config))
    if config is not None:
        known = {s.id for s in config.sources}
        for art in store.articles():
            where = f"content/{art.path}" if art.path else art.id
            if art.source not in known:
                notes.append(f"{where}: source '{art.source}' is not in feeds.yml (kept)")
    return problems, notes


def _plan_problems(root: Path, config: Config | None) -> list[str]:
    """plan.yml's problems (pipeline.results.plan), one line each."""
    from pipeline.results import plan as plan_mod
    try:
        plan_mod.load(root, sources={s.id for s in config.sources} if config else None)
    except ConfigError as exc:
        return list(exc.problems)
    return []


def add_document(config: Config, number: str) -> Path:
    """A new register entry for ``number``, prefilled from the number and citing sentences."""
    articles = open_store(config).articles()
    return register.docs_add(config.root, number, articles)


def serve(site: Path, *, port: int = 8000) -> None:
    """Serve ``site`` on 127.0.0.1 until Ctrl-C (see ``pipeline.site.siteserver``)."""
    from pipeline.site import siteserver
    siteserver.serve(site, port=port)


def commit_content(config: Config, report: RunReport) -> str | None:
    """Commit ``content/`` to git with a message summarising the run; None when nothing changed."""
    import subprocess

    t = report.totals()
    lines = [f"cds run: {t['new']} new, {t['updated']} updated"]
    for s in report.sources:
        if s.new or s.updated or s.duplicates:
            lines.append(f"- {s.source}: {s.new} new, {s.updated} updated, {s.duplicates} merged")
    message = "\n".join(lines)
    git = ["git", "-C", str(config.root)]
    if subprocess.run(git + ["rev-parse", "--git-dir"], capture_output=True).returncode != 0:
        subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "--", "content"], check=True)
    if subprocess.run(git + ["diff", "--cached", "--quiet", "--", "content"]).returncode == 0:
        return None
    subprocess.run(git + ["-c", "user.name=cds", "-c", "user.email=cds@localhost",
                          "commit", "-q", "-m", message, "--", "content"], check=True)
    return message
