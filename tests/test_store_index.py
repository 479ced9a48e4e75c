"""The store index (pipeline/store/index.py): the same articles and problems as reading every
file, only changed files read again, and a missing, corrupt, foreign or stale index rebuilt."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline.core.errors import StoreError
from pipeline.core.models import Article
from pipeline.store import articles as store
from pipeline.store import index

ICT = timezone(timedelta(hours=7))
PUBLISHED = datetime(2024, 3, 5, 8, 0, tzinfo=ICT)
OLD = 1_600_000_000 * 10**9                 # a modification time long past: trusted


def article(n: int, **kw) -> Article:
    fields = dict(id=f"{n:016x}", title=f"Phường số {n} mở điểm hỗ trợ dịch vụ công trực tuyến",
                  url=f"https://tin.example.vn/bai/{n}.html", source="bao",
                  published=PUBLISHED + timedelta(hours=n), harvested=PUBLISHED + timedelta(hours=n),
                  body=f"Tổ công nghệ số cộng đồng phường số {n} hướng dẫn người dân.\n\n## Kết quả\n\nTốt.",
                  summary=f"Phường số {n} hỗ trợ người dân.", themes=["nhan-thuc"])
    fields.update(kw)
    return Article(**fields)


def put(content: Path, name: str, text: str | bytes, mtime: int = OLD) -> Path:
    path = content / "articles" / "2024" / "03" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    os.utime(path, ns=(mtime, mtime))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    for n in range(1, 6):
        put(content, f"bai-{n}", store.dump(article(n)))
    put(content, "hong-yaml", "---\ntitle: [không đóng\n---\nthân bài\n")
    put(content, "khong-utf8", b"---\ntitle: \xff\n---\n")
    put(content, "trung-id", store.dump(article(1, url="https://khac.example.vn/1.html")))
    return tmp_path


def direct(content: Path):
    s = store.Store(content)
    return s.articles(), s.iter_parse_errors()


def same(found: index.Scan, content: Path) -> None:
    arts, errors = direct(content)
    assert found.articles == arts
    assert sorted(map(str, found.errors)) == sorted(map(str, errors))


def test_the_index_gives_what_reading_every_file_gives_and_reads_only_changes(root: Path):
    content, state = root / "content", root / ".cds"
    first = index.scan(store.Store(content), state)
    assert first.rebuilt and first.read == 8
    same(first, content)
    assert len(first.articles) == 5 and len(first.errors) == 3
    again = index.scan(store.Store(content), state)
    assert not again.rebuilt and again.read == 0
    same(again, content)

    # an edit (other size), a touch (same bytes, other time), a new file, a deleted file
    put(content, "bai-2", store.dump(article(2, title="Tiêu đề đã sửa của bài hai")))
    put(content, "bai-3", (content / "articles/2024/03/bai-3.md").read_text(), mtime=OLD + 10**9)
    put(content, "bai-9", store.dump(article(9)))
    (content / "articles/2024/03/bai-4.md").unlink()
    changed = index.scan(store.Store(content), state)
    assert changed.read == 3
    same(changed, content)
    assert "Tiêu đề đã sửa của bài hai" in [a.title for a in changed.articles]
    con = sqlite3.connect(state / index.INDEX_FILE)
    rels = {r[0] for r in con.execute("SELECT rel FROM files")}
    con.close()
    assert "articles/2024/03/bai-4.md" not in rels and "articles/2024/03/bai-9.md" in rels

    # the articles handed out are the caller's own: changing one changes nothing stored
    changed.articles[0].title = "đổi"
    assert index.scan(store.Store(content), state).articles[0].title != "đổi"


@pytest.mark.parametrize("damage", ["garbage", "empty", "fingerprint", "row"])
def test_a_corrupt_foreign_or_stale_index_is_rebuilt(root: Path, damage: str):
    content, state = root / "content", root / ".cds"
    index.scan(store.Store(content), state)
    db = state / index.INDEX_FILE
    if damage == "garbage":
        db.write_bytes(b"SQLite format 3\x00" + os.urandom(3000))
    elif damage == "empty":
        db.write_bytes(b"")
    else:
        con = sqlite3.connect(db)
        with con:
            if damage == "fingerprint":                 # another schema or cds version
                con.execute("UPDATE meta SET value = 'x' WHERE key = 'fingerprint'")
            else:                                       # a row that does not unpickle
                con.execute("UPDATE files SET article = x'00ff'")
        con.close()
    found = index.scan(store.Store(content), state)
    assert found.read == 8
    same(found, content)
    assert index.scan(store.Store(content), state).read == 0


def test_a_change_that_keeps_size_and_time_is_seen_when_the_time_was_too_recent(root: Path):
    """A file written in the same clock tick as the scan is never taken from the index later:
    its time is recorded as untrusted."""
    content, state = root / "content", root / ".cds"
    now = (datetime.now().timestamp() // 1) * 10**9                  # whole seconds: 2 s tick
    path = put(content, "bai-1", store.dump(article(1, title="Tiêu đề AAAA")), mtime=int(now))
    index.scan(store.Store(content), state)
    path.write_text(store.dump(article(1, title="Tiêu đề BBBB")))    # same size
    os.utime(path, ns=(int(now), int(now)))
    found = index.scan(store.Store(content), state)
    assert "Tiêu đề BBBB" in [a.title for a in found.articles]
    same(found, content)


def test_no_index_folder_can_be_made_still_reads_everything(root: Path):
    content = root / "content"
    blocker = root / "not-a-folder"
    blocker.write_text("x")
    found = index.scan(store.Store(content), blocker)
    assert found.rebuilt and found.read == 8
    same(found, content)


def test_links_and_dot_files_are_left_out_as_the_store_leaves_them(root: Path, tmp_path_factory):
    content, state = root / "content", root / ".cds"
    outside = tmp_path_factory.mktemp("ngoai")
    (outside / "bai-ngoai.md").write_text(store.dump(article(40)))
    (content / "articles/2024/03/lien-ket.md").symlink_to(outside / "bai-ngoai.md")
    (content / "articles/2024/thu-muc-lien-ket").symlink_to(outside)
    put(content, ".an", store.dump(article(41)))
    found = index.scan(store.Store(content), state)
    same(found, content)
    assert {a.id for a in found.articles}.isdisjoint({f"{40:016x}", f"{41:016x}"})


def _state(s: store.Store) -> tuple:
    """Everything a store's scan leaves in it (what the harvest works with)."""
    s.articles()
    return (s._articles, s._by_url, s._taken, s._broken, s._errors)


def test_the_harvest_store_read_through_the_index_is_the_store_read_file_by_file(
        root: Path, tmp_path_factory):
    content, state = root / "content", root / ".cds"
    outside = tmp_path_factory.mktemp("ngoai")
    (outside / "bai-ngoai.md").write_text(store.dump(article(40)))
    (content / "articles/2024/03/lien-ket.md").symlink_to(outside / "bai-ngoai.md")
    put(content, ".an", store.dump(article(41)))
    # a broken file whose id the store still knows (a harvest must not write over it), and a
    # file claiming another's url
    put(content, "hong-co-id", f"---\nid: {42:016x}\ntitle: [không đóng\n---\nthân bài\n")
    put(content, "trung-url", store.dump(article(43, url="https://tin.example.vn/bai/2.html")))
    for _ in range(2):                                   # index made, then index used
        indexed = index.open_indexed(content, state, tz=ICT)
        assert _state(indexed) == _state(store.Store(content, tz=indexed.tz))
    assert index.scan(store.Store(content), state).read == 0
    assert f"{42:016x}" in indexed._broken
    with pytest.raises(StoreError, match="hong-co-id"):
        indexed.save(article(42), now=PUBLISHED)
    # an edited file is read again: its new title, not the indexed one
    put(content, "bai-3", store.dump(article(3, title="Bài ba đã sửa")), mtime=OLD + 10**9)
    again = index.open_indexed(content, state, tz=ICT)
    assert again.get(f"{3:016x}").title == "Bài ba đã sửa"
    assert _state(again) == _state(store.Store(content, tz=again.tz))
    # a new article written through the store is found by the next scan of the index
    again.save(article(50), now=PUBLISHED)
    assert index.open_indexed(content, state, tz=ICT).get(f"{50:016x}") is not None



# --- the harvest's light read: briefs from the index, articles read when asked ---------------

def _truth(content: Path) -> list[store.Brief]:
    plain = store.Store(content, tz=ICT)
    return [store.brief_of(a) for a in plain.articles()]


def _loaded(s: store.Store) -> int:
    return sum(1 for v in dict.values(s._articles) if isinstance(v, Article))


def test_the_harvest_gets_briefs_from_the_index_and_reads_only_what_it_asks_for(root: Path):
    content, state = root / "content", root / ".cds"
    put(content, "anh", store.dump(article(
        7, image="https://anh.example.vn/7.jpg", locked=True, extra={"lock": True},
        body="Bài có ảnh.\n\n![Ảnh](https://anh.example.vn/7b.jpg)\n\n![Ảnh](../../../media/"
             "ab/ab12cd34ef567890.jpg)", also_at=["https://khac.example.vn/7.html"])))
    first = index.open_indexed(content, state, tz=ICT)
    assert first.briefs() == _truth(content)
    assert _loaded(first) == 6                     # every file read: the index was empty
    again = index.open_indexed(content, state, tz=ICT)
    briefs = again.briefs()
    assert briefs == _truth(content) and _loaded(again) == 0     # nothing unpickled
    seven = next(b for b in briefs if b.id == f"{7:016x}")
    assert seven.outside == ("https://anh.example.vn/7.jpg", "https://anh.example.vn/7b.jpg")
    assert seven.locked and seven.protected and seven.also_at == ("https://khac.example.vn/7.html",)
    assert again.find_by_url("https://khac.example.vn/7.html").id == seven.id
    assert _loaded(again) == 1
    assert again.get(f"{2:016x}") == store.Store(content, tz=ICT).get(f"{2:016x}")
    assert _state(again) == _state(store.Store(content, tz=ICT))


def test_an_article_read_after_the_light_scan_is_the_one_scanned_or_its_file(root: Path):
    content, state = root / "content", root / ".cds"
    index.open_indexed(content, state, tz=ICT).briefs()          # the index made
    s = index.open_indexed(content, state, tz=ICT)
    s.briefs()
    before = store.Store(content, tz=ICT).get(f"{2:016x}")
    put(content, "bai-2", store.dump(article(2, title="Sửa sau khi quét")), mtime=OLD + 10**9)
    # the index row is the one the scan saw: the article as scanned, as a store that read
    # every file at its scan holds it (saving it reads the file again: Store.on_disk)
    assert s.get(f"{2:016x}") == before
    assert s.save(article(2, title="Sửa sau khi quét"), now=PUBLISHED) == "unchanged"
    # a row the index lost or replaced meanwhile (a build's scan): the file itself
    put(content, "bai-3", store.dump(article(3, title="Bài ba, bản mới")), mtime=OLD + 10**9)
    con = sqlite3.connect(state / index.INDEX_FILE)
    with con:
        con.execute("DELETE FROM files WHERE rel LIKE '%bai-3.md'")
        con.execute("UPDATE files SET mtime = 1 WHERE rel LIKE '%bai-5.md'")
    con.close()
    assert s.get(f"{3:016x}").title == "Bài ba, bản mới"
    assert s.get(f"{5:016x}") == store.Store(content, tz=ICT).get(f"{5:016x}")
    # a file gone with its row (a build's scan ran meanwhile): gone from the store
    (content / "articles/2024/03/bai-4.md").unlink()
    index.scan(store.Store(content, tz=ICT), state)
    assert s.get(f"{4:016x}") is None
    assert f"{4:016x}" not in {b.id for b in s.briefs()}


@pytest.mark.parametrize("damage", ["not a list", "wrong types", "other path"])
def test_a_damaged_brief_is_not_believed(root: Path, damage: str):
    content, state = root / "content", root / ".cds"
    index.open_indexed(content, state, tz=ICT).briefs()
    con = sqlite3.connect(state / index.INDEX_FILE)
    rel = "articles/2024/03/bai-2.md"
    brief = store.Brief.from_json(con.execute("SELECT brief FROM files WHERE rel = ?",
                                              (rel,)).fetchone()[0])
    bad = {"not a list": '{"id": 1}',
           "wrong types": brief._replace(published="2024").to_json(),
           "other path": brief._replace(path="articles/2024/03/khac.md").to_json()}[damage]
    with con:
        con.execute("UPDATE files SET brief = ? WHERE rel = ?", (bad, rel))
    con.close()
    s = store.Store(content, tz=ICT)
    found = index.scan(s, state, light=True)
    assert found.read == 1
    assert sorted(found.briefs) == sorted(_truth(content))
    assert index.scan(store.Store(content, tz=ICT), state, light=True).read == 0   # written again


def test_an_index_of_the_earlier_layout_is_rebuilt(root: Path):
    content, state = root / "content", root / ".cds"
    state.mkdir()
    con = sqlite3.connect(state / index.INDEX_FILE)
    with con:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        con.execute("CREATE TABLE files (rel TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, "
                    "digest TEXT, article BLOB, error TEXT)")            # schema 1
        con.execute("INSERT INTO meta VALUES ('fingerprint', 'schema 1')")
    con.close()
    found = index.scan(store.Store(content), state, light=True)
    assert found.rebuilt and found.read == 8
    assert sorted(found.briefs) == sorted(_truth(content))
    full = index.scan(store.Store(content), state)
    assert not full.rebuilt and full.read == 0
    same(full, content)
