"""Text → the plan's themes, the three pillars, activity tags and the documents cited.

The taxonomy is data (``taxonomy.yml``: the root's copy, else the one shipped in
``pipeline/data/``), so editors tune it without touching code. Matching survives real Vietnamese:

- NFC, case folding, old and new tone placement (``hòa`` = ``hoà``) through
  :func:`pipeline.core.text.tone_key`; listed typos ("chuyên đổi số") are corrected first;
- a diacritic-folded fallback (:func:`pipeline.core.text.fold`) for text typed without marks, accepted
  only where the words carry no marks at all (so "sổ", "sở", "xổ" never pass for "số") and not
  inside a guard phrase ("xổ số", "sổ đỏ", "so với" …);
- a relevance gate: an article that mentions CĐS only in passing gets no theme.

``tag`` is pure: it never reads or writes anything. Whether its result is applied (editors win:
``themes_locked``/``locked``) is the caller's decision.

Public API::

    Taxonomy.load(root=None) -> Taxonomy       # <root>/taxonomy.yml, else the packaged default
    tag(title, body, taxonomy, date=None) -> Tagging   # date: the article's (published)
    explain(title, body, taxonomy, date=None) -> str   # why: every score and the phrases
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import yaml

from pipeline.core import docrefs
from pipeline.core.errors import ConfigError
from pipeline.core.models import PILLARS, THEMES, Tagging
from pipeline.core.text import fold, nfc, tone_key
from pipeline.core.yamlfile import FAST_LOADER
from pipeline.tagging import issuers
from pipeline.tagging.dates import as_date
from pipeline.tagging.explain import report
from pipeline.tagging.matching import WORD as _WORD
from pipeline.tagging.matching import Words
from pipeline.tagging.scoring import (
    Result,
    Score,
    Stance,
    activity_stance,
    choose,
    label,
    ratio,
    score_activity,
    score_theme,
    sentence_cues,
)

FILENAME = "taxonomy.yml"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# --- the taxonomy ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Phrase:
    """A phrase as the editor wrote it, with its matching forms and weight."""
    text: str
    words: tuple[str, ...]            # tone_key form, one entry a word
    folded: tuple[str, ...]           # fold() form
    weight: float = 1.0


@dataclass(frozen=True)
class Category:
    """A theme, a pillar or an activity tag."""
    id: str
    name: str
    description: str = ""
    threshold: float = 0.0
    phrases: tuple[Phrase, ...] = ()
    title: tuple[Phrase, ...] = ()       # count double when found in the title
    against: tuple[Phrase, ...] = ()     # subtract
    doc_ref_weight: float = 0.0          # per document cited (van-ban)
    context_bonus: float | None = None   # this theme's own context_bonus (None: the top one)
    needs_report: bool = True            # an activity: tagged only when the text reports it
                                         # (``activity_report``); false: any mention will do


@dataclass(frozen=True)
class Relevance:
    """The gate "this article is about CĐS"."""
    phrases: tuple[Phrase, ...]
    min_score: float = 5.0
    min_density: float = 1.2             # score per 100 words, when the title says nothing
    title_bonus: float = 4.0
    lead_score: float = 0.0              # a lead scoring this much counts like a CĐS title
                                         # for the density rule, and earns title_bonus / 2
    title_min_weight: float = 0.0        # a title "speaks of CĐS" with a phrase this heavy
    strong_min_score: float = 0.0        # a text whose best theme reaches strong_ratio × its
    strong_ratio: float = 0.0            # threshold needs only this CĐS score (0 = off)


@dataclass(frozen=True)
class ActivityReport:
    """Whether a text reports an activity that happened or announces one (a plan, a notice,
    a guidance) — ``activity_report:`` in taxonomy.yml. The sentences naming the activity
    (and ``window`` sentences after each) are read for cues: ``report`` phrases ("đã",
    "diễn ra", "thu hút") and a number before a ``counted`` word ("215 người") add, ``plan``
    phrases ("kế hoạch", "sẽ", "đề nghị") subtract, ``neutral`` phrases void the cues they
    overlap ("thực hiện kế hoạch"); each cue counts once a sentence."""
    report: tuple[Phrase, ...] = ()
    plan: tuple[Phrase, ...] = ()
    neutral: tuple[Phrase, ...] = ()
    counted: tuple[Phrase, ...] = ()
    counted_weight: float = 1.0
    window: int = 1
    first_weight: float = 1.0            # the title's and the first naming sentence's cues × this
    min_net: float = 1.0                 # report − plan cues needed beside the tag's threshold
    single: float = 0.0                  # a mention under the threshold is enough when the
                                         # net reaches this (0 = never)
    single_net: float = 0.0              # … or when the naming sentences and their window
                                         # report it this strongly with no plan cue (0 = never)
    date_after: float = 0.0              # an event dated after the article: a plan cue
    date_before: float = 0.0             # … on or before it: a report cue (0 = dates unread)
    after: tuple[Phrase, ...] = ()       # "sau" + the activity opening a sentence: its plan
                                         # cues are about what came next

    @property
    def enabled(self) -> bool:
        return bool(self.report or self.plan or self.counted)


@dataclass(frozen=True)
class Assign:
    """How themes are chosen from their scores (``ratio`` = score / threshold)."""
    default: str | None = None           # a relevant text with no theme over its threshold
    fallback: float = 1.0                # … gets its best theme when that ratio reaches this,
                                         # else ``default``
    secondary: float = 1.0               # a theme beside the main one needs this ratio


@dataclass(frozen=True)
class ModelSettings:
    """The model's second opinion (``model:`` in taxonomy.yml; :mod:`pipeline.tagging.model`)."""
    enabled: bool = True
    min_combined: float = 1.0            # < 1: a theme whose combined probability (the
                                         # combiner, pipeline/tagging/combiner.py: the model's
                                         # p on the whole text, best passage and best sentence
                                         # window, the rules' score, …) is ≥ this; 1 (the
                                         # default, round 10 shipped nothing): the combiner
                                         # off, round 8's rule below decides
    min_probability: float = 0.7         # round 8's rule (min_combined 1): a theme the model
                                         # gives the whole text p ≥ this
    min_passage: float = 0.8             # … or one passage (paragraph) of the body p ≥ this
                                         # (1: passages not read)
    min_relevance: float = 0.7           # a text is about CĐS when the model's relevance
                                         # classifier ("cds") gives p ≥ this and the rules found
                                         # a CĐS phrase (or the rules give a theme that reaches
                                         # its own threshold)

    @property
    def combined(self) -> bool:
        return self.min_combined < 1.0


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Category, ...]
    pillars: tuple[Category, ...]
    tags: tuple[Category, ...]
    relevance: Relevance
    typos: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    guards: tuple[Phrase, ...] = ()
    max_count: int = 3
    length_norm: int = 400               # bodies longer than this many words are scaled down
    source: str = FILENAME
    lead_words: int = 0                  # the lead: first paragraph, at most this many words
    lead_bonus: float = 0.0              # a theme phrase in the lead earns this × its weight
    assign: Assign = field(default_factory=Assign)
    blockers: tuple[Phrase, ...] = ()    # void any match they overlap ("chuyển đổi số hiệu")
    plan_ref: str = ""                   # the plan section the themes come from, for explain
    context_bonus: float = 0.0           # a theme phrase in a sentence that speaks of CĐS
                                         # earns this × its weight on top
    model: ModelSettings = field(default_factory=ModelSettings)
    root: str | None = None              # the root whose locked articles the model learns from
    activity_report: ActivityReport = field(default_factory=ActivityReport)

    @classmethod
    def load(cls, root: Path | str | None = None) -> Taxonomy:
        """``<root>/taxonomy.yml`` when present, else the packaged default.

        Raises :class:`ConfigError` listing every problem (file, key, what is wrong)."""
        if root is None:
            return cls.default()
        path = Path(root) / FILENAME
        taxonomy = replace(cls.from_file(path) if path.is_file() else cls.default(),
                           root=str(root))
        if taxonomy.model.enabled:
            # a new job: the model checks at first use whether the root's locked articles
            # changed since it was made (a long-running process learns them)
            from pipeline.tagging import model as theme_model
            theme_model.mark_stale(root)
        return taxonomy

    @classmethod
    def default(cls) -> Taxonomy:
        """The taxonomy shipped with the package (``pipeline/data/taxonomy.yml``)."""
        ref = resources.files("pipeline").joinpath("data", FILENAME)
        return cls.from_text(ref.read_text(encoding="utf-8"), source=f"pipeline/data/{FILENAME}")

    @classmethod
    def from_file(cls, path: Path | str) -> Taxonomy:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: cannot read: {err}") from None
        return cls.from_text(text, source=str(path))

    @classmethod
    def from_text(cls, text: str, source: str = FILENAME) -> Taxonomy:
        try:
            try:
                data = yaml.load(text, Loader=FAST_LOADER)     # libyaml: the same data, faster
            except yaml.YAMLError:
                data = yaml.safe_load(text)                     # Python's: its own messages
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            raise ConfigError(f"{source}:{where}: not valid YAML: {problem}") from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: object, source: str = FILENAME) -> Taxonomy:
        return _Reader(source).taxonomy(data)

    def theme(self, theme_id: str) -> Category | None:
        return next((c for c in self.themes if c.id == theme_id), None)


def _phrase(text: str, weight: float = 1.0) -> Phrase:
    key = tone_key(nfc(text))
    words = tuple(_WORD.findall(key))
    return Phrase(nfc(text).strip(), words, tuple(fold(w) for w in words), float(weight))


class _Reader:
    """Validates the YAML structure; collects every problem before raising."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def bad(self, where: str, what: str) -> None:
        self.problems.append(f"{self.source}: {where}: {what}")

    def number(self, value, where: str, default: float, *, positive: bool = False) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad(where, f"must be a number, not {value!r}")
            return default
        if positive and value <= 0:
            self.bad(where, f"must be greater than 0, not {value!r}")
            return default
        return float(value)

    def phrases(self, value, where: str) -> tuple[Phrase, ...]:
        """A mapping ``phrase: weight`` or a list of phrases (weight 1)."""
        if value is None:
            return ()
        if isinstance(value, list):
            items = [(p, 1) for p in value]
        elif isinstance(value, dict):
            items = list(value.items())
        else:
            self.bad(where, "must be a list of phrases or a mapping 'phrase: weight'")
            return ()
        out = []
        for text, weight in items:
            if not isinstance(text, str) or not _WORD.search(text):
                self.bad(where, f"{text!r} is not a phrase")
                continue
            w = self.number(weight, f"{where}.{text}", 1.0, positive=True)
            out.append(_phrase(text, w))
        return tuple(out)

    def flag(self, value, where: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.bad(where, f"must be true or false, not {value!r}")
            return default
        return value

    def keys(self, data: dict, allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.bad(where, f"unknown key {key!r} (expected one of: {', '.join(sorted(allowed))})")

    def categories(self, value, where: str, ids: tuple[str, ...] | None, *,
                   scored: bool) -> tuple[Category, ...]:
        if not isinstance(value, list):
            self.bad(where, "must be a list")
            return ()
        out: list[Category] = []
        allowed = {"id", "name", "description", "threshold", "phrases", "title", "against",
                   "doc_ref_weight", "context_bonus"} if scored else {"id", "name", "description", "phrases",
                                                     "threshold", "title", "against",
                                                     "needs_report"}
        for i, item in enumerate(value):
            here = f"{where}[{i}]"
            if not isinstance(item, dict):
                self.bad(here, "must be a mapping with id, name and phrases")
                continue
            cid = item.get("id")
            if isinstance(cid, str):
                here = f"{where}[{i}] ({cid})"
            if not isinstance(cid, str) or not _SLUG.fullmatch(cid):
                self.bad(here, f"id: {cid!r} must be an ASCII slug such as 'kinh-te-so'")
                continue
            if ids is not None and cid not in ids:
                self.bad(here, f"id: {cid!r} is not one of {', '.join(ids)}")
                continue
            if any(c.id == cid for c in out):
                self.bad(here, f"id: {cid!r} is used twice")
                continue
            self.keys(item, allowed, here)
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                self.bad(here, "name: a Vietnamese name is required")
                name = cid
            phrases = self.phrases(item.get("phrases"), f"{here}.phrases")
            if not phrases:
                self.bad(here, "phrases: at least one phrase is required")
            out.append(Category(
                id=cid, name=nfc(name).strip(),
                description=nfc(str(item.get("description") or "")).strip(),
                threshold=self.number(item.get("threshold"), f"{here}.threshold",
                                      5.0 if scored else 1.0),
                phrases=phrases,
                title=self.phrases(item.get("title"), f"{here}.title") or
                (() if scored else phrases),     # an activity named in the title counts double
                against=self.phrases(item.get("against"), f"{here}.against"),
                doc_ref_weight=self.number(item.get("doc_ref_weight"),
                                           f"{here}.doc_ref_weight", 0.0),
                context_bonus=None if item.get("context_bonus") is None else
                self.number(item.get("context_bonus"), f"{here}.context_bonus", 0.0),
                needs_report=self.flag(item.get("needs_report"), f"{here}.needs_report", True)))
        if ids is not None:
            for missing in (i for i in ids if not any(c.id == i for c in out)):
                if not any(f"({missing})" in p for p in self.problems):
                    self.bad(where, f"{missing} is missing")
        return tuple(out)

    def taxonomy(self, data: object) -> Taxonomy:
        if not isinstance(data, dict):
            raise ConfigError(f"{self.source}: must be a mapping with themes, pillars, tags")
        self.keys(data, {"version", "max_count", "length_norm", "lead_words", "lead_bonus",
                         "assign", "typos", "guards", "blockers", "relevance", "themes", "pillars", "tags",
                         "plan_ref", "context_bonus", "model", "activity_report"},
                  "top level")
        max_count = int(self.number(data.get("max_count"), "max_count", 3, positive=True))
        length_norm = int(self.number(data.get("length_norm"), "length_norm", 400, positive=True))
        lead_words = int(self.number(data.get("lead_words"), "lead_words", 0))
        lead_bonus = self.number(data.get("lead_bonus"), "lead_bonus", 0.0)
        context_bonus = self.number(data.get("context_bonus"), "context_bonus", 0.0)
        plan_ref = data.get("plan_ref") or ""
        if not isinstance(plan_ref, str):
            self.bad("plan_ref", "must be a text such as 'Kế hoạch 96/KH-UBND, mục II.1'")
            plan_ref = ""
        for key, value in (("lead_words", lead_words), ("lead_bonus", lead_bonus),
                           ("context_bonus", context_bonus)):
            if value < 0:
                self.bad(key, f"must be 0 or more, not {value:g}")
        typos = []
        raw = data.get("typos") or {}
        if not isinstance(raw, dict):
            self.bad("typos", "must be a mapping 'wrong: right'")
            raw = {}
        for wrong, right in raw.items():
            if not isinstance(wrong, str) or not isinstance(right, str) or \
                    not _WORD.search(wrong) or not _WORD.search(right):
                self.bad(f"typos.{wrong}", "must map a phrase to a phrase")
                continue
            typos.append((_phrase(wrong).words, _phrase(right).words))
        guards = self.phrases(data.get("guards"), "guards")
        blockers = self.phrases(data.get("blockers"), "blockers")
        rel = data.get("relevance")
        if not isinstance(rel, dict):
            self.bad("relevance", "must be a mapping with phrases and min_score")
            rel = {}
        self.keys(rel, {"phrases", "min_score", "min_density", "title_bonus", "lead_score",
                        "title_min_weight", "strong_min_score", "strong_ratio"}, "relevance")
        relevance = Relevance(
            phrases=self.phrases(rel.get("phrases"), "relevance.phrases"),
            min_score=self.number(rel.get("min_score"), "relevance.min_score", 5.0),
            min_density=self.number(rel.get("min_density"), "relevance.min_density", 1.2),
            title_bonus=self.number(rel.get("title_bonus"), "relevance.title_bonus", 4.0),
            lead_score=self.number(rel.get("lead_score"), "relevance.lead_score", 0.0),
            title_min_weight=self.number(rel.get("title_min_weight"),
                                         "relevance.title_min_weight", 0.0),
            strong_min_score=self.number(rel.get("strong_min_score"),
                                         "relevance.strong_min_score", 0.0),
            strong_ratio=self.number(rel.get("strong_ratio"), "relevance.strong_ratio", 0.0))
        if not relevance.phrases:
            self.bad("relevance.phrases", "at least one phrase is required")
        themes = self.categories(data.get("themes"), "themes", THEMES, scored=True)
        pillars = self.categories(data.get("pillars") or [], "pillars", PILLARS, scored=True) \
            if "pillars" in data else ()
        tags = self.categories(data.get("tags") or [], "tags", None, scored=False)
        for i, c in enumerate(tags):
            if c.id in (*THEMES, *PILLARS, "cds"):
                self.bad(f"tags[{i}] ({c.id})", "id: already the id of a theme or a pillar")
        assign = self.assign(data.get("assign"))
        model = self.model(data.get("model"))
        activity_report = self.activity_report(data.get("activity_report"))
        if self.problems:
            raise ConfigError(self.problems)
        return Taxonomy(themes, pillars, tags, relevance, tuple(typos), guards, max_count,
                        length_norm, self.source, lead_words, lead_bonus, assign, blockers,
                        " ".join(nfc(plan_ref).split()), context_bonus, model,
                        activity_report=activity_report)

    def activity_report(self, value) -> ActivityReport:
        if value is None:
            return ActivityReport()
        where = "activity_report"
        if not isinstance(value, dict):
            self.bad(where, "must be a mapping with report, plan, neutral, counted, window, "
                     "min_net, single")
            return ActivityReport()
        self.keys(value, {"report", "plan", "neutral", "counted", "counted_weight", "window",
                          "first_weight", "min_net", "single", "single_net", "date_after",
                          "date_before", "after"}, where)
        out = {key: self.phrases(value.get(key), f"{where}.{key}")
               for key in ("report", "plan", "neutral", "counted", "after")}
        seen: dict[tuple[str, ...], str] = {}
        for key in ("report", "plan", "neutral"):
            for p in out[key]:
                if p.words in seen and seen[p.words] != key:
                    self.bad(f"{where}.{key}", f"{p.text!r} is also in {seen[p.words]}")
                seen[p.words] = key
        window = self.number(value.get("window"), f"{where}.window", 1.0)
        if window < 0 or window != int(window):
            self.bad(f"{where}.window", f"must be a whole number 0 or more, not {window:g}")
            window = 1.0
        numbers = {key: self.number(value.get(key), f"{where}.{key}", default)
                   for key, default in (("counted_weight", 1.0), ("first_weight", 1.0),
                                        ("min_net", 1.0), ("single", 0.0), ("single_net", 0.0),
                                        ("date_after", 0.0), ("date_before", 0.0))}
        for key, v in numbers.items():
            if v < 0:
                self.bad(f"{where}.{key}", f"must be 0 or more, not {v:g}")
        return ActivityReport(window=int(window), **out, **numbers)

    def model(self, value) -> ModelSettings:
        if value is None:
            return ModelSettings()
        if not isinstance(value, dict):
            self.bad("model", "must be a mapping with enabled, min_combined, min_probability, "
                     "min_passage, min_relevance")
            return ModelSettings()
        self.keys(value, {"enabled", "min_combined", "min_probability", "min_passage",
                          "min_relevance"}, "model")
        enabled = value.get("enabled", True)
        if not isinstance(enabled, bool):
            self.bad("model.enabled", f"must be true or false, not {enabled!r}")
            enabled = False
        out = {}
        for key, default in (("min_combined", 1.0), ("min_probability", 0.7),
                             ("min_passage", 0.8), ("min_relevance", 0.7)):
            v = self.number(value.get(key), f"model.{key}", default, positive=True)
            if v > 1:
                self.bad(f"model.{key}", f"must be a probability between 0 and 1, not {v:g}")
                v = default
            out[key] = v
        return ModelSettings(enabled, **out)

    def assign(self, value) -> Assign:
        if value is None:
            return Assign()
        if not isinstance(value, dict):
            self.bad("assign", "must be a mapping with default, fallback, secondary")
            return Assign()
        self.keys(value, {"default", "fallback", "secondary"}, "assign")
        default = value.get("default")
        if default is not None and default not in THEMES:
            self.bad("assign.default", f"{default!r} is not one of {', '.join(THEMES)}")
            default = None
        return Assign(default=default,
                      fallback=self.number(value.get("fallback"), "assign.fallback", 1.0,
                                           positive=True),
                      secondary=self.number(value.get("secondary"), "assign.secondary", 1.0,
                                            positive=True))


# --- text helpers -----------------------------------------------------------------------------

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_TAG = re.compile(r"<[^>]{0,500}>")


def _plain(text: str) -> str:
    """Markdown/HTML → words only: no image syntax, link targets, bare addresses or tags."""
    text = html.unescape(nfc(text or ""))
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    return _URL.sub(" ", text)



# --- running the tagger -----------------------------------------------------------------------

_PARAGRAPH = re.compile(r"\n\s*\n|\n")
_LEAD_MIN_WORDS = 12        # shorter first lines are datelines, captions, bylines


def _lead(body: str, taxonomy: Taxonomy) -> Words | None:
    """The lead (sapo): the first paragraph of real text, at most ``lead_words`` words."""
    if not taxonomy.lead_words:
        return None
    for para in _PARAGRAPH.split(_plain(body or "")):
        words = _WORD.findall(para)
        if len(words) >= _LEAD_MIN_WORDS:
            return Words(" ".join(words[:taxonomy.lead_words]), taxonomy)
    return None


def _run(title: str, body: str, taxonomy: Taxonomy, model=None, date=None) -> Result:
    t = Words(_plain(title or ""), taxonomy)
    b = Words(_plain(body or ""), taxonomy)
    lead = _lead(body, taxonomy)
    cap = taxonomy.max_count
    nwords = max(len(t) + len(b), 1)
    scale = 1.0 if len(b) <= taxonomy.length_norm else math.sqrt(taxonomy.length_norm / len(b))
    refs = docrefs.find_refs(_plain(f"{title or ''}\n{body or ''}"))

    rel = Score()
    title_hit = False
    mentions = 0.0                       # uncapped: how thick CĐS is in the text
    in_title = t.count_longest(taxonomy.relevance.phrases)
    in_body = b.count_longest(taxonomy.relevance.phrases)
    for p in taxonomy.relevance.phrases:
        nt, ft = in_title[p]
        nb, fb = in_body[p]
        if nt + nb:
            rel.add(label(p, nt + nb, ft + fb), p.weight * min(nt + nb, cap))
            mentions += p.weight * (nt + nb)
            title_hit = title_hit or (nt > 0 and p.weight >= taxonomy.relevance.title_min_weight)
    density = 100.0 * mentions / nwords
    if title_hit:
        rel.add("tiêu đề nói về chuyển đổi số", taxonomy.relevance.title_bonus)
    lead_hit = False
    if lead is not None and taxonomy.relevance.lead_score and not title_hit:
        in_lead = sum(p.weight * min(n, cap)
                      for p, (n, _) in lead.count_longest(taxonomy.relevance.phrases).items())
        lead_hit = in_lead >= taxonomy.relevance.lead_score
        if lead_hit:
            rel.add("phần mở đầu nói về chuyển đổi số", taxonomy.relevance.title_bonus / 2)
    cds_sentences = {b.sent[i] for p in taxonomy.relevance.phrases if p.weight >= 1
                     for i, _ in b.found(p)}
    # the theme that counts documents cited (van-ban) counts central and provincial ones only:
    # neither a local unit's own numbered plan nor the phrases of a sentence about one
    skip = (issuers.local_sentences(t), issuers.local_sentences(b),
            issuers.local_sentences(lead) if lead is not None else set())
    higher = issuers.counted_refs(refs, t, b)
    themes = {c.id: score_theme(c, t, b, cap, len(higher if c.doc_ref_weight else refs), scale,
                                lead, taxonomy.lead_bonus, cds_sentences,
                                taxonomy.context_bonus if c.context_bonus is None
                                else c.context_bonus, skip if c.doc_ref_weight else None)
              for c in taxonomy.themes}
    # a theme's own evidence well over its threshold lowers the CĐS score needed (a success
    # story told in its own words, dense in CĐS vocabulary but naming CĐS once)
    rv = taxonomy.relevance
    strong = bool(rv.strong_ratio) and rel.value >= rv.strong_min_score and max(
        (ratio(themes[c.id].value, c.threshold) for c in taxonomy.themes), default=0.0
    ) >= rv.strong_ratio
    relevant = (rel.value >= rv.min_score or strong) and (
        title_hit or lead_hit or density >= rv.min_density)
    pillars = {c.id: score_theme(c, t, b, cap, 0, scale) for c in taxonomy.pillars}
    tags: dict[str, list[str]] = {}
    tag_scores: dict[str, Score] = {}
    stances: dict[str, Stance] = {}
    ar = taxonomy.activity_report
    cues: tuple[dict, dict] | None = None
    for c in taxonomy.tags:
        hits = [p.text for p in c.phrases if t.count(p)[0] or b.count(p)[0]]
        if hits:
            tags[c.id] = hits
            tag_scores[c.id] = score_activity(c, t, b, cap, lead, taxonomy.lead_bonus)
            if ar.enabled and c.needs_report:
                if cues is None:
                    published = as_date(date)
                    cues = (sentence_cues(t, ar, title=True, published=published),
                            sentence_cues(b, ar, published=published))
                stances[c.id] = activity_stance(c, t, b, ar, *cues)

    tagging = Tagging(doc_refs=refs)
    tagging.scores["cds"] = round(rel.value, 2)
    tagging.evidence["cds"] = list(rel.lines)
    for group, cats, out in (("themes", taxonomy.themes, tagging.themes),
                             ("pillars", taxonomy.pillars, tagging.pillars)):
        scores = themes if group == "themes" else pillars
        for c in cats:
            sc = scores[c.id]
            tagging.scores[c.id] = round(sc.value, 2)
            tagging.evidence[c.id] = list(sc.lines)
            if group == "pillars" and relevant and round(sc.value, 6) >= c.threshold:
                out.append(c.id)
    if relevant:
        tagging.themes = choose({c.id: ratio(themes[c.id].value, c.threshold)
                                  for c in taxonomy.themes}, taxonomy.assign)
    probs: dict[str, float] = {}
    model_themes: list[str] = []
    best_passages: dict[str, tuple[float, int, str]] = {}
    best_windows: dict[str, tuple[float, int, str]] = {}
    combined: dict[str, dict[str, float]] = {}
    if taxonomy.model.enabled:
        # each theme on its own evidence: the rules' phrases reaching the theme's threshold, or
        # the combiner's probability ≥ min_combined (round 10: the model's p on the whole text,
        # its best passage and its best sentence window, the rules' score, the relevance p and
        # the strongest other theme, weighed by pipeline/tagging/combiner.py; with min_combined
        # 1, round 8's rule: the model's p ≥ min_probability on the whole text or ≥ min_passage
        # on one passage). The text is about CĐS when one such rules theme exists or the
        # model's relevance classifier gives p ≥ min_relevance. The model reads folded text (no
        # marks), so it needs some CĐS phrase the rules found (their guards keep "sổ đỏ" from
        # passing for "số"). A rules theme given only as the fallback / default (below its
        # threshold) needs the model's relevance; a text the model lets in with no theme of its
        # own gets its best theme.
        from pipeline.tagging import model as theme_model
        if model is None:
            model = theme_model.for_root(taxonomy.root)
        probs = model.proba(title, body)
        ms = taxonomy.model
        sure = [c for c in tagging.themes
                if ratio(themes[c].value, taxonomy.theme(c).threshold) >= 1.0]
        top = max(THEMES, key=lambda th: probs.get(th, 0.0))
        if sure or (probs.get(theme_model.RELEVANT, 0.0) >= ms.min_relevance and rel.value > 0):
            if ms.combined:
                from pipeline.tagging import combiner
                best_passages = model.best_passages(title, body)
                best_windows = model.best_windows(title, body)
                weights = combiner.load()
                ratios = _ratios(tagging.themes, themes, taxonomy)
                passage = {k: p for k, (p, _, _) in best_passages.items()}
                window = {k: p for k, (p, _, _) in best_windows.items()}
                for th in THEMES:
                    x = combiner.inputs(th, probs, passage, window, ratios)
                    combined[th] = {**x, "p": weights.probability(th, x)}
                model_themes = sorted((th for th in THEMES if th not in sure and
                                       combined[th]["p"] >= ms.min_combined),
                                      key=lambda th: -combined[th]["p"])
            else:
                if ms.min_passage < 1.0 and len(theme_model.passages(body)) > 1:
                    best_passages = model.best_passages(title, body)   # (one: the whole)
                by_passage = {th for th, (p, _, _) in best_passages.items()
                              if th in THEMES and p >= ms.min_passage}
                model_themes = sorted((th for th in THEMES if th not in sure and (
                    probs.get(th, 0.0) >= ms.min_probability or th in by_passage)),
                    key=lambda th: -probs[th])
            if not sure and not model_themes:
                model_themes = [top]
            rules_kept = [c for c in tagging.themes if c in sure]
            tagging.themes = rules_kept + model_themes
            relevant = True
        else:
            tagging.themes = []
            tagging.pillars = []
            relevant = False
    if relevant:
        tagging.tags = [c.id for c in taxonomy.tags
                        if c.id in tags and _reported(c, tag_scores[c.id], stances.get(c.id), ar)]
    for cid, hits in tags.items():
        tagging.evidence[cid] = [f"«{h}»" for h in hits]
    return Result(tagging, rel, relevant, density, title_hit, nwords, themes, pillars, tags,
                   t, b, tag_scores, probs, model_themes, best_passages, stances, best_windows,
                   combined)


def _ratios(rules_themes: list[str], scores: dict[str, Score],
            taxonomy: Taxonomy) -> dict[str, float]:
    """Each theme's rules score / threshold, or 0 for every theme when the rules gave the text
    no theme (their relevance gate said no): the combiner's ``ratio`` input."""
    if not rules_themes:
        return dict.fromkeys(scores, 0.0)
    return {c.id: ratio(scores[c.id].value, c.threshold) for c in taxonomy.themes}


def rules_ratios(title: str, body: str, taxonomy: Taxonomy) -> dict[str, float]:
    """The combiner's ``ratio`` input per theme, by the rules alone (for fitting the
    combiner: :mod:`pipeline.tagging.stacking`)."""
    rules = replace(taxonomy, model=replace(taxonomy.model, enabled=False))
    r = _run(title, body, rules)
    return _ratios(r.tagging.themes, r.themes, taxonomy)


def _reported(c: Category, score: Score, stance: Stance | None, ar: ActivityReport) -> bool:
    """An activity is tagged when its phrases reach its threshold and the sentences naming it
    report it (report cues − plan cues ≥ ``min_net``, or no cue either way: a news item's
    plain "X tổ chức Y"), or, with ``single`` set, when the sentences naming it report it
    that strongly even under the threshold (one mention in a report); or, with ``single_net``
    set, when the sentences naming it carry no plan cue and they and the ``window`` after
    them report it by at least that much (a report that names the activity once)."""
    if stance is None:                   # no cues configured, or needs_report: false
        return round(score.value, 6) >= c.threshold
    if round(score.value, 6) >= c.threshold and (
            stance.net >= ar.min_net or not (stance.report or stance.plan)):
        return True
    if ar.single_net and not stance.plan and stance.net >= ar.single_net:
        return True
    return bool(ar.single) and stance.named_net >= ar.single


def tag(title: str, body: str, taxonomy: Taxonomy, *, model=None, date=None) -> Tagging:
    """Themes, pillars, activity tags and document references of an article. Pure.

    ``date``: the article's date (its ``published``: a ``date``, a ``datetime`` or an ISO
    string); an activity the text dates after it is announced, not reported
    (``activity_report.date_after``). None: the text alone decides.

    ``model``: what gives the model's opinion (``proba(title, body)``,
    ``best_passages(title, body)``) when ``taxonomy.model`` is enabled; default the root's
    (:func:`pipeline.tagging.model.for_root`). ``cds tag --evaluate`` passes one that did not
    learn from the article (:mod:`pipeline.tagging.oof`).

    ``scores`` holds the CĐS relevance (``"cds"``) and every theme's and pillar's score;
    ``evidence`` the phrases that earned them. An article that is not about CĐS (the relevance
    gate) gets no theme, pillar or activity tag, but its ``doc_refs`` are still listed."""
    return _run(title, body, taxonomy, model, date).tagging



def old_rule_tags(title: str, body: str, taxonomy: Taxonomy) -> set[str]:
    """The activity tags whose phrases reach their threshold, whether the text reports them or
    not: what the tagger gave before round 9 (``cds tag`` presumes them its own on an article
    written before ``tags_auto`` existed; :mod:`pipeline.core.tagsource`)."""
    t, b = Words(_plain(title or ""), taxonomy), Words(_plain(body or ""), taxonomy)
    lead = _lead(body, taxonomy)
    return {c.id for c in taxonomy.tags
            if round(score_activity(c, t, b, taxonomy.max_count, lead,
                                    taxonomy.lead_bonus).value, 6) >= c.threshold}


def explain(title: str, body: str, taxonomy: Taxonomy, *, date=None) -> str:
    """A report for editors (in Vietnamese): every score and the phrases that earned it."""
    return report(_run(title, body, taxonomy, date=date), title, taxonomy)
