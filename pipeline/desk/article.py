"""One article on the desk (blueprint ``article``): its page with the tagger's explanation and
history, a sandboxed preview of the real site page, the review actions, themes, the edit lock
and the editor with a hash check against concurrent changes."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from pipeline.core.errors import CdsError, ConfigError
from pipeline.desk import review
from pipeline.desk.context import (
    EDITOR_ACTIONS,
    REVIEWER_ACTIONS,
    Desk,
    author,
    back,
    need_reviewer,
    report,
)
from pipeline.tagging import tag as tagger


def make_blueprint(desk: Desk) -> Blueprint:
    bp = Blueprint("article", __name__)
    rv, edit_locks = desk.review, desk.edit_locks

    def page(art_id: str):
        return url_for("article.article", article_id=art_id)

    @bp.get("/bai/<article_id>")
    def article(article_id: str):
        art = desk.article_or_404(article_id)
        taxonomy = tagger.Taxonomy.load(desk.root)
        explanation = tagger.explain(art.title, art.body, taxonomy)
        suggested = tagger.tag(art.title, art.body, taxonomy).themes
        return render_template(
            "article.html", art=art, topics=desk.topics(), sources=desk.source_names(),
            explanation=explanation, suggested=suggested, history=rv.history(art),
            lock=edit_locks.holder(art.id), reason=art.extra.get(review.REASON_KEY, ""),
            proposed=art.extra.get(review.PROPOSED_KEY, ""), path=rv.rel(art))

    @bp.get("/bai/<article_id>/xem-truoc/")
    @bp.get("/bai/<article_id>/xem-truoc/<path:sub>")
    def preview(article_id: str, sub: str = ""):
        art = desk.article_or_404(article_id)
        try:
            site_dir, site_page = desk.previews.get(art)
        except CdsError as exc:
            return render_template("error.html", code=500,
                                   message=f"Không dựng được bản xem trước: {exc}"), 500
        if not sub:
            return redirect(url_for("article.preview", article_id=art.id, sub=site_page), 302)
        if sub.endswith("/"):
            sub += "index.html"
        resp = send_from_directory(site_dir, sub, max_age=0)
        # The site's own page, shown in a sandbox: no script of it runs, no form posts.
        resp.headers["Content-Security-Policy"] = (
            "sandbox; default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'none'; frame-ancestors 'self'")
        return resp

    @bp.post("/bai/<article_id>/hanh-dong")
    def act(article_id: str):
        art = desk.article_or_404(article_id)
        action = request.form.get("action", "")
        if action in REVIEWER_ACTIONS:
            need_reviewer()
        elif action not in EDITOR_ACTIONS:
            abort(400)
        if action == "approve":
            out = rv.approve([art.id], author())
        elif action == "reject":
            out = rv.reject([art.id], author(), request.form.get("reason", ""))
        elif action in ("feature", "unfeature"):
            out = rv.feature([art.id], author(), on=action == "feature")
        elif action in ("lock", "unlock"):
            out = rv.set_lock([art.id], author(), on=action == "lock")
        else:
            out = rv.propose([art.id], author())
        report(out)
        return back(page(art.id))

    @bp.post("/bai/<article_id>/chu-de")
    def retag(article_id: str):
        art = desk.article_or_404(article_id)
        try:
            out = rv.retag([art.id], request.form.getlist("themes"), author())
        except ConfigError:
            abort(400)
        report(out)
        return back(page(art.id))

    @bp.post("/bai/<article_id>/khoa-sua")
    def take_lock(article_id: str):
        art = desk.article_or_404(article_id)
        lk = edit_locks.acquire(art.id, g.user.name, takeover=request.form.get("takeover") == "1")
        if request.headers.get("Accept", "").startswith("application/json"):
            return jsonify(ok=lk is not None, owner=(lk or edit_locks.holder(art.id)).owner
                           if (lk or edit_locks.holder(art.id)) else None)
        if lk is None:
            holder = edit_locks.holder(art.id)
            flash(f"{holder.owner if holder else 'Người khác'} đang sửa bài này.", "error")
            return redirect(page(art.id), 303)
        return redirect(url_for("article.edit", article_id=art.id), 303)

    @bp.post("/bai/<article_id>/nha-khoa")
    def release_lock(article_id: str):
        art = desk.article_or_404(article_id)
        edit_locks.release(art.id, g.user.name)
        return redirect(page(art.id), 303)

    @bp.route("/bai/<article_id>/sua", methods=["GET", "POST"])
    def edit(article_id: str):
        art = desk.article_or_404(article_id)
        holder = edit_locks.holder(art.id)
        if request.method == "GET":
            return render_template("edit.html", art=art, lock=holder,
                                   mine=holder is not None and holder.owner == g.user.name,
                                   base_hash=rv.file_hash(art), values=None, conflict=None)
        values = {"title": request.form.get("title", ""), "summary": request.form.get("summary", ""),
                  "body": request.form.get("body", "")}
        if holder is not None and holder.owner != g.user.name:
            flash(f"{holder.owner} đã nhận quyền sửa bài này; bản của bạn chưa được lưu.", "error")
            return render_template("edit.html", art=art, lock=holder, mine=False,
                                   base_hash=request.form.get("base_hash", ""), values=values,
                                   conflict=None), 409
        try:
            out = rv.edit(art.id, author(), base_hash=request.form.get("base_hash", ""), **values)
        except review.Conflict as exc:
            fresh = rv.get(art.id)
            edit_locks.acquire(art.id, g.user.name)
            return render_template("edit.html", art=fresh, lock=edit_locks.holder(art.id),
                                   mine=True, base_hash=rv.file_hash(fresh), values=values,
                                   conflict=exc), 409
        except review.ReviewError as exc:
            flash(str(exc), "error")
            return render_template("edit.html", art=art, lock=holder, mine=True,
                                   base_hash=request.form.get("base_hash", ""), values=values,
                                   conflict=None), 400
        edit_locks.release(art.id, g.user.name)
        report(out)
        return redirect(page(art.id), 303)

    return bp
