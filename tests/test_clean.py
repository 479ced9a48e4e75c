"""pipeline.harvest.clean: harvested HTML → safe HTML, safe Markdown, plain text; the rendered-HTML checker.

Fixture articles are made up for these tests (no real news text), messy the way provincial
portals are: lazy images, relative links, "A- A A+", share bars, view counts, related-news lists.
Rendering uses Python-Markdown with the extensions a MkDocs Material site enables.
"""

from __future__ import annotations

import html
import re
import unicodedata

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core.text import html_line as plain_text
from pipeline.harvest.clean import first_image, safe_html
from pipeline.harvest.tomarkdown import MKDOCS_EXTENSIONS, render_markdown, to_markdown
from tests.safe_html import is_safe_html

BASE = "https://baothaibinh.example.vn/tin-tuc/chuyen-doi-so/bai-123.html"
HOST = "https://baothaibinh.example.vn"
TAG = re.compile(r"<[A-Za-z/!?]")
TEMPLATE = re.compile(r"\{[{%#]")


def md_to_html(md: str) -> str:
    return render_markdown(md)


def visible(rendered: str) -> str:
    if not rendered.strip():
        return ""
    return " ".join(lxml.html.document_fromstring(f"<div>{rendered}</div>").text_content().split())


def assert_safe_markdown(md: str) -> str:
    """The Markdown holds no HTML and no template syntax, and renders to safe HTML."""
    assert not TAG.search(md), md
    assert not TEMPLATE.search(md), md
    rendered = md_to_html(md)
    assert is_safe_html(rendered) == [], (md, rendered)
    return rendered


ARTICLE = """
<div class="detail">
  <div class="tools"><span>A-</span> <span>A</span> <span>A+</span></div>
  <p class="breadcrumb"><a href="/">Trang chủ</a> &gt; <a href="/tin-tuc">Tin tức</a> &gt; Chuyển đổi số</p>
  <p>4,455 lượt xem</p>
  <p>Ngày 12/3, Sở Thông tin và Truyền thông tổ chức hội nghị triển khai
     <a href="../ke-hoach-96.html">Kế hoạch 96/KH-UBND</a> về <b>chuyển đổi số</b> năm 2024.</p>
  <p><img src="/images/blank.gif" data-src="/uploads/2024/03/hoi-nghi.jpg" alt="Quang cảnh hội nghị"></p>
  <p><em>Ảnh: Thu Hà</em></p>
  <p>Các đại biểu thảo luận về nền tảng số dùng chung của tỉnh.</p>
  <div class="share">Chia sẻ: Facebook | Zalo | Gửi email | In bài viết</div>
  <h3>Tin liên quan</h3>
  <ul>
    <li><a href="/tin-tuc/a.html">Hội thảo về dữ liệu số</a> (10/03/2024)</li>
    <li><a href="/tin-tuc/b.html">Tập huấn kỹ năng số cho cán bộ xã</a></li>
  </ul>
  <p>Bình luận</p>
</div>
"""


# --- safe_html: the allow-list ---------------------------------------------------------------

HOSTILE = """
<p>Mở đầu</p>
<script>alert('script')</script>
<script><![CDATA[alert('cdata')]]></script>
<!-- <script>alert('comment')</script> -->
<style>body { background: url(javascript:alert(1)) }</style>
<a href="jav&#x09;ascript:alert(1)">tab</a>
<a href="&#106;avascript:alert(1)">entity</a>
<a href="JaVaScRiPt:alert(1)">case</a>
<a href=" \x01javascript:alert(1)">control</a>
<a href="vbscript:msgbox(1)">vb</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>
<img src=x onerror=alert(1)>
<img src="javascript:alert(1)">
<svg onload=alert(1)><script>alert('svg')</script></svg>
<math><mi xlink:href="javascript:alert(1)">m</mi></math>
<iframe src="https://evil.example/"></iframe>
<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">
<form action="https://evil.example/"><input name=q><button>Gửi</button></form>
<meta http-equiv="refresh" content="0;url=javascript:alert(1)">
<base href="javascript:alert(1)//">
<link rel=stylesheet href="javascript:alert(1)">
<p style="background:url(javascript:alert(1))" onclick="alert(1)">Đoạn có thuộc tính</p>
<p>{{ config }} và {% raw %} và {# note #}</p>
<p>para</p><p>{: onclick="alert(1)" }</p>
<p>[click](javascript:alert(1)) và <http://x.example> và [ref]: javascript:alert(1)</p>
<p>--8&lt;-- "secret.txt"</p>
<pre>```
&lt;script&gt;alert(1)&lt;/script&gt;
```</pre>
<p>Kết thúc</p>
"""


def test_hostile_sample_safe_html_keeps_only_allowed_markup():
    out = safe_html(HOSTILE, BASE)
    tags = " ".join(re.findall(r"<[^>]*>", out)).lower()
    for bad in ("<script", "<style", "<iframe", "<object", "<embed", "<form", "<input", "<svg",
                "<math", "<meta", "<base", "<link", "<button", " on", "style=", "javascript:",
                "vbscript:", "data:", "xlink"):
        assert bad not in tags, bad
    for leaked in ("alert('script')", "alert('cdata')", "alert('svg')", "alert('comment')",
                   "background", "Gửi"):
        assert leaked not in out, leaked
    assert "Mở đầu" in out and "Kết thúc" in out and "Đoạn có thuộc tính" in out
    assert is_safe_html(out) == []


def test_hostile_sample_markdown_renders_safe_with_mkdocs_extensions():
    md = to_markdown(HOSTILE, BASE)
    rendered = assert_safe_markdown(md)
    text = visible(rendered)
    # hostile text survives as literal text, never as syntax
    assert "{{ config }}" in text and "{% raw %}" in text
    assert "[click](javascript:alert(1))" in text
    assert '{: onclick="alert(1)" }' in text
    tags = " ".join(re.findall(r"<[^>]*>", rendered)).lower()
    assert " on" not in tags and "javascript:" not in tags and "<pre" not in tags


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", "jav&#x09;ascript:alert(1)",
    "jav&#x0A;ascript:alert(1)", "&#x6A;avascript:alert(1)", " \t javascript:alert(1)",
    "java\x00script:alert(1)", "javascript&colon;alert(1)", "vbscript:x", "VBScript:x",
    "data:text/html,<script>alert(1)</script>", "DaTa:text/html;base64,AAAA", "livescript:x",
])
def test_dangerous_link_schemes_are_dropped(href):
    src = f'<p><a href="{href}">liên kết</a> <img src="{href}" alt="ảnh"></p>'
    out = safe_html(src, BASE)
    assert "href" not in out and "<img" not in out
    md = to_markdown(src, BASE)
    assert md == "liên kết"
    assert_safe_markdown(md)


def test_links_and_images_become_absolute():
    src = ('<p><a href="../ke-hoach.html">a</a> <a href="//cdn.example.vn/x.pdf">b</a> '
           '<a href="/tin?id=1&amp;p=2">c</a> <a href="mailto:ban@thaibinh.example.vn">d</a> '
           '<a href="#top">e</a> <a href="ftp://x.example/">f</a> <img src="anh/1.jpg"></p>')
    out = safe_html(src, BASE)
    assert f'href="{HOST}/tin-tuc/ke-hoach.html"' in out
    assert 'href="https://cdn.example.vn/x.pdf"' in out
    assert f'href="{HOST}/tin?id=1&amp;p=2"' in out
    assert 'href="mailto:ban@thaibinh.example.vn"' in out
    assert 'src="https://baothaibinh.example.vn/tin-tuc/chuyen-doi-so/anh/1.jpg"' in out
    assert out.count("href=") == 4                      # #top and ftp: lose their href
    md = to_markdown(src, BASE)
    assert f"[a]({HOST}/tin-tuc/ke-hoach.html)" in md
    assert "[d](mailto:ban@thaibinh.example.vn)" in md
    assert " e f " in md


def test_odd_characters_in_addresses_are_encoded_for_markdown():
    src = ('<p><a href="/files/Quyết định 12 (sửa).pdf" title=\'Tệp "mới"\'>QĐ</a> '
           '<img src="/a b/c).jpg" alt="x](javascript:alert(1))"></p>')
    md = to_markdown(src, BASE)
    assert "(" + HOST + "/files/Quyết%20định%2012%20%28sửa%29.pdf" in md
    assert "c%29.jpg" in md
    rendered = assert_safe_markdown(md)
    assert 'href="https://baothaibinh.example.vn/files/Quy' in rendered
    img = lxml.html.fragment_fromstring(rendered).find(".//img")
    assert img.get("alt") == "x](javascript:alert(1))"


# --- lazy images -----------------------------------------------------------------------------

@pytest.mark.parametrize("img, expected", [
    ('<img src="/images/blank.gif" data-src="/u/1.jpg">', "/u/1.jpg"),
    ('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-original="/u/2.jpg">', "/u/2.jpg"),
    ('<img src="/static/placeholder.png" data-lazy-src="/u/3.jpg">', "/u/3.jpg"),
    ('<img src="/img/loading.gif" srcset="/u/4-320.jpg 320w, /u/4-1024.jpg 1024w">', "/u/4-1024.jpg"),
    ('<img src="/img/spacer.gif" data-srcset="/u/5.jpg 1x, /u/5@2x.jpg 2x">', "/u/5@2x.jpg"),
    ('<img data-src="/u/6.jpg">', "/u/6.jpg"),
    ('<img class="lazy" src="/img/1x1.gif" data-src="/u/7.jpg" width="1" height="1">', None),
    ('<picture><source srcset="/u/8.webp"><img src="/img/lazy.png"></picture>', "/u/8.webp"),
    ('<img src="/u/9.jpg" data-src="/u/9-large.jpg">', "/u/9.jpg"),
    ('<img src="/images/blank.gif">', None),
    ('<img src="data:image/png;base64,AAAA">', None),
    ('<img src="/img/grey.gif" data-src="data:image/png;base64,AAAA">', None),
    ('<img src="/u/10.jpg" width="1" height="1">', None),
])
def test_lazy_images(img, expected):
    out = safe_html(f"<p>Ảnh bài</p><p>{img}</p>", BASE)
    if expected is None:
        assert "<img" not in out
        assert first_image(img, BASE) == ""
    else:
        assert f'src="{HOST}{expected}"' in out
        assert first_image(img, BASE) == HOST + expected


def test_noscript_fallback_image_is_used_once():
    src = ('<p><img src="/img/lazy.gif" data-src="/u/a.jpg"><noscript><img src="/u/a.jpg">'
           '</noscript></p><noscript><p>Bật JavaScript</p></noscript>')
    out = safe_html(src, BASE)
    assert out.count("<img") == 1 and "JavaScript" not in out


def test_first_image():
    assert first_image(ARTICLE, BASE) == f"{HOST}/uploads/2024/03/hoi-nghi.jpg"
    assert first_image("<p>Không có ảnh</p>", BASE) == ""
    assert first_image("", BASE) == ""
    assert first_image('<img src="javascript:alert(1)"><img src="/b.jpg">', BASE) == f"{HOST}/b.jpg"


# --- chrome ----------------------------------------------------------------------------------

def test_article_chrome_is_removed_and_content_kept():
    md = to_markdown(ARTICLE, BASE)
    for chrome in ("A-", "A+", "Trang chủ", "lượt xem", "Chia sẻ", "Zalo", "In bài viết",
                   "Tin liên quan", "Hội thảo về dữ liệu số", "Tập huấn", "Bình luận"):
        assert chrome not in md, chrome
    assert md == (
        f"Ngày 12/3, Sở Thông tin và Truyền thông tổ chức hội nghị triển khai "
        f"[Kế hoạch 96/KH-UBND]({HOST}/tin-tuc/ke-hoach-96.html) về **chuyển đổi số** năm 2024.\n"
        f"\n![Quang cảnh hội nghị]({HOST}/uploads/2024/03/hoi-nghi.jpg)\n"
        "\n*Ảnh: Thu Hà*\n"
        "\nCác đại biểu thảo luận về nền tảng số dùng chung của tỉnh."
    )


@pytest.mark.parametrize("line", [
    "A- A A+", "A A A", "Cỡ chữ", "Cỡ chữ: A- A A+", "Tăng tương phản", "Giảm tương phản",
    "In bài viết", "In trang", "Chia sẻ", "Share", "Tweet", "Facebook", "Zalo", "Gửi email",
    "Lưu tin", "Chia sẻ: Facebook / Zalo / Twitter", "4,455 lượt xem", "Lượt xem: 1.234",
    "Lượt xem 12", "Thứ 4, 09/06/2021 | 18:37:56 | 4,455 lượt xem", "Bình luận",
    "Ý kiến bạn đọc", "Bình luận (0)", "Trang chủ > Tin tức > Chuyển đổi số",
    "Trang chủ / Tin tức", "Trang chủ » Chính quyền số", "CHIA SẺ", "chia se", "Luot xem: 9",
])
def test_chrome_lines(line):
    src = f"<p>Đoạn đầu.</p><p>{html.escape(line)}</p><p>Đoạn cuối.</p>"
    assert to_markdown(src, BASE) == "Đoạn đầu.\n\nĐoạn cuối."
    # the same line between <br>s inside one block
    src = f"<div>Đoạn đầu.<br>{html.escape(line)}<br>Đoạn cuối.</div>"
    assert to_markdown(src, BASE) == "Đoạn đầu.\n\nĐoạn cuối."


@pytest.mark.parametrize("line", [
    "Chia sẻ kinh nghiệm chuyển đổi số của xã Vũ Thư với các địa phương.",
    "Người dân có thể gửi email phản ánh tới Sở.",
    "Trang chủ của Cổng thông tin được nâng cấp giao diện mới.",
    "Xem thêm các văn bản hướng dẫn tại Cổng thông tin điện tử tỉnh.",
    "Bình luận viên thể thao chia sẻ trên Facebook.",
    "A", "In", "Tin khác nhau về số liệu đã được xác minh.", "Ảnh: Thu Hà",
    "Lượt xem tăng mạnh nhờ nội dung số.", "2024",
])
def test_sentences_that_only_mention_chrome_words_stay(line):
    src = f"<p>{html.escape(line)}</p>"
    assert visible(md_to_html(to_markdown(src, BASE))) == line


@pytest.mark.parametrize("heading", [
    "<h3>Bài viết liên quan</h3>", "<p><strong>Tin cùng chuyên mục:</strong></p>",
    "<h4>Tin khác</h4>", "<div>XEM THÊM</div>", "<h2>Tin liên quan</h2>",
])
def test_related_news_heading_and_its_links_are_removed(heading):
    src = (f"<p>Nội dung chính.</p>{heading}"
           '<ul><li><a href="/a.html">Bài A về số hóa</a> <span>(12/03/2024)</span></li>'
           '<li><a href="/b.html">Bài B</a></li></ul>'
           '<p><a href="/c.html">Bài C</a></p>'
           "<p>Đoạn sau khối tin liên quan vẫn được giữ.</p>")
    assert to_markdown(src, BASE) == (
        "Nội dung chính.\n\nĐoạn sau khối tin liên quan vẫn được giữ.")


def test_inline_see_also_line_is_removed_but_a_normal_link_list_is_not():
    src = ('<p>Nội dung.</p><p>Xem thêm: <a href="/x.html">Bài X</a></p>'
           '<ul><li><a href="/d.html">Văn bản D</a></li></ul>')
    assert to_markdown(src, BASE) == "Nội dung."
    src = '<p>Các văn bản:</p><ul><li><a href="/d.html">Văn bản D</a></li></ul>'
    assert to_markdown(src, BASE) == f"Các văn bản:\n\n- [Văn bản D]({HOST}/d.html)"


def test_breadcrumb_made_of_links_without_separators():
    src = ('<div><a href="/">Trang chủ</a> <i class="fa fa-angle-right"></i> '
           '<a href="/cds">Chuyển đổi số</a></div><p>Nội dung bài.</p>')
    assert to_markdown(src, BASE) == "Nội dung bài."


def test_share_icons_go_with_their_line_but_photos_stay():
    src = ('<p><a href="https://facebook.com/sharer?u=x"><img src="/icons/facebook.png"></a> '
           '<a href="https://zalo.me/share"><img src="/icons/zalo.png" alt="Zalo"></a> Chia sẻ</p>'
           '<p><img src="/u/anh-that.jpg" alt="Facebook"></p>')
    md = to_markdown(src, BASE)
    assert md == f"![Facebook]({HOST}/u/anh-that.jpg)"


# --- captions --------------------------------------------------------------------------------

def test_photo_captions_are_italic_lines_under_their_image():
    src = ('<p><img src="/u/1.jpg" alt="Một"><br>Ảnh: Minh Hà</p>'
           '<figure><img src="/u/2.jpg"><figcaption><em>Lễ</em> ra mắt nền tảng số</figcaption></figure>'
           '<p><img src="/u/3.jpg"></p><p style="text-align:center">Ảnh minh họa</p>'
           '<table class="image"><tr><td><img src="/u/4.jpg"></td></tr>'
           '<tr><td class="caption">Cán bộ xã hướng dẫn người dân cài ứng dụng</td></tr></table>'
           '<p>Đồng chí Chủ tịch phát biểu tại hội nghị. (Ảnh: Quang Huy)</p>')
    md = to_markdown(src, BASE)
    assert md == (
        f"![Một]({HOST}/u/1.jpg)\n\n*Ảnh: Minh Hà*\n\n"
        f"![]({HOST}/u/2.jpg)\n\n*Lễ ra mắt nền tảng số*\n\n"
        f"![]({HOST}/u/3.jpg)\n\n*Ảnh minh họa*\n\n"
        f"![]({HOST}/u/4.jpg)\n\n*Cán bộ xã hướng dẫn người dân cài ứng dụng*\n\n"
        "*Đồng chí Chủ tịch phát biểu tại hội nghị. (Ảnh: Quang Huy)*"
    )
    rendered = assert_safe_markdown(md)
    assert rendered.count("<em>") == 5


# --- Markdown shape --------------------------------------------------------------------------

def test_markdown_structure():
    src = ("<h1>Tiêu đề</h1><h2>Mục <em>một</em></h2><h7>x</h7>"
           "<p>Dòng một<br>Dòng hai</p>"
           "<ul><li>Một</li><li>Hai<ul><li>Hai chấm một</li></ul></li></ul>"
           '<ol start="3"><li>Ba</li><li>Bốn<br>tiếp</li><li>Năm</li></ol>'
           "<blockquote><p>Trích dẫn</p></blockquote><hr>"
           "<table><tr><th>STT</th><th>Đơn vị | ghi chú</th></tr>"
           "<tr><td>1</td><td>Sở TT&amp;TT</td></tr></table>"
           "<pre>dòng 1\n  dòng 2</pre><p>Mã <code>*x*</code></p>")
    md = to_markdown(src, BASE)
    assert md == (
        "# Tiêu đề\n\n## Mục *một*\n\nx\n\nDòng một\n\nDòng hai\n\n"
        "- Một\n- Hai\n    - Hai chấm một\n\n"
        "&#8203;\n\n"                   # keeps Python-Markdown from merging the two lists
        "3. Ba\n4. Bốn\n\n    tiếp\n\n5. Năm\n\n"
        "> Trích dẫn\n\n* * *\n\n"
        "| STT | Đơn vị \\| ghi chú |\n| --- | --- |\n| 1 | Sở TT&TT |\n\n"
        "dòng 1\n\ndòng 2\n\nMã \\*x\\*"
    )
    rendered = assert_safe_markdown(md)
    assert "<h1" in rendered and "<ol" in rendered and "<table>" in rendered
    assert "<li>Hai<ul>" in rendered.replace("\n", "")
    assert rendered.count("<ul>") == 2 and rendered.count("<ol>") == 1
    assert "<pre>" not in rendered and "<code>" not in rendered


def test_markdown_never_starts_with_a_front_matter_fence():
    for src in ("<hr><p>Nội dung</p><hr>", "<p>---</p><p>Nội dung</p>", "<p>---<br>x: y<br>---</p>"):
        md = to_markdown(src, BASE)
        assert not md.startswith("---") and not md.endswith("* * *"), md
        assert not any(line.strip() == "---" for line in md.split("\n"))


def test_block_markers_at_line_start_are_neutralised():
    lines = ["1. Một", "2) Hai", "- gạch", "+ cộng", "* sao", "# thăng", "###### sáu",
             "> trích", "!!! note", "??? note", "=== \"Tab\"", "~~~", "```", ": định nghĩa",
             "| a | b |", "    thụt lề", "[^1]: chú thích", "*[HTML]: viết tắt", "[ ] việc",
             "--8<-- \"pyproject.toml\"", "<!-- x -->", "{{ x }}", "{% if %}", "$x$",
             "\\(x\\)", "\\[x\\]", "[0]", "$$x$$", "&amp; &copy; &#123;", "a  b"]
    src = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    md = to_markdown(src, BASE)
    rendered = assert_safe_markdown(md)
    for tag in ("<ol", "<ul", "<h1", "<h6", "<blockquote", "<div class=\"admonition",
                "<details", "<pre", "<code", "<dl", "<table", "<sup", "<abbr", "<input",
                "<hr", "<script"):
        assert tag not in rendered, (tag, rendered)
    shown = [visible(f"<p>{p}") for p in rendered.split("<p>")[1:]]
    expected = [" ".join(html.unescape(line).split()) if line.startswith("&") else
                " ".join(line.split()) for line in lines]
    assert shown == expected


def test_attr_list_and_jinja_cannot_be_injected():
    src = ('<h2>Tiêu đề {#x onclick="alert(1)"}</h2><p>Đoạn</p><p>{: onclick="alert(1)" .x }</p>'
           '<p>Đoạn { onmouseover=alert(1) }</p><p>{{ config.site_name }} {%- raw %}</p>'
           '<p><img src="/u/a.jpg">{: onerror="alert(1)" }</p>')
    md = to_markdown(src, BASE)
    assert "{" not in md and "}" not in md
    rendered = assert_safe_markdown(md)
    tags = " ".join(re.findall(r"<[^>]*>", rendered))
    assert " on" not in tags and "class=" not in tags, tags
    assert "{{ config.site_name }}" in visible(rendered)


def test_markdown_link_syntax_in_text_stays_text():
    src = ("<p>[bấm](javascript:alert(1)) ![x](javascript:alert(1)) &lt;javascript:alert(1)&gt; "
           "[a]: javascript:alert(1) &lt;a href=javascript:alert(1)&gt;x&lt;/a&gt;</p>")
    md = to_markdown(src, BASE)
    rendered = assert_safe_markdown(md)
    assert "<a " not in rendered and "<img" not in rendered
    assert "[bấm](javascript:alert(1))" in visible(rendered)


def test_fence_in_preformatted_text_cannot_release_html():
    src = ("<pre>```\n&lt;script&gt;alert(1)&lt;/script&gt;\n```\n&lt;img src=x onerror=alert(1)&gt;"
           "</pre><p>~~~</p><p>&lt;script&gt;alert(2)&lt;/script&gt;</p>")
    rendered = assert_safe_markdown(to_markdown(src, BASE))
    assert "<script>alert(1)</script>" in visible(rendered)


def test_snippets_cannot_include_files(tmp_path):
    (tmp_path / "secret.txt").write_text("BÍ MẬT", encoding="utf-8")
    config = {"pymdownx.snippets": {"base_path": [str(tmp_path)], "check_paths": False}}
    raw = '--8<-- "secret.txt"'
    # the oracle works: unescaped, the extension would include the file
    assert "BÍ MẬT" in render_markdown(raw, extension_configs=config)
    md = to_markdown(f"<p>{html.escape(raw)}</p><p>;{html.escape(raw)}</p>", BASE)
    rendered = render_markdown(md, extension_configs=config)
    assert "BÍ MẬT" not in rendered
    assert is_safe_html(rendered) == []


def test_output_is_nfc_trimmed_and_deterministic():
    decomposed = unicodedata.normalize("NFD", "Chuyển đổi số ở Thái Bình")
    src = f"<p>  {decomposed}\u00a0 </p>\n\n\n<p></p><p>&nbsp;</p><div><br><br></div><p>b\u202e</p>"
    md = to_markdown(src, BASE)
    assert md == "Chuyển đổi số ở Thái Bình\n\nb"
    assert unicodedata.is_normalized("NFC", md)
    assert md == to_markdown(src, BASE)
    article = to_markdown(ARTICLE, BASE)
    assert all(line == line.rstrip() for line in article.split("\n"))
    assert "\n\n\n" not in article
    assert to_markdown(ARTICLE + " ", BASE) == article


def test_double_encoded_entities_are_repaired():
    src = "<p>Th&amp;#225;i B&amp;igrave;nh &amp;lt;b&amp;gt; AT&amp;T</p>"
    md = to_markdown(src, BASE)
    assert visible(md_to_html(md)) == "Thái Bình <b> AT&T"
    assert_safe_markdown(md)


def test_videos_become_links_other_embeds_go():
    src = ('<iframe src="https://www.youtube.com/embed/abc123"></iframe>'
           '<video><source src="/media/clip.mp4"></video>'
           '<iframe src="https://ads.example/banner"></iframe>'
           '<iframe src="javascript:alert(1)"></iframe>')
    assert to_markdown(src, BASE) == (
        "[Xem video](https://www.youtube.com/watch?v=abc123)\n\n"
        f"[Xem video]({HOST}/media/clip.mp4)")


def test_void_elements_do_not_swallow_what_follows():
    src = ('<p>a</p><embed src="x.swf"><p>b</p><source src="y.mp4"><p>c</p><track src="t.vtt">'
           '<p>d</p><keygen><p>e</p><wbr><p>f</p>')
    assert to_markdown(src, BASE) == "a\n\nb\n\nc\n\nd\n\ne\n\nf"


def test_emptied_inline_elements_keep_words_apart():
    src = "<p>Thái<span> </span>Bình<b><br></b>Hà<em></em>Nội<a href='/x'>&nbsp;</a>Huế</p>"
    assert to_markdown(src, BASE) == "Thái Bình HàNội Huế"


@pytest.mark.parametrize("src", ["", "   ", "<p></p>", "<script>x</script>", "<!-- only -->",
                                 "<html><head><title>T</title></head></html>"])
def test_empty_input(src):
    assert to_markdown(src, BASE) == ""
    assert safe_html(src, BASE).strip() in ("", "<div></div>")


def test_full_page_and_garbage_do_not_raise():
    page = f"<!DOCTYPE html><html><head><meta charset=utf-8><script>x</script></head><body>{ARTICLE}</body></html>"
    assert to_markdown(page, BASE) == to_markdown(ARTICLE, BASE)
    for junk in ("<", "<<<>>>", "</p></div>", "<a href=", "&#xFFFFFFF;", "\x00\x01\x02", "<![CDATA[",
                 "<table><td><table><td>x", "<p>" * 500, "<b>" * 2000 + "x"):
        assert_safe_markdown(to_markdown(junk, BASE))


# --- plain_text ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("Chuyển đổi số", "Chuyển đổi số"),
    ("  Hội nghị\n  chuyển   đổi số ", "Hội nghị chuyển đổi số"),
    ("<b>Thái</b> <i>Bình</i>", "Thái Bình"),
    ("<p>Đoạn một</p><p>Đoạn hai</p>", "Đoạn một Đoạn hai"),
    ("Chuy<b>ển</b> đổi", "Chuyển đổi"),
    ("<script>alert(1)</script>Tin mới", "Tin mới"),
    ("<style>p{}</style><!-- c -->Tin", "Tin"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
    ("Tiêu đề: \"trích\" --- {{ x }} {% y %} 🚀", "Tiêu đề: \"trích\" --- {{ x }} {% y %} 🚀"),
    ("---", "---"),
    ("a < b và c > d", "a < b và c > d"),
    ("Th&amp;#225;i B&#236;nh", "Thái Bình"),
    (unicodedata.normalize("NFD", "Thái Bình"), "Thái Bình"),
    ("x\u202eevil\x00\x07", "xevil"),
    ("", ""),
    ("<img src=x onerror=alert(1)>", ""),
])
def test_plain_text(raw, expected):
    assert plain_text(raw) == expected


# --- is_safe_html ----------------------------------------------------------------------------

@pytest.mark.parametrize("rendered", [
    "<script>alert(1)</script>",
    "<script src='https://evil.example/x.js'></script>",
    "<svg><script>alert(1)</script></svg>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)></svg>",
    "<body onpageshow=alert(1)>",
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    "<a href=' JAVASCRIPT:alert(1)'>x</a>",
    "<a href='&amp;#106;avascript:alert(1)'>x</a>",
    "<a href='vbscript:x'>x</a>",
    "<a href='data:text/html,x'>x</a>",
    "<img src='data:image/svg+xml,<svg onload=alert(1)>'>",
    "<img srcset='a.jpg 1x, javascript:alert(1) 2x'>",
    "<form action='https://evil.example'><input></form>",
    "<button formaction='javascript:alert(1)'>x</button>",
    "<iframe src='https://evil.example'></iframe>",
    "<iframe srcdoc='&lt;script&gt;alert(1)&lt;/script&gt;'></iframe>",
    "<object data='x.swf'></object>", "<embed src='x.swf'>",
    "<meta http-equiv='refresh' content='0;url=https://evil.example'>",
    "<base href='https://evil.example/'>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "<svg><animate attributeName='href' values='javascript:alert(1)'/></svg>",
    "<p style='background:url(javascript:alert(1))'>x</p>",
    "<div style='width: expression(alert(1))'>x</div>",
    "<link rel='stylesheet' href='javascript:alert(1)'>",
])
def test_is_safe_html_finds_problems(rendered):
    problems = is_safe_html(rendered)
    assert problems and all(p.startswith("line ") for p in problems)


def test_is_safe_html_passes_clean_pages_and_allowed_scripts():
    assert is_safe_html("") == []
    assert is_safe_html("<p>Xin chào <a href='https://x.vn/'>x</a> <img src='/a.jpg'></p>") == []
    page = ("<html><head><script id='__config' type='application/json'>{\"a\": 1}</script>"
            "<script>__md_scope=new URL('.',location)</script></head><body>"
            "<form class='md-search__form' name='search'><input name='query'></form>"
            "<script src='../assets/javascripts/bundle.0f1e2d3c.min.js'></script></body></html>")
    assert len(is_safe_html(page)) == 3
    allowed = is_safe_html(page, [re.compile(r"assets/javascripts/bundle\.[0-9a-f]+\.min\.js$")],
                           allowed_inline_scripts=["__md_scope"], allowed_tags=["form"])
    assert allowed == []
    assert is_safe_html(page.replace("__md_scope", "evil"), ["assets/javascripts/"],
                        allowed_inline_scripts=["__md_scope"], allowed_tags=["form"])


def test_the_oracle_sees_what_unescaped_markdown_would_do():
    assert is_safe_html(md_to_html("[x](javascript:alert(1))"))
    assert is_safe_html(md_to_html('para\n{: onclick="alert(1)" }'))
    assert is_safe_html(md_to_html("<script>alert(1)</script>"))
    assert set(MKDOCS_EXTENSIONS) >= {"attr_list", "md_in_html", "tables", "toc",
                                      "pymdownx.superfences"}


# --- properties ------------------------------------------------------------------------------

HOSTILE_TOKENS = [
    "<script>alert(1)</script>", "<script", "</script>", "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>", '<a href="javascript:alert(1)">', "</a>", "<a href=/ok>",
    "<a href='jav&#x09;ascript:alert(1)'>", "<iframe src=javascript:alert(1)>", "<p>", "</p>",
    "<pre>", "</pre>", "<code>", "</code>", "```", "~~~", "`", "{:", "{", "}", ' onclick="alert(1)"',
    "{{ config }}", "{% raw %}", "[x](javascript:alert(1))", "](", "[", "]", "(", ")", "<", ">",
    "&lt;", "&gt;", "&amp;", "&#106;", "&#x09;", "&amp;lt;script&amp;gt;", "javascript:",
    "data:text/html,<script>alert(1)</script>", "--8<--", "\n", "<br>", "<li>", "<ul>", "<ol>",
    "<table><tr><td>", "</td><td>", "|", "---", "#", "!!!", "<!--", "-->", "<![CDATA[", "]]>",
    "<math><mi xlink:href=javascript:alert(1)>", "<style>", '"', "'", "*", "_", "\\", "<h2>",
    "Ảnh: ", "Tin liên quan", "Xem thêm", "<em>", "<figure><img src=/a.jpg><figcaption>",
    "<noscript>", "<object data=javascript:alert(1)>", "<meta http-equiv=refresh content=0>",
    "<base href=javascript:/>", "<form action=javascript:alert(1)><button>",
    '<div style="background:url(javascript:alert(1))">', '<img src=/b.gif data-src="javascript:alert(1)">',
    '<img srcset="javascript:alert(1) 1x">', "<blockquote>", "1. ", "- ", "= ", ": ", "$",
    "\\[", "\\]", "\\(", "\\)", "$$", "[0]", "[ ]", "[^1]",
]
hostile_html = st.lists(st.one_of(st.sampled_from(HOSTILE_TOKENS), st.text(max_size=4)),
                        max_size=30).map("".join)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_html)
def test_property_arbitrary_html_never_renders_anything_that_runs(src):
    assert is_safe_html(safe_html(src, BASE)) == []
    md = to_markdown(src, BASE)
    assert_safe_markdown(md)
    assert md == to_markdown(src, BASE)


TEXT_ALPHABET = st.characters(
    blacklist_categories=("Cs", "Cc", "Co", "Cn"),
    blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
)
ROUNDTRIP_EXTENSIONS = ("abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html",
                        "tables", "toc", "pymdownx.superfences", "pymdownx.details",
                        "pymdownx.tabbed", "pymdownx.tasklist", "pymdownx.magiclink",
                        "pymdownx.inlinehilite", "pymdownx.betterem", "pymdownx.snippets")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _expected_text(text: str) -> str:
    text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    text = unicodedata.normalize("NFC", re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "", text))
    return " ".join(re.sub(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]", "", text).split())


@settings(max_examples=300, deadline=None)
@given(st.text(TEXT_ALPHABET, max_size=40) | st.lists(
    st.sampled_from(list("<>&#;{}[]()*_`\\|!?~=:$-+.\"' \n") + ["--8<--", "{{", "{%", "```"]),
    max_size=25).map("".join))
def test_property_text_comes_back_as_the_same_text(text):
    """Escaping is exact: any text in a paragraph renders as itself (or is dropped as chrome)."""
    for src, expected in ((f"<p>x {html.escape(text)}</p>", _expected_text("x " + text)),
                          (f"<p>{html.escape(text)}</p>", _expected_text(text))):
        md = to_markdown(src, BASE)
        assert not TAG.search(md) and not TEMPLATE.search(md)
        rendered = render_markdown(md, ROUNDTRIP_EXTENSIONS)
        assert is_safe_html(rendered) == []
        shown = visible(rendered)
        assert shown == expected or (shown == "" and not src.startswith("<p>x ")), (md, rendered)


def test_lazy_images_follow_one_rule_in_page_reading_and_sanitising():
    """harvest/images.py: the sanitiser now knows every lazy attribute and the <noscript> copy
    that page reading knew (it used to drop these pictures), and a 2 px pixel is a tracker."""
    from bs4 import BeautifulSoup

    from pipeline.harvest import images

    full = '<p>Hội nghị</p><img src="/img/blank.gif" data-full-src="/anh/hoi-nghi.jpg" alt="a">'
    assert f"{HOST}/anh/hoi-nghi.jpg" in to_markdown(full, BASE)
    noscript = ('<p>Hội nghị</p><img src="/img/loading.gif" alt="b">'
                '<noscript><img src="/anh/that.jpg"></noscript>')
    assert f"{HOST}/anh/that.jpg" in to_markdown(noscript, BASE)
    pixel = BeautifulSoup('<img src="/p.gif" width="2px" height="2">', "html.parser").img
    assert images.tiny(pixel)
