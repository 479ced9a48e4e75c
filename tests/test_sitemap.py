"""The sitemap is an index of bounded parts: sitemap.xml is a <sitemapindex> of sitemap-*.xml
files, each at most plugin.SITEMAP_URLS addresses, split by the year (then month) of each page's
date, so that a new article rewrites the newest part and the index, not the others. Real MkDocs
builds of a small root (the bound lowered so that the splits happen at a few dozen pages); the
incremental site stays byte for byte a clean build's."""

from __future__ import annotations

import gzip
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest

from pipeline import jobs
from pipeline.site import sitebuild
from pipeline.site.build import plugin as plugin_mod
from tests import sitemaps
from tests.test_site import SITE_URL, differences, make_articles, make_config, make_root


def build(root: Path, arts) -> sitebuild.BuildResult:
    config = make_config(root)
    jobs.publish_site(config, arts)
    return sitebuild.build_site(root, config=config, articles=arts)


def check(site: Path, result: sitebuild.BuildResult, bound: int) -> dict[str, list]:
    """Every page of the site listed exactly once across the parts, none over the bound, every
    part in the index and every sitemap-*.xml file of site/ a part (with its .gz copy, the
    same bytes); the index's lastmod is its part's newest. Returns part file → addresses."""
    index = sitemaps.index(site)
    names = [loc.rsplit("/", 1)[-1] for loc, _ in index]
    assert all(loc == SITE_URL + name for (loc, _), name in zip(index, names, strict=True))
    assert len(set(names)) == len(names)
    assert sorted(names) == sorted(p.name for p in site.glob("sitemap-*.xml"))
    assert sorted(n + ".gz" for n in names) == sorted(p.name for p in site.glob("sitemap-*.xml.gz"))
    parts = {}
    for (loc, lastmod), name in zip(index, names, strict=True):
        entries = sitemaps.part(site, loc)
        assert 0 < len(entries) <= bound, (name, len(entries))
        assert lastmod == max(d for _, d in entries)
        assert gzip.decompress((site / f"{name}.gz").read_bytes()) == (site / name).read_bytes()
        parts[name] = [u for u, _ in entries]
    listed = [u for us in parts.values() for u in us]
    expected = [urljoin(SITE_URL, p[: -len("index.html")] if p.endswith("index.html") else p)
                for p in result.page_outputs]
    assert len(listed) == len(set(listed))                        # exactly once
    assert sorted(listed) == sorted(expected)                     # every page of the site
    gz = gzip.decompress((site / "sitemap.xml.gz").read_bytes())
    assert gz == (site / "sitemap.xml").read_bytes()
    return parts


def test_the_sitemap_is_an_index_of_bounded_parts_and_a_new_article_rewrites_few(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    bound = 12
    monkeypatch.setattr(plugin_mod, "SITEMAP_URLS", bound)
    root = make_root(tmp_path / "root")
    arts = make_articles(30)                          # 2023-08-01 … 2023-09-28: one year
    first = build(root, arts)
    assert first.full
    site = root / "site"
    parts = check(site, first, bound)
    # more than `bound` pages in 2023: split by month, a month over the bound into parts
    assert "sitemap-2023.xml" not in parts and "sitemap-2023-08.xml" in parts
    assert any("-part" in name for name in parts)
    for name, addresses in parts.items():          # an article's part is its own month's
        month = name.removeprefix("sitemap-")[:7]
        assert all(f"/tin-tuc/{month.replace('-', '/')}/" in u for u in addresses
                   if "/tin-tuc/20" in u)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in site.glob("sitemap-*")}

    more = make_articles(31)                         # one new article, in the newest month
    again = build(root, more)
    assert not again.full
    parts = before_parts = check(site, again, bound)
    rewritten = sorted(p.name for p in site.glob("sitemap-*")
                       if before.get(p.name, (None,))[0] != p.stat().st_mtime_ns)
    changed = {name.removesuffix(".gz") for name in rewritten}
    # the new article's month (the listings whose date it moved are in it too) and nothing else
    newest = max(more, key=lambda a: a.published).published
    assert changed and all(n.startswith(f"sitemap-{newest:%Y-%m}") for n in changed), rewritten
    assert all(before[p.name][1] == p.read_bytes() for p in site.glob("sitemap-*")
               if p.name in before and p.name not in rewritten)

    clean = make_root(tmp_path / "clean")
    reference = build(clean, more)
    assert reference.full
    assert differences(site, clean / "site") == []

    # a larger bound: the year fits in one part again; the month parts are pruned (check():
    # every sitemap-*.xml left in site/ is one the index lists)
    monkeypatch.setattr(plugin_mod, "SITEMAP_URLS", 10_000)
    third = build(root, more)
    assert not third.full
    parts = check(site, third, 10_000)
    assert list(parts) == ["sitemap-2023.xml"]
    assert sorted(parts["sitemap-2023.xml"]) == sorted(u for us in before_parts.values() for u in us)


def _page(url: str, date: str | None, link: bool = False):
    return SimpleNamespace(page=SimpleNamespace(is_link=link, url=url, abs_url="/" + url,
                                                canonical_url=None, update_date=date))


def test_parts_by_year_then_month_then_in_order():
    items = [_page(f"a{i}/", f"2024-0{1 + i % 2}-1{i % 10}") for i in range(7)]
    items += [_page("b/", "2023-12-31"), _page("c/", None), _page("d/", "không rõ"),
              _page("lien-ket/", "2024-01-01", link=True), _page("e/", "2025-01-01")]
    parts = plugin_mod.sitemap_parts(items, limit=3)
    named = [(name, [i.page.url for i in chunk]) for name, chunk in parts]
    assert named == [
        ("2023", ["b/"]),
        ("2024-01", ["a0/", "a2/", "a4/"]), ("2024-01-part2", ["a6/"]),
        ("2024-02", ["a1/", "a3/", "a5/"]),
        ("2025", ["e/"]),
        ("undated", ["c/", "d/"]),
    ]
    # within the bound: one part a year, whatever the months
    assert [n for n, _ in plugin_mod.sitemap_parts(items, limit=10)] == \
        ["2023", "2024", "2025", "undated"]
    # a page without an address is not listed (MkDocs' template skips it too)
    nowhere = SimpleNamespace(page=SimpleNamespace(is_link=False, abs_url=None,
                                                   canonical_url=None, update_date="2024-01-01"))
    assert plugin_mod.sitemap_parts([nowhere]) == []
