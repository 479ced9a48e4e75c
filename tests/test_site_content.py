"""What a build publishes when article files go wrong or are edited by hand, through the real CLI:
a file that no longer parses is reported (file, line, reason), fails the build (exit 1), shows in
`cds status`, and keeps its last good page on the site until fixed; a deleted file is gone; a
hand edit of a locked article moves `updated` in the feeds and on the page, deterministically."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser

from pipeline.core.models import Article
from pipeline.harvest import media
from pipeline.store import articles as store
from tests.fixtures.sched.helpers import FeedSite, cds, new_root

ICT = timezone(timedelta(hours=7))
PUBLISHED = datetime(2024, 3, 5, 8, 0, tzinfo=ICT)


def article(n: int, **kw) -> Article:
    fields = dict(id=f"{n:016x}", title=f"Xã Đông Hòa số {n} số hóa sổ hộ tịch",
                  url=f"https://tin.example.vn/bai/{n}.html", source="bao",
                  published=PUBLISHED + timedelta(hours=n), harvested=PUBLISHED + timedelta(hours=n),
                  body=f"Cán bộ xã số {n} nhập dữ liệu hộ tịch vào phần mềm mới.",
                  summary=f"Xã số {n} số hóa sổ hộ tịch.", themes=["nhan-thuc"])
    fields.update(kw)
    return Article(**fields)


def write(root: Path, art: Article, name: str) -> Path:
    path = root / "content" / "articles" / "2024" / "03" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(store.dump(art), encoding="utf-8")
    return path


def page(root: Path, name: str) -> Path:
    return root / "site" / "tin-tuc" / "2024" / "03" / name / "index.html"


def test_a_broken_article_is_reported_fails_the_build_and_keeps_its_last_good_page(tmp_path):
    root = new_root(tmp_path / "root", [{"id": "bao", "url": "http://127.0.0.1:9/rss"}])
    good = write(root, article(1), "xa-mot")
    write(root, article(2), "xa-hai")
    res = cds(root, "build")
    assert res.returncode == 0, res.stderr
    assert "Xã Đông Hòa số 1" in page(root, "xa-mot").read_text(encoding="utf-8")

    # An editor's typo: the status value is misspelt on line 13 (not a YAML error).
    text = good.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("status:"))
    lines[at] = "status: publishd"
    good.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for command in ("build", "publish"):
        res = cds(root, command)
        assert res.returncode == 1, (command, res.stderr)
        assert "Traceback" not in res.stderr
        assert (f"error: content/articles/2024/03/xa-mot.md: line {at + 1}: status: 'publishd'"
                in res.stderr), res.stderr
        assert "last good version stays on the site" in res.stderr
    assert "Xã Đông Hòa số 1" in page(root, "xa-mot").read_text(encoding="utf-8")
    assert page(root, "xa-hai").is_file()
    report = json.loads((root / ".cds" / "last-build.json").read_text(encoding="utf-8"))
    assert report["kept"] == ["content/articles/2024/03/xa-mot.md"]
    status = cds(root, "status")
    assert status.returncode == 1
    assert "content/articles/2024/03/xa-mot.md: line" in status.stdout

    # A YAML error in a file that never parsed: reported, not on the site, no page invented.
    (root / "content/articles/2024/03/xa-ba.md").write_text(
        "---\nid: abc\ntitle: [chưa đóng\n---\nThân bài.\n", encoding="utf-8")
    res = cds(root, "build")
    assert res.returncode == 1
    assert "content/articles/2024/03/xa-ba.md: line 4: invalid front matter" in res.stderr
    assert "(not on the site)" in res.stderr
    (root / "content/articles/2024/03/xa-ba.md").unlink()

    # Fixed: the build is clean again, status too.
    write(root, article(1, title="Xã Đông Hòa số 1 đã sửa"), "xa-mot")
    res = cds(root, "build")
    assert res.returncode == 0, res.stderr
    assert "đã sửa" in page(root, "xa-mot").read_text(encoding="utf-8")
    assert cds(root, "status").returncode == 0

    # Deleted: a real deletion, the page goes and no copy brings it back.
    good.unlink()
    assert cds(root, "build").returncode == 0
    assert not page(root, "xa-mot").exists()
    assert not (root / ".cds" / "last-good" / "articles/2024/03/xa-mot.md").exists()


def test_a_hand_edit_of_a_locked_article_moves_updated_in_feeds_and_page(tmp_path):
    root = new_root(tmp_path / "root", [{"id": "bao", "url": "http://127.0.0.1:9/rss"}])
    path = write(root, article(3, locked=True), "xa-ba")
    before = path.read_bytes()
    assert cds(root, "build").returncode == 0
    entry = feedparser.parse((root / "site" / "atom.xml").read_bytes()).entries[0]
    assert entry.updated == entry.published

    started = datetime.now(ICT).replace(microsecond=0)
    edited = before.decode("utf-8").replace("phần mềm mới.", "phần mềm mới (đính chính số liệu).")
    path.write_text(edited, encoding="utf-8")
    assert cds(root, "build").returncode == 0
    assert path.read_text(encoding="utf-8") == edited           # cds wrote nothing into it
    atom = (root / "site" / "atom.xml").read_bytes()
    entry = feedparser.parse(atom).entries[0]
    updated = datetime.fromisoformat(entry.updated)
    assert updated >= started and updated > datetime.fromisoformat(entry.published)
    assert "cập nhật" in page(root, "xa-ba").read_text(encoding="utf-8")

    # Same store, same state: same bytes.
    assert cds(root, "build").returncode == 0
    assert (root / "site" / "atom.xml").read_bytes() == atom


def test_feed_enclosures_give_the_mirrored_pictures_real_size(tmp_path):
    root = new_root(tmp_path / "root", [{"id": "bao", "url": "http://127.0.0.1:9/rss"}])
    picture = bytes.fromhex("ffd8ffe000104a464946") + bytes(range(256)) * 7 + b"\xff\xd9"
    key = media.key_for(picture, "jpg")
    (root / "content" / "media" / key).parent.mkdir(parents=True)
    (root / "content" / "media" / key).write_bytes(picture)
    write(root, article(4, image=f"../../../media/{key}",
                        body=f"Ảnh lễ ra mắt.\n\n![Lễ ra mắt](../../../media/{key})"), "xa-bon")
    assert cds(root, "build").returncode == 0
    rss = feedparser.parse((root / "site" / "rss.xml").read_bytes()).entries[0]
    assert rss.enclosures[0].href.endswith(key)
    assert rss.enclosures[0].length == str(len(picture))
    atom = (root / "site" / "atom.xml").read_text(encoding="utf-8")
    assert f'length="{len(picture)}"' in atom


def test_run_with_a_broken_article_exits_1_and_says_so_in_its_run_report(tmp_path):
    with FeedSite() as site:
        root = new_root(tmp_path / "root", [{"id": "bao", "url": site.add_feed("bao", [1])}])
        (root / "content/articles/2024/03").mkdir(parents=True)
        (root / "content/articles/2024/03/hong.md").write_text(
            "---\nid: x1\ntitle: Bài hỏng\nurl: https://tin.example.vn/x1\nsource: bao\n"
            "published: hôm qua\nharvested: 2024-03-05T08:00:00+07:00\n---\nThân bài.\n",
            encoding="utf-8")
        res = cds(root, "run")
    assert res.returncode == 1, res.stderr
    assert "error: content/articles/2024/03/hong.md: line 6: published: not an ISO 8601" \
        in res.stderr, res.stderr
    report = json.loads((root / ".cds" / "last-run.json").read_text(encoding="utf-8"))
    assert report["ok"] is False and report["totals"]["new"] == 1
    assert report["content_problems"][0].startswith("content/articles/2024/03/hong.md: line 6:")


# --- the content history's hashes (issue 18: not every article hashed again each build) ------

def _gather(root: Path):
    from pipeline.site import sitecontent

    now = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=7)))
    return sitecontent.gather(root / "content", root / ".cds", store.Store(root / "content"),
                              now=now)


def _history(root: Path) -> dict:
    from pipeline.site import sitecontent

    return json.loads((root / ".cds" / sitecontent.HISTORY_FILE).read_text(encoding="utf-8"))


def _three(root: Path) -> None:
    st = store.Store(root / "content")
    for i in range(3):
        when = datetime(2024, 5, 1 + i, 8, tzinfo=timezone(timedelta(hours=7)))
        st.write(Article(id=f"{i:016x}", title=f"Tin {i}", url=f"https://a.example.vn/{i}",
                         source="a", published=when, harvested=when, body=f"Thân bài {i}."))


def test_history_hashes_are_taken_again_only_for_changed_files(tmp_path: Path):
    """An article file whose bytes are those the history's hash was taken from (its ``file``
    digest) keeps the hash without hashing; any other file is hashed again."""
    import hashlib

    from pipeline.site import sitecontent

    _three(tmp_path)
    arts = {a.path.as_posix(): a for a in _gather(tmp_path).articles}
    history = _history(tmp_path)
    for rel, rec in history.items():        # the hash is the article's, the digest its bytes'
        assert rec["hash"] == sitecontent.content_hash(arts[rel])
        data = (tmp_path / "content" / rel).read_bytes()
        assert rec["file"] == hashlib.sha256(data).hexdigest()[:32]
    first, second = sorted(history)[:2]
    # a recorded hash is trusted while the file digest matches (so it was not taken again) …
    history[first]["hash"] = "0" * 32
    # … and taken again when the digest is not the file's
    history[second] = {**history[second], "hash": "1" * 32, "file": "2" * 32}
    (tmp_path / ".cds" / sitecontent.HISTORY_FILE).write_text(json.dumps(history))
    _gather(tmp_path)
    again = _history(tmp_path)
    assert again[first]["hash"] == "0" * 32
    assert again[second]["hash"] == sitecontent.content_hash(arts[second])
    data = (tmp_path / "content" / second).read_bytes()
    assert again[second]["file"] == hashlib.sha256(data).hexdigest()[:32]


def test_a_hand_edit_is_hashed_and_dated(tmp_path: Path):
    from pipeline.site import sitecontent

    _three(tmp_path)
    _gather(tmp_path)
    rel = sorted(_history(tmp_path))[0]
    path = tmp_path / "content" / rel
    path.write_text(path.read_text(encoding="utf-8").replace("Thân bài", "Thân bài đã sửa"),
                    encoding="utf-8")
    arts = {a.path.as_posix(): a for a in _gather(tmp_path).articles}
    rec = _history(tmp_path)[rel]
    assert rec["hash"] == sitecontent.content_hash(store.parse(path.read_text(encoding="utf-8"),
                                                               path))
    assert rec["changed"] == "2025-01-01T00:00:00+07:00"       # a hand edit: the build's time
    assert arts[rel].updated == datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=7)))


def test_gather_names_what_changed_since_the_last_gather(tmp_path: Path):
    """``SiteContent.stamps``/``changed``/``deleted`` (what publish goes by to leave unchanged
    articles unread): every article read from its file has a token; after a new file, a hand
    edit and a deletion, exactly the new and the edited article are ``changed``, the deleted
    file is named, and every other token is the one before; a gather with nothing new names
    nothing. A file that no longer reads (shown from its last good copy) has no token."""
    _three(tmp_path)
    first = _gather(tmp_path)
    assert set(first.stamps) == {a.id for a in first.articles} == first.changed
    assert _gather(tmp_path).changed == set() and _gather(tmp_path).stamps == first.stamps
    rels = sorted(_history(tmp_path))
    edited = tmp_path / "content" / rels[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Thân bài", "Thân bài sửa"),
                      encoding="utf-8")
    (tmp_path / "content" / rels[1]).unlink()
    when = datetime(2024, 6, 1, 8, tzinfo=timezone(timedelta(hours=7)))
    store.Store(tmp_path / "content").write(Article(
        id="f" * 16, title="Tin mới", url="https://a.example.vn/moi", source="a",
        published=when, harvested=when, body="Thân bài mới."))
    ids = {a.path.as_posix(): a.id for a in first.articles}
    second = _gather(tmp_path)
    assert second.changed == {ids[rels[0]], "f" * 16}
    assert second.deleted == [rels[1]]
    assert second.stamps[ids[rels[2]]] == first.stamps[ids[rels[2]]]
    assert second.stamps[ids[rels[0]]] != first.stamps[ids[rels[0]]]
    edited.write_text("---\nid: [broken\n", encoding="utf-8")          # kept from its last good copy
    third = _gather(tmp_path)
    assert third.kept and ids[rels[0]] not in third.stamps
    assert ids[rels[0]] in {a.id for a in third.articles}
