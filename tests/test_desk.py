"""The editors' desk over HTTP and the `cds review` CLI, on real parts: a root harvested from a
loopback feed with ``review: true`` (every article pending), git, the real app on waitress,
`cds build` for the site. Browser-driven checks are in test_desk_browser.py."""

from __future__ import annotations

import json
import os
import unicodedata
from datetime import UTC

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.errors import ConfigError
from pipeline.desk import review
from pipeline.desk.gitlog import Author
from pipeline.store.articles import parse
from tests import sitemaps
from tests.desk_helpers import (
    EDITOR,
    PASSWORD,
    REVIEWER,
    Desk,
    cds,
    git,
    login,
    make_desk_root,
    token_of,
)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    root = make_desk_root(tmp_path_factory.mktemp("desk") / "root")
    d = Desk(root)
    yield d
    d.close()


def ids(root) -> list[str]:
    """Article ids, oldest first (the feed's order)."""
    arts = review.Review(config_mod.load(root)).articles()
    return [a.id for a in sorted(arts, key=lambda a: a.published)]


def art(root, article_id):
    return review.Review(config_mod.load(root)).get(article_id)



def post(s: requests.Session, d: Desk, path: str, data: dict, page: str = "/"):
    token = token_of(s.get(f"{d.base}{page}").text)
    return s.post(f"{d.base}{path}", data={"csrf_token": token, **data}, allow_redirects=False)


def last_commit(root) -> tuple[str, str, str, list[str]]:
    out = git(root, "log", "-1", "--name-only", "--format=%an%x1f%cn%x1f%s")
    head, *files = [x for x in out.splitlines() if x]
    an, cn, subject = head.split("\x1f")
    return an, cn, subject, files


# -- review states ---------------------------------------------------------------------------

def test_pending_articles_are_not_published(desk):
    root = desk.root
    assert {a.status for a in review.Review(desk.config).articles()} == {"pending"}
    starter = config_mod.load(root)
    assert all(s.review for s in starter.sources)
    res = cds(root, "build")
    assert res.returncode == 0, res.stderr
    feed = (root / "site" / "rss.xml").read_text(encoding="utf-8")
    assert "tin-tuc/" not in sitemaps.text(root / "site")
    assert "<item>" not in feed
    assert not list((root / "site").glob("tin-tuc/2026/*/*/index.html"))


def test_demo_sources_publish_at_once(tmp_path):
    from pipeline.jobs import PACKAGE
    demo = (PACKAGE / "data" / "demo" / "feeds.yml").read_text(encoding="utf-8")
    (tmp_path / "feeds.yml").write_text(demo.replace("{base}", "http://127.0.0.1:9"),
                                        encoding="utf-8")
    assert not any(s.review for s in config_mod.load(tmp_path).sources)


# -- login, sessions, throttling ----------------------------------------------------------------

def test_pages_need_a_session(desk):
    for path in ("/", f"/bai/{ids(desk.root)[0]}", "/nhat-ky", "/xuat-ban", "/van-ban", "/nguon"):
        r = requests.get(desk.base + path, allow_redirects=False)
        assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap"), path


def test_wrong_password_refused_and_throttled(desk):
    s = requests.Session()
    for _ in range(5):
        page = s.get(f"{desk.base}/dang-nhap")
        r = s.post(f"{desk.base}/dang-nhap", data={"csrf_token": token_of(page.text),
                                                   "ten": EDITOR, "mat_khau": "sai-mat-khau-roi"})
        assert r.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in r.text
    page = s.get(f"{desk.base}/dang-nhap")
    r = s.post(f"{desk.base}/dang-nhap", data={"csrf_token": token_of(page.text), "ten": EDITOR,
                                               "mat_khau": PASSWORD}, allow_redirects=False)
    assert r.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in r.text   # held back
    page = s.get(f"{desk.base}/dang-nhap")       # an unknown name: the very same answer
    r = s.post(f"{desk.base}/dang-nhap", data={"csrf_token": token_of(page.text),
                                               "ten": "khong-co", "mat_khau": PASSWORD})
    assert r.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in r.text
    desk.app.extensions["cds_desk"]["throttle"].succeeded(f"u:{EDITOR}|127.0.0.1")
    login(desk, REVIEWER)                        # others are not held back


def test_cookie_flags(desk):
    s = requests.Session()
    page = s.get(f"{desk.base}/dang-nhap")
    r = s.post(f"{desk.base}/dang-nhap", data={"csrf_token": token_of(page.text),
                                               "ten": REVIEWER, "mat_khau": PASSWORD},
               allow_redirects=False)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    r = s.get(f"{desk.base}/dang-nhap", headers={"X-Forwarded-Proto": "https"})
    # Forwarded headers are trusted only with `cds desk --behind-proxy`: not here.
    assert "Secure" not in r.headers.get("Set-Cookie", "")


def test_secure_cookie_behind_https_proxy(desk):
    d = Desk(desk.root, behind_proxy=True)
    try:
        r = requests.get(f"{d.base}/dang-nhap", headers={"X-Forwarded-Proto": "https"})
        assert r.status_code == 200
        assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
        r = requests.get(f"{d.base}/dang-nhap")
        assert "Secure" not in r.headers["Set-Cookie"]
    finally:
        d.close()


def test_cookie_replayed_after_logout_refused(desk):
    s = login(desk, REVIEWER)
    token = token_of(s.get(f"{desk.base}/").text)
    saved = dict(s.cookies)
    target = ids(desk.root)[7]
    r = s.post(f"{desk.base}/dang-xuat", data={"csrf_token": token}, allow_redirects=False)
    assert r.status_code == 303
    replay = requests.Session()
    replay.cookies.update(saved)
    r = replay.get(f"{desk.base}/", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap")
    r = replay.post(f"{desk.base}/bai/{target}/hanh-dong",
                    data={"csrf_token": token, "action": "approve"}, allow_redirects=False)
    assert r.status_code in (303, 400)
    assert art(desk.root, target).status == "pending"


def test_password_change_ends_sessions(desk):
    s = login(desk, EDITOR)
    assert s.get(f"{desk.base}/", allow_redirects=False).status_code == 200
    res = cds(desk.root, "desk", "passwd", EDITOR, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert res.returncode == 0, res.stderr
    assert s.get(f"{desk.base}/", allow_redirects=False).status_code == 302
    res = cds(desk.root, "desk", "passwd", EDITOR, stdin=f"{PASSWORD}\nkhac-hoan-toan-1\n")
    assert res.returncode == 2 and "differ" in res.stderr


# -- CSRF, origins, roles, ids ---------------------------------------------------------------

def test_post_without_or_with_stale_csrf_token_refused(desk):
    target = ids(desk.root)[6]
    s = login(desk, REVIEWER)
    r = s.post(f"{desk.base}/bai/{target}/hanh-dong", data={"action": "approve"})
    assert r.status_code == 400
    old = token_of(s.get(f"{desk.base}/").text)
    s.post(f"{desk.base}/dang-xuat", data={"csrf_token": old})
    s2 = login(desk, REVIEWER)
    r = s2.post(f"{desk.base}/bai/{target}/hanh-dong", data={"csrf_token": old, "action": "approve"})
    assert r.status_code == 400
    r = s2.post(f"{desk.base}/bai/{target}/hanh-dong",
                data={"csrf_token": old[:-2] + "xx", "action": "approve"})
    assert r.status_code == 400
    assert art(desk.root, target).status == "pending"


def test_post_from_another_origin_refused(desk):
    target = ids(desk.root)[6]
    s = login(desk, REVIEWER)
    token = token_of(s.get(f"{desk.base}/").text)
    r = s.post(f"{desk.base}/bai/{target}/hanh-dong", data={"csrf_token": token,
                                                          "action": "approve"},
               headers={"Origin": "http://127.0.0.1:1"}, allow_redirects=False)
    assert r.status_code == 400
    assert art(desk.root, target).status == "pending"


def test_get_changes_nothing(desk):
    s = login(desk, REVIEWER)
    before = git(desk.root, "rev-parse", "HEAD")
    target = ids(desk.root)[5]
    for path in (f"/bai/{target}/hanh-dong?action=approve", f"/bai/{target}/chu-de",
                 "/hang-loat", "/dang-xuat"):
        assert s.get(desk.base + path).status_code == 405
    assert git(desk.root, "rev-parse", "HEAD") == before


def test_editor_cannot_approve(desk):
    target = ids(desk.root)[5]
    s = login(desk, EDITOR)
    r = post(s, desk, f"/bai/{target}/hanh-dong", {"action": "approve"})
    assert r.status_code == 403
    r = post(s, desk, "/hang-loat", {"action": "approve", "ids": [target], "xac_nhan": "1"})
    assert r.status_code == 403
    assert art(desk.root, target).status == "pending"
    r = post(s, desk, f"/bai/{target}/hanh-dong", {"action": "propose"})
    assert r.status_code == 303
    assert art(desk.root, target).extra.get("proposed_by") == EDITOR


@pytest.mark.parametrize("bad", ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd",
                                 "abc%00def", "...", "abc.md"])
def test_bad_ids_refused(desk, bad):
    s = login(desk, REVIEWER)
    assert s.get(f"{desk.base}/bai/{bad}", allow_redirects=False).status_code in (400, 404)
    r = post(s, desk, "/hang-loat", {"action": "approve", "ids": [bad.replace("%2F", "/")
                                                                   .replace("%00", "\0")],
                                     "xac_nhan": "1"})
    assert r.status_code == 400


def test_cli_refuses_paths_as_ids(desk):
    for bad in ("../x", "/etc/passwd", "a\tb"):
        res = cds(desk.root, "review", "approve", bad)
        assert res.returncode == 2 and "not an article id" in res.stderr
    with pytest.raises(ConfigError):
        review.check_id("abc\0def")


# -- the actions -------------------------------------------------------------------------------

def test_approve_reject_publish(desk):
    root = desk.root
    a, b = ids(root)[0], ids(root)[1]
    s = login(desk, REVIEWER)
    assert post(s, desk, f"/bai/{a}/hanh-dong", {"action": "approve"}).status_code == 303
    an, cn, subject, files = last_commit(root)
    assert (an, cn) == (REVIEWER, "cds")
    assert subject == f"duyệt: {art(root, a).title} ({a})"
    assert files == [review.Review(desk.config).rel(art(root, a))]
    assert post(s, desk, f"/bai/{b}/hanh-dong",
                {"action": "reject", "reason": "Trùng nội dung"}).status_code == 303
    assert art(root, b).status == "rejected"
    assert art(root, b).extra["reject_reason"] == "Trùng nội dung"
    assert last_commit(root)[2].startswith("từ chối: ")
    # publish now, from the desk
    r = post(s, desk, "/xuat-ban", {}, page="/xuat-ban")
    assert r.status_code == 303
    builder = desk.app.extensions["cds_desk"]["builder"]
    assert builder.wait(600) is True, builder.status()["lines"]
    page = s.get(f"{desk.base}/xuat-ban").text
    assert "Xuất bản xong" in page
    feed = (root / "site" / "rss.xml").read_text(encoding="utf-8")
    assert art(root, a).title in feed and art(root, b).title not in feed
    pages = list((root / "site").glob("tin-tuc/2026/*/*/index.html"))
    assert len(pages) == 1 and art(root, a).title in pages[0].read_text(encoding="utf-8")
    assert sitemaps.text(root / "site").count("/tin-tuc/2026/") == 1
    # the pending ones are not in the search index's input either (Pagefind reads site/)
    assert all(art(root, i).title not in p.read_text(encoding="utf-8")
               for i in ids(root)[2:] for p in pages)
    # undo the rejection: a new commit, the article pending again
    rev = git(root, "log", "-1", "--format=%H", "--", review.Review(desk.config).rel(art(root, b)))
    assert post(s, desk, f"/hoan-tac/{rev.strip()}", {}).status_code == 303
    assert art(root, b).status == "pending" and "reject_reason" not in art(root, b).extra
    assert last_commit(root)[2].startswith("hoàn tác: ")
    log = s.get(f"{desk.base}/nhat-ky").text
    assert "duyệt:" in log and "hoàn tác:" in log


def test_bulk_approve_three_with_confirmation(desk):
    root = desk.root
    three = ids(root)[2:5]
    before = git(root, "rev-parse", "HEAD")
    s = login(desk, REVIEWER)
    r = post(s, desk, "/hang-loat", {"action": "approve", "ids": three})
    assert r.status_code == 200 and "Xác nhận" in r.text
    assert git(root, "rev-parse", "HEAD") == before
    assert {art(root, i).status for i in three} == {"pending"}
    r = s.post(f"{desk.base}/hang-loat", data={"csrf_token": token_of(r.text), "action": "approve",
                                               "ids": three, "xac_nhan": "1"},
               allow_redirects=False)
    assert r.status_code == 303
    assert {art(root, i).status for i in three} == {"published"}
    an, _, subject, files = last_commit(root)
    assert an == REVIEWER and subject.startswith("duyệt 3 bài: ") and len(files) == 3


def test_corrected_themes_survive_tag_all(desk):
    root = desk.root
    target = ids(root)[3]
    s = login(desk, EDITOR)
    r = post(s, desk, f"/bai/{target}/chu-de", {"themes": ["trach-nhiem", "van-ban"]})
    assert r.status_code == 303
    assert art(root, target).themes == ["trach-nhiem", "van-ban"]
    assert art(root, target).themes_locked
    assert last_commit(root)[:3] == (EDITOR, "cds", f"sửa chủ đề: {art(root, target).title} "
                                                    f"({target})")
    jobs.retag(config_mod.load(root), everything=True)
    assert art(root, target).themes == ["trach-nhiem", "van-ban"]
    r = post(s, desk, f"/bai/{target}/chu-de", {"themes": ["khong-co"]})
    assert r.status_code == 400


def edit_form(s, d, article_id):
    page = s.get(f"{d.base}/bai/{article_id}/sua").text
    import re
    base_hash = re.search(r'name="base_hash" value="([0-9a-f]+)"', page).group(1)
    return token_of(page), base_hash


def test_edit_body_sets_locked_and_commits_as_the_editor(desk):
    root = desk.root
    target = ids(root)[5]
    s = login(desk, EDITOR)
    assert post(s, desk, f"/bai/{target}/khoa-sua", {}).status_code == 303
    token, base = edit_form(s, desk, target)
    decomposed = unicodedata.normalize("NFD", "Nghị quyết về chuyển đổi số được triển khai.")
    body = f"Đoạn mở đầu.\n\n{decomposed}"
    r = s.post(f"{desk.base}/bai/{target}/sua", data={
        "csrf_token": token, "base_hash": base, "title": unicodedata.normalize("NFD", "Tiêu đề mới"),
        "summary": "Tóm tắt", "body": body}, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    a = art(root, target)
    assert a.locked and a.title == "Tiêu đề mới"
    assert a.body == unicodedata.normalize("NFC", body)
    an, cn, subject, files = last_commit(root)
    assert (an, cn, subject) == (EDITOR, "cds", f"sửa: Tiêu đề mới ({target})")
    committed = git(root, "show", f"HEAD:{files[0]}")
    assert unicodedata.normalize("NFC", decomposed) in committed and decomposed not in committed
    assert "locked: true" in committed


def test_two_editors_edit_the_same_article_nothing_lost(desk):
    root = desk.root
    target = ids(root)[6]
    one, two = login(desk, EDITOR), login(desk, REVIEWER)
    assert post(one, desk, f"/bai/{target}/khoa-sua", {}).status_code == 303
    token1, base1 = edit_form(one, desk, target)
    # the second sees the lock, is refused without asking, then takes over explicitly
    page = two.get(f"{desk.base}/").text
    assert f"Đang được {EDITOR} sửa" in page
    r = post(two, desk, f"/bai/{target}/khoa-sua", {})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/bai/{target}")
    r = post(two, desk, f"/bai/{target}/khoa-sua", {"takeover": "1"})
    assert r.headers["Location"].endswith(f"/bai/{target}/sua")
    token2, base2 = edit_form(two, desk, target)
    assert base1 == base2
    r = two.post(f"{desk.base}/bai/{target}/sua", data={
        "csrf_token": token2, "base_hash": base2, "title": "Bản của người thứ hai",
        "summary": "", "body": "Nội dung của người thứ hai."}, allow_redirects=False)
    assert r.status_code == 303
    # the first saves from the old version: refused, both versions shown, nothing lost
    mine = {"title": "Bản của người thứ nhất", "summary": "", "body": "Nội dung của người thứ nhất."}
    r = one.post(f"{desk.base}/bai/{target}/sua",
                 data={"csrf_token": token1, "base_hash": base1, **mine}, allow_redirects=False)
    assert r.status_code == 409
    assert "Nội dung của người thứ hai." in r.text and "Nội dung của người thứ nhất." in r.text
    assert art(root, target).body == "Nội dung của người thứ hai."
    # merging both and saving again works (the page carries the new hash)
    import re
    new_base = re.search(r'name="base_hash" value="([0-9a-f]+)"', r.text).group(1)
    merged = "Nội dung của người thứ hai.\n\nNội dung của người thứ nhất."
    r = one.post(f"{desk.base}/bai/{target}/sua", data={
        "csrf_token": token_of(r.text), "base_hash": new_base, "title": mine["title"],
        "summary": "", "body": merged}, allow_redirects=False)
    assert r.status_code == 303
    assert art(root, target).body == merged
    authors = git(root, "log", "-2", "--format=%an", "--", review.Review(desk.config).rel(
        art(root, target))).split()
    assert authors == [EDITOR, REVIEWER]


def test_pages_render(desk):
    s = login(desk, REVIEWER)
    target = ids(desk.root)[0]
    for path, needle in (("/", "Hàng chờ duyệt"), (f"/bai/{target}", "Vì sao máy gắn"),
                         ("/nhat-ky", "Nhật ký hôm nay"), ("/van-ban", "Văn bản"),
                         ("/nguon", "Báo mẫu"), ("/?trang_thai=all&chu_de=van-ban", "bài"),
                         ("/xuat-ban", "Xuất bản")):
        r = s.get(desk.base + path)
        assert r.status_code == 200 and needle in r.text, path
    r = s.get(f"{desk.base}/bai/{target}/xem-truoc/")
    assert r.status_code == 200, r.text[:300]
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert art(desk.root, target).title in r.text and "md-header" in r.text   # Material's page


def test_add_unknown_document_with_the_form(desk):
    root = desk.root
    s = login(desk, EDITOR)
    page = s.get(f"{desk.base}/van-ban").text
    assert "57-NQ/TW" in page and "/van-ban/them?number=57-NQ" in page
    form = s.get(f"{desk.base}/van-ban/them", params={"number": "57-NQ/TW"})
    assert form.status_code == 200
    assert 'value="Nghị quyết"' in form.text                        # prefilled from the citation
    assert 'value="Về phát triển khoa học, công nghệ' in form.text
    assert '<option value="central" selected>' in form.text
    assert '<label for="f-title">Trích yếu' in form.text
    target = root / "content" / "van-ban" / "57-nq-tw.md"
    title = unicodedata.normalize("NFD", "Về phát triển khoa học, công nghệ và chuyển đổi số")
    data = {"number": "57-NQ/TW", "doc_type": "Nghị quyết", "issuer": "Bộ Chính trị",
            "issued": "2024-02-30", "title": title, "scope": "central", "signer": "",
            "url": ""}
    r = s.post(f"{desk.base}/van-ban/them", data=data, allow_redirects=False)
    assert r.status_code == 400 and not target.exists()             # no CSRF token
    token = token_of(form.text)
    r = s.post(f"{desk.base}/van-ban/them", data={"csrf_token": token, **data},
               allow_redirects=False)
    assert r.status_code == 400 and not target.exists()             # not a real date
    assert "Ngày ban hành «2024-02-30» không phải là một ngày có thật" in r.text
    assert 'value="Bộ Chính trị"' in r.text and 'aria-invalid="true"' in r.text   # values kept
    r = s.post(f"{desk.base}/van-ban/them", data={"csrf_token": token, **data,
                                                 "issued": "30/12/2024", "doc_type": "Luật"},
               allow_redirects=False)
    assert r.status_code == 400 and "Loại văn bản «Luật» không khớp" in r.text
    r = s.post(f"{desk.base}/van-ban/them", data={"csrf_token": token, **data,
                                                 "issued": "30/12/2024"}, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    an, cn, subject, files = last_commit(root)
    assert (an, cn, subject, files) == (EDITOR, "cds", "thêm văn bản: 57-NQ/TW",
                                        ["content/van-ban/57-nq-tw.md"])
    text = target.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", title) in text and title not in text
    assert "issuer: Bộ Chính trị" in text and "issued: 2024-12-30" in text
    from pipeline.store import register
    assert [d.title for d in register.load_docs(root / "content")
            if d.number == "57-NQ/TW"] == [unicodedata.normalize("NFC", title)]
    before = target.read_bytes()
    head = git(root, "rev-parse", "HEAD")
    r = s.post(f"{desk.base}/van-ban/them", data={"csrf_token": token, **data,
                                                 "issued": "", "title": "Khác"},
               allow_redirects=False)
    assert r.status_code == 409 and "đã có trong danh mục" in r.text
    assert target.read_bytes() == before and git(root, "rev-parse", "HEAD") == head
    r = s.get(f"{desk.base}/van-ban/them", params={"number": "không phải số"})
    assert r.status_code == 404


# -- the CLI -----------------------------------------------------------------------------------

def test_review_cli(desk):
    root = desk.root
    target = ids(root)[7]
    res = cds(root, "review", "list")
    assert res.returncode == 0 and target in res.stdout
    env = {"CDS_EDITOR": "hoa"}
    res = cds(root, "review", "feature", target, "0000000000000000", env=env)
    assert res.returncode == 1 and "0000000000000000: no such article" in res.stderr
    assert art(root, target).featured
    assert last_commit(root)[:2] == ("hoa", "cds")
    res = cds(root, "review", "retag", target, "--themes", "dien-hinh,nhan-thuc", env=env)
    assert res.returncode == 0, res.stderr
    assert art(root, target).themes == ["nhan-thuc", "dien-hinh"]
    res = cds(root, "review", "retag", target, "--themes", "sai", env=env)
    assert res.returncode == 2
    res = cds(root, "review", "show", target)
    assert res.returncode == 0 and "Chủ đề" in res.stdout
    for action in ("lock", "unlock", "unfeature"):
        assert cds(root, "review", action, target, env=env).returncode == 0
    res = cds(root, "review", "approve", target, env=env)
    assert res.returncode == 0 and art(root, target).status == "published"
    res = cds(root, "review", "list", "--status", "published")
    assert target in res.stdout


def test_accounts_cli(desk, tmp_path):
    root = desk.root
    users = json.loads((root / ".cds" / "desk-users.json").read_text(encoding="utf-8"))
    assert users["users"][REVIEWER]["hash"].startswith("$argon2id$")
    assert PASSWORD not in (root / ".cds" / "desk-users.json").read_text(encoding="utf-8")
    assert oct(os.stat(root / ".cds" / "desk-users.json").st_mode & 0o777) == "0o600"
    res = cds(root, "desk", "adduser", "tam", "--role", "editor", stdin="ngan\nngan\n")
    assert res.returncode == 2 and "shorter" in res.stderr
    res = cds(root, "desk", "adduser", "../x", "--role", "editor", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert res.returncode == 2
    res = cds(root, "desk", "adduser", "tam", "--role", "editor",
              stdin=f"{PASSWORD}\n{PASSWORD}\n", process=True)      # a real child's stdin
    assert res.returncode == 0, res.stderr
    assert cds(root, "desk", "deluser", "tam").returncode == 0
    assert "tam" not in cds(root, "desk", "users").stdout


# -- the store round trip ---------------------------------------------------------------------

VIET = st.text(alphabet=st.sampled_from(list("aăâeêioôơuưyđAĂÂĐ \n.,") + [
    "\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "ệ", "ữ", "Ở"]), min_size=1, max_size=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=VIET, body=VIET)
def test_vietnamese_edits_round_trip_nfc(desk, title, body):
    if not " ".join(title.split()).strip():
        return
    rv = review.Review(desk.config)
    target = ids(desk.root)[4]
    a = rv.get(target)
    rv.edit(target, Author.editor(EDITOR), base_hash=rv.file_hash(a), title=title, summary="",
            body=body)
    stored = parse(rv.file_text(rv.get(target)))
    assert stored.title == unicodedata.normalize("NFC", " ".join(title.split()))
    assert unicodedata.is_normalized("NFC", stored.body)
    assert stored.body == review.store_mod.canonical_body(unicodedata.normalize("NFC", body))


def test_harvest_keeps_a_desk_change_made_meanwhile(desk):
    """A harvest that scanned the store before an editor approved (in another process) keeps
    the approval when it updates the article."""
    import dataclasses
    from datetime import datetime

    from pipeline.store import articles as store_mod
    root = desk.root
    target = ids(root)[1]
    harvest_store = store_mod.Store(root / "content")
    seen = harvest_store.get(target)                   # scanned: before the desk's change
    res = cds(root, "review", "lock", target, env={"CDS_EDITOR": "hoa"})
    assert res.returncode == 0
    res = cds(root, "review", "unlock", target, env={"CDS_EDITOR": "hoa"})
    res = cds(root, "review", "feature", target, env={"CDS_EDITOR": "hoa"})
    assert res.returncode == 0
    incoming = dataclasses.replace(seen, body=seen.body + "\n\nĐoạn mới do nguồn bổ sung.",
                                   featured=False, path=None)
    assert harvest_store.save(incoming, now=datetime.now(UTC)) == "updated"
    after = art(root, target)
    assert after.featured and after.body.endswith("Đoạn mới do nguồn bổ sung.")
