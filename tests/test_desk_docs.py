"""Review of harvested documents (``review: pending`` register entries) over HTTP on the real
desk (waitress on loopback) and with the real CLI: reviewers approve or reject, editors only
see; each action one git commit by the editor; an approved document reaches the built register
page and the "Văn bản mới" feed, a rejected one never does, also after a re-harvest."""

from __future__ import annotations

import importlib.util

import feedparser
import pytest

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.demo.localserver import LocalServer
from pipeline.store import register
from tests.conftest import DEMO, make_root
from tests.desk_helpers import EDITOR, PASSWORD, REVIEWER, Desk, cds, git, login, token_of

_spec = importlib.util.spec_from_file_location("pdfgen", DEMO / "pdfgen.py")
pdfgen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pdfgen)

# Our own sample documents (not real ones).
ROWS = [("Số: 96 /KH-UBND", "17/07/2023", "UBND tỉnh Mẫu",
         "Kế hoạch truyền thông về chuyển đổi số năm 2023", "kh-96.pdf",
         ["Số: 96/KH-UBND", "Kế hoạch truyền thông về chuyển đổi số cho cán bộ cấp xã."]),
        ("12/KH-UBND", "05/03/2024", "UBND tỉnh Mẫu",
         "Kế hoạch thử nghiệm chuyển đổi số bị từ chối", "kh-12.pdf",
         ["Số: 12/KH-UBND", "Văn bản thử nghiệm không thuộc danh mục."]),
        ("30/KH-UBND", "06/03/2024", "UBND tỉnh Mẫu",
         "Kế hoạch chuyển đổi số chờ người duyệt", "kh-30.pdf",
         ["Số: 30/KH-UBND", "Nội dung thử nghiệm số ba."])]

FEEDS = """\
site:
  title: Thử văn bản
  url: https://cds.example.vn/
sources:
  - id: vb
    name: Cổng văn bản mẫu
    kind: documents
    url: "{base}/vb/index.html"
    review: true
    documents:
      row: table.vb tbody tr
      number: td.so
      date: td.ngay
      issuer: td.cq
      summary: td.ty
      file: td.tep a
"""


def listing() -> str:
    rows = "".join(f'<tr><td class="so">{n}</td><td class="ngay">{d}</td><td class="cq">{i}</td>'
                   f'<td class="ty">{t}</td><td class="tep"><a href="tep/{f}">Tải</a></td></tr>'
                   for n, d, i, t, f, _ in ROWS)
    return f'<html><body><table class="vb"><tbody>{rows}</tbody></table></body></html>'


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    base = tmp_path_factory.mktemp("deskdocs")
    portal, root = base / "portal", base / "root"
    (portal / "vb" / "tep").mkdir(parents=True)
    (portal / "vb" / "index.html").write_text(listing(), encoding="utf-8")
    for *_, f, lines in ROWS:
        (portal / "vb" / "tep" / f).write_bytes(pdfgen.text_pdf(lines))
    with LocalServer(portal) as server:
        make_root(root, FEEDS.format(base=server.base))
        config = config_mod.load(root)
        report = jobs.harvest(config, progress=False)
        assert report.sources[0].new == len(ROWS), report.sources[0].errors
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "-c", "user.name=cds", "-c", "user.email=cds@localhost", "commit", "-qm", "thu")
        for name, role in ((REVIEWER, "reviewer"), (EDITOR, "editor")):
            res = cds(root, "desk", "adduser", name, "--role", role,
                      stdin=f"{PASSWORD}\n{PASSWORD}\n")
            assert res.returncode == 0, res.stderr
        d = Desk(root)
        d.config = config
        yield d
        d.close()



def entry(d: Desk, slug: str) -> str:
    return (d.root / "content" / "van-ban" / f"{slug}.md").read_text(encoding="utf-8")


def head(d: Desk) -> tuple[str, str, list[str]]:
    out = git(d.root, "log", "-1", "--name-only", "--format=%an%x1f%s")
    first, *files = [x for x in out.splitlines() if x]
    author, subject = first.split("\x1f")
    return author, subject, files


def test_editor_sees_pending_documents_but_cannot_decide(desk):
    s = login(desk, EDITOR)
    page = s.get(f"{desk.base}/van-ban/cho-duyet")
    assert page.status_code == 200
    for number in ("96/KH-UBND", "12/KH-UBND", "30/KH-UBND"):
        assert number in page.text
    assert "Cổng văn bản mẫu" in page.text and "Kế hoạch truyền thông" in page.text
    assert "cho cán bộ cấp xã" in page.text                   # the extracted text's excerpt
    assert 'value="approve"' not in page.text
    assert "Văn bản chờ duyệt" in s.get(f"{desk.base}/").text  # in the navigation
    tep = s.get(f"{desk.base}/van-ban/cho-duyet/96-kh-ubnd/tep")
    assert tep.status_code == 200 and tep.content.startswith(b"%PDF")
    before = git(desk.root, "rev-parse", "HEAD")
    r = s.post(f"{desk.base}/van-ban/cho-duyet", allow_redirects=False,
               data={"csrf_token": token_of(page.text), "numbers": "96/KH-UBND",
                     "action": "approve"})
    assert r.status_code == 403
    assert git(desk.root, "rev-parse", "HEAD") == before
    assert "review: pending" in entry(desk, "96-kh-ubnd")


def test_reviewer_needs_the_csrf_token_then_approves_in_one_commit(desk):
    s = login(desk, REVIEWER)
    r = s.post(f"{desk.base}/van-ban/cho-duyet", allow_redirects=False,
               data={"numbers": "96/KH-UBND", "action": "approve"})
    assert r.status_code == 400 and "review: pending" in entry(desk, "96-kh-ubnd")
    page = s.get(f"{desk.base}/van-ban/cho-duyet")
    assert 'value="approve"' in page.text
    before = entry(desk, "96-kh-ubnd")
    r = s.post(f"{desk.base}/van-ban/cho-duyet", allow_redirects=False,
               data={"csrf_token": token_of(page.text), "numbers": "Số: 96 /KH-UBND",
                     "action": "approve"})
    assert r.status_code == 303
    after = entry(desk, "96-kh-ubnd")
    assert "review:" not in after
    assert [x for x in before.splitlines() if not x.startswith("review:")] == after.splitlines()
    assert head(desk) == (REVIEWER, "duyệt văn bản: 96/KH-UBND",
                          ["content/van-ban/96-kh-ubnd.md"])
    page = s.get(f"{desk.base}/van-ban/cho-duyet").text
    assert "Đã duyệt 1 văn bản: 96/KH-UBND" in page and 'id="vb-96-kh-ubnd"' not in page
    assert s.get(f"{desk.base}/van-ban/cho-duyet/96-kh-ubnd/tep").status_code == 404


def test_cli_rejects_lists_and_reports_unknown_numbers(desk):
    res = cds(desk.root, "review", "docs")
    assert res.returncode == 0 and "12/KH-UBND" in res.stdout and "96/KH-UBND" not in res.stdout
    res = cds(desk.root, "review", "reject-doc", "12/KH-UBND", "--reason", "Không thuộc chủ đề",
              env={"CDS_EDITOR": "hoa"})
    assert res.returncode == 0, res.stderr
    text = entry(desk, "12-kh-ubnd")
    assert "review: rejected" in text and "reject_reason: Không thuộc chủ đề" in text
    assert head(desk) == ("hoa", "từ chối văn bản: 12/KH-UBND", ["content/van-ban/12-kh-ubnd.md"])
    res = cds(desk.root, "review", "approve-doc", "99/KH-UBND")
    assert res.returncode == 1 and "99/KH-UBND: no such document" in res.stderr
    res = cds(desk.root, "review", "approve-doc", "khong-phai-so")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    doc = {d.number: d for d in register.load_docs(desk.root / "content")}["12/KH-UBND"]
    assert doc.reject_reason == "Không thuộc chủ đề" and register.visible([doc]) == []


def test_approved_is_built_rejected_never_also_after_a_reharvest(desk):
    rejected = entry(desk, "12-kh-ubnd")
    with LocalServer(desk.root.parent / "portal") as server:
        (desk.root / "feeds.yml").write_text(FEEDS.format(base=server.base), encoding="utf-8")
        report = jobs.harvest(config_mod.load(desk.root), progress=False).sources[0]
    assert report.new == 0, report.errors
    assert entry(desk, "12-kh-ubnd") == rejected
    res = cds(desk.root, "build")
    assert res.returncode == 0, res.stderr
    site = desk.root / "site" / "van-ban"
    listing_page = (site / "index.html").read_text(encoding="utf-8")
    assert "96/KH-UBND" in listing_page
    assert "12/KH-UBND" not in listing_page and "30/KH-UBND" not in listing_page
    assert (site / "96-kh-ubnd" / "index.html").is_file()
    assert not (site / "12-kh-ubnd").exists()
    feed = feedparser.parse((site / "rss.xml").read_bytes())
    titles = " ".join(e.title for e in feed.entries)
    assert "96/KH-UBND" in titles and "12/KH-UBND" not in titles and "30/KH-UBND" not in titles
