"""The tagger's model beside the rules: TF-IDF + one logistic regression per theme.

Trained at first use (per process, cached) from

- the labelled texts shipped in ``pipeline/data/tagging_train/`` (the development sets of
  ``tests/eval/tagging/``, heldout6–8 included since round 6; a set kept in
  ``tests/eval/tagging/`` only is blind and never trained on);
- the root's own articles whose themes an editor locked (``themes_locked: true``, the examples
  ``cds tag --evaluate`` uses), so the model learns from the editors.

No pickles, no downloads: scikit-learn fits the 632 shipped texts in about 2 s of CPU
(docs/tagging.md, round 7).
Deterministic (liblinear solver, fixed ``random_state``). Text is folded (no marks, lower case)
so a text typed without diacritics looks the same as one with them.

Public API::

    THEMES
    text_of(title, body) -> str
    ThemeModel().fit(texts, labels) -> ThemeModel; .proba(title, body) -> {theme: p}
    shipped_examples() -> list[(title, body, themes)]
    for_root(root) -> ThemeModel                 # cached per process (root None: shipped only)
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import yaml

from pipeline.core.errors import ConfigError
from pipeline.core.models import THEMES
from pipeline.core.text import fold, nfc

TRAIN_DIR = ("data", "tagging_train")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_C = 10.0
RELEVANT = "cds"          # the extra classifier: a text about CĐS at all (any theme)


def text_of(title: str, body: str) -> str:
    """The title twice (it carries the subject), then the body; folded."""
    title = title or ""
    return fold(nfc(f"{title} . {title} . {body or ''}"))


class ThemeModel:
    """One-vs-rest logistic regressions over TF-IDF of syllable 1–3-grams and character
    2–5-grams (within words; features "words+chars", the default), one per theme plus one for
    "about CĐS at all" (:data:`RELEVANT`)."""

    def __init__(self, c: float = _C, features: str = "words+chars"):
        self.c = c
        self.features = features
        self.vec = None
        self.clf: dict[str, object | None] = {}
        self.examples = 0

    def fit(self, texts: list[str], labels: list[list[str]]) -> ThemeModel:
        try:
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression
        except ImportError:
            raise ConfigError("taxonomy.yml: model.enabled: true needs scikit-learn "
                              "(pip install scikit-learn==1.9.1), or set model.enabled: false") from None

        words = TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, min_df=1,
                                token_pattern=r"(?u)\b\w+\b")
        if self.features == "words":
            self.vec = words
        else:
            from sklearn.pipeline import FeatureUnion
            chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                    min_df=2)
            self.vec = chars if self.features == "chars" else FeatureUnion(
                [("words", words), ("chars", chars)])
        x = self.vec.fit_transform(texts)
        self.examples = len(texts)
        for th in (*THEMES, RELEVANT):
            y = [int(bool(lab)) if th == RELEVANT else int(th in lab) for lab in labels]
            if len(set(y)) < 2:
                self.clf[th] = None
                continue
            # the dual problem: far fewer texts than features, so it solves the same
            # regression ~15× faster than the primal
            self.clf[th] = LogisticRegression(C=self.c, class_weight="balanced", solver="liblinear",
                                              dual=True, random_state=0, max_iter=2000).fit(x, y)
        return self

    def proba_texts(self, texts: list[str]) -> list[dict[str, float]]:
        x = self.vec.transform(texts)
        out: list[dict[str, float]] = [{} for _ in texts]
        for th in (*THEMES, RELEVANT):
            clf = self.clf.get(th)
            ps = clf.predict_proba(x)[:, 1] if clf is not None else [0.0] * len(texts)
            for o, p in zip(out, ps, strict=True):
                o[th] = float(p)
        return out

    def proba(self, title: str, body: str) -> dict[str, float]:
        return self.proba_texts([text_of(title, body)])[0]


def shipped_examples() -> list[tuple[str, str, list[str]]]:
    """The labelled texts shipped with the package: (title, body, themes)."""
    out = []
    folder = resources.files("pipeline").joinpath(*TRAIN_DIR)
    for ref in sorted(folder.iterdir(), key=lambda r: r.name):
        if not ref.name.endswith(".yml"):
            continue
        for item in yaml.load(ref.read_text(encoding="utf-8"), Loader=_LOADER) or []:
            out.append((item["title"], item["body"], list(item.get("themes") or [])))
    return out


def root_examples(root: Path | str) -> list[tuple[str, str, list[str]]]:
    """The root's articles whose themes an editor locked."""
    from pipeline.store.articles import Store
    content = Path(root) / "content"
    if not content.is_dir():
        return []
    return [(a.title, a.body, list(a.themes)) for a in Store(content).articles()
            if a.themes_locked]


_CACHE: dict[str, ThemeModel] = {}
_LOCK = threading.Lock()


def train(examples: list[tuple[str, str, list[str]]]) -> ThemeModel:
    return ThemeModel().fit([text_of(t, b) for t, b, _ in examples], [th for _, _, th in examples])


def for_root(root: Path | str | None) -> ThemeModel:
    """The model for a root (shipped examples + its editor-locked articles), fitted once per
    process."""
    key = str(Path(root).resolve()) if root is not None else ""
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            examples = shipped_examples()
            if root is not None:
                examples += root_examples(root)
            model = _CACHE[key] = train(examples)
        return model
