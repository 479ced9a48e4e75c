"""The legal documents register: the seeded Thái Bình entries validate; each editor mistake gives
one clear line; documents and articles link both ways; unknown citations are listed and
`docs add` turns one into a valid entry; the register page filters on data-* attributes, built
by real MkDocs and narrowed by the real script in headless Chromium; hostile titles are escaped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.errors import ConfigError
from pipeline.core.models import Article
from pipeline.core.text import clean_line, nfc
from pipeline.site.pages.register import register_pages
from pipeline.store import register as reg

ROOT = Path(__file__).resolve().parent.parent
TZ = timezone(timedelta(hours=7))
HOSTILE = 'Tin "độc" <script>alert(1)</script> & {{ config }} --- : <img src=x onerror=alert(2)>'


def art(aid: str, title: str, body: str, refs: list[str], when: str, *, status="published",
        source="bao-thai-binh") -> Article:
    published = datetime.fromisoformat(when).replace(tzinfo=TZ)
    slug = re.sub(r"[^a-z0-9]+", "-", aid)
    return Article(id=aid, title=title, url=f"https://baothaibinh.example/{aid}.htm", source=source,
                   published=published, harvested=published, body=body, doc_refs=refs,
                   status=status,
                   path=Path(f"articles/{published:%Y}/{published:%m}/{slug}.md"))


ARTICLES = [
    art("hoi-nghi-749", "Thái Bình quán triệt Chương trình chuyển đổi số quốc gia",
        "Sáng 12/5, tại hội trường UBND tỉnh, hơn 200 đại biểu dự hội nghị.\n\n"
        "Thực hiện Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ phê duyệt "
        "Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030; tỉnh đã "
        "ban hành nhiều văn bản chỉ đạo.",
        ["749/QĐ-TTg"], "2024-05-12T09:30:00"),
    art("hostile", HOSTILE, "Bài viết nhắc Quyết định 749/QĐ-TTg và Quyết định 1234/QĐ-UBND.",
        ["749/QĐ-TTg", "1234/QĐ-UBND"], "2024-06-01T08:00:00"),
    art("ke-hoach-2024", "Ban hành kế hoạch chuyển đổi số năm 2024",
        "Ngày 15/3, UBND tỉnh ban hành văn bản mới.\n"
        "Theo đó, Quyết định số 1234/QĐ-UBND ngày 14/3/2024 của Ủy ban nhân dân tỉnh về việc ban "
        "hành Kế hoạch chuyển đổi số tỉnh Thái Bình năm 2024.\n"
        "Đồng chí Phó Chủ tịch yêu cầu thực hiện nghiêm Quyết định 1234.",
        ["1234/QĐ-UBND"], "2024-03-15T16:05:00", source="cong-thong-tin"),
    art("cho-duyet", "Bài chờ duyệt nhắc 749/QĐ-TTg", "Quyết định 749/QĐ-TTg.", ["749/QĐ-TTg"],
        "2024-07-01T07:00:00", status="pending"),
]
SOURCES = {"bao-thai-binh": "Báo Thái Bình", "cong-thong-tin": "Cổng TTĐT tỉnh"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content" / "van-ban", tmp_path / "content" / "van-ban")
    return tmp_path


def write(root: Path, name: str, text: str) -> Path:
    path = root / "content" / "van-ban" / name
    path.write_text(text, encoding="utf-8")
    return path


def entry(**fields) -> str:
    base = {"number": "749/QĐ-TTg", "doc_type": "Quyết định", "issuer": "Thủ tướng Chính phủ",
            "issued": "2020-06-03", "title": "Phê duyệt Chương trình", "scope": "central"}
    base.update(fields)
    lines = [f"{k}: {v}" if v is not None else f"{k}:" for k, v in base.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


# --- the seeded register ---------------------------------------------------------------------

SEEDED = {"749/QĐ-TTg", "1726/QĐ-BTTTT", "02-NQ/TU", "571/QĐ-UBND", "96/KH-UBND", "50/TTr-STTTT",
          "52-NQ/TW", "57-NQ/TW", "942/QĐ-TTg", "411/QĐ-TTg", "06/QĐ-TTg"}


def test_seeded_entries_validate():
    assert reg.validate(ROOT / "content" / "van-ban") == []
    docs = reg.load_docs(ROOT / "content")
    assert {d.number for d in docs} == SEEDED
    by = {d.number: d for d in docs}
    assert by["749/QĐ-TTg"].issued == date(2020, 6, 3)
    assert by["02-NQ/TU"].scope == "provincial" and by["57-NQ/TW"].scope == "central"
    assert by["96/KH-UBND"].slug == "96-kh-ubnd"
    assert [d.issued for d in docs] == sorted((d.issued for d in docs), reverse=True)
    for d in docs:
        assert d.path == Path("van-ban") / f"{d.slug}.md"


def test_slugs():
    assert reg.slug_of("749/QĐ-TTg") == "749-qd-ttg"
    assert reg.slug_of("02-NQ/TU") == "02-nq-tu"
    assert reg.slug_of("13/2023/NĐ-CP") == "13-2023-nd-cp"


def test_register_slugs_follow_the_stores_stricter_rule():
    """One slug rule (core/urls.slug): the store's refusal of names Windows cannot hold as files,
    and its length bound, now hold for register pages and site path segments too."""
    from pipeline.core.urls import path_segment
    assert reg.slug_of("CON") == "con-van-ban"
    assert reg.slug_of("!!!") == "van-ban"
    assert path_segment("Nul") == "nul-bai-viet"
    assert len(path_segment("Hội nghị " * 20)) <= 80


# --- one clear message per problem -----------------------------------------------------------

W = "content/van-ban/bad.md: "


@pytest.mark.parametrize("text, message", [
    (entry(number="749 QĐ TTg"), "number: '749 QĐ TTg' is not a document number (expected a form "
                                 "such as 749/QĐ-TTg, 13/2023/NĐ-CP or 57-NQ/TW)"),
    (entry(number=None), "number: missing (such as 749/QĐ-TTg)"),
    (entry(doc_type="Nghị quyết"),
     "doc_type: 'Nghị quyết' does not match the number's type QĐ (Quyết định)"),
    (entry(number="02-NQ/TU", scope="provincial", doc_type="Quyết định"),
     "doc_type: 'Quyết định' does not match the number's type NQ (Nghị quyết)"),
    (entry(doc_type=None), "doc_type: missing (the number 749/QĐ-TTg says 'Quyết định')"),
    (entry(issued="2023-02-30"), "issued: '2023-02-30' is not a real date (day is out of range for "
                                 "month)"),
    (entry(issued="03/6/2020"), "issued: '03/6/2020' is not in the form YYYY-MM-DD: write "
                                "2020-06-03"),
    (entry(effective="sớm"), "effective: 'sớm' is not a date in the form YYYY-MM-DD"),
    (entry(number="13/2023/NĐ-CP", doc_type="Nghị định", issuer="Chính phủ",
           issued="2022-12-30"), "issued: 2022-12-30 is not in the number's year 2023"),
    (entry(scope="national"), "scope: 'national' is not one of central (Trung ương), provincial "
                              "(Tỉnh), local (Địa phương)"),
    (entry(scope=None), "scope: missing (central, provincial or local; the number suggests "
                        "central)"),
    (entry(status="đang áp dụng"), "status: 'đang áp dụng' is not one of còn hiệu lực, hết hiệu "
                                    "lực một phần, hết hiệu lực"),
    (entry(url="javascript:alert(1)"), "url: 'javascript:alert(1)' is not an http(s) address"),
    (entry(file="../../feeds.yml"), "file: '../../feeds.yml' must be a file inside "
                                    "content/van-ban/, such as tep/749-qd-ttg.pdf (a web address "
                                    "goes in url)"),
    (entry(file="tep/khong-co.pdf"), "file: 'tep/khong-co.pdf' does not exist in content/van-ban/"),
    (entry(isued="2020-06-03"), "isued: unknown key (did you mean 'issued'?)"),
    (entry(title="Về việc: phê duyệt"), "line 6: invalid front matter: mapping values are not "
                                        "allowed here (put a value containing ': ' or starting "
                                        "with a quote or [ in quotes)"),
    ("number: 749/QĐ-TTg\n", "does not start with a '---' front-matter line"),
    (entry(title="[1, 2]"), "title: must be text, not [1, 2]"),
])
def test_one_clear_message_per_problem(tmp_path, text, message):
    docs_dir = tmp_path / "content" / "van-ban"
    docs_dir.mkdir(parents=True)
    (docs_dir / "bad.md").write_text(text, encoding="utf-8")
    assert reg.validate(docs_dir) == [W + message]


def test_lenient_spellings_are_normalised(root):
    write(root, "749-qd-ttg.md", entry(number="749/QD-TTg", doc_type="quyết định",
                                        scope="Trung ương", status="Còn hiệu lực",
                                        issued="2020-6-3"))
    assert reg.validate(root / "content" / "van-ban") == []
    d = next(d for d in reg.load_docs(root / "content") if d.slug == "749-qd-ttg")
    assert (d.number, d.doc_type, d.scope, d.status, d.issued) == \
        ("749/QĐ-TTg", "Quyết định", "central", "còn hiệu lực", date(2020, 6, 3))


def test_duplicate_number_and_broken_entries_do_not_stop_the_others(root):
    write(root, "trung.md", entry(number="749/QD-TTg"))
    write(root, "hong.md", "---\ntitle: [\n---\n")
    problems = reg.validate(root / "content" / "van-ban")
    assert problems[0].startswith("content/van-ban/hong.md: line 3: invalid front matter")
    assert problems[1] == ("content/van-ban/trung.md: number: 749/QĐ-TTg is already in "
                           "content/van-ban/749-qd-ttg.md (one entry per document)")
    assert len(problems) == 2
    assert {d.number for d in reg.load_docs(root / "content")} == SEEDED


def test_an_invalid_optional_value_is_dropped_but_the_document_kept(root):
    write(root, "749-qd-ttg.md", entry(issued="2023-02-30", url="ftp://x"))
    d = next(d for d in reg.load_docs(root / "content") if d.slug == "749-qd-ttg")
    assert d.issued is None and d.url == "" and d.title == "Phê duyệt Chương trình"


def test_attachment_file(root):
    (root / "content" / "van-ban" / "tep").mkdir()
    (root / "content" / "van-ban" / "tep" / "749 qđ.pdf").write_bytes(b"%PDF-1.4")
    write(root, "749-qd-ttg.md", entry(file="tep/749 qđ.pdf", url="https://vanban.example/749"))
    assert reg.validate(root / "content" / "van-ban") == []
    docs = reg.load_docs(root / "content")
    assert reg.attachments(docs, root / "content") == {
        "van-ban/tep/749 qđ.pdf": root / "content" / "van-ban" / "tep" / "749 qđ.pdf"}
    page = register_pages(docs, [], site_title="T")["van-ban/749-qd-ttg/index.md"]
    assert '<a href="../tep/749%20q%C4%91.pdf">Tải tệp văn bản (749 qđ.pdf)</a>' in page
    assert '<a href="https://vanban.example/749" rel="noopener">Xem toàn văn' in page


# --- links both ways -------------------------------------------------------------------------

def test_article_citing_a_document_appears_on_its_page():
    docs = reg.load_docs(ROOT / "content")
    links = reg.doc_link_map(docs)
    assert links["749/QĐ-TTg"] == "van-ban/749-qd-ttg/"
    assert links["02-NQ/TU"] == "van-ban/02-nq-tu/"
    pages = register_pages(docs, ARTICLES, site_title="Chuyển đổi số Thái Bình",
                               source_names=SOURCES)
    page = pages["van-ban/749-qd-ttg/index.md"]
    assert page.startswith('---\ntitle: "Quyết định 749/QĐ-TTg"\n')
    related = page[page.index("Tin bài liên quan"):]
    first = related.index("../../tin-tuc/2024/06/hostile/")
    second = related.index("../../tin-tuc/2024/05/hoi-nghi-749/")
    assert first < second                                  # newest first
    assert "Thái Bình quán triệt Chương trình chuyển đổi số quốc gia" in related
    assert '<time datetime="2024-05-12T09:30:00+07:00">12/05/2024</time> · Báo Thái Bình' in related
    assert "cho-duyet" not in page                         # pending: no page to link to
    for label in ("Số hiệu", "Loại văn bản", "Cơ quan ban hành", "Ngày ban hành", "Trích yếu",
                  "Phạm vi", "Hiệu lực", "Tình trạng", "Người ký"):
        assert f'<th scope="row">{label}</th>' in page
    assert '<time datetime="2020-06-03">03/06/2020</time>' in page
    assert '"href": "van-ban/749-qd-ttg/rss.xml"' in page
    assert "Chưa có tin bài nào dẫn chiếu" in pages["van-ban/52-nq-tw/index.md"]


def test_notes_are_html_on_the_page():
    """An entry's notes (the editor's Markdown) are rendered and sanitised on its page: the page
    is HTML for any engine (a cds build used to show the Markdown as written)."""
    import dataclasses

    docs = [d for d in reg.load_docs(ROOT / "content") if d.number == "749/QĐ-TTg"]
    docs = [dataclasses.replace(docs[0], body="Ghi **chú** [văn bản](https://vanban.example.vn/1)."
                                "\n\n## Mục\n\n- một\n- hai\n\n<script>alert(1)</script>")]
    page = register_pages(docs, [], site_title="x", source_names=SOURCES)["van-ban/749-qd-ttg/index.md"]
    assert "<p>Ghi <strong>chú</strong> " in page and "**" not in page
    assert "<h3>Mục</h3>" in page and "<li>một</li>" in page
    assert "<script>" not in page


def test_publish_urls_win_over_the_derived_ones():
    docs = reg.load_docs(ROOT / "content")
    pages = register_pages(docs, ARTICLES, site_title="T",
                               urls={"hoi-nghi-749": "tin-tuc/2024/05/hoi-nghi-749-2/"})
    assert "../../tin-tuc/2024/05/hoi-nghi-749-2/" in pages["van-ban/749-qd-ttg/index.md"]


def test_doc_feeds():
    docs = reg.load_docs(ROOT / "content")
    feeds = {f.feed_dir: f for f in reg.doc_feed_targets(docs, ARTICLES)}
    assert len(feeds) == len(SEEDED)
    feed_dir, title, arts = feeds["van-ban/749-qd-ttg/"]
    assert title == "Quyết định 749/QĐ-TTg"
    assert [a.id for a in arts] == ["hostile", "hoi-nghi-749"]
    assert feeds["van-ban/52-nq-tw/"].articles == []


# --- unknown references and `docs add` -------------------------------------------------------

def test_unknown_reference_is_listed():
    docs = reg.load_docs(ROOT / "content")
    [ref] = reg.unknown_refs(docs, ARTICLES)
    assert (ref.number, ref.count) == ("1234/QĐ-UBND", 2)
    assert [a[0] for a in ref.articles] == ["hostile", "ke-hoach-2024"]
    assert ref.articles[1] == ("ke-hoach-2024", "Ban hành kế hoạch chuyển đổi số năm 2024",
                               Path("articles/2024/03/ke-hoach-2024.md"))
    notes = reg.check_messages(docs, ARTICLES)
    assert ("1234/QĐ-UBND: cited by 2 article(s) but not in the register "
            "(content/articles/2024/06/hostile.md, content/articles/2024/03/ke-hoach-2024.md); "
            "add it with: cds docs add '1234/QĐ-UBND'") in notes
    assert "content/van-ban/50-ttr-stttt.md: title empty: fill in from the document" in notes
    page = register_pages(docs, ARTICLES, site_title="T")["van-ban/chua-co/index.md"]
    assert "Văn bản được trích dẫn nhưng chưa có trong danh mục" in page
    assert "<td>1234/QĐ-UBND</td>" in page and "<td>2</td>" in page
    assert '<a href="../../tin-tuc/2024/03/ke-hoach-2024/">' in page
    index = register_pages(docs, ARTICLES, site_title="T")["van-ban/index.md"]
    assert '<a href="chua-co/">xem danh sách</a>' in index


def test_docs_add_turns_an_unknown_reference_into_a_valid_entry(root):
    path = reg.docs_add(root, "1234/QD-UBND", ARTICLES)
    assert path == root / "content" / "van-ban" / "1234-qd-ubnd.md"
    assert reg.validate(root / "content" / "van-ban") == []
    d = next(d for d in reg.load_docs(root / "content") if d.number == "1234/QĐ-UBND")
    assert d.doc_type == "Quyết định"
    assert d.issuer == "Ủy ban nhân dân tỉnh"
    assert d.issued == date(2024, 3, 14)
    assert d.title == "Về việc ban hành Kế hoạch chuyển đổi số tỉnh Thái Bình năm 2024"
    assert d.scope == "provincial"
    assert (d.signer, d.url, d.effective, d.status) == ("", "", None, "")
    text = path.read_text(encoding="utf-8")
    assert "issued: 2024-03-14\n" in text and "signer:\n" in text
    assert "# Câu trích dẫn:\n" in text
    assert "# - content/articles/2024/03/ke-hoach-2024.md: «Theo đó, Quyết định số" in text
    assert [r.number for r in reg.unknown_refs(reg.load_docs(root / "content"), ARTICLES)] == []


def test_docs_add_from_the_number_alone_keeps_the_year(root):
    path = reg.docs_add(root, "số 13/2023/ND-CP", [])
    text = path.read_text(encoding="utf-8")
    assert path.name == "13-2023-nd-cp.md"
    assert "number: 13/2023/NĐ-CP\ndoc_type: Nghị định\nissuer: Chính phủ\nissued:\ntitle:\n" \
           "scope: central\n" in text
    assert reg.validate(root / "content" / "van-ban") == []
    notes = reg.check_messages(reg.load_docs(root / "content"), [])
    assert "content/van-ban/13-2023-nd-cp.md: title, issued empty: fill in from the document" \
        in notes


def test_docs_add_refuses_existing_and_malformed(root):
    with pytest.raises(ConfigError) as exc:
        reg.docs_add(root, "749/QD-TTg", ARTICLES)
    assert exc.value.exit_code == 2
    assert str(exc.value) == ("content/van-ban/749-qd-ttg.md: 749/QĐ-TTg is already in the "
                              "register; edit that file")
    with pytest.raises(ConfigError) as exc:
        reg.docs_add(root, "749 QĐ", ARTICLES)
    assert str(exc.value) == ("'749 QĐ': not a document number (expected a form such as "
                              "749/QĐ-TTg, 13/2023/NĐ-CP or 57-NQ/TW)")
    write(root, "1234-qd-ubnd.md", "---\nnumber: [\n---\n")       # broken, same slug
    with pytest.raises(ConfigError, match="1234-qd-ubnd.md: already exists"):
        reg.docs_add(root, "1234/QĐ-UBND", ARTICLES)


def test_check_fields_and_docs_create(root):
    from pipeline.desk import docform
    doc, problems = reg.check_fields("1234/QĐ-UBND", {"doc_type": "Nghị quyết",
                                                      "issued": "2024-02-30", "scope": "",
                                                      "url": "ftp://x"})
    assert doc is None and [k for k, _ in problems] == ["doc_type", "issued", "scope", "url"]
    _, errors = docform.check("1234/QĐ-UBND", docform.values_of(
        {"doc_type": "Nghị quyết", "issued": "31/02/2024", "scope": "tinh"}))
    assert errors == {
        "doc_type": "Loại văn bản «Nghị quyết» không khớp với số hiệu 1234/QĐ-UBND: phải là "
                    "Quyết định.",
        "issued": "Ngày ban hành «31/02/2024» không phải là một ngày có thật; hãy viết theo "
                  "dạng ngày/tháng/năm, ví dụ 05/11/2023."}
    doc, problems = reg.check_fields("1234/QĐ-UBND", {"doc_type": "quyet dinh",
                                                      "issued": "2024-02-29", "scope": "tinh",
                                                      "title": "Về: «dữ liệu» số"})
    assert problems == [] and doc.doc_type == "Quyết định" and doc.scope == "provincial"
    path = reg.docs_create(root, doc)
    assert reg.validate(root / "content" / "van-ban") == []
    assert [d.title for d in reg.load_docs(root / "content")
            if d.number == "1234/QĐ-UBND"] == ["Về: «dữ liệu» số"]
    before = path.read_bytes()
    with pytest.raises(reg.EntryExists) as exc:
        reg.docs_create(root, doc)
    assert exc.value.path == "content/van-ban/1234-qd-ubnd.md" and path.read_bytes() == before


def test_docs_add_keeps_a_hostile_citation_in_a_harmless_comment(root):
    body = ("Quyết định số 777/QĐ-UBND ngày 01/02/2024 của UBND tỉnh về việc x\u2028title: hack"
            "\x85---\n")
    a = art("x", "t", body, ["777/QĐ-UBND"], "2024-02-02T10:00:00")
    path = reg.docs_add(root, "777/QĐ-UBND", [a])
    assert reg.validate(root / "content" / "van-ban") == []
    d = next(d for d in reg.load_docs(root / "content") if d.number == "777/QĐ-UBND")
    assert d.issued == date(2024, 2, 1)
    assert all(line.startswith(("#", "---")) or ":" in line
               for line in path.read_text(encoding="utf-8").splitlines() if line)


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60).map(clean_line)


@settings(max_examples=150, deadline=None)
@given(title=_text, issuer=_text, signer=_text, aliases=st.lists(_text.filter(bool), max_size=3),
       body=st.text(max_size=80).map(lambda b: re.sub(r"\A(?:[ \t]*\n)+", "",
                                                      nfc(b).replace("\r", "\n")).rstrip()),
       issued=st.none() | st.dates(min_value=date(1945, 1, 1), max_value=date(2099, 12, 31)))
def test_entry_round_trip(title, issuer, signer, aliases, body, issued):
    doc = reg.Doc(number="749/QĐ-TTg", doc_type="Quyết định", issuer=issuer, issued=issued,
                  title=title, scope="central", signer=signer, body=body,
                  slug="749-qd-ttg", aliases=aliases)
    back, problems = reg.parse_entry(reg.entry_text(doc))
    assert problems == []
    assert back == doc


# --- the pages -------------------------------------------------------------------------------

def test_register_rows_carry_the_filter_attributes():
    docs = reg.load_docs(ROOT / "content")
    index = register_pages(docs, ARTICLES, site_title="T")["van-ban/index.md"]
    rows = re.findall(r"<tr (data-scope=[^>]*)>", index)
    assert len(rows) == len(SEEDED)
    assert rows[0].startswith('data-scope="central" data-type="nghi-quyet" '
                              'data-issuer="bo-chinh-tri" data-year="2024" '
                              'data-search="57-nq/tw nghi quyet ve dot pha')
    assert 'data-scope="provincial" data-type="ke-hoach"' in index
    assert '<option value="central">Trung ương (7)</option>' in index
    assert '<option value="provincial">Tỉnh (4)</option>' in index
    assert '<option value="local">Địa phương (0)</option>' in index
    assert '<option value="quyet-dinh">Quyết định (6)</option>' in index
    assert '<option value="2022">2022 (3)</option>' in index
    for fid in ("loc-pham-vi", "loc-loai", "loc-co-quan", "loc-nam", "loc-tu-khoa"):
        assert f'<label for="{fid}">' in index and f'id="{fid}"' in index
    assert '<form id="van-ban-loc" class="cds-filter" role="search"' in index
    assert "(Đề án 06)" in index
    # every row links to its document page
    for d in docs:
        assert f'<a href="{d.slug}/">{d.number}</a>' in index


def test_hostile_article_titles_are_escaped():
    docs = reg.load_docs(ROOT / "content")
    pages = register_pages(docs, ARTICLES, site_title='<b>"T"</b>')
    for path, text in pages.items():
        if path.endswith(".md"):
            assert "<script>" not in text and "<img src=x" not in text and "<b>" not in text
    escaped = ("Tin &quot;độc&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ config }} --- "
               ": &lt;img src=x onerror=alert(2)&gt;")
    assert escaped in pages["van-ban/749-qd-ttg/index.md"]
    assert escaped in pages["van-ban/chua-co/index.md"]


def test_pages_are_deterministic():
    docs = reg.load_docs(ROOT / "content")
    one = register_pages(docs, ARTICLES, site_title="T", source_names=SOURCES)
    two = register_pages(list(reversed(docs)), list(reversed(ARTICLES)), site_title="T",
                             source_names=SOURCES)
    assert one == two


# --- built by MkDocs, filtered in a browser --------------------------------------------------

MKDOCS_YML = """site_name: Thử
site_url: https://example.org/
docs_dir: src
site_dir: site
use_directory_urls: true
theme:
  name: material
  language: vi
  font: false
  custom_dir: {overrides}
plugins: []
markdown_extensions: [toc, tables, attr_list, md_in_html]
extra_css: [assets/van-ban.css]
extra_javascript: [assets/van-ban-filter.js]
nav:
  - Văn bản: van-ban/index.md
not_in_nav: |
  /van-ban/*/
  /tin-tuc/
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    base = tmp_path_factory.mktemp("site")
    overrides = ROOT / "pipeline" / "templates" / "overrides"    # announces page.meta.feeds
    (base / "mkdocs.yml").write_text(MKDOCS_YML.format(overrides=overrides), encoding="utf-8")
    docs = reg.load_docs(ROOT / "content")
    files = register_pages(docs, ARTICLES, site_title="Thử", source_names=SOURCES)
    for a in ARTICLES:                          # stand-ins for publish's article pages
        if a.status == "published":
            url = f"tin-tuc/{a.path.parts[1]}/{a.path.parts[2]}/{a.path.stem}/index.md"
            files[url] = "# bài\n"
    files["ke-hoach.md"] = "# Kế hoạch\n"
    for rel, text in files.items():
        (base / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / "src" / rel).write_text(text, encoding="utf-8")
    build(load_config(config_file=str(base / "mkdocs.yml")))
    return base / "site"


def test_built_site_keeps_the_table_and_every_link_resolves(built):
    index = (built / "van-ban" / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<tr data-scope="(central|provincial|local)"', index)) == len(SEEDED)
    assert '<select id="loc-pham-vi" name="pham-vi" data-filter="scope">' in index
    assert "van-ban-filter.js" in index
    doc = (built / "van-ban" / "749-qd-ttg" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc and "<script>alert" not in doc
    assert 'rel="alternate feed" type="application/rss+xml" title="Quyết định 749/QĐ-TTg (RSS)"' in doc
    for page in built.glob("van-ban/**/index.html"):
        text = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#?]+)[^"]*"', text):
            if href.startswith(("http", "mailto:")) or href.endswith((".xml", ".json", ".css", ".js")) \
                    or "/assets/" in href or href.startswith("assets/"):
                continue
            target = (page.parent / href).resolve()
            assert target.exists() or (target / "index.html").exists(), f"{page}: {href}"


HARNESS = """<!doctype html><html><body><pre id="out"></pre><script>
var cases = %s, results = {};
cases.forEach(function (c) {
  var f = document.createElement("iframe");
  f.src = "index.html" + c.query;
  f.onload = function () {
    var d = f.contentDocument;
    if (c.set) {                                   // a reader picks a value in a filter
      var field = d.getElementById(c.set[0]);
      field.value = c.set[1];
      field.dispatchEvent(new Event(field.tagName === "SELECT" ? "change" : "input",
                                    {bubbles: true}));
    }
    results[c.query + (c.set ? " " + c.set.join("=") : "")] = {
      visible: [].filter.call(d.querySelectorAll("#van-ban-bang tbody tr"),
                              function (r) { return !r.hidden; })
                 .map(function (r) { return r.cells[0].querySelector("a").textContent; }),
      count: d.getElementById("van-ban-dem").textContent,
      empty: !d.getElementById("van-ban-trong").hidden,
      form: !d.getElementById("van-ban-loc").hidden,
      address: f.contentWindow.location.search
    };
    document.getElementById("out").textContent = JSON.stringify(results);
  };
  document.body.appendChild(f);
});
</script></body></html>
"""


@pytest.mark.browser
def test_filter_script_narrows_the_table_in_a_browser(built):
    """The real script in headless Chromium: filters read from the address, picked in the form,
    searched without diacritics; the empty message; the address kept in step."""
    import json

    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or \
        shutil.which("google-chrome")
    if not chromium:
        pytest.skip("no chromium")
    cases = [{"query": "?pham-vi=provincial&nam=2023"},
             {"query": "?tu-khoa=de+an+06"},
             {"query": "?loai=nghi-quyet&pham-vi=central"},
             {"query": "?pham-vi=local"},
             {"query": "?nam=1999"},                        # not an option: ignored
             {"query": "", "set": ["loc-co-quan", "thu-tuong-chinh-phu"]},
             {"query": "", "set": ["loc-tu-khoa", "chuyển đổi số TỈNH"]}]
    harness = built / "van-ban" / "harness.html"
    harness.write_text(HARNESS % json.dumps(cases), encoding="utf-8")
    out = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--allow-file-access-from-files", "--dump-dom", harness.as_uri()],
                         capture_output=True, text=True, timeout=60).stdout
    found = re.search(r'<pre id="out">(.*)</pre>', out)
    assert found, out[-2000:]
    res = json.loads(found.group(1).replace("&amp;", "&"))
    r = res["?pham-vi=provincial&nam=2023"]
    assert r["visible"] == ["96/KH-UBND", "50/TTr-STTTT"]
    assert r["count"] == "Hiển thị 2 trên 11 văn bản" and r["form"] and not r["empty"]
    assert res["?tu-khoa=de+an+06"]["visible"] == ["06/QĐ-TTg"]        # typed without marks
    assert res["?loai=nghi-quyet&pham-vi=central"]["visible"] == ["57-NQ/TW", "52-NQ/TW"]
    assert res["?pham-vi=local"]["visible"] == [] and res["?pham-vi=local"]["empty"]
    assert len(res["?nam=1999"]["visible"]) == 11
    assert res["?nam=1999"]["count"] == "11 văn bản"
    picked = res[" loc-co-quan=thu-tuong-chinh-phu"]
    assert picked["visible"] == ["411/QĐ-TTg", "06/QĐ-TTg", "942/QĐ-TTg", "749/QĐ-TTg"]
    assert picked["address"] == "?co-quan=thu-tuong-chinh-phu"
    # every word, anywhere in the row (number, type, trích yếu, issuer), case- and mark-blind
    assert res[" loc-tu-khoa=chuyển đổi số TỈNH"]["visible"] == [
        "96/KH-UBND", "571/QĐ-UBND", "02-NQ/TU", "1726/QĐ-BTTTT"]
