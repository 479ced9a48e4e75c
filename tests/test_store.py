"""pipeline.store.articles: front matter round trips exactly (hypothesis), slugs are ASCII and unique,
saving merges without touching what editors own, writes nothing when nothing changed, writes
atomically, and every unreadable file is reported with its path."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import frontmatter
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core import fileio
from pipeline.core.errors import StoreError
from pipeline.core.models import STATUSES, Article
from pipeline.core.text import nfc
from pipeline.core.urls import slug as slugify
from pipeline.store import articlefile
from pipeline.store.articles import (
    FIELD_ORDER,
    Store,
    canonical_body,
    dump,
    make_id,
    parse,
)

ICT = timezone(timedelta(hours=7))
NOW = datetime(2025, 4, 24, 9, 30, tzinfo=ICT)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def article(url: str = "https://baothaibinh.example.vn/tin/cds-kien-xuong.html", **kw) -> Article:
    fields = dict(
        id=make_id(url), title="Kiến Xương đẩy mạnh chuyển đổi số", url=url,
        source="bao-thai-binh", published=datetime(2021, 6, 9, 18, 37, 56, tzinfo=ICT),
        harvested=datetime(2021, 6, 9, 19, 0, tzinfo=ICT),
        body="Huyện Kiến Xương triển khai **chuyển đổi số**.\n\nNội dung thứ hai.",
        themes=["nhan-thuc"], pillars=["chinh-quyen-so"], tags=["tap-huan"],
        doc_refs=["96/KH-UBND"],
    )
    fields.update(kw)
    return Article(**fields)


def read(store: Store, rel: Path) -> bytes:
    return (store.content_dir / rel).read_bytes()


# --- dump / parse ---------------------------------------------------------------------------

NASTY = [
    'Đẩy mạnh "chuyển đổi số": kết quả & bài học',
    "---", "--- title: x ---", "a\n---\nb", "{{ page.title }}", "{% raw %}", "# không phải tiêu đề",
    "@mention", "*sao", "&anchor", "!tag", "|", ">", "- gạch đầu dòng", "? hỏi", "%TAG",
    "yes", "no", "on", "off", "null", "~", "true", "1e3", "0x1F", "0o17", "1_000", "12:30:00",
    "2021-01-01", "2021-06-09T18:37:56+07:00", ".inf", "=", "<<", "",
    "  khoảng trắng  ", "tab\there", "emoji 😀🇻🇳", "Chuyển đổi số",
    "Chuye\u0302\u0309n đổi số (NFD)", "dòng\r\nmới", "a\u2028b\u2029c", "\ufeffBOM",
    "'quote' \"double\" `back`", "key: value", "#", "[1, 2]", "{a: b}",
]


@pytest.mark.parametrize("title", NASTY)
def test_nasty_titles_round_trip(title):
    a = article(title=title, summary=title, author=title, tags=[title or "x"])
    text = dump(a)
    assert parse(text) == a


def test_file_layout_and_key_order():
    a = article(summary="Dòng một\nDòng hai", extra={"zeta": 1, "alpha": ["x"]},
                updated=datetime(2021, 6, 10, 8, 0, tzinfo=ICT), featured=True)
    text = dump(a)
    assert text.startswith("---\nid: ")
    assert text.endswith("\n\nNội dung thứ hai.\n") and not text.endswith("\n\n")
    keys = [line.split(":")[0] for line in text.split("---\n")[1].splitlines()
            if line and not line.startswith(("-", " "))]
    assert keys == ["id", "title", "url", "source", "published", "updated", "harvested",
                    "summary", "themes", "pillars", "tags", "doc_refs", "status", "featured",
                    "zeta", "alpha"]
    assert "published: '2021-06-09T18:37:56+07:00'" in text
    assert 'summary: "Dòng một\\nDòng hai"' in text          # one line, exact
    assert "also_at" not in text and "locked" not in text     # empty optionals omitted
    assert dump(a) == text                                    # deterministic
    # Ordinary front-matter Markdown: python-frontmatter reads the same metadata.
    post = frontmatter.loads(text)
    assert post["title"] == a.title and post["zeta"] == 1 and post.content.endswith("thứ hai.")


def test_empty_body_file_ends_with_one_newline():
    text = dump(article(body=""))
    assert text.endswith("status: published\n---\n")
    assert parse(text).body == ""


@pytest.mark.parametrize("body", [
    "---\ntitle: giả\n---\n\nThân bài",
    "---",
    "\n---\n",
    "Đoạn một\n\n---\n\nĐoạn hai\n---\nid: x\n---",
    "\n\nbắt đầu bằng dòng trống",
    "kết thúc bằng dòng trống\n\n",
    "    mã thụt lề",
    "dòng\r\nWindows\r",
    "\r\n",
    "\n",
])
def test_bodies_that_look_like_front_matter_round_trip(body):
    a = article(body=body)
    assert parse(dump(a)) == a


texts = st.text()
stored_text = st.text().map(nfc)
offsets = st.integers(-86_399, 86_399).map(lambda s: timezone(timedelta(seconds=s)))
aware = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 1, 1),
                     timezones=offsets)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | stored_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(stored_text, inner, max_size=3),
    max_leaves=6,
)
articles = st.builds(
    Article,
    id=st.text(min_size=1).map(nfc).filter(bool), title=stored_text,
    url=st.text(min_size=1).map(nfc).filter(bool),
    source=st.text(min_size=1).map(nfc).filter(bool),
    published=aware, harvested=aware, body=texts, updated=st.none() | aware,
    author=stored_text, summary=stored_text, image=stored_text,
    themes=st.lists(stored_text, max_size=3), pillars=st.lists(stored_text, max_size=3),
    tags=st.lists(stored_text, max_size=3), doc_refs=st.lists(stored_text, max_size=3),
    also_at=st.lists(stored_text, max_size=3), status=st.sampled_from(STATUSES),
    featured=st.booleans(), date_estimated=st.booleans(), themes_locked=st.booleans(),
    locked=st.booleans(),
    extra=st.dictionaries(stored_text.filter(lambda k: k not in FIELD_ORDER), json_like,
                          max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(articles)
def test_any_article_round_trips_exactly(a):
    text = dump(a)
    back = parse(text)
    assert back == a
    for key in ("published", "harvested", "updated"):
        if getattr(a, key) is not None:
            assert getattr(back, key).utcoffset() == getattr(a, key).utcoffset()
    assert list(back.extra) == list(a.extra)
    assert dump(back) == text


@settings(max_examples=100, deadline=None)
@given(articles)
def test_round_trip_with_the_pure_python_loader(a):
    original = articlefile._Loader
    articlefile._Loader = yaml.SafeLoader
    try:
        assert parse(dump(a)) == a
    finally:
        articlefile._Loader = original


def test_hand_written_dates_and_types():
    text = ("---\nid: 1234\ntitle: 2021\nurl: https://x.vn/a\nsource: s\n"
            "published: 2021-06-09 18:37:56\nharvested: 2021-06-09\n"
            "updated: 2021-06-10T01:00:00Z\ntags: mot-tag\nfeatured: yes\n---\nThân bài\n")
    a = parse(text)
    assert a.id == "1234" and a.title == "2021" and a.tags == ["mot-tag"] and a.featured
    assert a.published == datetime(2021, 6, 9, 18, 37, 56, tzinfo=ICT)
    assert a.harvested == datetime.combine(date(2021, 6, 9), datetime.min.time(), ICT)
    assert a.updated == datetime(2021, 6, 10, 1, 0, tzinfo=UTC)
    assert a.body == "Thân bài" and a.status == "published"


def test_windows_line_endings_and_bom():
    text = "\ufeff" + dump(article()).replace("\n", "\r\n")
    a = parse(text)
    assert a.title == article().title and a.body.startswith("Huyện Kiến Xương")


@pytest.mark.parametrize("text, why", [
    ("no front matter", "does not start with a '---' front-matter line"),
    ("---\nid: x\n", "front matter is not closed by a '---' line"),
    ("---\nid: x\ntitle: a: b: [\n---\n", "line 3: invalid front matter"),
    ("---\n- a list\n---\n", "front matter is not a mapping"),
    ("---\nid: x\ntitle: t\nurl: u\nsource: s\npublished: 2021-01-01\n---\n",
     "missing key 'harvested'"),
    ("---\nid: x\ntitle: t\nurl: u\nsource: s\npublished: hôm qua\nharvested: 2021-01-01\n---\n",
     "published: not an ISO 8601 date/time: 'hôm qua'"),
    ("---\nid: x\ntitle: t\nurl: u\nsource: s\npublished: 2021-01-01\nharvested: 2021-01-01\n"
     "status: draft\n---\n", "status: 'draft' is not one of published, pending, rejected"),
    ("---\nid: x\ntitle: t\nurl: u\nsource: s\npublished: 2021-01-01\nharvested: 2021-01-01\n"
     "locked: maybe\n---\n", "locked: must be true or false"),
    ("---\nid: x\ntitle: t\nurl: u\nsource: s\npublished: 2021-01-01\nharvested: 2021-01-01\n"
     "themes: {a: b}\n---\n", "themes: must be a list of strings"),
    ("---\nid: ''\ntitle: t\nurl: u\nsource: s\npublished: 2021-01-01\nharvested: 2021-01-01\n"
     "---\n", "id: missing or empty"),
])
def test_parse_errors_name_the_file(text, why):
    where = Path("content/articles/2021/06/x.md")
    with pytest.raises(StoreError) as err:
        parse(text, where)
    message = str(err.value)
    assert message.startswith("content/articles/2021/06/x.md: ") and why in message
    assert "\n" not in message


def test_dump_refuses_naive_times():
    with pytest.raises(StoreError, match="published has no UTC offset"):
        dump(article(published=datetime(2021, 1, 1)))


def test_canonical_body():
    assert canonical_body("\n  \nA  \r\nB\rC  \n\n") == "A  \nB\nC"
    assert canonical_body("    code\n") == "    code"


# --- ids and slugs --------------------------------------------------------------------------

def test_make_id_is_stable():
    assert make_id("https://x.vn/a") == make_id("https://x.vn/a")
    assert make_id("https://x.vn/a") != make_id("https://x.vn/b")
    assert re.fullmatch(r"[0-9a-f]{16}", make_id("https://x.vn/a"))


@pytest.mark.parametrize("title, slug", [
    ("Chuyển đổi số ở Đông Hưng", "chuyen-doi-so-o-dong-hung"),
    ("ĐẨY MẠNH CĐS: \"Kết quả\" --- {{ x }}", "day-manh-cds-ket-qua-x"),
    ("", "bai-viet"), ("!!! ---", "bai-viet"), ("Con", "con-bai-viet"),
    ("Hội nghị " * 20, "hoi-nghi-" * 8 + "hoi-nghi"),
])
def test_slugify(title, slug):
    assert slugify(title) == slug


@given(st.text())
def test_slugs_are_ascii_and_bounded(title):
    slug = slugify(title)
    assert SLUG.fullmatch(slug) and len(slug) <= 80


COLLIDING = st.lists(st.sampled_from([
    "Chuyển đổi số", "chuyen doi so", "CHUYỂN ĐỔI SỐ!", "Chuyển đổi số 2", "", "---", "con",
    "Chuyển   đổi — số", "Chuyển đổi số-2",
]), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COLLIDING)
def test_colliding_titles_get_unique_paths(titles):
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "content")
        paths = []
        for i, title in enumerate(titles):
            a = article(url=f"https://x.vn/{i}", title=title)
            assert store.save(a, now=NOW) == "new"
            paths.append(store.get(a.id).path)
        assert len({p.as_posix().lower() for p in paths}) == len(titles)
        for p in paths:
            assert p.parent.as_posix() == "articles/2021/06" and SLUG.fullmatch(p.stem)
        fresh = Store(Path(tmp) / "content")               # the same paths after a rescan
        assert [fresh.get(article(url=f"https://x.vn/{i}").id).path
                for i in range(len(titles))] == paths


# --- the store ------------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "content")


def test_new_article_is_written_where_the_contract_says(store):
    a = article()
    assert store.save(a, now=NOW) == "new"
    rel = Path("articles/2021/06/kien-xuong-day-manh-chuyen-doi-so.md")
    assert store.get(a.id).path == rel
    assert parse(read(store, rel).decode()) == article(path=None)
    assert (store.content_dir / rel).stat().st_mode & 0o777 == 0o644
    assert not list((store.content_dir / "articles").rglob("*.tmp"))


def test_month_comes_from_the_published_offset(store):
    # 23:30 on 31 May in Hanoi is 16:30 UTC: the folder is 2021/05.
    a = article(published=datetime(2021, 5, 31, 23, 30, tzinfo=ICT))
    assert store.path_for(a).parent == Path("articles/2021/05")


def test_unchanged_resave_writes_nothing(store):
    a = article(body="Thân bài  \r\n\r\n")
    assert store.save(a, now=NOW) == "new"
    file = store.content_dir / store.get(a.id).path
    os.utime(file, ns=(1_000_000_000, 1_000_000_000))
    before = file.read_bytes()
    for s in (store, Store(store.content_dir)):            # in this run and in the next one
        assert s.save(article(body="Thân bài  \r\n\r\n"), now=NOW + timedelta(hours=1)) == \
            "unchanged"
        # A harvest with an estimated date or a missing body is no change either.
        assert s.save(article(body="", published=NOW, date_estimated=True),
                      now=NOW) == "unchanged"
    assert file.stat().st_mtime_ns == 1_000_000_000
    assert file.read_bytes() == before
    assert before.endswith("Thân bài\n".encode())


def test_update_sets_updated_and_keeps_editor_fields(store):
    a = article(status="pending")
    store.save(a, now=NOW)
    rel = store.get(a.id).path
    # An editor features it, adds a tag and a key of their own.
    edited = store.get(a.id)
    edited.featured, edited.status = True, "published"
    edited.tags.append("dien-hinh-tieu-bieu")
    edited.extra["ghi_chu"] = "Bài hay"
    store.write(edited)

    later = NOW + timedelta(days=1)
    changed = article(title="Kiến Xương: chuyển đổi số gắn với cải cách hành chính",
                      body="Nội dung đã sửa.", tags=["hoi-nghi"], themes=["dien-hinh"])
    assert store.save(changed, now=later) == "updated"
    got = Store(store.content_dir).get(a.id)
    assert got.path == rel                                   # path stable although title changed
    assert got.title.startswith("Kiến Xương: chuyển") and got.body == "Nội dung đã sửa."
    assert got.updated == later and got.harvested == a.harvested
    assert got.featured and got.status == "published" and got.extra == {"ghi_chu": "Bài hay"}
    assert got.tags == ["tap-huan", "dien-hinh-tieu-bieu", "hoi-nghi"]
    assert got.themes == ["dien-hinh"]


def test_tagging_change_is_written_without_touching_updated(store):
    store.save(article(), now=NOW)
    assert store.save(article(themes=["van-ban"], doc_refs=["749/QĐ-TTg"]),
                      now=NOW + timedelta(days=2)) == "updated"
    got = store.get(article().id)
    assert got.themes == ["van-ban"] and got.doc_refs == ["749/QĐ-TTg"] and got.updated is None


def test_locked_article_is_never_written(store):
    a = article()
    store.save(a, now=NOW)
    locked = store.get(a.id)
    locked.locked, locked.title = True, "Tiêu đề do biên tập viên sửa"
    store.write(locked)
    file = store.content_dir / locked.path
    before = file.read_bytes()
    os.utime(file, ns=(1_000_000_000, 1_000_000_000))
    assert store.save(article(title="Tiêu đề mới từ nguồn", body="Khác"), now=NOW) == "locked"
    assert Store(store.content_dir).save(article(body="Khác"), now=NOW) == "locked"
    assert store.merge_duplicate(locked, "https://portal.example.vn/x", now=NOW) == "locked"
    assert file.read_bytes() == before and file.stat().st_mtime_ns == 1_000_000_000


def test_themes_locked_is_respected(store):
    store.save(article(), now=NOW)
    edited = store.get(article().id)
    edited.themes, edited.pillars, edited.themes_locked = ["dien-hinh"], ["xa-hoi-so"], True
    store.write(edited)
    assert store.save(article(themes=["van-ban"], pillars=["kinh-te-so"], body="Mới"),
                      now=NOW) == "updated"
    got = store.get(edited.id)
    assert got.themes == ["dien-hinh"] and got.pillars == ["xa-hoi-so"] and got.body == "Mới"


def test_atomic_write_temp_files_are_ignored_and_cleaned(store):
    a = article()
    store.save(a, now=NOW)
    folder = store.content_dir / "articles/2021/06"
    leftover = folder / ".kien-xuong-day-manh-chuyen-doi-so.md.k2j3h4.tmp"
    leftover.write_text("---\nbroken")
    fresh = Store(store.content_dir)
    assert [x.id for x in fresh.articles()] == [a.id] and fresh.iter_parse_errors() == []
    assert fresh.cleanup() == [leftover.relative_to(store.content_dir)]
    assert sorted(p.name for p in folder.iterdir()) == ["kien-xuong-day-manh-chuyen-doi-so.md"]


def test_failed_write_leaves_no_temp_file(store, monkeypatch):
    def boom(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(fileio.os, "replace", boom)      # the store writes through fileio
    with pytest.raises(StoreError, match=r"^content/articles/2021/06/.*\.md: cannot write: No sp"):
        store.save(article(), now=NOW)
    assert not [p for p in (store.content_dir / "articles").rglob("*") if p.is_file()]


def test_paths_collide_case_insensitively_and_stay(store):
    folder = store.content_dir / "articles/2021/06"
    folder.mkdir(parents=True)
    # An editor's file with capitals and the slug another title would take.
    editor = article(url="https://x.vn/editor", title="Bài của biên tập viên")
    (folder / "Kien-Xuong-Day-Manh-Chuyen-Doi-So.md").write_text(dump(editor))
    a = article()
    assert store.save(a, now=NOW) == "new"
    assert store.get(a.id).path.name == "kien-xuong-day-manh-chuyen-doi-so-2.md"
    b = article(url="https://x.vn/b")
    assert store.path_for(b).name == "kien-xuong-day-manh-chuyen-doi-so-3.md"
    # Once written, an article keeps its path whatever its title or date becomes.
    assert store.save(article(title="Khác hẳn", published=NOW), now=NOW) == "updated"
    assert store.get(a.id).path.name == "kien-xuong-day-manh-chuyen-doi-so-2.md"


def test_articles_find_and_get(store):
    old = article(url="https://x.vn/old", published=datetime(2020, 1, 1, tzinfo=ICT))
    new = article(url="https://x.vn/new", also_at=["https://portal.example.vn/new"])
    for a in (old, new):
        store.save(a, now=NOW)
    fresh = Store(store.content_dir)
    assert [a.url for a in fresh.articles()] == ["https://x.vn/new", "https://x.vn/old"]
    assert fresh.find_by_url("https://portal.example.vn/new").id == new.id
    assert fresh.find_by_url("HTTPS://X.VN/old#top").id == old.id       # canonical fallback
    assert fresh.find_by_url("https://x.vn/none") is None
    assert fresh.get("nope") is None
    got = fresh.get(new.id)
    got.tags.append("changed")                        # a copy: the store is not changed
    assert fresh.get(new.id).tags == ["tap-huan"]


def test_merge_duplicate(store):
    keep = article()
    store.save(keep, now=NOW)
    copy_url = "https://sotttt.example.gov.vn/tin/kien-xuong.html"
    assert store.merge_duplicate(keep, copy_url, now=NOW) == "updated"
    assert store.merge_duplicate(keep, copy_url, now=NOW) == "unchanged"
    assert store.merge_duplicate(keep, keep.url, now=NOW) == "unchanged"
    fresh = Store(store.content_dir)
    assert fresh.find_by_url(copy_url).id == keep.id
    assert fresh.get(keep.id).also_at == [copy_url] and fresh.get(keep.id).updated is None
    # Re-harvesting the known copy never overwrites the original.
    repost = article(url=copy_url, title="Tiêu đề của cổng", body="Bản sao")
    assert fresh.save(repost, now=NOW) == "unchanged"
    other = article(url="https://x.vn/other")
    fresh.save(other, now=NOW)
    with pytest.raises(StoreError, match="already stored as content/articles/"):
        fresh.merge_duplicate(keep, other.url, now=NOW)


def test_replace_original(store):
    repost_url = "https://sotttt.example.gov.vn/tin/kien-xuong.html"
    repost = article(url=repost_url, source="so-tttt", title="Tiêu đề của cổng",
                     body="Bản đăng lại.\n\nNguồn: Báo Thái Bình", status="pending",
                     published=datetime(2021, 6, 10, 8, 0, tzinfo=ICT))
    store.save(repost, now=NOW)
    rel = store.get(repost.id).path
    original = article()
    later = NOW + timedelta(hours=2)
    assert store.replace_original(store.get(repost.id), original, now=later) == "updated"
    got = Store(store.content_dir).get(repost.id)
    assert (got.url, got.source, got.title, got.body, got.published) == (
        original.url, "bao-thai-binh", original.title, original.body, original.published)
    assert got.also_at == [repost_url] and got.path == rel and got.id == repost.id
    assert got.status == "pending" and got.harvested == repost.harvested and got.updated == later
    fresh = Store(store.content_dir)
    assert fresh.find_by_url(original.url).id == repost.id
    # Both addresses harvested again: nothing changes.
    assert fresh.save(article(), now=later) == "unchanged"
    assert fresh.save(repost, now=later) == "unchanged"
    assert fresh.replace_original(got, original, now=later) == "unchanged"


def test_parse_errors_are_listed_and_broken_files_never_overwritten(store):
    good = article()
    store.save(good, now=NOW)
    folder = store.content_dir / "articles/2021/06"
    broken = article(url="https://x.vn/broken", title="Hỏng")
    (folder / "hong.md").write_text(dump(broken).replace("status: published", "status: [oops"))
    (folder / "latin1.md").write_bytes("---\ntitle: Hôm nay\n---\n".encode("cp1258"))
    (folder / "zz-copy.md").write_text(dump(good))
    fresh = Store(store.content_dir)
    errors = dict(fresh.iter_parse_errors())
    assert set(map(str, errors)) == {"content/articles/2021/06/hong.md",
                                     "content/articles/2021/06/latin1.md",
                                     "content/articles/2021/06/zz-copy.md"}
    for path, message in errors.items():
        assert message.startswith(f"{path}: ")
    assert "invalid front matter" in errors[Path("content/articles/2021/06/hong.md")]
    assert "not UTF-8" in errors[Path("content/articles/2021/06/latin1.md")]
    assert f"id {good.id} is also used by content/articles/2021/06/kien-xuong" in \
        errors[Path("content/articles/2021/06/zz-copy.md")]
    before = (folder / "hong.md").read_bytes()
    with pytest.raises(StoreError, match=r"hong.md: line \d+: invalid front matter: .*left alone"):
        fresh.save(broken, now=NOW)
    assert (folder / "hong.md").read_bytes() == before
    assert [a.id for a in fresh.articles()] == [good.id]


def test_save_requires_an_aware_now(store):
    with pytest.raises(ValueError):
        store.save(article(), now=datetime(2025, 1, 1))
