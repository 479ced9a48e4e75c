"""Site search: a Pagefind index of the built site that Vietnamese readers can use.

Pagefind (https://pagefind.app, the binary bundled with the ``pagefind[extended]`` package)
writes a static, chunked index into ``site/pagefind/``; the search page (``tim-kiem/``, from
:func:`site_files`) loads only the chunks a query needs, so a query costs a few hundred KB at
most, whatever the size of the site.

What gets indexed is decided by markup in the article template (see ``docs/search.md``): only
elements with ``data-pagefind-body`` (the article's title, body and cited documents), with the
filters ``chude`` (theme), ``nguon`` (source) and ``nam`` (year), the meta ``date`` and the sort
key ``date``.

Weight: Pagefind stores every position of every word, one entry per page and per spelling, and
in a CĐS corpus the words people search for ("chuyển", "đổi", "số") are also the most frequent
ones: a query for them would fetch the positions of ~8 % of all the words of the site (~2 MB at
5,000 articles). The copy Pagefind reads therefore holds the article's title and first
:data:`HEAD_WORDS` words as they are (the lead, where the excerpts come from) and, after that,
each word only the first time it appears (:data:`REPEATS`; "số", "sở" and "so" count as one
word, as Pagefind files them together): every word of the article is still found, at a
fraction of the weight, and term frequency still counts in the lead. The tail reads choppy, so
it starts with :data:`TAIL_MARK`, and the search page shows no excerpt from past it. Only the
parts Pagefind reads are kept (``data-pagefind-body`` elements and the
``data-pagefind-filter/meta/sort`` elements), so it parses a few hundred bytes a page instead of
the whole Material page. Index chunks are made smaller than Pagefind's default
(:data:`CHUNK_SIZE`) so that a query fetches little besides its own words.

Diacritics: Pagefind 1.5 folds combining marks (``số`` → ``so``, and ``hòa``/``hoà`` meet on
``hoa``) but not ``đ``, which is a letter of its own (no decomposition). So in the copy Pagefind
reads, ``đ``/``Đ`` are written ``ḏ``/``Ḏ`` (U+1E0F/U+1E0E, d with line below, which is ``d`` +
U+0331 decomposed): Pagefind folds that to ``d``, so ``doi`` finds ``đổi``. (A bare combining
mark such as d + U+0335 folds too, but Pagefind then takes the word for a compound and indexes
it twice.) The served pages are not touched; the search page's script writes queries the same
way and turns ``ḏ`` back into ``đ`` in the titles, sources and excerpts it shows
(:func:`pipeline.site.searchtext.index_form` and ``toIndex()``/``fromIndex()`` in ``cds-search.js``).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.errors import CdsError
from pipeline.core.fileio import write_atomic
from pipeline.site.searchtext import BODY_MARK, HEAD_WORDS, LANGUAGE, REPEATS, index_copy

PACKAGE = Path(__file__).parent.parent
ASSETS = PACKAGE / "search_assets"
BUNDLE_DIR = "pagefind"                 # site/pagefind/: Pagefind's output
PAGE_URL = "tim-kiem/"                  # the search page (site_src/tim-kiem/index.md)
ASSET_DIR = "assets/search/"            # site_src/assets/search/: the page's script and style
STAMP = "cds-search.txt"                # in the bundle: the fingerprint of what was indexed
TIMEOUT = 600                           # seconds, plus TIMEOUT_PER_PAGE for each page indexed:
TIMEOUT_PER_PAGE = 0.05                 # 50,000 pages took more than 600 s on a loaded 2-core host
CACHE_DIR = ".cds/search"               # beside site/: the cached copies (see _CopyCache)
CHUNK_SIZE = 100                        # PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE (default 20,000)
RECENT_DIR = "pagefind-recent"          # site/pagefind-recent/: pages new since the base bundle
BASE_MANIFEST = "cds-base.json"         # in the base bundle: page → digest of its copy, → id
RECENT_MANIFEST = "cds-recent.json"     # in the recent bundle: the base ids it replaces
DELTA_MAX = 50                          # pages the recent bundle may hold before a base rebuild
_INDEXED_PAGES = re.compile(r"Indexed (\d+) pages?")


class SearchError(CdsError):
    """The search index could not be built."""


@dataclass
class SearchResult:
    pages: int = 0              # pages in the index
    seconds: float = 0.0
    bytes: int = 0              # size of site/pagefind/ and site/pagefind-recent/ on disk
    files: int = 0              # files in them
    skipped: str = ""           # why no index was written ("" when one was)
    unchanged: bool = False     # what Pagefind would read had not changed: bundle left as it was
    parsed: int = 0             # pages parsed anew (the others' copies came from the cache)
    base: bool = False          # the base bundle was (re)built: every page went through Pagefind
    delta: int = 0              # else: pages in the recent bundle (added/changed since the base)
    stale: int = 0              # base copies the recent bundle replaces or that are gone
    warnings: list[str] = field(default_factory=list)


def pagefind_binary() -> Path | None:
    """The Pagefind executable: ``$PAGEFIND_BINARY_PATH``, the one bundled with the
    ``pagefind[extended]`` package, or one on ``PATH``; None when there is none."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        get_executable = None
    found = None
    if get_executable is not None:
        try:
            found = get_executable()
        except (FileNotFoundError, OSError):
            found = None
    if found is None:
        which = shutil.which("pagefind_extended") or shutil.which("pagefind")
        found = Path(which) if which else None
    return found if found is not None and Path(found).is_file() else None


def _pages(site_dir: Path, *skip: Path) -> list[Path]:
    out = []
    for path in site_dir.rglob("*.html"):
        if any(s in path.parents for s in skip) or any(p.startswith(".") for p in path.relative_to(site_dir).parts):
            continue
        out.append(path)
    return sorted(out)


def _du(folder: Path) -> tuple[int, int]:
    size = count = 0
    for path in folder.rglob("*"):
        if path.is_file():
            size += path.stat().st_size
            count += 1
    return size, count


def _du_all(*folders: Path) -> tuple[int, int]:
    sizes = [_du(f) for f in folders if f.is_dir()]
    return sum(s for s, _ in sizes), sum(c for _, c in sizes)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


class _CopyCache:
    """The copy Pagefind reads of each built page (:func:`index_copy`), by the SHA-256 of the
    page's HTML and the compaction settings: one file per page in ``folder`` (two-letter fan-out,
    written atomically). A page whose HTML did not change is not parsed again: parsing was most
    of the work of an index at 5,000 pages. Copies no page asked for in this run are removed at
    :meth:`close`, so the cache holds one entry per indexed page, never more."""

    VERSION = b"cds-search-copy-2"

    def __init__(self, folder: Path, settings: tuple):
        self.folder = folder
        self.salt = self.VERSION + repr(settings).encode()
        self.used: set[str] = set()
        self.parsed = 0

    def copy(self, raw: bytes, head: int, repeats: int) -> str | None:
        if BODY_MARK.encode() not in raw:
            return None
        key = hashlib.sha256(self.salt + b"\0" + raw).hexdigest()
        path = self.folder / key[:2] / key
        try:
            indexed = path.read_text(encoding="utf-8")
            self.used.add(key)
            return indexed
        except (OSError, UnicodeDecodeError):
            pass
        self.parsed += 1
        indexed = index_copy(raw.decode("utf-8", errors="replace"), head=head, repeats=repeats)
        if indexed is None:
            return None
        try:
            write_atomic(path, indexed.encode("utf-8"))
            self.used.add(key)
        except OSError:
            pass                                        # only a cache: the index is built anyway
        return indexed

    def close(self) -> None:
        """Remove the copies of pages that are gone or changed."""
        if not self.folder.is_dir():
            return
        for sub in self.folder.iterdir():
            if sub.is_dir():
                for path in sub.iterdir():
                    if path.name not in self.used:
                        path.unlink(missing_ok=True)


def _fingerprint(copies: list[tuple[str, str]], exe: Path, settings: tuple) -> str:
    h = hashlib.sha256()
    st = exe.stat()
    h.update(repr((str(exe), st.st_size, int(st.st_mtime), settings, LANGUAGE)).encode())
    for rel, text in copies:
        h.update(rel.encode("utf-8", "surrogatepass") + b"\0")
        h.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def page_url(rel: str) -> str:
    """The URL Pagefind gives the page at ``rel`` (relative to the site): ``a/index.html`` →
    ``/a/``."""
    if rel == "index.html" or rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


def bundle_ids(bundle: Path) -> dict[str, str]:
    """URL → Pagefind's id of that page (the name of its fragment, what a result's ``id`` is)
    in the bundle ``bundle``."""
    out = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        try:
            raw = gzip.decompress(path.read_bytes())
            data = json.loads(raw[len(b"pagefind_dcd"):] if raw.startswith(b"pagefind_dcd") else raw)
        except (OSError, ValueError, EOFError):
            continue
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            out[data["url"]] = path.name[: -len(".pf_fragment")]
    return out


def delta_limit(base_pages: int) -> int:
    """How many pages the recent bundle may hold before the base is rebuilt: a fixed number,
    whatever the size of the base, because every query pays for the recent bundle's chunks
    (measured: ~9 KB per query at 20 pages) while a base rebuild costs ~1 ms of Pagefind per
    page once in a while (a province adds tens of articles a day)."""
    return DELTA_MAX


def _pagefind(exe: Path, copies: list[tuple[str, str]], staging: Path, *, chunk_size: int,
              timeout: float | None, result: SearchResult) -> str:
    """Run Pagefind on ``copies`` into ``staging`` (removed first); the output text. Raises
    :class:`SearchError` (staging removed) when Pagefind fails."""
    _remove(staging)
    if timeout is None:
        timeout = TIMEOUT + TIMEOUT_PER_PAGE * len(copies)
    with tempfile.TemporaryDirectory(prefix=".cds-search-", dir=staging.parent.parent) as tmp:
        copy = Path(tmp) / "site"
        for rel, text in copies:
            target = copy / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        cmd = [str(exe), "--site", str(copy), "--output-path", str(staging.resolve()),
               "--force-language", LANGUAGE]
        env = {**os.environ, "NO_COLOR": "1"}
        if chunk_size:
            env["PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE"] = str(chunk_size)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            _remove(staging)
            raise SearchError(f"search: Pagefind did not finish within {timeout:.0f} s") from None
        except OSError as exc:
            _remove(staging)
            raise SearchError(f"search: {exe}: cannot run ({exc.strerror})") from None
    output = (proc.stdout or "") + "\n" + (proc.stderr or "")
    if proc.returncode != 0 or not (staging / "pagefind.js").is_file():
        _remove(staging)
        lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
        detail = next((ln for ln in lines if "error" in ln.lower()), lines[-1] if lines else "")
        raise SearchError(f"search: Pagefind failed (exit {proc.returncode}): {detail[:300]}")
    for line in output.splitlines():
        if line.strip().lower().startswith(("warn", "error")):
            result.warnings.append(f"search: {line.strip()}")
    return output


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` in the place of ``target`` (the old one removed once replaced)."""
    old = target.parent / f".{target.name}-old"
    _remove(old)
    if target.exists() or target.is_symlink():
        target.rename(old)
    staging.rename(target)
    _remove(old)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _base(bundle: Path, settings: str) -> dict | None:
    """The manifest of the base bundle when it can take a recent bundle beside it."""
    if not (bundle / "pagefind.js").is_file():
        return None
    base = _read_json(bundle / BASE_MANIFEST)
    if not base or base.get("settings") != settings or not isinstance(base.get("pages"), dict) \
            or not isinstance(base.get("ids"), dict):
        return None
    return base


def run_index(site_dir: Path | str, *, binary: Path | str | None = None,
              timeout: float | None = None, head: int = HEAD_WORDS, repeats: int = REPEATS,
              chunk_size: int = CHUNK_SIZE, cache_dir: Path | str | None = None,
              full: bool = False, delta_max: int | None = None) -> SearchResult:
    """Index the built site in ``site_dir`` for search (offline).

    Only pages carrying ``data-pagefind-body`` are indexed; when no page does, nothing is
    written and the result says why (``skipped``). Without a Pagefind binary the index is
    skipped too, with a warning, and the site works without search. The copy Pagefind reads of
    each page is kept in ``cache_dir`` (default ``<site_dir>/../.cds/search/``) under the digest
    of the page's HTML, so only the pages that changed since the last build are parsed again
    (:class:`_CopyCache`).

    Two bundles: the base, ``site_dir/pagefind/`` (every page when it was built), and the
    recent one, ``site_dir/pagefind-recent/``: the pages added or changed since the base was
    built, indexed alone, and the ids of the base's copies they replace or that are gone
    (``cds-recent.json``; the search page merges the recent bundle and leaves those out). A
    build re-indexes only the recent pages; the base is rebuilt when there is none, when the
    recent pages would be more than ``delta_max`` (default :func:`delta_limit`), when the settings changed, or with
    ``full``. When nothing changed, nothing is touched (``unchanged``). A bundle is replaced
    only once the new one is complete. Raises :class:`SearchError` (one line) when Pagefind
    fails.
    """
    started = time.monotonic()
    site_dir = Path(site_dir)
    result = SearchResult()
    if not site_dir.is_dir():
        raise SearchError(f"{site_dir}: no built site to index (run the MkDocs build first)")
    exe = Path(binary) if binary else pagefind_binary()
    if exe is None or not exe.is_file():
        result.skipped = "no Pagefind binary (install pagefind[extended])"
        result.warnings.append(f"search: {result.skipped}; the site is built without search")
        result.seconds = time.monotonic() - started
        return result

    bundle, recent = site_dir / BUNDLE_DIR, site_dir / RECENT_DIR
    cache = _CopyCache(Path(cache_dir) if cache_dir else site_dir.parent / CACHE_DIR,
                       (head, repeats))
    copies: list[tuple[str, str]] = []
    for path in _pages(site_dir, bundle, recent):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            result.warnings.append(f"search: {path}: cannot be read ({exc.strerror})")
            continue
        indexed = cache.copy(raw, head, repeats)
        if indexed is not None:
            copies.append((path.relative_to(site_dir).as_posix(), indexed))
    cache.close()
    result.parsed = cache.parsed
    if not copies:
        result.skipped = f"no page in {site_dir} carries {BODY_MARK}"
        result.warnings.append(f"search: {result.skipped}; nothing to index")
        result.seconds = time.monotonic() - started
        return result

    settings = _fingerprint([], exe, (head, repeats, chunk_size))
    digests = {rel: _digest(text) for rel, text in copies}
    result.pages = len(copies)
    base = None if full else _base(bundle, settings)
    if base is not None:
        pages, ids = base["pages"], base["ids"]
        delta = [(rel, text) for rel, text in copies if pages.get(rel) != digests[rel]]
        stale = sorted(ids[rel] for rel in pages
                       if digests.get(rel) != pages[rel] and isinstance(ids.get(rel), str))
        if len(delta) <= (delta_limit(len(pages)) if delta_max is None else delta_max):
            _write_recent(exe, recent, delta, stale, base, chunk_size=chunk_size,
                          timeout=timeout, result=result)
            result.bytes, result.files = _du_all(bundle, recent)
            result.seconds = time.monotonic() - started
            return result

    staging = site_dir / f".{BUNDLE_DIR}-new"
    output = _pagefind(exe, copies, staging, chunk_size=chunk_size, timeout=timeout,
                       result=result)
    by_url = bundle_ids(staging)
    stamp = _fingerprint(copies, exe, (head, repeats, chunk_size))
    manifest = {"settings": settings, "stamp": stamp, "pages": digests,
                "ids": {rel: by_url[page_url(rel)] for rel in digests if page_url(rel) in by_url}}
    (staging / BASE_MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")),
                                         encoding="utf-8")
    (staging / STAMP).write_text(stamp + "\n", encoding="utf-8")
    _swap(staging, bundle)
    _empty_recent(recent, stamp)                        # the base holds every page now
    result.base = True

    m = _INDEXED_PAGES.search(output)
    result.pages = int(m.group(1)) if m else len(copies)
    result.bytes, result.files = _du_all(bundle, recent)
    result.seconds = time.monotonic() - started
    return result


def _empty_recent(recent: Path, base_stamp: str) -> bool:
    """A recent bundle holding nothing (only its manifest, so that the search page's request
    for it is not a 404); True when it was so already."""
    old = _read_json(recent / RECENT_MANIFEST)
    if old and old.get("bundle") is False and not old.get("stale") and \
            old.get("base") == base_stamp and not (recent / "pagefind.js").exists():
        return True
    staging = recent.parent / f".{RECENT_DIR}-new"
    _remove(staging)
    staging.mkdir()
    manifest = {"stamp": "", "base": base_stamp, "bundle": False, "ids": [], "stale": []}
    (staging / RECENT_MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")),
                                           encoding="utf-8")
    _swap(staging, recent)
    return False


def _write_recent(exe: Path, recent: Path, delta: list[tuple[str, str]], stale: list[str],
                  base: dict, *, chunk_size: int, timeout: float | None,
                  result: SearchResult) -> None:
    """The recent bundle in ``recent``: ``delta`` indexed alone and ``cds-recent.json`` (the
    base's ids the search page leaves out); none at all when nothing changed since the base."""
    result.delta, result.stale = len(delta), len(stale)
    if not delta and not stale:
        result.unchanged = _empty_recent(recent, base.get("stamp", ""))
        return
    stamp = _fingerprint(delta + [("stale", " ".join(stale)), ("base", base.get("stamp", ""))],
                         exe, (chunk_size,))
    old = _read_json(recent / RECENT_MANIFEST)
    if old and old.get("stamp") == stamp and (not delta or (recent / "pagefind.js").is_file()):
        result.unchanged = True
        return
    staging = recent.parent / f".{RECENT_DIR}-new"
    if delta:
        _pagefind(exe, delta, staging, chunk_size=chunk_size, timeout=timeout, result=result)
    else:
        _remove(staging)
        staging.mkdir()
    ids = sorted(bundle_ids(staging).values()) if delta else []
    manifest = {"stamp": stamp, "base": base.get("stamp", ""), "bundle": bool(delta),
                "ids": ids, "stale": stale}
    (staging / RECENT_MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")),
                                           encoding="utf-8")
    _swap(staging, recent)


# --- the search page ----------------------------------------------------------------------------

def search_page_markdown() -> str:
    """The Markdown of ``site_src/tim-kiem/index.md``: the search form, the result list and the
    links to ``assets/search/cds-search.{css,js}`` (see :func:`site_files`)."""
    from pipeline.site.pages.builder import search_page  # the markup: templates/site/search.md
    return search_page(None)


def site_files() -> dict[str, bytes]:
    """What search adds to ``site_src/``: relative POSIX path → bytes (the search page and its
    script and style sheet). ``publish`` writes them like its own pages."""
    return {
        PAGE_URL + "index.md": search_page_markdown().encode("utf-8"),
        ASSET_DIR + "cds-search.js": (ASSETS / "cds-search.js").read_bytes(),
        ASSET_DIR + "cds-search.css": (ASSETS / "cds-search.css").read_bytes(),
    }


def search_box_html(page_url: str = "") -> str:
    """A small search form (e.g. for the home page) that opens the search page with ``?q=``.
    ``page_url``: the directory URL of the page it is put on ("" for home), for the relative
    link."""
    depth = len([p for p in page_url.split("/") if p])
    action = "../" * depth + PAGE_URL
    return (f'<form class="cds-searchbox" role="search" action="{html.escape(action)}" method="get">'
            '<label for="cds-searchbox-q">Tìm bài viết</label>'
            '<input id="cds-searchbox-q" name="q" type="search" autocomplete="off" '
            'enterkeyhint="search" placeholder="Ví dụ: chuyen doi so">'
            '<button type="submit" class="md-button md-button--primary">Tìm kiếm</button></form>')
