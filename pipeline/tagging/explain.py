"""``cds tag --explain``: why an article got its themes, pillars and activity tags (Vietnamese
text for editors)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pipeline.core.text import nfc
from pipeline.tagging.scoring import Result, Score, Stance, ratio

if TYPE_CHECKING:
    from pipeline.tagging.tag import Category, Taxonomy

def report(r: Result, title: str, taxonomy: Taxonomy) -> str:
    """A report for editors (in Vietnamese) of one tagging run ``r``: every score, the phrases
    and sentences that earned it, each threshold and how the themes were chosen."""
    rv = taxonomy.relevance
    lines = [f"Phân loại theo: {taxonomy.source}",
             f"Tiêu đề: {_one_line(title)}",
             "",
             f"Liên quan đến chuyển đổi số: {'CÓ' if r.relevant else 'KHÔNG'} — điểm "
             f"{r.relevance.value:.1f} (cần ≥ {rv.min_score:g}); mật độ {r.density:.1f}/100 chữ "
             f"(cần ≥ {rv.min_density:g} khi tiêu đề không nói về chuyển đổi số)"]
    lines += [f"    {x}" for x in r.relevance.lines] or ["    (không có cụm từ nào)"]
    if not r.relevant:
        lines.append("    → bài chỉ nhắc đến chuyển đổi số thoáng qua: không gắn chủ đề.")

    def block(heading: str, cats: tuple[Category, ...], scores: dict[str, Score],
              chosen: list[str]) -> None:
        lines.extend(["", heading])
        for c in cats:
            sc = scores[c.id]
            mark = "✓" if c.id in chosen else "✗"
            lines.append(f"  {mark} {c.id} ({c.name}): {sc.value:.1f} / ngưỡng {c.threshold:g}")
            lines.extend(f"      {x}" for x in sc.lines)

    heading = f"Chủ đề ({taxonomy.plan_ref}):" if taxonomy.plan_ref else "Chủ đề:"
    lines.extend(["", heading + " mỗi chủ đề được chấm riêng trên bằng chứng của nó và được gắn "
                  "khi điểm đạt ngưỡng của chính nó"])
    for c in taxonomy.themes:
        sc = r.themes[c.id]
        mark = "✓" if c.id in r.tagging.themes else "✗"
        verdict = "đạt ngưỡng" if round(sc.value, 6) >= c.threshold else "chưa đạt ngưỡng"
        lines.append(f"  {mark} {c.id} ({c.name}): {sc.value:.1f} / ngưỡng {c.threshold:g} "
                     f"— {verdict}")
        if r.model_probs:
            lines.extend(_model_lines(c.id, r, taxonomy))
        lines.extend(f"      {x}" for x in sc.lines)
        lines.extend(_sentences(sc, r))
    if r.model_probs:
        ms = taxonomy.model
        about = r.model_probs.get("cds", 0.0)
        passage = (f", hoặc khi một đoạn của bài được mô hình cho xác suất ≥ {ms.min_passage:g}"
                   if ms.min_passage < 1.0 else "")
        rule = (f"hoặc khi xác suất kết hợp ≥ {ms.min_combined:g}. Xác suất kết hợp do bộ "
                "kết hợp (một hồi quy logistic nhỏ cho từng chủ đề, học từ các bộ bài mẫu chấm "
                "bằng mô hình chưa học chúng) tính từ bảy con số: xác suất mô hình cho cả bài, "
                "cho đoạn và cho cụm câu được chấm cao nhất, điểm quy tắc / ngưỡng (tối đa "
                "3) và việc điểm đó có đạt ngưỡng không, xác suất bài nói về chuyển đổi số, "
                "và xác suất cao nhất của các chủ đề khác (chủ đề khác càng rõ thì chủ đề này "
                "càng cần bằng chứng riêng)"
                if ms.combined else
                f"hoặc khi mô hình cho cả bài xác suất ≥ {ms.min_probability:g}{passage}")
        lines.extend(["", "Mô hình (TF-IDF + hồi quy logistic, học từ các bài mẫu và các bài "
                      "biên tập viên đã khóa chủ đề) cùng quy tắc: mỗi chủ đề được gắn khi điểm "
                      f"cụm từ đạt ngưỡng của nó, {rule}. Bài được coi là về chuyển đổi số khi "
                      "có một chủ đề đạt ngưỡng theo quy tắc, hoặc khi mô hình cho xác suất bài "
                      f"nói về chuyển đổi số ≥ {ms.min_relevance:g} (bài này: {about:.2f}) và "
                      "bài có ít nhất một cụm từ chuyển đổi số; chủ đề quy tắc chỉ gắn theo "
                      "mặc định (chưa đạt ngưỡng) cần mô hình xác nhận bài liên quan."])
    if r.relevant:
        lines.extend(_why_themes(r, taxonomy))
    if taxonomy.pillars:
        block("Trụ cột:", taxonomy.pillars, r.pillars, r.tagging.pillars)
    lines.extend(["", "Hoạt động:" + (" chỉ gắn khi bài tường thuật hoạt động đã diễn ra, "
                                      "không gắn khi bài là kế hoạch, hướng dẫn, thông báo "
                                      "hay chỉ nhắc thoáng qua"
                                      if taxonomy.activity_report.enabled else "")])
    if r.tags:
        for c in taxonomy.tags:
            if c.id in r.tags:
                mark = "✓" if c.id in r.tagging.tags else "✗"
                score = r.tag_scores[c.id].value if c.id in r.tag_scores else 0.0
                lines.append(f"  {mark} {c.id} ({c.name}): " +
                             ", ".join(f"«{h}»" for h in r.tags[c.id]) +
                             f" — {score:.1f} / ngưỡng {c.threshold:g}")
                if c.id in r.stances:
                    lines.extend(_stance_lines(c, score, r.stances[c.id], r, taxonomy))
                elif taxonomy.activity_report.enabled:
                    lines.append("      (hoạt động này chỉ cần được nhắc đến)")
    else:
        lines.append("  (không có)")
    lines.extend(["", "Văn bản được trích dẫn: " + (", ".join(r.tagging.doc_refs) or "(không có)"),
                  "",
                  "Kết quả: chủ đề = " + (", ".join(r.tagging.themes) or "(không)") +
                  "; trụ cột = " + (", ".join(r.tagging.pillars) or "(không)") +
                  "; hoạt động = " + (", ".join(r.tagging.tags) or "(không)")])
    return "\n".join(lines) + "\n"


_SHOWN_SENTENCES = 4
_PASSAGE_CHARS = 140


def _stance_lines(c: Category, score: float, st: Stance, r: Result,
                  taxonomy: Taxonomy) -> list[str]:
    """Why an activity counts as reported or announced: the cues of the sentences naming
    it, each with its points, and the rule applied."""
    ar = taxonomy.activity_report
    over = round(score, 6) >= c.threshold
    none = not (st.report or st.plan)
    out = [f"      dấu hiệu tường thuật +{st.report:.1f}, dấu hiệu kế hoạch/thông báo "
           f"−{st.plan:.1f} → {st.net:+.1f} (cần ≥ {ar.min_net:g}, hoặc không có dấu hiệu nào)"]
    for index, found in sorted(st.sentences.items()):
        where, text = _sentence(index, r)
        cues = ", ".join(f"{cue} {p:+.1f}" for cue, p in found)
        twice = f" (×{ar.first_weight:g})" if index in st.first else ""
        out.append(f"        {where}{twice}: “{text}” — {cues}")
    if over and (st.net >= ar.min_net or none):
        why = ("bài tường thuật hoạt động" if not none else
               "không có dấu hiệu kế hoạch hay tường thuật: coi như tin tường thuật")
    elif ar.single_net and not st.plan and st.net >= ar.single_net:
        why = (f"bài tường thuật hoạt động: các câu nhắc đến không có dấu hiệu kế hoạch, "
               f"tường thuật rõ ({st.net:+.1f} ≥ {ar.single_net:g})")
    elif over:
        why = "bài là kế hoạch, hướng dẫn hay thông báo về hoạt động, chưa phải tường thuật"
    elif ar.single and st.named_net >= ar.single:
        why = (f"chỉ nhắc một lần nhưng câu nhắc đến tường thuật rõ "
               f"({st.named_net:+.1f} ≥ {ar.single:g})")
    else:
        why = "chỉ nhắc thoáng qua (điểm dưới ngưỡng)"
    out.append(f"      → {why}")
    return out


def _model_lines(theme: str, r: Result, taxonomy: Taxonomy) -> list[str]:
    """The model's side of one theme: its p on the whole text, the passage it rates highest,
    each with its threshold, and which side gave the theme; with the combiner, its inputs and
    the combined p against its threshold."""
    ms = taxonomy.model
    p = r.model_probs.get(theme, 0.0)
    side = ("mô hình" if theme in r.model_themes else
            "quy tắc" if theme in r.tagging.themes else "không bên nào")
    if ms.combined:
        return _combined_lines(theme, r, taxonomy, side)
    out = [f"      mô hình: xác suất cả bài {p:.2f} (gắn chủ đề khi ≥ {ms.min_probability:g})"
           f" — chủ đề do: {side}"]
    best = r.model_passages.get(theme)
    if best is not None:
        bp, number, text = best
        text = " ".join(text.split())
        if len(text) > _PASSAGE_CHARS:
            text = text[:_PASSAGE_CHARS - 3].rstrip() + "…"
        verdict = "đạt" if bp >= ms.min_passage else "chưa đạt"
        out.append(f"      mô hình, đoạn {number} (cao nhất): xác suất {bp:.2f} — {verdict} "
                   f"ngưỡng đoạn {ms.min_passage:g}: “{text}”")
    return out


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PASSAGE_CHARS else text[:_PASSAGE_CHARS - 3].rstrip() + "…"


def _combined_lines(theme: str, r: Result, taxonomy: Taxonomy, side: str) -> list[str]:
    """The combiner's inputs for one theme (probabilities shown as such), the combined p and
    its threshold, the best passage and sentence window with their text."""
    ms = taxonomy.model
    p = r.model_probs.get(theme, 0.0)
    x = r.combined.get(theme)
    if x is None:                      # the text is not about CĐS: nothing was combined
        return [f"      mô hình: xác suất cả bài {p:.2f} — chủ đề do: {side}"]
    prob = _sigmoid
    verdict = "đạt" if x["p"] >= ms.min_combined else "chưa đạt"
    out = [f"      kết hợp: cả bài {prob(x['whole']):.2f}, đoạn cao nhất "
           f"{prob(x['passage']):.2f}, cụm câu cao nhất {prob(x['window']):.2f}, quy tắc "
           f"{x['ratio']:.2f} × ngưỡng ({'đạt' if x['over'] else 'chưa đạt'} ngưỡng), bài nói "
           f"về chuyển đổi số {prob(x['cds']):.2f}, chủ đề khác cao nhất {prob(x['other']):.2f}"
           f" → xác suất kết hợp {x['p']:.2f} — {verdict} ngưỡng {ms.min_combined:g} — chủ đề "
           f"do: {side}"]
    for label, best in (("đoạn", r.model_passages.get(theme)),
                        ("cụm câu", r.model_windows.get(theme))):
        if best is not None:
            bp, number, text = best
            out.append(f"      mô hình, {label} {number} (cao nhất): xác suất {bp:.2f}: "
                       f"“{_short(text)}”")
    return out


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _sentence(index: int, r: Result) -> tuple[str, str]:
    """Where sentence ``index`` is (-1: the title) and its text, shortened to 110 characters."""
    if index < 0:
        where = "tiêu đề"
        text = " ".join(r.title_words.sentences) if r.title_words else ""
    else:
        where = f"câu {index + 1}"
        text = r.body_words.sentences[index] if r.body_words else ""
    if len(text) > 110:
        text = text[:107].rstrip() + "…"
    return where, text


def _sentences(sc: Score, r: Result) -> list[str]:
    """The sentences that hold a category's phrases, the strongest first."""
    if not sc.sentences:
        return []
    ranked = sorted(sc.sentences.items(), key=lambda kv: (-sum(p for _, p in kv[1]), kv[0]))
    out = ["      bằng chứng theo câu:"]
    for index, found in ranked[:_SHOWN_SENTENCES]:
        where, text = _sentence(index, r)
        phrases = ", ".join(f"«{t}» {p:+.1f}" for t, p in found)
        out.append(f"        {where}: “{text}” — {phrases}")
    if len(ranked) > _SHOWN_SENTENCES:
        out.append(f"        … và {len(ranked) - _SHOWN_SENTENCES} câu khác")
    return out


def _why_themes(r: Result, taxonomy: Taxonomy) -> list[str]:
    """How the themes were chosen from the scores (the rules under ``assign``)."""
    a = taxonomy.assign
    chosen = r.tagging.themes
    ratios = {c.id: ratio(r.themes[c.id].value, c.threshold) for c in taxonomy.themes}
    out = []
    if not chosen:
        return ["  → không chủ đề nào đạt ngưỡng."]
    main = chosen[0]
    if main in r.model_themes and main in r.combined:
        out.append(f"  → chủ đề chính: {main} (do mô hình đưa ra, xác suất kết hợp "
                   f"{r.combined[main]['p']:.2f})")
    elif main in r.model_themes:
        out.append(f"  → chủ đề chính: {main} (do mô hình đưa ra)")
    elif ratios[main] >= 1.0:
        out.append(f"  → chủ đề chính: {main} (điểm / ngưỡng = {ratios[main]:.2f}, cao nhất)")
    elif main != a.default or ratios[main] >= a.fallback:
        out.append(f"  → không chủ đề nào đạt ngưỡng; {main} gần ngưỡng nhất "
                   f"({ratios[main]:.2f} ≥ {a.fallback:g}) nên được chọn")
    else:
        out.append(f"  → không chủ đề nào đạt ngưỡng: bài về chuyển đổi số nhận chủ đề mặc "
                   f"định {main}")
    for c in taxonomy.themes:
        if c.id == main:
            continue
        if c.id in r.model_themes:
            p = r.model_probs.get(c.id, 0.0)
            best = r.model_passages.get(c.id)
            if c.id in r.combined:
                why = (f"xác suất kết hợp {r.combined[c.id]['p']:.2f} ≥ "
                       f"{taxonomy.model.min_combined:g}")
            else:
                why = (f"xác suất cả bài {p:.2f}" if p >= taxonomy.model.min_probability or
                       best is None else f"đoạn {best[1]} có xác suất {best[0]:.2f}")
            out.append(f"  → chủ đề thêm: {c.id} (do mô hình đưa ra, {why})")
        elif c.id in chosen:
            out.append(f"  → chủ đề thêm: {c.id} (điểm / ngưỡng = {ratios[c.id]:.2f})")
        elif 1.0 <= ratios[c.id] < a.secondary:
            out.append(f"  → {c.id} đạt ngưỡng nhưng chưa đủ làm chủ đề phụ "
                       f"({ratios[c.id]:.2f} < {a.secondary:g} × ngưỡng)")
    return out


def _one_line(text: str) -> str:
    return " ".join(nfc(text or "").split())
