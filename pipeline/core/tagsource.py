"""Whose activity tags are they: the tagger's or an editor's (issue 20, round 10).

An article's front matter ``tags_auto`` lists the tags in ``tags`` the tagger added itself
(harvest, ``cds tag``). A tag in ``tags`` but not in ``tags_auto`` is an editor's (added by hand
or confirmed: the editor deleted it from ``tags_auto``, or locked the article in the desk) and
the tagger never removes it. A tag in ``tags_auto`` but no longer in ``tags`` is one an editor
deleted: the tagger never adds it again. Re-tagging removes a tag of the tagger's that the
current rules no longer give.

An article written before this record existed has no ``tags_auto``: the tags the tagger would
have given under the old rule (``legacy``: the activity's phrases reach its threshold, whether
the text reports it or not) are presumed the tagger's; any other tag is the editor's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

AUTO_KEY = "tags_auto"


def record(extra: dict) -> list[str] | None:
    """The tagger's record in an article's unknown front-matter keys; None when there is none
    (or it is not a list of words: then the tags are all the editor's)."""
    value = extra.get(AUTO_KEY)
    if value is None:
        return None
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str)]


def retagged(tags: Sequence[str], kept: list[str] | None, given: Iterable[str], *,
             legacy: Iterable[str] = (), remove: bool = True) -> tuple[list[str], list[str]]:
    """``(tags, record)`` after the tagger gives ``given`` to an article with ``tags`` and the
    record ``kept`` (None: none yet, the ``legacy`` tags are presumed the tagger's).
    ``remove``: drop a tagger's tag that is not given any more (``cds tag``); False: only add
    (a re-harvest)."""
    given = list(dict.fromkeys(given))
    auto = set(kept) if kept is not None else set(legacy) & set(tags)
    rejected = [x for x in (kept or []) if x not in tags]       # an editor deleted it
    out = [x for x in tags if x not in auto or x in given or not remove]
    added = [x for x in given if x not in out and x not in rejected]
    out += added
    mine = [x for x in out if x in auto or x in added] + rejected
    return out, mine


def with_record(extra: dict, mine: list[str], *, had: bool) -> dict:
    """``extra`` with the record ``mine``: written when it lists a tag or was there before
    (``had``); otherwise left out (an article the tagger gave no tag)."""
    out = dict(extra)
    if mine or had:
        out[AUTO_KEY] = list(mine)
    else:
        out.pop(AUTO_KEY, None)
    return out


def confirmed(extra: dict, tags: Sequence[str]) -> dict:
    """``extra`` with a record that lists none of ``tags``: every tag the article carries is
    the editor's now (the desk's lock, theme choice and edit); the tags an editor deleted stay
    recorded, so they are not added again."""
    out = dict(extra)
    kept = record(extra)
    if kept is None and not tags:
        return out
    out[AUTO_KEY] = [x for x in (kept or []) if x not in tags]
    return out
