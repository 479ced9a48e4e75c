"""The review operations, shared by ``cds review`` and the desk.

Every operation takes several ids, changes the articles' front matter through the store (atomic
writes) and records the change as ONE git commit of the touched files, authored by the editor
(``gitlog``). Reads and writes happen under the root's write lock, so a concurrent change from
another editor is never overwritten: edits carry the hash of the file they started from and are
refused (:class:`Conflict`) when the file changed meanwhile.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Generic, TypeVar

from pipeline import config as config_mod
from pipeline.core import tagsource
from pipeline.core.errors import CdsError, ConfigError
from pipeline.core.models import THEMES, Article, Config
from pipeline.core.text import nfc
from pipeline.desk import gitlog
from pipeline.desk.gitlog import Author
from pipeline.store import articles as store_mod

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
REASON_KEY = "reject_reason"        # extra front-matter keys the desk writes
PROPOSED_KEY = "proposed_by"
VERBS = {
    "approve": "duyệt", "reject": "từ chối", "feature": "nổi bật", "unfeature": "bỏ nổi bật",
    "retag": "sửa chủ đề", "lock": "khoá", "unlock": "mở khoá", "edit": "sửa",
    "propose": "đề xuất duyệt", "undo": "hoàn tác",
}
STATUS_NAMES = {"pending": "Chờ duyệt", "published": "Đã đăng", "rejected": "Đã từ chối"}
# What undo puts back: the fields the desk changes.
UNDO_FIELDS = ("title", "summary", "body", "status", "featured", "themes", "themes_locked",
               "locked")


class ReviewError(CdsError):
    """An operation could not be done (unknown id, bad value)."""


class Conflict(ReviewError):
    """The file changed since the editor opened it; nothing was written."""

    def __init__(self, article_id: str, current: str, mine: dict[str, str]):
        self.article_id, self.current, self.mine = article_id, current, mine
        super().__init__(f"{article_id}: changed by someone else since it was opened; "
                         "nothing was overwritten")


def check_id(article_id: str) -> str:
    """``article_id`` when it is a plain id; never a path, never with NUL or ``..``."""
    if not isinstance(article_id, str) or not ID_RE.fullmatch(article_id):
        raise ConfigError(f"{article_id!r}: not an article id")
    return article_id


def text_hash(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """What one review action did: the articles (or, for documents, the numbers) it changed."""
    verb: str
    changed: list[T] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    commit: str | None = None

    @property
    def ok(self) -> bool:
        return not self.missing


def message(verb: str, arts: Sequence[Article]) -> str:
    """``duyệt: <title> (<id>)`` for one article; ``duyệt 3 bài: …`` and one line each for more."""
    if len(arts) == 1:
        return f"{verb}: {arts[0].title} ({arts[0].id})"
    lines = [f"{verb} {len(arts)} bài: " + ", ".join(a.id for a in arts), ""]
    lines += [f"- {a.title} ({a.id})" for a in arts]
    return "\n".join(lines)


class Review:
    """The review operations on one root."""

    def __init__(self, config: Config):
        self.config = config
        self.root = Path(config.root)
        self.store = store_mod.Store(config.content_dir, tz=config_mod.timezone(config))
        self._stamp: str | None = None
        self._sync_lock = threading.Lock()

    # -- reading ------------------------------------------------------------------------------

    def _folder_stamp(self) -> str:
        """A digest of every article file's name, size and time: cheap (stat only)."""
        h = hashlib.sha256()
        top = self.store.articles_dir
        if top.is_dir():
            for dirpath, dirnames, files in os.walk(top):
                dirnames.sort()
                for name in sorted(files):
                    try:
                        st = os.stat(os.path.join(dirpath, name))
                    except OSError:
                        continue
                    h.update(f"{dirpath}/{name}\0{st.st_size}\0{st.st_mtime_ns}\n"
                             .encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def sync(self) -> None:
        """Scan the store again when a file changed on disk since the last look (a harvest,
        another editor's ``cds review``, a hand edit); our own writes keep the index current."""
        with self._sync_lock:
            stamp = self._folder_stamp()
            if stamp != self._stamp:
                self.store.refresh()
                self.store.articles()
                self._stamp = stamp

    def articles(self) -> list[Article]:
        self.sync()
        return self.store.articles()

    def get(self, article_id: str, *, fresh: bool = True) -> Article | None:
        check_id(article_id)
        if fresh:
            self.sync()
        return self.store.get(article_id)

    def rel(self, art: Article) -> str:
        """The article's file relative to the root (``content/articles/…``)."""
        return (Path(self.config.content_dir.name) / art.path).as_posix()

    def file_text(self, art: Article) -> str:
        return (self.config.content_dir / art.path).read_text(encoding="utf-8")

    def file_hash(self, art: Article) -> str:
        return text_hash((self.config.content_dir / art.path).read_bytes())

    def history(self, art: Article) -> list[gitlog.Entry]:
        return gitlog.log(self.root, self.rel(art))

    # -- writing ------------------------------------------------------------------------------

    def apply(self, verb: str, ids: Iterable[str], change: Callable[[Article], Article],
              author: Author) -> Outcome[Article]:
        """``change`` each article (a copy) and commit those that changed, in one commit."""
        ids = list(dict.fromkeys(check_id(i) for i in ids))
        out = Outcome(VERBS.get(verb, verb))
        with gitlog.write_lock(self.root):
            self.sync()
            for article_id in ids:
                art = self.store.get(article_id)
                if art is None:
                    out.missing.append(article_id)
                    continue
                art = self.store.on_disk(art)        # never change a stale copy
                new = change(dataclasses.replace(art, extra=dict(art.extra)))
                if new == art:
                    out.unchanged.append(article_id)
                    continue
                self.store.write(new)
                out.changed.append(new)
            if out.changed:
                self._stamp = self._folder_stamp()     # our own writes: already indexed
                out.commit = gitlog.commit(self.root, [self.rel(a) for a in out.changed],
                                           message(out.verb, out.changed), author)
        return out

    def approve(self, ids: Iterable[str], author: Author) -> Outcome[Article]:
        def change(a: Article) -> Article:
            a.extra.pop(REASON_KEY, None)
            a.extra.pop(PROPOSED_KEY, None)
            return dataclasses.replace(a, status="published")
        return self.apply("approve", ids, change, author)

    def reject(self, ids: Iterable[str], author: Author, reason: str = "") -> Outcome[Article]:
        reason = nfc(" ".join(reason.split()))

        def change(a: Article) -> Article:
            a.extra.pop(PROPOSED_KEY, None)
            if reason:
                a.extra[REASON_KEY] = reason
            return dataclasses.replace(a, status="rejected")
        return self.apply("reject", ids, change, author)

    def feature(self, ids: Iterable[str], author: Author, on: bool = True) -> Outcome[Article]:
        return self.apply("feature" if on else "unfeature", ids,
                          lambda a: dataclasses.replace(a, featured=on), author)

    def set_lock(self, ids: Iterable[str], author: Author, on: bool = True) -> Outcome[Article]:
        return self.apply("lock" if on else "unlock", ids, lambda a: dataclasses.replace(
            a, locked=on, extra=tagsource.confirmed(a.extra, a.tags) if on else a.extra), author)

    def propose(self, ids: Iterable[str], author: Author) -> Outcome[Article]:
        def change(a: Article) -> Article:
            if a.status == "pending":
                a.extra[PROPOSED_KEY] = author.name
            return a
        return self.apply("propose", ids, change, author)

    def retag(self, ids: Iterable[str], themes: Iterable[str], author: Author) -> Outcome[Article]:
        themes = list(dict.fromkeys(t.strip() for t in themes if t.strip()))
        bad = [t for t in themes if t not in THEMES]
        if bad:
            raise ConfigError(f"themes: {', '.join(bad)}: not one of {', '.join(THEMES)}")
        ordered = [t for t in THEMES if t in themes]
        return self.apply("retag", ids, lambda a: dataclasses.replace(
            a, themes=ordered, themes_locked=True, extra=tagsource.confirmed(a.extra, a.tags)),
            author)

    def edit(self, article_id: str, author: Author, *, base_hash: str, title: str,
             summary: str, body: str) -> Outcome[Article]:
        """Save an editor's title, summary and body (sets ``locked``) unless the file changed
        since ``base_hash``: then :class:`Conflict`, and nothing is written."""
        title = nfc(" ".join(title.split()))
        summary = nfc(" ".join(summary.split()))
        body = store_mod.canonical_body(nfc(body))
        if not title:
            raise ReviewError(f"{article_id}: the title is empty")
        check_id(article_id)
        with gitlog.write_lock(self.root):
            self.sync()
            art = self.store.get(article_id)
            if art is None:
                raise ReviewError(f"{article_id}: no such article")
            current = self.file_text(art)
            if text_hash(current) != base_hash:
                raise Conflict(article_id, current,
                               {"title": title, "summary": summary, "body": body})
            return self.apply("edit", [article_id], lambda a: dataclasses.replace(
                a, title=title, summary=summary, body=body, locked=True,
                extra=tagsource.confirmed(a.extra, a.tags)), author)

    def undo(self, rev: str, author: Author) -> Outcome[Article]:
        """A new commit that puts back, in each article ``rev`` touched, the values of the fields
        it changed (later changes to other fields stay)."""
        if not re.fullmatch(r"[0-9a-f]{7,40}", rev):
            raise ConfigError(f"{rev!r}: not a commit id")
        info = gitlog.commit_info(self.root, rev)
        if info is None:
            raise ReviewError(f"{rev}: no such commit")
        tz = config_mod.timezone(self.config)
        restore: dict[str, dict[str, object]] = {}
        for path in info.files:
            before, after = gitlog.show(self.root, f"{rev}^", path), gitlog.show(self.root, rev, path)
            if not path.startswith("content/articles/") or before is None or after is None:
                continue
            old, new = store_mod.parse(before, path, tz=tz), store_mod.parse(after, path, tz=tz)
            values = {k: getattr(old, k) for k in UNDO_FIELDS if getattr(old, k) != getattr(new, k)}
            for key in (REASON_KEY, PROPOSED_KEY):
                if old.extra.get(key) != new.extra.get(key):
                    values[f"extra:{key}"] = old.extra.get(key)
            restore[old.id] = values

        def change(a: Article) -> Article:
            for key, value in restore.get(a.id, {}).items():
                if key.startswith("extra:"):
                    if value is None:
                        a.extra.pop(key[6:], None)
                    else:
                        a.extra[key[6:]] = value
                else:
                    setattr(a, key, value)
            return a
        out = self.apply("undo", list(restore), change, author)
        return out


def today_log(config: Config, now: datetime | None = None) -> list[gitlog.Entry]:
    """The desk's commits since midnight (the site's time zone)."""
    tz = config_mod.timezone(config)
    now = (now or datetime.now(tz)).astimezone(tz)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return gitlog.log(Path(config.root), since=midnight.isoformat())
