"""The demo site in a real browser: accessibility (axe-core), phones, keyboard, what a page loads.

``cds demo`` is built once into a temporary root, served on loopback by ``LocalServer`` and
opened in headless Chromium (``tests/browser.py``, the DevTools protocol, no PyPI dependency).

- axe-core (npm, pinned in package.json; ``npm ci``) finds no serious or critical violation on
  the home page, a theme, an article, the success stories, the register, a document and the other
  sections, at desktop (1280 px) and phone (390 px) widths, WCAG 2.2's target size included; the
  rules on structure (headings, landmarks, lang, alt, names) must pass whatever their impact.
- Every page is ``lang="vi"`` with one ``h1``, a title, alt text on every image and a skip link.
- At 390 px nothing is wider than the screen; the keyboard reaches only what is visible, and the
  menu button (named, stateful) opens and closes the navigation drawer.
- Screenshots of the home page and an article at 390 and 1280 px go to
  ``test-artifacts/screenshots/`` (look at them), axe's findings to ``test-artifacts/a11y/``.
- Loading the home page or an article asks no host but the site's own for anything: scripts,
  stylesheets, fonts, XHR and images (harvested images are mirrored into the store); the
  requests are listed in ``test-artifacts/a11y/network.json``.

Skipped, with the reason, when Chromium or node_modules/axe-core is missing.
"""

from __future__ import annotations

import json
import re
import struct
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.demo.localserver import LocalServer
from tests.browser import AXE_JS, Browser, Tab, chromium_path, describe

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
REPORTS = ARTIFACTS / "a11y"

CHROMIUM = chromium_path()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)"),
]
needs_axe = pytest.mark.skipif(
    not AXE_JS.is_file(),
    reason=f"{AXE_JS.relative_to(REPO)} missing: run `npm ci` at the repository root")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844, "mobile": True}

# Rules whose every violation fails the test, whatever impact axe gives it.
STRUCTURE_RULES = {
    "heading-order", "page-has-heading-one", "empty-heading", "html-has-lang", "html-lang-valid",
    "image-alt", "link-name", "button-name", "label", "select-name", "document-title",
    "landmark-one-main", "region", "list", "listitem", "duplicate-id-aria", "target-size",
}
AXE_OPTIONS = {"resultTypes": ["violations"],
               "rules": {"target-size": {"enabled": True}}}    # WCAG 2.2 AA, off by default


# --- the site --------------------------------------------------------------------------------

@dataclass
class Site:
    folder: Path
    pages: dict[str, str]           # name → path on the server ("/…/")


def _first(folder: Path, pattern: str, prefer: str = "") -> str:
    """The URL path of the first page under ``folder`` matching ``pattern`` (an ``index.html``
    glob), ``prefer`` first when it exists; the one with an image in its text wins."""
    found = sorted(p.parent for p in folder.glob(pattern))
    assert found, f"no page {pattern} in the demo site"
    if prefer and (folder / prefer / "index.html").is_file():
        return "/" + prefer.strip("/") + "/"
    with_img = [d for d in found if re.search(r'data-pagefind-body[\s\S]*<img ',
                                              (d / "index.html").read_text(encoding="utf-8"))]
    return "/" + (with_img or found)[0].relative_to(folder).as_posix() + "/"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    from pipeline.jobs import run_demo

    root = tmp_path_factory.mktemp("a11y") / "demo"
    run_demo(root, progress=False)
    folder = root / "site"
    pages = {
        "home": "/",
        "theme": _first(folder, "chu-de/*/index.html"),
        "article": _first(folder, "tin-tuc/*/*/*/index.html"),
        "stories": "/cau-chuyen-thanh-cong/",
        "register": "/van-ban/",
        "document": _first(folder, "van-ban/*/index.html", prefer="van-ban/96-kh-ubnd"),
        "themes": "/chu-de/",
        "source": _first(folder, "nguon/*/index.html"),
        "archive": "/luu-tru/",
        "month": _first(folder, "luu-tru/*/*/index.html"),
        "plan": "/ke-hoach/",
        "about": "/gioi-thieu/",
        "not-found": "/404.html",
        "results": "/ket-qua/",
        "results-year": "/ket-qua/2023/",
        "results-task": _first(folder, "ket-qua/*/nhiem-vu-*/index.html"),
        "digest": "/ket-qua/ban-tin/2023-09/",
        "digests": "/ket-qua/ban-tin/",
        "digests-older": "/ket-qua/ban-tin/trang-1/",
    }
    if (folder / "tim-kiem" / "index.html").is_file():
        pages["search"] = "/tim-kiem/"
    for name, path in pages.items():
        file = folder / path.strip("/") / ("" if path.endswith(".html") else "index.html")
        assert file.is_file(), f"{name}: {file} not built"
    return Site(folder, pages)


@pytest.fixture(scope="module")
def server(site):
    with LocalServer(site.folder) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM) as b:
        yield b


@pytest.fixture
def desktop(browser):
    tab = browser.tab(**DESKTOP)
    yield tab
    tab.close()


@pytest.fixture
def phone(browser):
    tab = browser.tab(**PHONE)
    yield tab
    tab.close()


def press(tab: Tab, key: str, times: int = 1) -> None:
    """Press a key as a person would (Tab, Enter, Escape, " ")."""
    codes = {"Tab": ("Tab", 9, None), "Enter": ("Enter", 13, "\r"),
             "Escape": ("Escape", 27, None), " ": ("Space", 32, " ")}
    code, vk, text = codes[key]
    for _ in range(times):
        tab.call("Input.dispatchKeyEvent", type="keyDown", key=key, code=code,
                 windowsVirtualKeyCode=vk, **({"text": text} if text else {}))
        tab.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code,
                 windowsVirtualKeyCode=vk)


FOCUS_JS = """(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const r = e.getBoundingClientRect();
  return {tag: e.tagName, text: (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40),
          label: e.getAttribute('aria-label'), expanded: e.getAttribute('aria-expanded'),
          inDrawer: !!e.closest('.md-sidebar--primary'),
          visible: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
                   && r.left < innerWidth && r.top < innerHeight
                   && e.checkVisibility({visibilityProperty: true})};
})()"""


# --- accessibility -------------------------------------------------------------------------

@needs_axe
def test_axe_finds_nothing_serious(site, server, browser):
    failures, minor, report = [], [], {}
    for device in (DESKTOP, PHONE):
        tab = browser.tab(**device)
        try:
            for name, path in site.pages.items():
                tab.goto(server.url(path))
                found = tab.axe(AXE_JS, AXE_OPTIONS)
                report[f"{name}@{device['width']}"] = found
                bad = [v for v in found
                       if v["impact"] in ("serious", "critical") or v["id"] in STRUCTURE_RULES]
                where = f"{name} ({path}) at {device['width']} px"
                if bad:
                    failures.append(f"{where}:\n{describe(bad)}")
                if len(bad) < len(found):
                    minor.append(f"{where}:\n{describe([v for v in found if v not in bad])}")
        finally:
            tab.close()
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "axe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                      encoding="utf-8")
    if minor:
        warnings.warn("axe, moderate/minor:\n" + "\n".join(minor), stacklevel=1)
    assert not failures, "axe-core violations:\n" + "\n\n".join(failures)


PAGE_FACTS_JS = """(() => {
  const imgs = [...document.querySelectorAll('img')];
  const skip = document.querySelector('a.md-skip');
  return {lang: document.documentElement.lang, title: document.title.trim(),
          h1: document.querySelectorAll('h1').length,
          noAlt: imgs.filter((i) => !i.hasAttribute('alt')).map((i) => i.outerHTML.slice(0, 120)),
          skip: skip ? skip.getAttribute('href') : null,
          skipTarget: !!(skip && document.getElementById(decodeURIComponent(
              skip.getAttribute('href').slice(1)))),
          feeds: [...document.querySelectorAll('link[rel=alternate]')].map((l) => l.type)};
})()"""


def test_every_page_is_vietnamese_titled_and_has_alt_text(site, server, desktop):
    for name, path in site.pages.items():
        desktop.goto(server.url(path))
        facts = desktop.js(PAGE_FACTS_JS)
        where = f"{name} ({path})"
        assert facts["lang"] == "vi", where
        assert facts["title"], where
        assert facts["h1"] == 1, f"{where}: {facts['h1']} h1"
        assert not facts["noAlt"], f"{where}: images without alt: {facts['noAlt']}"
        assert facts["skip"] and facts["skipTarget"], f"{where}: no working skip link {facts}"
        assert {"application/rss+xml", "application/atom+xml"} <= set(facts["feeds"]), where


# --- phones and the keyboard -----------------------------------------------------------------

OVERFLOW_JS = """(() => {
  const w = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('.md-content *')].filter((e) => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 1) return false;
    for (let p = e.parentElement; p; p = p.parentElement) {      // scrolled or clipped: fine
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
    }
    return true;
  });
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth, clientWidth: w,
          wide: wide.slice(0, 5).map((e) => e.outerHTML.slice(0, 120))};
})()"""


def test_nothing_is_wider_than_a_phone(site, server, phone):
    for name, path in site.pages.items():
        phone.goto(server.url(path))
        m = phone.js(OVERFLOW_JS)
        where = f"{name} ({path}) at 390 px"
        # a mobile browser widens the layout viewport to the widest box: the page then pans
        assert m["innerWidth"] == 390 and m["scrollWidth"] <= 390, f"{where}: {m}"
        assert not m["wide"], f"{where}: wider than the screen: {m['wide']}"


def test_keyboard_on_a_phone_reaches_only_what_is_visible_and_opens_the_menu(server, phone):
    phone.goto(server.url("/"))
    press(phone, "Tab")
    skip = phone.js(FOCUS_JS)
    assert skip and skip["tag"] == "A" and "nội dung" in skip["text"], skip
    press(phone, "Tab")
    menu = phone.js(FOCUS_JS)
    assert menu == {**menu, "tag": "BUTTON", "label": "Trình đơn", "expanded": "false",
                    "visible": True}, menu
    for _ in range(6):                     # the closed drawer's links are not in the way
        press(phone, "Tab")
        now = phone.js(FOCUS_JS)
        assert now and now["visible"] and not now["inDrawer"], now

    phone.goto(server.url("/"))
    press(phone, "Tab", 2)
    press(phone, "Enter")
    # focus moves into the drawer, which slides in (0.25 s)
    phone.wait(f"(() => {{ const f = {FOCUS_JS}; return f && f.inDrawer && f.visible; }})()", 5)
    assert phone.js("document.getElementById('__drawer').checked") is True
    assert phone.js("document.querySelector('.cds-toggle--drawer')"
                    ".getAttribute('aria-expanded')") == "true"
    press(phone, "Tab")
    assert phone.js(FOCUS_JS)["inDrawer"] and phone.js(FOCUS_JS)["text"] == "Trang chủ"
    press(phone, "Escape")
    back = phone.js(FOCUS_JS)
    assert back["label"] == "Trình đơn" and back["expanded"] == "false", back
    assert phone.js("document.getElementById('__drawer').checked") is False


def test_keyboard_on_a_desktop_reaches_only_what_is_visible(server, desktop):
    desktop.goto(server.url("/"))
    press(desktop, "Tab")
    assert "nội dung" in desktop.js(FOCUS_JS)["text"]
    seen = []
    for _ in range(10):
        press(desktop, "Tab")
        now = desktop.js(FOCUS_JS)
        seen.append(now)
        assert now and now["visible"], seen
    assert "Chủ đề" in [s["text"] for s in seen]            # the tabs


# --- screenshots ----------------------------------------------------------------------------

def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def test_screenshots_at_phone_and_desktop_width(site, server, browser):
    for device in (PHONE, DESKTOP):
        tab = browser.tab(**device)
        try:
            for name in ("home", "article"):
                tab.goto(server.url(site.pages[name]))
                tab.js("document.fonts.ready.then(() => 0)")
                out = tab.screenshot(SHOTS / f"{name}-{device['width']}.png")
                width, height = _png_size(out)
                assert width == device["width"] and height >= device["height"] // 2, (out, width)
        finally:
            tab.close()


# --- what a page loads ----------------------------------------------------------------------

def test_pages_load_nothing_from_other_hosts(site, server, browser):
    own = server.url("/").split("/")[2]
    hotlinked: dict[str, list[str]] = {}
    for device in (DESKTOP, PHONE):
        tab = browser.tab(**device)
        try:
            for name in ("home", "article"):
                tab.record_network()
                tab.goto(server.url(site.pages[name]))
                tab.js("window.scrollTo(0, document.body.scrollHeight)")   # lazy images load
                tab.settle()
                assert tab.requests and tab.requests[0].host == own
                foreign = [r for r in tab.requests
                           if r.url.startswith(("http:", "https:", "ws:", "wss:")) and r.host != own]
                others = [f"{r.type} {r.url}" for r in foreign]
                assert not others, f"{name} at {device['width']} px asks other hosts: {others}"
                for r in foreign:
                    hotlinked.setdefault(name, [])
                    if r.url not in hotlinked[name]:
                        hotlinked[name].append(r.url)
                assert not tab.console_errors, f"{name}: JavaScript errors {tab.console_errors}"
        finally:
            tab.close()
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "network.json").write_text(json.dumps(
        {"site": own, "hotlinked_images": hotlinked, "when": time.strftime("%Y-%m-%dT%H:%M:%S")},
        ensure_ascii=False, indent=1), encoding="utf-8")
    assert not hotlinked, hotlinked
