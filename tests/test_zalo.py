"""`cds zalo pack ID`: the Zalo OA operator's folder, read back (an article and a month)."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import config as config_mod
from pipeline.cli.main import main
from pipeline.core.models import Article
from pipeline.store import articles as store_mod
from tests.conftest import make_root
from tests.test_cli import cds

FEEDS = """\
site: {title: Chuyển đổi số Tỉnh Thử, url: "https://cds.example.gov.vn/"}
sources:
  - {id: bao-thu, name: Báo Thử, kind: feed, url: "https://bao.example.vn/rss"}
"""
KEY = "ab/ab12cd34ef567890.png"
PNG = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 800, 450) + b"\0" * 40


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = make_root(tmp_path_factory.mktemp("zalo") / "root", FEEDS)
    config = config_mod.load(root)
    (config.content_dir / "media" / "ab").mkdir(parents=True)
    (config.content_dir / "media" / KEY).write_bytes(PNG)
    store = store_mod.Store(config.content_dir)
    when = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
    arts = [
        Article(id="00000000000000a1", title="Xã Thử ra mắt tổ công nghệ số cộng đồng",
                url="https://bao.example.vn/tin-a1.html", source="bao-thu", published=when,
                harvested=when, summary="Tổ công nghệ số giúp người dân cài ứng dụng dịch vụ công.",
                body="Sáng 9/3, xã Thử ra mắt **tổ công nghệ số**.\n\n"
                     f"![Ra mắt tổ](../../../media/{KEY})\n\n- Hướng dẫn cài ứng dụng\n- Thanh toán không dùng tiền mặt",
                image=f"../../../media/{KEY}", themes=["nhan-thuc"]),
        Article(id="00000000000000a2", title="Huyện Thử số hóa hồ sơ một cửa",
                url="https://bao.example.vn/tin-a2.html", source="bao-thu",
                published=when + timedelta(days=5), harvested=when, body="Huyện đã số hóa hồ sơ.",
                themes=["trach-nhiem"]),
        Article(id="00000000000000a3", title="Tin còn chờ duyệt", url="https://bao.example.vn/tin-a3.html",
                source="bao-thu", published=when + timedelta(days=6), harvested=when,
                body="Chưa duyệt.", status="pending"),
    ]
    for art in arts:
        store.write(art)
    return root


def test_article_pack_read_back(root: Path):
    res = cds("--root", str(root), "zalo", "pack", "00000000000000a1")
    assert res.returncode == 0, res.stderr
    folder = root / "zalo" / "00000000000000a1"
    text = (folder / "bai-viet.txt").read_text(encoding="utf-8")
    assert "Xã Thử ra mắt tổ công nghệ số cộng đồng" in text
    assert "Tổ công nghệ số giúp người dân" in text and "• Hướng dẫn cài ứng dụng" in text
    assert "Nguồn: Báo Thử – https://bao.example.vn/tin-a1.html" in text
    assert "https://cds.example.gov.vn/tin-tuc/2025/03/" in text
    assert "**" not in text                                   # plain text, not Markdown
    assert (folder / "anh-bia.png").read_bytes() == PNG
    req = json.loads((folder / "article_create.json").read_text(encoding="utf-8"))
    assert req["type"] == "normal" and req["status"] == "hide" and req["comment"] in ("show", "hide")
    assert req["title"] == "Xã Thử ra mắt tổ công nghệ số cộng đồng"
    assert req["author"] == "Chuyển đổi số Tỉnh Thử" and len(req["author"]) <= 50
    assert req["cover"] == {"cover_type": "photo", "status": "show",
                            "photo_url": f"https://cds.example.gov.vn/tin-tuc/media/{KEY}"}
    assert 0 < len(req["description"]) <= 300
    kinds = [b["type"] for b in req["body"]]
    assert set(kinds) == {"text", "image"}
    assert {"type": "image", "url": f"https://cds.example.gov.vn/tin-tuc/media/{KEY}"} in req["body"]
    assert all(isinstance(b.get("content", b.get("url")), str) for b in req["body"])
    guide = (folder / "HUONG-DAN.txt").read_text(encoding="utf-8")
    assert "https://openapi.zalo.me/v2.0/article/create" in guide and "$ZALO_OA_ACCESS_TOKEN" in guide
    assert "anh-bia.png" in guide
    # nothing kept that looks like a token, and a second run makes the same files
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["--root", str(root), "zalo", "pack", "00000000000000a1"]) == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_month_pack_has_the_published_articles_only(root: Path, tmp_path: Path):
    assert main(["--root", str(root), "zalo", "pack", "2025-03", "--out", str(tmp_path / "goi")]) == 0
    text = (tmp_path / "goi" / "bai-viet.txt").read_text(encoding="utf-8")
    assert "Tin chuyển đổi số tháng 03/2025" in text
    assert text.index("Xã Thử ra mắt") < text.index("Huyện Thử số hóa")     # in date order
    assert "Tin còn chờ duyệt" not in text
    assert "https://cds.example.gov.vn/luu-tru/2025/03/" in text
    req = json.loads((tmp_path / "goi" / "article_create.json").read_text(encoding="utf-8"))
    assert req["status"] == "hide" and len(req["body"]) == 3
    assert req["cover"]["photo_url"].endswith(KEY)            # the newest article with a picture


@pytest.mark.parametrize("ident,code,words", [
    ("00000000000000a3", 1, "not published"),
    ("khong-co", 2, "no article with this id"),
    ("2024-01", 1, "no published article"),
])
def test_pack_errors_are_one_line(root: Path, capsys, ident, code, words):
    assert main(["--root", str(root), "zalo", "pack", ident]) == code
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and err.startswith("error: ")
    assert not (root / "zalo" / ident).exists()
