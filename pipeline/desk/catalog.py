"""The documents catalogue on the desk (blueprint ``catalog``): document numbers the articles
cite that the catalogue lacks, and the form that adds one entry (prefilled from the citing
articles, committed to git as its author; an existing entry is never overwritten)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from pipeline.desk import docform, gitlog
from pipeline.desk.context import Desk, author
from pipeline.store import register

UNKNOWN_SHOWN = 50


def make_blueprint(desk: Desk) -> Blueprint:
    bp = Blueprint("catalog", __name__)
    rv, root = desk.review, desk.root

    @bp.get("/van-ban")
    def documents():
        arts = rv.articles()
        docs = register.load_docs(desk.config.content_dir)
        unknown = register.unknown_refs(docs, arts)
        filled = {u.number: register.prefill(u.number, arts) for u in unknown[:UNKNOWN_SHOWN]}
        return render_template("documents.html", unknown=unknown[:UNKNOWN_SHOWN], filled=filled)

    @bp.route("/van-ban/them", methods=["GET", "POST"])
    def add_document():
        # Reviewers and editors alike: an entry is data entry, recorded in git as its author.
        raw = (request.values.get("number") or "").strip()
        number = docform.number_of(raw)
        if number is None:
            abort(404, f"«{raw[:80]}» không phải số hiệu văn bản.")
        info = register.prefill(number, rv.articles())

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
        return redirect(url_for("catalog.documents"), 303)

    return bp
