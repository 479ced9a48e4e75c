"""The plan's results (pipeline/results): counts known by construction, the site section, the
monthly digest feed, `cds report` in md/csv/docx, the docx read back and rendered by LibreOffice.

Fixture (today = 2025-12-20): task 1 (Ngày Chủ nhật số, 1/month) is met in January and February,
missed in March (a month with no article at all) and in April (its only article is rejected);
article a1 evidences two tasks (its tag, and a keyword written without diacritics); task 3
(10/10 ± 7 days) is met by an article of 9 October; task 4 (50% of 4 schools) by two articles,
a pending third not counted.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import config as config_mod
from pipeline.cli.main import main
from pipeline.core.errors import ConfigError
from pipeline.core.models import Article
from pipeline.results import periods, report, service
from pipeline.results import plan as plan_mod
from pipeline.store.articles import Store
from tests.conftest import make_root

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
TODAY = date(2025, 12, 20)
TZ = timezone(timedelta(hours=7))

FEEDS = """site:
  title: Chuyển đổi số Tỉnh Thử
  url: https://example.test/
sources:
  - id: nguon-a
    name: Báo Tỉnh Thử
    kind: feed
    url: https://a.example.test/rss
    cadence: {count: 1, per: month}
  - id: nguon-b
    name: Cổng Tỉnh Thử
    kind: feed
    url: https://b.example.test/rss
"""

PLAN = """plan:
  number: 7/KH-UBND
  title: truyền thông về chuyển đổi số tỉnh Thử
report:
  parent: Ủy ban nhân dân tỉnh Thử
  agency: Sở Khoa học và Công nghệ
  symbol: BC-SKHCN
  place: Phố Thử
  signer: {authority: KT. Giám đốc, title: Phó Giám đốc, name: Nguyễn Thị Hằng}
  recipients: [Ủy ban nhân dân tỉnh, "Lưu trữ điện tử"]
tasks:
  - number: 1
    name: Ngày Chủ nhật số ở xã, phường
    units: ["Ủy ban nhân dân cấp xã"]
    evidence: {tags: [ngay-chu-nhat-so]}
    target: {count: 1, per: month}
  - number: 2
    name: Tập huấn cho hợp tác xã
    evidence: {keywords: [hợp tác xã]}
    target: {count: 2, per: year}
  - number: 3
    name: Hưởng ứng Ngày Chuyển đổi số quốc gia
    evidence: {tags: [ngay-cds-quoc-gia]}
    target: {date: 10/10, window: 7}
  - number: 4
    name: Ngoại khóa trong trường học
    evidence: {tags: [ngoai-khoa], sources: [nguon-b]}
    target: {share: 50, denominator: 4, unit: trường}
  - number: 5
    name: Báo cáo chuyên đề hằng tháng
"""


def _art(aid: str, day: date, source: str, *, tags=(), themes=("nhan-thuc",), status="published",
         body="Nội dung thử nghiệm về chuyển đổi số ở địa phương.", featured=False) -> Article:
    when = datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ)
    return Article(id=aid, title=f"Tin thử {aid}: chuyển đổi số ở cơ sở", url=f"https://x.test/{aid}",
                   source=source, published=when, harvested=when, body=body, themes=list(themes),
                   pillars=["xa-hoi-so"], tags=list(tags), status=status, featured=featured)


ARTICLES = [
    _art("a1", date(2025, 1, 10), "nguon-a", tags=["ngay-chu-nhat-so"],
         body="Các Hop Tac Xa trong xã được hướng dẫn bán hàng trên sàn số.", featured=True),
    _art("a2", date(2025, 2, 5), "nguon-a", tags=["ngay-chu-nhat-so"], themes=("dien-hinh",)),
    _art("a3", date(2025, 4, 3), "nguon-b", tags=["ngay-chu-nhat-so"], status="rejected"),
    _art("a4", date(2025, 10, 9), "nguon-a", tags=["ngay-cds-quoc-gia"]),
    _art("a5", date(2025, 5, 20), "nguon-b", tags=["ngoai-khoa"]),
    _art("a6", date(2025, 6, 2), "nguon-b", tags=["ngoai-khoa"]),
    _art("a7", date(2025, 6, 3), "nguon-b", tags=["ngoai-khoa"], status="pending"),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    r = make_root(tmp_path_factory.mktemp("results") / "root", FEEDS)
    (r / "plan.yml").write_text(PLAN, encoding="utf-8")
    store = Store(r / "content", tz=TZ)
    for a in ARTICLES:
        store.write(a)
    return r


@pytest.fixture(scope="module")
def computed(root):
    config = config_mod.load(root)
    articles = Store(root / "content", tz=TZ).articles()
    return config, articles, service.compute(config, articles, today=TODAY)


def _cells(res, number):
    return next(t for t in res.tasks if t.task.number == number).cells


def test_counts_known_by_construction(computed):
    _config, _articles, (plan, res, _themes, _pillars) = computed
    t1 = _cells(res, 1)
    assert [(t1[k].count, t1[k].met) for k in ("2025-01", "2025-02", "2025-03", "2025-04")] == \
        [(1, True), (1, True), (0, False), (0, False)]          # a3 is rejected: not counted
    assert t1["2025-12"].met is None                            # month under way: pending
    assert (t1["2025-H1"].count, t1["2025-H1"].met, t1["2025-H1"].detail) == (2, False, "2/6 tháng")
    assert t1["2025"].detail == "2/11 tháng"
    t2 = _cells(res, 2)
    assert t2["2025"].ids == ["a1"] and t2["2025"].met is None  # year not over yet
    assert "a1" in t1["2025"].ids                               # one article, two tasks
    t3 = _cells(res, 3)
    assert (t3["2025"].met, t3["2025-10"].met, t3["2025-H1"].met) == (True, True, None)
    t4 = _cells(res, 4)
    assert (t4["2025"].count, t4["2025"].met) == (2, True)      # a7 is pending: not counted
    assert _cells(res, 5)["2025"].count == 0 and not plan.task(5).measurable
    assert res.per_month.get("2025-03", []) == []
    src = next(s for s in res.sources if s.id == "nguon-a").months
    assert [src[k].met for k in ("2025-01", "2025-02", "2025-03", "2025-10", "2025-12")] == \
        [True, True, False, True, None]
    assert res.themes["dien-hinh"] == {"2025-02": 1}
    assert sum(res.themes["nhan-thuc"].values()) == 4           # a1 a4 a5 a6


def test_periods_and_date_line():
    assert [periods.parse(k).label for k in ("2025", "2025-H1", "2025-Q3", "2025-10")] == \
        ["Năm 2025", "6 tháng đầu năm 2025", "Quý III/2025", "Tháng 10/2025"]
    with pytest.raises(ConfigError):
        periods.parse("2025-13")
    assert report.date_line("Thái Bình", date(2026, 1, 5)) == "Thái Bình, ngày 05 tháng 01 năm 2026"
    assert report.date_line("X", date(2025, 2, 20)) == "X, ngày 20 tháng 02 năm 2025"
    assert report.date_line("X", date(2025, 6, 15)) == "X, ngày 15 tháng 6 năm 2025"
    assert report.date_line("X", date(2025, 11, 9)) == "X, ngày 09 tháng 11 năm 2025"
    assert service.next_due(date(2025, 6, 16)) == (date(2025, 12, 15), periods.year(2025))
    assert service.next_due(date(2025, 12, 16)) == (date(2026, 6, 15), periods.half(2026, 1))


def test_plan_errors_are_one_line_each(tmp_path):
    bad = {"tasks": [{"number": 1, "name": "x", "target": {"count": 1, "per": "fortnight"}},
                     {"number": 1, "name": "", "evidence": {"tag": ["x"]},
                      "target": {"share": 150}}]}
    with pytest.raises(ConfigError) as exc:
        plan_mod.parse(bad)
    text = "\n".join(exc.value.problems)
    for needle in ("tasks[0].target.per", "tasks[1].number: 1 is used twice", "tasks[1].name",
                   "tasks[1].evidence.tag", "tasks[1].target.share", "tasks[1].target.denominator"):
        assert needle in text
    assert all("\n" not in p for p in exc.value.problems)


def test_plan_yml_problems_are_located_lines_as_in_feeds_yml(tmp_path):
    """plan.yml and feeds.yml share one YAML reader (core/yamlfile): the same ``file:line:``
    line, and a duplicate key is an error in both (plan.yml used to keep the last one)."""
    (tmp_path / "plan.yml").write_text("tasks:\n  - number: 1\n    number: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        plan_mod.load(tmp_path)
    assert exc.value.problems == ["plan.yml:3: duplicate key 'number'"]
    (tmp_path / "plan.yml").write_text("tasks: [1, 2\nx: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        plan_mod.load(tmp_path)
    assert len(exc.value.problems) == 1 and exc.value.problems[0].startswith("plan.yml:2: ")


def test_the_repository_root_plan_loads():
    plan = plan_mod.load(REPO, sources={s.id for s in config_mod.load(REPO).sources})
    assert [t.number for t in plan.tasks] == list(range(1, 21))
    assert plan.task(2).target.text == "1/tuần" and plan.task(18).target.kind == "share"


def test_site_files_are_deterministic_accessible_and_linked(root, computed):
    config, articles, _ = computed
    files, _w = service.site_files(config, articles, today=TODAY)
    again, _w = service.site_files(config, articles, today=TODAY)
    assert files == again
    year = files["ket-qua/2025/index.md"].decode()
    svgs = re.findall(r"<svg.*?</svg>", year, flags=re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert "<title" in svg and "<desc" in svg and "script" not in svg.lower()
    assert "<figure" in year and "<figcaption>" in year and "<table" in year
    assert '<a href="nhiem-vu-1/#thang-01">1</a>' in year
    ev = files["ket-qua/2025/nhiem-vu-1/index.md"].decode()
    assert "a1" in ev and "a3" not in ev
    digest = files["ket-qua/ban-tin/2025-03/index.md"].decode()
    assert "Không có tin bài nào trong tháng này" in digest
    jan = files["ket-qua/ban-tin/2025-01/index.md"].decode()
    assert "Tin thử a1" in jan and "Câu chuyện thành công" in jan
    rss = files["ket-qua/ban-tin/rss.xml"].decode()
    assert rss.count("<item>") == 12 and "ket-qua/ban-tin/2025-12/" in rss
    import json
    data = json.loads(files["api/ket-qua/2025.json"])
    assert data["tasks"][0]["periods"]["2025-01"]["articles"] == ["a1"]
    assert data["year"] == 2025 and data["months"][0] == "2025-01"
    assert all(k.startswith("2025") for t in data["tasks"] for k in t["periods"])
    index = json.loads(files["api/ket-qua.json"])
    assert index["years"] == [{"year": 2025, "articles": 5, "url": "ket-qua/2025.json"}]
    assert index["tasks"][0]["number"] == 1 and "periods" not in index["tasks"][0]


def test_build_has_the_section(root):
    assert main(["--root", str(root), "-q", "build"]) == 0
    site = root / "site"
    page = (site / "ket-qua" / "2025" / "index.html").read_text(encoding="utf-8")
    assert "Kết quả thực hiện năm 2025" in page and "<svg" in page
    assert (site / "ket-qua" / "ban-tin" / "atom.xml").is_file()
    assert (site / "api" / "ket-qua.json").is_file()


def test_report_md_and_csv(root, computed, capsys):
    config, articles, _ = computed
    rep, data = service.make_report(config, articles, "2025-H1", "md", today=date(2026, 1, 5))
    md = data.decode()
    for needle in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                   "Phố Thử, ngày 05 tháng 01 năm 2026", "**BÁO CÁO**", "Số:      /BC-SKHCN",
                   "6 tháng đầu năm 2025", "Kế hoạch số 7/KH-UBND", "Nơi nhận", "Lưu: VT.",
                   "Nguyễn Thị Hằng", "III. ĐỀ XUẤT, KIẾN NGHỊ", report.AUTHOR_NOTE,
                   "Tháng 3/2025"):
        assert needle in md
    assert "Nhiệm vụ 1 (Ngày Chủ nhật số ở xã, phường)" in md        # behind target
    _rep, raw = service.make_report(config, articles, "2025-H1", "csv", today=date(2026, 1, 5))
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    task1 = next(r for r in rows if r[:2] == ["1", "Ngày Chủ nhật số ở xã, phường"])
    assert task1[4] == "2" and task1[5].startswith("Chưa đạt")
    assert main(["--root", str(root), "report", "--period", "2025-13"]) == 2
    assert "--period" in capsys.readouterr().err


@pytest.fixture(scope="module")
def docx_file(root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docx") / "bao-cao.docx"
    assert main(["--root", str(root), "report", "--period", "2025", "--out", str(out)]) == 0
    return out


def test_docx_reads_back(docx_file):
    from docx import Document
    doc = Document(str(docx_file))
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin,
                                   sec.right_margin)] == [20, 20, 30, 15]
    assert doc.styles["Normal"].font.name == "Times New Roman"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in text and "Kết quả công tác truyền thông về chuyển đổi số năm 2025" in text
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert any(c.startswith(report.NATION + "\n" + report.MOTTO) for c in cells)
    assert "Ngày Chủ nhật số ở xã, phường" in cells
    task_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "TT"
                      and len(t.columns) == 6)
    assert task_table.style.name == "Table Grid"
    assert 'fldCharType="begin"' in sec.header._element.xml and "PAGE" in sec.header._element.xml


@pytest.mark.skipif(not shutil.which("libreoffice") or not shutil.which("pdftotext"),
                    reason="libreoffice-writer-nogui / poppler-utils not installed")
def test_docx_renders_with_vietnamese_glyphs(docx_file, tmp_path):
    subprocess.run(["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_file)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "bao-cao.pdf"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    for needle in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                   "BÁO CÁO", "Phó Giám đốc".upper(), "Nguyễn Thị Hằng", "Nơi nhận",
                   "Ngày Chủ nhật số ở xã, phường", "Hưởng ứng Ngày Chuyển đổi số quốc gia"):
        assert needle in text, needle
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    names = {line.split()[0].split("+")[-1] for line in fonts if line.strip()}
    assert names and all(n.startswith(("LiberationSerif", "TimesNewRoman")) for n in names), names
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTIFACTS / "bao-cao-trang-1")], check=True, timeout=60)
    assert (ARTIFACTS / "bao-cao-trang-1.png").stat().st_size > 1000


def test_pages_are_byte_identical_across_processes(root):
    """Two builds in two processes (different hash seeds) make the same charts and pages."""
    code = ("import hashlib, sys\nfrom datetime import date\nfrom pipeline import config\n"
            "from pipeline.jobs import open_store\nfrom pipeline.results import service\n"
            "c = config.load(sys.argv[1])\n"
            "files, _ = service.site_files(c, open_store(c).articles(), today=date(2025, 12, 20))\n"
            "for k in sorted(files): print(k, hashlib.sha256(files[k]).hexdigest())\n")
    outs = []
    for seed in ("1", "2"):
        run = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True,
                             text=True, check=True, cwd=REPO,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append(run.stdout)
    assert outs[0] == outs[1] and "ket-qua/2025/index.md" in outs[0]


def test_digest_feeds_parse(computed):
    import feedparser
    config, articles, _ = computed
    files, _w = service.site_files(config, articles, today=TODAY)
    for name in ("rss.xml", "atom.xml"):
        feed = feedparser.parse(files["ket-qua/ban-tin/" + name])
        assert not feed.bozo, feed.bozo_exception
        assert feed.entries[0].link == "https://example.test/ket-qua/ban-tin/2025-12/"
        assert feed.entries[-1].title == "Bản tin chuyển đổi số tháng 1/2025"
        assert "1 tin bài" in feed.entries[-1].summary


def test_status_shows_the_next_report_and_its_gaps(root, computed, capsys):
    config, articles, _ = computed
    lines = service.deadline_lines(config, articles, date(2025, 6, 1))
    assert lines[0].startswith("Báo cáo kỳ tới hạn 15/06/2025 (còn 14 ngày): 6 tháng đầu năm 2025")
    assert "không có bài nào được đăng trong 2025-03, 2025-04" in lines[1]
    main(["--root", str(root), "status"])
    assert "Báo cáo kỳ tới hạn" in capsys.readouterr().out


# The register by construction (issue 21). Q1 2025: issued d1 d2 d3, appeared d1 (5 days);
# Q2: issued d5 (d4 is pending: not on the site), appeared d2 (41 days) and d5 (0 days: first
# seen 20:00 UTC on 31/5, 03:00 on 1/6 in the site's time zone); d3 was entered by hand.
def _doc(number, issued, seen=None, review=""):
    from pipeline.store.register import Doc
    return Doc(number=number, doc_type="Quyết định", issued=issued, title=f"Văn bản thử {number}",
               first_seen=seen, review=review)


DOCS = [_doc("1/QĐ-UBND", date(2025, 1, 10), datetime(2025, 1, 15, 10, tzinfo=TZ)),
        _doc("2/QĐ-UBND", date(2025, 2, 20), datetime(2025, 4, 2, 8, tzinfo=TZ)),
        _doc("3/QĐ-UBND", date(2025, 3, 1)),
        _doc("4/QĐ-UBND", date(2025, 5, 1), datetime(2025, 5, 4, 8, tzinfo=TZ), "pending"),
        _doc("5/QĐ-UBND", date(2025, 6, 1), datetime(2025, 5, 31, 20, tzinfo=UTC))]


def test_documents_per_quarter_on_pages_json_and_report(computed):
    import json

    from docx import Document
    config, articles, _ = computed
    files, _w = service.site_files(config, articles, DOCS, today=TODAY)
    year = files["ket-qua/2025/index.md"].decode()
    section = year[year.index('<h2 id="van-ban">Văn bản chỉ đạo, điều hành</h2>'):]
    cells = re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td>"
                       r"<td>([^<]*)</td><td>([^<]*)</td></tr>", section)
    assert cells == [("Quý I", "3", "1", "5", "5"), ("Quý II", "1", "2", "20,5", "41"),
                     ("Quý III", "0", "0", "–", "–"), ("Quý IV", "0", "0", "–", "–"),
                     ("Cả năm", "4", "3", "5", "41")]
    index = json.loads(files["api/ket-qua.json"])["documents"]
    assert (index["lag_median"], index["lag_max"]) == (5, 41)
    data = json.loads(files["api/ket-qua/2025.json"])["documents"]
    assert data["issued_per_quarter"] == {"2025-Q1": 3, "2025-Q2": 1}
    assert data["appeared_per_quarter"] == {"2025-Q1": 1, "2025-Q2": 2}
    assert (data["lag_median"], data["lag_max"]) == (5, 41)
    assert data["periods"]["2025-Q2"] == {"issued": 1, "appeared": 2, "lag_count": 2,
                                         "lag_median": 20.5, "lag_max": 41}
    rep, md = service.make_report(config, articles, "2025-H1", "md", today=TODAY, docs=DOCS)
    assert "| Quý I/2025 | 3 | 1 | 5 | 5 |" in md.decode()
    assert "| 6 tháng đầu năm 2025 | 4 | 3 | 5 | 41 |" in md.decode()
    _rep, raw = service.make_report(config, articles, "2025-Q2", "csv", today=TODAY, docs=DOCS)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert ["Quý II/2025", "1", "2", "20,5", "41"] in rows
    buf = io.BytesIO()
    report.to_docx(rep, buf)
    buf.seek(0)
    table = next(t for t in Document(buf).tables if t.rows[0].cells[0].text == "Kỳ")
    assert [c.text for c in table.rows[2].cells] == ["Quý II/2025", "1", "2", "20,5", "41"]


def test_starter_plan_loads_and_unknown_tags_only_warn():
    from pipeline.config import starter_dir
    plan = plan_mod.load(starter_dir())
    assert plan is not None and plan.tasks and not plan.warnings
    p = plan_mod.parse({"tasks": [{"number": 1, "name": "x", "evidence": {"tags": ["chua-co"]}}]},
                       known_tags={"tap-huan"})
    assert "chua-co" in p.warnings[0]


@given(st.integers(2000, 2100), st.sampled_from(["", "-H1", "-H2", "-Q1", "-Q4", "-01", "-12"]))
def test_period_keys_round_trip(y, suffix):
    p = periods.parse(f"{y}{suffix}")
    assert p.key == f"{y}{suffix}" and p.start < p.end
    assert p.months()[0].start == p.start and p.months()[-1].end == p.end


def test_a_root_overrides_a_results_template_and_a_broken_one_is_one_line(computed, tmp_path):
    """The results section's templates are overridable like the site's: the root's
    ``templates/results/`` first (an override may extend the package's macros), then the package's."""
    from pipeline.results import pages

    config, articles, (plan, res, themes, pillars) = computed
    args = dict(site_url=config.site.url, site_title=config.site.title, urls={},
                source_names={}, theme_names=themes, pillar_names=pillars)
    plain = pages.site_files(res, plan, **args, root=tmp_path)      # no templates/ folder
    assert plain == pages.site_files(res, plan, **args)
    own = tmp_path / "templates" / "results"
    own.mkdir(parents=True)
    package = (pages.TEMPLATES / "index.html.j2").read_text(encoding="utf-8")
    (own / "index.html.j2").write_text("<p class=\"so-rieng\">Sở riêng</p>\n" + package,
                                       encoding="utf-8")
    files = pages.site_files(res, plan, **args, root=tmp_path)
    assert '<p class="so-rieng">Sở riêng</p>' in files["ket-qua/index.md"].decode()
    assert files["ket-qua/2025/index.md"] == plain["ket-qua/2025/index.md"]   # only what it has
    (own / "index.html.j2").write_text("{% if %}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        pages.site_files(res, plan, **args, root=tmp_path)
    assert str(exc.value).startswith("templates/results/index.html.j2 (the root's template): line 1:")


def test_the_render_memo_gives_the_pages_of_a_build_from_nothing(computed, tmp_path):
    """``RenderMemo`` (``.cds/results-pages.json``): after a new, a changed and a deleted
    article every file equals the one made without the memo, only the templates whose context
    changed are rendered again, and a root's template override (or a broken memo file) is
    not answered from the memo."""
    import dataclasses

    from pipeline.results import pages

    config, articles, _ = computed
    memo = tmp_path / "results-pages.json"

    def files(arts, root=None, use=True):
        plan, res, themes, pillars = service.compute(config, arts, today=TODAY)
        args = dict(site_url=config.site.url, site_title=config.site.title, urls={},
                    source_names={}, theme_names=themes, pillar_names=pillars, root=root)
        return pages.site_files(res, plan, **args, memo=memo if use else None)

    first = files(articles)
    assert first == files(articles, use=False)
    rendered = []
    real = pages.RenderMemo.render

    def counting(self, name, **context):
        before = self.rendered
        out = real(self, name, **context)
        if self.rendered > before:
            rendered.append(name)
        return out

    pages.RenderMemo.render = counting
    try:
        assert files(articles) == first and rendered == []          # nothing rendered again
        new = _art("a9", date(2025, 11, 12), "nguon-a", tags=["ngay-chu-nhat-so"])
        changed = dataclasses.replace(next(a for a in articles if a.id == "a2"),
                                      title="Tin thử a2 (đã sửa)")
        now = [new, changed] + [a for a in articles if a.id not in ("a2", "a5")]   # a5 deleted
        after = files(now)
        assert after == files(now, use=False)
        some = list(rendered)
        memo.unlink()
        rendered.clear()
        assert files(now) == after and 0 < len(some) < len(rendered)   # a build from nothing
        assert "digest.html.j2" in some                             # November's and others

        own = tmp_path / "templates" / "results"                     # an override: not the memo's
        own.mkdir(parents=True)
        package = (pages.TEMPLATES / "index.html.j2").read_text(encoding="utf-8")
        (own / "index.html.j2").write_text("<p>Sở riêng</p>\n" + package, encoding="utf-8")
        assert files(now, root=tmp_path) == files(now, root=tmp_path, use=False)
        memo.write_text("{hỏng", encoding="utf-8")                  # broken: all rendered
        rendered.clear()
        assert files(now) == after and "year.html.j2" in rendered
    finally:
        pages.RenderMemo.render = real
