"""The desk's pages about the day's work (blueprint ``office``): today's log with undo
(reviewers), publishing now (reviewers start a real ``cds build``), the sources' health and
the tagger's quality figures (read-only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from pipeline.core.errors import ConfigError
from pipeline.desk import figures, jobs, review
from pipeline.desk.context import Desk, author, back, need_reviewer, report


def make_blueprint(desk: Desk) -> Blueprint:
    bp = Blueprint("office", __name__)
    rv, config, builder = desk.review, desk.config, desk.builder

    @bp.post("/hoan-tac/<rev>")
    def undo(rev: str):
        need_reviewer()
        try:
            out = rv.undo(rev, author())
        except ConfigError:
            abort(400)
        except review.ReviewError:
            abort(404)
        report(out)
        return back(url_for("office.day_log"))

    @bp.get("/nhat-ky")
    def day_log():
        return render_template("log.html", entries=review.today_log(config))

    @bp.route("/xuat-ban", methods=["GET", "POST"])
    def publish_now():
        if request.method == "POST":
            need_reviewer()
            if builder.start():
                flash("Đã bắt đầu xuất bản.", "ok")
            else:
                flash("Đang xuất bản: hãy chờ lần này xong.", "info")
            return redirect(url_for("office.publish_now"), 303)
        return render_template("publish.html", build=builder.status(),
                               last_build=jobs.last_build(desk.root, desk.tz),
                               harvest=jobs.harvest_running(config))

    @bp.get("/nguon")
    def sources_health():
        return render_template("sources.html", rows=jobs.source_rows(config),
                               harvest=jobs.harvest_running(config),
                               due=figures.report_due(config, rv.articles()))

    @bp.get("/chat-luong-phan-loai")
    def tag_quality():
        """Read-only: ``cds tag --evaluate`` and ``--suggest`` for reviewers and editors."""
        return render_template("quality.html", q=figures.tag_quality(
            desk.root, rv.articles(), desk.evaluator, retry=request.args.get("lai") == "1"))

    return bp
