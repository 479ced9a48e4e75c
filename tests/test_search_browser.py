"""Site search in a real browser: a small MkDocs + Material site whose articles carry the markup
the article template carries (data-pagefind-body, filters chude/nguon/nam, meta and sort
``date``), indexed by ``search.run_index``, served on loopback by ``LocalServer`` and searched in
headless Chromium driven over the DevTools protocol (tests/browser.py: no extra dependency).

Checks: with and without diacritics (and in capitals) the same results come first, with the
excerpts in proper Vietnamese and the query marked; typing in the box searches; a filter
narrows; no match is said in Vietnamese; "ngay chu nhat so" finds "Ngày Chủ nhật số"; old and
new tone placement; sorting by date; hostile titles stay text; labels for every control; what a
query downloads; axe-core finds no serious or critical violation on the page (phone and desktop,
results shown, filters open).
"""

from __future__ import annotations

import gzip
import html
import json
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from pipeline.demo.localserver import LocalServer, send
from pipeline.site import search, searchtext
from tests.browser import AXE_JS, Browser, Tab, chromium_path, describe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium not installed"),
    pytest.mark.skipif(search.pagefind_binary() is None, reason="no pagefind binary"),
]

THEMES = {"nhan-thuc": "Nhận thức về chuyển đổi số", "van-ban": "Văn bản, chính sách",
          "dien-hinh": "Câu chuyện thành công", "trach-nhiem": "Vai trò, trách nhiệm"}
SOURCES = {"bao": "Báo Thái Bình", "dai": "Đài Phát thanh và Truyền hình",
           "cong": "Cổng thông tin điện tử tỉnh"}
HOSTILE_TITLE = 'Sở TT&TT: "Kế hoạch" <script>alert(1)</script> về chuyển đổi số'


@dataclass
class Art:
    slug: str
    title: str
    date: str                  # YYYY-MM-DD
    source: str
    themes: tuple[str, ...]
    body: str


# Our own texts, messy like the sources: old and new tone placement, one decomposed word,
# entities, an ASCII-only title.
ARTICLES = [
    Art("ngay-chu-nhat-so-xa-vu-ninh", "Ngày Chủ nhật số ở xã Vũ Ninh", "2024-03-10", "bao",
        ("nhan-thuc",),
        "Sáng Chủ nhật, đoàn viên thanh niên xã Vũ Ninh tổ chức **Ngày Chủ nhật số**, hướng dẫn "
        "người dân cài đặt ứng dụng định danh điện tử và thanh toán không dùng tiền mặt.\n\n"
        "Hơn 300 lượt người dân được hỗ trợ, góp phần đẩy mạnh chuyển đổi số ở cơ sở."),
    Art("ngay-chu-nhat-so-lan-hai", "Ngày Chủ nhật số lần thứ hai: hoà mạng cùng người dân",
        "2025-01-19", "dai", ("nhan-thuc", "dien-hinh"),
        "Tiếp nối thành công, huyện tổ chức Ngày Chủ nhật số lần thứ hai. Các tổ công nghệ số "
        "cộng đồng hướng dẫn dịch vụ công trực tuyến; chuyển đổi số đến từng hộ gia đình."),
    Art("hop-tac-xa-ban-hang-tren-san", "Hợp tác xã bán hàng trên sàn thương mại điện tử",
        "2023-06-02", "cong", ("dien-hinh",),
        "Nhờ chuyển đổi số, hợp tác xã đưa gạo và rau an toàn lên sàn thương mại điện tử, doanh "
        "thu tăng gấp đôi. Đây là mô hình điểm trong nông nghiệp số của tỉnh."),
    Art("ke-hoach-96", HOSTILE_TITLE, "2023-02-15", "cong", ("van-ban",),
        "UBND tỉnh ban hành Kế hoạch số 96/KH-UBND triển khai chuyển đổi số giai đoạn "
        "2023&ndash;2025, giao Sở Thông tin và Truyền thông chủ trì."),
    Art("hoi-nghi-hoa-giai", "Hội nghị tập huấn hòa giải ở cơ sở", "2024-08-20", "bao",
        ("trach-nhiem",),
        "Cán bộ tư pháp các xã được tập huấn kỹ năng hòa giải; người đứng đầu cơ quan chịu "
        "trách nhiệm ứng dụng công nghệ thông tin trong chuyển đổi số."),
    Art("doi-song-van-hoa", "Doi song van hoa o nong thon moi", "2022-11-05", "dai",
        ("nhan-thuc",),
        "Đời sống văn hoá ở nông thôn mới ngày càng phong phú; các câu lạc bộ hát chèo sinh hoạt "
        "đều đặn mỗi tuần."),
    Art("chinh-quyen-so-cap-xa", "Chính quyền số cấp xã: hồ sơ điện tử 100%", "2025-04-01",
        "bao", ("trach-nhiem", "nhan-thuc"),
        "Xã đạt 100% hồ sơ công việc xử lý trên môi trường mạng. Chu\u0309 tịch xã trực tiếp "
        "chỉ đạo chuyển đổi số, đối thoại với người dân qua mạng xã hội."),
    # Longer than searchtext.HEAD_WORDS: "Zalo" is only in the compacted tail.
    Art("thon-nong-thon-moi", "Thôn kiểu mẫu trong xây dựng nông thôn mới", "2021-09-09", "cong",
        ("van-ban",),
        " ".join(["Thôn tổ chức họp dân, bàn cách làm đường, trồng hoa và giữ vệ sinh chung."] * 12)
        + "\n\nMọi thông báo của thôn nay gửi qua nhóm Zalo, bà con ở xa cũng nắm được."),
] + [
    # More than one page of results for "ban tin ngan".
    Art(f"ban-tin-ngan-{i}", f"Bản tin ngắn số {i}", f"2020-02-{i + 1:02d}", "bao", ("trach-nhiem",),
        f"Bản tin ngắn thứ {i} về hoạt động của các xã trong tuần.")
    for i in range(11)
]

MKDOCS_YML = """\
site_name: Chuyển đổi số thử nghiệm
site_url: http://127.0.0.1/
docs_dir: site_src
site_dir: site
use_directory_urls: true
theme:
  name: material
  language: vi
  font: false
plugins: []
extra:
  generator: false
markdown_extensions:
  - attr_list
  - md_in_html
nav:
  - Trang chủ: index.md
  - Tìm kiếm: tim-kiem/index.md
not_in_nav: |
  /tin-tuc/
"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def article_markdown(art: Art) -> str:
    """An article page with the markup the article template carries (docs/search.md)."""
    year = art.date[:4]
    themes = ", ".join(f'<a href="../../../../chu-de/{t}/" data-pagefind-filter="chude">'
                       f"{esc(THEMES[t])}</a>" for t in art.themes)
    return f"""---
title: {json.dumps(art.title, ensure_ascii=False)}
---

<nav class="cds-crumbs" aria-label="Đường dẫn"><ol><li><a href="../../../../">Trang chủ</a></li></ol></nav>

<div class="cds-article" data-pagefind-body markdown>

<h1>{esc(art.title)}</h1>

<div class="cds-meta" data-pagefind-ignore="index">
<p class="cds-meta__date"><time datetime="{art.date}T08:30:00+07:00" data-pagefind-meta="date:{art.date}" data-pagefind-sort="date:{art.date}T08:30" data-pagefind-filter="nam:{year}">{art.date[8:]}/{art.date[5:7]}/{year} 08:30</time></p>
<p class="cds-meta__source">Nguồn: <a href="../../../../nguon/{art.source}/" data-pagefind-filter="nguon">{esc(SOURCES[art.source])}</a></p>
<p class="cds-meta__chu-de">Chủ đề: {themes}</p>
</div>

{art.body}

</div>

<section class="cds-related" data-pagefind-ignore="all" markdown="0"><h2>Tin liên quan</h2><ul><li>Chuyển đổi số tin khác không được tính</li></ul></section>
"""


def write_project(dest: Path, articles: list[Art] = ARTICLES) -> Path:
    """A MkDocs project in ``dest`` (mkdocs.yml, site_src/ with the search page and the
    articles); returns the mkdocs.yml path."""
    src = dest / "site_src"
    for rel, data in search.site_files().items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    (src / "index.md").write_text("# Trang chủ\n\nChuyển đổi số.\n", encoding="utf-8")
    for art in articles:
        page = src / "tin-tuc" / art.date[:4] / art.date[5:7] / art.slug / "index.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(article_markdown(art), encoding="utf-8")
    (dest / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    return dest / "mkdocs.yml"


def make_site(dest: Path, articles: list[Art] = ARTICLES, *, dirty: bool = False) -> Path:
    """A site built by MkDocs in ``dest/site`` (not indexed yet). ``dirty``: over the previous
    build, without emptying ``site/`` first (as ``cds build`` does when it is incremental)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    build(load_config(config_file=str(write_project(dest, articles))), dirty=dirty)
    return dest / "site"



# --- the search page in a tab (tests/browser.py) ---------------------------------------------------

def searches(tab: Tab) -> int:
    return int(tab.js("Number(document.getElementById('cds-search')?.dataset.searches || 0)"))


def search_page(tab: Tab, url: str) -> Result:
    """Open the search page at ``url`` and wait for its first search to end."""
    tab.goto(url)
    tab.wait("Number(document.getElementById('cds-search')?.dataset.searches || 0) > 0")
    return result(tab)


def type_query(tab: Tab, text: str) -> Result:
    """Type ``text`` into the search box as a person would, press Enter, wait."""
    before = searches(tab)
    tab.js("(() => { const i = document.getElementById('cds-q'); i.focus(); i.select(); })()")
    tab.call("Input.insertText", text=text)
    for kind in ("keyDown", "keyUp"):
        tab.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                 windowsVirtualKeyCode=13, nativeVirtualKeyCode=13,
                 **({"text": "\r"} if kind == "keyDown" else {}))
    tab.wait(f"Number(document.getElementById('cds-search').dataset.searches) > {before}"
             " && document.getElementById('cds-search').dataset.state !== 'busy'")
    time.sleep(DEBOUNCE_GRACE)          # the debounced search of the typing, if any, ends too
    tab.wait("document.getElementById('cds-search').dataset.state !== 'busy'")
    return result(tab)


def result(tab: Tab) -> Result:
    return Result(**tab.js(RESULT_JS))


DEBOUNCE_GRACE = 0.5
RESULT_JS = """(() => {
  const root = document.getElementById('cds-search');
  const text = (el) => el ? el.textContent : '';
  const items = [...document.querySelectorAll('#cds-results > li.cds-result')].map((li) => ({
    href: li.querySelector('.cds-result__title a').getAttribute('href'),
    title: text(li.querySelector('.cds-result__title a')),
    meta: text(li.querySelector('.cds-result__meta')),
    excerpt: text(li.querySelector('.cds-result__excerpt')),
    marks: [...li.querySelectorAll('.cds-result__excerpt mark')].map(text),
    found: [...li.querySelectorAll('.cds-result__found mark')].map(text),
  }));
  const options = {};
  for (const s of root.querySelectorAll('select')) options[s.id] = [...s.options].map((o) => o.value);
  return {state: root.dataset.state || '', status: text(document.getElementById('cds-status')),
          results: items, address: location.search, options,
          values: Object.fromEntries([...root.querySelectorAll('select, input')].map((e) => [e.id, e.value])),
          results_html: document.getElementById('cds-results').innerHTML};
})()"""


@dataclass
class Result:
    state: str
    status: str
    results: list[dict]
    address: str
    options: dict[str, list[str]]
    values: dict[str, str]
    results_html: str

    @property
    def hrefs(self) -> list[str]:
        return [r["href"] for r in self.results]


# --- the tests ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    dest = tmp_path_factory.mktemp("search-site")
    site_dir = make_site(dest)
    result = search.run_index(site_dir)
    assert result.pages == len(ARTICLES) and not result.skipped, result
    with LocalServer(site_dir) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


@pytest.fixture(scope="module")
def tab(browser):
    return browser.tab(1280, 900)


def url(site, **params) -> str:
    return site.url("/tim-kiem/") + ("?" + urlencode(params) if params else "")


def test_same_results_with_and_without_diacritics(site, tab):
    plain = search_page(tab, url(site, q="chuyen doi so"))
    marked = search_page(tab, url(site, q="chuyển đổi số"))
    caps = search_page(tab, url(site, q="CHUYEN DOI SO"))
    assert plain.state == "done", plain.status
    assert len(plain.results) >= 5
    # the same articles; the order may differ: Pagefind ranks the exact spelling a little
    # higher, which in the small per-year bundles (the index is split by year) can swap two
    assert sorted(plain.hrefs) == sorted(marked.hrefs) == sorted(caps.hrefs)
    assert plain.status == f"Tìm thấy {len(plain.results)} kết quả cho “chuyen doi so”."
    for page in (plain, marked):
        joined = " ".join(r["excerpt"] + r["title"] for r in page.results)
        assert "\u1e0f" not in joined and "\u1e0e" not in joined   # index forms never show
        assert "chuyển đổi số" in joined.lower()
        marks = {m.lower().strip(".,;:") for r in page.results for m in r["marks"]}
        assert {"chuyển", "đổi", "số"} <= marks


def test_typing_in_the_box_searches_and_updates_the_address(site, tab):
    search_page(tab, url(site))
    typed = type_query(tab, "chuyển đổi số")
    bare = type_query(tab, "chuyen doi so")
    assert typed.state == bare.state == "done"
    assert sorted(typed.hrefs) == sorted(bare.hrefs) and len(typed.results) == len(bare.results)
    assert bare.address == "?q=chuyen+doi+so"


def test_a_filter_narrows_the_results(site, tab):
    plain = search_page(tab, url(site, q="chuyen doi so"))
    theme = search_page(tab, url(site, q="chuyen doi so", chude="Câu chuyện thành công"))
    year = search_page(tab, url(site, q="chuyen doi so", nam="2024"))
    assert theme.state == year.state == "done"
    assert 0 < len(theme.results) < len(plain.results)
    assert set(theme.hrefs) <= set(plain.hrefs)
    assert theme.values["cds-f-chude"] == "Câu chuyện thành công"
    assert tab.js("document.getElementById('cds-filters').open") is True
    assert len(year.results) == 2 and all("/2024/" in h for h in year.hrefs)


def test_choosing_a_filter_in_the_form_narrows(site, tab):
    plain = search_page(tab, url(site, q="chuyen doi so"))
    tab.js("document.querySelector('#cds-filters > summary').click()")
    tab.wait("document.getElementById('cds-f-nguon').options.length > 1")
    before = searches(tab)
    tab.js("""(() => { const s = document.getElementById('cds-f-nguon');
        s.value = 'Đài Phát thanh và Truyền hình'; s.dispatchEvent(new Event('change')); })()""")
    tab.wait(f"Number(document.getElementById('cds-search').dataset.searches) > {before}")
    narrowed = result(tab)
    assert 0 < len(narrowed.results) < len(plain.results)
    assert all("Đài Phát thanh và Truyền hình" in r["meta"] for r in narrowed.results)
    assert "nguon=" in narrowed.address


def test_filter_options_are_filled_in_vietnamese_when_opened(site, tab):
    empty = search_page(tab, url(site))
    assert empty.state == "idle" and empty.status == "Nhập từ khóa để tìm bài viết."
    assert empty.options["cds-f-nguon"] == [""]            # not loaded until asked for
    tab.js("document.querySelector('#cds-filters > summary').click()")
    tab.wait("document.getElementById('cds-f-nguon').options.length > 1")
    empty = result(tab)
    assert set(SOURCES.values()) <= set(empty.options["cds-f-nguon"])
    assert set(THEMES.values()) <= set(empty.options["cds-f-chude"])   # đ, not the index form
    years = empty.options["cds-f-nam"][1:]
    assert years == sorted(years, reverse=True) and "2024" in years


def test_no_match_says_so_in_vietnamese(site, tab):
    page = search_page(tab, url(site, q="blockchain"))
    assert page.state == "done" and page.results == []
    assert page.status.startswith("Không tìm thấy kết quả nào cho “blockchain”.")


def test_words_pagefind_left_out_are_named(site, tab):
    page = search_page(tab, url(site, q="blockchain điện tử"))
    assert page.results                       # Pagefind searched "điện tử" alone …
    assert "Không bài nào có từ “blockchain”" in page.status     # … and the reader is told


def test_a_word_deep_in_a_long_article_is_found(site, tab):
    page = search_page(tab, url(site, q="nhom zalo"))
    assert page.hrefs == ["/tin-tuc/2021/09/thon-nong-thon-moi/"]
    # past the verbatim lead the indexed copy is choppy: the lead is shown, and what was found
    result = page.results[0]
    assert result["excerpt"].startswith("Thôn tổ chức họp dân, bàn cách làm đường, trồng hoa")
    assert result["excerpt"].endswith(" …") and "\u2042" not in result["excerpt"]
    assert result["found"] == ["nhóm", "Zalo"]
    # words in the lead: the excerpt is there, verbatim, with Pagefind's matches marked
    lead = search_page(tab, url(site, q="ve sinh chung"))
    result = lead.results[0]
    assert result["href"] == "/tin-tuc/2021/09/thon-nong-thon-moi/" and result["found"] == []
    assert {"vệ", "sinh", "chung."} <= set(result["marks"])
    assert "giữ vệ sinh chung." in result["excerpt"] and "\u2042" not in result["excerpt"]


def test_d_with_stroke_matches_plain_d(site, tab):
    marked = search_page(tab, url(site, q="Đời sống"))
    plain = search_page(tab, url(site, q="doi song"))
    assert marked.hrefs and sorted(marked.hrefs) == sorted(plain.hrefs)
    assert marked.hrefs[0] == plain.hrefs[0] == "/tin-tuc/2022/11/doi-song-van-hoa/"


def test_the_page_writes_queries_as_the_indexer_writes_text(site, tab):
    search_page(tab, url(site))
    samples = ["Đổi mới đời sống", "ĐIỆN TỬ", "Ðiện", "hoà hòa", "chu\u0309 tịch", "&#273; x"]
    module = site.url("/assets/search/cds-search.js")
    got = tab.js(f"import({json.dumps(module)}).then((m) => {json.dumps(samples)}"
                 ".map((s) => [m.toIndex(s), m.fromIndex(m.toIndex(s))]))")
    for sample, (index, shown) in zip(samples, got, strict=True):
        assert index == searchtext.index_form(unicodedata.normalize("NFC", sample)) or "&" in sample
        assert shown == searchtext.display_form(index)


def test_ngay_chu_nhat_so_finds_the_sunday_articles(site, tab):
    page = search_page(tab, url(site, q="ngay chu nhat so"))
    titles = [r["title"] for r in page.results]
    assert len(titles) >= 2 and all(t.startswith("Ngày Chủ nhật số") for t in titles[:2]), titles


def test_old_and_new_tone_placement_find_the_same_articles(site, tab):
    new = search_page(tab, url(site, q="hoà"))
    old = search_page(tab, url(site, q="hòa"))
    assert set(new.hrefs) == set(old.hrefs)
    assert any("hoa-giai" in h for h in new.hrefs)        # written "hòa"
    assert any("lan-hai" in h for h in new.hrefs)         # written "hoà"


def test_sort_by_date(site, tab):
    relevant = search_page(tab, url(site, q="chuyen doi so"))
    newest = search_page(tab, url(site, q="chuyen doi so", **{"sap-xep": "moi"}))
    oldest = search_page(tab, url(site, q="chuyen doi so", **{"sap-xep": "cu"}))

    def dates(page):
        return [r["meta"][6:10] + r["meta"][3:5] + r["meta"][0:2] for r in page.results]

    assert len(newest.results) == len(relevant.results)
    assert dates(newest) == sorted(dates(newest), reverse=True)
    assert dates(oldest) == sorted(dates(oldest))
    assert newest.values["cds-sort"] == "moi"


def test_filter_without_query_lists_the_source(site, tab):
    page = search_page(tab, url(site, nguon="Đài Phát thanh và Truyền hình"))
    assert page.state == "done" and len(page.results) == 2
    assert all("Đài Phát thanh và Truyền hình" in r["meta"] for r in page.results)


def test_hostile_title_stays_text(site, tab):
    page = search_page(tab, url(site, q="ke hoach 96"))
    assert page.results and page.results[0]["title"] == HOSTILE_TITLE
    assert "<script" not in page.results_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.results_html


def test_controls_are_labelled(site, tab):
    search_page(tab, url(site, q="chuyen doi so"))
    problems = tab.js("""(() => {
      const out = [];
      if (document.documentElement.lang !== 'vi') out.push('lang');
      for (const el of document.querySelectorAll('#cds-search input, #cds-search select')) {
        if (!el.labels || !el.labels.length || !el.labels[0].textContent.trim()) out.push('label:' + el.id);
      }
      for (const b of document.querySelectorAll('#cds-search button')) {
        if (!b.textContent.trim()) out.push('button');
      }
      if (!document.querySelector('#cds-search form[role=search]')) out.push('search landmark');
      const st = document.getElementById('cds-status');
      if (st.getAttribute('role') !== 'status') out.push('status');
      for (const li of document.querySelectorAll('#cds-results > li')) {
        if (!li.querySelector('h2 > a[href]')) out.push('result heading');
      }
      if (document.querySelectorAll('h1').length !== 1) out.push('h1');
      return out;
    })()""")
    assert problems == []


@pytest.mark.skipif(not AXE_JS.exists(), reason="node_modules/axe-core missing (npm ci)")
@pytest.mark.parametrize("width, mobile", [(390, True), (1280, False)])
def test_axe_finds_nothing_serious(site, browser, width, mobile):
    page = browser.tab(width, 844, mobile=mobile)
    try:
        search_page(page, url(site, q="chuyen doi so", nguon="Báo Thái Bình"))
        page.js("document.querySelector('#cds-filters > summary').click()")
        page.wait("document.getElementById('cds-f-nguon').options.length > 1")
        violations = [v for v in page.axe() if v["impact"] in ("serious", "critical")]
        assert violations == [], describe(violations)
    finally:
        page.close()


def test_more_results_one_page_at_a_time(site, tab):
    hidden = "getComputedStyle(document.getElementById('cds-more')).display === 'none'"
    page = search_page(tab, url(site, q="ban tin ngan"))
    assert page.status.startswith("Tìm thấy 11 kết quả") and len(page.results) == 10
    assert tab.js(hidden) is False
    tab.js("document.getElementById('cds-more').click()")
    tab.wait("document.querySelectorAll('#cds-results > li').length === 11")
    assert tab.js(hidden) is True
    # the keyboard lands on the first new result
    assert tab.js("document.activeElement === document.querySelector('#cds-results > li:nth-child(11) a')")
    few = search_page(tab, url(site, q="ngay chu nhat so"))
    assert len(few.results) == 2 and tab.js(hidden) is True


def test_a_site_without_an_index_says_search_is_unavailable(site, tab):
    gone = {"/pagefind/cds-periods.json": lambda h: send(h, 404, b"not found", "text/plain")}
    with LocalServer(site.folder, routes=gone) as bare:
        page = search_page(tab, bare.url("/tim-kiem/") + "?q=chuyen+doi+so")
    assert page.state == "error" and page.results == []
    assert page.status == "Chức năng tìm kiếm chưa sẵn sàng: trang web chưa có chỉ mục tìm kiếm."


def transfer(folder: Path, paths: list[str]) -> int:
    """Bytes on the wire for ``paths`` served by LocalServer (gzip above 256 bytes)."""
    total = 0
    for path in set(paths):
        data = (folder / path.lstrip("/")).read_bytes()
        total += len(gzip.compress(data, mtime=0)) if len(data) > 256 else len(data)
    return total


def test_what_a_query_downloads(site, browser):
    fresh = browser.tab()                     # its own cache
    before = len(site.requests)
    page = search_page(fresh, url(site, q="chuyen doi so"))
    assert page.state == "done"
    first = [p.split("?")[0] for _, p, _ in site.requests[before:]]
    bundle = [p for p in first if p.startswith("/pagefind/")]
    # the newest periods (years) holding search.SCOPE_MIN pages: here every year, one
    # pagefind.js and one WASM for all of them (merged bundles share the first one's)
    assert bundle[0] == "/pagefind/cds-periods.json"
    assert [p for p in bundle if p.endswith("pagefind.js")] == ["/pagefind/2025/pagefind.js"]
    assert [p for p in bundle if p.endswith(".pagefind")] == ["/pagefind/2025/wasm.unknown.pagefind"]
    assert not any("worker" in p or "-ui" in p for p in bundle)     # no worker, no Pagefind UI
    assert not any("/filter/" in p for p in bundle)                 # filters load when opened
    assert transfer(Path(site.folder), bundle) < 300_000
    before = len(site.requests)
    type_query(fresh, "ngay chu nhat so")
    again = [p.split("?")[0] for _, p, _ in site.requests[before:]]
    assert not any(p.endswith((".js", ".pagefind", ".pf_meta")) for p in again), again
