"""What the site is built from: the store's articles, kept honest.

Two things the store alone cannot give a build:

* **No silent unpublishing.** An article file that no longer reads (a typo in its front matter,
  bad UTF-8) is reported — file, line, reason — and its *last good copy* stays on the site until
  the file is fixed. Every readable article file is copied to ``.cds/last-good/<path>`` when its
  bytes change; a file that fails is replaced by that copy (flagged in :attr:`SiteContent.kept`).
  A file that was deleted is a real deletion: its copy and history are dropped.
* **When the content last changed.** ``updated`` in the front matter is set by harvests; an
  editor's hand edit of a locked article does not touch it (and cds never writes into a locked
  file). ``.cds/content-history.json`` keeps, per article file, a hash of what readers see
  (title, summary, body) and the time that hash was first seen. The article handed to the build
  gets ``updated`` = the later of its own ``updated`` and that time.

The store is read through its index (:mod:`pipeline.store.index`): only article files whose
size or modification time changed since the last build are read and parsed. A history entry
keeps the digest of the file's bytes (``file``: also what says the last-good copy is current);
a file whose bytes are still those is not hashed again (the hash is of what those bytes say).

Deterministic: the history changes only when a hash changes, so the same store and the same
``.cds/`` give the same articles, hence the same pages and feeds, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from pipeline.store import articles as store_mod
from pipeline.store import index as store_index
from pipeline.core.errors import StoreError
from pipeline.core.fileio import write_atomic
from pipeline.core.models import Article

GOOD_DIR = "last-good"
HISTORY_FILE = "content-history.json"
BUILD_REPORT = "last-build.json"
_KEY_PROBLEM = re.compile(r"^(?:missing key '(?P<missing>[^']+)'|(?P<key>[A-Za-z_][\w-]*): )")


@dataclass
class SiteContent:
    articles: list[Article]                                 # newest first, like Store.articles()
    problems: list[str] = field(default_factory=list)       # one line per file that cannot be used
    kept: list[str] = field(default_factory=list)           # files shown from their last good copy
    # What changed since the last gather, without comparing articles: ``stamps`` maps the id of
    # every article read from its own file to a token of everything that article is made from
    # (path, digest of the file's bytes, the time its content last changed; the code that
    # parses it is in :func:`stamp_context`): the same token, the same article. Articles shown
    # from their last good copy have none. ``changed``: the ids whose token is not the last
    # gather's (new or changed files); ``deleted``: the files (``articles/…``) gone since.
    stamps: dict[str, str] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    deleted: list[str] = field(default_factory=list)


def content_hash(article: Article) -> str:
    """A hash of what a reader sees of ``article`` (title, summary, body)."""
    text = "\x00".join((article.title, article.summary, store_mod.canonical_body(article.body)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def with_line(message: str, text: str | None) -> str:
    """``message`` (``"<file>: <why>"``) with the front-matter line of the key it names, when it
    names one and has no line yet: ``"<file>: line 4: status: …"``."""
    where, sep, why = message.partition(": ")
    if not sep or text is None or why.startswith("line "):
        return message
    m = _KEY_PROBLEM.match(why)
    if not m or m.group("missing"):
        return message
    key = m.group("key")
    for number, line in enumerate(text.splitlines(), start=1):
        if number > 1 and line.strip() == "---":
            break
        if re.match(rf"{re.escape(key)}\s*:", line):
            return f"{where}: line {number}: {why}"
    return message


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def _load_history(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def gather(content_dir: Path, state_dir: Path, store: store_mod.Store, *,
           now: datetime) -> SiteContent:
    """The articles to build ``content_dir`` into, the problems to report, and the files shown
    from their last good copy. Updates ``state_dir``'s copies and history (only what changed)."""
    good_dir = state_dir / GOOD_DIR
    history_path = state_dir / HISTORY_FILE
    history = _load_history(history_path)
    new_history: dict[str, dict] = {}
    found = store_index.scan(store, state_dir)        # only changed files are read and parsed
    live = found.articles
    by_rel: dict[str, Article] = {}
    for art in live:
        rel = art.path.as_posix() if art.path else ""
        if rel:
            by_rel[rel] = art
    problems: list[str] = []
    kept: list[str] = []
    ids = {a.id for a in live}
    fallbacks: list[Article] = []
    for shown, message in found.errors:
        rel = Path(*Path(shown).parts[1:]).as_posix()       # content/articles/… → articles/…
        source = content_dir / rel
        message = with_line(message, _read_text(source))
        copy = good_dir / rel
        old = None
        if source.exists() and rel not in by_rel and copy.is_file():
            try:
                old = store_mod.parse(copy.read_text(encoding="utf-8"), shown, tz=store.tz)
            except (OSError, UnicodeDecodeError, StoreError):
                old = None
        if old is not None and old.id not in ids:
            old.path = Path(rel)
            ids.add(old.id)
            fallbacks.append(old)
            kept.append(str(shown))
            if rel in history:
                new_history[rel] = history[rel]
            problems.append(f"{message} (its last good version stays on the site until the file "
                            f"is fixed)")
        else:
            problems.append(f"{message} (not on the site)" if rel not in by_rel else message)
    stamp = now.isoformat()
    content_str, good_str = f"{content_dir}{os.sep}", f"{good_dir}{os.sep}"     # no Path a file
    result: list[Article] = []
    stamps: dict[str, str] = {}                 # SiteContent.stamps, .changed
    new_ids: set[str] = set()
    for rel, art in by_rel.items():
        rec = history.get(rel)
        known = found.digests.get(rel)
        if known is not None and isinstance(rec, dict) and rec.get("file") == known and \
                isinstance(rec.get("hash"), str):
            digest = rec["hash"]        # the same bytes as when it was hashed: not hashed again
        else:
            digest = content_hash(art)
        own = (art.updated or art.published).isoformat()
        if not isinstance(rec, dict) or not isinstance(rec.get("changed"), str):
            rec = {"hash": digest, "changed": own, "updated": own}
        elif rec.get("hash") != digest:
            # A harvest that changed the text also moved `updated`; anything else is a hand edit.
            changed = own if own != rec.get("updated") else stamp
            rec = {"hash": digest, "changed": changed, "updated": own}
        copied = _keep_copy(content_str + rel, good_str + rel, rec.get("file"), known)
        if copied and (known is None or copied == known):
            rec = {**rec, "file": copied}
        elif "file" in rec:
            # the file changed between the scan and the copy: the hash is of the scan's bytes,
            # so the next build hashes (and copies) again
            rec = {k: v for k, v in rec.items() if k != "file"}
        new_history[rel] = rec
        if known is not None:
            stamps[art.id] = f"{rel}\0{known}\0{rec.get('changed')}"
        old = history.get(rel)
        if known is None or not isinstance(old, dict) or old.get("file") != known or \
                old.get("changed") != rec.get("changed"):
            new_ids.add(art.id)
        result.append(_effective(art, rec))
    for art in fallbacks:
        rec = new_history.get(art.path.as_posix())
        result.append(_effective(art, rec) if rec else art)
    deleted = sorted(set(history) - set(new_history))
    for rel in deleted:                                         # deleted for real
        (good_dir / rel).unlink(missing_ok=True)
    if new_history != history:
        # compact: the C encoder (an indented dump is pure Python, ~0.1 s at 5,000 articles)
        write_atomic(history_path, json.dumps(new_history, ensure_ascii=False, sort_keys=True,
                                              separators=(",", ":")) + "\n")
    result.sort(key=lambda a: (a.published, a.id), reverse=True)
    return SiteContent(result, problems, kept, stamps=stamps, changed=new_ids, deleted=deleted)


def stamps_context(tz, media_keys: Iterable[str]) -> str:
    """What every token of :attr:`SiteContent.stamps` also depends on once the articles are the
    site's copies (``media.for_site`` with ``media_keys``): the code that reads an article file
    into an article (the store index's fingerprint: parser, models, media, time zone), this
    module's and ``jobs.site_copies``', and the media files available."""
    h = hashlib.sha256((store_index.fingerprint(tz) + "\0").encode())
    for path in (Path(__file__), Path(__file__).parent.parent / "jobs.py"):   # jobs: site_copies
        h.update(path.read_bytes() + b"\0")
    for key in sorted(media_keys):
        h.update(key.encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()


def _effective(art: Article, rec: dict) -> Article:
    try:
        changed = datetime.fromisoformat(rec["changed"])
    except (KeyError, TypeError, ValueError):
        return art
    base = art.updated or art.published
    if changed > base:
        return replace(art, updated=changed.astimezone(base.tzinfo))
    return art


def _keep_copy(source: str, copy: str, known: str | None, now: str | None = None) -> str | None:
    """Copy ``source`` to ``copy`` unless the copy already holds bytes hashing to ``known``;
    the hash of the bytes now kept (None when ``source`` cannot be read). ``now``: the hash of
    ``source``'s bytes when the store index knows it (then the file is not read again)."""
    if now is not None and now == known and os.path.isfile(copy):
        return known
    try:
        with open(source, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    digest = hashlib.sha256(data).hexdigest()[:32]
    if digest != known or not os.path.isfile(copy):
        write_atomic(Path(copy), data)
    return digest


def write_build_report(state_dir: Path, content: SiteContent, *, finished: datetime) -> None:
    """``.cds/last-build.json``: when the last build ran and what it could not use."""
    data = {"finished": finished.isoformat(), "problems": content.problems, "kept": content.kept}
    write_atomic(state_dir / BUILD_REPORT, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def read_build_report(state_dir: Path) -> dict | None:
    try:
        data = json.loads((state_dir / BUILD_REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
