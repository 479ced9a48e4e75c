"""The desk's home page, the review queue (blueprint ``queue``): articles filtered by status,
source, theme and dates, a page at a time, and the bulk actions on the ticked ones (approve,
reject, retag, always after a confirmation page)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, render_template, request, url_for

from pipeline.core.errors import ConfigError
from pipeline.core.text import markdown_plain
from pipeline.desk import figures, jobs
from pipeline.desk.context import (
    REVIEWER_ACTIONS,
    Desk,
    author,
    back,
    ids_from_form,
    need_reviewer,
    report,
)
from pipeline.site import publish as publish_mod

PER_PAGE = 50               # articles on a page of the queue
PREVIEW_CHARS = 1500        # of the body, for the preview line


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def make_blueprint(desk: Desk) -> Blueprint:
    bp = Blueprint("queue", __name__)
    rv, config = desk.review, desk.config

    @bp.get("/")
    def queue():
        status = request.args.get("trang_thai", "pending")
        source = request.args.get("nguon", "")
        theme = request.args.get("chu_de", "")
        start, end = request.args.get("tu", ""), request.args.get("den", "")
        d0, d1 = _day(start), _day(end)
        rows = []
        everything = rv.articles()
        for a in everything:
            if status != "all" and a.status != status:
                continue
            if source and a.source != source:
                continue
            if theme and theme not in a.themes:
                continue
            pub = a.published.astimezone(desk.tz).date()
            if (d0 and pub < d0) or (d1 and pub > d1):
                continue
            rows.append(a)
        rows.sort(key=lambda a: (a.harvested, a.published, a.id), reverse=True)
        total = len(rows)
        pages = max(1, -(-total // PER_PAGE))
        try:
            number = min(max(1, int(request.args.get("trang", "1"))), pages)
        except ValueError:
            number = 1
        rows = rows[(number - 1) * PER_PAGE: number * PER_PAGE]
        previews_text = {a.id: publish_mod.shorten(markdown_plain(
            a.summary or a.body[:PREVIEW_CHARS])) for a in rows}
        args = {k: v for k, v in request.args.items() if k != "trang"}
        pager = {"number": number, "pages": pages, "total": total,
                 "prev": url_for("queue.queue", **args, trang=number - 1) if number > 1 else None,
                 "next": url_for("queue.queue", **args, trang=number + 1) if number < pages
                 else None}
        return render_template(
            "queue.html", rows=rows, previews=previews_text, topics=desk.topics(), pager=pager,
            sources=desk.source_names(), locks=desk.edit_locks.all(),
            due=figures.report_due(config, everything),
            filters={"trang_thai": status, "nguon": source, "chu_de": theme, "tu": start,
                     "den": end},
            build=desk.builder.status(), harvest=jobs.harvest_running(config),
            last_build=jobs.last_build(desk.root, desk.tz))

    @bp.post("/hang-loat")
    def bulk():
        action = request.form.get("action", "")
        ids = ids_from_form()
        if action not in ("approve", "reject", "retag"):
            abort(400)
        if action in REVIEWER_ACTIONS:
            need_reviewer()
        if not ids:
            flash("Chưa chọn bài nào.", "error")
            return back(url_for("queue.queue"))
        themes = request.form.getlist("themes")
        if request.form.get("xac_nhan") != "1":
            arts = [a for a in (rv.get(i, fresh=False) for i in ids) if a is not None]
            return render_template("confirm.html", action=action, arts=arts, themes=themes,
                                   reason=request.form.get("reason", ""), topics=desk.topics(),
                                   next=request.form.get("next", ""))
        if action == "approve":
            out = rv.approve(ids, author())
        elif action == "reject":
            out = rv.reject(ids, author(), request.form.get("reason", ""))
        else:
            try:
                out = rv.retag(ids, themes, author())
            except ConfigError:
                abort(400)
        report(out)
        return back(url_for("queue.queue"))

    return bp
