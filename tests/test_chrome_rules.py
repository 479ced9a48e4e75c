"""One chrome vocabulary for article reading and the sanitiser (harvest/chrome.py).

Before the merge, page reading (chrome.py) and the sanitiser (clean.py) each knew part of the
chrome: these tests show every rule that only one side had now works on both sides, and that
running text using the same words is kept. The text is written for cds, not copied news.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from pipeline.core.models import ArticleSelectors, Fetched, Item, Source
from pipeline.harvest import article, clean

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "http://127.0.0.1:9/tin-tuc/xa-minh-tan-so-hoa-ho-so-dat-dai-7.html"
PARAS = ["Ủy ban nhân dân xã Minh Tân vừa hoàn thành số hóa toàn bộ hồ sơ địa chính của "
         "bốn thôn, sớm hơn kế hoạch hai tháng.",
         "Cán bộ địa chính cho biết người dân nay có thể tra cứu thửa đất của mình ngay tại "
         "bộ phận một cửa mà không phải chờ đợi như trước.",
         "Trong năm tới, xã dự kiến kết nối dữ liệu này với hệ thống dịch vụ công của tỉnh."]
BODY = "".join(f"<p>{p}</p>" for p in PARAS)
OTHER = ('<p><a href="/tin/hoi-thi-tin-hoc-tre-3.html">Hội thi tin học trẻ cấp huyện</a></p>'
         '<p><a href="/tin/lop-ky-nang-so-4.html">Mở lớp kỹ năng số cho hội viên nông dân</a></p>')

# Rules the sanitiser did not know (page reading did): the chrome and what must not be left.
FROM_READING = {
    "read most": (f"<h3>Đọc nhiều</h3>{OTHER}", ["Đọc nhiều", "Hội thi tin học trẻ"]),
    "spotlight": (f"<p><b>Tiêu điểm</b></p>{OTHER}", ["Tiêu điểm", "Mở lớp kỹ năng số"]),
    "copyright": ("<p>Bản quyền © 2025 Cổng thông tin xã Minh Tân</p>", ["Bản quyền"]),
    "follow us": ("<p>Theo dõi Cổng thông tin xã trên Google News</p>", ["Theo dõi"]),
    "breadcrumb": ("<p>Trang nhà › Tin tức › Chuyển đổi số</p>", ["Trang nhà"]),
    "listen": ("<p>Nghe đọc bài</p>", ["Nghe đọc bài"]),
}
# Rules page reading did not know (the sanitiser did).
FROM_SANITISER = {
    "like count": ("<p>Thích 12</p>", ["Thích 12"]),
    "copy link": ("<p>Sao chép liên kết</p>", ["Sao chép liên kết"]),
    "seen count": ("<p>Đã xem: 1.234</p>", ["Đã xem"]),
    "write a comment": ("<p>Viết bình luận</p>", ["Viết bình luận"]),
    "send an opinion": ("<p>Gửi ý kiến</p>", ["Gửi ý kiến"]),
    "comment count": ("<p>(3) bình luận</p>", ["bình luận"]),
}
RULES = {**FROM_READING, **FROM_SANITISER}


def _text(html: str) -> str:
    return " ".join(BeautifulSoup(html or "", "lxml").get_text(" ").split())


def _read(body: str) -> str:
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Xã Minh Tân số hóa hồ sơ đất đai</title></head><body>
<h1>Xã Minh Tân số hóa hồ sơ đất đai</h1><div class="ngay">Ngày đăng: 02/06/2025 08:15</div>
<div class="noi-dung">{body}</div></body></html>""".encode()
    fetched = Fetched(url=URL, final_url=URL, status=200,
                      headers={"content-type": "text/html; charset=utf-8"}, body=page)
    source = Source(id="xa", name="Xã", kind="html", url=URL, article=ArticleSelectors(
        body="div.noi-dung", title="h1", date=".ngay"))
    return _text(article.read_article(fetched, source, Item(url=URL), TZ).content_html)


@pytest.mark.parametrize("rule", list(RULES))
def test_the_sanitiser_drops_every_chrome_line(rule):
    chrome, gone = RULES[rule]
    html = f"<p>{PARAS[0]}</p>{chrome}<p>{PARAS[1]}</p><p>{PARAS[2]}</p>"
    text = _text(clean.safe_html(html, URL))
    assert [g for g in gone if g in text] == [], text
    assert all(p in text for p in PARAS), text


@pytest.mark.parametrize("rule", list(RULES))
def test_article_reading_drops_every_chrome_line(rule):
    chrome, gone = RULES[rule]
    text = _read(f"<p>{PARAS[0]}</p>{chrome}<p>{PARAS[1]}</p><p>{PARAS[2]}</p>")
    assert [g for g in gone if g in text] == [], text
    assert all(p in text for p in PARAS), text


KEPT = [
    "Bà con đã xem 12 video hướng dẫn cài đặt ứng dụng trước buổi tập huấn.",
    "Bản quyền phần mềm quản lý hộ tịch do tỉnh mua cho tất cả các xã từ năm ngoái.",
    "Xem thêm thông tin tại bộ phận một cửa của xã trong giờ hành chính.",
    "Trang chủ của cổng thông tin xã được làm mới với giao diện dễ đọc trên điện thoại.",
]


@pytest.mark.parametrize("sentence", KEPT)
def test_running_text_with_chrome_words_is_kept_on_both_sides(sentence):
    html = f"<p>{sentence}</p>{BODY}"
    assert sentence in _text(clean.safe_html(html, URL))
    assert sentence in _read(html)


def test_the_sanitiser_keeps_a_dateline_a_feed_article_quotes():
    """Page reading drops a "today" stamp by where it sits; in a feed's article body the same
    line is the place and date of a quoted decision, so the sanitiser keeps it."""
    line = "Minh Tân, ngày 02 tháng 6 năm 2025"
    assert line in _text(clean.safe_html(f"{BODY}<p>{line}</p>", URL))
