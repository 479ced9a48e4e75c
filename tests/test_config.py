"""feeds.yml: typed loading, overrides, durations, and every error message word for word."""

from __future__ import annotations

import textwrap
import unicodedata
import zoneinfo
from pathlib import Path

import pytest

from pipeline import config
from pipeline.core.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
site:
  title: Chuyển đổi số Thái Bình
  url: https://example.gov.vn/
defaults:
  timeout: 15
  interval: 30m
  max_items: 40
  user_agent: test-agent
sources:
  - id: bao-a
    name: Báo A
    kind: feed
    url: https://a.example.vn/rss/cds.rss
    aliases: [WWW.A.example.vn, m.a.example.vn.]
  - id: cong-b
    name: Cổng B
    kind: html
    url: http://b.example.vn/tin-tuc/chuyen-doi-so
    list:
      item: .news-item
      link: a.title
      next: a.next
    article:
      body: div.detail-content
      remove: [.related, .share-tools]
    timeout: 40
    interval: 2h
    max_items: 5
    user_agent: other-agent
    cadence: {count: 1, per: week}
    enabled: false
"""


def parse(text: str) -> config.Config:
    return config.parse_text(textwrap.dedent(text), Path("/tmp/root"))


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert info.value.exit_code == 2
    return info.value.problems


def with_source(source: str, site: str = "site: {title: T, url: https://t.vn/}\n") -> str:
    return site + "sources:\n" + textwrap.indent(textwrap.dedent(source), "  ")


# --- what loads -------------------------------------------------------------------------------

def test_good_file_loads_into_typed_models():
    cfg = parse(GOOD)
    assert cfg.root == Path("/tmp/root")
    assert cfg.site.title == "Chuyển đổi số Thái Bình"
    assert cfg.site.timezone == "Asia/Ho_Chi_Minh"
    assert cfg.defaults.interval == 1800 and cfg.defaults.concurrency == 8
    a, b = cfg.sources
    assert a.aliases == ("www.a.example.vn", "m.a.example.vn")
    assert a.list is None and a.article is None and a.cadence is None and a.enabled
    assert b.list.item == ".news-item" and b.list.max_pages == 3      # `next` without max_pages
    assert b.article.remove == (".related", ".share-tools")
    assert (b.cadence.count, b.cadence.per) == (1, "week")
    assert not b.enabled
    assert cfg.source("cong-b") is b and cfg.source("nope") is None


def test_defaults_resolve_into_sources_and_sources_override_them():
    a, b = parse(GOOD).sources
    assert (a.timeout, a.interval, a.max_items, a.user_agent) == (15, 1800, 40, "test-agent")
    assert (b.timeout, b.interval, b.max_items, b.user_agent) == (40, 7200, 5, "other-agent")


def test_without_defaults_the_models_defaults_apply():
    cfg = parse(with_source("- {id: a, name: A, kind: feed, url: https://a.vn/f.rss}"))
    src, d = cfg.sources[0], config.models.Defaults()
    assert cfg.defaults == d
    assert (src.timeout, src.interval, src.max_items, src.user_agent) == (
        d.timeout, d.interval, d.max_items, d.user_agent)
    assert cfg.site.language == "vi"


def test_keywords_and_titles_are_nfc():
    decomposed = unicodedata.normalize("NFD", "chuyển đổi số")
    cfg = parse(with_source(
        f'- {{id: a, name: "{unicodedata.normalize("NFD", "Báo")}", kind: feed, '
        f'url: https://a.vn/, keywords: ["{decomposed}", "  chính quyền số "]}}'))
    src = cfg.sources[0]
    assert src.keywords == ("chuyển đổi số", "chính quyền số")
    assert all(unicodedata.is_normalized("NFC", k) for k in src.keywords)
    assert src.name == "Báo"


def test_empty_sections_are_allowed():
    cfg = parse("site: {title: T, url: https://t.vn/}\ndefaults:\nsources:\n")
    assert cfg.sources == () and cfg.defaults == config.models.Defaults()


@pytest.mark.parametrize("value, seconds", [
    ("45s", 45), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400),
    ("90", 90), (" 2H ", 7200), (600, 600),
])
def test_parse_interval(value, seconds):
    assert config.parse_interval(value) == seconds


@pytest.mark.parametrize("value, message", [
    ("5x", "'5x' is not a duration like 45s, 30m or 2h"),
    ("", "'' is not a duration like 45s, 30m or 2h"),
    ("1.5h", "'1.5h' is not a duration like 45s, 30m or 2h"),
    (True, "True is not a duration like 45s, 30m or 2h"),
    (1.5, "1.5 is not a duration like 45s, 30m or 2h"),
    ("0s", "'0s' must be longer than 0 seconds"),
    (-5, "-5 must be longer than 0 seconds"),
])
def test_parse_interval_rejects(value, message):
    with pytest.raises(ValueError) as info:
        config.parse_interval(value)
    assert str(info.value) == message


def test_the_thai_binh_root_loads():
    cfg = config.load(REPO)
    assert cfg.site.title == "Chuyển đổi số Thái Bình"
    assert cfg.site.timezone == "Asia/Ho_Chi_Minh"
    ids = {s.id for s in cfg.sources}
    assert {"bao-thai-binh", "thai-binh-tv", "bqlkcn-thai-binh"} <= ids
    tv = cfg.source("thai-binh-tv")
    assert (tv.cadence.count, tv.cadence.per) == (1, "week")      # plan appendix row 2
    text = (REPO / "feeds.yml").read_text(encoding="utf-8")
    lines = text.splitlines()
    for src in cfg.sources:        # nothing unverified runs unnoticed
        assert not src.enabled
        url_line = next(line for line in lines if f"url: {src.url}" in line)
        assert "# unverified" in url_line


def test_the_starter_loads_and_copies(tmp_path):
    cfg = config.load(config.starter_dir())
    assert len(cfg.sources) == 1 and not cfg.sources[0].enabled
    written = config.copy_starter(tmp_path)
    rel = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert rel == [".gitignore", "content/articles/.gitkeep", "content/van-ban/.gitkeep",
                   "content/van-ban/README.md", "feeds.yml", "mkdocs.yml", "plan.yml",
                   "templates/README.md"]
    assert config.load(tmp_path).site == cfg.site
    (tmp_path / "feeds.yml").write_text("site: {title: Mine, url: https://m.vn/}\nsources: []\n")
    assert config.copy_starter(tmp_path) == []            # never overwrites
    assert config.load(tmp_path).site.title == "Mine"


def test_timezone_helper():
    assert config.timezone(parse(GOOD)) == zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


# --- messages, word for word ------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path)
    assert str(info.value) == f"feeds.yml: not found in {tmp_path}"
    assert info.value.exit_code == 2


def test_yaml_syntax_error_has_line_number():
    assert problems("site:\n  title: T\n  url: [https://t.vn/\nsources: []\n") == [
        "feeds.yml:4: expected ',' or ']', but got ':'"]


def test_tab_indentation_gets_a_hint():
    assert problems("site:\n\ttitle: T\n") == [
        "feeds.yml:2: found character '\\t' that cannot start any token "
        "(indent with spaces, not tabs)"]


def test_not_a_mapping_and_empty_file():
    assert problems("- a\n- b\n") == ["feeds.yml: must be a mapping with site: and sources:"]
    assert problems("") == ["feeds.yml: site: required", "feeds.yml: sources: required"]


def test_duplicate_yaml_key_with_line():
    assert problems(with_source("""\
        - id: a
          name: A
          kind: feed
          url: https://a.vn/
          url: https://b.vn/
        """)) == ["feeds.yml:7: duplicate key 'url'"]


def test_every_problem_is_reported_at_once_in_file_order():
    text = """\
        site:
          title: T
          url: ftp://t.vn/
          timezone: Asia/Hanoi
        defaults:
          interval: 5x
          timeout: 0
          concurrency: 1.5
        sources:
          - id: Bao TB
            name: A
            kind: rss
            url: https://a.vn/
            tittle: z
          - id: bao-thai-binh
            name: B
            kind: html
            url: www.b.vn/tin-tuc
          - id: c
            name: C
            kind: feed
            url: https://c.vn/
            aliases: [https://m.c.vn, c.vn]
            keywords: ["", kinh tế số]
            cadence: {count: 0, per: year}
            enabled: maybe
          - id: bao-thai-binh
            kind: feed
            url: https://d.vn/
            list: {item: "div..x", link: a, max_pages: 4}
          - just a string
          - id: e
            name: E
            kind: html
            url: https://e.vn/
            list: {item: .x, link: a}
            article: {body: .b, remove: [.r, "p>"]}
            interval: 0s
            timeout: .inf
            max_items: 0
    """
    assert problems(text) == [
        "feeds.yml: site.url: not an http(s) address",
        "feeds.yml: site.timezone: 'Asia/Hanoi' is not a known time zone, like Asia/Ho_Chi_Minh",
        "feeds.yml: defaults.interval: '5x' is not a duration like 45s, 30m or 2h",
        "feeds.yml: defaults.timeout: must be greater than 0",
        "feeds.yml: defaults.concurrency: must be a whole number",
        "feeds.yml: sources[0].id: 'Bao TB' must match [a-z0-9-]+",
        "feeds.yml: sources[0].kind: must be feed, html or documents",
        "feeds.yml: sources[0].tittle: unknown key",
        "feeds.yml: sources[1].url: not an http(s) address",
        "feeds.yml: sources[1].list: required when kind is html",
        "feeds.yml: sources[2].aliases[0]: 'https://m.c.vn' is not a hostname: "
        "write it without scheme or path, like m.example.vn",
        "feeds.yml: sources[2].keywords[0]: must not be empty",
        "feeds.yml: sources[2].cadence.count: must be at least 1",
        "feeds.yml: sources[2].cadence.per: must be day, week or month",
        "feeds.yml: sources[2].enabled: must be true or false",
        "feeds.yml: sources[3].id: duplicate id 'bao-thai-binh' (also sources[1])",
        "feeds.yml: sources[3].list: only used when kind is html",
        "feeds.yml: sources[3].list.item: 'div..x' is not a valid CSS selector "
        "(Malformed class selector at position 3)",
        "feeds.yml: sources[3].list.max_pages: has no effect without list.next",
        "feeds.yml: sources[3].name: required",
        "feeds.yml: sources[4]: must be a mapping of keys",
        "feeds.yml: sources[5].article.remove[1]: 'p>' is not a valid CSS selector "
        "(Invalid character '>' position 1)",
        "feeds.yml: sources[5].interval: '0s' must be longer than 0 seconds",
        "feeds.yml: sources[5].timeout: must be a finite number",
        "feeds.yml: sources[5].max_items: must be at least 1",
    ]


@pytest.mark.parametrize("source, message", [
    ("- {id: a, name: A, kind: feed}", "sources[0].url: required"),
    ("- {id: a, name: A, kind: feed, url: }", "sources[0].url: has no value"),
    ("- {id: a, name: '  ', kind: feed, url: https://a.vn/}", "sources[0].name: must not be empty"),
    ("- {id: 7, name: A, kind: feed, url: https://a.vn/}", "sources[0].id: must be text"),
    ("- {id: a, name: A, kind: feed, url: https://a.vn/, aliases: m.a.vn}",
     "sources[0].aliases: must be a list"),
    ("- {id: a, name: A, kind: feed, url: https://a.vn/, list_: {item: x, link: a}}",
     "sources[0].list_: unknown key"),
    ("- {id: a, name: A, kind: html, url: https://a.vn/, list: {item: .x}}",
     "sources[0].list.link: required"),
    ("- {id: a, name: A, kind: feed, url: https://a.vn/, article: {title: h1}}",
     "sources[0].article.body: required"),
    ("- {id: a, name: A, kind: feed, url: 'javascript:alert(1)'}",
     "sources[0].url: not an http(s) address"),
    ("- {id: a, name: A, kind: feed, url: https://a.vn/, timeout: fast}",
     "sources[0].timeout: must be a number"),
])
def test_single_source_messages(source, message):
    assert problems(with_source(source)) == [f"feeds.yml: {message}"]


def test_site_messages():
    assert problems("site: {url: https://t.vn/, language: Vietnamese}\nsources: []\n") == [
        "feeds.yml: site.language: 'Vietnamese' is not a language code like vi",
        "feeds.yml: site.title: required",
    ]
    assert problems("site: Chuyển đổi số\nsources: []\nsorces: []\n") == [
        "feeds.yml: site: must be a mapping of keys",
        "feeds.yml: sorces: unknown key",
    ]


def test_filename_is_used_in_messages():
    with pytest.raises(ConfigError) as info:
        config.parse_text("sources: []\n", Path("."), filename="demo/feeds.yml")
    assert info.value.problems == ["demo/feeds.yml: site: required"]
