"""Site search without a browser: the form in which Pagefind reads the text (đ written ḏ), the
compacted copy of each page it indexes, and ``run_index`` on hand-written pages (the Pagefind
fragments it writes are read back: gzip + JSON), its failures and the search page's files.
The browser side is in test_search_browser.py."""

from __future__ import annotations

import gzip
import json
import shutil
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.core.text import fold
from pipeline.site import search, searchtext

needs_pagefind = pytest.mark.skipif(search.pagefind_binary() is None, reason="no pagefind binary")


# --- the index form ---------------------------------------------------------------------------

def test_index_form_writes_d_with_stroke_as_a_letter_pagefind_folds():
    assert searchtext.index_form("Đổi mới, đời sống") == "Ḏổi mới, ḏời sống"
    assert searchtext.index_form("&#273;&#x111;&#X111;&dstrok; &#272;&#x110;&Dstrok;") == "ḏḏḏḏ ḎḎḎ"
    assert searchtext.index_form("Ðiện ðường") == "Ḏiện ḏường"           # legacy Icelandic eth
    assert searchtext.index_form('<a href="/x" title="đ">Đ</a>') == '<a href="/x" title="ḏ">Ḏ</a>'
    assert searchtext.index_form("") == ""
    # ḏ decomposes to d + a combining mark, which Pagefind (and our fold) strips
    assert fold(searchtext.index_form("ĐỔI đổi")) == "doi doi" == fold("ĐỔI đổi")


@given(st.text(alphabet=st.characters(blacklist_characters="ḏḎðÐ&", blacklist_categories=("Cs",))))
def test_display_form_undoes_index_form(text):
    assert searchtext.display_form(searchtext.index_form(text)) == text


# --- the compacted copy -------------------------------------------------------------------------

def compact(text: str, head: int, repeats: int = 1) -> str:
    return searchtext._Compactor(head, repeats)(text)


def test_compactor_keeps_the_head_then_each_word_once():
    text = "số một số hai số ba sở so số bốn Số năm"
    assert compact(text, head=100) == text
    assert compact(text, head=3) == "số một số ⁂ hai ba bốn năm"      # ⁂: the tail starts
    # "sở", "so" and "Số" are "so" to Pagefind: once is enough after the head
    assert compact(text, head=3, repeats=3) == "số một số ⁂ hai số ba bốn năm"  # counts the head
    assert compact("a, b. a; (b) c", head=0) == "⁂ a, b. c"
    assert compact("a – b – a … b", head=0) == "⁂ a – b – …"  # punctuation is not a word
    assert compact(", hướng dẫn", head=9) == ", hướng dẫn"    # a tail after </strong>
    assert compact("  x  ", head=0) == " ⁂ x "


PAGE = """<!doctype html><html lang="vi"><head><title>t</title><script>var x = "đ";</script></head>
<body><header class="md-header">Trang chủ Tìm kiếm</header>
<nav class="cds-crumbs"><a href="/">Trang chủ</a></nav>
<span data-pagefind-meta="date:2024-05-01" data-pagefind-sort="date:2024-05-01">x</span>
<div class="cds-article" data-pagefind-body>
<h1>Chuyển đổi số ở xã Đông Hòa</h1>
<div class="cds-meta" data-pagefind-ignore="index">Nguồn: <a data-pagefind-filter="nguon">Đài Phát thanh</a>
số số số số số số số số</div>
<p>Người dân xã Đông Hòa học cách dùng dịch vụ công trực tuyến. Chuyển đổi số giúp người dân
<!-- a comment -->tiết kiệm thời gian. Chuyển đổi số.</p>
<nav>mục lục không tính</nav>
<p>Cuối bài: chuyển đổi số, hợp tác xã hữu cơ.</p>
</div>
<section class="cds-related" data-pagefind-ignore="all"><a>Tin khác chuyển đổi số</a></section>
<footer>Bản quyền</footer></body></html>"""


def test_index_copy_keeps_only_what_pagefind_reads():
    out = searchtext.index_copy(PAGE, head=1000)
    assert out.startswith("<!DOCTYPE html>") and '<html lang="vi">' in out
    for chrome in ("md-header", "cds-crumbs", "cds-related", "Bản quyền", "<script", "<title"):
        assert chrome not in out
    assert 'data-pagefind-meta="date:2024-05-01"' in out          # outside the body: kept
    assert 'data-pagefind-filter="nguon">Ḏài Phát thanh</a>' in out
    assert "Chuyển ḏổi số ở xã Ḏông Hòa" in out
    assert "đ" not in out and "Đ" not in out


def test_index_copy_compacts_after_the_head_only_the_indexed_text():
    out = searchtext.display_form(searchtext.index_copy(PAGE, head=8))
    assert "<h1>Chuyển đổi số ở xã Đông Hòa</h1>" in out                # 8 words: the head
    assert "số số số số số số số số" in out        # ignored: left as it is, not counted
    assert "mục lục không tính" in out              # <nav>: Pagefind skips it, so do we
    body = out.split("<p>", 1)[1]
    # after the head (the title and "Người") each word once: "người", "xã", "Đông", "Hòa",
    # "chuyển", "đổi", "số" are dropped
    assert body.startswith("Người ⁂ dân học cách dùng dịch vụ công trực tuyến. giúp "
                           "<!-- a comment -->tiết kiệm thời gian.</p>")
    assert "Cuối bài: hợp tác hữu cơ.</p>" in out


def test_index_copy_of_a_page_without_a_body_is_none():
    assert searchtext.index_copy("<html><body><p>Trang chủ</p></body></html>") is None
    assert searchtext.index_copy("<p>data-pagefind-body is mentioned in text</p>") is None
    assert searchtext.index_copy("") is None


# --- run_index ------------------------------------------------------------------------------------

def article(title: str, body: str, *, source: str = "Báo Thái Bình", year: str = "2024") -> str:
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
</head><body><nav>Trang chủ · Chủ đề · Lưu trữ</nav>
<div data-pagefind-body><h1>{title}</h1>
<p class="meta" data-pagefind-ignore><time data-pagefind-meta="date:{year}-01-02"
 data-pagefind-sort="date:{year}-01-02" data-pagefind-filter="nam:{year}">02/01/{year}</time>
 <a data-pagefind-filter="nguon">{source}</a> <a data-pagefind-filter="chude">Nhận thức</a></p>
{body}</div><section data-pagefind-ignore="all">Tin liên quan: quảng cáo</section></body></html>"""


def write(folder: Path, rel: str, text: str) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def fragments(bundle: Path) -> dict[str, dict]:
    """URL → fragment of every page in ``bundle``: one Pagefind output folder, or
    ``site/pagefind/`` (every period's)."""
    out = {}
    for path in bundle.rglob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        data = json.loads(raw[len(b"pagefind_dcd"):])
        out[data["url"]] = data
    return out


@pytest.fixture
def site(tmp_path):
    site = tmp_path / "site"
    long_body = " ".join(["<p>Chuyển đổi số ở cơ sở."] * 40) + " Lúa hữu cơ.</p>"
    write(site, "tin-tuc/2024/01/a/index.html",
          article("Chuyển đổi số ở xã Vũ Ninh", "<p>Người dân đổi mới cách làm.</p>"))
    write(site, "tin-tuc/2023/05/b/index.html",
          article("Đài truyền thanh thông minh", long_body, source="Đài PT-TH", year="2023"))
    write(site, "index.html", "<html lang='vi'><body><p>Trang chủ chuyển đổi số</p></body></html>")
    write(site, "chu-de/index.html", "<html lang='vi'><body><h1>Chủ đề</h1></body></html>")
    write(site, "assets/x.css", "body{}")
    return site


@needs_pagefind
def test_run_index_writes_a_bundle_of_the_marked_pages(site):
    res = search.run_index(site)
    assert (res.pages, res.skipped) == (2, ""), res
    bundle = site / "pagefind"
    # split by year: one bundle per period, newest first in cds-periods.json
    assert sorted(search.period_bundles(site)) == ["2023", "2024"]
    for year in ("2023", "2024"):
        assert (bundle / year / "pagefind.js").is_file()
        assert (bundle / year / "pagefind-entry.json").is_file()
        assert not (bundle / year / "pagefind-ui.js").exists()       # Pagefind's UIs: not ours
    periods = json.loads((bundle / search.PERIODS_MANIFEST).read_text())
    assert [(p["key"], p["years"], p["pages"], p["bundle"]) for p in periods["periods"]] == [
        ("2024", ["2024"], 1, True), ("2023", ["2023"], 1, True)]
    assert periods["scope_min"] == search.SCOPE_MIN
    counts = json.loads((bundle / search.FILTERS_FILE).read_text())
    assert counts == {"nam": {"2024": 1, "2023": 1}, "chude": {"Nhận thức": 2},
                      "nguon": {"Báo Thái Bình": 1, "Ḏài PT-TH": 1}}
    manifests = {search.PERIODS_MANIFEST, search.FILTERS_FILE}
    files = [p for d in (bundle, site / search.RECENT_DIR) for p in d.rglob("*")
             if p.is_file() and p.name not in manifests]
    assert res.files == len(files) and res.bytes == sum(p.stat().st_size for p in files)
    assert res.seconds > 0
    frags = fragments(bundle)
    assert set(frags) == {"/tin-tuc/2024/01/a/", "/tin-tuc/2023/05/b/"}
    a = frags["/tin-tuc/2024/01/a/"]
    assert searchtext.display_form(a["meta"]["title"]) == "Chuyển đổi số ở xã Vũ Ninh"
    assert searchtext.display_form(a["content"]) == ("Chuyển đổi số ở xã Vũ Ninh. "
                                                 "Người dân đổi mới cách làm.")
    assert a["meta"]["date"] == "2024-01-02"
    assert a["filters"] == {"nam": ["2024"], "nguon": ["Báo Thái Bình"], "chude": ["Nhận thức"]}
    b = frags["/tin-tuc/2023/05/b/"]
    assert searchtext.display_form(b["filters"]["nguon"][0]) == "Đài PT-TH"
    assert "quảng cáo" not in b["content"] and "Trang chủ" not in b["content"]
    content = searchtext.display_form(b["content"])
    assert content.count("Chuyển đổi số") < 40 and content.endswith("Lúa hữu.")  # "cơ" = "co" of "cơ sở"
    # nothing left behind: no staging folders, no copy
    assert sorted(p.name for p in site.iterdir()) == ["assets", "chu-de", "index.html",
                                                      "pagefind", "pagefind-recent", "tin-tuc"]
    assert not any(p.name.startswith(".cds-search-") for p in site.parent.iterdir())


@needs_pagefind
def test_run_index_again_with_nothing_changed_touches_nothing(site):
    first = search.run_index(site)
    stamps = {p: p.stat().st_mtime_ns for p in (site / "pagefind").rglob("*")}
    again = search.run_index(site)
    assert again.unchanged and not first.unchanged
    assert (again.pages, again.files, again.bytes) == (first.pages, first.files, first.bytes)
    assert {p: p.stat().st_mtime_ns for p in (site / "pagefind").rglob("*")} == stamps
    # chrome around the article is not what Pagefind reads: still nothing to do
    page = site / "tin-tuc/2024/01/a/index.html"
    page.write_text(page.read_text().replace("Lưu trữ", "Kho lưu trữ"), encoding="utf-8")
    assert search.run_index(site).unchanged
    page.write_text(page.read_text().replace("đổi mới", "thay đổi"), encoding="utf-8")
    assert not search.run_index(site).unchanged


@needs_pagefind
def test_a_page_gone_is_left_out_by_the_recent_bundle_then_by_a_full_rebuild(site):
    search.run_index(site)
    before = fragments(site / "pagefind")
    gone_id = search.bundle_ids(site / "pagefind" / "2023")["/tin-tuc/2023/05/b/"]
    (site / "tin-tuc/2023/05/b/index.html").unlink()
    res = search.run_index(site)
    assert (res.pages, res.base, res.delta, res.stale) == (1, False, 0, 1)
    assert fragments(site / "pagefind") == before                       # the base untouched
    recent = json.loads((site / search.RECENT_DIR / search.RECENT_MANIFEST).read_text())
    assert (recent["stale"], recent["bundle"]) == ([gone_id], False)
    assert not (site / search.RECENT_DIR / "pagefind.js").exists()      # nothing new to index
    res = search.run_index(site, full=True)
    assert res.base and res.pages == 1
    assert set(fragments(site / "pagefind")) == set(before) - {"/tin-tuc/2023/05/b/"}
    assert sorted(search.period_bundles(site)) == ["2024"]                # its year is gone
    assert recent_manifest(site)[1:] == (False, [], [])


@needs_pagefind
def test_run_index_without_marked_pages_skips(tmp_path):
    site = tmp_path / "site"
    write(site, "index.html", "<html><body><h1>Trang chủ</h1></body></html>")
    res = search.run_index(site)
    assert res.pages == 0 and "data-pagefind-body" in res.skipped
    assert res.warnings and res.warnings[0].startswith("search: ")
    assert not (site / "pagefind").exists()


def test_run_index_without_pagefind_skips_with_a_warning(site, tmp_path):
    res = search.run_index(site, binary=tmp_path / "no-such-pagefind")
    assert res.skipped.startswith("no Pagefind binary")
    assert res.warnings == [f"search: {res.skipped}; the site is built without search"]
    assert not (site / "pagefind").exists()


def test_a_failing_pagefind_is_one_line(site, tmp_path):
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: could not parse the site' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    (site / "pagefind").mkdir()
    (site / "pagefind" / "old.txt").write_text("previous index")
    with pytest.raises(search.SearchError) as err:
        search.run_index(site, binary=fake)
    assert str(err.value) == "search: Pagefind failed (exit 3): Error: could not parse the site"
    assert (site / "pagefind" / "old.txt").read_text() == "previous index"   # kept
    assert not (site / ".pagefind-new").exists()


def test_a_missing_site_is_an_error(tmp_path):
    with pytest.raises(search.SearchError, match="no built site"):
        search.run_index(tmp_path / "site")


# --- the search page ----------------------------------------------------------------------------

def test_site_files_are_the_page_and_its_assets():
    files = search.site_files()
    assert set(files) == {"tim-kiem/index.md", "assets/search/cds-search.js",
                          "assets/search/cds-search.css"}
    page = files["tim-kiem/index.md"].decode()
    assert page == search.search_page_markdown()
    assert page.startswith("---\ntitle: Tìm kiếm\n")
    assert 'src="../assets/search/cds-search.js"' in page
    assert 'href="../assets/search/cds-search.css"' in page
    assert 'data-pagefind-ignore="all"' in page              # the page is never indexed
    for control in ("cds-q", "cds-f-chude", "cds-f-nguon", "cds-f-nam", "cds-sort"):
        assert f'for="{control}"' in page and f'id="{control}"' in page
    js = files["assets/search/cds-search.js"].decode()
    assert "innerHTML" not in js                              # results are built as nodes
    assert "../../pagefind/" in js


def test_search_box_links_to_the_search_page():
    assert 'action="tim-kiem/"' in search.search_box_html("")
    box = search.search_box_html("chu-de/nhan-thuc/")
    assert 'action="../../tim-kiem/"' in box
    assert '<label for="cds-searchbox-q">' in box and 'name="q"' in box


# --- the cache of copies: only changed pages are parsed, output as from a full re-index ----------

def _bundle_files(bundle: Path) -> dict[str, bytes]:
    return {p.relative_to(bundle).as_posix(): p.read_bytes()
            for p in sorted(bundle.rglob("*")) if p.is_file()}


def recent_manifest(site: Path) -> tuple[Path, bool, list, list]:
    """The recent bundle's manifest: (folder, has a bundle, its ids, the base ids it drops)."""
    folder = site / search.RECENT_DIR
    data = json.loads((folder / search.RECENT_MANIFEST).read_text())
    assert (folder / "pagefind.js").is_file() == data["bundle"]
    return folder, data["bundle"], data["ids"], data["stale"]


def served(site: Path) -> dict[str, dict]:
    """What the search page searches: the base's pages less those the recent bundle replaces
    or drops, plus the recent bundle's."""
    base = site / "pagefind"
    ids = {v: k for b in search.period_bundles(site).values() for k, v in search.bundle_ids(b).items()}
    out = fragments(base)
    recent = site / search.RECENT_DIR
    if recent.is_dir():
        manifest = json.loads((recent / search.RECENT_MANIFEST).read_text())
        for page_id in manifest["stale"]:
            del out[ids[page_id]]
        if manifest["bundle"]:
            assert not set(fragments(recent)) & set(out)
            out.update(fragments(recent))
    return out


@needs_pagefind
def test_only_changed_pages_are_indexed_and_the_search_equals_a_full_reindex(site, tmp_path):
    first = search.run_index(site)
    assert first.parsed == 2 and first.base
    cache = site.parent / ".cds" / "search"
    assert sum(1 for p in cache.rglob("*") if p.is_file() and p.parent != cache) == 2
    page = site / "tin-tuc/2024/01/a/index.html"
    page.write_text(page.read_text().replace("đổi mới", "thay đổi"), encoding="utf-8")
    write(site, "tin-tuc/2025/02/c/index.html",
          article("Sàn thương mại điện tử cho hợp tác xã", "<p>Đăng ký bán hàng trực tuyến.</p>",
                  year="2025"))
    again = search.run_index(site)
    # a and c parsed (not b); only they went through Pagefind, into the recent bundle
    assert (again.parsed, again.pages, again.unchanged, again.base) == (2, 3, False, False)
    assert (again.delta, again.stale) == (2, 1)                          # a's old copy left out
    assert set(fragments(site / search.RECENT_DIR)) == {"/tin-tuc/2024/01/a/", "/tin-tuc/2025/02/c/"}
    assert sum(1 for p in cache.rglob("*") if p.is_file() and p.parent != cache) == 3  # a's old copy removed
    assert search.run_index(site).unchanged                                 # nothing new: no work
    # the same pages indexed from nothing (another cache, another copy of the site)
    fresh = tmp_path / "fresh" / "site"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("pagefind*"))
    whole = search.run_index(fresh, cache_dir=tmp_path / "fresh-cache")
    assert whole.parsed == 3 and whole.base
    assert served(site) == served(fresh) == fragments(fresh / "pagefind")   # what each page holds
    # without the cache (deleted, say) everything is parsed again, to the same search
    shutil.rmtree(cache)
    rebuilt = search.run_index(site)
    assert rebuilt.parsed == 3 and rebuilt.unchanged
    assert served(site) == served(fresh)
    # a full rebuild folds the recent pages into the base
    folded = search.run_index(site, full=True)
    assert folded.base and recent_manifest(site)[1:] == (False, [], [])
    assert fragments(site / "pagefind") == fragments(fresh / "pagefind")


@needs_pagefind
def test_with_what_the_build_wrote_only_those_pages_are_read(site, tmp_path):
    """run_index(changes=…): the pages the site build wrote are re-indexed and no other page is
    looked at (a page changed behind the build's back keeps its old entry), unless the last run
    did not index the build just before (then every page is, as without ``changes``)."""
    def html(folder: Path) -> list[str]:
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                      if not p.relative_to(folder).as_posix().startswith("pagefind"))

    def changes(since, now, written, static=()):
        outputs = html(site)
        return search.Changes(since=since, now=now, outputs=outputs,
                              pages=[r for r in outputs if r not in static], written=written)

    write(site, "embed/cot.html", article("Cột nhúng", "<p>Bản cũ.</p>"))   # copied, not rendered
    first = search.run_index(site, changes=changes(None, "build-1", html(site), ["embed/cot.html"]))
    assert first.walked and first.parsed == 3 and first.pages == 3
    # build 2 wrote a and c; b changed behind its back (a test's doing: a build never does)
    a, b = site / "tin-tuc/2024/01/a/index.html", site / "tin-tuc/2023/05/b/index.html"
    a.write_text(a.read_text().replace("đổi mới", "thay đổi"), encoding="utf-8")
    b.write_text(b.read_text().replace("Lúa hữu cơ", "Rau sạch"), encoding="utf-8")
    write(site, "tin-tuc/2025/02/c/index.html", article("Sàn thương mại", "<p>Hợp tác xã.</p>",
                                                        year="2025"))
    write(site, "embed/cot.html", article("Cột nhúng", "<p>Bản mới.</p>"))
    told = ["tin-tuc/2024/01/a/index.html", "tin-tuc/2025/02/c/index.html"]
    again = search.run_index(site, changes=changes("build-1", "build-2", told, ["embed/cot.html"]))
    assert not again.walked and again.parsed == 3 and again.pages == 4      # a, c, the copied page
    texts = {url: " ".join(f["content"].split()) for url, f in served(site).items()}
    assert "thay đổi".replace("đ", "ḏ") in texts["/tin-tuc/2024/01/a/"]
    assert "/tin-tuc/2025/02/c/" in texts and "Bản mới" in texts["/embed/cot.html"]
    assert "Lúa hữu" in texts["/tin-tuc/2023/05/b/"]                         # b not read
    # a page gone (the build's outputs no longer have it) leaves the index
    shutil.rmtree(site / "tin-tuc/2025/02/c")
    gone = search.run_index(site, changes=changes("build-2", "build-3", [], ["embed/cot.html"]))
    assert not gone.walked and gone.pages == 3 and gone.parsed == 0
    assert "/tin-tuc/2025/02/c/" not in served(site)
    # the last run indexed another build (one without search, say): every page is looked at
    other = search.run_index(site, changes=changes("build-9", "build-10", [], ["embed/cot.html"]))
    assert other.walked and other.parsed == 1
    assert "Rau sạch" in " ".join(served(site)["/tin-tuc/2023/05/b/"]["content"].split())
    # a run without ``changes`` leaves no build stamp: the next one looks at every page
    search.run_index(site)
    assert search.run_index(site, changes=changes("build-10", "build-11", [])).walked


@needs_pagefind
def test_the_base_is_rebuilt_when_the_recent_bundle_would_grow_too_large(site):
    search.run_index(site)
    for i in range(2):
        write(site, f"tin-tuc/2025/03/n{i}/index.html",
              article(f"Tin mới số {i}", "<p>Nội dung mới.</p>", year="2025"))
    res = search.run_index(site, delta_max=1)
    assert res.base and res.pages == 4 and recent_manifest(site)[1:] == (False, [], [])
    write(site, "tin-tuc/2025/03/n9/index.html", article("Tin mới nữa", "<p>Ít thôi.</p>"))
    res = search.run_index(site, delta_max=1)
    assert (res.base, res.delta) == (False, 1)


# --- periods: the index split by year, a large year by months --------------------------------------

def _page(rel: str, year: str, month: int) -> search._Page:
    return search._Page(rel, "k", "d", year, month, {"nam": [year]} if year else {})


def test_periods_are_years_and_a_large_year_is_split_by_months():
    pages = ([_page(f"a{m}", "2025", m) for m in (1, 2, 5, 12)] + [_page("b", "2024", 3)]
             + [_page("c", "", 0)])
    labels = search.assign_periods(pages, period_max=2)
    # 2025 holds 4 pages > 2: split in the fewest parts holding ≤ 2 each (2: half-years)
    assert [p.period for p in pages] == ["2025-01", "2025-01", "2025-01", "2025-07", "2024",
                                         search.UNDATED]
    assert labels == {"2025-01": "tháng 1–6/2025", "2025-07": "tháng 7–12/2025",
                      "2024": "năm 2024", search.UNDATED: "bài không ghi ngày"}
    assert sorted(labels, key=search._period_order) == ["2025-07", "2025-01", "2024", search.UNDATED]
    search.assign_periods(pages, period_max=1)           # 4 pages, ≤ 1 each: 4 parts (quarters)
    assert [p.period for p in pages[:4]] == ["2025-01", "2025-01", "2025-04", "2025-10"]
    search.assign_periods(pages, split=False)
    assert {p.period for p in pages} == {search.ONE_PERIOD}


@needs_pagefind
def test_a_year_larger_than_a_period_gets_a_bundle_per_part(site):
    for i, month in enumerate((2, 9)):
        write(site, f"tin-tuc/2025/{month:02d}/n{i}/index.html",
              article(f"Tin số {i}", "<p>Nội dung.</p>", year="2025").replace(
                  "date:2025-01-02", f"date:2025-{month:02d}-02"))
    res = search.run_index(site, period_max=1)
    assert res.base and sorted(search.period_bundles(site)) == ["2023", "2024", "2025-01", "2025-07"]
    periods = json.loads((site / "pagefind" / search.PERIODS_MANIFEST).read_text())["periods"]
    assert [(p["key"], p["label"], p["years"]) for p in periods] == [
        ("2025-07", "tháng 7–12/2025", ["2025"]), ("2025-01", "tháng 1–6/2025", ["2025"]),
        ("2024", "năm 2024", ["2024"]), ("2023", "năm 2023", ["2023"])]
