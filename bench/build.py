"""Build speed: `cds build` (publish, MkDocs, feeds, search index) against Hugo on the same articles.

    .venv/bin/python bench/build.py 1000            # N synthetic 600-word Vietnamese articles
    .venv/bin/python bench/build.py 1000 --keep /tmp/bench-root

Every cds build is `python -m pipeline --root ROOT --quiet build` in a fresh child process: the
very path `cds build` takes (imports, feeds.yml, the store, jobs.publish_site, sitebuild.build_site
with the feeds, the Pagefind index); its wall and CPU time (user + system, the child's worker processes included)
and peak memory (the largest process's ru_maxrss, from os.wait4) are measured.

1. a cold build of N articles (no site_src/, site/ or .cds/); `--no-search` leaves the Pagefind
   index out (feeds.yml site.search: false), as Hugo's layout has no search;
2. 20 newer articles added, then an incremental build; a cold build of the same store in a
   second root, and the two site/ folders compared byte for byte;
3. Hugo (Debian package `hugo`), cold, on the same N+20 articles with a minimal layout: article
   pages, paginated lists per theme, source and pillar (taxonomies), RSS; median of 3.

Goals (printed with the figures): cold ≤ 1.5 × Hugo; incremental after +20 ≤ 0.3 × Hugo's cold
time with output identical to a cold build; peak memory ≤ 1 GB. Figures are printed as measured,
goals met or not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TZ = timezone(timedelta(hours=7))
ADDED = 20
THEMES = ["nhan-thuc", "trach-nhiem", "van-ban", "dien-hinh"]
PILLARS = ["chinh-quyen-so", "kinh-te-so", "xa-hoi-so"]
SOURCES = [("bao-thai-binh", "Báo Thái Bình"), ("dai-pttth", "Đài Phát thanh và Truyền hình"),
           ("cong-ttdt", "Cổng thông tin điện tử tỉnh"), ("so-tttt", "Sở Thông tin và Truyền thông")]
WORDS = """chuyển đổi số chính quyền kinh tế xã hội người dân doanh nghiệp ứng dụng công nghệ
thông tin dịch vụ công trực tuyến tỉnh huyện xã phường thị trấn nền tảng dữ liệu hạ tầng mạng
cán bộ công chức viên chức hội nghị tập huấn tuyên truyền kế hoạch triển khai thực hiện nâng cao
nhận thức hiệu quả thanh toán không dùng tiền mặt hồ sơ điện tử chữ ký số định danh tài khoản
nông nghiệp thương mại sàn giao dịch sản phẩm hợp tác xã trường học giáo dục y tế bệnh viện
khám chữa bệnh camera an ninh trật tự đô thị thông minh bưu điện viễn thông phủ sóng điện thoại
thông minh cộng đồng số tổ công nghệ hướng dẫn đăng ký cài đặt bảo mật an toàn giải pháp
mô hình điểm sáng kiến kinh nghiệm kết quả mục tiêu nhiệm vụ năm tháng tuần ngày phát triển
bền vững đổi mới sáng tạo khởi nghiệp thu hút đầu tư lãnh đạo chỉ đạo điều hành ban hành
văn bản quyết định nghị quyết chỉ thị thông báo báo cáo đánh giá chỉ số xếp hạng""".split()


# --- synthetic content ------------------------------------------------------------------------

def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def make_article(i: int, rng: random.Random, published: datetime):
    from pipeline.core.models import Article
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize()
    paras, count = [], 0
    while count < 600:
        n = rng.randint(50, 90)
        paras.append(" ".join(sentence(rng, rng.randint(8, 18)) for _ in range(n // 12)))
        count += n
        if len(paras) == 3:
            paras.append(f"## {sentence(rng, 6)[:-1]}")
        if len(paras) == 5:
            paras.append(f"![{sentence(rng, 5)[:-1]}](https://anh.example.vn/{i}/hinh-{len(paras)}.jpg)")
    slug = f"bai-viet-so-{i}"
    source = SOURCES[i % len(SOURCES)][0]
    return Article(
        id=f"{i:016x}", title=f"{title} ({i})", url=f"https://{source}.example.vn/tin/{slug}.html",
        source=source, published=published, harvested=published, body="\n\n".join(paras),
        summary=sentence(rng, 30), image=f"https://anh.example.vn/{i}/dai-dien.jpg" if i % 3 == 0 else "",
        themes=rng.sample(THEMES, rng.choice([1, 1, 2])), pillars=rng.sample(PILLARS, rng.choice([1, 2])),
        doc_refs=["749/QĐ-TTg"] if i % 6 == 0 else [], featured=i % 11 == 0,
        path=Path(f"articles/{published:%Y}/{published:%m}/{slug}.md"))


# The synthetic timeline: one article every 9 hours, the size-th (the last of the first
# ``size``) 9 hours before END, so a root's articles are all in the past and an article harvested
# today, or the +ADDED ones, are the newest, as on a real site (before, the timeline began in
# 2023-07 whatever the size, so at 5,000 it ran to 2028 and a new article landed mid-timeline:
# every archive page newer than it shifted, noticed by h18publish).
END = datetime(2026, 11, 1, 8, 0, tzinfo=TZ)
STEP = timedelta(hours=9)


def articles(first: int, count: int, size: int):
    """Articles ``first`` … ``first + count - 1`` of a root of ``size`` articles."""
    base = END - STEP * size
    for i in range(first, first + count):
        yield make_article(i, random.Random(i), base + STEP * i)


def make_root(root: Path, n: int, search: bool = True) -> None:
    root.mkdir(parents=True)
    shutil.copy(REPO / "pipeline" / "starter" / "mkdocs.yml", root / "mkdocs.yml")
    sources = "\n".join(f"  - id: {sid}\n    name: {name}\n    kind: feed\n"
                        f"    url: https://{sid}.example.vn/rss\n" for sid, name in SOURCES)
    (root / "feeds.yml").write_text(
        "site:\n  title: Chuyển đổi số (thử tốc độ)\n  url: https://example.gov.vn/\n"
        + ("" if search else "  search: false\n") + f"sources:\n{sources}", encoding="utf-8")
    add_articles(root, 0, n, n)


def add_articles(root: Path, first: int, count: int, size: int) -> None:
    from pipeline.store import articles as store
    for art in articles(first, count, size):
        path = root / "content" / art.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(store.dump(art), encoding="utf-8")


# --- one build, in a child process ------------------------------------------------------------

@dataclass
class Run:
    wall: float                     # seconds
    cpu: float                      # user + system seconds of the child (less sensitive to load)
    peak: int                       # MB, the child's ru_maxrss (its largest process)
    out: str

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s wall {self.cpu:6.2f} s CPU {self.peak:5d} MB"


def run_child(cmd: list[str], cwd: Path | None = None) -> Run:
    """Run ``cmd`` to its end; its wall and CPU time, peak memory and output (stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)          # this child's own rusage
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = err.read().decode(errors="replace")
        if proc.returncode:
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{text[-3000:]}")
        return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024,
                   out.read().decode(errors="replace") + text)


def cds_build(root: Path) -> Run:
    """`cds --root ROOT --quiet build`, as a user runs it."""
    return run_child([sys.executable, "-m", "pipeline", "--root", str(root), "--quiet", "build"],
                     cwd=REPO)


def summary(run: Run) -> str:
    return "; ".join(line.strip() for line in run.out.splitlines()
                     if line.startswith(("site_src/", "built ")))


# --- comparing two sites ----------------------------------------------------------------------

def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def compare(a: Path, b: Path) -> list[str]:
    ta, tb = tree(a), tree(b)
    diff = sorted(set(ta) ^ set(tb))
    diff += sorted(k for k in set(ta) & set(tb) if ta[k] != tb[k])
    return diff


# --- Hugo -------------------------------------------------------------------------------------

HUGO_CONFIG = """baseURL = "https://example.gov.vn/"
languageCode = "vi"
title = "Chuyển đổi số"
[pagination]
pagerSize = 20
[taxonomies]
chu-de = "chu-de"
nguon = "nguon"
tru-cot = "tru-cot"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
                            "<title>{{ .Title }}</title></head><body>"
                            '<nav><a href="/">Trang chủ</a></nav>{{ block "main" . }}{{ end }}</body></html>',
    "_default/single.html": '{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ .Date.Format "02/01/2006 15:04" }}'
                            "</p>{{ .Content }}<ul>{{ range .Params.chu_de }}<li>{{ . }}</li>{{ end }}</ul>"
                            "{{ end }}",
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range (.Paginate .Pages).Pages }}'
                          '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ul>'
                          "{{ end }}",
    "_default/terms.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}'
                           '<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>'
                           "{{ end }}</ul>{{ end }}",
}


def make_hugo_site(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    (folder / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        path = folder / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for art in articles(0, n + ADDED, n):
        path = folder / "content" / "tin-tuc" / f"{art.published:%Y}" / f"{art.published:%m}" / (
            Path(art.path).stem + ".md")
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"title": art.title, "date": art.published.isoformat(), "summary": art.summary,
                "chu-de": art.themes, "nguon": [art.source], "tru-cot": art.pillars}
        path.write_text("---\n" + json.dumps(meta, ensure_ascii=False, indent=1) + "\n---\n\n"
                        + art.body + "\n", encoding="utf-8")


def hugo_build(folder: Path) -> Run:
    shutil.rmtree(folder / "public", ignore_errors=True)
    shutil.rmtree(folder / "resources", ignore_errors=True)
    # --buildFuture: the generated dates run past today, and cds publishes every article
    return run_child(["hugo", "--quiet", "--buildFuture"], cwd=folder)


def hugo_cold(folder: Path, n: int) -> tuple[Run, int]:
    """Hugo's cold build of the same n (+ADDED) articles: the median of 3, and its HTML files."""
    make_hugo_site(folder, n)
    run = sorted((hugo_build(folder) for _ in range(3)), key=lambda r: r.wall)[1]
    return run, sum(1 for _ in (folder / "public").rglob("*.html"))


# --- main -------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=1000)
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--no-search", action="store_true",
                    help="feeds.yml site.search: false (no Pagefind index; Hugo's layout has none)")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="cds-bench-"))
    if args.keep and base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True, exist_ok=True)
    root, cold_root = base / "root", base / "root-cold"
    try:
        print(f"{args.n} articles in {root}; search index {'off' if args.no_search else 'on'}; "
              f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
        make_root(root, args.n, search=not args.no_search)
        cold = cds_build(root)
        print(f"cds cold build            {cold}  ({summary(cold)})", flush=True)
        add_articles(root, args.n, ADDED, args.n)
        incr = cds_build(root)
        print(f"cds incremental (+{ADDED})     {incr}  ({summary(incr)})", flush=True)
        cold_root.mkdir()
        for name in ("feeds.yml", "mkdocs.yml", "content"):
            src = root / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, cold_root / name)
        cold2 = cds_build(cold_root)
        every = compare(root / "site", cold_root / "site")
        # Pagefind's bundle is not byte-reproducible (two cold builds of one store differ in
        # pagefind/filter/ and pagefind-entry.json): shown apart, not counted.
        diff = [rel for rel in every if not rel.startswith("pagefind/")]
        same = "identical" if not diff else f"{len(diff)} files differ, e.g. {diff[:5]}"
        if len(every) > len(diff):
            same += f" (pagefind/: {len(every) - len(diff)} files differ, not compared)"
        print(f"cds cold build (n+{ADDED})     {cold2}  → incremental output {same}", flush=True)
        if shutil.which("hugo"):
            hugo, pages = hugo_cold(base / "hugo", args.n)
            print(f"hugo cold build (n+{ADDED})    {hugo}  (median of 3; {pages} HTML files)")
            print(f"ratio cold / hugo          {cold2.wall / hugo.wall:6.2f} wall {cold2.cpu / hugo.cpu:6.2f} CPU"
                  "   (goal ≤ 1.5)")
            print(f"ratio incremental / hugo   {incr.wall / hugo.wall:6.2f} wall {incr.cpu / hugo.cpu:6.2f} CPU"
                  "   (goal ≤ 0.3)")
        else:
            print("hugo: not installed (apt-get install hugo); no ratios")
        peak = max(cold.peak, incr.peak, cold2.peak)
        print(f"peak memory of a build     {peak:6d} MB   (goal ≤ 1024; the largest process's "
              "ru_maxrss; the build runs in one process)")
        if diff:
            sys.exit(1)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
