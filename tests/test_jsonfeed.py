"""JSON Feed 1.1 beside every RSS/Atom feed: the specification's required fields and types,
the same items as RSS/Atom (ids, titles, links, dates), +07:00 dates, the WebSub hub."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from pipeline.site import jsonfeed
from tests.test_feeds_out import NAMES, make_article, make_config, write


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jf")
    arts = [make_article(i) for i in range(12)] + [make_article(99, status="pending")]
    res = write(tmp, arts)
    return tmp / "site", res


def _json(site: Path, rel: str) -> dict:
    return json.loads((site / rel).read_text(encoding="utf-8"))


def test_every_channel_has_a_valid_json_feed(built):
    site, res = built
    feeds = [r for r in res.files if r.endswith("feed.json")]
    assert {"feed.json", "chu-de/van-ban/feed.json", "nguon/bao-a/feed.json"} <= set(feeds)
    assert len(feeds) == len([r for r in res.files if r.endswith("rss.xml")])
    for rel in feeds:
        data = _json(site, rel)
        assert jsonfeed.problems(data) == [], rel
        assert data["language"] == "vi"
        assert data["feed_url"] == "https://example.gov.vn/cds/" + rel
        assert data["home_page_url"] == "https://example.gov.vn/cds/" + rel[:-len("feed.json")]
    site_feed = _json(site, "feed.json")
    assert len(site_feed["items"]) == 12                       # the pending article is not in it
    assert "hubs" not in site_feed


def test_the_checker_fails_on_a_missing_id_or_a_naive_date(built):
    site, _ = built
    good = _json(site, "feed.json")
    no_id = copy.deepcopy(good)
    del no_id["items"][0]["id"]
    assert any(".id" in p for p in jsonfeed.problems(no_id))
    naive = copy.deepcopy(good)
    naive["items"][1]["date_published"] = "2024-03-01T10:00:00"
    assert any("time zone" in p for p in jsonfeed.problems(naive))
    wrong = copy.deepcopy(good)
    wrong["items"][2]["tags"] = "Nhận thức"
    wrong["version"] = "1"
    assert len(jsonfeed.problems(wrong)) == 2
    no_content = copy.deepcopy(good)
    del no_content["items"][0]["content_html"]
    assert jsonfeed.problems(no_content)


def test_items_match_rss_and_atom(built):
    site, res = built
    for base in ("", "chu-de/nhan-thuc/", "nguon/bao-a/"):
        items = _json(site, base + "feed.json")["items"]
        rss = feedparser.parse((site / (base + "rss.xml")).read_bytes()).entries
        atom = feedparser.parse((site / (base + "atom.xml")).read_bytes()).entries
        assert [i["id"] for i in items] == [e.id for e in rss] == [e.id for e in atom]
        assert [i["title"] for i in items] == [e.title for e in rss] == [e.title for e in atom]
        assert [i["url"] for i in items] == [e.link for e in rss] == [e.link for e in atom]
        for item, r, a in zip(items, rss, atom, strict=True):
            published = datetime.fromisoformat(item["date_published"])
            assert published.utcoffset().total_seconds() == 7 * 3600
            assert item["date_published"].endswith("+07:00")
            assert published.utctimetuple()[:6] == r.published_parsed[:6] == a.published_parsed[:6]
            assert datetime.fromisoformat(item["date_modified"]) == datetime.fromisoformat(a.updated)
            assert set(item.get("tags", [])) == {t.term for t in r.get("tags", [])}
            assert item.get("summary", "") == r.get("summary", "")


def test_content_image_and_tags(built):
    site, _ = built
    item = next(i for i in _json(site, "feed.json")["items"] if i["id"].endswith(":0000000000000003"))
    assert item["image"] == "https://a.example.vn/anh-3.png"
    assert item["external_url"] == "https://a.example.vn/tin-3.html"
    assert set(item["tags"]) == {NAMES["nhan-thuc"], NAMES["dien-hinh"]}
    assert "<strong>một</strong>" in item["content_html"] and "<script" not in item["content_html"]
    assert item["authors"] == [{"name": "Báo A & B"}]


def test_hub_is_declared_in_all_three(tmp_path: Path):
    config = make_config(tmp_path)
    config = replace(config, site=replace(config.site, hub="https://hub.example.vn/"))
    from pipeline.site import feeds_out
    res = feeds_out.write_feeds(config, [make_article(1)], tmp_path / "site", theme_names=NAMES)
    site = tmp_path / "site"
    rss = (site / "rss.xml").read_text(encoding="utf-8")
    assert '<atom:link href="https://hub.example.vn/" rel="hub"/>' in rss
    assert 'rel="self"' in rss
    atom = (site / "atom.xml").read_text(encoding="utf-8")
    assert '<link rel="hub" href="https://hub.example.vn/"/>' in atom
    data = _json(site, "feed.json")
    assert data["hubs"] == [{"type": "WebSub", "url": "https://hub.example.vn/"}]
    assert jsonfeed.problems(data) == []
    assert set(res.changed) == set(res.files)
    again = feeds_out.write_feeds(config, [make_article(1)], site, theme_names=NAMES)
    assert again.changed == [] and again.written == 0


def test_bytes_are_stable(tmp_path: Path):
    arts = [make_article(i) for i in range(5)]
    write(tmp_path / "a", arts)
    write(tmp_path / "b", list(reversed(arts)))
    assert (tmp_path / "a/site/feed.json").read_bytes() == (tmp_path / "b/site/feed.json").read_bytes()
