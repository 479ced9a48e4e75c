"""The static JSON API under ``api/`` (documented in docs/api.md).

Every file is plain JSON (UTF-8, ``application/json``), made at build time from the published
articles only. Lists are newest first and cut into pages of :data:`PER_PAGE`; an article's
``id`` is the store's stable id and ``guid`` the same ``tag:`` URI as in the feeds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from pipeline.core.models import Article

PER_PAGE = 50
VERSION = 1
PREFIX = "api/"


def dump(data: object) -> bytes:
    """Compact JSON (the C encoder: an indented dump is pure Python and ~10× slower)."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode(
        "utf-8", "surrogatepass")


def record(ctx, art: Article) -> dict:
    """One article as every list shows it (made once per article and build)."""
    memo = ctx.__dict__.setdefault("_api_records", {})
    if art.id not in memo:
        memo[art.id] = _record(ctx, art)
    return memo[art.id]


def _items(ctx, arts: Sequence[Article]) -> str:
    """``arts`` as :func:`dump` writes a list of their records, each record encoded once per
    build (an article is in several lists), or taken from the last build's when the article's
    key is the one it was encoded under (``ctx.memo``: the key covers all the record reads)."""
    memo = ctx.__dict__.setdefault("_api_json", {})
    last, keys = ctx.memo.records, ctx.keys
    out = []
    for art in arts:
        text = memo.get(art.id)
        if text is None:
            kept = last.get(art.id)
            if isinstance(kept, list) and len(kept) == 2 and kept[0] == keys.get(art.id) and \
                    isinstance(kept[1], str):
                text = memo[art.id] = kept[1]
            else:
                text = memo[art.id] = json.dumps(record(ctx, art), ensure_ascii=False,
                                                 separators=(",", ":"))
        out.append(text)
    return "[" + ",".join(out) + "]"


def file_key(ctx, head: object, arts: Sequence[Article]) -> str | None:
    """The key of a file made from ``head`` (JSON) and the records of ``arts``; None when the
    articles' keys are not known (the file is then always made)."""
    keys = ctx.keys
    try:
        lines = [keys[a.id] for a in arts]
    except KeyError:
        return None
    text = json.dumps(head, ensure_ascii=False, sort_keys=True) + "\n" + "\n".join(lines)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _put(ctx, out, rel: str, head: dict, arts: Sequence[Article]) -> None:
    """``rel``: :func:`dump` of ``{**head, "items": [records of arts]}``, made only when its
    key changed (:meth:`pipeline.site.portal.Writer.made`)."""
    key = file_key(ctx, [rel, head], arts)
    if key is None:
        out.put(rel, _dump_with_items(head, _items(ctx, arts)))
    else:
        out.made(rel, key, lambda: _dump_with_items(head, _items(ctx, arts)))


def _dump_with_items(head: dict, items: str) -> bytes:
    """:func:`dump` of ``{**head, "items": [...]}`` with the list already encoded
    (``items``): the same bytes, the records not encoded again."""
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    return (text[:-1] + ("," if head else "") + '"items":' + items + "}\n").encode(
        "utf-8", "surrogatepass")


def _record(ctx, art: Article) -> dict:
    published = ctx.local_iso(art.published)
    return {
        "id": art.id,
        "guid": ctx.guid(art),
        "title": art.title,
        "url": ctx.link(art),
        "original_url": art.url,
        "source": {"id": art.source, "name": ctx.source_name(art)},
        "published": published,
        "updated": ctx.local_iso(art.updated) if art.updated and art.updated > art.published
        else published,
        "summary": art.summary,
        "image": art.image if art.image.lower().startswith(("http://", "https://")) else None,
        "themes": [{"id": t, "name": ctx.theme_names[t]} for t in art.themes if t in ctx.theme_names],
        "documents": list(art.doc_refs),
    }


def _pages(ctx, out, folder: str, arts: Sequence[Article], extra: dict | None = None) -> int:
    """``<folder>trang-1.json`` …: at least one page, even when empty."""
    pages = max(1, -(-len(arts) // PER_PAGE))
    for n in range(1, pages + 1):
        chunk = arts[(n - 1) * PER_PAGE:n * PER_PAGE]
        head = {**(extra or {}), "page": n, "pages": pages, "per_page": PER_PAGE,
                "total": len(arts),
                "next": ctx.abs(f"{folder}trang-{n + 1}.json") if n < pages else None,
                "prev": ctx.abs(f"{folder}trang-{n - 1}.json") if n > 1 else None}
        _put(ctx, out, f"{folder}trang-{n}.json", head, chunk)
    return pages


def write(ctx, out) -> None:
    p = PREFIX
    _pages(ctx, out, f"{p}bai-viet/", ctx.articles)

    themes = []
    for tid, name in ctx.theme_names.items():
        arts = ctx.of_theme(tid)
        _pages(ctx, out, f"{p}chu-de/{tid}/", arts, {"theme": {"id": tid, "name": name}})
        themes.append({"id": tid, "name": name, "count": len(arts),
                       "first_page": ctx.abs(f"{p}chu-de/{tid}/trang-1.json"),
                       "page": ctx.abs(f"chu-de/{tid}/"), "feed": ctx.abs(f"chu-de/{tid}/feed.json")})
    out.put(f"{p}chu-de/index.json", dump({"themes": themes}))

    sources = []
    for sid, name in ctx.sources.items():
        arts = ctx.of_source(sid)
        _pages(ctx, out, f"{p}nguon/{sid}/", arts, {"source": {"id": sid, "name": name}})
        sources.append({"id": sid, "name": name, "url": ctx.source_urls.get(sid), "count": len(arts),
                        "first_page": ctx.abs(f"{p}nguon/{sid}/trang-1.json"),
                        "page": ctx.abs(f"nguon/{sid}/"), "feed": ctx.abs(f"nguon/{sid}/feed.json")})
    out.put(f"{p}nguon/index.json", dump({"sources": sources}))

    months: dict[str, list[Article]] = {}
    for art in ctx.articles:
        months.setdefault(art.published.astimezone(ctx.tz).strftime("%Y-%m"), []).append(art)
    out.put(f"{p}thang/index.json", dump({"months": [
        {"month": m, "count": len(a), "url": ctx.abs(f"{p}thang/{m}.json")} for m, a in months.items()]}))
    for m, arts in months.items():
        _put(ctx, out, f"{p}thang/{m}.json", {"month": m, "total": len(arts)}, arts)

    citing: dict[str, list[str]] = {}
    for art in ctx.articles:
        for number in art.doc_refs:
            citing.setdefault(number, []).append(art.id)
    docs = [{"number": d.number, "type": d.doc_type, "issuer": d.issuer,
             "issued": d.issued.isoformat() if d.issued else None, "title": d.title,
             "scope": d.scope, "status": d.status, "signer": d.signer,
             "effective": d.effective.isoformat() if d.effective else None,
             "official_url": d.url or None, "page": ctx.abs(d.url_path),
             "feed": ctx.abs(d.url_path + "feed.json"), "articles": citing.get(d.number, [])}
            for d in ctx.docs]
    out.put(f"{p}van-ban.json", dump({"total": len(docs), "documents": docs}))

    out.put(f"{p}index.json", dump({
        "version": VERSION,
        "site": {"title": ctx.config.site.title, "url": ctx.base,
                 "language": ctx.config.site.language or "vi"},
        "total_articles": len(ctx.articles),
        "per_page": PER_PAGE,
        "endpoints": {
            "articles": ctx.abs(f"{p}bai-viet/trang-1.json"),
            "themes": ctx.abs(f"{p}chu-de/index.json"),
            "sources": ctx.abs(f"{p}nguon/index.json"),
            "months": ctx.abs(f"{p}thang/index.json"),
            "register": ctx.abs(f"{p}van-ban.json"),
            "results": ctx.abs(f"{p}ket-qua.json"),
        },
        "feeds": {"rss": ctx.abs("rss.xml"), "atom": ctx.abs("atom.xml"),
                  "json": ctx.abs("feed.json"), "opml": ctx.abs("feeds.opml")},
    }))
