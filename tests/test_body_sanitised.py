"""A body edited by hand (in a text editor, or through the desk) reaches the site through the
same sanitiser as a harvested one: raw HTML that could run, `javascript:` links (also written
with character references) and event handlers never reach a built page or a feed."""

from __future__ import annotations

from tests.fixtures.sched.helpers import cds, new_root
from tests.safety import page_problems
from tests.test_site_content import article, page, write

HOSTILE = """Đoạn mở đầu do biên tập viên sửa tay, có **chữ đậm** và một [liên kết](https://so.example.vn/a).

<script>alert("x")</script>

<img src="x.png" onerror="alert(1)">

[Bấm vào đây](javascript:alert(2)) và [cả đây](&#106;avascript:alert(3)).

<div onclick="alert(4)">Khối có sự kiện</div>

| Cột 1 | Cột 2 |
|---|---|
| ô một | ô hai |
"""


def test_a_hand_edited_body_is_sanitised_on_the_site_and_in_the_feeds(tmp_path):
    root = new_root(tmp_path / "root", [{"id": "bao", "url": "http://127.0.0.1:9/rss"}])
    write(root, article(1, body=HOSTILE, locked=True), "sua-tay")
    res = cds(root, "build")
    assert res.returncode == 0, res.stderr
    built = page(root, "sua-tay")
    text = built.read_text(encoding="utf-8")
    assert "Đoạn mở đầu do biên tập viên sửa tay" in text
    assert "<strong>chữ đậm</strong>" in text and "https://so.example.vn/a" in text
    assert "<table" in text and "ô hai" in text              # editors' Markdown still renders
    assert page_problems(built) == []
    low = text.lower()
    for bad in ("<script>alert", "onerror=", "onclick=", "javascript:", "&#106;avascript"):
        assert bad not in low, bad
    for feed in ("rss.xml", "atom.xml"):
        body = (root / "site" / feed).read_text(encoding="utf-8").lower()
        assert "onerror" not in body and "onclick" not in body
        assert "javascript:" not in body and "&amp;#106;avascript" not in body
        assert "&lt;script" not in body and "<script" not in body
