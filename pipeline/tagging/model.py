"""The tagger's model beside the rules: TF-IDF + one logistic regression per theme.

Trained from

- the labelled texts shipped in ``pipeline/data/tagging_train/`` (every development set of
  ``tests/eval/tagging/``, heldout6–10 included; a set kept in ``tests/eval/tagging/`` only is
  blind and never trained on);
- the root's own articles whose themes an editor locked (``themes_locked: true``, the examples
  ``cds tag --evaluate`` uses), so the model learns from the editors.

scikit-learn fits it (about 2 s of CPU); the fitted model is then a plain linear model over
TF-IDF — vocabularies, idf weights, coefficients, intercepts — which :class:`ThemeModel` scores
with numpy alone. It is kept on disk in ``<root>/.cds/tagger-model.npz`` (numpy arrays, no
pickle; written atomically) under a digest of everything it was made from: the shipped texts
and labels, the root's locked articles, the model's settings and this module's code. A process
whose digest matches loads it (no scikit-learn import, no fit); any change refits and rewrites
it. A long-running process (the scheduler, the desk) checks the digest again after each
``Taxonomy.load(root)`` (:func:`mark_stale`), so it learns newly locked articles on its next step.

Deterministic (liblinear solver, fixed ``random_state``). Text is folded (no marks, lower case)
so a text typed without diacritics looks the same as one with them.

Public API::

    THEMES
    text_of(title, body) -> str
    ThemeModel().fit(texts, labels) -> ThemeModel; .proba(title, body) -> {theme: p}
    ThemeModel.best_passages(title, body), .best_windows(title, body) -> {output: (p, k, text)}
    passages(body), windows(body) -> list[str]
    ThemeModel.save(path, key); ThemeModel.load(path, key) -> ThemeModel | None
    shipped_examples() -> list[(title, body, themes)]
    root_examples(root) -> list[(title, body, themes)]
    for_root(root) -> ThemeModel       # cached per process and on disk (root None: shipped only)
    mark_stale(root)                   # check the digest again at the next for_root(root)
    CACHE_FILE                         # in <root>/.cds/
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from pipeline.core.errors import ConfigError, StoreError
from pipeline.core.fileio import trusted_mtime, write_atomic, write_if_changed
from pipeline.core.models import THEMES
from pipeline.core.text import fold, nfc

TRAIN_DIR = ("data", "tagging_train")
CACHE_FILE = "tagger-model.npz"          # in <root>/.cds/
FORMAT = 2                               # the cache file's layout (2: terms by byte length)
LOCKED_FILE = "tagger-locked.json"       # in <root>/.cds/: which article files are locked
LOCKED_FORMAT = 1
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_C = 10.0
RELEVANT = "cds"          # the extra classifier: a text about CĐS at all (any theme)
OUTPUTS = (*THEMES, RELEVANT)
_WORD_PATTERN = r"(?u)\b\w+\b"
_WHITE_SPACES = re.compile(r"\s\s+")     # scikit-learn's, for character n-grams


def text_of(title: str, body: str) -> str:
    """The title twice (it carries the subject), then the body; folded."""
    title = title or ""
    return fold(nfc(f"{title} . {title} . {body or ''}"))


PASSAGE_MIN_WORDS = 25     # a passage: a paragraph, shorter ones joined to the next
_PARAGRAPH = re.compile(r"\n\s*\n|\n")
WINDOW_MIN_WORDS = 12      # a sentence window: a sentence, shorter ones joined to the next
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")


def passages(body: str) -> list[str]:
    """The body's passages: its paragraphs, each of at least PASSAGE_MIN_WORDS words (a short
    one is joined to the next; a short last one to the one before)."""
    return joined(_PARAGRAPH.split(body or ""), PASSAGE_MIN_WORDS)


def windows(body: str) -> list[str]:
    """The body's sentence windows: its sentences (split after . ! ? ; : and at line breaks),
    each of at least WINDOW_MIN_WORDS words (joined as :func:`passages` joins paragraphs)."""
    return joined(_SENTENCE.split(body or ""), WINDOW_MIN_WORDS)


def joined(parts: list[str], min_words: int) -> list[str]:
    """``parts`` joined in order into pieces of at least ``min_words`` words: a short part is
    joined to the next, a short last piece to the one before."""
    out, cur = [], ""
    for part in parts:
        cur = f"{cur} {part}".strip()
        if len(cur.split()) >= min_words:
            out.append(cur)
            cur = ""
    if cur:
        if out:
            out[-1] = f"{out[-1]} {cur}"
        else:
            out.append(cur)
    return out


# --- the vectorizers as scikit-learn computes them, without scikit-learn ----------------------

def _word_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """TfidfVectorizer(analyzer="word", token_pattern=_WORD_PATTERN, ngram_range=(lo, hi))."""
    tokens = re.findall(_WORD_PATTERN, text.lower())
    out = list(tokens) if lo == 1 else []
    for n in range(max(lo, 2), min(hi + 1, len(tokens) + 1)):
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


def _char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """TfidfVectorizer(analyzer="char_wb", ngram_range=(lo, hi))."""
    out: list[str] = []
    for w in _WHITE_SPACES.sub(" ", text.lower()).split():
        w = f" {w} "
        size = len(w)
        for n in range(lo, hi + 1):
            offset = 0
            out.append(w[:n])
            while offset + n < size:
                offset += 1
                out.append(w[offset:offset + n])
            if offset == 0:
                break
    return out


def _char_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """TfidfVectorizer(analyzer="char", ngram_range=(lo, hi)): every n-gram of the whole text,
    across word boundaries, after runs of white space become one space (a lone line break or
    tab stays as it is, as in scikit-learn)."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    size = len(text)
    out = list(text) if lo == 1 else []
    for n in range(max(lo, 2), min(hi + 1, size + 1)):
        out.extend(text[i:i + n] for i in range(size - n + 1))
    return out


_ANALYZERS = {"word": _word_ngrams, "char_wb": _char_wb_ngrams, "char": _char_ngrams}


@dataclass
class _Block:
    """One TF-IDF block (sublinear tf, idf, l2-normalised on its own) of the feature union."""
    kind: str                              # "word" | "char_wb" | "char"
    lo: int
    hi: int
    vocab: dict[str, int]                  # term → column within the block
    idf: object                            # numpy float64 array


@dataclass
class _Linear:
    """The fitted model as numbers: scores = sigmoid(W · x + b), one row an output."""
    blocks: list[_Block]
    coef: object                           # numpy (len(OUTPUTS), n_features) float64
    intercept: object                      # numpy (len(OUTPUTS),) float64
    fitted: list[bool] = field(default_factory=list)    # False: that output had one class only

    def proba(self, text: str) -> dict[str, float]:
        return self._score([self._columns(blk, _ANALYZERS[blk.kind](text, blk.lo, blk.hi))
                            for blk in self.blocks])

    def proba_after(self, prefix: str, texts: list[str]) -> list[dict[str, float]]:
        """``proba(t)`` for each text ``t`` that begins with ``prefix`` (the folded title, read
        before every passage and sentence window of a body): the prefix's n-grams are counted
        once, and of each text only the n-grams that reach past the prefix (the same numbers:
        :func:`_ngrams_after` checks that the prefix's n-grams are a text's first ones, else
        the text is read whole)."""
        pre = [self._columns(blk, _ANALYZERS[blk.kind](prefix, blk.lo, blk.hi))
               for blk in self.blocks]
        out = []
        for text in texts:
            cols = []
            for blk, base in zip(self.blocks, pre, strict=True):
                extra = _ngrams_after(blk, prefix, text) if text.startswith(prefix) else None
                if extra is None:
                    cols.append(self._columns(blk, _ANALYZERS[blk.kind](text, blk.lo, blk.hi)))
                else:
                    cols.append(self._columns(blk, extra, dict(base)))
            out.append(self._score(cols))
        return out

    @staticmethod
    def _columns(blk: _Block, terms: list[str], into: dict[int, int] | None = None
                 ) -> dict[int, int]:
        """Term counts by column of the block's vocabulary (terms it lacks are dropped)."""
        cols = {} if into is None else into
        vocab = blk.vocab
        for term, n in Counter(terms).items():
            j = vocab.get(term)
            if j is not None:
                cols[j] = cols.get(j, 0) + n
        return cols

    def _score(self, per_block: list[dict[int, int]]) -> dict[str, float]:
        """Sublinear tf × idf, l2 per block, then sigmoid(W · x + b) per output."""
        import numpy as np
        cols, vals = [], []
        offset = 0
        for blk, counts in zip(self.blocks, per_block, strict=True):
            if counts:
                at = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                v = (np.log(tf) + 1.0) * blk.idf[at]
                norm = math.sqrt(float(v @ v))
                if norm:
                    v /= norm
                cols.append(at + offset)
                vals.append(v)
            offset += len(blk.idf)
        if cols:
            c, v = np.concatenate(cols), np.concatenate(vals)
            d = self.coef[:, c] @ v + self.intercept
        else:
            d = self.intercept.copy()
        p = 1.0 / (1.0 + np.exp(-d))
        return {name: float(p[k]) if self.fitted[k] else 0.0 for k, name in enumerate(OUTPUTS)}


def _ngrams_after(blk: _Block, prefix: str, text: str) -> list[str] | None:
    """The n-grams of ``text`` (which begins with ``prefix``) that are not n-grams of the
    prefix alone, as the block's analyzer makes them; None when the prefix's n-grams are not
    exactly the text's first ones (the analyzer's text does not begin with the prefix's, or a
    word runs across the join)."""
    if blk.kind == "char":
        whole = _WHITE_SPACES.sub(" ", text.lower())
        head = _WHITE_SPACES.sub(" ", prefix.lower())
        if not whole.startswith(head):
            return None
        size, cut = len(whole), len(head)
        out = list(whole[cut:]) if blk.lo == 1 else []
        for n in range(max(blk.lo, 2), min(blk.hi + 1, size + 1)):
            out.extend(whole[i:i + n] for i in range(max(cut - n + 1, 0), size - n + 1))
        return out
    lower, head = text.lower(), prefix.lower()
    if not lower.startswith(head) or (head and not head[-1].isspace()):
        return None                           # the join must fall between words
    if blk.kind == "word":
        tokens = re.findall(_WORD_PATTERN, lower)
        cut = len(re.findall(_WORD_PATTERN, head))
        out = list(tokens[cut:]) if blk.lo == 1 else []
        for n in range(max(blk.lo, 2), min(blk.hi + 1, len(tokens) + 1)):
            out.extend(" ".join(tokens[i:i + n])
                       for i in range(max(cut - n + 1, 0), len(tokens) - n + 1))
        return out
    return _char_wb_ngrams(text[len(prefix):], blk.lo, blk.hi)     # "char_wb": word by word


FEATURES = "words+chars"    # the default (round 8): syllable 1–3-grams + character 2–5-grams
                            # within words; "words+xchars": across words (round 10's candidate,
                            # not shipped: docs/tagging.md, "Round 10")


class ThemeModel:
    """One-vs-rest logistic regressions over TF-IDF of syllable 1–3-grams and character
    2–5-grams, one per theme plus one for "about CĐS at all" (:data:`RELEVANT`). The character
    n-grams run within words (``features`` "words+chars", the default) or across word boundaries
    ("words+xchars": they see syllable pairs and their junctions; round 10's candidate).
    Fitted by scikit-learn, scored by :class:`_Linear` (numpy) — the same probabilities
    (``tests/test_tag_model.py``: to 1e-9)."""

    def __init__(self, c: float = _C, features: str = FEATURES):
        self.c = c
        self.features = features
        self.vec = None                    # scikit-learn's, after fit() only
        self.clf: dict[str, object | None] = {}
        self.examples = 0
        self.linear: _Linear | None = None

    def settings(self) -> dict:
        return {"c": self.c, "features": self.features}

    def fit(self, texts: list[str], labels: list[list[str]]) -> ThemeModel:
        try:
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression
        except ImportError:
            raise ConfigError("taxonomy.yml: model.enabled: true needs scikit-learn "
                              "(pip install scikit-learn==1.9.1), or set model.enabled: false") from None
        import numpy as np

        words = TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, min_df=1,
                                token_pattern=_WORD_PATTERN)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                min_df=2)
        xchars = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True,
                                 min_df=2)
        parts = {"words": [words], "chars": [chars], "words+chars": [words, chars],
                 "words+xchars": [words, xchars]}[self.features]
        if len(parts) == 1:
            self.vec = parts[0]
        else:
            from sklearn.pipeline import FeatureUnion
            self.vec = FeatureUnion([("words", parts[0]), ("chars", parts[1])])
        x = self.vec.fit_transform(texts)
        self.examples = len(texts)
        n = x.shape[1]
        coef = np.zeros((len(OUTPUTS), n), dtype=np.float64)
        intercept = np.zeros(len(OUTPUTS), dtype=np.float64)
        fitted = []
        for k, th in enumerate(OUTPUTS):
            y = [int(bool(lab)) if th == RELEVANT else int(th in lab) for lab in labels]
            if len(set(y)) < 2:
                self.clf[th] = None
                fitted.append(False)
                continue
            # the dual problem: far fewer texts than features, so it solves the same
            # regression ~15× faster than the primal
            clf = self.clf[th] = LogisticRegression(
                C=self.c, class_weight="balanced", solver="liblinear", dual=True,
                random_state=0, max_iter=2000).fit(x, y)
            coef[k] = clf.coef_[0]
            intercept[k] = clf.intercept_[0]
            fitted.append(True)
        blocks = [_Block(v.analyzer, *v.ngram_range,
                         {t: int(j) for t, j in v.vocabulary_.items()},
                         np.asarray(v.idf_, dtype=np.float64)) for v in parts]
        self.linear = _Linear(blocks, coef, intercept, fitted)
        return self

    def proba_texts(self, texts: list[str]) -> list[dict[str, float]]:
        """Each text's probabilities (texts already :func:`text_of`'d), computed from the
        fitted numbers with numpy."""
        return [self.linear.proba(t) for t in texts]

    def proba_sklearn(self, texts: list[str]) -> list[dict[str, float]]:
        """The same, by scikit-learn's own objects (only after :meth:`fit`; for the tests)."""
        x = self.vec.transform(texts)
        out: list[dict[str, float]] = [{} for _ in texts]
        for th in OUTPUTS:
            clf = self.clf.get(th)
            ps = clf.predict_proba(x)[:, 1] if clf is not None else [0.0] * len(texts)
            for o, p in zip(out, ps, strict=True):
                o[th] = float(p)
        return out

    def proba(self, title: str, body: str) -> dict[str, float]:
        return self.linear.proba(text_of(title, body))

    def best_passages(self, title: str, body: str) -> dict[str, tuple[float, int, str]]:
        """For each output, the body's passage (:func:`passages`, read with the title) the
        model rates highest: (p, its number from 1, its text); a one-passage body has one
        (empty for an empty body)."""
        return self._best(title, passages(body))

    def best_windows(self, title: str, body: str) -> dict[str, tuple[float, int, str]]:
        """The same over the body's sentence windows (:func:`windows`)."""
        return self._best(title, windows(body))

    def _best(self, title: str, parts: list[str]) -> dict[str, tuple[float, int, str]]:
        best: dict[str, tuple[float, int, str]] = {}
        scored = self.linear.proba_after(text_of(title, ""), [text_of(title, x) for x in parts])
        for k, (part, probs) in enumerate(zip(parts, scored, strict=True), 1):
            for name, p in probs.items():
                if name not in best or p > best[name][0]:
                    best[name] = (p, k, part)
        return best

    # -- on disk --------------------------------------------------------------------------

    def save(self, path: Path | str, key: str) -> None:
        """The fitted numbers in one ``.npz`` (no pickle), written atomically."""
        import numpy as np
        lin = self.linear
        meta = {"format": FORMAT, "key": key, "outputs": list(OUTPUTS), "fitted": lin.fitted,
                "examples": self.examples, **self.settings(),
                "blocks": [{"kind": b.kind, "lo": b.lo, "hi": b.hi} for b in lin.blocks]}
        arrays = {"meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
                  "coef": lin.coef, "intercept": lin.intercept}
        for i, b in enumerate(lin.blocks):
            # one UTF-8 blob and each term's length in bytes (a character n-gram may hold any
            # character, a line break too)
            terms = [t.encode("utf-8") for t in sorted(b.vocab, key=b.vocab.__getitem__)]
            arrays[f"vocab{i}"] = np.frombuffer(b"".join(terms), dtype=np.uint8)
            arrays[f"vlen{i}"] = np.array([len(t) for t in terms], dtype=np.int32)
            arrays[f"idf{i}"] = b.idf
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        write_atomic(path, buf.getvalue())

    @classmethod
    def load(cls, path: Path | str, key: str) -> ThemeModel | None:
        """The model saved under ``key`` at ``path``; None when it is missing, made from
        something else (another key) or unreadable."""
        import numpy as np
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(z["meta"].tobytes().decode("utf-8"))
                if meta.get("format") != FORMAT or meta.get("key") != key or \
                        meta.get("outputs") != list(OUTPUTS):
                    return None
                blocks = []
                for i, b in enumerate(meta["blocks"]):
                    blob = z[f"vocab{i}"].tobytes()
                    ends = np.cumsum(z[f"vlen{i}"], dtype=np.int64).tolist()
                    if (ends[-1] if ends else 0) != len(blob):
                        return None
                    starts = [0, *ends][:-1]
                    terms = [blob[a:e].decode("utf-8")
                             for a, e in zip(starts, ends, strict=True)]
                    idf = z[f"idf{i}"]
                    if len(terms) != len(idf):
                        return None
                    blocks.append(_Block(b["kind"], b["lo"], b["hi"],
                                         dict(zip(terms, range(len(terms)), strict=True)), idf))
                linear = _Linear(blocks, z["coef"], z["intercept"], list(meta["fitted"]))
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
            return None   # (UnicodeDecodeError is a ValueError)
        if linear.coef.shape != (len(OUTPUTS), sum(len(b.idf) for b in blocks)):
            return None
        model = cls(c=meta["c"], features=meta["features"])
        model.examples = meta["examples"]
        model.linear = linear
        return model


# --- the training data ------------------------------------------------------------------------

def _shipped_files() -> list:
    folder = resources.files("pipeline").joinpath(*TRAIN_DIR)
    return sorted((r for r in folder.iterdir() if r.name.endswith(".yml")), key=lambda r: r.name)


def shipped_examples() -> list[tuple[str, str, list[str]]]:
    """The labelled texts shipped with the package: (title, body, themes)."""
    out = []
    for ref in _shipped_files():
        for item in yaml.load(ref.read_text(encoding="utf-8"), Loader=_LOADER) or []:
            out.append((item["title"], item["body"], list(item.get("themes") or [])))
    return out


class _Locked:
    """A root's editor-locked articles, read again only where a file changed (size or time):
    the scheduler asks after every step."""

    def __init__(self, root: Path):
        self.articles_dir = root / "content" / "articles"
        self.content_dir = root / "content"
        self.memo = root / ".cds" / LOCKED_FILE
        self.seen: dict[str, tuple[int, int, tuple[str, str, list[str]] | None]] = self._read()

    def _read(self) -> dict:
        """The last scan's rows, kept between processes (a process that tags one new article
        must not parse every article file of a large store to find the few locked ones)."""
        try:
            data = json.loads(self.memo.read_bytes())
            if data.get("format") != LOCKED_FORMAT:
                return {}
            return {rel: (int(size), int(mtime), tuple(ex) if ex is not None else None)
                    for rel, (size, mtime, ex) in data["files"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}

    def _write(self, now: dict) -> None:
        """Rows whose time is too close to now to be trusted are kept with time -1 (read again
        next time)."""
        clock = time.time_ns()
        rows = {rel: [size, trusted_mtime(mtime, clock), list(ex) if ex is not None else None]
                for rel, (size, mtime, ex) in now.items()}
        try:
            write_if_changed(self.memo, json.dumps(
                {"format": LOCKED_FORMAT, "files": rows}, ensure_ascii=False,
                sort_keys=True).encode("utf-8"))
        except OSError:
            pass                          # a read-only root: every file is read again next time

    def examples(self) -> list[tuple[str, str, list[str]]]:
        from pipeline.store.articlefile import parse
        from pipeline.store.index import article_files  # the files the store reads
        now: dict[str, tuple[int, int, tuple[str, str, list[str]] | None]] = {}
        for rel, path, st in article_files(self.articles_dir, self.content_dir):
            old = self.seen.get(rel)
            if old is not None and old[:2] == (st.st_size, st.st_mtime_ns):
                now[rel] = old
                continue
            example = None
            try:
                with open(path, "rb") as fh:
                    art = parse(fh.read().decode("utf-8"), rel)
                if art.themes_locked:
                    example = (art.title, art.body, list(art.themes))
            except (OSError, UnicodeDecodeError, StoreError):
                example = None            # unreadable: not an example (`cds check` names it)
            now[rel] = (st.st_size, st.st_mtime_ns, example)

        if now != self.seen and self.memo.parent.is_dir():
            self._write(now)
        self.seen = now
        return [now[rel][2] for rel in sorted(now) if now[rel][2] is not None]


def root_examples(root: Path | str) -> list[tuple[str, str, list[str]]]:
    """The root's articles whose themes an editor locked (in file order)."""
    return _Locked(Path(root)).examples()


def _code_version() -> str:
    """This module's source and scikit-learn's version: a change to either refits."""
    from importlib import metadata
    try:
        sk = metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        sk = "none"
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16] + f"/sklearn {sk}"


def digest(locked: list[tuple[str, str, list[str]]], settings: dict) -> str:
    """What a fitted model is made from: the shipped sets' bytes, the locked articles' title,
    body and themes, the settings and the code."""
    h = hashlib.sha256()
    h.update(json.dumps({"format": FORMAT, "code": _code_version(), "settings": settings},
                        sort_keys=True).encode("utf-8"))
    for ref in _shipped_files():
        data = ref.read_bytes()
        h.update(f"\n{ref.name} {len(data)}\n".encode())
        h.update(data)
    h.update(json.dumps(locked, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def train(examples: list[tuple[str, str, list[str]]]) -> ThemeModel:
    return ThemeModel().fit([text_of(t, b) for t, b, _ in examples], [th for _, _, th in examples])


@dataclass
class _Entry:
    model: ThemeModel
    key: str
    stale: bool = False


_CACHE: dict[str, _Entry] = {}
_LOCKED: dict[str, _Locked] = {}
_LOCK = threading.Lock()


def _root_key(root: Path | str | None) -> str:
    return str(Path(root).resolve()) if root is not None else ""


def mark_stale(root: Path | str | None) -> None:
    """Check the digest again at the next :func:`for_root` (``Taxonomy.load`` calls it)."""
    with _LOCK:
        entry = _CACHE.get(_root_key(root))
        if entry is not None:
            entry.stale = True


def for_root(root: Path | str | None) -> ThemeModel:
    """The model for a root (shipped examples + its editor-locked articles): kept per process,
    and on disk in ``<root>/.cds/`` while nothing it was made from changes (root None: shipped
    examples only, per process)."""
    rk = _root_key(root)
    with _LOCK:
        entry = _CACHE.get(rk)
        if entry is not None and not entry.stale:
            return entry.model
        settings = ThemeModel().settings()
        locked = []
        if root is not None:
            locked = _LOCKED.setdefault(rk, _Locked(Path(rk))).examples()
        key = digest(locked, settings)
        if entry is not None and entry.key == key:
            entry.stale = False
            return entry.model
        path = Path(rk) / ".cds" / CACHE_FILE if root is not None else None
        model = ThemeModel.load(path, key) if path is not None and path.is_file() else None
        if model is None:
            model = train(shipped_examples() + locked)
            if path is not None:
                try:
                    model.save(path, key)
                except OSError:
                    pass              # a read-only root: fitted again by the next process
        _CACHE[rk] = _Entry(model, key)
        return model
