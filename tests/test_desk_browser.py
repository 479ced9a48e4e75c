"""The desk in a real browser (Playwright for Python driving Debian's /usr/bin/chromium; never
`playwright install`): log in, keyboard triage, a forged form from another loopback port, axe on
every page at 390 and 1280 px, screenshots into test-artifacts/desk/.

One root, one app, one browser for the module. Skipped, with the reason, when Chromium or
node_modules/axe-core is missing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline import config as config_mod
from pipeline.demo.localserver import LocalServer
from pipeline.desk import review
from tests.desk_helpers import EDITOR, PASSWORD, REVIEWER, Desk, make_desk_root

REPO = Path(__file__).resolve().parent.parent
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts" / "desk"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
]
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("deskb")
    root = make_desk_root(base / "root")
    desk = Desk(root)
    evil_dir = base / "evil"
    evil_dir.mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p, LocalServer(evil_dir) as evil:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            yield {"root": root, "desk": desk, "browser": browser, "evil": evil,
                   "evil_dir": evil_dir}
        finally:
            browser.close()
            desk.close()


def login(env, name: str, viewport=WIDTHS["desktop"]):
    ctx = env["browser"].new_context(viewport=viewport, locale="vi-VN")
    page = ctx.new_page()
    page.goto(env["desk"].base + "/")
    assert "/dang-nhap" in page.url
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(env["desk"].base + "/")
    return ctx, page


def pending(root) -> list:
    arts = review.Review(config_mod.load(root)).articles()
    return sorted((a for a in arts if a.status == "pending"),
                  key=lambda a: (a.harvested, a.published, a.id), reverse=True)


def test_login_and_keyboard_triage(env):
    ctx, page = login(env, REVIEWER)
    try:
        assert page.get_by_role("heading", level=1).inner_text() == "Hàng chờ duyệt"
        first = pending(env["root"])[0]
        page.keyboard.press("j")
        assert page.locator(".row.current").get_attribute("data-id") == first.id
        page.keyboard.press("?")
        assert page.locator("#tro-giup").is_visible()
        with page.expect_navigation():
            page.keyboard.press("a")
        assert "Duyệt: 1 bài" in page.locator(".flash").inner_text()
        assert review.Review(config_mod.load(env["root"])).get(first.id).status == "published"
    finally:
        ctx.close()


def test_forged_form_from_another_loopback_port_refused(env):
    target = pending(env["root"])[0]
    desk = env["desk"]
    (env["evil_dir"] / "index.html").write_text(
        '<!doctype html><html lang="vi"><title>x</title><body>'
        f'<form id="f" method="post" action="{desk.base}/bai/{target.id}/hanh-dong">'
        '<input name="action" value="approve"></form>'
        '<script>document.getElementById("f").submit()</script></body></html>',
        encoding="utf-8")
    ctx, page = login(env, REVIEWER)
    try:
        with page.expect_navigation(url=f"{desk.base}/bai/{target.id}/hanh-dong") as nav:
            page.goto(env["evil"].base + "/index.html")
        assert nav.value.status == 400
        assert review.Review(config_mod.load(env["root"])).get(target.id).status == "pending"
    finally:
        ctx.close()


def axe(page) -> list[dict]:
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("""() => axe.run(document, {resultTypes: ['violations'],
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                        'wcag22aa', 'best-practice']}})""")
    return result["violations"]


@pytest.mark.skipif(not AXE_JS.is_file(), reason="node_modules/axe-core missing: run `npm ci`")
def test_accessibility_and_screenshots(env):
    root, desk = env["root"], env["desk"]
    target = pending(root)[-1]
    found = {}
    for role, name in (("reviewer", REVIEWER), ("editor", EDITOR)):
        for label, viewport in WIDTHS.items():
            ctx, page = login(env, name, viewport)
            try:
                pages = {"hang-cho": "/", "bai": f"/bai/{target.id}", "nhat-ky": "/nhat-ky",
                         "xuat-ban": "/xuat-ban", "van-ban": "/van-ban", "nguon": "/nguon",
                         "chat-luong": "/chat-luong-phan-loai",
                         "van-ban-them": "/van-ban/them?number=57-NQ/TW"}
                if role == "editor":
                    pages = {"bai": f"/bai/{target.id}"}
                for key, path in pages.items():
                    page.goto(desk.base + path)
                    page.wait_for_load_state("load")
                    if role == "reviewer":
                        page.screenshot(path=str(ARTIFACTS / f"{key}-{viewport['width']}.png"),
                                        full_page=key != "bai")
                    bad = [v for v in axe(page) if v["impact"] in ("serious", "critical")]
                    found[f"{role} {path} {label}"] = bad
                # the edit form, with its lock
                page.goto(f"{desk.base}/bai/{target.id}")
                page.get_by_role("button", name=re.compile("Sửa tiêu đề|Nhận quyền sửa")).click()
                page.wait_for_url(f"{desk.base}/bai/{target.id}/sua")
                found[f"{role} sua {label}"] = [v for v in axe(page)
                                               if v["impact"] in ("serious", "critical")]
                if role == "reviewer":
                    page.screenshot(path=str(ARTIFACTS / f"sua-{viewport['width']}.png"))
                page.goto(f"{desk.base}/bai/{target.id}")
                page.get_by_role("button", name="Đăng xuất").click()
                page.wait_for_url(f"{desk.base}/dang-nhap")
                found[f"dang-nhap {label}"] = [v for v in axe(page)
                                               if v["impact"] in ("serious", "critical")]
                page.screenshot(path=str(ARTIFACTS / f"dang-nhap-{viewport['width']}.png"))
                # nothing wider than the screen
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], (label, width)
            finally:
                ctx.close()
    (ARTIFACTS / "axe.json").write_text(json.dumps(found, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    problems = {k: [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in vs]
                for k, vs in found.items() if vs}
    assert not problems, problems
