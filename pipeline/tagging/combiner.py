"""The tagger's combiner (round 10): one small logistic regression per theme over the evidence
of both sides.

A theme's seven inputs (:data:`INPUTS`):

- ``whole``, ``passage``, ``window``: the logits of the model's p for the theme on the whole
  text, on the body's best passage (a paragraph) and on its best sentence window (a sentence,
  short ones joined up to 12 words), each read with the title;
- ``ratio``: the rules' phrase score / the theme's threshold, capped at 3 (0 when the rules'
  own relevance gate let the text in with no theme), and ``over``: 1 when that ratio reaches 1;
- ``cds``: the logit of the model's "about CĐS at all" p;
- ``other``: the highest logit among the other themes' whole-text p (a strong other theme
  counts against a theme that has no evidence of its own).

The combined probability is ``sigmoid(w · inputs + b)``; the tagger gives the theme when it
reaches ``model.min_combined`` in taxonomy.yml. The weights are fitted on *leave-one-set-out*
probabilities (each set scored by a model that did not learn from it: the p a new text gets),
so they say how far each piece of evidence can be trusted on unseen text. They are data,
``pipeline/data/tagging_combiner.json``, made by ``python -m pipeline.tagging.stacking``
(``tests/eval/tagging/test_combiner.py`` checks it reproduces them); they are not refitted per
root (a root's locked articles move the model, not how its evidence is weighed).

Public API::

    INPUTS, RATIO_CAP
    inputs(theme, probs, passage, window, ratios) -> {input: value}
    Combiner.probability(theme, inputs) -> float
    load() -> Combiner                    # the shipped weights (cached)
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from importlib import resources

from pipeline.core.errors import ConfigError
from pipeline.core.models import THEMES

FILE = ("data", "tagging_combiner.json")
FORMAT = 1
INPUTS = ("whole", "passage", "window", "ratio", "over", "cds", "other")
RATIO_CAP = 3.0
RELEVANT = "cds"
_EPS = 1e-4


def logit(p: float) -> float:
    """log(p / (1 − p)), p clipped to [1e-4, 1 − 1e-4]."""
    p = min(max(p, _EPS), 1.0 - _EPS)
    return math.log(p / (1.0 - p))


def inputs(theme: str, probs: dict[str, float], passage: dict[str, float],
           window: dict[str, float], ratios: dict[str, float]) -> dict[str, float]:
    """The combiner's inputs for ``theme``: ``probs`` the model's p per output on the whole
    text; ``passage`` / ``window`` the best passage's / sentence window's p per output (an
    output missing there — an empty body — takes the whole text's p); ``ratios`` the rules'
    score / threshold per theme (0 each when the rules gave the text no theme)."""
    r = ratios.get(theme, 0.0)
    return {"whole": logit(probs[theme]),
            "passage": logit(passage.get(theme, probs[theme])),
            "window": logit(window.get(theme, probs[theme])),
            "ratio": min(r, RATIO_CAP),
            "over": float(r >= 1.0),
            "cds": logit(probs[RELEVANT]),
            "other": max(logit(probs[t]) for t in THEMES if t != theme)}


@dataclass(frozen=True)
class Combiner:
    """Per theme, the weights of :data:`INPUTS` and the intercept."""
    weights: dict[str, tuple[float, ...]]
    intercepts: dict[str, float]
    meta: dict = field(default_factory=dict)     # how they were made (C, sets, source digest)

    def probability(self, theme: str, x: dict[str, float]) -> float:
        z = self.intercepts[theme] + sum(
            w * x[name] for w, name in zip(self.weights[theme], INPUTS, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict:
        return {"format": FORMAT, "inputs": list(INPUTS), **self.meta,
                "themes": {th: {"weights": list(self.weights[th]),
                                "intercept": self.intercepts[th]} for th in THEMES}}

    @classmethod
    def from_json(cls, data: dict, source: str = "tagging_combiner.json") -> Combiner:
        try:
            if data.get("format") != FORMAT or tuple(data["inputs"]) != INPUTS:
                raise ValueError("another format or other inputs")
            weights = {th: tuple(float(w) for w in data["themes"][th]["weights"])
                       for th in THEMES}
            intercepts = {th: float(data["themes"][th]["intercept"]) for th in THEMES}
            if any(len(w) != len(INPUTS) for w in weights.values()):
                raise ValueError(f"{len(INPUTS)} weights a theme expected")
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ConfigError(f"{source}: not the combiner's weights: {err}") from None
        meta = {k: v for k, v in data.items() if k not in ("format", "inputs", "themes")}
        return cls(weights, intercepts, meta)


@functools.cache
def load() -> Combiner:
    """The weights shipped in ``pipeline/data/tagging_combiner.json``."""
    ref = resources.files("pipeline").joinpath(*FILE)
    source = "pipeline/" + "/".join(FILE)
    try:
        data = json.loads(ref.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"{source}: cannot read: {err}") from None
    return Combiner.from_json(data, source)
