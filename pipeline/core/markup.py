"""Small helpers for the Markdown/HTML pages cds writes (site pages and the register's pages):
relative links between pages, front matter (written, read back, its YAML errors as one line),
heading levels of a Markdown body, and ``esc`` for the few values that are not rendered by an
autoescaping template (front matter titles, which Material prints without escaping)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping

import yaml


def esc(text: object) -> str:
    """HTML-escape any text for an element or an attribute value."""
    return html.escape(str(text), quote=True)


def rel_url(frm: str, to: str) -> str:
    """Relative link from the page at directory URL ``frm`` ("" = home) to ``to`` (a directory
    URL ending in ``/``, "" for home, or a file such as ``chu-de/x/rss.xml``)."""
    a = frm.split("/")[:-1] if frm else []
    b = to.split("/")
    common = 0
    while common < len(a) and common < len(b) - 1 and a[common] == b[common]:
        common += 1
    out = "../" * (len(a) - common) + "/".join(b[common:])
    return out or "./"


# Characters YAML reads as line breaks or refuses: escaped inside the JSON-style strings.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def front_matter(meta: Mapping[str, object]) -> str:
    """Front matter with every value in JSON syntax (a subset of YAML that any YAML reader takes
    back exactly; written by hand because PyYAML's dumper is slow)."""
    lines = []
    for key, value in meta.items():
        text = json.dumps(value, ensure_ascii=False)
        text = _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
        lines.append(f"{key}: {text}")
    return "---\n" + "\n".join(lines) + "\n---\n"


def front_matter_problem(err: yaml.YAMLError, hint: str = "") -> str:
    """One line for a YAML error in front matter, with the file's line number (the opening
    ``---`` is line 1); ``hint`` is added to a located error."""
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "invalid YAML"
        if mark is not None:
            return f"line {mark.line + 2}: invalid front matter: {problem}{hint}"
        return f"invalid front matter: {problem}{hint}"
    return f"invalid front matter: {' '.join(str(err).split())}"


_FM = re.compile(r"\A-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)


def read_front_matter(text: str) -> dict:
    """The front matter of a page as a dict; {} when it has none or it is not valid YAML."""
    m = _FM.match(text)
    if not m:
        return {}
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_NOT_PARAGRAPH = re.compile(r"^\s*([-*+>|#]|\d+[.)]|$)")


def shift_headings(markdown: str, top: int = 2) -> str:
    """Re-level the body's headings so the highest is ``top`` (the page's title is the h1):
    relative order kept, setext headings made ATX, fenced code left alone."""
    lines = markdown.split("\n")
    found: list[tuple[int, int, str, bool]] = []         # line, level, text, setext
    fence = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        m = _ATX.match(line)
        if m:
            found.append((i, len(m.group(2)), line[m.end():], False))
            continue
        m = _SETEXT.match(line)
        if m and i > 0 and not _NOT_PARAGRAPH.match(lines[i - 1]) and (
                not found or found[-1][0] != i - 1):
            found.append((i, 1 if m.group(1)[0] == "=" else 2, lines[i - 1], True))
    if not found:
        return markdown
    delta = top - min(level for _, level, _, _ in found)
    drop = set()
    for i, level, text, setext in found:
        new = "#" * min(6, max(1, level + delta))
        if setext:
            lines[i - 1] = f"{new} {text.strip()}"
            drop.add(i)
        else:
            lines[i] = f"{new}{text}"
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def vn_date(d) -> str:
    """A date as Vietnamese pages and feeds write it: ``17/07/2023`` ("" for none)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if d else ""
