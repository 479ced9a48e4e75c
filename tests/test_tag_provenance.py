"""Whose activity tags are they (issue 20, round 10): `cds tag --all` removes an activity tag
the tagger added that its rules no longer give, keeps an editor's, never re-adds one an editor
deleted, changes nothing else, and a second run changes nothing; the article's date decides
between an announcement and a report; the desk's lock, theme choice and edit confirm the tags.
Real roots and files (front matter written as an editor would), the real CLI and desk."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core import tagsource
from pipeline.store.articles import make_id, parse
from pipeline.tagging.dates import event_dates
from pipeline.tagging.tag import Taxonomy, explain, tag
from tests.desk_helpers import Desk, git, login, make_desk_root, token_of
from tests.test_tag import PLAN_BODY, PLAN_TITLE, REPORT_BODY, REPORT_TITLE

# the plan and the report of test_tag.py: one text each, whose activity a retag must drop / keep
NOTICE_TITLE, NOTICE_BODY = PLAN_TITLE, PLAN_BODY
# no cue either way: only the date says whether it is announced or reported
DATED_TITLE = "Ngày Chủ nhật số tại thôn Đông, xã Phú Cường"
DATED_BODY = (
    "Chủ nhật 6/4, Đoàn Thanh niên xã Phú Cường tổ chức Ngày Chủ nhật số tại nhà văn hóa thôn "
    "Đông để đẩy mạnh chuyển đổi số. Đoàn viên hướng dẫn người dân cài đặt ứng dụng VNeID, "
    "thanh toán tiền điện qua điện thoại, dùng dịch vụ công trực tuyến.")


def article_file(root: Path, slug: str, title: str, body: str, *, published: str,
                 tags: str, more: str = "") -> Path:
    """An article as an editor or an older cds wrote it."""
    url = f"https://xa.example.vn/tin/{slug}"
    path = root / "content" / "articles" / "2025" / "04" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\nid: {make_id(url)}\ntitle: {title}\nurl: {url}\nsource: xa\n"
        f"published: {published}\nharvested: 2025-04-08T09:00:00+07:00\n"
        f"themes: []\npillars: []\ntags: {tags}\n{more}---\n\n{body}\n", encoding="utf-8")
    return path


def front(path: Path):
    return parse(path.read_text(encoding="utf-8"), path.name)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prov") / "root"
    jobs.init_root(root)
    taxonomy = root / "taxonomy.yml"          # the rules alone: quicker, and what makes tags
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace(
        "model:\n  enabled: true", "model:\n  enabled: false"), encoding="utf-8")
    return root


def test_tag_all_removes_the_taggers_wrong_tags_and_keeps_the_editors(root):
    old = "2025-04-08T08:00:00+07:00"
    files = {
        # written before tags_auto existed: the old rule's tag is presumed the tagger's, the
        # free tag and the under-threshold one (named once: the old rule never gave it) stay
        "legacy": article_file(root, "legacy", NOTICE_TITLE,
                               NOTICE_BODY + " Xã cũng mở một lớp tập huấn cho đoàn viên.",
                               published=old, tags="[ngay-chu-nhat-so, phong-trao, tap-huan]"),
        # recorded: the tagger's tag goes, the editor's (not in tags_auto) stays
        "recorded": article_file(root, "recorded", NOTICE_TITLE, NOTICE_BODY, published=old,
                                 tags="[ngay-chu-nhat-so, cuoc-thi]",
                                 more="tags_auto: [ngay-chu-nhat-so]\n"),
        # an editor deleted the tagger's tag from `tags`: never added again
        "deleted": article_file(root, "deleted", REPORT_TITLE, REPORT_BODY, published=old,
                                tags="[]", more="tags_auto: [ngay-chu-nhat-so]\n"),
        # an editor confirmed it (deleted it from tags_auto) on a notice: kept
        "confirmed": article_file(root, "confirmed", NOTICE_TITLE, NOTICE_BODY, published=old,
                                  tags="[ngay-chu-nhat-so]", more="tags_auto: []\n"),
        # a report: the tagger adds its tag and records it
        "report": article_file(root, "report", REPORT_TITLE, REPORT_BODY, published=old,
                               tags="[]"),
        # locked / themes_locked: left alone, byte for byte
        "locked": article_file(root, "locked", NOTICE_TITLE, NOTICE_BODY, published=old,
                               tags="[ngay-chu-nhat-so]",
                               more="tags_auto: [ngay-chu-nhat-so]\nlocked: true\n"),
        "themes-locked": article_file(root, "themes-locked", NOTICE_TITLE, NOTICE_BODY,
                                      published=old, tags="[ngay-chu-nhat-so]",
                                      more="themes_locked: true\n"),
        # the same text before and after the day it names
        "before": article_file(root, "before", DATED_TITLE, DATED_BODY,
                               published="2025-04-02T08:00:00+07:00", tags="[]"),
        "after": article_file(root, "after", DATED_TITLE, DATED_BODY,
                              published="2025-04-07T08:00:00+07:00", tags="[]"),
    }
    before = {k: front(p) for k, p in files.items()}
    raw = {k: p.read_bytes() for k, p in files.items()}
    res = subprocess.run([sys.executable, "-m", "pipeline", "--root", str(root), "tag", "--all"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    got = {k: front(p) for k, p in files.items()}

    assert got["legacy"].tags == ["phong-trao", "tap-huan"]
    assert tagsource.AUTO_KEY not in got["legacy"].extra
    assert got["recorded"].tags == ["cuoc-thi"] and got["recorded"].extra["tags_auto"] == []
    assert got["deleted"].tags == [] and got["deleted"].extra["tags_auto"] == ["ngay-chu-nhat-so"]
    assert got["confirmed"].tags == ["ngay-chu-nhat-so"] and got["confirmed"].extra["tags_auto"] == []
    assert got["report"].tags == ["ngay-chu-nhat-so"]
    assert got["report"].extra["tags_auto"] == ["ngay-chu-nhat-so"]
    assert files["locked"].read_bytes() == raw["locked"]
    assert files["themes-locked"].read_bytes() == raw["themes-locked"]
    assert got["before"].tags == [] and got["after"].tags == ["ngay-chu-nhat-so"]
    # nothing else an editor wrote changes (themes, pillars and doc_refs are the tagger's)
    for k, a in got.items():
        b = before[k]
        for name in ("id", "title", "url", "source", "published", "harvested", "body",
                     "status", "featured", "locked", "themes_locked"):
            assert getattr(a, name) == getattr(b, name), (k, name)
        assert {x: v for x, v in a.extra.items() if x != "tags_auto"} == \
            {x: v for x, v in b.extra.items() if x != "tags_auto"}
    # twice: nothing changes
    raw = {k: p.read_bytes() for k, p in files.items()}
    assert jobs.retag(config_mod.load(root), everything=True)[0] == 0
    assert {k: p.read_bytes() for k, p in files.items()} == raw
    assert not list((root / "content").rglob(".*.tmp"))       # atomic writes leave no temp


def test_a_re_harvest_adds_the_taggers_tags_but_not_one_an_editor_deleted(tmp_path):
    """The store's merge of a re-harvested article (pipeline.store.articles): tags a union as
    before, but a tag in tags_auto an editor took out of tags stays out."""
    from pipeline.store.articles import Store
    root = tmp_path / "root"
    jobs.init_root(root)
    path = article_file(root, "a", REPORT_TITLE, REPORT_BODY,
                        published="2025-04-08T08:00:00+07:00", tags="[phong-trao]",
                        more="tags_auto: [ngay-chu-nhat-so]\n")
    store = Store(root / "content")
    stored = store.get(front(path).id)
    incoming = stored.__class__(**{**stored.__dict__, "tags": ["ngay-chu-nhat-so", "cuoc-thi"],
                                   "extra": {"tags_auto": ["ngay-chu-nhat-so", "cuoc-thi"]},
                                   "path": None})
    now = dt.datetime(2025, 4, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert store.save(incoming, now=now) == "updated"
    got = front(path)
    assert got.tags == ["phong-trao", "cuoc-thi"]
    assert got.extra["tags_auto"] == ["cuoc-thi", "ngay-chu-nhat-so"]


def test_the_record_rules():
    r = tagsource.retagged
    assert r(["a", "x"], ["a"], []) == (["x"], [])                       # the tagger's goes
    assert r(["a", "x"], ["a"], ["a", "b"]) == (["a", "x", "b"], ["a", "b"])
    assert r([], ["a"], ["a"]) == ([], ["a"])                            # deleted by an editor
    assert r(["a"], None, [], legacy=["a"]) == ([], [])                   # presumed the tagger's
    assert r(["a"], None, [], legacy=["b"]) == (["a"], [])                # an editor's
    assert r(["a"], ["a"], [], remove=False) == (["a"], ["a"])            # harvest only adds
    once = r(["a", "x"], ["a"], ["b"])
    assert r(once[0], once[1], ["b"]) == once                            # stable
    assert tagsource.confirmed({"tags_auto": ["a", "c"]}, ["a"]) == {"tags_auto": ["c"]}
    assert tagsource.confirmed({}, []) == {}
    assert tagsource.record({"tags_auto": "a"}) == []                    # not a list: no claim


@pytest.mark.parametrize(("text", "published", "expected"), [
    ("Chủ nhật 6/4, Đoàn Thanh niên xã", "2025-04-02", "2025-04-06"),
    ("Sáng Chủ nhật 4/1, Ngày Chủ nhật số đầu năm", "2025-12-29", "2026-01-04"),   # new year
    ("Chủ nhật 28/12, Ngày Chủ nhật số cuối năm", "2026-01-05", "2025-12-28"),
    ("Ngày 10/10/2025, Trường tổ chức", "2025-10-03", "2025-10-10"),
    ("ngày 10 tháng 10 năm 2025", "2025-09-01", "2025-10-10"),
    ("Tối thứ Sáu (10/10), tại sân vận động", "2025-10-08", "2025-10-10"),
    ("Chu nhat 25/5, 36 doan vien", "2025-05-26", "2025-05-25"),                    # no marks
    ("từ ngày 1/10 đến ngày 10/10", "2025-10-05", "2025-10-01"),                    # the start
    # the weekday picks the year: 4/1 is a Sunday in 2026, not in 2025
    ("Chủ nhật 4/1", "2025-07-01", "2026-01-04"),
])
def test_event_dates(text, published, expected):
    import unicodedata
    for form in (text, unicodedata.normalize("NFD", text)):
        got = event_dates(form, dt.date.fromisoformat(published))
        assert got and got[0][0] == dt.date.fromisoformat(expected), (form, got)


@pytest.mark.parametrize("text", [
    "hưởng ứng Ngày Chuyển đổi số quốc gia 10/10",        # the day's name, not a date
    "Ngày Chuyển đổi số quốc gia (10/10)",
    "Thực hiện Kế hoạch số 12/KH-UBND ngày 3/3/2025",      # a document's date
    "Quyết định 749/QĐ-TTg ngày 3/6/2020",
    "đạt 9/10 xã, 1/2 số hộ, 95/100 hồ sơ",                # fractions
    "ngày 31/2",                                            # no such day
])
def test_not_event_dates(text):
    assert event_dates(text, dt.date(2025, 9, 1)) == []


def test_the_articles_date_decides_when_the_text_does_not():
    taxonomy = Taxonomy.default()
    assert "ngay-chu-nhat-so" in tag(DATED_TITLE, DATED_BODY, taxonomy).tags   # no date: as before
    assert "ngay-chu-nhat-so" not in tag(DATED_TITLE, DATED_BODY, taxonomy,
                                         date=dt.date(2025, 4, 2)).tags
    assert "ngay-chu-nhat-so" in tag(DATED_TITLE, DATED_BODY, taxonomy,
                                     date=dt.datetime(2025, 4, 6, 18, 0)).tags   # that day
    assert "ngay-chu-nhat-so" in tag(DATED_TITLE, DATED_BODY, taxonomy, date="2025-04-07").tags
    why = explain(DATED_TITLE, DATED_BODY, taxonomy, date="2025-04-02")
    assert "«6/4/2025» [sau ngày đăng 2/4/2025] -4.0" in why and "✗ ngay-chu-nhat-so" in why
    # the editors' setting: 0 = dates unread
    from dataclasses import replace
    off = replace(taxonomy, activity_report=replace(taxonomy.activity_report, date_after=0.0))
    assert "ngay-chu-nhat-so" in tag(DATED_TITLE, DATED_BODY, off, date="2025-04-02").tags


def test_a_report_naming_the_activity_once_is_tagged_a_passing_plan_is_not():
    taxonomy = Taxonomy.default()
    title = "Cán bộ xã Tân Hòa thực hành ký số trên phần mềm quản lý văn bản"
    body = ("Hơn 80 cán bộ, công chức xã Tân Hòa đã tham gia lớp tập huấn kỹ năng số do Trung "
            "tâm Chính trị huyện giảng dạy về chuyển đổi số. Kết thúc buổi học, 80 học viên "
            "thực hành ký số văn bản, xử lý hồ sơ trên dịch vụ công trực tuyến.")
    assert "tap-huan" in tag(title, body, taxonomy).tags
    planned = ("Hơn 80 cán bộ, công chức xã Tân Hòa sẽ tham gia lớp tập huấn kỹ năng số do "
               "Trung tâm Chính trị huyện giảng dạy về chuyển đổi số. Học viên sẽ thực hành ký "
               "số văn bản, xử lý hồ sơ trên dịch vụ công trực tuyến.")
    assert "tap-huan" not in tag(title, planned, taxonomy).tags


def test_the_desk_confirms_the_tags_of_an_article_it_locks_or_retags(tmp_path):
    """The real desk: locking an article (or choosing its themes) makes its tags the
    editor's, so `cds tag --all` after an unlock keeps them."""
    root = make_desk_root(tmp_path / "root")
    path = article_file(root, "notice", NOTICE_TITLE, NOTICE_BODY,
                        published="2025-04-08T08:00:00+07:00", tags="[ngay-chu-nhat-so]",
                        more="tags_auto: [ngay-chu-nhat-so]\n")
    path2 = article_file(root, "notice-2", NOTICE_TITLE + " (2)", NOTICE_BODY,
                         published="2025-04-08T08:00:00+07:00", tags="[ngay-chu-nhat-so]",
                         more="tags_auto: [ngay-chu-nhat-so]\n")
    git(root, "add", "-A")
    git(root, "-c", "user.name=cds", "-c", "user.email=cds@localhost", "commit", "-qm", "notices")
    target, target2 = front(path).id, front(path2).id
    desk = Desk(root)
    try:
        from tests.desk_helpers import EDITOR
        s = login(desk, EDITOR)

        def post(where: str, data: dict) -> int:
            token = token_of(s.get(f"{desk.base}/").text)
            return s.post(f"{desk.base}{where}", data={"csrf_token": token, **data},
                          allow_redirects=False).status_code

        assert post(f"/bai/{target}/hanh-dong", {"action": "lock"}) == 303
        assert front(path).locked and front(path).extra["tags_auto"] == []
        assert post(f"/bai/{target}/hanh-dong", {"action": "unlock"}) == 303
        assert post(f"/bai/{target2}/chu-de", {"themes": ["nhan-thuc"]}) == 303
        assert front(path2).themes_locked and front(path2).extra["tags_auto"] == []
    finally:
        desk.close()
    assert not front(path).locked
    jobs.retag(config_mod.load(root), everything=True)
    assert front(path).tags == ["ngay-chu-nhat-so"]          # the editor's now: kept
    assert front(path2).tags == ["ngay-chu-nhat-so"]
