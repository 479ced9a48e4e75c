"""The public site speaks to citizens, and about its own province only.

A root made by `cds init` for another province (Hưng Yên), with a register entry that has no
title yet and an article citing a document the register lacks: no page tells visitors to run a
command, names an editor's file, or shows Thái Bình's documents; editor hints go to `cds check`.
Cited documents on an article page show their title next to the number, linked to the register.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.core.models import Article
from pipeline.store import articles as store

ICT = timezone(timedelta(hours=7))

# Editor-only wording, and another province's documents, that must not reach a public page.
FORBIDDEN = [
    r"\bcds\s+(docs|check|tag|init|build|run|publish)\b", r"`cds`", r"\bBiên tập viên\b",
    r"chưa có trích yếu", r"content/(pages|van-ban|articles)", r"feeds\.yml", r"taxonomy\.yml",
    r"Thái Bình", r"02-NQ/TU", r"571/QĐ-UBND", r"96/KH-UBND",
]

ENTRY_WITH_TITLE = """---
number: 749/QĐ-TTg
doc_type: Quyết định
issuer: Thủ tướng Chính phủ
issued: 2020-06-03
title: Phê duyệt Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030
scope: central
---
"""

ENTRY_WITHOUT_TITLE = """---
number: 1726/QĐ-BTTTT
doc_type: Quyết định
issuer: Bộ Thông tin và Truyền thông
scope: central
---
"""


@pytest.fixture(scope="module")
def hung_yen(tmp_path_factory) -> Path:
    root = jobs.init_root(tmp_path_factory.mktemp("hy") / "hung-yen")
    feeds = (root / "feeds.yml").read_text(encoding="utf-8")
    (root / "feeds.yml").write_text(feeds.replace("Chuyển đổi số TÊN ĐƠN VỊ",
                                                  "Chuyển đổi số tỉnh Hưng Yên"), encoding="utf-8")
    docs = root / "content" / "van-ban"
    (docs / "749-qd-ttg.md").write_text(ENTRY_WITH_TITLE, encoding="utf-8")
    (docs / "1726-qd-btttt.md").write_text(ENTRY_WITHOUT_TITLE, encoding="utf-8")
    published = datetime(2024, 5, 2, 9, 0, tzinfo=ICT)
    art = Article(id="00000000000000b1", title="Hưng Yên triển khai Chương trình chuyển đổi số",
                  url="https://baohungyen.example.vn/tin/1.html", source="vi-du-bao-tinh",
                  published=published, harvested=published,
                  body="Tỉnh quán triệt Quyết định số 749/QĐ-TTg và Quyết định 1726/QĐ-BTTTT, "
                       "Kế hoạch số 123/KH-UBND về chuyển đổi số.",
                  summary="Tỉnh quán triệt các văn bản về chuyển đổi số.", themes=["van-ban"],
                  doc_refs=["749/QĐ-TTg", "1726/QĐ-BTTTT", "123/KH-UBND"])
    path = root / "content" / "articles" / "2024" / "05" / "trien-khai.md"
    path.parent.mkdir(parents=True)
    path.write_text(store.dump(art), encoding="utf-8")
    config = config_mod.load(root)
    jobs.publish_site(config, jobs.open_store(config).articles())
    return root


def public_files(root: Path) -> list[Path]:
    return [p for p in sorted((root / "site_src").rglob("*"))
            if p.is_file() and p.suffix in (".md", ".html") and ".overrides" not in p.parts]


def test_no_public_page_has_editor_hints_or_another_provinces_documents(hung_yen):
    hits = []
    for path in public_files(hung_yen):
        text = path.read_text(encoding="utf-8")
        for pattern in FORBIDDEN:
            for m in re.finditer(pattern, text):
                line = text[max(0, m.start() - 60): m.end() + 40].replace("\n", " ")
                hits.append(f"{path.relative_to(hung_yen)}: {pattern}: …{line}…")
    assert not hits, "\n".join(hits)


def test_editor_hints_are_in_cds_check(hung_yen):
    problems, notes = jobs.check(hung_yen)
    text = "\n".join(notes)
    assert "content/pages/ke-hoach.md" in text and "content/pages/gioi-thieu.md" in text
    assert "content/van-ban/1726-qd-btttt.md: title" in text
    assert "cds docs add '123/KH-UBND'" in text


def test_cited_documents_show_their_title_and_link_to_the_register(hung_yen):
    page = next((hung_yen / "site_src" / "tin-tuc").rglob("trien-khai*"))
    text = page.read_text(encoding="utf-8") if page.is_file() else \
        next(page.rglob("*.md")).read_text(encoding="utf-8")
    refs = text[text.index('id="van-ban-dan-chieu"'):]
    refs = refs[: refs.index("</section>")]
    assert re.search(r'<a href="[./]*van-ban/749-qd-ttg/">.*749/QĐ-TTg.*Phê duyệt Chương trình '
                     r"Chuyển đổi số quốc gia đến năm 2025.*</a>", refs), refs
    assert re.search(r'<a href="[./]*van-ban/1726-qd-btttt/">.*1726/QĐ-BTTTT.*</a>', refs), refs
    assert "123/KH-UBND" in refs
