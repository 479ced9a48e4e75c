"""Department portals print a reading toolbar (text size "A- A A+", "Tăng/Giảm tương phản") and
share buttons ("Chia sẻ bài viết lên facebook") in every shape: links, spans, one line with
separators, a table row, bare text straight inside the body container. None of it may reach a
stored body, with selectors (no ``remove`` for it) or without; the article's text stays whole.
The page is our own text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from pipeline.core.models import ArticleSelectors, Fetched, Item, Source
from pipeline.harvest import article

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "http://127.0.0.1:9/tin-tuc/tap-huan-ky-nang-so-12.html"
BODY = """<p>Sáng 12/5, Sở Khoa học và Công nghệ tổ chức hội nghị tập huấn kỹ năng số cho cán bộ
các xã, phường trên địa bàn tỉnh.</p>
<p>Trong hai ngày, học viên được hướng dẫn sử dụng chữ ký số, hệ thống quản lý văn bản điều hành
và nền tảng họp trực tuyến.</p>
<p>Ban tổ chức cho biết sẽ mở thêm ba lớp tương tự trong quý III để bảo đảm mỗi xã có ít nhất
hai cán bộ nắm vững quy trình.</p>"""
KEEP = ["Sáng 12/5, Sở Khoa học và Công nghệ", "nền tảng họp trực tuyến.",
        "hai cán bộ nắm vững quy trình."]
CHROME = ["A- A", "A+", "tương phản", "Chia sẻ", "Cỡ chữ", "In bài", "facebook"]
TOOLBARS = {
    "links": '<div class="tien-ich"><a href="#">A-</a> <a href="#">A</a> <a href="#">A+</a> '
             '<a href="#">Tăng tương phản</a> <a href="#">Giảm tương phản</a></div>',
    "one line": "<p>A- A A+ | Tăng tương phản | Giảm tương phản | In bài viết | "
                "Chia sẻ bài viết lên facebook</p>",
    "bare text": "A- A A+ Tăng tương phản Giảm tương phản",
    "spans": "<div><span>Cỡ chữ</span><span>A-</span><span>A</span><span>A+</span>"
             "<span>Tăng tương phản</span><span>Giảm tương phản</span>"
             "<span>Chia sẻ bài viết lên facebook</span></div>",
    "share link": '<div class="fb"><a href="#"><img src="/fb.png" alt="">'
                  "Chia sẻ bài viết lên facebook</a></div>",
    "share paragraph": '<p><a href="https://www.facebook.com/sharer/sharer.php?u=x">'
                       "Chia sẻ bài viết lên facebook</a></p>",
    "table row": "<table><tr><td>A-</td><td>A</td><td>A+</td><td>Tăng tương phản</td>"
                 "<td>Giảm tương phản</td></tr></table>",
    "icon list": '<ul class="list-inline"><li><a title="Giảm cỡ chữ">A-</a></li><li><a>A</a></li>'
                 '<li><a>A+</a></li><li><a><i class="fa fa-adjust"></i> Tăng tương phản</a></li>'
                 '<li><a><i class="fa fa-adjust"></i> Giảm tương phản</a></li></ul>',
}


def _page(toolbar: str, where: str) -> bytes:
    top, bottom = (toolbar, "") if where == "top" else ("", toolbar)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Tập huấn kỹ năng số cho cán bộ cấp xã - Sở KH&amp;CN</title></head><body>
<div class="header"><a href="/">Trang chủ</a> <a href="/tin">Tin tức</a></div>
<div class="main"><h1 class="tieu-de">Tập huấn kỹ năng số cho cán bộ cấp xã</h1>
<div class="ngay">Ngày đăng: 12/05/2025 09:30</div>
<div class="noi-dung">{top}{BODY}{bottom}</div></div>
<div class="footer">Bản quyền thuộc Sở Khoa học và Công nghệ</div></body></html>""".encode()


@pytest.mark.parametrize("mode", ["selectors", "generic"])
@pytest.mark.parametrize("where", ["top", "bottom"])
@pytest.mark.parametrize("shape", list(TOOLBARS))
def test_reading_toolbar_and_share_buttons_never_reach_the_body(shape, where, mode):
    fetched = Fetched(url=URL, final_url=URL, status=200,
                      headers={"content-type": "text/html; charset=utf-8"},
                      body=_page(TOOLBARS[shape], where))
    if mode == "selectors":
        source = Source(id="so", name="Sở", kind="html", url=URL, article=ArticleSelectors(
            body="div.noi-dung", title="h1", date=".ngay"))
        got = article.read_article(fetched, source, Item(url=URL), TZ)
    else:
        got = article.read_generic(fetched, Item(url=URL), TZ)
    text = " ".join(BeautifulSoup(got.content_html, "lxml").get_text(" ").split())
    assert [c for c in CHROME if c in text] == [], text
    for sentence in KEEP:
        assert sentence in text, (sentence, text)
    assert got.title == "Tập huấn kỹ năng số cho cán bộ cấp xã"


def test_a_sentence_that_mentions_sharing_is_kept():
    """Running text that uses the toolbar's words is not a toolbar."""
    body = ("<p>Người dân có thể chia sẻ bài viết lên facebook để lan tỏa thông tin về dịch vụ "
            "công trực tuyến tới người thân trong gia đình.</p>" + BODY)
    page = _page("", "top").replace(BODY.encode(), body.encode())
    fetched = Fetched(url=URL, final_url=URL, status=200,
                      headers={"content-type": "text/html; charset=utf-8"}, body=page)
    got = article.read_generic(fetched, Item(url=URL), TZ)
    assert "chia sẻ bài viết lên facebook để lan tỏa" in got.content_html
