"""The desk's "Văn bản chờ duyệt" page: harvested documents waiting for an editor
(``review: pending``), with their fields, file and text excerpt; reviewers approve or reject
them (``docreview``), editors only see them. A Flask Blueprint with its own templates,
registered by ``app.create_app``; the app's login, CSRF and security headers apply."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for

from pipeline.core.errors import ConfigError
from pipeline.core.fileio import linked
from pipeline.core.models import Config
from pipeline.desk import docreview
from pipeline.desk.gitlog import Author
from pipeline.store import register

HERE = Path(__file__).parent
EXCERPT_CHARS = register.TEXT_EXCERPT_CHARS


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("vanban", __name__, template_folder=str(HERE / "doc_templates"))
    docs_dir = config.content_dir / register.DOCS_DIR
    sources = {s.id: s.name for s in config.sources}

    def excerpt(d: register.Doc) -> str:
        if d.scanned:
            return register.SCANNED_NOTE
        text = " ".join(d.text.split())
        return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")

    @bp.get("/van-ban/cho-duyet")
    def pending():
        rows = docreview.pending(config)
        return render_template("van_ban_cho_duyet.html", rows=rows, sources=sources,
                               excerpts={d.number: excerpt(d) for d in rows},
                               can_review=g.user.can_review)

    @bp.get("/van-ban/cho-duyet/<slug>/tep")
    def file(slug: str):
        d = next((d for d in docreview.pending(config) if d.slug == slug), None)
        if d is None or not d.file:
            abort(404)
        path = docs_dir / d.file
        if linked(path, config.content_dir) or not path.is_file():
            abort(404)
        return send_file(path, as_attachment=True, download_name=Path(d.file).name)

    @bp.post("/van-ban/cho-duyet")
    def decide():
        if not g.user.can_review:
            abort(403)
        action = request.form.get("action")
        if action not in docreview.VERBS:
            abort(400)
        numbers = request.form.getlist("numbers")
        if not numbers:
            flash("Chưa chọn văn bản nào.", "error")
            return redirect(url_for("vanban.pending"), 303)
        try:
            out = docreview.decide(config, action, numbers, Author.editor(g.user.name),
                                   request.form.get("reason", ""))
        except ConfigError:
            abort(400)
        if out.changed:
            flash(f"Đã {out.verb} {len(out.changed)} văn bản: {', '.join(out.changed)}.", "ok")
        if out.unchanged:
            flash(f"{len(out.unchanged)} văn bản không còn chờ duyệt.", "info")
        if out.missing:
            flash(f"Không tìm thấy {len(out.missing)} văn bản.", "error")
        return redirect(url_for("vanban.pending"), 303)

    return bp
