"""Read-only figures the desk shows beside the queue: the next report due and the gaps in its
period (issue 16, the same as ``cds status``: ``results.service.deadline``), and the tagger's
quality against the themes editors locked (issue 20, the same as ``cds tag --evaluate`` and
``--suggest``: ``tag_learn``). Plain data for the templates; the words are in the templates."""

from __future__ import annotations

from datetime import date, datetime

from pipeline import config as config_mod
from pipeline.core.errors import ConfigError
from pipeline.core.models import Article, Config
from pipeline.tagging import oof, tag_learn
from pipeline.tagging.tag import Taxonomy


def report_due(config: Config, articles: list[Article], today: date | None = None) -> dict:
    """``results.service.deadline`` with the failing sources' names."""
    from pipeline.results import service
    today = today or datetime.now(config_mod.timezone(config)).date()
    info = service.deadline(config, articles, today)
    names = {s.id: s.name for s in config.sources}
    info["failing_names"] = [names.get(s, s) for s in info["failing"]]
    return info


def tag_quality(root, articles: list[Article], evaluator=None, *, retry: bool = False) -> dict:
    """``{"error"}`` when ``taxonomy.yml`` cannot be read, else ``evaluation`` (the
    ``as_dict()`` of :func:`tag_learn.evaluate`, out of fold), ``suggestions``
    (``tag_learn.suggest``), ``names`` (theme id → name) and ``source`` (the taxonomy file).

    With the model on, the evaluation needs each locked article's out-of-fold opinion
    (:mod:`pipeline.tagging.oof`). When they are not cached, fitting them takes about a minute:
    the request does not wait. ``evaluator`` (a :class:`jobs.Builder` of ``cds tag
    --evaluate``) is started, which caches them, and ``pending`` holds its state
    (``{"running", "elapsed", "ok", "lines", "locked", "folds"}``): the page says "đang tính…"
    and reloads. A run that failed is shown, and started again only on ``retry``."""
    try:
        taxonomy = Taxonomy.load(root)
    except ConfigError as exc:
        return {"error": str(exc)}
    out = {"suggestions": tag_learn.suggest(articles, taxonomy),
           "names": {c.id: c.name for c in taxonomy.themes}, "source": taxonomy.source,
           "error": "", "pending": None, "evaluation": None}
    locked = tag_learn.labelled(articles)
    cached = None
    if taxonomy.model.enabled and locked:
        cached = oof.cached(locked, root)
        if cached is None and evaluator is not None:
            state = evaluator.status()
            failed = state["finished"] is not None and not state["ok"] and not state["running"]
            if not failed or retry:
                evaluator.start()
                state = evaluator.status()
            out["pending"] = {**state, "locked": len(locked),
                              "folds": len(set(oof.fold_of(a.id for a in locked).values()))}
            return out
    out["evaluation"] = tag_learn.evaluate(locked, taxonomy, out_of_fold=cached).as_dict()
    return out
