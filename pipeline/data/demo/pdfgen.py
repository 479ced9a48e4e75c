"""Tiny PDF writer for the demo's document portal and the tests (no dependency).

``text_pdf(lines)`` makes a one-page PDF whose text a PDF reader can extract (Helvetica, with a
``/Differences`` encoding and a ``ToUnicode`` map for the Vietnamese letters, so extraction
gives the exact Unicode text); ``scanned_pdf()`` makes a page that is only a picture (a grey
raster, like a scan), without any text.
"""

from __future__ import annotations

import zlib


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


def _stream(data: bytes, extra: str = "") -> bytes:
    packed = zlib.compress(data)
    return (f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n".encode()
            + packed + b"\nendstream")


def _escape(raw: bytes) -> bytes:
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF showing ``lines`` (at most 128 distinct non-ASCII letters)."""
    special = sorted({c for line in lines for c in line if not 32 <= ord(c) <= 126})
    if len(special) > 128:
        raise ValueError("too many distinct letters for one simple font")
    codes = {c: 128 + i for i, c in enumerate(special)}

    def encode(line: str) -> bytes:
        return bytes(codes.get(c, ord(c)) for c in line)

    ops = [b"BT /F1 11 Tf 14 TL 56 790 Td"]
    ops += [b"(" + _escape(encode(line)) + b") '" for line in lines]
    ops.append(b"ET")
    content = b"\n".join(ops)
    diffs = " ".join(f"/uni{ord(c):04X}" for c in special)
    pairs = [(i, chr(i)) for i in range(32, 127)] + [(codes[c], c) for c in special]
    bfchar = "\n".join(f"<{code:02X}> <{ord(ch):04X}>" for code, ch in pairs)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <00> <FF> endcodespacerange\n"
            f"{len(pairs)} beginbfchar\n{bfchar}\nendbfchar\n"
            "endcmap CMapName currentdict /CMap defineresource pop end end\n").encode()
    font = ("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
            f"/BaseEncoding /WinAnsiEncoding /Differences [128 {diffs}] >> /ToUnicode 6 0 R >>"
            ).encode()
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R"
        b" >> >> /Contents 5 0 R >>",
        font,
        _stream(content),
        _stream(cmap),
    ])


def scanned_pdf(seed: int = 7) -> bytes:
    """A one-page PDF that is a grey picture only (a scan without a text layer)."""
    w, h = 60, 84
    pixels = bytes(((x * 7 + y * 13 + seed) % 50) + 190 if (y // 6) % 2 else 245
                   for y in range(h) for x in range(w))
    image = _stream(pixels, f"/Type /XObject /Subtype /Image /Width {w} /Height {h} "
                            "/ColorSpace /DeviceGray /BitsPerComponent 8 ")
    content = b"q 483 0 0 676 56 83 cm /Im1 Do Q"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R"
        b" >> >> /Contents 5 0 R >>",
        image,
        _stream(content),
    ])
