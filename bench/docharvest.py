"""Document portals: harvest time of a portal with N documents, and text extraction per PDF.

    .venv/bin/python bench/docharvest.py 200

Serves a portal on loopback (a table listing of N documents on pages of 20, each with a
one-page text PDF citing another document), harvests it into a fresh root twice (the second
run answers 304 for the listing: nothing to do) and prints wall times, the per-document cost of
the first run, pypdf's extraction time for one page, and the register's figures
(docharvest.figures) as the results pages would read them.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import config as config_mod  # noqa: E402
from pipeline import jobs  # noqa: E402
from pipeline.demo.localserver import LocalServer, serve_validated  # noqa: E402
from pipeline.harvest import docfiles, docharvest  # noqa: E402
from pipeline.store import register  # noqa: E402

_spec = importlib.util.spec_from_file_location("pdfgen", ROOT / "pipeline/data/demo/pdfgen.py")
pdfgen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pdfgen)

PER_PAGE = 20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=200)
    n = ap.parse_args().n
    pages = (n + PER_PAGE - 1) // PER_PAGE
    server = LocalServer().start()
    files = {}
    for p in range(pages):
        rows = []
        for i in range(p * PER_PAGE, min(n, (p + 1) * PER_PAGE)):
            files[f"/tep/{i}.pdf"] = pdfgen.text_pdf([
                f"Kế hoạch số {i + 1}/KH-UBND về chuyển đổi số năm 2024",
                f"Căn cứ Quyết định số {i + 1000}/QĐ-UBND của Ủy ban nhân dân tỉnh;",
                "Nội dung: đẩy mạnh chuyển đổi số trong cơ quan nhà nước."])
            rows.append(f'<tr><td class="so">{i + 1}/KH-UBND</td><td class="ngay">'
                        f'{1 + i % 28:02d}/{1 + i % 12:02d}/2024</td><td class="cq">UBND tỉnh '
                        f'Thái Bình</td><td class="ty">Kế hoạch chuyển đổi số số {i + 1}</td>'
                        f'<td class="tep"><a href="/tep/{i}.pdf">tệp</a></td></tr>')
        nxt = f'<a class="next" href="/vb/{p + 2}.html">Sau</a>' if p + 1 < pages else ""
        body = (f'<table class="vb"><tbody>{"".join(rows)}</tbody></table>'
                f'<div class="pg">{nxt}</div>').encode()
        server.routes[f"/vb/{p + 1}.html"] = (
            lambda h, b=body: serve_validated(h, b, "text/html; charset=utf-8", mtime=1.0))
    for path, data in files.items():
        server.routes[path] = lambda h, d=data: serve_validated(h, d, "application/pdf", mtime=1.0)
    root = Path(tempfile.mkdtemp(prefix="cds-docbench-"))
    try:
        jobs.init_root_files(root)
        (root / "feeds.yml").write_text(
            "site: {title: Bench, url: 'http://127.0.0.1:8000/'}\n"
            f"defaults: {{max_items: {n}}}\nsources:\n"
            f"  - id: vb\n    name: VB\n    kind: documents\n    url: '{server.base}/vb/1.html'\n"
            "    documents: {row: table.vb tbody tr, number: td.so, date: td.ngay, issuer: td.cq,"
            f" summary: td.ty, file: td.tep a, next: .pg a.next, max_pages: {pages}}}\n",
            encoding="utf-8")
        config = config_mod.load(root)
        t0 = time.perf_counter()
        first = jobs.harvest(config, progress=False).sources[0]
        t1 = time.perf_counter()
        second = jobs.harvest(config, progress=False).sources[0]
        t2 = time.perf_counter()
        sample = next(iter(files.values()))
        t3 = time.perf_counter()
        for _ in range(20):
            docfiles.extract_text(sample, "pdf")
        per_pdf = (time.perf_counter() - t3) / 20
        docs = register.load_docs(root / "content")
        fig = docharvest.figures(docs, timezone(timedelta(hours=7)))
        print(f"documents listed: {n} on {pages} page(s); stored new: {first.new}, "
              f"errors: {len(first.errors)}")
        print(f"first harvest: {t1 - t0:.2f} s ({(t1 - t0) / max(n, 1) * 1000:.1f} ms/document, "
              "file fetch + text + entry)")
        print(f"second harvest (listing 304): {t2 - t1:.2f} s; new {second.new}, "
              f"not_modified {second.not_modified}")
        print(f"pypdf text of a one-page PDF: {per_pdf * 1000:.1f} ms")
        print(f"figures: issued per quarter {fig['issued_per_quarter']}, lag median "
              f"{fig['lag_median']} days")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
