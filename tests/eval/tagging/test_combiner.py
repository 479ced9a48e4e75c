"""The tagger's combiner weights (pipeline/data/tagging_combiner.json) are what
``python -m pipeline.tagging.stacking`` makes from the shipped training sets: current (made from
these sets and settings) and reproduced by a refit (about 9 model fits: a minute or two)."""

from __future__ import annotations

import math

from pipeline.core.models import THEMES
from pipeline.tagging import combiner, stacking


def test_the_shipped_weights_were_made_from_the_shipped_sets():
    shipped = combiner.load()
    assert shipped.meta["source"] == stacking.source_digest(), (
        "the training sets or the combiner's settings changed: run "
        "`.venv/bin/python -m pipeline.tagging.stacking` and commit the new weights")
    assert shipped.meta["free_sets"] == list(stacking.FREE_SETS)
    assert shipped.meta["c"] == stacking.C


def test_a_refit_reproduces_the_shipped_weights():
    shipped, made = combiner.load(), stacking.fit()
    assert made.meta == shipped.meta
    for th in THEMES:
        for a, b in zip((*made.weights[th], made.intercepts[th]),
                        (*shipped.weights[th], shipped.intercepts[th]), strict=True):
            assert math.isclose(a, b, abs_tol=1e-6), (th, a, b)


def test_the_combiner_reads_its_inputs_as_documented():
    """The best passage is evidence for a theme (positive weight, for every theme); the combined
    probability is the logistic of the weighted inputs."""
    c = combiner.load()
    x = dict.fromkeys(combiner.INPUTS, 0.0)
    for th in THEMES:
        assert c.weights[th][combiner.INPUTS.index("passage")] > 0, th
        assert c.probability(th, x) == 1 / (1 + math.exp(-c.intercepts[th]))
        up = {**x, "passage": 1.0}
        assert c.probability(th, up) > c.probability(th, x)
    probs = {"nhan-thuc": 0.9, "trach-nhiem": 0.2, "van-ban": 0.5, "dien-hinh": 0.01, "cds": 0.97}
    got = combiner.inputs("van-ban", probs, {"van-ban": 0.8}, {}, {"van-ban": 4.0})
    assert got["whole"] == 0.0 and got["window"] == 0.0             # a missing window: whole p
    assert math.isclose(got["passage"], math.log(0.8 / 0.2))
    assert got["ratio"] == combiner.RATIO_CAP and got["over"] == 1.0
    assert math.isclose(got["other"], math.log(0.9 / 0.1))
    assert math.isclose(combiner.inputs("dien-hinh", probs, {}, {}, {})["whole"],
                        math.log(0.01 / 0.99))
