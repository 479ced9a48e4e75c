"""What the site offers other sites: the static JSON API (``api/``), embeddable columns
(``embed/``), OPML lists, share cards' image sizes and the webmasters' page.

:func:`write_portal` is called by the site build right after the feeds (``sitebuild``); every
file is written only when its bytes changed, and the list of files goes into the build's
outputs so a file nothing makes any more is removed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline import config as config_mod
from pipeline.core.fileio import write_atomic, write_if_changed
from pipeline.core.models import THEMES, Article, Config


@dataclass
class PortalResult:
    files: list[str] = field(default_factory=list)     # site-relative paths
    written: int = 0
    unchanged: int = 0
    skipped: bool = False                              # inputs as last time: nothing made again


class Context:
    """The published articles, newest first, with everything a page about them needs."""

    def __init__(self, config: Config, articles: Sequence[Article], *,
                 urls: Mapping[str, str] | None = None,
                 theme_names: Mapping[str, str] | None = None,
                 docs: Sequence[object] = (), keys: Mapping[str, str] | None = None,
                 memo: Memo | None = None):
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
        self.keys = dict(keys or {})        # write_portal: each article's key (_article_keys)
        self.memo = memo if memo is not None else Memo()     # what the last build made
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
        return self._groups[0].get(tid, [])

    def of_source(self, sid: str) -> list[Article]:
        return self._groups[1].get(sid, [])

    @functools.cached_property
    def _groups(self) -> tuple[dict[str, list[Article]], dict[str, list[Article]]]:
        """The articles of each theme and of each source, newest first: one pass for all
        (the API and the embeds ask for every theme and source)."""
        themes: dict[str, list[Article]] = {}
        sources: dict[str, list[Article]] = {}
        for art in self.articles:
            for tid in dict.fromkeys(art.themes):
                themes.setdefault(tid, []).append(art)
            sources.setdefault(art.source, []).append(art)
        return themes, sources


class Writer:
    """Collects files; writes each only when its bytes changed. With ``memo`` (the last build's
    :class:`Memo`), a file whose key (:meth:`made`) is the one it was written from last time
    and that is still there is neither made nor read again."""

    def __init__(self, site_dir: Path, memo: Memo | None = None):
        self.site_dir = Path(site_dir)
        self.result = PortalResult()
        self.memo = memo if memo is not None else Memo()
        self.keys: dict[str, str] = {}          # file → the key it was made from (this build)

    def put(self, rel: str, data: bytes) -> None:
        self.result.files.append(rel)
        if write_if_changed(self.site_dir / rel, data):
            self.result.written += 1
        else:
            self.result.unchanged += 1

    def made(self, rel: str, key: str, make: Callable[[], bytes]) -> None:
        """The file ``rel`` from ``make()``, unless its ``key`` (a digest of everything ``make``
        reads) is the one it was made from last time and the file is there: then it is kept."""
        self.keys[rel] = key
        if self.memo.files.get(rel) == key and (self.site_dir / rel).is_file():
            self.result.files.append(rel)
            self.result.unchanged += 1
            return
        self.put(rel, make())


@dataclass
class Memo:
    """What the last build made, kept in the state file beside the digest: each article's API
    record as encoded JSON under its key (:func:`_article_key`), each file's key. Valid only
    under the same ``base`` (the code, templates, configuration: :func:`_base_digest`)."""
    base: str = ""
    records: dict[str, list] = field(default_factory=dict)     # id → [key, encoded record]
    files: dict[str, str] = field(default_factory=dict)        # file → key


def write_portal(config: Config, articles: Sequence[Article], site_dir: Path, *,
                 urls: Mapping[str, str] | None = None,
                 theme_names: Mapping[str, str] | None = None,
                 state_file: Path | None = None, reuse: bool = True) -> PortalResult:
    """The JSON API, the embeddable columns and the OPML lists into ``site_dir``.
    ``articles`` as the feeds get them (``media.for_feeds``: absolute picture addresses).

    ``state_file``: where the digest of every input (the code and templates, ``config``, the
    articles, ``urls``, ``theme_names``, the register, ``site_dir``) and the files made from it
    are kept; with ``reuse``, the same digest with every file still there makes nothing again."""
    from pipeline.site.portal import api, embed, opml
    from pipeline.store import register

    docs = register.load_docs(config.content_dir)      # never raises: `cds check` reports
    base = _base_digest(config, site_dir, theme_names, docs)
    keys = _article_keys(articles, urls, base)
    digest = _digest(base, urls, [keys[a.id] for a in articles]) if state_file else ""
    last = _read_state(state_file) if state_file and reuse else None
    if last:
        site = Path(site_dir)
        if last["digest"] == digest and all((site / rel).is_file() for rel in last["files"]):
            return PortalResult(files=list(last["files"]), unchanged=len(last["files"]), skipped=True)
    memo = _memo(last, base, records_file(state_file) if state_file else None)
    if state_file:      # a build that stops half-way: its files are not those the state names
        Path(state_file).unlink(missing_ok=True)
    ctx = Context(config, articles, urls=urls, theme_names=theme_names, docs=docs, keys=keys,
                  memo=memo)
    out = Writer(site_dir, memo)
    api.write(ctx, out)
    embed.write(ctx, out)
    opml.write(ctx, out)
    if state_file:
        encoded = ctx.__dict__.get("_api_json", {})
        write_atomic(records_file(state_file), "".join(
            f"{keys[aid]}\t{aid}\t{text}\n" for aid, text in encoded.items()
            if aid in keys and "\t" not in aid and "\n" not in aid).encode("utf-8", "surrogatepass"))
        write_atomic(Path(state_file), json.dumps(
            {"digest": digest, "files": out.result.files, "base": base, "keys": out.keys},
            ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    return out.result


def records_file(state_file: Path | str) -> Path:
    """Beside the state file: each article's encoded API record, a line ``key TAB id TAB
    JSON`` (the JSON has no raw line break or tab). A record is used only under its key, so a
    file from another build is harmless."""
    state_file = Path(state_file)
    return state_file.with_name(state_file.stem + "-records.txt")


def _code_digest() -> bytes:
    """This package's code and the portal templates (``embed.TEMPLATES``)."""
    from pipeline.site import feeds_out
    from pipeline.site.portal import embed

    h = hashlib.sha256()
    files = [*sorted(Path(__file__).parent.glob("*.py")), Path(feeds_out.__file__),
             *sorted(p for p in Path(embed.TEMPLATES).rglob("*") if p.is_file())]
    for path in files:
        h.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + path.read_bytes())
    return h.digest()


def _base_digest(config, site_dir, theme_names, docs) -> str:
    """Everything the portal files are made from but the articles and their page addresses:
    the code, the templates (the root's overrides too), the configuration, the theme names and
    the register. Pickled: equal bytes mean equal inputs (a difference that is not one, such
    as a set's order, only makes the files again)."""
    from pipeline.site.templating import root_folder
    from pipeline.site.portal import embed

    h = hashlib.sha256(_code_digest())
    own = root_folder(config.root)                     # the root's templates/portal/ overrides
    for path in sorted(p for p in (own / embed.ROOT_FOLDER).rglob("*") if p.is_file()) \
            if own is not None else ():
        h.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + path.read_bytes())
    h.update(pickle.dumps((config, str(site_dir),
                           dict(theme_names) if theme_names is not None else None, list(docs)),
                          protocol=5))
    return h.hexdigest()


def _article_keys(articles: Sequence[Article], urls: Mapping[str, str] | None,
                  base: str) -> dict[str, str]:
    """Each article's key: a digest of what the portal reads of it (:data:`USED_FIELDS`), its
    page address and ``base``. Its API record and its line in a file's key come from it."""
    urls = urls or {}
    salt = base.encode("ascii")
    keys = {}
    for art in articles:                               # one at a time: no copy of the store held
        keys[art.id] = hashlib.blake2b(
            pickle.dumps((_plain(art), urls.get(art.id)), protocol=5), digest_size=16,
            key=salt[:64]).hexdigest()
    return keys


def _digest(base: str, urls: Mapping[str, str] | None, keys: Sequence[str]) -> str:
    """Everything the portal files are made from: ``base``, every page address (a link
    between files may name any), the articles' keys in their order (and their number)."""
    h = hashlib.sha256(base.encode("ascii"))
    h.update(pickle.dumps((dict(urls or {}), len(keys)), protocol=5))
    h.update("\n".join(keys).encode("ascii"))
    return h.hexdigest()


def _memo(last: Mapping | None, base: str, records: Path | None) -> Memo:
    """The last build's :class:`Memo` when it was made under the same ``base``, else empty."""
    files = last.get("keys") if last else None
    if not last or last.get("base") != base or not isinstance(files, dict):
        return Memo(base=base)
    memo = Memo(base=base, files=files)
    try:
        text = records.read_text(encoding="utf-8", errors="surrogatepass") if records else ""
    except (OSError, UnicodeError):
        return memo
    for line in text.split("\n"):
        key, _, rest = line.partition("\t")
        aid, tab, encoded = rest.partition("\t")
        if tab:
            memo.records[aid] = [key, encoded]
    return memo


#: The fields of an article the portal's files are made from (api records, embed items, the
#: selection by status, theme and source). The body, the harvest time, the tags…
#: are not read: a change to them alone leaves every portal file as it is
#: (``tests/test_portal_digest.py`` changes each other field and compares the files).
USED_FIELDS = ("id", "title", "url", "source", "published", "updated", "summary", "image",
               "themes", "doc_refs", "status", "path")       # path: a link without ``urls``
_DATES = (USED_FIELDS.index("published"), USED_FIELDS.index("updated"))
_PATH = USED_FIELDS.index("path")
_FIELDS = operator.attrgetter(*USED_FIELDS)             # one C call for the tuple


def _plain(art: Article) -> list:
    """The :data:`USED_FIELDS` of ``art``; dates as their ISO text and zone name, the path as
    text (pickling time zones and paths is most of the digest's cost otherwise)."""
    values = list(_FIELDS(art))
    for i in _DATES:
        v = values[i]
        if isinstance(v, datetime):
            values[i] = v.isoformat() + " " + str(v.tzinfo)
    if values[_PATH] is not None:
        values[_PATH] = str(values[_PATH])
    return values


def _read_state(path: Path) -> dict | None:
    try:
        data = json.loads(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("digest"), str) or \
            not isinstance(data.get("files"), list) or \
            not all(isinstance(f, str) and f and not f.startswith("/") and ".." not in f.split("/")
                    for f in data["files"]):
        return None
    return data
