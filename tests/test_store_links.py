"""Nothing outside the root reaches the site: symbolic links in content/ are never followed
(articles, register files, media, pages) and `cds check` names each one; a register entry's
notes go through the same sanitiser as article bodies."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.models import Article
from pipeline.store import articles as store
from tests.conftest import make_root

TZ = timezone(timedelta(hours=7))
SECRET = "root:x:0:0:BI-MAT-NGOAI-GOC"
KEY = "2d/2d711642b726b044.png"


def _root(tmp_path):
    root = make_root(tmp_path / "root", 'site: {title: Thử nghiệm, url: "http://127.0.0.1:9/"}\n'
                                        "sources: []\n")
    outside = tmp_path / "ngoai"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET + "\n", encoding="utf-8")
    when = datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
    s = store.Store(root / "content")
    s.write(Article(id="a" * 16, title="Bài thật", url="https://x.vn/a", source="x",
                    published=when, harvested=when, body=f"Bài thật.\n\n![ảnh](media/{KEY})"))
    # an article file outside the root, linked in
    foreign = Article(id="b" * 16, title="Bài ngoài gốc", url="https://x.vn/b", source="x",
                      published=when, harvested=when, body=SECRET)
    (outside / "bai.md").write_text(store.dump(foreign), encoding="utf-8")
    os.symlink(outside / "bai.md", root / "content" / "articles" / "2026" / "12" / "ngoai.md")
    # a register entry whose file is a link, with hostile notes
    vb = root / "content" / "van-ban"
    (vb / "tep").mkdir(parents=True)
    os.symlink(outside / "passwd", vb / "tep" / "749-qd-ttg.pdf")
    (vb / "749-qd-ttg.md").write_text(
        "---\nnumber: 749/QĐ-TTg\ndoc_type: Quyết định\nissuer: Thủ tướng Chính phủ\n"
        "issued: 2020-06-03\ntitle: Chương trình Chuyển đổi số quốc gia\nscope: central\n"
        "file: tep/749-qd-ttg.pdf\n---\n\nGhi chú của biên tập viên.\n\n"
        "<script>alert('xss')</script>\n\n<img src=\"x\" onerror=\"alert(1)\">\n\n"
        '<a href="javascript:alert(2)">bấm</a>\n',
        encoding="utf-8")
    # a media file that is a link
    media_dir = root / "content" / "media" / KEY.split("/")[0]
    media_dir.mkdir(parents=True)
    os.symlink(outside / "passwd", root / "content" / "media" / KEY)
    # a page that is a link
    pages = root / "content" / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    os.symlink(outside / "passwd", pages / "bi-mat.md")
    return root


def _site_src_text(root) -> str:
    out = []
    for path in (root / "site_src").rglob("*"):
        if path.is_file():
            out.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(out)


def test_links_in_content_are_never_published_and_check_names_them(tmp_path):
    root = _root(tmp_path)
    config = config_mod.load(root)
    arts = jobs.open_store(config).articles()
    assert [a.title for a in arts] == ["Bài thật"]
    jobs.publish_site(config, arts)
    text = _site_src_text(root)
    assert SECRET not in text
    assert not any(p.is_symlink() for p in (root / "site_src").rglob("*"))
    problems, _ = jobs.check(root)
    joined = "\n".join(problems)
    for rel in ("content/articles/2026/12/ngoai.md", "content/van-ban/tep/749-qd-ttg.pdf",
                f"content/media/{KEY}", "content/pages/bi-mat.md"):
        assert any(rel in p and "symbolic link" in p for p in problems), (rel, joined)


def test_register_notes_are_sanitised_like_article_bodies(tmp_path):
    root = _root(tmp_path)
    config = config_mod.load(root)
    jobs.publish_site(config, jobs.open_store(config).articles())
    pages = [p for p in (root / "site_src" / "van-ban").rglob("*.md")]
    page = next(p.read_text(encoding="utf-8") for p in pages if "749" in p.name or
                "749" in p.parent.name)
    assert "Ghi chú của biên tập viên." in page
    low = page.lower()
    assert "<script" not in low and "onerror" not in low and "javascript:" not in low
