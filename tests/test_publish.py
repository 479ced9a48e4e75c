"""publish: content → site_src/. Deterministic bytes, only changed files rewritten, stale files
removed, hostile titles escaped everywhere, articles out of the MkDocs nav, the page layout
(URLs, pagination, themes, sources, pillars, archive, success stories, related, cited documents).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from pipeline.core.models import Article, Config, Defaults, Site, Source
from pipeline.site import publish
from pipeline.site.pages import tree
from pipeline.store import media

REPO = Path(__file__).resolve().parent.parent
ICT = timezone(timedelta(hours=7))
HOSTILE = 'Sở "TT&TT" <script>alert(1)</script> [bấm](javascript:alert(1)) *đậm* {{ x }} | a --- b {: #x }'


def make_config(root: Path) -> Config:
    return Config(root=root, site=Site(title="Chuyển đổi số Thử nghiệm", url="https://example.gov.vn/",
                                       description="Trang thử"),
                  defaults=Defaults(),
                  sources=(Source(id="bao-a", name="Báo A", kind="feed", url="https://a.example.vn/rss"),
                           Source(id="cong-b", name="Cổng <B>", kind="html", url="https://b.example.vn/cds")))


def make_article(i: int, **kw) -> Article:
    published = kw.pop("published", datetime(2021, 6, 9, 18, 37, tzinfo=ICT) + timedelta(days=3 * i))
    fields = dict(
        id=f"id{i:04d}", title=f"Bài viết số {i} về chuyển đổi số", url=f"https://a.example.vn/bai-{i}.html",
        source="bao-a" if i % 2 else "cong-b", published=published, harvested=published,
        body=f"Đoạn mở đầu của bài {i}.\n\n# Tiêu đề trong bài\n\nNội dung **đậm** của bài {i}.",
        summary=f"Tóm tắt bài {i}.", themes=["nhan-thuc"] if i % 3 else ["dien-hinh"],
        pillars=["chinh-quyen-so"], path=Path(f"articles/{published:%Y}/{published:%m}/bai-{i}.md"))
    fields.update(kw)
    return Article(**fields)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "root"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def meta_of(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def test_same_store_same_bytes_and_second_run_writes_nothing(root: Path, tmp_path: Path):
    config = make_config(root)
    arts = [make_article(i) for i in range(30)]
    first = publish.publish(config, arts)
    assert first.written > 30 and first.removed == 0 and first.articles == 30
    before = snapshot(root / "site_src")
    mtimes = {p: p.stat().st_mtime_ns for p in (root / "site_src").rglob("*") if p.is_file()}

    again = publish.publish(config, list(reversed(arts)))       # order of input does not matter
    assert (again.written, again.removed) == (0, 0)
    assert again.unchanged == len(before)
    assert snapshot(root / "site_src") == before
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # nothing touched

    other = publish.publish(config, arts, out=tmp_path / "elsewhere")
    assert other.written == len(before)
    assert snapshot(tmp_path / "elsewhere") == before


def test_only_changed_files_rewritten_and_stale_removed(root: Path):
    config = make_config(root)
    arts = [make_article(i) for i in range(65)]
    publish.publish(config, arts)
    src = root / "site_src"
    assert (src / "tru-cot/chinh-quyen-so/trang-2/index.md").exists()

    changed = publish.publish(config, arts[:-1] + [make_article(64, title="Tiêu đề đã sửa")])
    assert 0 < changed.written < 15 and changed.removed == 0

    # A new article: its page, the first page of each listing it is in, pages that link to it.
    before = snapshot(src)
    added = publish.publish(config, arts + [make_article(65)])
    after = snapshot(src)
    rewritten = sorted(k for k in after if before.get(k) != after[k])
    assert added.written == len(rewritten) < 20, rewritten
    assert "tru-cot/chinh-quyen-so/trang-1/index.md" not in rewritten       # archive pages stay

    fewer = publish.publish(config, arts[:10])
    assert fewer.removed > 50
    assert not (src / "tru-cot/chinh-quyen-so/trang-1").exists()            # empty folders pruned
    assert not any((src / "tin-tuc").rglob("bai-20"))


def test_only_published_articles(root: Path):
    arts = [make_article(0), make_article(1, status="pending"), make_article(2, status="rejected")]
    res = publish.publish(make_config(root), arts)
    assert res.articles == 1
    assert not any((root / "site_src/tin-tuc").rglob("bai-1")) and not any((root / "site_src/tin-tuc").rglob("bai-2"))


def test_hostile_title_escaped_everywhere(root: Path):
    arts = [make_article(i) for i in range(5)] + [make_article(5, title=HOSTILE, summary=HOSTILE,
                                                               themes=["nhan-thuc", "dien-hinh"])]
    publish.publish(make_config(root), arts)
    src = root / "site_src"
    for path in src.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        meta = meta_of(path)
        assert "<" not in meta.get("title", "") + meta.get("description", ""), path
        text = text.split("\n---\n", 1)[1]      # feeds: in the front matter are escaped by main.html
        assert "<script>" not in text and "<B>" not in text, path
        # The Markdown link in the title is inert: it only ever sits inside raw HTML blocks,
        # which Markdown leaves alone (test_site checks the built pages have no javascript: link).
        for line in text.splitlines():
            if "[bấm](javascript" in line:
                assert line.lstrip().startswith(("<", "title:", "description:")), (path, line)
    page = src / "tin-tuc/2021/06/bai-5/index.md"
    meta = meta_of(page)
    assert meta["title"] == publish.esc(HOSTILE)                         # Material prints it raw
    assert meta["cds_kind"] == "article"
    # listings carry the escaped title inside HTML, never as Markdown
    home = (src / "index.md").read_text(encoding="utf-8")
    assert publish.esc(HOSTILE) in home


def test_urls_pages_and_pagination(root: Path):
    arts = [make_article(i) for i in range(45)]
    publish.publish(make_config(root), arts)
    src = root / "site_src"
    assert (src / "tin-tuc/2021/06/bai-0/index.md").exists()
    for page in ["index.md", "chu-de/index.md", "chu-de/nhan-thuc/index.md",
                 "chu-de/trach-nhiem/index.md", "chu-de/van-ban/index.md", "chu-de/dien-hinh/index.md",
                 "nguon/index.md", "nguon/bao-a/index.md", "nguon/cong-b/index.md", "tru-cot/index.md",
                 "tru-cot/chinh-quyen-so/index.md", "tru-cot/chinh-quyen-so/trang-1/index.md",
                 "luu-tru/index.md", "luu-tru/2021/06/index.md", "cau-chuyen-thanh-cong/index.md",
                 "ke-hoach.md", "gioi-thieu.md", ".overrides/main.html", ".overrides/404.html"]:
        assert (src / page).exists(), page
    # 45 in a pillar: the oldest 20 on trang-1/, the newest 25 on the first page
    assert not (src / "tru-cot/chinh-quyen-so/trang-2").exists()
    first = (src / "tru-cot/chinh-quyen-so/index.md").read_text(encoding="utf-8")
    archive = (src / "tru-cot/chinh-quyen-so/trang-1/index.md").read_text(encoding="utf-8")
    assert first.count('<li class="cds-item">') == 25 and archive.count('<li class="cds-item">') == 20
    assert 'href="trang-1/" rel="next">Tin cũ hơn' in first
    assert 'href="../" rel="prev">← Tin mới hơn' in archive
    assert "Bài viết số 19 " in archive and "Bài viết số 20 " in first
    assert meta_of(src / "tru-cot/chinh-quyen-so/trang-1/index.md")["title"] == \
        "Chính quyền số: tin từ 09/06/2021 đến 05/08/2021"
    # 30 in a theme: one page
    listing = (src / "chu-de/nhan-thuc/index.md").read_text(encoding="utf-8")
    assert listing.count('<li class="cds-item">') == 30 and "cds-pager" not in listing
    assert meta_of(src / "chu-de/nhan-thuc/index.md")["feeds"][0]["href"] == "chu-de/nhan-thuc/rss.xml"
    # newest first
    assert listing.index("Bài viết số 44") < listing.index("Bài viết số 43")
    manifest = json.loads((src / ".publish.json").read_text(encoding="utf-8"))
    assert manifest["urls"]["id0000"] == "tin-tuc/2021/06/bai-0/"
    assert {c["path"] for c in manifest["channels"]} >= {"", "chu-de/nhan-thuc/", "nguon/bao-a/"}


def test_article_page_contents(root: Path):
    art = make_article(1, published=datetime(2021, 6, 9, 11, 37, tzinfo=UTC),
                       also_at=["https://c.example.vn/copy.html", "javascript:alert(1)"],
                       doc_refs=["749/QĐ-TTg", "02-NQ/TU"], author="Minh Hằng",
                       themes=["nhan-thuc", "van-ban"], pillars=["kinh-te-so"])
    others = [make_article(i, published=datetime(2021, 5, 1, tzinfo=ICT) + timedelta(days=i),
                           themes=["van-ban"]) for i in range(2, 9)]
    publish.publish(make_config(root), [art, *others], docs={"749/QĐ-TTg": "van-ban/749-qd-ttg/"})
    text = (root / "site_src/tin-tuc/2021/06/bai-1/index.md").read_text(encoding="utf-8")
    assert "Thứ Tư, 09/06/2021 18:37" in text                              # UTC → +07:00
    assert 'datetime="2021-06-09T18:37:00+07:00"' in text
    assert 'href="https://a.example.vn/bai-1.html"' in text and "Báo A" in text
    assert 'href="https://c.example.vn/copy.html"' in text and "javascript:" not in text
    assert 'href="../../../../chu-de/van-ban/"' in text and 'href="../../../../tru-cot/kinh-te-so/"' in text
    assert ('<a href="../../../../van-ban/749-qd-ttg/"><span class="cds-ref-number">749/QĐ-TTg'
            '</span></a>') in text
    assert '<li><span class="cds-ref-number">02-NQ/TU</span></li>' in text       # no page: no link
    assert "Minh Hằng" in text
    related = text[text.index("Tin liên quan"):]
    assert related.count('<li class="cds-item">') == 5
    # the body's h1 became an h2 under the page's own h1, rendered by publish (HTML, no Markdown)
    assert '\n<h2 id="tieu-e-trong-bai">Tiêu đề trong bài</h2>\n' in text and text.count("<h1>") == 1
    assert "<strong>đậm</strong>" in text and "**" not in text and publish.BODY_START not in text


def test_related_prefers_earlier_articles_so_new_ones_change_nothing_old():
    arts = [make_article(i, themes=["nhan-thuc"]) for i in range(12)]
    rel = publish.related(sorted(arts, key=lambda a: a.published))
    assert [a.id for a in rel["id0010"]] == ["id0009", "id0008", "id0007", "id0006", "id0005"]
    assert [a.id for a in rel["id0000"]] == ["id0001", "id0002", "id0003", "id0004", "id0005"]
    more = arts + [make_article(i, themes=["nhan-thuc"]) for i in range(12, 20)]
    rel2 = publish.related(sorted(more, key=lambda a: a.published))
    assert rel2["id0010"] == rel["id0010"]


MEDIA_REF = "../../../media/ab/ab12cd34ef567890.jpg"


def test_success_stories_featured_first(root: Path):
    arts = [make_article(i, themes=["dien-hinh"], featured=(i == 2),
                         image=MEDIA_REF if i == 2 else "") for i in range(6)]
    publish.publish(make_config(root), arts, media_href=media.page_href)
    text = (root / "site_src/cau-chuyen-thanh-cong/index.md").read_text(encoding="utf-8")
    assert text.index("Bài viết số 2 ") < text.index("Bài viết số 5 ")
    assert '<img class="cds-card__img" src="../tin-tuc/media/ab/ab12cd34ef567890.jpg" alt=""' in text
    home = (root / "site_src/index.md").read_text(encoding="utf-8")
    assert "Câu chuyện thành công" in home and "(6 bài)" in home


def test_vietnamese_dates():
    tz = timezone(timedelta(hours=7))
    assert publish.vn_datetime(datetime(2021, 6, 9, 18, 37, tzinfo=tz), tz) == "Thứ Tư, 09/06/2021 18:37"
    assert publish.vn_datetime(datetime(2024, 4, 21, 0, 5, tzinfo=tz), tz) == "Chủ Nhật, 21/04/2024 00:05"


def test_shift_headings_keeps_order_and_code():
    md = "Intro\n\n### Ba\n\ntext\n\n#### Bốn\n\n```\n# not a heading\n```\n\nSetext\n======\n"
    out = publish.shift_headings(md)
    assert "## Ba" in out and "### Bốn" in out and "# not a heading" in out
    assert "## Setext" in out and "======" not in out
    assert publish.shift_headings("no headings") == "no headings"


@pytest.mark.parametrize("taxonomy", [
    "themes:\n  nhan-thuc:\n    name: Nhận thức (tên riêng)\n    description: Mô tả riêng\n",
    "themes:\n  - id: nhan-thuc\n    name: Nhận thức (tên riêng)\n    description: >-\n      Mô tả\n      riêng\n"
    "    threshold: 6.5\n",
])
def test_theme_names_from_the_roots_taxonomy(root: Path, taxonomy: str):
    root.mkdir(parents=True)
    (root / "taxonomy.yml").write_text(taxonomy, encoding="utf-8")
    publish.publish(make_config(root), [make_article(1)])
    text = (root / "site_src/chu-de/index.md").read_text(encoding="utf-8")
    assert "Nhận thức (tên riêng)" in text and "Mô tả riêng" in text
    assert "Vai trò, trách nhiệm" in text                                 # built-in fallback


def test_refuses_to_clear_a_folder_it_did_not_make(root: Path, tmp_path: Path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("x")
    with pytest.raises(publish.PublishError, match="not made by"):
        publish.publish(make_config(root), [make_article(1)], out=precious)
    assert (precious / "keep.txt").exists()


@pytest.mark.parametrize("cfg", ["mkdocs.yml", "pipeline/starter/mkdocs.yml"])
def test_articles_and_listings_stay_out_of_the_nav(cfg: str):
    conf = yaml.safe_load((REPO / cfg).read_text(encoding="utf-8"))
    targets = [next(iter(item.values())) for item in conf["nav"]]
    assert targets[0] == "index.md" and len(targets) <= 9     # 9: "Kết quả" (pipeline/results)
    assert not any(t.startswith(("tin-tuc/", "nguon/", "tru-cot/")) for t in targets)
    assert "/tin-tuc/" in conf["not_in_nav"]
    assert conf["theme"]["language"] == "vi" and conf["theme"]["font"] is False
    assert conf["plugins"] == [] and conf["docs_dir"] == "site_src"
    assert "hooks" not in conf and "!!python" not in (REPO / cfg).read_text(encoding="utf-8")


def test_extra_files_from_other_stages(root: Path):
    res = publish.publish(make_config(root), [make_article(1)],
                          extra={"tim-kiem/index.md": b"# T\xc3\xacm ki\xe1\xba\xbfm\n",
                                 "assets/search/x.js": b"1;", "index.md": b"no", "../evil": b"no"})
    src = root / "site_src"
    assert (src / "tim-kiem/index.md").read_bytes() == "# Tìm kiếm\n".encode()
    assert (src / "assets/search/x.js").read_bytes() == b"1;"
    assert (src / "index.md").read_bytes() != b"no" and not (root / "evil").exists()
    assert len([w for w in res.warnings if "already generated" in w]) == 2
    # the package's gioi-thieu.md links to the webmasters' page, not in this site_src/: MkDocs'
    # warning, from publish now, naming the page's file
    assert [w for w in res.warnings if "already generated" not in w] == [
        "site_src/gioi-thieu.md: Doc file 'gioi-thieu.md' contains a link 'nhung-tin/index.md', "
        "but the target is not found among documentation files."]
    again = publish.publish(make_config(root), [make_article(1)], extra={"tim-kiem/index.md": b"x"})
    assert again.removed == 1 and again.written == 1                      # x.js gone, page changed


def test_pages_made_from_the_same_inputs_are_kept_and_the_result_is_a_fresh_publish(
        root: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tree, "trusted_mtime", lambda mtime, now: mtime)   # no clock ticks here
    config = make_config(root)
    arts = [make_article(i, themes=["nhan-thuc"] if i % 2 else ["van-ban"]) for i in range(70)]
    publish.publish(config, arts)
    src = root / "site_src"
    cache = json.loads((root / ".cds" / publish.CACHE).read_text(encoding="utf-8"))
    assert "tin-tuc/2021/06/bai-0/index.md" in cache["pages"]                  # article pages
    assert "tru-cot/chinh-quyen-so/trang-1/index.md" in cache["pages"]         # and listings
    mtimes = {p: p.stat().st_mtime_ns for p in src.rglob("*.md")}

    # One article retitled (it is related to others and listed), one removed, two new.
    changed = [make_article(3, title="Tiêu đề đã sửa", themes=["nhan-thuc"])] + \
        [a for a in arts if a.id not in ("id0003", "id0040")] + [make_article(70), make_article(71)]
    again = publish.publish(config, changed)
    fresh = publish.publish(make_config(tmp_path / "fresh"), changed)
    assert snapshot(src) == snapshot(tmp_path / "fresh" / "site_src")
    assert again.pages == fresh.pages and again.articles == fresh.articles
    touched = {p for p, t in mtimes.items() if not p.exists() or p.stat().st_mtime_ns != t}
    assert src / "tin-tuc/2021/06/bai-3/index.md" in touched
    assert src / "tin-tuc/2021/06/bai-1/index.md" in touched                  # bài 3 is related
    assert src / "tin-tuc/2021/06/bai-0/index.md" not in touched
    assert len(touched) < 40
    assert "Tiêu đề đã sửa" in (src / "tin-tuc/2021/06/bai-4/index.md").read_text(encoding="utf-8") or \
        "Tiêu đề đã sửa" in (src / "tin-tuc/2021/06/bai-5/index.md").read_text(encoding="utf-8")


def test_a_hand_edited_page_or_a_broken_cache_is_made_again(root: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tree, "trusted_mtime", lambda mtime, now: mtime)
    config = make_config(root)
    arts = [make_article(i) for i in range(12)]
    publish.publish(config, arts)
    page = root / "site_src/tin-tuc/2021/06/bai-2/index.md"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"Bai", b"Bai").replace("Đoạn".encode(), "ĐOẠN".encode()))
    assert publish.publish(config, arts).written == 1 and page.read_bytes() == good

    for junk in ("{not json", '{"code": 1, "pages": []}', "[]"):
        (root / ".cds" / publish.CACHE).write_text(junk, encoding="utf-8")
        page.unlink()
        publish.publish(config, arts)
        assert page.read_bytes() == good
    fresh = make_config(tmp_path / "fresh")
    publish.publish(fresh, arts)
    assert snapshot(root / "site_src") == snapshot(tmp_path / "fresh/site_src")


def test_cards_and_hero_show_only_the_sites_own_pictures(root: Path):
    """Another host's picture is never put in a card or a hero (docs/media.md); the site's own
    is, as a link relative to the page; without ``media_href`` no picture at all."""
    outside = make_article(0, themes=["dien-hinh"], featured=True,
                           image="https://a.example.vn/anh.jpg",
                           body="Nội dung.\n\n![Ảnh](https://a.example.vn/b.jpg)\n")
    own = make_article(1, themes=["dien-hinh"], featured=True, image=MEDIA_REF)
    publish.publish(make_config(root), [outside, own], media_href=media.page_href)
    site_src = root / "site_src"
    every = "".join(p.read_text(encoding="utf-8") for p in site_src.rglob("*.md"))
    assert 'src="https://' not in every and 'src="http://' not in every
    urls = json.loads((site_src / publish.MANIFEST).read_text(encoding="utf-8"))["urls"]
    page = (site_src / urls[own.id] / "index.md").read_text(encoding="utf-8")
    assert '<figure class="cds-hero"><img src="../../../../tin-tuc/media/ab/ab12cd34ef567890.jpg"' \
        in page
    publish.publish(make_config(root), [outside, own])
    every = "".join(p.read_text(encoding="utf-8") for p in site_src.rglob("*.md"))
    assert not re.search(r"<img[^>]*\ssrc=", every)     # the body's outside picture: no src left


def test_publish_leaves_the_media_folder_alone(root: Path):
    """``site_src/tin-tuc/media/`` is filled by media.sync_media after publish: publish neither
    deletes nor reads it."""
    publish.publish(make_config(root), [make_article(0)])
    pic = root / "site_src" / publish.MEDIA_DIR / "ab" / "ab12cd34ef567890.jpg"
    pic.parent.mkdir(parents=True)
    pic.write_bytes(b"\xff\xd8\xff picture")
    publish.publish(make_config(root), [make_article(0), make_article(1)])
    publish.publish(make_config(root), [])
    assert pic.read_bytes() == b"\xff\xd8\xff picture"


def test_a_link_target_that_appears_makes_the_page_again_and_a_missing_one_warns_every_time(
        root: Path):
    """An article's link to a page of the site is rewritten by publish as MkDocs would; while
    the target is missing the link stays as written and every publish warns (naming the
    article file), also when the page itself is not made again; once the target exists the
    page is made again with the rewritten link."""
    art = make_article(1, body="Xem [tài liệu](../../../../tai-lieu.md#muc) và [nhà](../../../../index.md).")
    config = make_config(root)
    page = root / "site_src/tin-tuc/2021/06/bai-1/index.md"
    first = publish.publish(config, [art])
    text = page.read_text(encoding="utf-8")
    assert 'href="../../../../tai-lieu.md#muc"' in text and 'href="../../../../"' in text
    warning = ("content/articles/2021/06/bai-1.md: Doc file 'tin-tuc/2021/06/bai-1/index.md' "
               "contains a link '../../../../tai-lieu.md#muc', but the target 'tai-lieu.md' is not "
               "found among documentation files.")
    assert warning in first.warnings
    again = publish.publish(config, [art])
    assert again.written == 0 and warning in again.warnings          # kept, still warned about
    (root / "content/pages").mkdir(parents=True)
    (root / "content/pages/tai-lieu.md").write_text("---\ntitle: Tài liệu\n---\n\n## Mục\n",
                                                    encoding="utf-8")
    found = publish.publish(config, [art])
    assert not [w for w in found.warnings if "tai-lieu" in w]
    assert 'href="../../../../tai-lieu/#muc"' in page.read_text(encoding="utf-8")
    made = (root / "site_src/tai-lieu.md").read_text(encoding="utf-8")
    assert made.startswith("---\ntitle: Tài liệu\ncds_kind: \"html\"\ncds_toc: ")
    assert made.endswith('\n<h2 id="muc">Mục</h2>\n')


def test_archive_pages_stay_bounded_however_many_years_the_store_spans(tmp_path: Path):
    """luu-tru/ lists years (at most YEARS_PER_PAGE a page, older ones on luu-tru/trang-N/),
    each year page its months, each month page its articles (paginated): no archive page grows
    with the years the store covers, and every month is reachable from luu-tru/."""
    per_page = publish.YEARS_PER_PAGE

    def archive(years: int) -> tuple[dict[str, str], int]:
        # two articles a year, in January and July, ending in 2026
        arts = [make_article(i, published=datetime(2026 - years + 1 + i // 2, 1 + 6 * (i % 2), 5,
                                                   9, 0, tzinfo=ICT), themes=[], pillars=[])
                for i in range(2 * years)]
        root = tmp_path / f"root-{years}"
        publish.publish(make_config(root), arts, markdown_bodies=True)
        src = root / "site_src"
        pages = {p.relative_to(src).as_posix(): p.read_text(encoding="utf-8")
                 for p in (src / "luu-tru").rglob("index.md")}
        # what a reader reaches from luu-tru/: the year pages through the pager, the months
        seen, todo, months = set(), ["luu-tru/"], set()
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            for href in re.findall(r'href="([^"]+)"', pages[url + "index.md"]):
                target = (Path("/" + url) / href).resolve().as_posix().lstrip("/") + "/"
                if re.fullmatch(r"luu-tru/(trang-\d+/|\d{4}/)", target):
                    todo.append(target)
                elif re.fullmatch(r"luu-tru/\d{4}/\d{2}/", target):
                    months.add(target)
        assert months == {f"luu-tru/{a.published:%Y/%m}/" for a in arts}
        return pages, max(len(text.encode()) for rel, text in pages.items()
                          if rel.count("/") < 3)             # the index pages and year pages

    few, few_max = archive(2 * per_page - 1)             # the most luu-tru/ holds alone
    many, many_max = archive(3 * per_page + 7)
    assert "luu-tru/trang-1/index.md" not in few
    assert {"luu-tru/trang-1/index.md", "luu-tru/trang-2/index.md"} <= set(many)
    assert "luu-tru/trang-3/index.md" not in many        # 67 years: 27 on luu-tru/, 20 + 20
    assert many_max <= few_max + 200                     # the pager's links, no more
    index = many["luu-tru/index.md"]
    assert index.count('/">Năm ') == 3 * per_page + 7 - 2 * per_page
    assert many["luu-tru/trang-2/index.md"].count('/">Năm ') == per_page
    assert 'href="2026/">Năm 2026</a>' in index and "Năm 2000" in index and "Năm 1999" not in index
    assert 'href="trang-2/" rel="next">Những năm trước' in index
    oldest = many["luu-tru/trang-1/index.md"]
    assert 'href="../1960/">Năm 1960</a>' in oldest and 'href="../trang-2/" rel="prev"' in oldest
    year = many["luu-tru/2026/index.md"]
    assert 'href="07/">Tháng 07/2026</a> <span class="cds-count">(1 bài)</span>' in year
    assert year.index("Tháng 07/2026") < year.index("Tháng 01/2026")     # newest first
    month = many["luu-tru/2026/07/index.md"]
    assert '<li><a href="../../">Lưu trữ</a></li>' in month and '<a href="../">Năm 2026</a>' in month


def test_the_article_memo_is_used_by_token_and_context_only(root: Path, tmp_path: Path):
    """``publish(stamps=, stamp_context=)``: what publish worked out of an article (its key, its
    links) is remembered in the page cache by the article's token; an article whose token is
    new is read again (a new and a changed article, an article deleted: the pages equal a
    publish without any memo), and no token is trusted under another context (an article
    changed under its old token, with the context changed: the pages are still right)."""
    config = make_config(root)
    arts = [make_article(i) for i in range(30)]
    stamps = {a.id: f"{a.id}:1" for a in arts}
    publish.publish(config, arts, stamps=stamps, stamp_context="A")
    cache = json.loads((root / ".cds" / publish.CACHE).read_text(encoding="utf-8"))
    assert cache["stamps"] == "A" and set(cache["articles"]) == set(stamps)
    assert all(entry[0] == stamps[i] and len(entry[1]) == 64 for i, entry in cache["articles"].items())

    changed = make_article(7, title="Bài đã sửa", body="Thân bài [khác](../../../../chu-de/).")
    now = [a for a in arts if a.id not in ("id0007", "id0012")] + [changed, make_article(30)]
    stamps_now = {**{a.id: stamps[a.id] for a in now if a.id in stamps},
                  "id0007": "id0007:2", "id0030": "id0030:1"}
    publish.publish(config, now, stamps=stamps_now, stamp_context="A")
    publish.publish(make_config(tmp_path / "plain"), now)          # no memo, its own .cds/
    assert snapshot(root / "site_src") == snapshot(tmp_path / "plain" / "site_src")
    cache = json.loads((root / ".cds" / publish.CACHE).read_text(encoding="utf-8"))
    assert cache["articles"]["id0007"][0] == "id0007:2" and "id0012" not in cache["articles"]
    assert cache["articles"]["id0007"][3] == ["chu-de"]         # its link targets

    # the same tokens under another context: not trusted (id0003 changed under its old token)
    lied = [make_article(3, title="Đổi mà không đổi thẻ") if a.id == "id0003" else a for a in now]
    publish.publish(config, lied, stamps=stamps_now, stamp_context="B")
    publish.publish(make_config(tmp_path / "plain2"), lied)
    assert snapshot(root / "site_src") == snapshot(tmp_path / "plain2" / "site_src")
