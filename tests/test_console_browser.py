"""Every page kind of the demo site loads in headless Chromium without a console error or a failed
request (a 404 for `<page>/sitemap.xml` that Material asks for when a page's feed links read as
language versions, a missing asset, a script error)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.demo.localserver import LocalServer
from tests.browser import Browser, chromium_path

CHROMIUM = chromium_path()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)"),
]


def _first(folder: Path, pattern: str) -> str:
    found = sorted(p.parent for p in folder.glob(pattern))
    assert found, f"no page {pattern} in the demo site"
    return "/" + found[0].relative_to(folder).as_posix() + "/"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    from pipeline.jobs import run_demo

    root = tmp_path_factory.mktemp("console") / "demo"
    run_demo(root, progress=False)
    site = root / "site"
    pages = {
        "home": "/", "themes": "/chu-de/", "theme": _first(site, "chu-de/*/index.html"),
        "article": _first(site, "tin-tuc/*/*/*/index.html"),
        "stories": "/cau-chuyen-thanh-cong/", "register": "/van-ban/",
        "document": _first(site, "van-ban/*-*/index.html"),
        "source": _first(site, "nguon/*/index.html"), "archive": "/luu-tru/",
        "month": _first(site, "luu-tru/*/*/index.html"), "plan": "/ke-hoach/",
        "about": "/gioi-thieu/", "not-found": "/404.html",
    }
    for extra in ("tim-kiem", "van-ban/chua-co"):
        if (site / extra / "index.html").is_file():
            pages[extra] = f"/{extra}/"
    for name, path in pages.items():
        if not path.endswith(".html"):
            assert (site / path.strip("/") / "index.html").is_file(), name
    return site, pages


def test_no_page_logs_a_console_error_or_a_failed_request(demo):
    site, pages = demo
    problems: list[str] = []
    with LocalServer(site) as server, Browser(CHROMIUM) as browser:
        tab = browser.tab()
        for name, path in pages.items():
            tab.record_network()
            tab.goto(server.url(path))
            tab.settle(quiet=0.5)
            # Material's feed/language handling and instant pages fetch after load: wait a bit.
            for req in tab.requests:
                if req.failed or req.status >= 400:
                    problems.append(f"{name} {path}: {req.url} → "
                                    f"{req.failed or req.status}")
            problems += [f"{name} {path}: console: {m}" for m in
                         tab.console_errors + tab.console_messages]
        tab.close()
    assert not problems, "\n".join(problems)


def test_page_feeds_stay_discoverable(demo):
    """Feed readers find a theme's own feeds in <head> (rel contains "alternate", type set)."""
    site, pages = demo
    head = (site / pages["theme"].strip("/") / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<link rel="([^"]*)" type="application/(?:rss|atom)\+xml"[^>]*href="([^"]+)"',
                       head)
    own = {href for rel, href in links if "alternate" in rel.split() and "/" not in href}
    assert own == {"rss.xml", "atom.xml"}, links
