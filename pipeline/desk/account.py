"""The desk's login and logout pages (blueprint ``account``). Failed logins are throttled per
name and per address (``sessions.Throttle``); a login starts a new session and CSRF token."""

from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from pipeline.desk import auth
from pipeline.desk.context import Desk, safe_next

LOGIN_FAILED = "Sai tên đăng nhập hoặc mật khẩu"


def make_blueprint(desk: Desk) -> Blueprint:
    bp = Blueprint("account", __name__)
    throttle, store = desk.throttle, desk.session_store

    @bp.route("/dang-nhap", methods=["GET", "POST"])
    def login():
        error = None
        if request.method == "POST":
            name = (request.form.get("ten") or "").strip().lower()
            password = request.form.get("mat_khau") or ""
            keys = throttle.keys(name, request.remote_addr)
            if throttle.blocked(*keys):
                user = None
                time.sleep(0.2)
            else:
                user = desk.users.verify(name, password) if auth.NAME_RE.fullmatch(name) \
                    else None
                if user is None:
                    throttle.failed(*keys)
            if user is None:
                error = LOGIN_FAILED
            else:
                throttle.succeeded(*keys)
                store.end(session.get("sid"))
                session.clear()                  # a new session id and a new CSRF token
                session["sid"] = store.create(user.name, user.generation)
                nxt = request.args.get("next") or ""
                if not safe_next(nxt):
                    nxt = url_for("queue.queue")
                return redirect(nxt, 303)
        return render_template("login.html", error=error), (401 if error else 200)

    @bp.post("/dang-xuat")
    def logout():
        store.end(session.get("sid"))
        session.clear()
        flash("Đã đăng xuất.", "ok")
        return redirect(url_for("account.login"), 303)

    return bp
