"""Read-only figures the desk shows beside the queue: the next report due and the gaps in its
period (issue 16, the same as ``cds status``: ``results.service.deadline``), and the tagger's
quality against the themes editors locked (issue 20, the same as ``cds tag --evaluate`` and
``--suggest``: ``tag_learn``). Plain data for the templates; the words are in the templates."""

from __future__ import annotations

from datetime import date, datetime

from pipeline import config as config_mod
from pipeline.core.errors import ConfigError
from pipeline.core.models import Article, Config
from pipeline.tagging import tag_learn
from pipeline.tagging.tag import Taxonomy


def report_due(config: Config, articles: list[Article], today: date | None = None) -> dict:
    """``results.service.deadline`` with the failing sources' names."""
    from pipeline.results import service
    today = today or datetime.now(config_mod.timezone(config)).date()
    info = service.deadline(config, articles, today)
    names = {s.id: s.name for s in config.sources}
    info["failing_names"] = [names.get(s, s) for s in info["failing"]]
    return info


def tag_quality(root, articles: list[Article]) -> dict:
    """``{"error"}`` when ``taxonomy.yml`` cannot be read, else ``evaluation`` (the
    ``as_dict()`` of :func:`tag_learn.evaluate`), ``suggestions`` (``tag_learn.suggest``),
    ``names`` (theme id → name) and ``source`` (the taxonomy file)."""
    try:
        taxonomy = Taxonomy.load(root)
    except ConfigError as exc:
        return {"error": str(exc)}
    ev = tag_learn.evaluate(articles, taxonomy)
    return {"evaluation": ev.as_dict(), "suggestions": tag_learn.suggest(articles, taxonomy),
            "names": {c.id: c.name for c in taxonomy.themes}, "source": taxonomy.source,
            "error": ""}
