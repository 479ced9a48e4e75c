"""The pipeline, one screen per job: ``harvest()``, ``build()``, ``demo()``.

Stage modules never call each other; this module is where their results meet.
"""

from __future__ import annotations

import difflib
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import config as config_mod
from pipeline.core import fileio, tagsource
from pipeline.core.errors import ConfigError
from pipeline.core.markup import vn_date
from pipeline.core.models import Article, Config, RunReport
from pipeline.harvest import docharvest
from pipeline.site import feeds_out, publish, search, sitebuild
from pipeline.site.pages.builder import search_page
from pipeline.site.pages.register import home_block as register_home
from pipeline.site.pages.register import register_pages
from pipeline.site.sitecontent import SiteContent, gather, stamps_context, write_build_report
from pipeline.store import articles as store_mod
from pipeline.store import media, register
from pipeline.store.articles import open_store

if TYPE_CHECKING:   # the harvest and the tagger are imported where used: `cds build` needs neither
    from pipeline.harvest import run
    from pipeline.tagging import tag as tagger

PACKAGE = Path(__file__).parent


# --- harvest ---------------------------------------------------------------------------------

def tagger_for(taxonomy: tagger.Taxonomy) -> run.Tagger:
    """The harvest's ``tag(title, body, published=None)`` with this root's taxonomy."""
    from pipeline.tagging import tag as tagger
    return lambda title, body, published=None: tagger.tag(title, body, taxonomy, date=published)


def harvest(config: Config, *, source_ids: Iterable[str] = (), due_only: bool = False,
            progress: bool = True, stop: Callable[[], bool] | None = None) -> RunReport:
    """Fetch every enabled source (or the named ones), store new and changed articles, tag them
    with the root's taxonomy, write the run report (``pipeline.harvest.run.harvest``)."""
    from pipeline.harvest import run
    from pipeline.tagging import tag as tagger
    return run.harvest(config, tagger_for(tagger.Taxonomy.load(config.root)),
                       source_ids=source_ids, due_only=due_only, progress=progress, stop=stop)


# --- build -----------------------------------------------------------------------------------

class _Kept:
    """What a process that builds again and again keeps between builds (:func:`keep_warm`):
    the site's copy of each article (``media.for_site``), by the identity of the article it
    was made from (the store index keeps unchanged articles as the same objects), while the
    media files available are the same."""

    def __init__(self):
        self.available: set[str] | None = None
        self.copies: dict[int, tuple[Article, Article]] = {}   # id(article) → (it, its copy)


_KEPT: _Kept | None = None


def keep_warm(enabled: bool = True) -> None:
    """Keep, in this process, what the next build can use again: the store index's articles
    (``store.index.keep_articles``) and their site copies (:func:`site_copies`). For a process
    that builds again and again (``cds schedule``); every build still gives the bytes a build
    from nothing gives (``tests/test_build_left_out.py``)."""
    global _KEPT
    from pipeline.store import index as store_index
    store_index.keep_articles(enabled)
    _KEPT = _Kept() if enabled else None


def site_copies(config: Config, articles: Sequence[Article]) -> tuple[list[Article], set[str]]:
    """The articles as the site shows them (``media.for_site``: no picture loaded from another
    host) and the media keys they were checked against: made once a build, for publish and
    the feeds (``sitebuild.build_site(media_keys=…)``). In a warm process (:func:`keep_warm`)
    an article the last build had, the same object, with the same media available, gets the
    copy made then."""
    available = media.available(config.content_dir)
    kept = _KEPT
    if kept is None:
        return [media.for_site(a, available) for a in articles], available
    if kept.available != available:
        kept.copies.clear()
    copies: dict[int, tuple[Article, Article]] = {}
    out = []
    for art in articles:
        have = kept.copies.get(id(art))
        copy = have[1] if have is not None and have[0] is art else media.for_site(art, available)
        copies[id(art)] = (art, copy)
        out.append(copy)
    kept.available, kept.copies = available, copies
    return out, available


def publish_site(config: Config, articles: list[Article], *,
                 media_keys: set[str] | None = None,
                 markdown_bodies: bool = False,
                 stamps: dict[str, str] | None = None) -> publish.PublishResult:
    """``site_src/`` from the store: articles and listings, the legal register, search, and
    the pictures the published articles show (no picture is loaded from another host: those
    not mirrored become links, see ``media.for_site``). With ``media_keys``, ``articles`` are
    the site's copies already (:func:`site_copies`). ``markdown_bodies``: the reference form
    (``publish.publish``), for tests. ``stamps``: ``SiteContent.stamps`` of the articles
    ``articles`` were copied from with ``media_keys`` (publish then knows an article it made
    pages of before without reading it again: ``publish.publish(stamps=)``)."""
    stamp_context = None
    if media_keys is None:
        articles = site_copies(config, articles)[0]
        stamps = None
    elif stamps is not None:
        stamp_context = stamps_context(config_mod.timezone(config), media_keys)
    docs = [safe_notes(d, config.site.url)
            for d in register.visible(register.load_docs(config.content_dir))]  # not pending
    tz = config_mod.timezone(config)
    # every article's page address, once (the register, the results pages and publish use it)
    urls = publish.article_urls([a for a in articles if a.status == "published"], tz)
    extra = register_files(config, docs, articles, urls=urls)
    extra.update(document_feeds(config, docs, tz))
    if config.site.search:
        extra.update(search.site_files())
        extra[search.PAGE_URL + "index.md"] = search_page(config.root).encode("utf-8")  # root's template
    from pipeline.site.portal import embed  # the webmasters' page (embeddable columns)
    extra.update(embed.site_files(config, {t.id: t.name for t in publish.load_topics(config.root)[0].values()},
                                  {s.id: s.name for s in config.sources}))
    extra.update(results_files(config, articles, docs, urls=urls))
    result = publish.publish(config, articles, docs=register.doc_link_map(docs), extra=extra,
                             urls=urls,
                             channels=register.doc_channels(docs), media_href=media.page_href,
                             home_blocks=register_home(docharvest.newest(docs, tz), tz=tz,
                                                       root=config.root),
                             doc_titles={d.number: d.title for d in docs if d.title},
                             markdown_bodies=markdown_bodies, stamps=stamps,
                             stamp_context=stamp_context)
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
    bodies go through (``tomarkdown.to_markdown``): nothing in them can run in a reader's browser."""
    if not doc.body:
        return doc
    from pipeline.harvest import tomarkdown  # markdownify: only for notes to clean
    return replace(doc, body=tomarkdown.to_markdown(tomarkdown.render_markdown(doc.body), base_url))


#: In ``.cds/``: the digest of what the last successful build was made from (:func:`site_inputs`).
BUILT_FROM = "built-from.json"
#: Not inputs of a build (in the root): what it writes, version control, local tools; and the
#: root's hidden folders (``.cds/``, ``.git/``, ``.venv/``…).
_NOT_INPUTS = frozenset({"site", "site_src", "node_modules", "zalo"})
_BUILD_DISTS = ("mkdocs", "mkdocs-material", "markdown", "jinja2", "pymdown-extensions", "nh3",
                "pyromark", "lxml", "pagefind", "pagefind-bin")


def site_inputs(config: Config) -> str:
    """A digest of everything a build reads, from names, sizes and times alone (no file is
    read): every file of the root outside ``site/``, ``site_src/``, ``.cds/`` and ``.git/``
    (``content/``, the YAML files, ``templates/``…), cds' own code, the versions of what
    builds the site, today's date in the site's zone (the results pages count up to today)
    and the sources now failing (the results pages mark them). Equal digests: a build would
    make the same site."""
    import hashlib
    import json
    import os
    from importlib.metadata import PackageNotFoundError, version

    from pipeline.store.state import State

    def versions() -> list[str]:
        out = []
        for dist in _BUILD_DISTS:
            try:
                out.append(f"{dist} {version(dist)}")
            except PackageNotFoundError:
                out.append(f"{dist} -")
        return out

    try:
        state = State.load(config.state_dir).data.get("sources", {})
    except Exception:                               # noqa: BLE001 - unreadable: never equal
        state = {"?": os.urandom(8).hex()}
    failing = sorted(sid for sid, rec in state.items() if isinstance(rec, dict)
                     and int(rec.get("consecutive_failures") or 0))
    h = hashlib.sha256(json.dumps([
        sys.version, versions(), datetime.now(config_mod.timezone(config)).date().isoformat(),
        failing]).encode())

    def walk(folder: str, prefix: str, skip: frozenset[str] = frozenset()) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name in skip or entry.name == "__pycache__":
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, prefix + entry.name + "/")
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            h.update(f"{prefix}{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_mode}\n"
                     .encode("utf-8", "surrogateescape"))

    try:
        top = frozenset(e.name for e in os.scandir(config.root)
                        if e.name.startswith(".") and e.is_dir(follow_symlinks=False))
    except OSError:
        top = frozenset()
    walk(str(config.root), "root/", _NOT_INPUTS | top)    # .venv/, .cds/, .git/…: not read
    walk(str(PACKAGE), "cds/")
    return h.hexdigest()


def site_current(config: Config) -> bool:
    """Whether ``site/`` is what a build would make now: the last successful build was made
    from the same :func:`site_inputs` and its site and record are there (``cds run`` builds
    only when something changed)."""
    import json

    try:
        data = json.loads((config.state_dir / BUILT_FROM).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and (config.root / "site" / "index.html").is_file() and \
        (config.state_dir / sitebuild.STATE_FILE).is_file() and \
        data.get("inputs") == site_inputs(config)


def last_problems(config: Config) -> list[str]:
    """The article files the last build could not use (``.cds/last-build.json``)."""
    from pipeline.site.sitecontent import read_build_report

    problems = (read_build_report(config.state_dir) or {}).get("problems")
    return [str(p) for p in problems] if isinstance(problems, list) else []


def build(config: Config, *, progress: bool = True):
    """``publish`` then MkDocs, feeds and search index into ``site/``. ``pub.problems`` lists the
    article files that could not be used (also in ``.cds/last-build.json``)."""
    import json

    (config.state_dir / BUILT_FROM).unlink(missing_ok=True)
    inputs = site_inputs(config)                 # before: a change made meanwhile is built next
    content = site_content(config)
    shown, keys = site_copies(config, content.articles)     # media.for_site once an article
    content.articles = []        # only the copies are used from here (a warm process keeps both)
    pub = publish_site(config, shown, media_keys=keys, stamps=content.stamps)
    pub.problems = content.problems
    record = config.state_dir / sitebuild.STATE_FILE      # the site build's: a new one each build
    before = search.file_stamp(record)
    result = sitebuild.build_site(config.root, config=config, articles=shown, media_keys=keys,
                                  quiet=not progress)
    warnings = pub.warnings + result.warnings
    if config.site.search:      # the pages the build wrote, not a walk of site/ (when it can)
        changes = search.Changes(since=None if result.full else before,
                                 now=search.file_stamp(record) or "", outputs=result.outputs,
                                 pages=result.page_outputs, written=result.written_pages)
        warnings += search.run_index(result.site_dir, changes=changes).warnings
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    write_build_report(
        config.state_dir, content,
        finished=datetime.now(config_mod.timezone(config)).replace(microsecond=0))
    fileio.write_atomic(config.state_dir / BUILT_FROM, json.dumps({"inputs": inputs}) + "\n")
    return pub, result


def results_files(config: Config, articles: list[Article], docs, *,
                  urls: dict[str, str] | None = None) -> dict[str, bytes]:
    """The "Kết quả thực hiện" section, the monthly digest and ``api/ket-qua.json``. ``urls``:
    the published articles' page addresses (``publish.article_urls``), when known."""
    from pipeline.results import service
    files, warnings = service.site_files(config, articles, docs, urls=urls)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return files


def document_feeds(config: Config, docs: Sequence[register.Doc], tz: tzinfo) -> dict[str, bytes]:
    """``van-ban/rss.xml``/``atom.xml`` ("Văn bản mới") and one pair per scope
    (``van-ban/pham-vi/<scope>/``): site_src path → bytes."""
    ordered = docharvest.newest(docs, tz)
    out: dict[str, bytes] = {}
    chans = [("", "Văn bản mới", ordered)]
    chans += [(f"pham-vi/{key}/", f"Văn bản mới – {label}",
               [d for d in ordered if d.scope == key]) for key, label in register.SCOPES.items()]
    for sub, title, items in chans:
        entries = [{
            "id": f"van-ban:{d.slug}", "title": d.label + (f": {d.title}" if d.title else ""),
            "link": d.url_path, "published": docharvest.when(d, tz),
            "summary": " · ".join(x for x in (d.issuer, vn_date(d.issued)) if x),
            "category": register.SCOPES.get(d.scope, "")} for d in items[:docharvest.FEED_LIMIT]]
        base = f"{register.DOCS_DIR}/{sub}"
        rss, atom = feeds_out.document_feed(
            config, entries, base, title, "Văn bản chỉ đạo, điều hành về chuyển đổi số")
        out[base + "rss.xml"] = rss
        out[base + "atom.xml"] = atom
    return out


def register_files(config: Config, docs, articles: list[Article], *,
                   urls: dict[str, str] | None = None) -> dict[str, bytes]:
    """The legal register's pages, assets and attached files, for ``site_src/``. ``urls``: the
    published articles' page addresses (``publish.article_urls``), when known."""
    tz = config_mod.timezone(config)
    if urls is None:
        urls = publish.article_urls([a for a in articles if a.status == "published"], tz)
    pages = register_pages(
        docs, articles, site_title=config.site.title,
        source_names={s.id: s.name for s in config.sources},
        urls=urls, tz=tz, root=config.root)
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
    that have no themes yet. Returns (changed, considered).

    Activity tags carry their provenance (:mod:`pipeline.core.tagsource`): a tag the tagger
    added (``tags_auto``) that the current rules no longer give is removed; an editor's tag
    (not in ``tags_auto``) is kept, and one an editor deleted is not added again. The article's
    date (``published``, unless estimated) is passed to the tagger."""
    from pipeline.tagging import tag as tagger
    store = open_store(config)
    taxonomy = tagger.Taxonomy.load(config.root)
    activities = {c.id for c in taxonomy.tags}
    changed = considered = 0
    for art in store.articles():
        if art.locked or art.themes_locked or (not everything and art.themes):
            continue
        if store_mod.protecting_typos(art.extra):       # maybe meant as locked: left alone
            continue
        considered += 1
        date = None if art.date_estimated else art.published
        t = tagger.tag(art.title, art.body, taxonomy, date=date)
        kept = tagsource.record(art.extra)
        legacy = tagger.old_rule_tags(art.title, art.body, taxonomy) if kept is None and \
            activities.intersection(art.tags) else ()
        tags, mine = tagsource.retagged(art.tags, kept, t.tags, legacy=legacy)
        extra = tagsource.with_record(art.extra, mine, had=kept is not None)
        new = replace(art, themes=t.themes, pillars=t.pillars, doc_refs=t.doc_refs,
                      tags=tags, extra=extra)
        if (new.themes, new.pillars, new.doc_refs, new.tags, new.extra) != \
                (art.themes, art.pillars, art.doc_refs, art.tags, art.extra):
            store.write(new)                            # atomic (write_atomic)
            changed += 1
    return changed, considered


def explain(config: Config, path: Path) -> str:
    path = path if path.is_absolute() or path.exists() else config.root / path
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    from pipeline.tagging import tag as tagger
    art = store_mod.parse(path.read_text(encoding="utf-8"), path)
    return tagger.explain(art.title, art.body, tagger.Taxonomy.load(config.root),
                          date=None if art.date_estimated else art.published)


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
