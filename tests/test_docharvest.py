"""Document portals (`kind: documents`) harvested over loopback into the legal register: table
shapes portals use, detail pages, files checked and capped, confinement, duplicates, editors'
entries left alone, review, the text of the files, and the "Văn bản mới" feeds."""

from __future__ import annotations

import importlib.util
import io
import tracemalloc
import zipfile
from datetime import date, timedelta, timezone
from html import escape
from pathlib import Path

import feedparser
import pytest

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.errors import ConfigError, FetchError
from pipeline.demo.localserver import LocalServer, serve_validated
from pipeline.harvest import docfiles, docharvest, doclisting
from pipeline.harvest.fetch import Fetcher
from pipeline.site.pages import register as register_site
from pipeline.site.pages.register import register_pages
from pipeline.store import register
from tests.conftest import DEMO, make_root

_spec = importlib.util.spec_from_file_location("pdfgen", DEMO / "pdfgen.py")
pdfgen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pdfgen)

TZ = timezone(timedelta(hours=7))
MIB = 1024 * 1024

PLAN_PDF = pdfgen.text_pdf(["ỦY BAN NHÂN DÂN TỈNH THÁI BÌNH", "Số: 96/KH-UBND",
                            "Kế hoạch truyền thông về chuyển đổi số giai đoạn 2023 - 2025.",
                            "Căn cứ Quyết định số 749/QĐ-TTg của Thủ tướng Chính phủ;",
                            "Căn cứ Quyết định số 1234/QĐ-UBND của Ủy ban nhân dân tỉnh."])
DECISION_PDF = pdfgen.text_pdf(["QUYẾT ĐỊNH số 1234/QĐ-UBND",
                                "Phê duyệt Đề án chuyển đổi số tỉnh đến năm 2025."])
SCAN_PDF = pdfgen.scanned_pdf()


def table(rows: list[tuple[str, str, str, str, str, str]], next_href: str = "") -> str:
    """A listing table, one row per document: number, date, issuer, summary, detail, file."""
    body = "".join(
        f'<tr><td class="so">{escape(n)}</td><td class="ngay">{d}</td><td class="cq">{escape(i)}'
        f'</td><td class="ty"><a href="{link}">{escape(s)}</a></td>'
        f'<td class="tep">{f"<a href={chr(34)}{f}{chr(34)}>Tải về</a>" if f else ""}</td></tr>'
        for n, d, i, s, link, f in rows)
    nxt = f'<a class="next" href="{next_href}">Sau</a>' if next_href else ""
    return (f'<html><body><table class="vb"><thead><tr><th>Số</th></tr></thead><tbody>{body}'
            f'</tbody></table><div class="pg">{nxt}</div></body></html>')


class Portal:
    """A document portal served from a dict the test can change between runs."""

    def __init__(self, server: LocalServer):
        self.server = server

    def put(self, path: str, body: bytes | str, ctype: str = "text/html; charset=utf-8"):
        data = body.encode("utf-8") if isinstance(body, str) else body

        def route(h, data=data, ctype=ctype):
            serve_validated(h, data, ctype, mtime=1_700_000_000.0)
        self.server.routes[path] = route

    def requested(self, path: str) -> int:
        return sum(1 for p in self.server.paths_requested() if p.split("?")[0] == path)


ROW_SOURCE = """
  - id: vb
    name: Văn bản tỉnh
    kind: documents
    url: "{base}/vb/index.html"
    keywords: [chuyển đổi số]
    documents:
      row: table.vb tbody tr
      number: td.so
      date: td.ngay
      issuer: td.cq
      summary: td.ty
      link: td.ty a
      file: td.tep a
      next: .pg a.next
      max_pages: 2
"""


def feeds(base: str, sources: str = ROW_SOURCE) -> str:
    return ("site:\n  title: Thử\n  url: http://127.0.0.1:8000/\n"
            "defaults:\n  timeout: 10\n  concurrency: 2\nsources:" + sources.replace("{base}", base))


def entry(root: Path, slug: str) -> str:
    return (root / "content" / "van-ban" / f"{slug}.md").read_text(encoding="utf-8")


def docs_of(root: Path) -> dict[str, register.Doc]:
    return {d.number: d for d in register.load_docs(root / "content")}


# --- a table portal: the shapes, the checks, a second run ---------------------------------------

@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """One portal, harvested once (and a second time, unchanged)."""
    root = tmp_path_factory.mktemp("vb") / "root"
    with LocalServer() as server, LocalServer() as other:
        p = Portal(server)
        p.put("/vb/index.html", table([
            ("Số: 96 /KH-UBND", "17/07/2023", "UBND tỉnh Thái Bình",
             "Kế hoạch truyền thông về chuyển đổi số giai đoạn 2023 - 2025", "ct/96.html",
             "tep/kh-96.pdf"),
            ("1234/QĐ-UBND", "5-3-2024", "Ủy ban nhân dân tỉnh Thái Bình",
             "Phê duyệt Đề án chuyển đổi số tỉnh đến năm 2025", "ct/1234.html", "tep/qd.pdf"),
            ("12/KH-UBND", "17-7-2023", "UBND huyện Vũ Thư",
             "Kế hoạch chuyển đổi số cấp huyện (bản chụp)", "ct/12.html", "tep/scan.pdf"),
            ("33/KH-UBND", "01/02/2024", "UBND tỉnh Thái Bình",
             "Kế hoạch tổ chức giải bóng đá thanh niên", "ct/33.html", "tep/bd.pdf"),
            ("45/TB-UBND", "02/02/2024", "UBND tỉnh Thái Bình",
             "Thông báo lịch tiếp nhận hồ sơ chuyển đổi số", "ct/45.html", "tep/tb.pdf"),
        ], next_href="trang-2.html"))
        p.put("/vb/trang-2.html", table([
            ("1234/QĐ-UBND", "05/03/2024", "UBND tỉnh Thái Bình",                 # listed twice
             "Phê duyệt Đề án chuyển đổi số tỉnh đến năm 2025", "ct/1234.html", "tep/qd.pdf"),
            ("08/CT-UBND", "10/01/2024", "UBND tỉnh Thái Bình",
             "Chỉ thị đẩy mạnh chuyển đổi số", "ct/08.html", f"{other.base}/tep/ct.pdf"),
            ("Số: 60/KH-STTTT", "11/01/2024", "Sở Thông tin và Truyền thông",
             "Kế hoạch số hóa hồ sơ phục vụ chuyển đổi số", "ct/60.html", "tep/lon.pdf"),
            ("77/KH-UBND", "12/01/2024", "UBND tỉnh Thái Bình",
             "Kế hoạch chuyển đổi số ngành y tế", "ct/77.html", "tep/chuyen.pdf"),
        ]))
        p.put("/vb/tep/kh-96.pdf", PLAN_PDF, "application/pdf")
        p.put("/vb/tep/qd.pdf", DECISION_PDF, "application/pdf")
        p.put("/vb/tep/scan.pdf", SCAN_PDF, "application/pdf")
        p.put("/vb/tep/bd.pdf", DECISION_PDF, "application/pdf")
        p.put("/vb/tep/tb.pdf", "<html><body>Không tìm thấy tệp</body></html>", "application/pdf")
        other_hits = []

        def away(h):                # a file on the portal that redirects to another site
            h.send_response(302)
            h.send_header("Location", f"{other.base}/tep/r.pdf")
            h.send_header("Content-Length", "0")
            h.end_headers()
        server.routes["/vb/tep/chuyen.pdf"] = away
        other.routes["/tep/r.pdf"] = lambda h: serve_validated(h, DECISION_PDF, "application/pdf",
                                                               mtime=1.0)
        other.routes["/tep/ct.pdf"] = lambda h: (other_hits.append(1),
                                                 serve_validated(h, DECISION_PDF, "application/pdf",
                                                                 mtime=1.0))
        sent: list[int] = []            # bytes written, per request

        def huge(h):            # 60 MB, no Content-Length: only the streaming cap can stop it
            h.send_response(200)
            h.send_header("Content-Type", "application/pdf")
            h.send_header("Connection", "close")
            h.end_headers()
            chunk = b"%PDF-1.4\n" + b"0" * (MIB - 9)
            sent.append(0)
            try:
                for _ in range(60):
                    h.wfile.write(chunk)
                    sent[-1] += len(chunk)
            except OSError:
                pass
            h.close_connection = True
        server.routes["/vb/tep/lon.pdf"] = huge

        make_root(root, feeds(server.base))
        config = config_mod.load(root)
        report = jobs.harvest(config, progress=False)
        tracemalloc.start()             # the file fetch alone, as the harvest makes it
        with Fetcher(max_bytes=docfiles.MAX_FILE_BYTES) as fetcher:
            with pytest.raises(FetchError):
                fetcher.get(server.url("/vb/tep/lon.pdf"), timeout=10, user_agent="t",
                            accept=docharvest.ACCEPT_FILE)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        first = {p.name: p.read_bytes() for p in (root / "content" / "van-ban").rglob("*")
                 if p.is_file()}
        before = len(server.requests)
        second = jobs.harvest(config, progress=False)
        yield {"root": root, "config": config, "report": report.sources[0], "peak": peak,
               "second": second.sources[0], "first": first, "other_hits": other_hits,
               "sent": sent, "second_requests": server.paths_requested()[before:], "portal": p}


def test_rows_become_register_entries_with_normalised_numbers_and_dates(portal):
    docs = docs_of(portal["root"])
    assert {"96/KH-UBND", "1234/QĐ-UBND", "12/KH-UBND", "45/TB-UBND", "08/CT-UBND",
            "60/KH-STTTT"} <= set(docs)
    plan = docs["96/KH-UBND"]                           # "Số: 96 /KH-UBND"
    assert plan.issued == date(2023, 7, 17)             # "17/07/2023"
    assert plan.doc_type == "Kế hoạch" and plan.issuer == "UBND tỉnh Thái Bình"
    assert plan.scope == "provincial" and plan.source == "vb" and plan.first_seen is not None
    assert plan.title == "Kế hoạch truyền thông về chuyển đổi số giai đoạn 2023 - 2025"
    assert plan.url.endswith("/vb/ct/96.html")
    assert docs["12/KH-UBND"].issued == date(2023, 7, 17)          # "17-7-2023"
    assert docs["12/KH-UBND"].scope == "local"                      # UBND huyện
    assert docs["1234/QĐ-UBND"].issued == date(2024, 3, 5)          # "5-3-2024"
    assert docs["60/KH-STTTT"].doc_type == "Kế hoạch"
    # every entry written passes cds check
    assert register.validate(portal["root"] / "content" / "van-ban") == []


def test_keywords_keep_only_cds_documents(portal):
    assert "33/KH-UBND" not in docs_of(portal["root"])
    assert portal["report"].skipped == 1


def test_the_same_document_listed_twice_is_one_entry(portal):
    files = [p for p in (portal["root"] / "content" / "van-ban").glob("1234*.md")]
    assert len(files) == 1
    assert portal["report"].duplicates == 1
    assert portal["report"].new == 7


def test_files_are_mirrored_with_their_text_and_citations(portal):
    docs = docs_of(portal["root"])
    plan = docs["96/KH-UBND"]
    base = portal["root"] / "content" / "van-ban"
    assert plan.file == "tep/96-kh-ubnd.pdf" and (base / plan.file).read_bytes() == PLAN_PDF
    assert plan.file_url.endswith("/vb/tep/kh-96.pdf")
    assert "Căn cứ Quyết định số 749/QĐ-TTg" in plan.text
    assert plan.cites == ["749/QĐ-TTg", "1234/QĐ-UBND"]
    assert not plan.scanned
    scan = docs["12/KH-UBND"]
    assert scan.file and scan.scanned and not scan.text_file


def test_a_pdf_that_is_not_a_pdf_is_refused(portal):
    doc = docs_of(portal["root"])["45/TB-UBND"]
    assert doc.file == "" and doc.file_sha256 == ""
    assert any("tb.pdf: not a PDF, DOC or DOCX file" in e for e in portal["report"].errors)
    assert not list((portal["root"] / "content" / "van-ban" / "tep").glob("45-*"))


def test_a_60_mb_file_is_refused_while_streaming(portal):
    doc = docs_of(portal["root"])["60/KH-STTTT"]
    assert doc.file == ""
    assert any("lon.pdf: body larger than 20 MB" in e for e in portal["report"].errors)
    assert portal["sent"] and all(0 < n < 60 * MIB for n in portal["sent"])   # cut short
    assert portal["peak"] < 40 * MIB                    # never held whole in memory


def test_a_file_on_another_origin_is_not_fetched(portal):
    doc = docs_of(portal["root"])["08/CT-UBND"]
    assert doc.file == ""
    assert portal["other_hits"] == []
    assert any("ct.pdf: file on another site: not fetched" in e for e in portal["report"].errors)
    redirected = docs_of(portal["root"])["77/KH-UBND"]
    assert redirected.file == ""
    # the redirect's target is refused before it is requested (one origin rule, every hop)
    assert any("chuyen.pdf: redirected to " in e and "not on the source's site" in e
               for e in portal["report"].errors)


def test_second_harvest_changes_nothing(portal):
    second = portal["second"]
    assert second.new == 0 and second.updated == 0 and second.failed is None
    now = {p.name: p.read_bytes() for p in (portal["root"] / "content" / "van-ban").rglob("*")
           if p.is_file()}
    assert now == portal["first"]
    assert not any(p.endswith(".pdf") for p in portal["second_requests"]
                   if "lon.pdf" not in p and "tb.pdf" not in p)


def test_register_pages_show_text_scan_note_and_citations_both_ways(portal):
    docs = register.load_docs(portal["root"] / "content")
    pages = register_pages(docs, [], site_title="Thử")
    plan = pages["van-ban/96-kh-ubnd/index.md"]
    decision = pages["van-ban/1234-qd-ubnd/index.md"]
    assert "Nội dung văn bản" in plan and "Căn cứ Quyết định số 749/QĐ-TTg" in plan
    assert "data-pagefind-body" in plan                         # the text is searchable
    assert 'href="../1234-qd-ubnd/"' in plan                    # the plan cites the decision
    assert "Văn bản dẫn chiếu văn bản này" in decision and 'href="../96-kh-ubnd/"' in decision
    assert register.SCANNED_NOTE in pages["van-ban/12-kh-ubnd/index.md"]


def test_feeds_of_new_documents_are_valid(portal):
    docs = register.load_docs(portal["root"] / "content")
    files = jobs.document_feeds(portal["config"], docs, TZ)
    assert set(files) >= {"van-ban/rss.xml", "van-ban/atom.xml",
                          "van-ban/pham-vi/provincial/rss.xml", "van-ban/pham-vi/local/atom.xml"}
    for name, data in files.items():
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
    site = feedparser.parse(files["van-ban/rss.xml"])
    assert len(site.entries) == len(docs)
    assert site.feed.title.startswith("Văn bản mới")
    local = feedparser.parse(files["van-ban/pham-vi/local/rss.xml"])
    assert [e.title for e in local.entries] == ["Kế hoạch 12/KH-UBND: Kế hoạch chuyển đổi số cấp "
                                                "huyện (bản chụp)"]
    home = "\n".join(register_site.home_block(docharvest.newest(docs, TZ), tz=TZ))
    assert "Văn bản mới" in home and 'href="van-ban/96-kh-ubnd/"' in home


def test_figures_count_per_quarter_and_days_to_appear(portal):
    docs = register.load_docs(portal["root"] / "content")
    fig = docharvest.figures(docs, TZ)
    assert fig["issued_per_quarter"]["2023-Q3"] == 2
    assert fig["issued_per_quarter"]["2024-Q1"] == 5
    assert sum(fig["appeared_per_quarter"].values()) == 7
    lags = dict(fig["lag_days"])
    seen = docs_of(portal["root"])["96/KH-UBND"].first_seen.astimezone(TZ).date()
    assert lags["96/KH-UBND"] == (seen - date(2023, 7, 17)).days
    assert fig["lag_median"] is not None


# --- editors' entries ---------------------------------------------------------------------------

EDITED = """---
number: 96/KH-UBND
doc_type: Kế hoạch
issuer: Ủy ban nhân dân tỉnh Thái Bình
issued: 2023-07-17
title: Tên do biên tập viên sửa
scope: provincial
effective:
status: còn hiệu lực
signer: Người ký do biên tập viên nhập
url: https://example.org/van-ban/96
file: tep/ban-goc.pdf
---

Ghi chú của biên tập viên.
"""


def test_an_editor_completed_entry_is_never_touched(tmp_path):
    root = make_root(tmp_path / "root", "")
    with LocalServer() as server:
        p = Portal(server)
        p.put("/vb/index.html", table([("96/KH-UBND", "17/07/2023", "UBND tỉnh Thái Bình",
                                        "Kế hoạch truyền thông về chuyển đổi số", "ct/96.html",
                                        "tep/kh-96.pdf")]))
        p.put("/vb/tep/kh-96.pdf", PLAN_PDF, "application/pdf")
        (root / "feeds.yml").write_text(feeds(server.base), encoding="utf-8")
        docs_dir = root / "content" / "van-ban"
        (docs_dir / "tep").mkdir(parents=True)
        (docs_dir / "tep" / "ban-goc.pdf").write_bytes(DECISION_PDF)
        (docs_dir / "96-kh-ubnd.md").write_text(EDITED, encoding="utf-8")
        report = jobs.harvest(config_mod.load(root), progress=False).sources[0]
        assert report.new == 0 and report.updated == 0 and report.unchanged == 1
        assert (docs_dir / "96-kh-ubnd.md").read_text(encoding="utf-8") == EDITED
        assert (docs_dir / "tep" / "ban-goc.pdf").read_bytes() == DECISION_PDF
        assert p.requested("/vb/tep/kh-96.pdf") == 0        # an editor's file: not even asked


def test_a_changed_file_updates_only_the_harvest_keys(tmp_path):
    root = make_root(tmp_path / "root", "")
    with LocalServer() as server:
        p = Portal(server)

        def listing(file):
            p.put("/vb/index.html", table([("96/KH-UBND", "17/07/2023", "UBND tỉnh Thái Bình",
                                            "Kế hoạch về chuyển đổi số", "ct/96.html", file)]))
        listing("tep/v1.pdf")
        p.put("/vb/tep/v1.pdf", DECISION_PDF, "application/pdf")
        p.put("/vb/tep/v2.pdf", PLAN_PDF, "application/pdf")
        (root / "feeds.yml").write_text(feeds(server.base), encoding="utf-8")
        config = config_mod.load(root)
        assert jobs.harvest(config, progress=False).sources[0].new == 1
        path = root / "content" / "van-ban" / "96-kh-ubnd.md"
        # the editor completes the entry
        text = path.read_text(encoding="utf-8").replace("title: Kế hoạch về chuyển đổi số",
                                                        "title: Tên do biên tập viên sửa")
        text = text.replace("signer:\n", "signer: Người ký\n") + "\nGhi chú.\n"
        path.write_text(text, encoding="utf-8")
        # the row changed (its summary), the file did not: nothing written
        p.put("/vb/index.html", table([("96/KH-UBND", "17-7-2023", "UBND tỉnh Thái Bình",
                                        "Kế hoạch về chuyển đổi số (sửa)", "ct/96.html",
                                        "tep/v1.pdf")]))
        again = jobs.harvest(config, progress=False).sources[0]
        assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
        assert path.read_text(encoding="utf-8") == text
        # a new file: only the harvest's keys change
        listing("tep/v2.pdf")
        changed = jobs.harvest(config, progress=False).sources[0]
        assert changed.updated == 1
        new = path.read_text(encoding="utf-8")
        doc = docs_of(root)["96/KH-UBND"]
        assert doc.title == "Tên do biên tập viên sửa" and doc.signer == "Người ký"
        assert doc.body == "Ghi chú." and doc.cites == ["749/QĐ-TTg", "1234/QĐ-UBND"]
        assert doc.file_url.endswith("/tep/v2.pdf")
        assert (root / "content" / "van-ban" / doc.file).read_bytes() == PLAN_PDF
        kept = [line for line in text.splitlines() if not line.startswith(
            ("file", "text_file", "cites", "- ", "scanned"))]
        assert kept == [line for line in new.splitlines() if not line.startswith(
            ("file", "text_file", "cites", "- ", "scanned"))]


# --- detail pages, review ---------------------------------------------------------------------

DETAIL_SOURCE = """
  - id: vb
    name: Văn bản tỉnh
    kind: documents
    url: "{base}/vb/index.html"
    review: true
    documents:
      row: ul.ds li
      link: a
      summary: a
      detail:
        number: .so-ky-hieu
        date: .ngay-ban-hanh
        issuer: .co-quan
        type: .loai
        file: .dinh-kem a
"""


def test_fields_on_the_detail_page_and_review(tmp_path):
    root = make_root(tmp_path / "root", "")
    with LocalServer() as server:
        p = Portal(server)
        p.put("/vb/index.html", '<ul class="ds"><li><a href="/vb/ct/1">Kế hoạch chuyển đổi số '
                                'năm 2024</a></li></ul>')
        p.put("/vb/ct/1", '<div><p class="so-ky-hieu">Số ký hiệu: Số: 96 /KH-UBND</p>'
                          '<p class="ngay-ban-hanh">Ngày ban hành: 17-7-2023</p>'
                          '<p class="co-quan">Cơ quan ban hành: UBND tỉnh Thái Bình</p>'
                          '<p class="loai">Kế hoạch</p>'
                          '<p class="dinh-kem"><a href="/vb/f/kh.pdf">kh.pdf</a></p></div>')
        p.put("/vb/f/kh.pdf", PLAN_PDF, "application/pdf")
        (root / "feeds.yml").write_text(feeds(server.base, DETAIL_SOURCE), encoding="utf-8")
        config = config_mod.load(root)
        report = jobs.harvest(config, progress=False).sources[0]
        assert report.new == 1, report.errors
        doc = docs_of(root)["96/KH-UBND"]
        assert (doc.issued, doc.issuer, doc.doc_type) == (date(2023, 7, 17),
                                                          "UBND tỉnh Thái Bình", "Kế hoạch")
        assert doc.title == "Kế hoạch chuyển đổi số năm 2024" and doc.file
        assert doc.pending and "review: pending" in entry(root, "96-kh-ubnd")
        assert register.visible([doc]) == []
        assert any("review: pending" in n for n in register.check_messages([doc], []))
        assert register_site.home_block(docharvest.newest([doc], TZ), tz=TZ) == []
        assert feedparser.parse(jobs.document_feeds(config, [doc], TZ)["van-ban/rss.xml"]
                                ).entries == []


# --- pure parts ---------------------------------------------------------------------------------

def test_config_checks_for_documents_sources():
    bad = ("site:\n  title: T\n  url: http://x.example/\nsources:\n"
           "  - {id: a, name: A, kind: documents, url: 'http://x.example/'}\n"
           "  - id: b\n    name: B\n    kind: documents\n    url: http://x.example/\n"
           "    documents: {row: tr, detail: {date: td}}\n"
           "  - id: c\n    name: C\n    kind: html\n    url: http://x.example/\n"
           "    list: {item: li, link: a}\n    documents: {row: tr, number: td}\n")
    with pytest.raises(ConfigError) as err:
        config_mod.parse_text(bad, Path("."))
    text = "\n".join(err.value.problems)
    assert "sources[0].documents: required when kind is documents" in text
    assert "sources[1].documents.number: required" in text
    assert "sources[1].documents.link: required with detail:" in text
    assert "sources[2].documents: only used when kind is documents" in text


def test_file_kinds_by_magic_bytes_and_docx_text():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml",
                   '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                   '2006/main"><w:body><w:p><w:r><w:t>Căn cứ Quyết định số </w:t></w:r>'
                   "<w:r><w:t>749/QĐ-TTg</w:t></w:r></w:p><w:p><w:r><w:t>Dòng hai</w:t></w:r>"
                   "</w:p></w:body></w:document>")
    docx = buf.getvalue()
    assert docfiles.kind_of(docx) == "docx"
    assert docfiles.extract_text(docx, "docx").text == "Căn cứ Quyết định số 749/QĐ-TTg\nDòng hai"
    assert docfiles.kind_of(PLAN_PDF) == "pdf"
    assert docfiles.kind_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "doc"
    assert docfiles.kind_of(b"<html>%PDF-") is None
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.txt", "x")
    assert docfiles.kind_of(zipped.getvalue()) is None
    damaged = docfiles.extract_text(b"%PDF-1.4\n garbage", "pdf")
    assert damaged.text == "" and not damaged.scanned


@pytest.mark.parametrize("issuer,scope", [
    ("Ủy ban nhân dân tỉnh Thái Bình", "provincial"), ("UBND huyện Vũ Thư", "local"),
    ("Thủ tướng Chính phủ", "central"), ("Bộ Thông tin và Truyền thông", "central"),
    ("Sở Thông tin và Truyền thông", "provincial"), ("Tỉnh ủy Thái Bình", "provincial"),
    ("UBND xã Song Lãng", "local"), ("Ban Chỉ đạo", None)])
def test_scope_from_the_issuer(issuer, scope):
    assert docharvest.scope_of_issuer(issuer) == scope


def test_dates_and_issuers():
    assert doclisting.parse_date("Ngày ban hành: 17/07/2023") == date(2023, 7, 17)
    assert doclisting.parse_date("17-7-2023") == date(2023, 7, 17)
    assert doclisting.parse_date("2023-07-17") == date(2023, 7, 17)
    assert doclisting.parse_date("31/02/2023") is None
    assert docharvest.same_issuer("UBND tỉnh Thái Bình", "Ủy ban nhân dân tỉnh Thái Bình")
    assert not docharvest.same_issuer("UBND tỉnh Thái Bình", "UBND tỉnh Nam Định")
