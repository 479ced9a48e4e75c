"""The harvest in one screen: every source fetched in a worker pool (``harvest/sources.py``),
then stored source by source in feeds.yml order (deterministic): cleaned, tagged (by the
``tag`` callable the caller gives: the harvest does not import the tagging stage), merged with
syndicated copies, pictures mirrored, written to the store. Data flow: docs/architecture.md."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from pipeline import config as config_mod
from pipeline.core import tagsource
from pipeline.core.dateline import strip_dateline
from pipeline.core.errors import CdsError
from pipeline.core.fileio import write_atomic
from pipeline.core.models import Article, Config, Item, RunReport, Source, SourceReport, Tagging
from pipeline.core.text import html_line, mentions_any, nfc
from pipeline.harvest import clean, dedupe, docfiles, docharvest, dupcache, media, tomarkdown
from pipeline.harvest.fetch import Fetcher
from pipeline.harvest.sources import Harvested, fetch_source, reading_settings, select_sources
from pipeline.store import articles as store_mod
from pipeline.store import index as store_index
from pipeline.store import media as media_store
from pipeline.store.state import State

KEEP_RUN_REPORTS = 500          # .cds/runs/ keeps this many reports, newest

#: ``tag(title, body, published)``: the themes, pillars, activity tags and document references
#: of a text (``published``: the article's date, None when unknown).
Tagger = Callable[[str, str, datetime | None], Tagging]


def harvest(config: Config, tag: Tagger, *, source_ids: Iterable[str] = (),
            due_only: bool = False, progress: bool = True,
            stop: Callable[[], bool] | None = None) -> RunReport:
    """Fetch every enabled source (or the named ones), store new and changed articles, tag them
    with ``tag``, write the run report. A failing source is recorded and never stops the others.

    ``stop`` is asked between requests; once it returns True the sources still fetching end
    early: what they fetched is stored, but their validators and health stay as they were, so
    the next run fetches the rest."""
    tz = config_mod.timezone(config)
    clock = datetime.now(tz)
    state = State.load(config.state_dir)
    if state.warning:                   # a corrupt state.json was set aside: say so, and where
        print(f"warning: {state.warning}", file=sys.stderr, flush=True)
    store = store_index.open_indexed(config.content_dir, config.state_dir,
                                     tz=tz)             # only changed files are parsed
    store.cleanup()
    mirror = media.MediaStore.for_config(config)        # content/media/ + .cds/media.json
    mirror.cleanup()
    storing = Storing(config, state, store, tag, started=clock.replace(microsecond=0),
                      report=RunReport(started=clock), mirror=mirror, stop=stop)
    sources = select_sources(config, source_ids)
    if due_only:
        sources = [s for s in sources if state.is_due(s, storing.started)]

    results: dict[str, Harvested] = {}
    workers = max(1, min(config.defaults.concurrency, len(sources) or 1))
    with Fetcher() as fetcher, ThreadPoolExecutor(max_workers=workers,
                                                  thread_name_prefix="harvest") as pool:
        futures = {pool.submit(fetch_source, fetcher, s, state, tz, stop): s for s in sources}
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

    dupcache.index_keyed(storing.index, _stored_bodies(store),
                         config.state_dir)          # signatures kept between runs
    storing.images = Fetcher(max_bytes=media.MAX_BYTES)   # pictures, fetched while storing
    try:
        storing.store_all(sources, results)
    finally:
        storing.images.close()
        mirror.save()
    storing.report.finished = datetime.now(tz)
    state.save()
    write_run_report(config, storing.report)
    return storing.report


@dataclass
class Storing:
    """The storing phase of one harvest: what every source's items are stored with."""
    config: Config
    state: State
    store: store_mod.Store
    tag: Tagger
    started: datetime                   # what articles and health record
    report: RunReport
    mirror: media.MediaStore | None = None      # with ``images``: pictures into content/media/
    images: Fetcher | None = None
    stop: Callable[[], bool] | None = None
    index: dedupe.DupIndex = field(default_factory=dedupe.DupIndex)
    names: dict[str, str] = field(init=False)   # source id → name (who credits whom)

    def __post_init__(self):
        self.names = {s.id: s.name for s in self.config.sources}

    def store_all(self, sources: list[Source], results: dict[str, Harvested]) -> None:
        """Each source's items in feeds.yml order, their pictures mirrored first, its health
        and validators recorded; then the pictures of articles stored earlier."""
        state, started = self.state, self.started
        for src in sources:
            h = results[src.id]
            new_dates: list[datetime] = []
            if not h.report.failed:
                if src.kind == "documents":
                    with Fetcher(max_bytes=docfiles.MAX_FILE_BYTES) as files:
                        new_dates = docharvest.store_documents(self.config, h, files, state, started)
                else:
                    new_dates = self.store_items(h)
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
            self.report.sources.append(h.report)
        if self.mirror is not None and self.images is not None and (
                self.stop is None or not self.stop()):
            mirror_stored(self.config, self.store, self.mirror, self.images)

    def store_items(self, h: Harvested) -> list[datetime]:
        """Store one source's items; returns the publication dates of the new ones. With a
        mirror, the pictures of the articles kept are stored in content/media/ first (problems
        with pictures are counted in ``report.images_failed``, never as errors: they are not
        unreadable pages, and a later harvest retries them)."""
        rep, src, new_dates = h.report, h.source, []
        store, now = self.store, self.started
        fetch = (media.image_fetcher(self.images, src)
                 if self.mirror is not None and self.images is not None else None)
        unstored: list[str] = []
        for item in h.items:
            art = to_article(item, src, self.tag, now)
            if src.keywords and not mentions_any(f"{art.title}\n{art.summary}\n{art.body}",
                                                 src.keywords):
                rep.skipped += 1
                h.seen[item.url] = item.fingerprint
                continue
            stored = store.find_by_url(item.url)
            if stored is not None and stored.source != src.id:
                # An article belongs to the source that stored it: another source listing the
                # same address is a copy (counted as a duplicate), never a rewrite of its text.
                rep.duplicates += 1
                h.seen[item.url] = item.fingerprint
                continue
            if fetch is not None and not (
                    stored is not None and (stored.locked or stored.status == "rejected")):
                try:
                    art, mirrored = self.mirror.mirror_article(art, fetch)
                    rep.images_failed += len(mirrored.problems)
                except CdsError:                     # e.g. content/media/ cannot be written
                    rep.images_failed += 1
            text = art.body                          # re-posts often change the title
            if stored is None:
                hit = self.index.find(text)
                other = store.get(hit[0]) if hit is not None else None
                if other is not None and other.source != src.id:
                    try:
                        if merge_copies(store, other, art, self.names, now) == "replaced":
                            self.index.add(other.id, text)
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
                self.index.add(art.id, text)
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


def to_article(item: Item, src: Source, tag: Tagger, now: datetime) -> Article:
    """A stored article from a complete item: cleaned, tagged, dated (its HTML capped at
    :data:`MAX_ITEM_HTML` first)."""
    if max(len(item.content_html), len(item.summary), len(item.title) // 2) > MAX_ITEM_HTML \
            or len(item.title) > MAX_TITLE:
        item = replace(item, content_html=_capped(item.content_html),
                       summary=_capped(item.summary), title=_capped(item.title, MAX_TITLE))
    body = tomarkdown.to_markdown(item.content_html or item.summary, item.url)
    title = html_line(item.title) or html_line(item.url)
    summary = strip_dateline(html_line(item.summary))
    image = item.image or clean.first_image(item.content_html, item.url) or ""
    tagging = tag(title, body, item.published)      # the article's date: None when unknown
    return Article(
        id=store_mod.make_id(item.url), title=nfc(title), url=item.url, source=src.id,
        published=item.published or now, harvested=now, body=body,
        author=html_line(item.author), summary=summary, image=image,
        themes=tagging.themes, pillars=tagging.pillars, tags=tagging.tags,
        doc_refs=tagging.doc_refs, date_estimated=item.published is None,
        status="pending" if src.review else "published",
        extra={tagsource.AUTO_KEY: list(tagging.tags)} if tagging.tags else {},
    )


def _stored_bodies(store: store_mod.Store):
    """``(id, body key, body)`` of every stored article for ``dupcache.index_keyed``: the body
    read (from the store index) only when its signature is not kept."""
    for brief in store.briefs():
        yield brief.id, brief.body_key, lambda i=brief.id: _body(store, i)


def _body(store: store_mod.Store, article_id: str) -> str:
    art = store.get(article_id)
    return art.body if art is not None else ""


#: ``media.never_fetched``'s answers, by source (as configured) and address: decided from
#: the address and the configuration alone, so a process that harvests again and again
#: (``cds schedule``) asks each once; emptied past :data:`_NEVER_MAX` addresses.
_NEVER: dict[Source, dict[str, bool]] = {}
_NEVER_MAX = 200_000


def _never_memo(src: Source) -> Callable[[str], bool]:
    """``media.never_fetched(src)`` remembered in :data:`_NEVER`."""
    never = media.never_fetched(src)
    try:
        hash(src)
    except TypeError:                        # not hashable: asked every time
        return never
    if sum(len(m) for m in _NEVER.values()) > _NEVER_MAX:
        _NEVER.clear()
    memo = _NEVER.setdefault(src, {})

    def remembered(url: str) -> bool:
        known = memo.get(url)
        if known is None:
            known = memo[url] = never(url)
        return known

    return remembered


def mirror_stored(config: Config, store: store_mod.Store, mirror: media.MediaStore,
                  fetcher: Fetcher, *, limit: int = 200) -> int:
    """Pictures of stored articles that still point at another site (harvested before
    mirroring, or whose pictures failed then): at most ``limit`` articles a run make requests.
    Written as they are (``updated`` untouched: the article did not change). Locked and
    rejected articles are left alone (the site shows outside pictures as links). Returns the
    number of articles changed. Decided from the store's briefs (``Store.briefs``: the
    pictures each article still holds elsewhere): only the articles mirroring may change are
    read."""
    changed = tried = 0
    never: dict[str, Callable[[str], bool]] = {}     # source id → its pictures never fetched
    for brief in store.briefs():
        if tried >= limit:
            break
        if brief.locked or brief.status == "rejected" or not brief.outside or brief.protected:
            continue
        src = config.source(brief.source)
        if src is None:                      # a source no longer in feeds.yml: not asked
            continue
        if src.id not in never:
            never[src.id] = _never_memo(src)
        if all(never[src.id](url) and not mirror.knows(url) for url in brief.outside):
            continue                         # mirroring would change nothing and ask nobody
        art = store.get(brief.id)            # the article itself: checked again as it is now
        if art is None or art.locked or art.status == "rejected" or \
                store_mod.protecting_typos(art.extra) or art.source != src.id:
            continue
        outside = media_store.outside_images(art)
        if not outside or all(never[src.id](url) and not mirror.knows(url) for url in outside):
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
        write_atomic(target, text, durable=True)
    for old in sorted(runs.glob("*.json"))[:-KEEP_RUN_REPORTS]:
        old.unlink(missing_ok=True)
    return path
