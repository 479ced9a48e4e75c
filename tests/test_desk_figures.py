"""The desk's read-only figures over HTTP: the next report due and its data gaps (issue 16, the
same as `cds status`), and "Chất lượng phân loại" (issue 20, the same numbers as
`cds tag --evaluate` / `--suggest`). A harvested desk root (every article pending) where an
editor locked the themes of six articles, three of them with a theme the tagger does not give."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
import time
from datetime import datetime

import pytest
import requests

from pipeline import config as config_mod
from pipeline.core.models import THEMES
from pipeline.results import service
from pipeline.store.articles import Store
from pipeline.tagging import oof, tag_learn
from tests.desk_helpers import EDITOR, REVIEWER, Desk, login, make_desk_root

# "không dùng tiền mặt" is in three sample articles: the editor says they are "dien-hinh".
LOCKED = {0: ["trach-nhiem"], 1: ["nhan-thuc"], 2: ["dien-hinh"], 4: ["van-ban"],
          6: ["dien-hinh"], 7: ["dien-hinh", "trach-nhiem"]}


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    root = make_desk_root(tmp_path_factory.mktemp("desk-figures") / "root")
    store = Store(root / "content")
    arts = sorted(store.articles(), key=lambda a: a.published)
    for n, themes in LOCKED.items():
        store.write(dataclasses.replace(arts[n], themes=themes, themes_locked=True))
    d = Desk(root)
    yield d
    d.close()



def text_of(markup: str) -> str:
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
    return re.sub(r"\( ", "(", re.sub(r" ([).,;:])", r"\1", text))


def test_next_report_and_its_gaps_on_sources_page_and_queue(desk):
    config = config_mod.load(desk.root)
    articles = Store(desk.root / "content").articles()
    today = datetime.now(config_mod.timezone(config)).date()
    info = service.deadline(config, articles, today)
    s = login(desk, EDITOR)
    page = text_of(s.get(f"{desk.base}/nguon").text)
    label = info["period"].label
    assert (f"Báo cáo kỳ tới: hạn {info['due']:%d/%m/%Y} (còn {info['days']} ngày), báo cáo "
            f"{label[0].lower() + label[1:]} (lệnh: cds report --period {info['period'].key})"
            in page)
    assert info["empty"], "every article is pending: the finished months have no data"
    months = ", ".join(m.label.lower() for m in info["empty"])
    assert f"Kỳ báo cáo đang thiếu số liệu: chưa có tin bài nào được đăng trong {months}" in page
    queue = text_of(s.get(f"{desk.base}/").text)
    assert f"Báo cáo kỳ tới: hạn {info['due']:%d/%m/%Y}" in queue
    assert "Kỳ báo cáo đang thiếu số liệu" in queue


def _cells(row: str) -> list[str]:
    return re.findall(r"<td>([^<]*)</td>", row)


def test_tag_quality_shows_the_same_numbers_as_cds_tag_evaluate(desk):
    r = requests.get(f"{desk.base}/chat-luong-phan-loai", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap")
    assert not (desk.root / ".cds" / oof.CACHE_FILE).exists()
    s = login(desk, EDITOR)
    # nothing cached: the page answers at once, "đang tính…", while `cds tag --evaluate` runs
    # in a child process and caches the out-of-fold opinions (six locked articles: up to 5 folds)
    first = s.get(f"{desk.base}/chat-luong-phan-loai")
    assert first.status_code == 200
    assert "Đang tính số liệu…" in first.text and 'data-refresh="2"' in first.text
    assert "mô hình không học từ chính bài đó" in text_of(first.text)
    assert 'id="bang-chat-luong"' not in first.text
    assert 'id="bang-goi-y"' in first.text              # the rules' suggestions need no model
    deadline = time.monotonic() + 600
    page = first
    while 'id="bang-chat-luong"' not in page.text:
        assert "Chưa tính được" not in page.text, page.text
        assert time.monotonic() < deadline, "the evaluation did not finish"
        time.sleep(1)
        page = s.get(f"{desk.base}/chat-luong-phan-loai")
    # the CLI now reads what the desk's run cached: no fit, the same figures
    res = subprocess.run([sys.executable, "-m", "pipeline", "--root", str(desk.root), "tag",
                          "--evaluate"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "không học lại" in res.stderr
    cli = {}
    for line in res.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] in (*THEMES, "tổng"):
            cli["micro" if parts[0] == "tổng" else parts[0]] = parts[-7:]
    articles, taxonomy = tag_learn.examples(desk.root)
    assert len(articles) == len(LOCKED)
    ev = tag_learn.evaluate(articles, taxonomy).as_dict()
    folds = len(set(oof.fold_of(a.id for a in articles).values()))     # 5 by hash, some empty
    assert ev["folds"] == folds and 1 < folds <= 5 and not ev["leave_one_out"]
    suggestions = tag_learn.suggest(articles, taxonomy)
    assert ev["confusions"] and suggestions          # the fixture gives the tagger work to do
    for who in (EDITOR, REVIEWER):
        page = login(desk, who).get(f"{desk.base}/chat-luong-phan-loai")
        assert page.status_code == 200 and "Chất lượng phân loại" in page.text
        body = page.text
        assert "data-refresh" not in body
        assert f"{ev['articles']} bài đã khoá chủ đề" in body
        how = text_of(re.search(r'<p id="cach-tinh">(.*?)</p>', body, flags=re.S).group(1))
        assert ("mỗi bài được chấm bởi quy tắc và mô hình không học từ chính bài đó — các bài "
                f"được chia thành {folds} phần cố định theo mã bài ({folds} lần học)") in how
        for tid, st in [*ev["themes"].items(), ("micro", ev["micro"])]:
            row = re.search(rf'<tr data-theme="{tid}">(.*?)</tr>', body, flags=re.S)
            assert row, tid
            cells = _cells(row.group(1))
            want = [f"{st[k]:.2f}".replace(".", ",") for k in ("precision", "recall", "f1")]
            assert cells == want + [str(st[k]) for k in ("tp", "fp", "fn", "support")], tid
            # … and the CLI's printout (its decimals with a point)
            assert [c.replace(",", ".") for c in cells] == cli[tid], tid
        confusions = text_of(re.search(r'<ul id="danh-sach-nham-lan">(.*?)</ul>', body,
                                       flags=re.S).group(1))
        for c in ev["confusions"]:
            assert f"{c['count']} bài" in confusions
            for t in (c["editors"], c["tagger"]):
                assert not t or f"({t})" in confusions
        table = text_of(re.search(r'<table id="bang-goi-y">(.*?)</table>', body,
                                  flags=re.S).group(1))
        for sug in suggestions:
            assert f"{sug.phrase} {sug.hits} {sug.with_theme} {sug.without_theme}" in table


def test_tag_quality_reports_a_broken_taxonomy(desk):
    path = desk.root / "taxonomy.yml"
    saved = path.read_bytes() if path.exists() else None
    path.write_text("themes: [\n", encoding="utf-8")
    try:
        page = login(desk, EDITOR).get(f"{desk.base}/chat-luong-phan-loai")
        assert page.status_code == 200 and "Không đọc được bộ phân loại" in page.text
    finally:
        if saved is None:
            path.unlink()
        else:
            path.write_bytes(saved)
