"""Regenerate the `van-ban-tinh` demo source: a provincial document portal ("văn bản chỉ đạo
điều hành"), with a table listing on two pages, a detail page per document and the files.

    python pipeline/data/demo/make_van_ban.py

writes ``sources/van-ban-tinh/`` (commit it). All documents are fiction written for the demo
(the plan 96/KH-UBND is the demo register's own entry; the others are invented). The listing
has, on purpose: "Số: 96 /KH-UBND" written with a label and a space, dates as "17/07/2023" and
"5-3-2024", one document listed on both pages, one document that is not about CĐS (dropped by
``keywords``), a text PDF citing another document, and a scanned PDF without text.
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEST = HERE / "sources" / "van-ban-tinh"
sys.path.insert(0, str(HERE))

from pdfgen import scanned_pdf, text_pdf  # noqa: E402

ISSUER = "Ủy ban nhân dân tỉnh Thái Bình"

# (listing number, listing date, slug, type, issuer, summary, file name, file lines or None)
DOCS = [
    ("Số: 96 /KH-UBND", "17/07/2023", "96-kh-ubnd", "Kế hoạch", ISSUER,
     "Truyền thông về chuyển đổi số trên địa bàn tỉnh Thái Bình giai đoạn 2023 - 2025",
     "96-KH-UBND.pdf",
     ["ỦY BAN NHÂN DÂN TỈNH THÁI BÌNH", "Số: 96/KH-UBND",
      "KẾ HOẠCH", "Truyền thông về chuyển đổi số trên địa bàn tỉnh giai đoạn 2023 - 2025",
      "Căn cứ Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ;",
      "Căn cứ Nghị quyết số 02-NQ/TU của Ban Chấp hành Đảng bộ tỉnh;",
      "Mục tiêu: nâng cao nhận thức của người dân về chuyển đổi số,",
      "mỗi tháng có ít nhất một tin bài về chuyển đổi số trên cổng thông tin."]),
    ("1234/QĐ-UBND", "5-3-2024", "1234-qd-ubnd", "Quyết định", ISSUER,
     "Ban hành Kế hoạch chuyển đổi số tỉnh Thái Bình năm 2024",
     "QD-1234-UBND-2024.pdf",
     ["ỦY BAN NHÂN DÂN TỈNH THÁI BÌNH", "Số: 1234/QĐ-UBND",
      "QUYẾT ĐỊNH", "Ban hành Kế hoạch chuyển đổi số tỉnh Thái Bình năm 2024",
      "Căn cứ Kế hoạch số 96/KH-UBND của Ủy ban nhân dân tỉnh về truyền thông chuyển đổi số;",
      "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch chuyển đổi số năm 2024.",
      "Điều 2. Sở Thông tin và Truyền thông chủ trì, theo dõi, đôn đốc thực hiện."]),
    ("315/STTTT-VP", "20/03/2024", "315-stttt-vp", "Công văn", "Sở Thông tin và Truyền thông",
     "Về việc tổ chức giải bóng đá chào mừng ngày thành lập ngành",
     "CV-315.pdf", ["Công văn số 315/STTTT-VP về giải bóng đá của ngành."]),
    ("88/KH-UBND", "12/04/2024", "88-kh-ubnd", "Kế hoạch", ISSUER,
     "Ứng dụng công nghệ số trong quản lý giáo dục năm học 2024 - 2025",
     "KH-88-UBND-scan.pdf", None),
]
PAGES = {"index.html": [0, 1, 2], "trang-2.html": [3, 1]}     # 1234/QĐ-UBND on both pages

HEAD = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>
<body><header class="top">Hôm nay: 26/11/2026 | Cổng thông tin điện tử tỉnh Thái Bình</header>
<main>
"""
TAIL = """</main>
<footer>Giấy phép số 00/GP-TTĐT (bản trình diễn). Lượt truy cập: 123.456</footer>
</body></html>
"""


def listing(name: str, rows: list[int]) -> str:
    out = [HEAD.format(title="Văn bản chỉ đạo điều hành"), "<h1>Văn bản chỉ đạo điều hành</h1>",
           '<table class="table-vb">', "<thead><tr><th>STT</th><th>Số/Ký hiệu</th>"
           "<th>Ngày ban hành</th><th>Trích yếu</th></tr></thead>", "<tbody>"]
    for i, k in enumerate(rows, start=1):
        number, when, slug, _type, _issuer, summary, _f, _l = DOCS[k]
        out.append(f'<tr><td class="stt">{i}</td><td class="so-hieu">{escape(number)}</td>'
                   f'<td class="ngay">{when}</td><td class="trich-yeu">'
                   f'<a href="chi-tiet/{slug}.html">{escape(summary)}</a></td></tr>')
    out += ["</tbody>", "</table>"]
    if name == "index.html":
        out.append('<div class="phan-trang"><span>1</span> <a class="next" href="trang-2.html">'
                   "Trang sau</a></div>")
    else:
        out.append('<div class="phan-trang"><a href="index.html">1</a> <span>2</span></div>')
    return "".join(line + "\n" for line in out) + TAIL


def detail(k: int) -> str:
    number, when, slug, typ, issuer, summary, file, _ = DOCS[k]
    rows = [("Số ký hiệu", escape(number)), ("Ngày ban hành", when),
            ("Loại văn bản", escape(typ)), ("Cơ quan ban hành", escape(issuer)),
            ("Trích yếu", escape(summary)),
            ("Tệp đính kèm", f'<a class="tai-ve" href="../tep/{file}">{file}</a>')]
    body = "".join(f'<tr><th>{k}</th><td class="{cls}">{v}</td></tr>\n' for (k, v), cls in zip(
        rows, ("so-hieu", "ngay", "loai", "co-quan", "trich-yeu", "tep"), strict=True))
    return (HEAD.format(title=escape(summary)) + f"<h1>{escape(summary)}</h1>\n"
            f'<table class="chi-tiet-vb">\n{body}</table>\n' + TAIL)


def main() -> None:
    (DEST / "chi-tiet").mkdir(parents=True, exist_ok=True)
    (DEST / "tep").mkdir(parents=True, exist_ok=True)
    for name, rows in PAGES.items():
        (DEST / name).write_text(listing(name, rows), encoding="utf-8")
    for k, doc in enumerate(DOCS):
        (DEST / "chi-tiet" / f"{doc[2]}.html").write_text(detail(k), encoding="utf-8")
        lines = doc[7]
        data = text_pdf(lines) if lines else scanned_pdf()
        (DEST / "tep" / doc[6]).write_bytes(data)


if __name__ == "__main__":
    main()
