"""Search speed and weight: Pagefind indexing time against the MkDocs build of the same pages, and
what one query downloads, on N synthetic Vietnamese articles.

    .venv/bin/python bench/search.py 5000
    .venv/bin/python bench/search.py 5000 --keep /tmp/bench-search     # keep the built site

Steps:
1. N articles of ~600 words (Zipf-distributed vocabulary of news about chuyển đổi số, place
   names, document numbers; 1 in 40 titled "Ngày Chủ nhật số …"), written as a MkDocs + Material
   project with the article markup the search needs (the same generator as
   tests/test_search_browser.py) and the search page;
2. `mkdocs build` in a child process, timed (wall and CPU);
3. `search.run_index(site)`, timed;
4. the site served on loopback and searched in headless Chromium: for each query a fresh browser
   context (empty cache) opens tim-kiem/?q=…, then one more query is typed into the box. Bytes
   are counted as LocalServer sends them (gzip above 256 bytes), for the files under pagefind/
   and pagefind-recent/ only (the page itself, Material's CSS/JS and cds-search.js/.css are the same for every page
   view and cached).

5. 20 new articles added and indexed again (only they go through Pagefind: the recent bundle),
   timed, and the queries measured again with the recent bundle merged.

`--direct` (for 50,000): the article pages are written as HTML without MkDocs (only the index
and the bytes per query are measured; MkDocs at that size is bench/scale.py's business).

Goals (printed with the figures, met or not): a query ≤ 300 KB on the wire, cold cache included;
indexing ≤ 1.5 × the MkDocs build time.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.demo.localserver import LocalServer  # noqa: E402
from pipeline.site import search  # noqa: E402
from tests.browser import Browser  # noqa: E402
from tests.test_search_browser import (  # noqa: E402
    SOURCES,
    THEMES,
    Art,
    search_page,
    type_query,
    write_project,
)

QUERY_GOAL = 300_000
INDEX_GOAL = 1.5

# Syllables of CĐS news, most frequent first: the head follows the frequencies of the syllables
# of a provincial CĐS plan (số 3.2 %, các 3.2 %, … chuyển 1.9 % … chuyên 0.9 %); the domain
# words come next, then made-up syllables for the long tail (~4,000 distinct, as in news text).
HEAD = """số các thông tỉnh truyền đổi chuyển và địa của ban sở năm tin về trên quan dân cơ hiện
tuyên chức phương thực ngành chuyên tổ bàn hội hàng thái bình đến ủy công đơn vị nhân báo định
chính mục nghiệp nhiệm ngày kế hoạch bộ doanh triển vụ hợp xã thành phát hướng người khai thanh
hành được cho là có những đã này với trong một để từ theo như tại đồng thời cũng nâng cao""".split()
DOMAIN = """kinh tế xã hội ứng dụng nghệ nền tảng dữ liệu hạ tầng hiệu quả huyện phường thị trấn nhà
nước nhận thức dẫn hỗ trợ toán không dùng tiền mặt hồ sơ điện tử chữ ký danh tài khoản mạng
viễn sản phẩm nông sàn thương mại giáo dục y bệnh viện trường học camera an ninh trật tự đô
minh cộng cài đặt bảo mật toàn giải pháp mô hình điểm sáng kiến kinh nghiệm kết quả tiêu
bền vững mới tạo khởi thu hút đầu tư lãnh đạo chỉ điều văn quyết nghị thị báo cáo đánh giá
xếp hạng tập huấn đoàn viên niên phụ nữ nông dân cựu chiến binh mặt trận quốc bưu phủ sóng
điện thoại khám chữa từ xa sức khỏe bạ thư truy xuất nguồn gốc mã hóa đơn hiểm thuế ngân ví
cổng gia cửa liên phần mềm quản lý trung tâm giám sát sở căn cước đề án độ trình tỷ lệ trăm
tăng giảm so cùng kỳ quý tháng tuần chí phó chủ tịch giám đốc bí thư tham dự biểu nhấn mạnh
nghị cầu tiếp tục đẩy tâm khó khăn vướng mắc hạn chế nguyên nhân bài thời gian tới giai đoạn
tầm nhìn chiến lược đội đối đôi đời dời theo dõi""".split()
ONSETS = "b c ch d đ g gi h k kh l m n ng nh p ph qu r s t th tr v x".split() + [""]
RHYMES = """a ai am an ang anh ao au ay e em en eng eo ê êm ên ênh êu i ia im in inh it iu o oa oai
oan oang oanh oe oi om on ong ô ôi ôm ôn ông ơ ơi ơm ơn u ua uân uât ui um un ung uy uya uyên
uyêt ư ưa ưi ưng ươi ươm ươn ương ươu""".split()
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
VOCAB_SIZE = 4000


def vocabulary() -> list[str]:
    import unicodedata
    words = list(dict.fromkeys(HEAD + DOMAIN))
    seen = set(words)
    rng = random.Random(1)
    while len(words) < VOCAB_SIZE:
        rhyme = rng.choice(RHYMES)
        syllable = rng.choice(ONSETS) + rhyme
        vowels = [i for i, ch in enumerate(syllable) if ch in "aăâeêioôơuưy"]
        if vowels:
            i = vowels[len(vowels) // 2]
            syllable = syllable[:i + 1] + rng.choice(TONES) + syllable[i + 1:]
        syllable = unicodedata.normalize("NFC", syllable)
        if syllable not in seen:
            seen.add(syllable)
            words.append(syllable)
    return words


VOCABULARY = vocabulary()
WEIGHTS = [1.0 / (rank + 8) for rank in range(1, len(VOCABULARY) + 1)]     # Zipf–Mandelbrot
CUM_WEIGHTS = list(itertools.accumulate(WEIGHTS))
PLACES = """Vũ Ninh|Đông Hưng|Hưng Hà|Quỳnh Phụ|Thái Thụy|Tiền Hải|Kiến Xương|Vũ Thư|Đông Mỹ|
Tân Bình|Hoàng Diệu|Phú Xuân|Vũ Phúc|Đông Hòa|Tiền Phong|Quang Trung|Đề Thám|Lê Hồng Phong|
Trần Lãm|Kỳ Bá|Bồ Xuyên|Phú Khánh|Tây Giang|Nam Cao|Đông Trà|An Bài|Thụy Hải|Diêm Điền|
Nam Thịnh|Đông Lâm|Quỳnh Côi|Hưng Nhân|Thái Ninh|Thụy Trường|Đông Xuyên|Vũ Lễ""".replace("\n", "").split("|")
DOCS = ["749/QĐ-TTg", "96/KH-UBND", "06/QĐ-TTg", "411/QĐ-TTg", "02-NQ/TU", "942/QĐ-TTg",
        "505/QĐ-TTg", "18-NQ/TW", "52/NQ-CP", "127/QĐ-TTg"]


def sentence(rng: random.Random, n: int) -> str:
    words = rng.choices(VOCABULARY, cum_weights=CUM_WEIGHTS, k=n)
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), "chuyển đổi số")
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), f"xã {rng.choice(PLACES)}")
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), f"số {rng.choice(DOCS)}")
    if rng.random() < 0.1:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 99)}%")
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def make_articles(n: int, seed: int = 7) -> list[Art]:
    rng = random.Random(seed)
    themes, sources = list(THEMES), list(SOURCES)
    arts = []
    for i in range(n):
        day = 1 + i * 2200 // max(n, 1)                     # spread over ~6 years
        year, rest = 2019 + day // 365, day % 365
        date = f"{min(year, 2025):04d}-{1 + rest // 31 % 12:02d}-{1 + rest % 28:02d}"
        if i % 40 == 0:
            title = f"Ngày Chủ nhật số ở xã {rng.choice(PLACES)}"
        else:
            title = sentence(rng, rng.randint(8, 14))[:-1]
        paras, count = [], 0
        while count < 600:
            k = rng.randint(50, 90)
            paras.append(" ".join(sentence(rng, rng.randint(8, 18)) for _ in range(k // 12)))
            count += k
            if len(paras) == 3:
                paras.append(f"## {sentence(rng, 6)[:-1]}")
        arts.append(Art(f"bai-viet-{i}", f"{title} ({i})", date, sources[i % len(sources)],
                        tuple(rng.sample(themes, rng.choice([1, 1, 2]))), "\n\n".join(paras)))
    return arts


def timed_child(cmd: list[str], cwd: Path) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def cpu_now() -> float:
    """CPU seconds of this process and its finished children (Pagefind)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def wire_bytes(folder: Path, paths: list[str]) -> int:
    total = 0
    for path in set(paths):
        data = (folder / path.lstrip("/")).read_bytes()
        total += len(gzip.compress(data, mtime=0)) if len(data) > 256 else len(data)
    return total


QUERIES = [
    ("chuyen doi so", {}),
    ("chuyển đổi số", {}),
    ("ngay chu nhat so", {}),
    ("thanh toan khong dung tien mat", {}),
    ("hop tac xa", {"chude": "Câu chuyện thành công"}),
    ("749/QĐ-TTg", {}),
    ("dinh danh dien tu", {"nam": "2024", "sap-xep": "moi"}),
]
TYPED = "so hoa ho so"


def kind(path: str) -> str:
    """What a file under pagefind*/ is: js, wasm, entry, meta, index, filter, fragment, manifest
    (cds-recent.json, cds-periods.json)."""
    name = path.rsplit("/", 1)[-1]
    if "/index/" in path:
        return "index"
    if "/filter/" in path:
        return "filter"
    if "/fragment/" in path:
        return "fragment"
    if name.endswith(".pf_meta"):
        return "meta"
    if name.endswith(".pagefind"):
        return "wasm"
    if name == "pagefind-entry.json":
        return "entry"
    if name in (search.RECENT_MANIFEST, search.PERIODS_MANIFEST):
        return "manifest"
    return "js" if name.endswith(".js") else "other"


BREAKDOWN: dict[str, dict[str, int]] = {}     # query label → kind → bytes (cold)


def measure_queries(server: LocalServer, browser: Browser) -> list[tuple[str, int, int, int, int]]:
    folder = Path(server.folder)
    rows = []
    for q, extra in QUERIES:
        tab = browser.tab(390, 844, mobile=True)
        before = len(server.requests)
        search_page(tab, server.url("/tim-kiem/") + "?" + urlencode({"q": q, **extra}))
        hits = int(tab.js("Number(document.getElementById('cds-search').dataset.results || 0)"))
        paths = [p.split("?")[0] for _, p, _ in server.requests[before:]]
        bundle = [p for p in paths if p.startswith("/pagefind") and (folder / p.lstrip("/")).is_file()]
        cold = wire_bytes(folder, bundle)
        label = q + (" " + " ".join(f"{k}={v}" for k, v in extra.items()) if extra else "")
        parts = BREAKDOWN.setdefault(label, {})
        for path in set(bundle):
            parts[kind(path)] = parts.get(kind(path), 0) + wire_bytes(folder, [path])
        data = wire_bytes(folder, [p for p in bundle if not p.endswith((".js", ".pagefind"))])
        before = len(server.requests)
        type_query(tab, TYPED)
        more = [p.split("?")[0] for _, p, _ in server.requests[before:]]
        typed = wire_bytes(folder, [p for p in more if p.startswith("/pagefind")
                                    and (folder / p.lstrip("/")).is_file()])
        rows.append((label, hits, cold, data, typed))
        tab.close()
    return rows


def direct_pages(site_dir: Path, arts: list[Art]) -> None:
    """The article pages written straight into ``site_dir`` as the HTML MkDocs + Material would
    hold around them (only what the indexer reads matters: the article markup), without
    MkDocs: for large N, where only the index and the bytes per query are measured."""
    import markdown

    from tests.test_search_browser import article_markdown
    md = markdown.Markdown(extensions=["attr_list", "md_in_html"])
    for art in arts:
        text = article_markdown(art).split("---\n", 2)[2]
        body = md.reset().convert(text)
        page = site_dir / "tin-tuc" / art.date[:4] / art.date[5:7] / art.slug / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>'
                        f'{html_escape(art.title)}</title></head><body><main>{body}</main></body>'
                        '</html>', encoding="utf-8")


def html_escape(text: str) -> str:
    import html
    return html.escape(text, quote=True)


KINDS = ["js", "wasm", "entry", "meta", "index", "filter", "fragment", "manifest"]
RECENT = 20


def recent_step(site_dir: Path, arts: list[Art], direct: bool) -> int:
    """RECENT new articles added to the built site and indexed again: only they go through
    Pagefind (the recent bundle). Timed; the bundle is measured after the base's queries."""
    new = make_articles(RECENT, seed=99)
    new = [Art(f"moi-{a.slug}", a.title, "2025-12-20", a.source, a.themes, a.body) for a in new]
    if direct:
        direct_pages(site_dir, new)
    else:
        import markdown

        from tests.test_search_browser import article_markdown
        md = markdown.Markdown(extensions=["attr_list", "md_in_html"])
        for art in new:                  # as MkDocs would add them (the markup is what counts)
            body = md.reset().convert(article_markdown(art).split("---\n", 2)[2])
            page = site_dir / "tin-tuc" / "2025" / "12" / art.slug / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f'<!doctype html><html lang="vi"><body>{body}</body></html>',
                            encoding="utf-8")
    before = cpu_now()
    result = search.run_index(site_dir)
    cpu = cpu_now() - before
    print(f"+{RECENT} articles, run_index again: {result.seconds:7.2f} s wall {cpu:7.2f} s CPU "
          f"(parsed {result.parsed}, recent bundle {result.delta} pages, base rebuilt: "
          f"{'yes' if result.base else 'no'})", flush=True)
    return result.delta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=5000)
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--direct", action="store_true",
                    help="no MkDocs for the articles (a site of the search page only, the article "
                         "pages written as HTML): for 50,000; no MkDocs figures")
    args = ap.parse_args()
    dest = args.keep or Path(tempfile.mkdtemp(prefix="cds-bench-search-"))
    if args.keep and dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        arts = make_articles(args.n)
        yml = write_project(dest, [] if args.direct else arts)
        print(f"{args.n} articles written in {time.perf_counter() - t0:.1f} s", flush=True)
        wall, cpu = timed_child([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(yml)], dest)
        site_dir = dest / "site"
        if args.direct:
            t0 = time.perf_counter()
            direct_pages(site_dir, arts)
            print(f"article pages written as HTML (no MkDocs) in {time.perf_counter() - t0:.1f} s",
                  flush=True)
        else:
            print(f"MkDocs build:        {wall:7.2f} s wall {cpu:7.2f} s CPU", flush=True)
        before = cpu_now()
        result = search.run_index(site_dir)
        index_cpu = cpu_now() - before
        if result.skipped:
            sys.exit(f"index skipped: {result.skipped}")
        ratio, cpu_ratio = result.seconds / wall, index_cpu / cpu
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"search.run_index:    {result.seconds:7.2f} s wall {index_cpu:7.2f} s CPU  "
              f"({result.pages} pages, {result.files} files, {result.bytes / 1e6:.1f} MB on disk; "
              f"largest child, MkDocs or Pagefind: {peak:.0f} MB)")
        if not args.direct:
            print(f"  ratio to MkDocs:   {ratio:7.2f} wall {cpu_ratio:7.2f} CPU  (goal ≤ {INDEX_GOAL}: "
                  f"{'met' if min(ratio, cpu_ratio) <= INDEX_GOAL else 'NOT met'}; CPU is the steadier "
                  "figure on a shared machine)", flush=True)
        with LocalServer(site_dir) as server, Browser() as browser:
            rows = measure_queries(server, browser)
        print("\nper query, bytes on the wire under pagefind/ (KB); 'cold': first search in an empty "
              "cache,\n'index': the same without pagefind.js and the WASM (cached after the first "
              f"search),\n'next': the query “{TYPED}” typed afterwards on the same page")
        print(f"  {'query':52} {'hits':>6} {'cold':>7} {'index':>7} {'next':>7}")
        worst_cold = worst_index = 0
        for label, hits, cold, data, typed in rows:
            worst_cold, worst_index = max(worst_cold, cold), max(worst_index, data, typed)
            print(f"  {label:52} {hits:6d} {cold / 1000:7.1f} {data / 1000:7.1f} {typed / 1000:7.1f}")
        for name, worst in (("cold", worst_cold), ("index", worst_index)):
            print(f"worst {name}: {worst / 1000:.1f} KB (goal ≤ {QUERY_GOAL / 1000:.0f} KB: "
                  f"{'met' if worst <= QUERY_GOAL else 'NOT met'})")
        print("\ncold bytes by kind of file (KB): " + ", ".join(KINDS))
        for label, parts in BREAKDOWN.items():
            print(f"  {label:52} " + " ".join(f"{parts.get(k, 0) / 1000:6.1f}" for k in KINDS))
        print(flush=True)
        recent = recent_step(site_dir, arts, args.direct)
        if recent:
            print(f"\nwith a recent bundle of {recent} pages beside the base: per query (cold KB)")
            with LocalServer(site_dir) as server, Browser() as browser:
                BREAKDOWN.clear()
                rows = measure_queries(server, browser)
            for label, hits, cold, _, _ in rows:
                print(f"  {label:52} {hits:6d} {cold / 1000:7.1f}")
    finally:
        if not args.keep:
            shutil.rmtree(dest, ignore_errors=True)


if __name__ == "__main__":
    main()
