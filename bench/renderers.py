"""Markdown renderers on the store's own bodies: speed, and the output differences that matter.

    .venv/bin/pip install cmarkgfm==2025.10.22 pyromark==0.10.3   # markdown-it-py is installed
    .venv/bin/python bench/renderers.py [N]        # N generated articles (bench/build.py's), default 1000

Bodies: N articles of ``bench/build.py`` (paragraphs, ## headings, pictures), the demo root's
hand-written pages (``content/pages``, ``content/van-ban``), and the hand-written Markdown an
editor uses (tables, links, images, headings, lists, footnotes, attributes). Every renderer's
HTML is sanitised with the site's policy (``render.PAGE``) before comparing it with
Python-Markdown's (the site's extensions, as the pages are rendered), whitespace folded.
Printed: CPU seconds per renderer, and per kind of difference how many bodies show it.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

EXTENSIONS = ["toc", "tables", "attr_list", "md_in_html", "admonition", "footnotes"]   # starter mkdocs.yml
EDITOR = [
    "| Xã | Tỷ lệ hồ sơ trực tuyến |\n|:---|---:|\n| Đông Hòa | 40% |\n| Vũ Phúc | 55% |",
    "Xem [kế hoạch](https://thaibinh.gov.vn/ke-hoach) và <https://dichvucong.gov.vn>.",
    "![Người dân làm thủ tục](/media/ab/cd.jpg \"Ảnh minh họa\")",
    "## Kết quả nổi bật\n\n### Chính quyền số\n\nĐoạn văn.\n\n## Kết quả nổi bật",
    "- Một\n- Hai\n    - Hai a\n\n1. Bước một\n2. Bước hai",
    "Chú thích[^1].\n\n[^1]: Theo báo cáo của Sở.",
    "Đoạn có thuộc tính\n{: .ghi-chu }",
    "**Đậm**, *nghiêng*, `mã`, ~~gạch~~.\n\n> Trích dẫn ý kiến người dân.",
    "Dòng một\nDòng hai (xuống dòng mềm)",
]
CHECKS = {
    "heading ids (toc)": re.compile(r"<h[1-6] id="),
    "table": re.compile(r"<table"),
    "footnote": re.compile(r"footnote"),
    "attr_list class": re.compile(r'class="ghi-chu"'),
    "strikethrough": re.compile(r"<del>|<s>"),
    "autolink": re.compile(r'href="https://dichvucong'),
    "image": re.compile(r"<img"),
}


def bodies(n: int) -> list[str]:
    import build as bench_build

    out = [a.body for a in bench_build.articles(0, n, n)]
    for folder in ("content/pages", "content/van-ban"):
        for path in sorted((REPO / folder).rglob("*.md")):
            text = path.read_text(encoding="utf-8")
            out.append(text.split("\n---\n", 1)[-1] if text.startswith("---") else text)
    return out + EDITOR


def renderers():
    from pipeline.site import render

    out = {"python-markdown": render.markdown_renderer(EXTENSIONS)}
    try:
        import cmarkgfm
        from cmarkgfm.cmark import Options

        out["cmarkgfm"] = lambda t: cmarkgfm.github_flavored_markdown_to_html(
            t, options=Options.CMARK_OPT_UNSAFE)
    except ImportError:
        print("cmarkgfm: not installed")
    try:
        import pyromark

        opts = (pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_FOOTNOTES
                | pyromark.Options.ENABLE_STRIKETHROUGH | pyromark.Options.ENABLE_HEADING_ATTRIBUTES)
        out["pyromark"] = lambda t: pyromark.html(t, options=opts)
    except ImportError:
        print("pyromark: not installed")
    try:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
        out["markdown-it-py"] = md.render
    except ImportError:
        print("markdown-it-py: not installed")
    return out


def fold(html: str) -> str:
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def main() -> None:
    from pipeline.site import render

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    texts = bodies(n)
    print(f"{len(texts)} bodies ({n} generated, {len(texts) - n} hand-written), "
          f"{sum(map(len, texts)) // 1024} KiB")
    outs = {}
    for name, fn in renderers().items():
        fn(texts[0])
        start = time.process_time()
        outs[name] = [fn(t) for t in texts]
        cpu = time.process_time() - start
        start = time.process_time()
        for html in outs[name]:
            render.sanitize_page(html)
        clean = time.process_time() - start
        print(f"{name:16s} {cpu:7.3f} s CPU ({1000 * cpu / len(texts):6.3f} ms a body); "
              f"sanitising its output {clean:6.3f} s")
    ref = [fold(render.sanitize_page(h)) for h in outs["python-markdown"]]
    for name, htmls in outs.items():
        if name == "python-markdown":
            continue
        got = [fold(render.sanitize_page(h)) for h in htmls]
        same = sum(a == b for a, b in zip(ref, got, strict=True))
        print(f"\n{name}: {same}/{len(ref)} bodies give the same sanitised HTML as Python-Markdown")
        for label, rx in CHECKS.items():
            a = sum(bool(rx.search(h)) for h in ref)
            b = sum(bool(rx.search(h)) for h in got)
            if a != b:
                print(f"  {label:20s} Python-Markdown {a:5d} bodies, {name} {b:5d}")
        for i, (a, b) in enumerate(zip(ref, got, strict=True)):
            if a != b and i >= n:                     # a hand-written one: show it
                print(f"  e.g. {texts[i][:50]!r}:\n    PM: {a[:160]}\n    {name[:2]}: {b[:160]}")
                break


if __name__ == "__main__":
    main()
