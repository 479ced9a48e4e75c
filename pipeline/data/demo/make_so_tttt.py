"""Regenerate the `so-tttt` demo source from its UTF-8 originals.

The Sở TT&TT portal is a legacy site: its article pages are served in windows-1258, the
Vietnamese Windows code page, declared only in a <meta> tag (the demo server sends a bare
``text/html``). Windows-1258 holds the base letters (ă â ê ô ơ ư đ and a few precomposed vowels
such as à á) but not most toned vowels: "ế" is written as "ê" + a combining acute accent. So the
decoded text is a mix of composed and decomposed forms, which cds must normalise to NFC.

    python pipeline/data/demo/make_so_tttt.py

reads the article pages under ``so-tttt-src/`` (UTF-8, editable; each declares windows-1258 in
its <meta>) and writes them, encoded to windows-1258, to the same paths under
``sources/so-tttt/``. The listing pages are UTF-8 and live only in ``sources/so-tttt/``: edit them
there. Commit both trees.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "so-tttt-src"
DEST = HERE / "sources" / "so-tttt"

# The five Vietnamese tone marks as combining characters (grave, acute, tilde, hook, dot below);
# windows-1258 has each of them as a byte of its own.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
DECLARES_1258 = re.compile(rb"""<meta[^>]+charset=["']?windows-1258""", re.IGNORECASE)


def to_cp1258(text: str) -> bytes:
    """``text`` in windows-1258 the way Windows writes Vietnamese: a toned vowel the code page
    lacks becomes its base letter followed by a combining tone mark; anything else it cannot
    hold becomes a numeric character reference."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out += (base + tones).encode("cp1258", errors="xmlcharrefreplace")
    return bytes(out)


def build(src: Path = SRC, dest: Path = DEST) -> list[Path]:
    """Write ``dest`` from ``src``; return the files written (relative to ``dest``)."""
    written = []
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        rel = path.relative_to(src)
        data = path.read_bytes()
        if not DECLARES_1258.search(data[:2048]):
            raise SystemExit(f"{rel}: declares no windows-1258 charset; UTF-8 pages belong in "
                             f"{DEST.relative_to(HERE)} only")
        text = data.decode("utf-8")
        data = to_cp1258(text)
        if unicodedata.normalize("NFC", data.decode("cp1258")) != unicodedata.normalize("NFC", text):
            raise SystemExit(f"{rel}: does not survive a windows-1258 round trip")
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        written.append(rel)
    return written


if __name__ == "__main__":
    for rel in build():
        print(rel, file=sys.stderr)
