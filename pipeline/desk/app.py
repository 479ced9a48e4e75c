"""The desk's Flask app: ``create_app(config)``; served by waitress (``cds desk``).

The factory makes the shared ``context.Desk`` and registers one blueprint per area: account
(login), queue, article, catalog (documents catalogue), office (log, publishing, sources,
quality), documents (harvested documents waiting for review).

Security, for every blueprint: every page but the login page needs a server-side session
(``sessions``); every POST carries a CSRF token (Flask-WTF) and, when the browser sends one, a
same-origin ``Origin``; GET never changes anything. Reviewer-only actions answer 403 to editors.
Article ids are checked (``review.check_id``) before any use. Markup lives in ``templates/``
(autoescaped).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

from pipeline.core.models import THEMES, Config
from pipeline.desk import (
    account,
    article,
    auth,
    catalog,
    documents,
    office,
    queue,
    review,
    sessions,
)
from pipeline.desk.context import Desk
from pipeline.site import publish as publish_mod

HERE = Path(__file__).parent
ACTION_NAMES = {"approve": "Duyệt", "reject": "Từ chối", "feature": "Đánh dấu nổi bật",
                "unfeature": "Bỏ nổi bật", "propose": "Đề xuất duyệt", "lock": "Khoá bài",
                "unlock": "Mở khoá bài", "retag": "Sửa chủ đề"}
OPEN_ENDPOINTS = ("account.login", "static")      # reachable without a session
ERRORS = {400: "Yêu cầu không hợp lệ.", 403: "Bạn không có quyền làm việc này.",
          404: "Không tìm thấy trang hoặc bài viết.", 413: "Dữ liệu gửi lên quá lớn."}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
       "object-src 'none'")


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie (it holds only the session id and the CSRF token), marked
    ``Secure`` whenever the request came over HTTPS (directly or through the proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def create_app(config: Config, *, proxies: int = 0, idle: float | None = None,
               absolute: float | None = None, throttle: sessions.Throttle | None = None) -> Flask:
    """The desk for ``config``'s root. ``proxies``: how many reverse proxies to trust for
    ``X-Forwarded-*`` (ProxyFix); 0 when the desk is reached directly."""
    app = Flask(__name__, template_folder=str(HERE / "templates"),
                static_folder=str(HERE / "static"), static_url_path="/tai-nguyen")
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),      # per process: sessions live in memory anyway
        SESSION_COOKIE_NAME="cds_desk",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=int(sessions.ABSOLUTE),
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.session_interface = _SessionInterface()
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    CSRFProtect(app)
    app.jinja_env.globals.update(THEMES=THEMES, STATUS_NAMES=review.STATUS_NAMES,
                                 ROLE_NAMES=auth.ROLE_NAMES, ACTION_NAMES=ACTION_NAMES)

    desk = Desk(config, throttle or sessions.Throttle())
    if idle is not None:
        desk.session_store.idle = idle
    if absolute is not None:
        desk.session_store.absolute = absolute
    app.extensions["cds_desk"] = {"sessions": desk.session_store, "locks": desk.edit_locks,
                                  "builder": desk.builder, "throttle": desk.throttle}
    _filters(app, desk)
    _security(app, desk)
    for area in (account, queue, article, catalog, office):
        app.register_blueprint(area.make_blueprint(desk))
    app.register_blueprint(documents.make_blueprint(config))
    return app


def _filters(app: Flask, desk: Desk) -> None:
    def local(dt: datetime | None) -> str:
        return dt.astimezone(desk.tz).strftime("%d/%m/%Y %H:%M") if dt else ""

    def when(iso: str) -> str:
        try:
            return local(datetime.fromisoformat(iso))
        except ValueError:
            return iso

    def href(url: str) -> str:
        """A harvested address as a link only when it is http(s); else nothing to follow."""
        return publish_mod.safe_href(url) or "#"

    app.jinja_env.filters.update(local=local, when=when, href=href)

    @app.context_processor
    def _globals():
        return {"user": g.get("user"), "csrf": generate_csrf}


def _security(app: Flask, desk: Desk) -> None:
    """Same-origin POSTs, a session on every page, security headers, error pages."""
    store, users = desk.session_store, desk.users

    @app.before_request
    def _origin_and_session():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("Origin")
            if origin and origin != "null":
                here = urlsplit(request.host_url)
                there = urlsplit(origin)
                if (there.scheme, there.netloc) != (here.scheme, here.netloc):
                    abort(400, "Yêu cầu đến từ trang khác: bị từ chối.")
            elif origin == "null":
                abort(400, "Yêu cầu đến từ trang khác: bị từ chối.")
        g.user = None
        s = store.get(session.get("sid"))
        if s is not None:
            user = users.get(s.user)
            if user is None or user.generation != s.generation:
                store.end(s.sid)
            else:
                g.user = user
        if g.user is None and request.endpoint not in OPEN_ENDPOINTS:
            if request.method == "GET":
                return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
            return redirect(url_for("account.login"), 303)
        return None

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if request.endpoint != "static":
            resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.errorhandler(CSRFError)
    def _csrf(err):
        return render_template("error.html", code=400,
                               message="Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                       "Hãy tải lại trang rồi thử lại."), 400

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(413)
    def _error(err):
        desc = getattr(err, "description", "")
        text = desc if isinstance(desc, str) and desc and not desc.isascii() else \
            ERRORS.get(err.code, "Có lỗi.")
        return render_template("error.html", code=err.code, message=text), err.code
