"""``cds report``: the communication-results report for a period in the administrative form of
Decree 30/2020/NĐ-CP (Appendix I): national title and motto, agency block, number and place-date
line, "BÁO CÁO" and its summary line, numbered sections with tables, signature and "Nơi nhận".

One model (:func:`build`), three writers: Markdown, CSV (UTF-8 with BOM: the numbers behind every
table) and DOCX (python-docx: A4, the decree's margins and Times New Roman 14, a PAGE field,
bordered tables). Letterhead, place, signer and recipients come from ``plan.yml`` ``report:``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.results import periods as P
from pipeline.results.count import Results
from pipeline.results.plan import Plan

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
FONT = "Times New Roman"
AUTHOR_NOTE = "(Phần này do người soạn báo cáo viết.)"


def date_line(place: str, d: date) -> str:
    """Decree 30/2020, Appendix I: days below 10 and the months 1 and 2 take a leading zero
    ("ngày 05 tháng 01 năm 2026", "ngày 15 tháng 6 năm 2025", "ngày 20 tháng 02 năm 2025")."""
    day = f"{d.day:02d}"
    mon = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    text = f"ngày {day} tháng {mon} năm {d.year}"
    return f"{place}, {text}" if place else text[0].upper() + text[1:]


@dataclass
class Table:
    key: str                                    # csv name
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Report:
    period: P.Period
    issued: date
    parent: str
    agency: str
    number: str
    place_date: str
    summary: str
    intro: str
    sections: list[tuple[str, list]] = field(default_factory=list)   # heading, [str | Table]
    signer: tuple[str, str, str] = ("", "", "")
    recipients: list[str] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for _h, blocks in self.sections for b in blocks if isinstance(b, Table)]


def build(res: Results, plan: Plan | None, period: P.Period, *, issued: date,
          theme_names: dict[str, str], pillar_names: dict[str, str],
          doc_rows: list[dict] | None = None) -> Report:
    """The report's content for ``period`` from computed results; ``doc_rows``: the register's
    figures (``docstats.period_rows``), a section of their own when given."""
    lh = plan.report if plan else None
    ids = res.in_period(period)
    label = period.label[0].lower() + period.label[1:]
    subject = lh.subject if lh else "Kết quả công tác truyền thông về chuyển đổi số"
    agency = lh.agency if lh else ""
    basis = (f"Thực hiện Kế hoạch số {plan.number}" + (f" {plan.title}" if plan.title else "")
             + "; " if plan and plan.number else "")
    rep = Report(
        period=period, issued=issued, parent=lh.parent if lh else "", agency=agency,
        number=f"Số:      /{lh.symbol if lh else 'BC'}",
        place_date=date_line(lh.place if lh else "", issued),
        summary=f"{subject} {label}",
        intro=(f"{basis}{agency or 'Đơn vị'} báo cáo "
               f"{subject[0].lower() + subject[1:]} {label} như sau (số liệu tổng hợp từ "
               f"{len(ids)} tin bài đã đăng trên chuyên trang):"),
        signer=(lh.signer_authority, lh.signer_title, lh.signer_name) if lh else ("", "", ""),
        recipients=list(lh.recipients) if lh else [])
    months = [m for m in period.months() if m.start <= res.today]

    theme_rows = []
    for n, (tid, name) in enumerate(theme_names.items(), 1):
        theme_rows.append([str(n), name, str(sum(res.themes.get(tid, {}).get(m.key, 0)
                                                 for m in months))])
    pillar_rows = []
    for n, (pid, name) in enumerate(pillar_names.items(), 1):
        pillar_rows.append([str(n), name, str(sum(res.pillars.get(pid, {}).get(m.key, 0)
                                                  for m in months))])
    month_rows = [[m.label, str(len(res.per_month.get(m.key, [])))] for m in months]
    source_rows, sources_behind = [], []
    for n, s in enumerate(res.sources, 1):
        cells = [s.months[m.key] for m in months if m.key in s.months]
        judged = [c for c in cells if c.met is not None]
        ok = sum(c.met is True for c in judged)
        source_rows.append([str(n), s.name, s.cadence or "–", str(sum(c.count for c in cells)),
                            f"{ok}/{len(judged)}" if judged else "–"])
        if any(c.met is False for c in judged):
            sources_behind.append(f"{s.name}: đạt tần suất {s.cadence} ở {ok}/{len(judged)} tháng.")
    task_rows, tasks_behind = [], []
    for tr in res.tasks:
        c = tr.cells[period.key]
        c_count, met, detail = c.count, c.met, c.detail
        verdict = {True: "Đạt", False: "Chưa đạt"}.get(met, "Chưa đánh giá" if tr.task.target
                                                       else "Không có chỉ tiêu")
        if not tr.task.measurable:
            verdict = "Không tự đo được"
        task_rows.append([str(tr.task.number), tr.task.name, "; ".join(tr.task.units),
                          tr.task.target.text if tr.task.target else "–", str(c_count),
                          verdict + (f": {detail}" if detail else "")])
        if met is False:
            tasks_behind.append(f"Nhiệm vụ {tr.task.number} ({tr.task.name}): chỉ tiêu "
                                f"{tr.task.target.text}, có {c_count} tin bài"
                                + (f", {detail}" if detail else "") + ".")
    empty = [m.label for m in months if not res.per_month.get(m.key)]

    rep.sections.append(("I. KẾT QUẢ THỰC HIỆN", []))
    rep.sections.append(("1. Kết quả theo chủ đề tuyên truyền", [
        f"Trong {label}, chuyên trang đăng {len(ids)} tin bài về chuyển đổi số. Số tin bài theo "
        "chủ đề của kế hoạch (một tin bài có thể thuộc nhiều chủ đề):",
        Table("chu-de", "Số tin bài theo chủ đề", ["TT", "Chủ đề", "Số tin bài"], theme_rows),
        Table("tru-cot", "Số tin bài theo trụ cột", ["TT", "Trụ cột", "Số tin bài"], pillar_rows),
        Table("thang", "Số tin bài theo tháng", ["Tháng", "Số tin bài"], month_rows)]))
    rep.sections.append(("2. Kết quả theo nguồn tin", [
        Table("nguon", "Số tin bài theo nguồn tin và tần suất đăng được giao",
              ["TT", "Nguồn tin", "Tần suất giao", "Số tin bài", "Số tháng đạt"], source_rows)]))
    rep.sections.append(("3. Kết quả thực hiện các nhiệm vụ", [
        Table("nhiem-vu", "Kết quả thực hiện các nhiệm vụ của kế hoạch",
              ["TT", "Nhiệm vụ", "Đơn vị thực hiện", "Chỉ tiêu", "Số tin bài", "Đánh giá"],
              task_rows)] if task_rows else ["Chưa có danh sách nhiệm vụ (plan.yml)."]))
    if doc_rows is not None:
        from pipeline.results import docstats
        rep.sections.append((f"4. {docstats.TITLE}", [
            "Văn bản trong danh mục văn bản của chuyên trang: số văn bản ban hành (theo ngày ký), "
            "số văn bản lên chuyên trang (theo ngày thu thập được) và số ngày từ khi ký đến khi "
            "lên chuyên trang:",
            Table("van-ban", f"{docstats.TITLE}: ban hành, lên chuyên trang, số ngày từ khi ký",
                  list(docstats.HEADERS), [docstats.table_row(r) for r in doc_rows])]))
    behind = tasks_behind + sources_behind
    if empty:
        behind.append("Các tháng không có tin bài nào: " + ", ".join(empty) + ".")
    rep.sections.append(("II. NHỮNG NHIỆM VỤ CHƯA ĐẠT CHỈ TIÊU",
                         behind or ["Không có nhiệm vụ nào chưa đạt chỉ tiêu trong kỳ báo cáo."]))
    rep.sections.append(("III. ĐỀ XUẤT, KIẾN NGHỊ", [AUTHOR_NOTE]))
    return rep


# --- writers ----------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(rep: Report) -> str:
    out = []
    if rep.parent:
        out.append(rep.parent.upper() + "  ")
    out += [f"**{rep.agency.upper()}**  " if rep.agency else "", rep.number, "",
            f"**{NATION}**  ", f"**{MOTTO}**", "", f"*{rep.place_date}*", "",
            "**BÁO CÁO**  ", f"**{rep.summary}**", ""]
    out += [rep.intro, ""]
    for heading, blocks in rep.sections:
        out += [f"**{heading}**", ""]
        for b in blocks:
            if isinstance(b, Table):
                out += [f"*{b.caption}*", "", "| " + " | ".join(b.headers) + " |",
                        "|" + "|".join("---" for _ in b.headers) + "|"]
                out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b.rows]
                out.append("")
            else:
                out += [f"- {b}" if heading.startswith("II.") and b != AUTHOR_NOTE else b, ""]
    auth, title, name = rep.signer
    out += ["**Nơi nhận:**  "] + [f"- {r}  " for r in rep.recipients] + ["- Lưu: VT.", ""]
    out += [f"**{x}**  " for x in (auth, title) if x] + ["", f"**{name}**" if name else "", ""]
    return "\n".join(out).replace("\n\n\n", "\n\n")


def to_csv(rep: Report) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["Báo cáo", rep.summary])
    w.writerow(["Kỳ báo cáo", rep.period.key, rep.period.start.isoformat(),
                (rep.period.end - timedelta(days=1)).isoformat()])
    for t in rep.tables():
        w.writerow([])
        w.writerow(["Bảng", t.key, t.caption])
        w.writerow(t.headers)
        w.writerows(t.rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


_NARROW = {"TT": 10, "Số tin bài": 22, "Số tháng đạt": 24, "Tần suất giao": 24,
           "Chỉ tiêu": 26, "Đánh giá": 30, "Văn bản ban hành": 28,
           "Văn bản lên chuyên trang": 32, "Số ngày (trung vị)": 28, "Số ngày (lâu nhất)": 28}       # mm; other columns share what is left


def _widths(table, widths) -> None:
    """Column widths that Word and LibreOffice both follow: the grid and every cell."""
    for col, w in zip(table.columns, widths, strict=True):
        col.width = w
    for row in table.rows:
        for c, w in zip(row.cells, widths, strict=True):
            c.width = w


def to_docx(rep: Report, path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    sec.header_distance = Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    normal.paragraph_format.space_after = Pt(6)
    core = doc.core_properties
    core.title, core.language = rep.summary, "vi-VN"

    def para(container, text="", *, bold=False, italic=False, size=None, align=None,
             indent=False, after=None):
        p = container.add_paragraph()
        if text:
            r = p.add_run(text)
            r.bold, r.italic = bold, italic
            if size:
                r.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Mm(10)
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        return p

    def rule(cell, width_mm: float, cell_mm: float):
        """A centred line under the agency name or the motto (a paragraph border)."""
        p = cell.add_paragraph()
        side = Mm(max((cell_mm - width_mm) / 2, 0))
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = side
        p.paragraph_format.space_after = Pt(0)
        pPr = p._p.get_or_add_pPr()
        bdr = OxmlElement("w:pBdr")
        top = OxmlElement("w:top")
        for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            top.set(qn(k), v)
        bdr.append(top)
        pPr.append(bdr)
        r = p.add_run()
        r.font.size = Pt(4)

    center, left, just = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, \
        WD_ALIGN_PARAGRAPH.JUSTIFY
    head = doc.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    head.autofit = False
    widths = (Mm(60), Mm(105))
    _widths(head, widths)
    a, b = head.cell(0, 0), head.cell(0, 1)
    a.paragraphs[0].alignment = center
    if rep.parent:
        r = a.paragraphs[0].add_run(rep.parent.upper())
        r.font.size = Pt(12)
        para(a, rep.agency.upper(), bold=True, size=12, align=center, after=0)
    else:
        r = a.paragraphs[0].add_run(rep.agency.upper())
        r.bold, r.font.size = True, Pt(12)
    rule(a, 25, 60)
    b.paragraphs[0].alignment = center
    r = b.paragraphs[0].add_run(NATION)
    r.bold, r.font.size = True, Pt(12)
    para(b, MOTTO, bold=True, size=14, align=center, after=0)
    rule(b, 62, 105)
    for p in (a.paragraphs[0], b.paragraphs[0]):
        p.paragraph_format.space_after = Pt(0)
    para(head.cell(1, 0), "", after=0)
    head.cell(1, 0).paragraphs[0].alignment = center
    head.cell(1, 0).paragraphs[0].add_run(rep.number).font.size = Pt(13)
    head.cell(1, 1).paragraphs[0].alignment = center
    r = head.cell(1, 1).paragraphs[0].add_run(rep.place_date)
    r.italic, r.font.size = True, Pt(14)

    para(doc, "", after=0)
    para(doc, "BÁO CÁO", bold=True, size=14, align=center, after=0)
    para(doc, rep.summary, bold=True, size=14, align=center, after=0)
    body_rule = doc.add_table(rows=1, cols=1)
    body_rule.alignment = WD_TABLE_ALIGNMENT.CENTER
    rule(body_rule.cell(0, 0), 40, 165)
    para(doc, rep.intro, align=just, indent=True)

    for heading, blocks in rep.sections:
        para(doc, heading, bold=True, align=just, indent=True)
        for blk in blocks:
            if isinstance(blk, Table):
                cap = para(doc, blk.caption, italic=True, size=13, align=center, after=3)
                cap.paragraph_format.keep_with_next = True
                t = doc.add_table(rows=1, cols=len(blk.headers))
                t.style = "Table Grid"
                t.alignment = WD_TABLE_ALIGNMENT.CENTER
                t.autofit = False
                narrow = [_NARROW.get(h, 0) for h in blk.headers]
                free = len([n for n in narrow if not n]) or 1
                rest = (165 - sum(narrow)) / free
                trPr = t.rows[0]._tr.get_or_add_trPr()      # the header repeats on every page
                repeat = OxmlElement("w:tblHeader")
                repeat.set(qn("w:val"), "true")
                trPr.append(repeat)
                for c, h in zip(t.rows[0].cells, blk.headers, strict=True):
                    c.paragraphs[0].alignment = center
                    run = c.paragraphs[0].add_run(h)
                    run.bold, run.font.size = True, Pt(12)
                for row in blk.rows:
                    cells = t.add_row().cells
                    for c, v, n in zip(cells, row, narrow, strict=True):
                        c.paragraphs[0].add_run(v).font.size = Pt(12)
                        if n:
                            c.paragraphs[0].alignment = center
                _widths(t, [Mm(n or rest) for n in narrow])
                for row in t.rows:
                    for c in row.cells:
                        c.paragraphs[0].paragraph_format.space_after = Pt(0)
                para(doc, "", after=0)
            else:
                dash = heading.startswith("II.") and blk.startswith(("Nhiệm vụ", "Các tháng")) \
                    or ":" in blk[:60] and heading.startswith("II.")
                para(doc, ("- " if dash else "") + blk, align=just, indent=True,
                     italic=blk == AUTHOR_NOTE)

    sig = doc.add_table(rows=1, cols=2)
    sig.alignment = WD_TABLE_ALIGNMENT.CENTER
    sig.autofit = False
    _widths(sig, (Mm(80), Mm(85)))
    left_cell, right_cell = sig.cell(0, 0), sig.cell(0, 1)
    p = left_cell.paragraphs[0]
    r = p.add_run("Nơi nhận:")
    r.bold, r.italic, r.font.size = True, True, Pt(12)
    p.alignment = left
    for rcp in [*rep.recipients, "Lưu: VT."]:
        q = para(left_cell, f"- {rcp}", size=11, align=left, after=0)
        q.paragraph_format.space_after = Pt(0)
    auth, title, name = rep.signer
    right_cell.paragraphs[0].alignment = center
    first = True
    for text in (auth, title):
        if not text:
            continue
        if first:
            run = right_cell.paragraphs[0].add_run(text.upper())
            run.bold, run.font.size, first = True, Pt(14), False
        else:
            para(right_cell, text.upper(), bold=True, size=14, align=center, after=0)
    for _ in range(3):
        para(right_cell, "", after=0)
    if name:
        para(right_cell, name, bold=True, size=14, align=center)

    # Page numbers: a PAGE field, centred in the header, from page 2 (Decree 30, Appendix I).
    sec.different_first_page_header_footer = True
    hp = sec.header.paragraphs[0]
    hp.alignment = center
    run = hp.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, None),
                      ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
            run._r.append(el)
        elif text:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = "2"
            run._r.append(t)
    run.font.size = Pt(13)
    doc.save(path if hasattr(path, "write") else str(path))
