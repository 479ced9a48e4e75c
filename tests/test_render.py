"""Article bodies rendered once (pipeline/site/render.py): the fast path (pyromark) gives the
bytes Python-Markdown gives for every body it takes, editors' Markdown renders correctly, and
the body cache is never trusted blindly."""

from __future__ import annotations

import random
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.site import render

EXTENSIONS = ["toc", "tables", "attr_list", "md_in_html", "admonition", "footnotes", "fenced_code"]
FAST = render.toc_renderer(EXTENSIONS)
SLOW = render.toc_renderer(EXTENSIONS, fast=False)

WORDS = ("chuyển đổi số người dân dịch vụ công trực tuyến xã phường hồ sơ điện tử "
         "Thái Bình năm 2024 & 30% cán bộ \"một cửa\" 'điểm sáng' hỗ trợ").split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(3, 12))]
    i = rng.randrange(len(words))
    words[i] = rng.choice([f"*{words[i]}*", f"**{words[i]}**", f"_{words[i]}_", f"`{words[i]}`",
                           f"[{words[i]}](https://tinh.example.vn/{i})", words[i]])
    return " ".join(words) + rng.choice([".", "!", "?", ":"])


def body(rng: random.Random) -> str:
    blocks = []
    for _ in range(rng.randint(1, 8)):
        kind = rng.choice(["p", "p", "h", "ul", "ol", "img", "hr", "setext"])
        if kind == "p":
            blocks.append("\n".join(sentence(rng) for _ in range(rng.randint(1, 3))))
        elif kind == "h":
            blocks.append("#" * rng.randint(2, 4) + " " + sentence(rng).rstrip(".!?:"))
        elif kind == "setext":
            blocks.append(sentence(rng).rstrip(".!?:") + "\n" + rng.choice(["===", "---"]))
        elif kind == "ul":
            blocks.append("\n".join(f"{rng.choice('-*+')} {sentence(rng)}" for _ in range(rng.randint(1, 4))))
        elif kind == "ol":
            blocks.append("\n".join(f"{n}. {sentence(rng)}" for n in range(1, rng.randint(2, 5))))
        elif kind == "img":
            key = f"{rng.getrandbits(64):016x}"
            blocks.append(f"![{rng.choice(WORDS)}](../../media/{key[:2]}/{key}.jpg)")
        else:
            blocks.append("---")
    return "\n\n".join(blocks)


def pages(render_fn, text: str):
    html, toc = render_fn(text)
    return render.sanitize_page(html).strip(), toc


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_the_fast_path_gives_python_markdowns_bytes(seed):
    text = body(random.Random(seed))
    if render.plain(text):
        assert pages(FAST, text) == pages(SLOW, text)


def test_most_generated_bodies_take_the_fast_path():
    texts = [body(random.Random(n)) for n in range(200)]
    assert sum(map(render.plain, texts)) > 100        # else the fast path is never tested


@pytest.mark.parametrize("text", [
    "Đoạn.\n\n- Một\n- Hai\n    - Hai a", "Đoạn\n- liền dưới", "3. Ba\n4. Bốn", "Chú thích[^1].\n\n[^1]: Nguồn.",
    "| A | B |\n|---|---|\n| 1 | 2 |", "Ảnh {: .lon }", "<b>đậm</b>", "![a](/media/x.jpg \"tiêu đề\")",
    "***đậm nghiêng***", "~~gạch~~", "!!! note\n    ghi chú", "> trích", "a\\\nb", "&copy; 2024",
    # addresses CommonMark writes otherwise (percent-encoded, escaped): now relative links of
    # bodies are cds' too (publish rewrites them), so these must stay Python-Markdown's
    "[tệp](tai-lieu-việt.md)", "[wiki](https://vi.wikipedia.org/wiki/Việt_Nam)", "[a](it's.md)",
    "[a](x{1}.md)",
])
def test_what_the_fast_path_would_read_otherwise_goes_to_python_markdown(text):
    assert not render.plain(text)
    assert pages(FAST, text) == pages(SLOW, text)


def test_editors_markdown_renders_correctly():
    text = ("## Kết quả năm 2024\n\nXem [kế hoạch](https://tinh.example.vn/ke-hoach).\n\n"
            "| Xã | Tỷ lệ |\n|:---|---:|\n| Đông Hòa | 40% |\n\n![Người dân](../../media/ab/ab12cd34ef567890.jpg)\n\n"
            "- Một\n- Hai\n\nCác bước:\n\n1. Bước một\n2. Bước hai\n\n### Chi tiết\n\nHết.")
    html, toc = FAST(text)
    page = render.sanitize_page(html)
    assert '<h2 id="ket-qua-nam-2024">Kết quả năm 2024</h2>' in page
    assert '<a href="https://tinh.example.vn/ke-hoach">kế hoạch</a>' in page
    assert '<th style="text-align:left">Xã</th>' in page and '<td style="text-align:right">40%</td>' in page
    assert '<img alt="Người dân" src="../../media/ab/ab12cd34ef567890.jpg">' in page
    assert "<ul>\n<li>Một</li>" in page and "<ol>\n<li>Bước một</li>" in page
    assert [t["id"] for t in toc] == ["ket-qua-nam-2024"]
    assert [c["id"] for c in toc[0]["children"]] == ["chi-tiet"]
    plain = "Đoạn.\n\n## Hai\n\n- Một\n- Hai\n\n![Ảnh](../../media/ab/ab12cd34ef567890.jpg)"
    assert render.plain(plain) and pages(FAST, plain) == pages(SLOW, plain)
    assert '<img alt="Ảnh" src="../../media/ab/ab12cd34ef567890.jpg">' in pages(FAST, plain)[0]
    hostile = render.sanitize_page(FAST("[x](javascript:alert(1)) ![y](https://ngoai.example/a.png)")[0])
    assert "javascript" not in hostile and "ngoai.example" not in hostile


def test_the_body_cache_renders_once_and_is_never_trusted_blindly(tmp_path):
    path = tmp_path / ".cds" / render.BODY_CACHE
    calls = []

    def make():
        def fn(text):
            calls.append(text)
            return FAST(text)
        return fn

    cache = render.BodyCache(path, "dau-van-tay", make)
    html = cache("## Tiêu đề\n\nĐoạn.")
    assert cache.get("## Tiêu đề\n\nĐoạn.") == FAST("## Tiêu đề\n\nĐoạn.") and len(calls) == 1
    cache.save()
    again = render.BodyCache(path, "dau-van-tay", make)
    assert again("## Tiêu đề\n\nĐoạn.") == html and len(calls) == 1 and again.hits == 1
    other = render.BodyCache(path, "khac", make)                      # another fingerprint
    assert not other.valid and other("## Tiêu đề\n\nĐoạn.") == html and len(calls) == 2
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE bodies SET toc = 'không phải json'")
    con.close()
    assert render.BodyCache(path, "dau-van-tay", make).get("## Tiêu đề\n\nĐoạn.")[1] == []
    path.write_bytes(b"rac" * 100)                                     # corrupt
    broken = render.BodyCache(path, "dau-van-tay", make)
    assert not broken.valid and broken("## Tiêu đề\n\nĐoạn.") == html
    broken.save()
    assert render.BodyCache(path, "dau-van-tay", make).valid


def test_the_body_cache_holds_what_it_rendered_compressed_and_saves_it_whole(tmp_path):
    """A cold build renders every body: the cache holds them zlib-compressed until it saves
    (not the HTML itself), and what it saves is the HTML as rendered."""
    path = tmp_path / ".cds" / render.BODY_CACHE
    texts = [f"## Phần {i}\n\n" + f"Chuyển đổi số ở xã số {i}. " * 60 for i in range(3)]
    cache = render.BodyCache(path, "dau-van-tay", lambda: FAST)
    htmls = [cache(t) for t in texts]
    assert cache.get(texts[0]) == FAST(texts[0])                     # asked again: the same
    held = [cache.new[render.body_key(t)][0] for t in texts]
    assert all(isinstance(p, bytes) and len(p) < len(h.encode()) / 3 for p, h in zip(held, htmls, strict=True))
    cache.save()

    def fails():
        raise AssertionError("rendered again")
    again = render.BodyCache(path, "dau-van-tay", fails)
    assert [again(t) for t in texts] == htmls and again.get(texts[1]) == FAST(texts[1])
    assert again.hits == 3 and not again.new
    again.save(keep=[texts[2]])                                       # pruned: used or kept stay
    assert render.BodyCache(path, "dau-van-tay", fails)(texts[0]) == htmls[0]


def test_publish_prunes_the_body_cache_only_once_stale_entries_are_many(tmp_path):
    """``Bodies.save(pages=n)``: entries no page has any more stay until they are more than
    ``prune_slack(n)``; then one save drops all of them (and keeps every body of ``keep()``)."""
    from pipeline.site.pages import bodies as bodies_mod

    path = tmp_path / ".cds" / render.BODY_CACHE
    profile = bodies_mod.Profile(tmp_path / "mkdocs.yml")          # none: MkDocs' defaults

    def rows() -> set[str]:
        with sqlite3.connect(path) as con:
            return {k for (k,) in con.execute("SELECT key FROM bodies")}

    def publish(texts: list[str]) -> None:
        b = bodies_mod.Bodies(profile, path)
        for t in texts:
            b.cache(t)
        b.save(keep=lambda: texts, pages=len(texts))

    live = [f"Bài số {i}: chuyển đổi số ở xã {i}." for i in range(10)]
    publish(live)
    assert rows() == {render.body_key(t) for t in live}
    slack = bodies_mod.prune_slack(len(live))
    assert slack == 64
    gone = []
    for i in range(slack):                  # each build replaces one body: the old entry stays
        old, live[i % 10] = live[i % 10], f"Bài sửa lần {i}."
        gone.append(old)
        publish(live)
    assert {render.body_key(t) for t in live + gone} <= rows()
    live[0] = "Một lần sửa nữa."            # one more than the slack: every stale entry goes
    publish(live)
    assert rows() == {render.body_key(t) for t in live}
