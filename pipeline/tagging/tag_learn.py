"""Learning from the editors' corrections: every stored article with ``themes_locked: true`` is
a labelled example (the editor fixed its themes, or confirmed them; an empty list says "no
theme").

- :func:`evaluate` re-tags those articles with the current taxonomy and reports precision,
  recall and F1 per theme against the editors' themes, and the confusions (which theme the
  tagger gave instead of which). Out of fold: with the model on, each article is tagged by the
  rules and a model that did not learn from it (:mod:`pipeline.tagging.oof`, cached in
  ``.cds/``), so the figures are what a new article would get, not what the model remembers.
- :func:`suggest` proposes phrases (with their counts) that separate the corrected themes: for a
  theme the tagger missed, phrases common in the articles the editors gave that theme and rare
  in the others (to add under ``phrases``); for a theme it gave wrongly, phrases common in those
  articles and absent from the ones that carry it (to add under ``against``). An editor accepts
  them into ``taxonomy.yml`` by hand; nothing is written here.

Pure functions over articles (``cds tag --evaluate`` / ``--suggest`` and the desk call them with
the store's articles). ``format_evaluation`` / ``format_suggestions`` give the Vietnamese text.

Public API::

    examples(root) -> (list[Article], Taxonomy)             # a root's locked articles, taxonomy
    labelled(articles) -> list[Article]                     # themes_locked only
    evaluate(articles, taxonomy, *, out_of_fold=None) -> Evaluation
    how_made(evaluation) -> str                             # how the figures are made (vi)
    suggest(articles, taxonomy, *, min_count=2, limit=8) -> list[Suggestion]
    format_evaluation(evaluation, taxonomy) -> str
    format_suggestions(suggestions, taxonomy) -> str
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.core.models import Article
from pipeline.core.text import nfc, tone_key
from pipeline.tagging import oof
from pipeline.tagging.tag import Taxonomy, tag

_WORD = re.compile(r"[\w\u0300-\u036f]+")
_BREAK = re.compile(r"[.!?;:,()\[\]\"“”«»\n]+")

# words a suggested phrase neither starts nor ends with (they carry no theme)
_FUNCTION_WORDS = frozenset(tone_key(w) for w in (
    "và của các những là được có cho với trong đã để này theo từ tại về đến một như khi cũng "
    "thì mà nên vào ra trên dưới sau trước đó đây nay năm ngày tháng người bà ông anh chị em "
    "không chưa còn rất hơn nhiều ít mỗi từng các cả hay hoặc nhưng nếu do vì bị sẽ đang vừa "
    "số xã huyện tỉnh thôn").split())


@dataclass
class ThemeStats:
    theme: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        """Articles the editors gave this theme."""
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Mistake:
    article: str                 # the article's path under content/ (or its id)
    title: str
    editors: list[str]           # the themes the editors set
    tagger: list[str]            # what the tagger gives now


@dataclass
class Evaluation:
    articles: int = 0
    per_theme: dict[str, ThemeStats] = field(default_factory=dict)
    # (theme the editors set, theme the tagger gave instead or "" for none) → articles
    confusions: Counter = field(default_factory=Counter)
    mistakes: list[Mistake] = field(default_factory=list)
    folds: int = 0               # the model's folds (0: rules alone, the model is off)
    leave_one_out: bool = False  # each article its own fold
    fits: int = 0                # models fitted for it (0: out-of-fold opinions from the cache)

    @property
    def micro(self) -> ThemeStats:
        total = ThemeStats("micro")
        for s in self.per_theme.values():
            total.tp += s.tp
            total.fp += s.fp
            total.fn += s.fn
        return total

    def as_dict(self) -> dict:
        """Plain data for the desk (JSON-ready)."""
        def stats(s: ThemeStats) -> dict:
            return {"precision": round(s.precision, 3), "recall": round(s.recall, 3),
                    "f1": round(s.f1, 3), "tp": s.tp, "fp": s.fp, "fn": s.fn,
                    "support": s.support}
        return {"articles": self.articles, "folds": self.folds,
                "leave_one_out": self.leave_one_out,
                "micro": stats(self.micro),
                "themes": {k: stats(v) for k, v in self.per_theme.items()},
                "confusions": [{"editors": a, "tagger": b, "count": n}
                               for (a, b), n in self.confusions.most_common()],
                "mistakes": [vars(m) for m in self.mistakes]}


@dataclass
class Suggestion:
    theme: str
    phrase: str
    kind: str                    # "phrases" (add to the theme) or "against"
    hits: int                    # articles the phrase would fix (missed / wrongly given)
    with_theme: int              # labelled articles carrying the theme that contain it
    without_theme: int           # labelled articles without the theme that contain it


def labelled(articles: Iterable[Article]) -> list[Article]:
    """The articles whose themes an editor locked."""
    return [a for a in articles if a.themes_locked]


def examples(root: Path | str) -> tuple[list[Article], Taxonomy]:
    """A root's labelled articles (``content/``) and its taxonomy: what ``cds tag --evaluate``
    and the desk start from. Raises ConfigError for a bad ``taxonomy.yml``."""
    from pipeline.store.articles import Store
    root = Path(root)
    return labelled(Store(root / "content").articles()), Taxonomy.load(root)


def _name(a: Article) -> str:
    return str(a.path) if a.path is not None else a.id


def evaluate(articles: Iterable[Article], taxonomy: Taxonomy, *,
             out_of_fold: oof.OutOfFold | None = None) -> Evaluation:
    """The tagger against the editors' themes on every ``themes_locked`` article.

    With the model on (``model.enabled``), each article is tagged by the rules and a model that
    did not learn from it (:mod:`pipeline.tagging.oof`): ``out_of_fold`` when given (the desk
    passes the cached ones), else :func:`oof.predictions` (cached in ``<taxonomy.root>/.cds/``,
    fitted when missing). With the model off, by the rules alone."""
    items = labelled(articles)
    ev = Evaluation(per_theme={c.id: ThemeStats(c.id) for c in taxonomy.themes})
    if taxonomy.model.enabled and items:
        if out_of_fold is None:
            out_of_fold = oof.predictions(items, taxonomy.root)
        ev.folds, ev.leave_one_out = out_of_fold.folds, out_of_fold.leave_one_out
        ev.fits = out_of_fold.fits
    for a in items:
        ev.articles += 1
        gold = [t for t in a.themes if t in ev.per_theme]
        model = out_of_fold.model_for(a.id) if ev.folds else None
        pred = tag(a.title, a.body, taxonomy, model=model).themes
        for theme, s in ev.per_theme.items():
            if theme in gold and theme in pred:
                s.tp += 1
            elif theme in pred:
                s.fp += 1
            elif theme in gold:
                s.fn += 1
        missed = [t for t in gold if t not in pred]
        extra = [t for t in pred if t not in gold]
        for m in missed:
            for x in extra or [""]:
                ev.confusions[(m, x)] += 1
        if not missed:
            for x in extra:
                ev.confusions[("", x)] += 1
        if set(gold) != set(pred):
            ev.mistakes.append(Mistake(_name(a), a.title, list(gold), list(pred)))
    return ev


def _ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> dict[str, str]:
    """Word n-grams of a text within clauses, not starting or ending with a function word:
    matching key (tone_key form) → the words as written (lower case)."""
    out: dict[str, str] = {}
    for clause in _BREAK.split(nfc(text).lower()):
        words = _WORD.findall(clause)
        keys = [tone_key(w) for w in words]
        for n in sizes:
            for i in range(len(words) - n + 1):
                gram = keys[i:i + n]
                if gram[0] in _FUNCTION_WORDS or gram[-1] in _FUNCTION_WORDS:
                    continue
                if any(w.isdigit() for w in gram):
                    continue
                out.setdefault(" ".join(gram), " ".join(words[i:i + n]))
    return out


def _vocabulary(taxonomy: Taxonomy) -> list[tuple[str, ...]]:
    """Every multi-word phrase of the taxonomy (tone_key words)."""
    cats = (*taxonomy.themes, *taxonomy.pillars, *taxonomy.tags)
    phrases = {p.words for c in cats for p in (*c.phrases, *c.title, *c.against)}
    phrases |= {p.words for p in taxonomy.relevance.phrases}
    return [w for w in phrases if len(w) > 1]


def _fragment(gram: tuple[str, ...], vocabulary: list[tuple[str, ...]]) -> bool:
    """Whether an n-gram cuts a known phrase ("nghệ thông tin" of "công nghệ thông tin",
    "bộ nhà trường" across "chi bộ"): it then names no phrase of its own. Words belonging to a
    known phrase that lies wholly in the n-gram ("chi bộ" in "họp chi bộ") cut nothing."""
    n = len(gram)
    covered: set[int] = set()
    for v in vocabulary:
        for i in range(n - len(v) + 1):
            if gram[i:i + len(v)] == v:
                covered.update(range(i, i + len(v)))
    for v in vocabulary:
        m = len(v)
        for d in range(-(m - 1), n):          # v starts at gram position d
            lo, hi = max(0, d), min(n, d + m)
            if hi <= lo or any(gram[i] != v[i - d] for i in range(lo, hi)):
                continue
            if hi - lo < m and not all(i in covered for i in range(lo, hi)):
                return True                   # only part of v lies in the gram
    return False


def _known(taxonomy: Taxonomy, theme: str) -> set[str]:
    c = taxonomy.theme(theme)
    if c is None:
        return set()
    return {" ".join(p.words) for p in (*c.phrases, *c.title, *c.against)}


def suggest(articles: Iterable[Article], taxonomy: Taxonomy, *, min_count: int = 2,
            limit: int = 8) -> list[Suggestion]:
    """Phrases that separate the editors' themes, for the themes the tagger gets wrong.

    ``phrases``: found in at least ``min_count`` articles where the tagger missed the theme,
    and in at least 80% of the labelled articles containing it the editors set the theme.
    ``against``: found in at least ``min_count`` articles wrongly given the theme and in none
    the editors gave it. The mistakes are the rules' own (the model switched off). At most ``limit`` per theme and kind, the most useful first."""
    items = labelled(articles)
    grams = [_ngrams(f"{a.title}\n{a.body}") for a in items]
    # phrases are for the rules: their mistakes, without the model (which learns from these
    # very articles and would hide them)
    rules = replace(taxonomy, model=replace(taxonomy.model, enabled=False))
    preds = [tag(a.title, a.body, rules).themes for a in items]
    out: list[Suggestion] = []
    vocab = _vocabulary(taxonomy)
    for c in taxonomy.themes:
        known = _known(taxonomy, c.id)
        has = [c.id in a.themes for a in items]
        missed = [g for g, h, p in zip(grams, has, preds, strict=True) if h and c.id not in p]
        wrong = [g for g, h, p in zip(grams, has, preds, strict=True) if not h and c.id in p]
        display = {k: v for g in grams for k, v in g.items()}
        with_theme = Counter(x for g, h in zip(grams, has, strict=True) if h for x in g)
        without = Counter(x for g, h in zip(grams, has, strict=True) if not h for x in g)
        for kind, group in (("phrases", missed), ("against", wrong)):
            counts = Counter(x for g in group for x in g)
            found: list[Suggestion] = []
            for gram, n in counts.items():
                if n < min_count or gram in known or _fragment(tuple(gram.split()), vocab):
                    continue
                w, wo = with_theme[gram], without[gram]
                if kind == "phrases" and w / (w + wo) < 0.8:
                    continue
                if kind == "against" and w:
                    continue
                found.append(Suggestion(c.id, display[gram], kind, n, w, wo))
            found.sort(key=lambda s: (-s.hits, -len(s.phrase.split()),
                                      s.without_theme if kind == "phrases" else -s.without_theme,
                                      s.phrase))
            # a longer phrase with the same counts says it better than its parts
            kept: list[Suggestion] = []
            for s in found:
                if any(s.phrase in k.phrase and s.hits == k.hits for k in kept):
                    continue
                kept.append(s)
                if len(kept) >= limit:
                    break
            out.extend(kept)
    return out


# --- text for editors (Vietnamese) -------------------------------------------------------------

def how_made(ev: Evaluation) -> str:
    """How the figures are made, for editors (the CLI; the desk's template says the same)."""
    if not ev.folds:
        return ("Cách tính: máy gắn lại từng bài bằng các quy tắc của bộ phân loại (mô hình đang "
                "tắt: model.enabled: false) rồi so với chủ đề biên tập viên đã chọn.")
    if ev.leave_one_out:
        split = f"mỗi bài một phần ({ev.folds} lần học)"
    else:
        split = (f"các bài được chia thành {ev.folds} phần cố định theo mã bài ({ev.folds} lần "
                 "học)")
    return ("Cách tính: mỗi bài được chấm bởi quy tắc và mô hình không học từ chính bài đó — "
            f"{split}; mô hình chấm một phần chỉ học từ các bộ mẫu kèm phần mềm và các phần "
            "còn lại. Vì vậy số liệu gần với khi máy gắn bài mới. Kết quả tính lần đầu được lưu "
            "trong .cds/ và chỉ tính lại khi bài đã khóa hay mô hình thay đổi.")


def format_evaluation(ev: Evaluation, taxonomy: Taxonomy) -> str:
    if not ev.articles:
        return ("Chưa có bài nào được biên tập viên khóa chủ đề (themes_locked: true): chưa có gì "
                "để đánh giá.\n")
    m = ev.micro
    lines = [f"Đánh giá bộ phân loại ({taxonomy.source}) trên {ev.articles} bài biên tập viên đã "
             "khóa chủ đề (themes_locked: true):",
             "",
             f"  {'chủ đề':<14} {'độ chính xác':>12} {'độ phủ':>8} {'F1':>6} {'đúng':>5} "
             f"{'thừa':>5} {'sót':>5} {'số bài':>7}"]
    for s in (*ev.per_theme.values(), m):
        name = "tổng (micro)" if s is m else s.theme
        lines.append(f"  {name:<14} {s.precision:>12.2f} {s.recall:>8.2f} {s.f1:>6.2f} "
                     f"{s.tp:>5} {s.fp:>5} {s.fn:>5} {s.support:>7}")
    lines.extend(["", how_made(ev)])
    lines.extend(["", "Nhầm lẫn (chủ đề của biên tập viên → chủ đề máy gắn thay vào):"])
    if not ev.confusions:
        lines.append("  (không có)")
    for (gold, pred), n in ev.confusions.most_common():
        if not gold:
            lines.append(f"  máy gắn thừa {pred}: {n} bài")
        elif not pred:
            lines.append(f"  máy bỏ sót {gold}: {n} bài")
        else:
            lines.append(f"  {gold} → {pred}: {n} bài")
    if ev.mistakes:
        lines.extend(["", "Các bài máy gắn khác biên tập viên:"])
        for x in ev.mistakes:
            lines.append(f"  {x.article}: biên tập viên {', '.join(x.editors) or '(không)'}; "
                         f"máy {', '.join(x.tagger) or '(không)'}")
    lines.extend(["", "Xem vì sao: cds tag --explain <bài>; gợi ý cụm từ: cds tag --suggest"])
    return "\n".join(lines) + "\n"


def format_suggestions(suggestions: list[Suggestion], taxonomy: Taxonomy) -> str:
    if not suggestions:
        return ("Không có gợi ý: các bài đã khóa chủ đề không cho thấy cụm từ nào tách được các "
                "chủ đề máy gắn sai (cần ít nhất 2 bài cùng một lỗi).\n")
    lines = ["Gợi ý cụm từ cho taxonomy.yml (biên tập viên xem và tự chép vào nếu đồng ý; lệnh "
             "này không sửa tệp nào):"]
    for c in taxonomy.themes:
        for kind, heading in (("phrases", "thêm vào `phrases` (máy bỏ sót chủ đề này)"),
                              ("against", "thêm vào `against` (máy gắn thừa chủ đề này)")):
            rows = [s for s in suggestions if s.theme == c.id and s.kind == kind]
            if not rows:
                continue
            lines.extend(["", f"  {c.id} — {heading}:"])
            for s in rows:
                what = "bỏ sót" if kind == "phrases" else "gắn thừa"
                lines.append(f"    {s.phrase}: 1   # có trong {s.hits} bài bị {what}; "
                             f"{s.with_theme} bài mang chủ đề, {s.without_theme} bài khác")
    lines.extend(["", "Sau khi sửa taxonomy.yml: cds tag --evaluate để xem kết quả, rồi "
                  "cds tag --all để gắn lại nhãn."])
    return "\n".join(lines) + "\n"
