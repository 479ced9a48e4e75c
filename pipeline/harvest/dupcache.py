"""The near-duplicate index's signatures, kept between harvests: ``<root>/.cds/dedupe-signatures.sqlite``.

Every harvest starts by indexing every stored article's body (:class:`dedupe.DupIndex`), and a
MinHash signature costs a millisecond or two a body (folding, 3-shingles): seconds for a store
of thousands of articles although few bodies change between two runs. The cache keeps, per
body (keyed by the SHA-256 of its text), the signature and its shingle count, for one
fingerprint (the code of :mod:`pipeline.harvest.dedupe` and :mod:`pipeline.core.text`, which
make the signature). A body not in it is signed as before; the index built is the one
``index.add(id, body)`` for every article builds (``tests/test_dedupe.py`` compares them).

Never trusted blindly: another fingerprint, a file SQLite cannot read or a row of the wrong
shape and the signature is computed again. The file is written (a new file replacing the old,
one transaction) only when its rows changed; it keeps the bodies of the last harvest only.
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from collections.abc import Callable, Iterable
from pathlib import Path

from pipeline.core import text as text_mod
from pipeline.core.fileio import write_sqlite
from pipeline.harvest import dedupe
from pipeline.store import articles as store_articles

CACHE_FILE = "dedupe-signatures.sqlite"      # in <root>/.cds/
_SIG = struct.Struct(f"<{dedupe.BINS}Q")
_CODE = (Path(dedupe.__file__), Path(text_mod.__file__))


def fingerprint() -> str:
    h = hashlib.sha256(f"{dedupe.BINS}\0".encode())
    for path in _CODE:
        h.update(path.read_bytes())
    return h.hexdigest()


#: The key a body's signature is kept under: the store's (``Brief.body_key`` is it).
body_key = store_articles.body_key


def _read(path: Path, fp: str) -> dict[str, tuple[bytes, int]]:
    """body key → (the signature's bytes, its shingle count), as the file keeps them."""
    if not path.is_file():
        return {}
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            if row is None or row[0] != fp:
                return {}
            size = _SIG.size
            return {key: (blob, count) for key, count, blob in con.execute(
                        "SELECT body, count, sig FROM sigs")
                    if isinstance(key, str) and isinstance(count, int) and
                    isinstance(blob, bytes) and len(blob) == size}
        finally:
            con.close()
    except sqlite3.Error:
        return {}


def _write(path: Path, fp: str, rows: dict[str, tuple[bytes, int]]) -> None:
    def fill(con: sqlite3.Connection) -> None:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        con.execute("CREATE TABLE sigs (body TEXT PRIMARY KEY, count INTEGER, sig BLOB)")
        con.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fp,))
        con.executemany("INSERT INTO sigs VALUES (?, ?, ?)",
                        ((k, count, blob) for k, (blob, count) in rows.items()))

    try:
        write_sqlite(path, fill)
    except (sqlite3.Error, OSError, struct.error):
        pass                                        # only a cache: the next harvest signs again


def index_bodies(index: dedupe.DupIndex, articles: Iterable[tuple[str, str]],
                 state_dir: Path | None) -> int:
    """``index.add(id, body)`` for every ``(id, body)``, with the signatures of bodies signed
    by an earlier harvest taken from ``state_dir``'s cache (None: no cache). Returns how many
    bodies were signed here."""
    return index_keyed(index, ((article_id, body_key(body), lambda body=body: body)
                               for article_id, body in articles), state_dir)


def index_keyed(index: dedupe.DupIndex, articles: Iterable[tuple[str, str, Callable[[], str]]],
                state_dir: Path | None) -> int:
    """:func:`index_bodies` for ``(id, body key, body)`` rows whose body is asked only when
    its key (:func:`body_key` of it, e.g. the store's ``Brief.body_key``) is not in the cache:
    a harvest reads only the bodies that changed. Returns how many bodies were signed here."""
    path = Path(state_dir) / CACHE_FILE if state_dir is not None else None
    fp = fingerprint()
    known = _read(path, fp) if path is not None else {}
    used: dict[str, tuple[bytes, int]] = {}
    signed = 0
    for article_id, key, body in articles:
        got = used.get(key)
        if got is None:
            got = known.pop(key, None)          # moved, not copied: one table in memory
            if got is None:
                sig, count = dedupe.sketch(body())
                got = (_SIG.pack(*sig), count)
                signed += 1
        used[key] = got
        index.remove(article_id)
        blob, count = got
        if count >= index.min_shingles:
            index.add_packed(article_id, int.from_bytes(blob, "little"))
    if path is not None and (signed or known):         # new bodies, or bodies gone
        _write(path, fp, used)
    return signed
