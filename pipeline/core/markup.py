"""Small helpers for the Markdown/HTML pages cds writes (site pages and the register's pages):
escaping, relative links between pages, front matter (written, and its YAML errors as one line)."""

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
