"""Site search: a Pagefind index of the built site that Vietnamese readers can use.

Pagefind (https://pagefind.app, the binary bundled with the ``pagefind[extended]`` package)
writes a static, chunked index; cds writes one per period (year) into ``site/pagefind/<year>/``
(:func:`run_index`), and the search page (``tim-kiem/``, from :func:`site_files`) searches the
newest years first and loads only the chunks a query needs, so a query costs a few hundred KB
at most, whatever the size of the site.

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
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.errors import CdsError
from pipeline.core.fileio import write_atomic, write_if_changed
from pipeline.site.searchtext import (
    BODY_MARK,
    HEAD_WORDS,
    LANGUAGE,
    REPEATS,
    copy_filters,
    index_copy,
)

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
RECENT_DIR = "pagefind-recent"          # site/pagefind-recent/: pages new since their period's bundle
BASE_MANIFEST = "cds-base.json"         # in each period bundle: page → digest of its copy, → id
RECENT_MANIFEST = "cds-recent.json"     # in the recent bundle: its ids' periods, the ids it replaces
DELTA_MAX = 50                          # pages the recent bundle may hold before a period rebuild
PERIODS_MANIFEST = "cds-periods.json"   # site/pagefind/cds-periods.json: the periods, for the page
FILTERS_FILE = "cds-filters.json"       # site/pagefind/cds-filters.json: every filter value, counted
SCOPE_MIN = 1000                        # pages the newest periods searched first hold at least
PERIOD_MAX = 2500                       # pages of a period: a larger year is split by months
PARTS = (2, 3, 4, 6, 12)                # … into so many parts (of 6, 4, 3, 2 months, or 1)
UNDATED = "khac"                        # the period of pages without a year
ONE_PERIOD = "tat-ca"                   # the only period when the index is not split
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
           "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
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
    base: bool = False          # period bundles were (re)built (their pages went through Pagefind)
    delta: int = 0              # else: pages in the recent bundle (added/changed since their period)
    stale: int = 0              # base copies the recent bundle replaces or that are gone
    walked: bool = True         # every folder of site/ was walked (else the build said what it wrote)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Changes:
    """What the site build knows of ``site/`` (:func:`run_index`'s ``changes``): the HTML files it
    made (``outputs``, relative POSIX paths), which of them are MkDocs pages (``pages``), the
    pages it wrote now (``written``), and stamps of the build's record before and after it
    (:func:`file_stamp`: ``since`` None when there was none). A page the build did not write is
    as the last index run saw it, provided that run indexed the build just before this one
    (its record then had the stamp ``since``); otherwise every page is looked at."""
    since: str | None
    now: str
    outputs: Collection[str]
    pages: Collection[str]
    written: Collection[str]


def file_stamp(path: Path | str) -> str | None:
    """Size, time and inode of a file written by renames (a new inode each write), or None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


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


def _pages_known(site_dir: Path, changes: Changes, old: dict, *skip: Path
                 ) -> list[tuple[str, str, os.stat_result | None | bool]]:
    """:func:`_pages` from what the site build says instead of a walk of every folder: the
    HTML it made and the pages of the last scan (``old``), sorted; ``True`` in place of the
    ``stat`` for a page the build did not write (its last scan holds). The others, the build's
    HTML files that are not pages (copied, not rendered: the build does not say whether they
    changed) and the pages gone (not found), are looked at."""
    skipped = {s.name + "/" for s in skip if s.parent == site_dir}
    trusted = set(changes.pages) - set(changes.written)
    out = []
    base = str(site_dir)
    for rel in sorted({r for r in changes.outputs if r.endswith(".html")} | set(old)):
        if rel.startswith(tuple(skipped)) or rel.startswith(".") or "/." in rel:
            continue
        if rel in trusted and rel in old:
            out.append((rel, "", True))
            continue
        path = os.path.join(base, rel)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        except OSError:
            st = None
        out.append((rel, path, st))
    return out


def _pages(site_dir: Path, *skip: Path) -> list[tuple[str, str, os.stat_result | None]]:
    """The HTML pages of the site (relative POSIX path, path, its ``stat``: None when it could
    not be read), sorted; not under ``skip`` nor in hidden folders. Strings, not Paths: at
    5,000 articles pathlib was most of the cost of a build with nothing new."""
    out = []
    skipped = {s.name for s in skip if s.parent == site_dir}

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                if prefix or entry.name not in skipped:
                    walk(entry.path, prefix + entry.name + "/")
            elif entry.name.endswith(".html"):
                try:
                    st = entry.stat()
                except OSError:
                    st = None
                out.append((prefix + entry.name, entry.path, st))

    walk(str(site_dir), "")
    return sorted(out, key=lambda x: x[0])


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


@dataclass
class _Page:
    """One indexable page as the last scan saw it."""
    rel: str                    # path in the site (POSIX)
    key: str                    # the cache key of its copy (the SHA-256 of its HTML + settings)
    digest: str                 # of its copy (what Pagefind reads)
    year: str                   # its year (the ``nam`` filter), "" when it has none
    month: int                  # its month (from the date sort key), 0 when unknown
    filters: dict               # its filters (name → values, index form)
    period: str = ""            # the period bundle it belongs to (:func:`assign_periods`)


_SORT_MONTH = re.compile(r'data-pagefind-sort="[^":]*:\s*(\d{4})-(\d{2})')


def _year_month(filters: dict, copy_html: str) -> tuple[str, int]:
    years = [y for y in filters.get("nam", []) if re.fullmatch(r"\d{4}", y)]
    year = years[0] if years else ""
    m = _SORT_MONTH.search(copy_html)
    month = int(m.group(2)) if m and m.group(1) == year and 1 <= int(m.group(2)) <= 12 else 0
    return year, month


def assign_periods(pages: list[_Page], split: bool = True,
                   period_max: int = PERIOD_MAX) -> dict[str, str]:
    """Set each page's period: its year (``2024``); a year of more than ``period_max`` pages is
    split by months into the fewest parts of :data:`PARTS` that each hold about ``period_max``
    at most, named by their first month (``2024-01`` … ``2024-10`` for quarters);
    :data:`UNDATED` without a year; :data:`ONE_PERIOD` for every page when the index is not
    ``split``. Stable as articles come: a year's periods change only when it grows past the
    limit (then its bundles are rebuilt once). Returns period → how the search page names it
    (``năm 2024``, ``tháng 7–9/2024``)."""
    labels: dict[str, str] = {}
    if not split:
        for page in pages:
            page.period = ONE_PERIOD
        return {ONE_PERIOD: "mọi năm"}
    per_year: dict[str, int] = {}
    for page in pages:
        per_year[page.year] = per_year.get(page.year, 0) + 1
    parts = {y: next((k for k in PARTS if n / k <= period_max), PARTS[-1])
             for y, n in per_year.items() if n > period_max}
    for page in pages:
        if not page.year:
            page.period = UNDATED
            labels[UNDATED] = "bài không ghi ngày"
        elif page.year in parts:
            span = 12 // parts[page.year]
            first = (max(page.month, 1) - 1) // span * span + 1
            page.period = f"{page.year}-{first:02d}"
            months = f"{first}" if span == 1 else f"{first}–{first + span - 1}"
            labels[page.period] = f"tháng {months}/{page.year}"
        else:
            page.period = page.year
            labels[page.year] = f"năm {page.year}"
    return labels


class _CopyCache:
    """The copy Pagefind reads of each built page (:func:`index_copy`), by the SHA-256 of the
    page's HTML and the compaction settings: one file per page in ``folder`` (two-letter fan-out,
    written atomically). A page whose HTML did not change is not parsed again: parsing was most
    of the work of an index at 5,000 pages.

    And what the last scan found per page (``pages.json``): the file's size, mtime (ns) and
    inode, its copy's key and digest, its period and filters. A page whose file is the same
    (writes are atomic renames: a rewritten page has a new inode) is not even read: with
    nothing new, a scan of 5,000 pages is a ``stat`` each. Copies no page uses are removed at
    :meth:`close`, so the cache holds one entry per indexed page, never more."""

    VERSION = b"cds-search-copy-4"
    MEMO = "pages.json"
    SITE = "pages-site.json"        # the site build the memo is of: its stamp, the memo's stamp

    def __init__(self, folder: Path, settings: tuple):
        self.folder = folder
        self.salt = self.VERSION + repr(settings).encode()
        self.parsed = 0
        memo = _read_json(folder / self.MEMO) or {}
        self.tag = hashlib.sha256(self.salt).hexdigest()[:16]
        self.old: dict = memo.get("pages", {}) if memo.get("tag") == self.tag else {}
        self.result_stamp = memo.get("result", "") if self.old else ""
        self.new: dict = {}
        site = _read_json(folder / self.SITE) or {}
        self.site = site.get("site") if self.old and \
            site.get("memo") == file_stamp(folder / self.MEMO) else None

    def trust(self, rel: str) -> _Page | None:
        """The page at ``rel`` as the last scan found it (the site build did not write it)."""
        old = self.new[rel] = self.old[rel]
        return _Page(rel, *old[3:8]) if old[3] else None

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def text(self, page: _Page, site_dir: Path, head: int, repeats: int) -> str | None:
        """The copy of ``page`` (from the cache, else made again from the page)."""
        try:
            return self._path(page.key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        try:
            raw = (site_dir / page.rel).read_bytes()
        except OSError:
            return None
        self.parsed += 1
        indexed = index_copy(raw.decode("utf-8", errors="replace"), head=head, repeats=repeats)
        if indexed is not None:
            try:
                write_atomic(self._path(page.key), indexed.encode("utf-8"))
            except OSError:
                pass
        return indexed

    def scan(self, rel: str, path: str, st: os.stat_result | None, head: int, repeats: int,
             warnings: list[str]) -> _Page | None:
        if st is None:
            warnings.append(f"search: {path}: cannot be read")
            return None
        sig = [st.st_size, st.st_mtime_ns, st.st_ino]
        old = self.old.get(rel)
        if old and old[:3] == sig:
            self.new[rel] = old
            return _Page(rel, *old[3:8]) if old[3] else None
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            warnings.append(f"search: {path}: cannot be read ({exc.strerror})")
            return None
        if BODY_MARK.encode() not in raw:
            self.new[rel] = sig + ["", "", "", 0, {}]
            return None
        key = hashlib.sha256(self.salt + b"\0" + raw).hexdigest()
        indexed = None
        try:
            indexed = self._path(key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        if indexed is None:
            self.parsed += 1
            indexed = index_copy(raw.decode("utf-8", errors="replace"), head=head, repeats=repeats)
            if indexed is not None:
                try:
                    write_atomic(self._path(key), indexed.encode("utf-8"))
                except OSError:
                    pass                                # only a cache: the index is built anyway
        if indexed is None:
            self.new[rel] = sig + ["", "", "", 0, {}]
            return None
        filters = copy_filters(indexed)
        page = _Page(rel, key, _digest(indexed), *_year_month(filters, indexed), filters)
        self.new[rel] = sig + [page.key, page.digest, page.year, page.month, page.filters]
        return page

    @property
    def changed(self) -> bool:
        return self.new != self.old

    def close(self, result_stamp: str, site: str | None = None) -> None:
        """Record this scan (of the site build stamped ``site``, when known); when pages
        changed, remove the copies no page uses."""
        if self.changed and self.folder.is_dir():
            used = {entry[3] for entry in self.new.values() if entry[3]}
            for sub in self.folder.iterdir():
                if sub.is_dir():
                    for path in sub.iterdir():
                        if path.name not in used:
                            path.unlink(missing_ok=True)
        if self.changed or result_stamp != self.result_stamp:
            memo = {"tag": self.tag, "result": result_stamp, "pages": self.new}
            try:
                write_atomic(self.folder / self.MEMO,
                             json.dumps(memo, ensure_ascii=False, separators=(",", ":")).encode())
            except OSError:
                site = None                     # the memo on disk is not of this scan
        if site != self.site or self.changed:
            try:
                write_atomic(self.folder / self.SITE, json.dumps(
                    {"site": site, "memo": file_stamp(self.folder / self.MEMO)}))
            except OSError:
                pass


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
    in the bundle ``bundle`` (one Pagefind output folder: a period or the recent bundle)."""
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


def period_bundles(site_dir: Path | str) -> dict[str, Path]:
    """The period bundles of a built site: period → its folder (``site/pagefind/<period>/``)."""
    bundle = Path(site_dir) / BUNDLE_DIR
    if not bundle.is_dir():
        return {}
    return {p.name: p for p in sorted(bundle.iterdir())
            if p.is_dir() and not p.name.startswith(".") and (p / "pagefind.js").is_file()}


def delta_limit(base_pages: int) -> int:
    """How many pages the recent bundle may hold before the periods they belong to are
    rebuilt: a fixed number, whatever the size of the site, because every query pays for the
    recent bundle's chunks (measured: ~9 KB per query at 20 pages) while rebuilding a period
    costs ~1 ms of Pagefind per page of that period once in a while."""
    return DELTA_MAX


def _pagefind(exe: Path, copies: list[tuple[str, str]], staging: Path, *, chunk_size: int,
              timeout: float | None, result: SearchResult, scratch: Path) -> str:
    """Run Pagefind on ``copies`` into ``staging`` (removed first); the output text. The copies
    are written to a temporary folder in ``scratch``. Raises :class:`SearchError` (staging
    removed) when Pagefind fails."""
    _remove(staging)
    if timeout is None:
        timeout = TIMEOUT + TIMEOUT_PER_PAGE * len(copies)
    with tempfile.TemporaryDirectory(prefix=".cds-search-", dir=scratch) as tmp:
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
    for name in _UNUSED:                       # Pagefind's own UIs: the search page is ours
        _remove(staging / name)
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


def _write_json(path: Path, data: dict) -> bool:
    """Write ``data`` to ``path`` (atomically) unless it holds it already; True when written."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return write_if_changed(path, raw)


def _base(bundle: Path, settings: str) -> dict | None:
    """The manifest of a period bundle when it can take a recent bundle beside it."""
    if not (bundle / "pagefind.js").is_file():
        return None
    base = _read_json(bundle / BASE_MANIFEST)
    if not base or base.get("settings") != settings or not isinstance(base.get("pages"), dict) \
            or not isinstance(base.get("ids"), dict):
        return None
    return base


def _period_order(key: str) -> tuple:
    """Newest first; the undated period last."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", key)
    return (0, -int(m.group(1)), -int(m.group(2) or 0)) if m else (1, 0, 0)


def run_index(site_dir: Path | str, *, binary: Path | str | None = None,
              timeout: float | None = None, head: int = HEAD_WORDS, repeats: int = REPEATS,
              chunk_size: int = CHUNK_SIZE, cache_dir: Path | str | None = None,
              full: bool = False, delta_max: int | None = None, split: bool = True,
              scope_min: int = SCOPE_MIN, period_max: int = PERIOD_MAX,
              changes: Changes | None = None) -> SearchResult:
    """Index the built site in ``site_dir`` for search (offline).

    Only pages carrying ``data-pagefind-body`` are indexed; when no page does, nothing is
    written and the result says why (``skipped``). Without a Pagefind binary the index is
    skipped too, with a warning, and the site works without search. The copy Pagefind reads of
    each page is kept in ``cache_dir`` (default ``<site_dir>/../.cds/search/``) under the digest
    of the page's HTML, and a page whose file did not change (size, mtime, inode) is not read
    again (:class:`_CopyCache`). With ``changes`` (what the site build wrote: :class:`Changes`)
    the folders are not walked and the pages the build did not write are not even looked at,
    when the last run indexed the build just before this one.

    The index is split by period (the year, or parts of a year of more than ``period_max``
    pages; ``split``; :func:`assign_periods`): one Pagefind bundle
    per period, ``site_dir/pagefind/<period>/``, listed newest first with their years and
    page counts in ``site_dir/pagefind/cds-periods.json`` (and ``scope_min``: the search page
    searches the newest periods holding at least that many pages first, older ones on demand;
    a year filter loads only its period). Beside them the recent bundle,
    ``site_dir/pagefind-recent/``: the pages added or changed since their period was built,
    indexed alone, with the ids of the period bundles' copies they replace or that are gone
    (``cds-recent.json``). A build re-indexes only the recent pages; when they would be more
    than ``delta_max`` (default :func:`delta_limit`) the periods they belong to are rebuilt
    (only those). Every period is rebuilt when there is none, when the settings changed, or
    with ``full``. When nothing changed, nothing is touched (``unchanged``). A bundle is
    replaced only once the new one is complete. Raises :class:`SearchError` (one line) when
    Pagefind fails.
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
    pages: list[_Page] = []
    known = changes is not None and changes.since is not None and cache.site == changes.since
    site = changes.now if changes is not None else None
    for rel, path, st in (_pages_known(site_dir, changes, cache.old, bundle, recent) if known
                          else _pages(site_dir, bundle, recent)):
        page = cache.trust(rel) if st is True else \
            cache.scan(rel, path, st, head, repeats, result.warnings)
        if page is not None:
            pages.append(page)
    result.parsed = cache.parsed
    result.walked = not known
    if not pages:
        cache.close("", site)
        result.skipped = f"no page in {site_dir} carries {BODY_MARK}"
        result.warnings.append(f"search: {result.skipped}; nothing to index")
        result.seconds = time.monotonic() - started
        return result
    result.pages = len(pages)
    labels = assign_periods(pages, split, period_max)
    settings = _fingerprint([], exe, (head, repeats, chunk_size, split, period_max))

    # nothing changed since the last run, and the bundles are as that run left them
    public = _read_json(bundle / PERIODS_MANIFEST) or {}
    stamp_now = _result_stamp(bundle, recent, exe, settings, scope_min)
    if not full and not cache.changed and cache.result_stamp == stamp_now \
            and public.get("settings") == settings:
        result.unchanged = True
        rb, rf = _du_all(recent)
        result.bytes, result.files = public.get("bytes", 0) + rb, public.get("files", 0) + rf
        result.seconds = time.monotonic() - started
        cache.close(stamp_now, site)
        return result

    want: dict[str, dict[str, _Page]] = {}
    for page in pages:
        want.setdefault(page.period, {})[page.rel] = page
    on_disk = {} if full else {key: m for key, p in period_bundles(site_dir).items()
                               if (m := _base(p, settings)) is not None}
    rebuild = set(want)
    if on_disk:
        by_rel = {page.rel: page for page in pages}
        in_base = {rel: (key, digest) for key, m in on_disk.items() for rel, digest in m["pages"].items()}
        delta = [p for p in pages if in_base.get(p.rel) != (p.period, p.digest)]
        gone = [(rel, key) for rel, (key, digest) in in_base.items()
                if rel not in by_rel or (by_rel[rel].period, by_rel[rel].digest) != (key, digest)]
        limit = delta_limit(len(in_base)) if delta_max is None else delta_max
        if len(delta) <= limit:
            stale = sorted(i for rel, key in gone if isinstance(i := on_disk[key]["ids"].get(rel), str))
            base_stamp = _fingerprint([(k, on_disk[k].get("stamp", "")) for k in sorted(on_disk)],
                                      exe, ())
            _write_recent(exe, recent, delta, stale, base_stamp, cache, site_dir, head, repeats,
                          chunk_size=chunk_size, timeout=timeout, result=result)
            _write_public(bundle, want, set(on_disk), labels, settings, scope_min, result)
            rb, rf = _du_all(recent)
            result.bytes, result.files = result.bytes + rb, result.files + rf
            cache.close(_result_stamp(bundle, recent, exe, settings, scope_min), site)
            result.seconds = time.monotonic() - started
            return result
        rebuild = {p.period for p in delta} | {key for _, key in gone} | (set(want) - set(on_disk))

    bundle.mkdir(exist_ok=True)
    for key in sorted(rebuild, key=_period_order):
        if key not in want:
            _remove(bundle / key)
            continue
        copies = []
        for page in want[key].values():
            text = cache.text(page, site_dir, head, repeats)
            if text is not None:
                copies.append((page.rel, text))
        staging = bundle / f".{key}-new"
        _pagefind(exe, copies, staging, chunk_size=chunk_size, timeout=timeout, result=result,
                  scratch=site_dir.parent)
        by_url = bundle_ids(staging)
        digests = {p.rel: p.digest for p in want[key].values()}
        manifest = {"settings": settings, "period": key,
                    "stamp": _fingerprint(copies, exe, (head, repeats, chunk_size)),
                    "pages": digests,
                    "ids": {rel: by_url[page_url(rel)] for rel in digests if page_url(rel) in by_url}}
        (staging / BASE_MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")),
                                             encoding="utf-8")
        _swap(staging, bundle / key)
    result.parsed = cache.parsed
    for path in bundle.iterdir():                  # periods gone, and older layouts' files
        if path.name not in want and path.name != PERIODS_MANIFEST and path.name != FILTERS_FILE:
            _remove(path)
    on_disk = {key: m for key, p in period_bundles(site_dir).items()
               if (m := _base(p, settings)) is not None}
    base_stamp = _fingerprint([(k, on_disk[k].get("stamp", "")) for k in sorted(on_disk)], exe, ())
    _empty_recent(recent, base_stamp)                   # the periods hold every page now
    result.base = True
    result.bytes, result.files = _du_all(bundle)
    _write_public(bundle, want, set(on_disk), labels, settings, scope_min, result, measured=True)
    rb, rf = _du_all(recent)
    result.bytes, result.files = result.bytes + rb, result.files + rf
    cache.close(_result_stamp(bundle, recent, exe, settings, scope_min), site)
    result.seconds = time.monotonic() - started
    return result


def _result_stamp(bundle: Path, recent: Path, exe: Path, settings: str, scope_min: int) -> str:
    public = _read_json(bundle / PERIODS_MANIFEST) or {}
    recent_manifest = _read_json(recent / RECENT_MANIFEST) or {}
    return _fingerprint([("periods", public.get("stamp", "")),
                         ("recent", recent_manifest.get("stamp", "") + repr(recent_manifest.get("base")))],
                        exe, (settings, scope_min))


def _write_public(bundle: Path, want: dict[str, dict[str, _Page]], built: set[str],
                  labels: dict[str, str], settings: str, scope_min: int, result: SearchResult,
                  measured: bool = False) -> None:
    """``cds-periods.json`` (what the search page reads first: the periods newest first, with
    their years, pages and whether they have a bundle yet) and ``cds-filters.json`` (every
    theme, source and year with its count of pages, for the filter lists)."""
    old = _read_json(bundle / PERIODS_MANIFEST) or {}
    periods = []
    for key in sorted(want, key=_period_order):
        years = sorted({y for p in want[key].values() for y in p.filters.get("nam", [])}, reverse=True)
        periods.append({"key": key, "label": labels.get(key, key), "years": years,
                        "pages": len(want[key]), "bundle": key in built})
    counts: dict[str, dict[str, int]] = {}
    for group in want.values():
        for page in group.values():
            for name, values in page.filters.items():
                for value in values:
                    counts.setdefault(name, {})[value] = counts.setdefault(name, {}).get(value, 0) + 1
    if not measured:
        result.bytes, result.files = old.get("bytes", 0), old.get("files", 0)
    stamps = [(k, (_read_json(bundle / k / BASE_MANIFEST) or {}).get("stamp", "")) for k in sorted(built)]
    public = {"version": 1, "settings": settings, "scope_min": scope_min, "periods": periods,
              "bytes": result.bytes, "files": result.files,
              "stamp": hashlib.sha256(repr((stamps, periods)).encode()).hexdigest()[:24]}
    bundle.mkdir(exist_ok=True)
    _write_json(bundle / FILTERS_FILE, counts)
    _write_json(bundle / PERIODS_MANIFEST, public)


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
    manifest = {"stamp": "", "base": base_stamp, "bundle": False, "ids": [], "periods": {},
                "stale": []}
    (staging / RECENT_MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")),
                                           encoding="utf-8")
    _swap(staging, recent)
    return False


def _write_recent(exe: Path, recent: Path, delta: list[_Page], stale: list[str], base_stamp: str,
                  cache: _CopyCache, site_dir: Path, head: int, repeats: int, *, chunk_size: int,
                  timeout: float | None, result: SearchResult) -> None:
    """The recent bundle in ``recent``: ``delta`` indexed alone and ``cds-recent.json`` (its
    ids with the period of each, and the period bundles' ids the search page leaves out); none
    at all when nothing changed since the periods were built."""
    result.delta, result.stale = len(delta), len(stale)
    if not delta and not stale:
        result.unchanged = _empty_recent(recent, base_stamp)
        return
    stamp = _fingerprint([(p.rel, p.digest + p.period) for p in delta]
                         + [("stale", " ".join(stale)), ("base", base_stamp)], exe, (chunk_size,))
    old = _read_json(recent / RECENT_MANIFEST)
    if old and old.get("stamp") == stamp and (not delta or (recent / "pagefind.js").is_file()):
        result.unchanged = True
        return
    staging = recent.parent / f".{RECENT_DIR}-new"
    periods: dict[str, str] = {}
    if delta:
        copies = [(p.rel, t) for p in delta if (t := cache.text(p, site_dir, head, repeats)) is not None]
        _pagefind(exe, copies, staging, chunk_size=chunk_size, timeout=timeout, result=result,
                  scratch=site_dir.parent)
        period_by_url = {page_url(p.rel): p.period for p in delta}
        periods = {i: period_by_url.get(url, UNDATED) for url, i in bundle_ids(staging).items()}
    else:
        _remove(staging)
        staging.mkdir()
    manifest = {"stamp": stamp, "base": base_stamp, "bundle": bool(delta),
                "ids": sorted(periods), "periods": periods, "stale": stale}
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
