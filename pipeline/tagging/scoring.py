"""Scoring for the tagger: each theme, pillar and activity on its own evidence (its phrases,
attributed to sentences; title, lead, CĐS context, "against" phrases, documents cited), and
the choice of themes from score / threshold ratios (multi-label)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.core.models import Tagging
from pipeline.core.text import fold, tone_key
from pipeline.tagging.dates import first_event_date
from pipeline.tagging.matching import Words

if TYPE_CHECKING:
    from pipeline.tagging.tag import ActivityReport, Assign, Category, Phrase

@dataclass
class Score:
    value: float = 0.0
    lines: list[str] = field(default_factory=list)
    # sentence index (-1 = the title) → the phrases found there and their points
    sentences: dict[int, list[tuple[str, float]]] = field(default_factory=dict)

    def add(self, label: str, points: float) -> None:
        self.value += points
        self.lines.append(f"{label} {points:+.1f}")

    def at(self, sentence: int, phrase: str, points: float) -> None:
        self.sentences.setdefault(sentence, []).append((phrase, points))


def label(p: Phrase, n: int, folded: int, where: str = "") -> str:
    times = f" ×{n}" if n > 1 else ""
    note = " (không dấu)" if folded else ""
    return f"«{p.text}»{where}{times}{note}"


def score_theme(cat: Category, title: Words, body: Words, cap: int, refs: int,
           scale: float, lead: Words | None = None, lead_bonus: float = 0.0,
           cds_sentences: set[int] | frozenset[int] = frozenset(),
           context_bonus: float = 0.0,
           skip: tuple[set[int], set[int], set[int]] | None = None) -> Score:
    """A category's score on its own evidence: its phrases (each counted at most ``cap``
    times, attributed to the sentences they occur in), the title, the lead, the CĐS context
    of each sentence, the phrases against it and the documents cited. ``skip``: the title's,
    body's and lead's sentences whose phrases do not count (a local unit's own document, for
    ``van-ban``: :mod:`pipeline.tagging.issuers`)."""
    s = Score()
    st, sb, sl = skip or (set(), set(), set())
    # a phrase inside one of the theme's "against" phrases does not count for it
    # ("văn bản" in "văn bản điện tử")
    t_in, b_in = title.positions(cat.against), body.positions(cat.against)
    l_in = lead.positions(cat.against) if lead is not None else set()
    in_context = 0
    for p in cat.phrases:
        ot, ob = title.found(p, t_in), body.found(p, b_in)
        if skip:
            ot = [o for o in ot if title.sent[o[0]] not in st]
            ob = [o for o in ob if body.sent[o[0]] not in sb]
        n = len(ot) + len(ob)
        if not n:
            continue
        folded = sum(1 for _, exact in (*ot, *ob) if not exact)
        s.add(label(p, n, folded), p.weight * min(n, cap) * scale)
        counted = [(-1, i) for i, _ in ot] + [(body.sent[i], i) for i, _ in ob]
        for sentence, _ in counted[:cap]:
            s.at(sentence, p.text, p.weight * scale)
        if context_bonus:
            k = sum(1 for sentence, _ in counted[:cap] if sentence in cds_sentences)
            if k:
                in_context += 1
                s.add(label(p, k, 0, " [câu nói về chuyển đổi số]"),
                      p.weight * context_bonus * k * scale)
        if lead_bonus and lead is not None and any(
                lead.sent[i] not in sl for i, _ in lead.found(p, l_in)):
            s.add(label(p, 1, 0, " [mở đầu]"), p.weight * lead_bonus)
    for p in cat.title:
        n, f = title.count(p, t_in)
        if n and skip and all(title.sent[i] in st for i, _ in title.found(p, t_in)):
            continue
        if n:
            s.add(label(p, 1, f, " [tiêu đề]"), 2 * p.weight)
            s.at(-1, f"{p.text} [tiêu đề]", 2 * p.weight)
    for p in cat.against:
        n = title.count(p)[0] + body.count(p)[0]
        if n:
            s.add(label(p, n, 0) + " [ngược]", -p.weight * min(n, cap) * scale)
    if cat.doc_ref_weight and refs:
        s.add(f"{refs} văn bản được trích dẫn", cat.doc_ref_weight * min(refs, cap))
    return s


def score_activity(cat: Category, title: Words, body: Words, cap: int, lead: Words | None,
               lead_bonus: float) -> Score:
    """An activity's score: its phrases (a word counts for the longest phrase only, so "tổ
    công nghệ số cộng đồng" is not also "tổ công nghệ số"), the title phrases double, the
    lead ``lead_bonus`` more."""
    s = Score()
    in_t, in_b = title.count_longest(cat.phrases), body.count_longest(cat.phrases)
    for p in cat.phrases:
        n = in_t[p][0] + in_b[p][0]
        if n:
            s.add(label(p, n, in_t[p][1] + in_b[p][1]), p.weight * min(n, cap))
    for p, (n, f) in title.count_longest(cat.title).items():
        if n:
            s.add(label(p, 1, f, " [tiêu đề]"), 2 * p.weight)
    if lead_bonus and lead is not None:
        for p, (n, _) in lead.count_longest(cat.phrases).items():
            if n:
                s.add(label(p, 1, 0, " [mở đầu]"), p.weight * lead_bonus)
    return s


@dataclass
class Stance:
    """Whether a text reports an activity (cues > 0) or announces it (cues < 0)."""
    net: float = 0.0
    report: float = 0.0
    plan: float = 0.0
    named_net: float = 0.0               # the cues of the sentences naming the activity only
    first: frozenset[int] = frozenset()  # the sentences whose cues counted first_weight times
    # sentence index (-1 = the title) → the cues found there and their points
    sentences: dict[int, list[tuple[str, float]]] = field(default_factory=dict)


def sentence_cues(words: Words, cues: ActivityReport, title: bool = False,
                  published: dt.date | None = None) -> dict[int, list[tuple[str, float]]]:
    """The report (+) and plan (−) cues of each sentence of ``words`` (the title is one
    sentence, -1), each cue once a sentence, a word for the longest cue covering it; with the
    article's date ``published``, the sentence's first event date is a plan cue when it is
    later (``date_after``) and a report cue when it is not (``date_before``)."""
    kind = {**{p.words: 1.0 for p in cues.report}, **{p.words: -1.0 for p in cues.plan},
            **{p.words: 0.0 for p in cues.neutral}}
    out: dict[int, dict[str, float]] = {}
    for p, i, _ in words.longest((*cues.report, *cues.plan, *cues.neutral)):
        sign = kind[p.words]
        if sign:
            out.setdefault(-1 if title else words.sent[i], {})[f"«{p.text}»"] = sign * p.weight
    if cues.counted:
        for s, text in enumerate([" ".join(words.sentences)] if title else words.sentences):
            key = tone_key(text)
            folded = fold(key) == key            # a sentence typed without marks
            m = counted_pattern(cues, folded).search(key)
            if m:
                found = " ".join(m.group(2).split())
                noun = next(p.text for p in cues.counted
                            if " ".join(p.folded if folded else p.words) == found)
                out.setdefault(-1 if title else s, {})[
                    f"«{m.group(1)} {noun}»"] = cues.counted_weight
    if published is not None and (cues.date_after or cues.date_before):
        for s, text in enumerate([" ".join(words.sentences)] if title else words.sentences):
            found = first_event_date(text, published)
            if found is None:
                continue
            when = found[0]
            shown = f"{when.day}/{when.month}/{when.year}"
            day = f"{published.day}/{published.month}/{published.year}"
            if when > published and cues.date_after:
                out.setdefault(-1 if title else s, {})[
                    f"«{shown}» [sau ngày đăng {day}]"] = -cues.date_after
            elif when <= published and cues.date_before:
                out.setdefault(-1 if title else s, {})[
                    f"«{shown}» [không sau ngày đăng {day}]"] = cues.date_before
    return {k: list(v.items()) for k, v in out.items()}


@lru_cache(maxsize=16)
def counted_pattern(cues: ActivityReport, folded: bool) -> re.Pattern[str]:
    """A number (not a percentage) before one of ``cues.counted`` ("215 người", "hơn 1.100 học
    sinh") in tone_key text; ``folded``: in text without marks ("215 nguoi")."""
    nouns = sorted({" ".join(p.folded if folded else p.words) for p in cues.counted},
                   key=len, reverse=True)
    return re.compile(r"(?<![\w%.,])(\d+(?:[.,]\d+)*)\s+(" +
                      "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in nouns) +
                      r")(?!\w)")


def activity_stance(cat: Category, title: Words, body: Words, cues: ActivityReport,
                    title_cues: dict[int, list[tuple[str, float]]],
                    body_cues: dict[int, list[tuple[str, float]]]) -> Stance:
    """The cues of the sentences naming ``cat`` (the title, each body sentence and the
    ``window`` sentences after it), each sentence once."""
    named: set[int] = set()
    if any(n for n, _ in title.count_longest(cat.phrases).values()):
        named.add(-1)
    found = body.longest(cat.phrases)
    named.update(body.sent[i] for _, i, _ in found)
    # a sentence opening "Sau tập huấn, …" tells what came after the activity: it happened,
    # and the plans in that sentence are the next ones (only its report cues are read)
    afterwards = {body.sent[i] for _, i, _ in found
                  if _opens_with_after(body, i, cues.after)}
    last = len(body.sentences) - 1
    after = {k for s in named if s >= 0 for k in range(s + 1, min(s + cues.window, last) + 1)}
    # the title, the first body sentence naming the activity and the one after it say what
    # the text is (a report of it, or its plan): their cues count ``first_weight`` times
    lead = min((k for k in named if k >= 0), default=-1)
    first = {-1, lead, lead + 1} if lead >= 0 else {-1}
    st = Stance(first=frozenset(first & (named | after)) if cues.first_weight != 1 else
                frozenset())
    for s in sorted(named | after):
        # a sentence after the one naming the activity tells its figures, its results: only
        # its report cues are read ("… sẽ …" there is often another matter)
        k = cues.first_weight if s in first else 1.0
        reads_plan = s in named and s not in afterwards
        cues_here = [(c, p * k) for c, p in (title_cues if s < 0 else body_cues).get(s, [])
                     if reads_plan or p > 0]
        if cues_here:
            st.sentences[s] = cues_here
        for _, points in cues_here:
            if points > 0:
                st.report += points
            else:
                st.plan -= points
            if s in named:
                st.named_net += points / k
    st.net = st.report - st.plan
    return st


def _opens_with_after(body: Words, i: int, after: tuple[Phrase, ...]) -> bool:
    """Whether the activity named at word ``i`` is preceded, from the start of its sentence,
    by one of ``after`` only ("Sau tập huấn", "Kết thúc lớp tập huấn")."""
    start = i
    while start > 0 and body.sent[start - 1] == body.sent[i]:
        start -= 1
    head = body.folded[start:i]
    return any(list(p.folded) == head for p in after)


@dataclass
class Result:
    tagging: Tagging
    relevance: Score
    relevant: bool
    density: float
    title_hit: bool
    words: int
    themes: dict[str, Score]
    pillars: dict[str, Score]
    tags: dict[str, list[str]]
    title_words: Words | None = None
    body_words: Words | None = None
    tag_scores: dict[str, Score] = field(default_factory=dict)
    model_probs: dict[str, float] = field(default_factory=dict)   # the model's p per theme
    model_themes: list[str] = field(default_factory=list)         # themes the model added
    # theme → (p, passage number from 1, its text): the body's passage the model rates highest
    model_passages: dict[str, tuple[float, int, str]] = field(default_factory=dict)
    stances: dict[str, Stance] = field(default_factory=dict)      # activity → report or plan
    # the same for the body's sentence windows (the combiner reads both)
    model_windows: dict[str, tuple[float, int, str]] = field(default_factory=dict)
    # theme → the combiner's inputs (pipeline/tagging/combiner.INPUTS) and "p", its probability
    combined: dict[str, dict[str, float]] = field(default_factory=dict)



def choose(ratios: dict[str, float], assign: Assign) -> list[str]:
    """Themes of a relevant text: every theme whose own score reaches its own threshold
    (multi-label), listed by score / threshold, the highest (the main theme) first.
    ``assign.secondary`` > 1 asks more of every theme but the main one (legacy; 1 = none)."""
    order = sorted(ratios, key=lambda k: -ratios[k])   # stable: taxonomy order on ties
    if not order:
        return []
    main = order[0]
    if ratios[main] < 1.0:
        if ratios[main] >= assign.fallback:
            return [main]
        return [assign.default] if assign.default else []
    return [main] + [k for k in order[1:] if ratios[k] >= max(assign.secondary, 1.0)]

def ratio(value: float, threshold: float) -> float:
    value = round(value, 6)
    if threshold <= 0:
        return math.inf if value >= threshold else 0.0
    return value / threshold

