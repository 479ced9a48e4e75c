"""``cds zalo pack ID``: a folder an operator of the province's Zalo Official Account publishes
from, for one article (its id) or a month's digest (``YYYY-MM``: the month's published
articles).

The folder (``<root>/zalo/<ID>/`` unless ``--out``) holds:

- ``bai-viet.txt``: the text to paste into the OA editor (title, description, paragraphs,
  source links, the address on the site);
- ``anh-bia.<ext>``: the cover picture (the article's mirrored image; for a month, that of
  its newest article with one);
- ``article_create.json``: the same article in the shape of Zalo's OA article API
  (``type: normal``, ``cover`` {``cover_type: photo``, ``photo_url``, ``status: show``},
  ``body`` [{``type: text``|``image``}], ``status: hide``: created hidden, shown by hand);
- ``HUONG-DAN.txt``: how to publish it, by hand or with ``curl`` for someone who holds a token.

cds stores no token and sends nothing.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup

from pipeline import config as config_mod
from pipeline.store import media
from pipeline.core.errors import CdsError, ConfigError
from pipeline.core.fileio import write_atomic
from pipeline.core.models import Article, Config

API_URL = "https://openapi.zalo.me/v2.0/article/create"
TITLE_MAX = 150             # Zalo's limits for a normal article
AUTHOR_MAX = 50
DESCRIPTION_MAX = 300
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class ZaloError(CdsError):
    exit_code = 1


@dataclass
class Pack:
    folder: Path
    title: str
    articles: int
    cover: Path | None = None
    warnings: list[str] = field(default_factory=list)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:–-")
    return cut + "…"


def _blocks(art: Article, render, site_url: str) -> list[tuple[str, str]]:
    """("text", paragraph) and ("image", absolute address) in the body's order."""
    body = media.for_feeds(art, site_url).body
    soup = BeautifulSoup(render(body), "lxml")
    out: list[tuple[str, str]] = []
    for el in soup.find_all(["p", "h2", "h3", "h4", "li", "blockquote", "img", "tr"]):
        if el.name == "img":
            src = el.get("src") or ""
            if src.startswith(site_url.rstrip("/") + "/" + media.SITE_DIR):     # the site's own
                out.append(("image", src))
            continue
        if el.find_parent(["li", "blockquote"]) and el.name == "p":
            continue
        text = " ".join(el.get_text(" ", strip=True).split())
        if el.name == "tr":
            text = " | ".join(" ".join(c.get_text(" ", strip=True).split())
                              for c in el.find_all(["td", "th"]))
        if text:
            out.append(("text", ("• " if el.name == "li" else "") + text))
    return out


class _Packer:
    def __init__(self, config: Config, articles: Sequence[Article]):
        from pipeline.site import publish, render

        self.config = config
        self.tz = config_mod.timezone(config)
        self.base = config.site.url.rstrip("/") + "/"
        self.published = sorted((a for a in articles if a.status == "published"),
                                key=lambda a: (a.published, a.id), reverse=True)
        self.urls = publish.article_urls(self.published, self.tz)
        self.sources = {s.id: s.name for s in config.sources}
        self.render = render.markdown_renderer()
        self.summary = publish.summary_of

    def link(self, art: Article) -> str:
        return self.base + self.urls[art.id]

    def source(self, art: Article) -> str:
        return self.sources.get(art.source, art.source)

    def cover(self, arts: Sequence[Article]) -> Article | None:
        available = media.available(self.config.content_dir)
        for art in arts:
            key = media.media_key(art.image)
            if key and key in available:
                return art
        return None


def _select(packer: _Packer, ident: str, store_articles: Sequence[Article]) -> tuple[str, list[Article]]:
    m = MONTH.fullmatch(ident)
    if m:
        arts = [a for a in packer.published
                if a.published.astimezone(packer.tz).strftime("%Y-%m") == ident]
        if not arts:
            raise ZaloError(f"zalo pack {ident}: no published article in {m.group(2)}/{m.group(1)}")
        return "month", sorted(arts, key=lambda a: (a.published, a.id))
    for art in store_articles:
        if art.id == ident:
            if art.status != "published":
                raise ZaloError(f"zalo pack {ident}: the article is {art.status}, not published")
            return "article", [art]
    raise ConfigError(f"zalo pack {ident}: no article with this id, and not a month like 2025-03")


def make_pack(config: Config, articles: Sequence[Article], ident: str,
              out: Path | None = None) -> Pack:
    """Write the pack for ``ident`` (an article id or ``YYYY-MM``); returns what was made."""
    packer = _Packer(config, articles)
    kind, arts = _select(packer, ident, articles)
    folder = Path(out) if out is not None else config.root / "zalo" / ident
    folder.mkdir(parents=True, exist_ok=True)
    site = config.site.title
    text_lines: list[str] = []
    body: list[dict[str, str]] = []
    if kind == "article":
        art = arts[0]
        title = art.title
        description = packer.summary(art) or art.title
        text_lines += ["TIÊU ĐỀ:", title, "", "MÔ TẢ:", description, "", "NỘI DUNG:"]
        for what, value in _blocks(art, packer.render, config.site.url):
            if what == "text":
                text_lines += [value, ""]
                body.append({"type": "text", "content": html.escape(value, quote=False)})
            else:
                text_lines += [f"[Ảnh: {value}]", ""]
                body.append({"type": "image", "url": value})
        src = f"Nguồn: {packer.source(art)}" + (f" – {art.url}" if art.url.startswith("http") else "")
        text_lines += [src, f"Đọc trên {site}: {packer.link(art)}"]
        body.append({"type": "text", "content": html.escape(src, quote=False)})
        body.append({"type": "text", "content": html.escape(f"Đọc trên {site}: {packer.link(art)}",
                                                            quote=False)})
    else:
        y, mth = ident.split("-")
        title = f"Tin chuyển đổi số tháng {mth}/{y}"
        description = (f"{len(arts)} tin nổi bật về chuyển đổi số tháng {mth}/{y} do {site} "
                       "tổng hợp từ các cơ quan báo chí, đài phát thanh – truyền hình và cổng "
                       "thông tin của tỉnh.")
        text_lines += ["TIÊU ĐỀ:", title, "", "MÔ TẢ:", description, "", "NỘI DUNG:"]
        for n, art in enumerate(arts, 1):
            local = art.published.astimezone(packer.tz)
            head = f"{n}. {art.title} ({local:%d/%m/%Y}, {packer.source(art)})"
            summary = packer.summary(art)
            text_lines += [head] + ([summary] if summary else []) + [f"Đọc tiếp: {packer.link(art)}", ""]
            body.append({"type": "text", "content": "<p><strong>" + html.escape(head, quote=False)
                         + "</strong></p>" + (f"<p>{html.escape(summary, quote=False)}</p>" if summary else "")
                         + f"<p>Đọc tiếp: {html.escape(packer.link(art), quote=False)}</p>"})
        monthly = f"{packer.base}luu-tru/{y}/{mth}/"
        text_lines += [f"Xem tất cả tin tháng {mth}/{y}: {monthly}"]
        body.append({"type": "text", "content": html.escape(f"Xem tất cả tin tháng {mth}/{y}: {monthly}",
                                                            quote=False)})

    pack = Pack(folder=folder, title=title, articles=len(arts))
    cover_art = packer.cover(sorted(arts, key=lambda a: (a.published, a.id), reverse=True))
    photo_url = ""
    for old in folder.glob("anh-bia.*"):
        old.unlink()
    if cover_art is not None:
        key = media.media_key(cover_art.image)
        pack.cover = folder / ("anh-bia" + Path(key).suffix)
        shutil.copyfile(config.content_dir / media.MEDIA_DIR / key, pack.cover)
        photo_url = media.absolute_media_url(config.site.url, cover_art.image) or ""
    else:
        pack.warnings.append(f"zalo pack {ident}: no mirrored picture for the cover; add one in "
                             "the OA editor (Zalo needs a cover)")

    request = {
        "type": "normal",
        "title": _cut(title, TITLE_MAX),
        "author": _cut(site, AUTHOR_MAX),
        "cover": {"cover_type": "photo", "photo_url": photo_url, "status": "show"},
        "description": _cut(description, DESCRIPTION_MAX),
        "body": body,
        "status": "hide",
        "comment": "show",
    }
    write_atomic(folder / "article_create.json",
                 (json.dumps(request, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    write_atomic(folder / "bai-viet.txt", ("\n".join(text_lines).rstrip() + "\n").encode("utf-8"))
    write_atomic(folder / "HUONG-DAN.txt", _guide(ident, pack, photo_url).encode("utf-8"))
    return pack


def _guide(ident: str, pack: Pack, photo_url: str) -> str:
    cover = pack.cover.name if pack.cover else "(chưa có: chọn một ảnh trong trình soạn thảo)"
    return f"""Gói bài cho Zalo OA: {pack.title}
Tạo bởi `cds zalo pack {ident}`. cds không lưu mã truy cập (token) và không gửi gì lên Zalo.

Cách 1 – đăng bằng tay (người quản trị OA):
  1. Vào trang quản trị Zalo OA, chọn Bài viết → Tạo bài viết mới.
  2. Tiêu đề, mô tả và nội dung: sao chép từ tệp bai-viet.txt.
  3. Ảnh bìa: tải lên tệp {cover}.
  4. Xem lại, rồi đăng.

Cách 2 – qua API (người giữ mã truy cập OA có quyền quản lý bài viết):
  Bài được tạo ở trạng thái ẩn ("status": "hide"); kiểm tra trên trang quản trị rồi mới hiện.
  Ảnh bìa phải có địa chỉ công khai: {photo_url or "(chưa có)"}

  curl -sS -X POST {API_URL} \\
    -H "access_token: $ZALO_OA_ACCESS_TOKEN" \\
    -H "Content-Type: application/json" \\
    --data-binary @article_create.json

  (đặt biến môi trường ZALO_OA_ACCESS_TOKEN trước khi chạy; không ghi mã vào tệp nào.)
"""
