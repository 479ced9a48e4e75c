"""What every page of the desk shares: the root's services (accounts, sessions, edit locks,
review, builds, previews) in one ``Desk`` object made by ``app.create_app`` and handed to each
blueprint, and the small request helpers (who is acting, 403 for editors, 404 for a bad id,
going back, reporting an outcome)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from flask import abort, flash, g, redirect, request

from pipeline import config as config_mod
from pipeline.core.errors import ConfigError
from pipeline.core.models import THEMES, Config
from pipeline.desk import auth, jobs, locks, review, sessions
from pipeline.desk.gitlog import Author
from pipeline.site import publish as publish_mod

REVIEWER_ACTIONS = {"approve", "reject", "feature", "unfeature"}
EDITOR_ACTIONS = {"propose", "lock", "unlock"}


@dataclass
class Desk:
    config: Config
    throttle: sessions.Throttle
    session_store: sessions.Sessions = field(default_factory=sessions.Sessions)
    edit_locks: locks.EditLocks = field(default_factory=locks.EditLocks)

    def __post_init__(self) -> None:
        self.root = Path(self.config.root)
        self.tz: tzinfo = config_mod.timezone(self.config)
        self.users = auth.Users(self.root)
        self.review = review.Review(self.config)
        self.builder = jobs.Builder(self.root)
        self.evaluator = jobs.Builder(self.root, "tag", "--evaluate")
        self.previews = jobs.Previews(self.config)

    def topics(self) -> dict[str, str]:
        themes, _, _ = publish_mod.load_topics(self.root)
        return {t: (themes[t].name if t in themes else t) for t in THEMES}

    def source_names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.config.sources}

    def article_or_404(self, article_id: str):
        try:
            review.check_id(article_id)
        except ConfigError:
            abort(404)
        art = self.review.get(article_id)
        if art is None:
            abort(404)
        return art


def author() -> Author:
    return Author.editor(g.user.name)


def need_reviewer() -> None:
    if not g.user.can_review:
        abort(403)


def safe_next(target: str) -> bool:
    """A local path to go back to (never another site)."""
    return target.startswith("/") and not target.startswith("//") and "\\" not in target


def back(default: str):
    target = request.form.get("next") or ""
    return redirect(target if safe_next(target) else default, 303)


def report(out: review.Outcome) -> None:
    if out.changed:
        flash(f"{out.verb.capitalize()}: {len(out.changed)} bài.", "ok")
    if out.unchanged:
        flash(f"{len(out.unchanged)} bài không cần thay đổi.", "info")
    if out.missing:
        flash(f"Không tìm thấy {len(out.missing)} bài.", "error")


def ids_from_form() -> list[str]:
    ids = request.form.getlist("ids")
    try:
        return [review.check_id(i) for i in ids]
    except ConfigError:
        abort(400)
