"""Out-of-fold opinions of the tagger's model on the editor-locked articles, for honest figures.

The model the tagger uses (:func:`pipeline.tagging.model.for_root`) learns from every article
whose themes an editor locked; scoring it on those same articles measures how well it remembers
them, not how it tags a new one. ``cds tag --evaluate`` (and the desk's quality page) therefore
tag each locked article with the rules and a model that did **not** learn from it:

- the locked articles are split into folds: with at most :data:`MAX_FOLDS` of them, each article
  is its own fold (leave-one-out); with more, an article's fold is a hash of its id modulo
  :data:`MAX_FOLDS` (it keeps its fold as others are added, and reruns give the same figures);
- for each fold one model is fitted on the shipped training sets plus the locked articles of the
  other folds (:func:`pipeline.tagging.model.train`, the same fit as the real model), and it
  gives that fold's articles their probabilities (whole text, best passage and best sentence
  window: what the tagger's combiner reads);
- at most :data:`MAX_FOLDS` fits, whatever the number of locked articles: a fit over the shipped
  sets takes a few seconds of CPU, so leave-one-out over fifty articles would take minutes.

The probabilities are kept in ``<root>/.cds/tagger-oof.json`` (written atomically) under the
same kind of digest as ``tagger-model.npz`` (:func:`pipeline.tagging.model.digest`: the shipped
sets, the locked articles — here with their ids, which choose the folds —, the model's settings
and code, plus this module's code and fold scheme). A second evaluation with nothing changed reads
them and fits nothing; a changed locked article, training set or model code computes them again.
The rules part is not cached: it is cheap, and ``taxonomy.yml`` edits show at once.

Public API::

    MAX_FOLDS, CACHE_FILE
    fold_of(ids) -> {id: fold}
    key(articles) -> str                       # the digest the cache is kept under
    cached(articles, root) -> OutOfFold | None # only from the cache: never fits
    predictions(articles, root) -> OutOfFold   # from the cache, else fitted (and cached)
    OutOfFold.model_for(article_id)            # a stand-in for tag(..., model=)
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.fileio import write_atomic
from pipeline.core.models import Article
from pipeline.tagging import model as theme_model

CACHE_FILE = "tagger-oof.json"        # in <root>/.cds/
FORMAT = 2                            # 2: the best sentence windows too (round 10)
MAX_FOLDS = 5
_MEMO_KEPT = 4                        # per process, for a root of None (tests, library use)


def fold_of(ids: Iterable[str]) -> dict[str, int]:
    """Each article's fold: leave-one-out (its rank by id) for at most MAX_FOLDS articles, else
    the first 8 bytes of the SHA-256 of its id modulo MAX_FOLDS."""
    ids = sorted(set(ids))
    if len(ids) <= MAX_FOLDS:
        return {a: k for k, a in enumerate(ids)}
    return {a: int(hashlib.sha256(a.encode("utf-8")).hexdigest()[:16], 16) % MAX_FOLDS
            for a in ids}


@dataclass
class Prediction:
    """One article's out-of-fold opinion: the whole text's probabilities, and per output the
    body passage and the sentence window rated highest (p, its number from 1) as
    ``ThemeModel.best_passages`` / ``best_windows`` give them."""
    proba: dict[str, float]
    passages: dict[str, tuple[float, int]]
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)


class _Frozen:
    """Answers for one article with its out-of-fold numbers, as the model would."""

    def __init__(self, pred: Prediction):
        self.pred = pred

    def proba(self, title: str, body: str) -> dict[str, float]:
        return dict(self.pred.proba)

    def best_passages(self, title: str, body: str) -> dict[str, tuple[float, int, str]]:
        return self._parts(self.pred.passages, theme_model.passages(body))

    def best_windows(self, title: str, body: str) -> dict[str, tuple[float, int, str]]:
        return self._parts(self.pred.windows, theme_model.windows(body))

    @staticmethod
    def _parts(best: dict[str, tuple[float, int]],
               parts: list[str]) -> dict[str, tuple[float, int, str]]:
        return {name: (p, k, parts[k - 1]) for name, (p, k) in best.items()
                if 0 < k <= len(parts)}


@dataclass
class OutOfFold:
    key: str
    folds: int                          # folds that held an article (= fits when computed)
    fold_of: dict[str, int]
    predictions: dict[str, Prediction]
    fits: int = 0                       # models fitted to make these (0: read from the cache)
    leave_one_out: bool = field(default=False)

    def model_for(self, article_id: str) -> _Frozen:
        return _Frozen(self.predictions[article_id])


def _locked(articles: Iterable[Article]) -> list[Article]:
    return sorted((a for a in articles if a.themes_locked), key=lambda a: a.id)


def _code() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def key(articles: Iterable[Article]) -> str:
    """The digest the predictions are kept under (:func:`pipeline.tagging.model.digest` over
    the locked articles with their ids, the model's settings and this scheme)."""
    items = _locked(articles)
    settings = {**theme_model.ThemeModel().settings(),
                "out_of_fold": {"format": FORMAT, "max_folds": MAX_FOLDS, "code": _code()}}
    return theme_model.digest([[a.id, a.title, a.body, list(a.themes)] for a in items], settings)


def _path(root: Path | str | None) -> Path | None:
    return Path(root) / ".cds" / CACHE_FILE if root is not None else None


def _encode(oof: OutOfFold) -> bytes:
    return json.dumps({"format": FORMAT, "key": oof.key, "folds": oof.folds,
                       "leave_one_out": oof.leave_one_out,
                       "articles": {a: {"fold": oof.fold_of[a], "proba": p.proba,
                                        "passages": {k: list(v) for k, v in p.passages.items()},
                                        "windows": {k: list(v) for k, v in p.windows.items()}}
                                    for a, p in sorted(oof.predictions.items())}},
                      ensure_ascii=False, sort_keys=True).encode("utf-8")


def _decode(data: bytes, want: str) -> OutOfFold | None:
    try:
        raw = json.loads(data)
        if raw.get("format") != FORMAT or raw.get("key") != want:
            return None
        preds, folds = {}, {}
        for a, row in raw["articles"].items():
            folds[a] = int(row["fold"])
            preds[a] = Prediction({k: float(v) for k, v in row["proba"].items()},
                                  {k: (float(p), int(n)) for k, (p, n) in
                                   row["passages"].items()},
                                  {k: (float(p), int(n)) for k, (p, n) in
                                   row["windows"].items()})
        return OutOfFold(want, int(raw["folds"]), folds, preds, 0, bool(raw["leave_one_out"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None              # (UnicodeDecodeError is a ValueError)


_MEMO: dict[str, OutOfFold] = {}
_LOCK = threading.Lock()


def cached(articles: Iterable[Article], root: Path | str | None) -> OutOfFold | None:
    """The predictions for these locked articles if they are kept (on disk for a root, else in
    this process); None otherwise. Never fits."""
    items = _locked(articles)
    return _cached(items, key(items), _path(root))


def _cached(items: list[Article], want: str, path: Path | None) -> OutOfFold | None:
    with _LOCK:
        hit = _MEMO.get(want)
    if hit is not None:
        return hit
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    oof = _decode(data, want)
    if oof is not None and set(oof.predictions) != {a.id for a in items}:
        return None
    return oof


def predictions(articles: Iterable[Article], root: Path | str | None) -> OutOfFold:
    """Each locked article's out-of-fold probabilities: from the cache when nothing changed,
    else fitted (one model per fold) and kept (``<root>/.cds/``; a root of None: this process)."""
    items = _locked(articles)
    want = key(items)
    path = _path(root)
    oof = _cached(items, want, path)
    if oof is not None:
        return oof
    folds = fold_of(a.id for a in items)
    shipped = theme_model.shipped_examples()
    preds: dict[str, Prediction] = {}
    fits = 0
    for f in sorted(set(folds.values())):
        test = [a for a in items if folds[a.id] == f]
        train = shipped + [(a.title, a.body, list(a.themes)) for a in items if folds[a.id] != f]
        model = theme_model.train(train)
        fits += 1
        for a in test:
            best = model.best_passages(a.title, a.body)
            windows = model.best_windows(a.title, a.body)
            preds[a.id] = Prediction(model.proba(a.title, a.body),
                                     {name: (p, k) for name, (p, k, _) in best.items()},
                                     {name: (p, k) for name, (p, k, _) in windows.items()})
    oof = OutOfFold(want, fits, folds, preds, fits, len(items) <= MAX_FOLDS)
    if path is not None:
        try:
            write_atomic(path, _encode(oof))
        except OSError:
            pass                 # a read-only root: computed again next time
    else:
        with _LOCK:
            _MEMO[want] = oof
            while len(_MEMO) > _MEMO_KEPT:
                _MEMO.pop(next(iter(_MEMO)))
    return oof
