"""Cap a feed's work before it is parsed.

feedparser reads every entry of a feed before ``max_items`` can apply: a feed of 100,000 items
cost 52 s and 320 MB for the 100 kept. :func:`precut` removes, from the raw bytes, the entries
that cannot be kept: it keeps the first and the last :func:`keep_per_end` entries (feeds are
ordered newest first, or oldest first: either way the newest are among them; ``read_feed`` then
sorts them and keeps ``max_items``) and drops the run of whole entries between them. Only the
bytes between the end of one entry (``</item>`` / ``</entry>``, any prefix) and the end of a
later one are removed, so the document stays as well-formed as it was.

One enormous entry costs as much (a 19 MB single-line item: 107 s and 1.4 GB): every CDATA
section and every run of text longer than :data:`MAX_TEXT_BYTES` is cut to that length (at a
UTF-8 character boundary, never inside an entity), which keeps the document well-formed; the
HTML inside is cut short, and cleaning copes with that (``jobs.MAX_ITEM_HTML`` caps it again).

Feeds of less than :data:`MIN_BYTES`, or in an encoding that is not ASCII-compatible (UTF-16,
UTF-32), are left as they are.
"""

from __future__ import annotations

import dataclasses
import re

from pipeline.core.models import Fetched

MIN_BYTES = 256 * 1024
MAX_TEXT_BYTES = 1024 * 1024
_LONG_TEXT = re.compile(rb"[^<]{%d,}" % (MAX_TEXT_BYTES + 1))
_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>", re.IGNORECASE)


def keep_per_end(max_items: int) -> int:
    """How many entries are kept at each end of a long feed (room for duplicates and for
    entries without a usable link)."""
    return max(2 * max_items, 100)


def _ascii_compatible(body: bytes) -> bool:
    head = body[:4]
    return not (head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:200])


def _utf8_cut(data: bytes, limit: int) -> bytes:
    """``data[:limit]``, backed off to a UTF-8 character boundary."""
    end = limit
    while end > 0 and 0x80 <= data[end] < 0xC0:
        end -= 1
    return data[:end]


def _cut_text(run: bytes) -> bytes:
    """A run of character data cut to MAX_TEXT_BYTES, never inside an entity (``&…;``)."""
    head = _utf8_cut(run, MAX_TEXT_BYTES)
    amp = head.rfind(b"&")
    if amp >= 0 and b";" not in head[amp:]:
        head = head[:amp]
    return head


def _cut_long(body: bytes) -> bytes:
    """Every CDATA section and every text run outside them longer than MAX_TEXT_BYTES cut to
    it."""
    parts = _CDATA.split(body)          # outside, section, outside, section, …, outside
    for i, part in enumerate(parts):
        if len(part) <= MAX_TEXT_BYTES:
            continue
        if i % 2:                       # <![CDATA[ … ]]>: cut the inside, keep the delimiters
            parts[i] = b"<![CDATA[" + _utf8_cut(part[9:-3], MAX_TEXT_BYTES) + b"]]>"
        else:
            parts[i] = _LONG_TEXT.sub(lambda m: _cut_text(m.group(0)), part)
    return b"".join(parts)


def precut(fetched: Fetched, max_items: int) -> Fetched:
    """``fetched`` with the middle entries of a long feed removed and enormous texts cut short
    (see the module's doc)."""
    body = fetched.body
    if len(body) < MIN_BYTES or not _ascii_compatible(body):
        return fetched
    keep = keep_per_end(max_items)
    ends = [m.end() for m in _END.finditer(body)]
    if len(ends) > 2 * keep:
        body = body[:ends[keep - 1]] + body[ends[len(ends) - keep - 1]:]
    if len(body) > MAX_TEXT_BYTES:
        body = _cut_long(body)
    return fetched if body == fetched.body else dataclasses.replace(fetched, body=body)
