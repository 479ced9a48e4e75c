"""The desk's Flask app: ``create_app(config)``; served by waitress (``cds desk``).

Security: every page but the login page needs a server-side session (``sessions``); every
POST carries a CSRF token (Flask-WTF) and, when the browser sends one, a same-origin ``Origin``;
GET never changes anything. Reviewer-only actions answer 403 to editors. Article ids are checked
(``review.check_id``) before any use. Markup lives in ``templates/`` (autoescaped).
"""

from __future__ import annotations

import secrets
import time
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

from pipeline import config as config_mod
from pipeline.core.errors import CdsError, ConfigError
from pipeline.core.models import THEMES, Config
from pipeline.core.text import markdown_plain
from pipeline.desk import auth, docform, figures, gitlog, jobs, locks, review, sessions
from pipeline.desk.gitlog import Author
from pipeline.site import publish as publish_mod
from pipeline.store import register
from pipeline.tagging import tag as tagger

HERE = Path(__file__).parent
LOGIN_FAILED = "Sai tên đăng nhập hoặc mật khẩu"
PER_PAGE = 50               # articles on a page of the queue
PREVIEW_CHARS = 1500        # of the body, for the preview line
REVIEWER_ACTIONS = {"approve", "reject", "feature", "unfeature"}
EDITOR_ACTIONS = {"propose", "lock", "unlock"}
ACTION_NAMES = {"approve": "Duyệt", "reject": "Từ chối", "feature": "Đánh dấu nổi bật",
                "unfeature": "Bỏ nổi bật", "propose": "Đề xuất duyệt", "lock": "Khoá bài",
                "unlock": "Mở khoá bài", "retag": "Sửa chủ đề"}


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

    root = Path(config.root)
    tz = config_mod.timezone(config)
    users = auth.Users(root)
    store = sessions.Sessions()
    if idle is not None:
        store.idle = idle
    if absolute is not None:
        store.absolute = absolute
    throttle = throttle or sessions.Throttle()
    edit_locks = locks.EditLocks()
    rv = review.Review(config)
    builder = jobs.Builder(root)
    previews = jobs.Previews(config)
    app.extensions["cds_desk"] = {"sessions": store, "locks": edit_locks, "builder": builder,
                                  "throttle": throttle}

    def topics() -> dict[str, str]:
        themes, _, _ = publish_mod.load_topics(root)
        return {t: (themes[t].name if t in themes else t) for t in THEMES}

    def source_names() -> dict[str, str]:
        return {s.id: s.name for s in config.sources}

    def local(dt: datetime | None) -> str:
        return dt.astimezone(tz).strftime("%d/%m/%Y %H:%M") if dt else ""

    def when(iso: str) -> str:
        try:
            return local(datetime.fromisoformat(iso))
        except ValueError:
            return iso

    def href(url: str) -> str:
        """A harvested address as a link only when it is http(s); else nothing to follow."""
        return publish_mod.safe_href(url) or "#"

    app.jinja_env.filters.update(local=local, when=when, href=href)

    # -- every request ----------------------------------------------------------------------

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
        if g.user is None and request.endpoint not in ("login", "static"):
            if request.method == "GET":
                return redirect(url_for("login", next=request.full_path.rstrip("?")))
            return redirect(url_for("login"), 303)
        return None

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
            "object-src 'none'")
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
        messages = {400: "Yêu cầu không hợp lệ.", 403: "Bạn không có quyền làm việc này.",
                    404: "Không tìm thấy trang hoặc bài viết.", 413: "Dữ liệu gửi lên quá lớn."}
        desc = getattr(err, "description", "")
        text = desc if isinstance(desc, str) and desc and not desc.isascii() else \
            messages.get(err.code, "Có lỗi.")
        return render_template("error.html", code=err.code, message=text), err.code

    def author() -> Author:
        return Author.editor(g.user.name)

    def need_reviewer() -> None:
        if not g.user.can_review:
            abort(403)

    def article_or_404(article_id: str):
        try:
            review.check_id(article_id)
        except ConfigError:
            abort(404)
        art = rv.get(article_id)
        if art is None:
            abort(404)
        return art

    def back(default: str):
        target = request.form.get("next") or ""
        if target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return redirect(target, 303)
        return redirect(default, 303)

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

    # -- login ------------------------------------------------------------------------------

    @app.route("/dang-nhap", methods=["GET", "POST"])
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
                user = users.verify(name, password) if auth.NAME_RE.fullmatch(name) else None
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
                if not (nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt):
                    nxt = url_for("queue")
                return redirect(nxt, 303)
        return render_template("login.html", error=error), (401 if error else 200)

    @app.post("/dang-xuat")
    def logout():
        store.end(session.get("sid"))
        session.clear()
        flash("Đã đăng xuất.", "ok")
        return redirect(url_for("login"), 303)

    # -- the queue --------------------------------------------------------------------------

    @app.get("/")
    def queue():
        status = request.args.get("trang_thai", "pending")
        source = request.args.get("nguon", "")
        theme = request.args.get("chu_de", "")
        start, end = request.args.get("tu", ""), request.args.get("den", "")

        def day(text: str) -> date | None:
            try:
                return date.fromisoformat(text) if text else None
            except ValueError:
                return None
        d0, d1 = day(start), day(end)
        rows = []
        everything = rv.articles()
        for a in everything:
            if status != "all" and a.status != status:
                continue
            if source and a.source != source:
                continue
            if theme and theme not in a.themes:
                continue
            pub = a.published.astimezone(tz).date()
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
                 "prev": url_for("queue", **args, trang=number - 1) if number > 1 else None,
                 "next": url_for("queue", **args, trang=number + 1) if number < pages else None}
        return render_template(
            "queue.html", rows=rows, previews=previews_text, topics=topics(), pager=pager,
            sources=source_names(), locks=edit_locks.all(),
            due=figures.report_due(config, everything),
            filters={"trang_thai": status, "nguon": source, "chu_de": theme, "tu": start,
                     "den": end},
            build=builder.status(), harvest=jobs.harvest_running(config),
            last_build=jobs.last_build(root, tz))

    @app.post("/hang-loat")
    def bulk():
        action = request.form.get("action", "")
        ids = ids_from_form()
        if action not in ("approve", "reject", "retag"):
            abort(400)
        if action in REVIEWER_ACTIONS:
            need_reviewer()
        if not ids:
            flash("Chưa chọn bài nào.", "error")
            return back(url_for("queue"))
        themes = request.form.getlist("themes")
        if request.form.get("xac_nhan") != "1":
            arts = [a for a in (rv.get(i, fresh=False) for i in ids) if a is not None]
            return render_template("confirm.html", action=action, arts=arts, themes=themes,
                                   reason=request.form.get("reason", ""), topics=topics(),
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
        return back(url_for("queue"))

    # -- one article ------------------------------------------------------------------------

    @app.get("/bai/<article_id>")
    def article(article_id: str):
        art = article_or_404(article_id)
        taxonomy = tagger.Taxonomy.load(root)
        explanation = tagger.explain(art.title, art.body, taxonomy)
        suggested = tagger.tag(art.title, art.body, taxonomy).themes
        return render_template(
            "article.html", art=art, topics=topics(), sources=source_names(),
            explanation=explanation, suggested=suggested, history=rv.history(art),
            lock=edit_locks.holder(art.id), reason=art.extra.get(review.REASON_KEY, ""),
            proposed=art.extra.get(review.PROPOSED_KEY, ""), path=rv.rel(art))

    @app.get("/bai/<article_id>/xem-truoc/")
    @app.get("/bai/<article_id>/xem-truoc/<path:sub>")
    def preview(article_id: str, sub: str = ""):
        art = article_or_404(article_id)
        try:
            site_dir, page = previews.get(art)
        except CdsError as exc:
            return render_template("error.html", code=500,
                                   message=f"Không dựng được bản xem trước: {exc}"), 500
        if not sub:
            return redirect(url_for("preview", article_id=art.id, sub=page), 302)
        if sub.endswith("/"):
            sub += "index.html"
        resp = send_from_directory(site_dir, sub, max_age=0)
        # The site's own page, shown in a sandbox: no script of it runs, no form posts.
        resp.headers["Content-Security-Policy"] = (
            "sandbox; default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'none'; frame-ancestors 'self'")
        return resp

    @app.post("/bai/<article_id>/hanh-dong")
    def act(article_id: str):
        art = article_or_404(article_id)
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
        return back(url_for("article", article_id=art.id))

    @app.post("/bai/<article_id>/chu-de")
    def retag(article_id: str):
        art = article_or_404(article_id)
        try:
            out = rv.retag([art.id], request.form.getlist("themes"), author())
        except ConfigError:
            abort(400)
        report(out)
        return back(url_for("article", article_id=art.id))

    @app.post("/bai/<article_id>/khoa-sua")
    def take_lock(article_id: str):
        art = article_or_404(article_id)
        lk = edit_locks.acquire(art.id, g.user.name, takeover=request.form.get("takeover") == "1")
        if request.headers.get("Accept", "").startswith("application/json"):
            return jsonify(ok=lk is not None, owner=(lk or edit_locks.holder(art.id)).owner
                           if (lk or edit_locks.holder(art.id)) else None)
        if lk is None:
            holder = edit_locks.holder(art.id)
            flash(f"{holder.owner if holder else 'Người khác'} đang sửa bài này.", "error")
            return redirect(url_for("article", article_id=art.id), 303)
        return redirect(url_for("edit", article_id=art.id), 303)

    @app.post("/bai/<article_id>/nha-khoa")
    def release_lock(article_id: str):
        art = article_or_404(article_id)
        edit_locks.release(art.id, g.user.name)
        return redirect(url_for("article", article_id=art.id), 303)

    @app.route("/bai/<article_id>/sua", methods=["GET", "POST"])
    def edit(article_id: str):
        art = article_or_404(article_id)
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
        return redirect(url_for("article", article_id=art.id), 303)

    @app.post("/hoan-tac/<rev>")
    def undo(rev: str):
        need_reviewer()
        try:
            out = rv.undo(rev, author())
        except ConfigError:
            abort(400)
        except review.ReviewError:
            abort(404)
        report(out)
        return back(url_for("day_log"))

    # -- the day, publishing, documents, sources ---------------------------------------------

    @app.get("/nhat-ky")
    def day_log():
        return render_template("log.html", entries=review.today_log(config))

    @app.route("/xuat-ban", methods=["GET", "POST"])
    def publish_now():
        if request.method == "POST":
            need_reviewer()
            if builder.start():
                flash("Đã bắt đầu xuất bản.", "ok")
            else:
                flash("Đang xuất bản: hãy chờ lần này xong.", "info")
            return redirect(url_for("publish_now"), 303)
        return render_template("publish.html", build=builder.status(),
                               last_build=jobs.last_build(root, tz),
                               harvest=jobs.harvest_running(config))

    @app.get("/van-ban")
    def documents():
        arts = rv.articles()
        docs = register.load_docs(config.content_dir)
        unknown = register.unknown_refs(docs, arts)
        filled = {u.number: register.prefill(u.number, arts) for u in unknown[:50]}
        return render_template("documents.html", unknown=unknown[:50], filled=filled)

    @app.route("/van-ban/them", methods=["GET", "POST"])
    def add_document():
        # Reviewers and editors alike: an entry is data entry, recorded in git as its author.
        raw = (request.values.get("number") or "").strip()
        number = docform.number_of(raw)
        if number is None:
            abort(404, f"«{raw[:80]}» không phải số hiệu văn bản.")
        arts = rv.articles()
        info = register.prefill(number, arts)

        def form(values: dict, errors: dict, code: int = 200):
            return render_template("doc_add.html", number=number, values=values, errors=errors,
                                   fields=docform.FIELDS, scopes=register.SCOPES,
                                   citations=info["citations"][:8]), code

        if request.method == "GET":
            return form(docform.initial(info), {})
        values = docform.values_of(request.form)
        doc, errors = docform.check(number, values)
        if errors:
            return form(values, errors, 400)
        try:
            with gitlog.write_lock(root):
                path = register.docs_create(root, doc)
                rel = path.relative_to(root).as_posix()
                gitlog.commit(root, [rel], f"thêm văn bản: {number}", author())
        except register.EntryExists as exc:
            return form(values, {"number": f"{number} đã có trong danh mục ({exc.path}): không "
                                           "ghi đè; hãy sửa tệp đó."}, 409)
        flash(f"Đã thêm {number} vào danh mục ({rel}).", "ok")
        return redirect(url_for("documents"), 303)

    @app.get("/nguon")
    def sources_health():
        return render_template("sources.html", rows=jobs.source_rows(config),
                               harvest=jobs.harvest_running(config),
                               due=figures.report_due(config, rv.articles()))

    @app.get("/chat-luong-phan-loai")
    def tag_quality():
        """Read-only: ``cds tag --evaluate`` and ``--suggest`` for reviewers and editors."""
        return render_template("quality.html", q=figures.tag_quality(root, rv.articles()))

    from pipeline.desk.documents import make_blueprint as documents_blueprint
    app.register_blueprint(documents_blueprint(config))

    @app.context_processor
    def _globals():
        return {"user": g.get("user"), "csrf": generate_csrf}

    return app
