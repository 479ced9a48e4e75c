"""Share cards (Open Graph, Twitter): the picture of an article page with its size, read from
the mirrored file's header (PNG, GIF, JPEG, WebP; no image library needed)."""

from __future__ import annotations

import struct
from pathlib import Path

from pipeline.store import media


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, GIF, JPEG or WebP file, else None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return (w, h) if w and h else None
    if data[:6] in (b"GIF87a", b"GIF89a"):
        w, h = struct.unpack("<HH", data[6:10])
        return (w, h) if w and h else None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return w, h
        if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and data[20:21] == b"\x2f":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return (w, h) if w and h else None
            i += 2 + length
    return None


def image_meta(content_dir: Path | str, ref: str | None) -> dict[str, object]:
    """Page meta for the share card of an article whose picture is ``ref`` (a mirrored media
    reference): ``og_image`` (site-relative), ``og_image_width``/``og_image_height`` when the
    file's header tells them. Empty when the picture is not one of the site's own."""
    key = media.media_key(ref)
    if key is None:
        return {}
    meta: dict[str, object] = {"og_image": media.SITE_DIR + key}
    try:
        with open(Path(content_dir) / media.MEDIA_DIR / key, "rb") as fh:
            size = image_size(fh.read(65536))
    except OSError:
        return {}
    if size:
        meta["og_image_width"], meta["og_image_height"] = size
    return meta
