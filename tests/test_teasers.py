"""News sites print dozens of teasers around a story: <article> cards (thumbnail, headline,
a line of lead), thumbnails linking to other stories, lists of story links under the body.
Generic extraction keeps the story and none of them. Our own text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup

from pipeline.core.models import Fetched, Item
from pipeline.harvest import article

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "https://baotinh.example.vn/xa-nong-thon-moi-so-hoa-ho-so-dat-dai-202503150930.htm"
STORY = [
    "Xã Minh Lãng vừa hoàn thành số hóa toàn bộ hồ sơ đất đai của hơn bốn nghìn thửa đất, "
    "sớm hơn kế hoạch của huyện hai tháng.",
    "Cán bộ địa chính xã cùng tổ công nghệ số cộng đồng đã làm việc cả ngày nghỉ để quét, "
    "đối chiếu và nhập dữ liệu vào hệ thống dùng chung của tỉnh.",
    "Nhờ dữ liệu đã được số hóa, thời gian giải quyết thủ tục chuyển nhượng giảm từ mười ngày "
    "xuống còn bốn ngày làm việc.",
    "Ủy ban nhân dân xã cho biết sẽ tiếp tục số hóa hồ sơ hộ tịch trong năm nay.",
]
OTHERS = ["Huyện Vũ Thư tổ chức hội thi tìm hiểu chuyển đổi số năm 2025",
          "Nông dân Kiến Xương livestream bán dưa lê trên mạng xã hội",
          "Tỉnh ra mắt ứng dụng phản ánh hiện trường cho người dân",
          "Trường tiểu học đầu tiên dùng học bạ số trên toàn tỉnh"]


def _card(i: int, title: str) -> str:
    return (f'<article class="card"><a href="/tin-{i}-{i}0{i}1234.htm"><img src="/anh/{i}.jpg">'
            f'</a><h3><a href="/tin-{i}-{i}0{i}1234.htm">{title}</a></h3>'
            f'<p>Tóm tắt ngắn {i}.</p></article>')


def _page() -> bytes:
    body = "".join(f"<p>{s}</p>" for s in STORY)
    cards = "".join(_card(i, t) for i, t in enumerate(OTHERS))
    links = "".join(f'<li><a href="/bai-{i}-{i}{i}{i}9876.htm"><img src="/t/{i}.jpg"></a>'
                    f'<a href="/bai-{i}-{i}{i}{i}9876.htm">{t}</a></li>'
                    for i, t in enumerate(reversed(OTHERS)))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Xã nông thôn mới số hóa hồ sơ đất đai</title></head><body><main>
<section class="grid">{cards}</section>
<div class="detail"><h1>Xã nông thôn mới số hóa hồ sơ đất đai</h1>
<div class="time">15/03/2025 09:30</div>
<a href="/xa-khac-so-hoa-ho-so-3003456.htm"><img src="/anh/teaser.jpg"></a>
<div class="body">{body}</div>
<ul class="more">{links}</ul></div>
<section class="grid">{cards.replace("/tin-", "/tin-moi-")}</section>
</main></body></html>""".encode()


def test_teasers_around_a_story_are_left_out():
    fetched = Fetched(url=URL, final_url=URL, status=200,
                      headers={"content-type": "text/html; charset=utf-8"}, body=_page())
    got = article.read_generic(fetched, Item(url=URL), TZ)
    text = " ".join(BeautifulSoup(got.content_html, "lxml").get_text(" ").split())
    for sentence in STORY:
        assert sentence in text
    for other in OTHERS:
        assert other not in text, other
    assert "Tóm tắt ngắn" not in text
    assert "teaser.jpg" not in got.content_html and "/t/" not in got.content_html
