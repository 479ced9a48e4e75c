"""The documentation stays true to the code.

- Every command of the real argparse parser, and each of its long options, is documented in
  README.md or docs/*.md; no `cds …` example in the docs uses a command or option that does not
  exist.
- Every feeds.yml key the pydantic models in pipeline/config.py accept has a row in
  docs/feeds-yml.md (type, default, meaning) under the heading of its section; every row there
  is a real key; the defaults stated are the real defaults; the examples marked
  ``<!-- example: valid -->`` load, and those marked ``<!-- example: errors -->`` give exactly the
  error lines printed after them.
- Every front-matter key of pipeline.store.articles.FIELD_ORDER has a row in docs/content-model.md, and
  its example article is exactly what the store writes.
- Every relative link (and #anchor) in README.md and docs/*.md resolves.
"""

from __future__ import annotations

import argparse
import functools
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from pipeline import config
from pipeline.cli.main import build_parser
from pipeline.core.errors import ConfigError
from pipeline.core.urls import slug
from pipeline.store import articles as store

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FEEDS_DOC = DOCS / "feeds-yml.md"
CONTENT_DOC = DOCS / "content-model.md"
EDITOR_DOC = DOCS / "huong-dan-bien-tap.md"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


# --- a little Markdown ------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
_MARKER = re.compile(r"^<!--\s*example:\s*([\w-]+)\s*-->\s*$")


@dataclass
class Block:
    info: str                   # the fence's info string: yaml, text, sh …
    text: str                   # the content, with a final newline
    line: int                   # 1-based line of the opening fence
    marker: str | None = None   # from a ``<!-- example: NAME -->`` line just before it


@dataclass
class Doc:
    path: Path
    prose: list[tuple[int, str]] = field(default_factory=list)   # (line, text) outside fences
    blocks: list[Block] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    def headings(self) -> list[tuple[int, int, str]]:
        """(line, level, text) of every heading outside code blocks."""
        out = []
        for n, line in self.prose:
            m = _HEADING.match(line)
            if m:
                out.append((n, len(m.group(1)), m.group(2)))
        return out

    def code_snippets(self) -> list[tuple[int, str]]:
        """Inline code spans of the prose and every line of the code blocks."""
        out = [(n, m.group(2).strip()) for n, line in self.prose for m in _CODE_SPAN.finditer(line)]
        for b in self.blocks:
            out += [(b.line + i + 1, line) for i, line in enumerate(b.text.splitlines())]
        return out


@functools.cache
def read_doc(path: Path) -> Doc:
    doc = Doc(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    fence: tuple[str, Block] | None = None
    marker: str | None = None
    for n, line in enumerate(lines, 1):
        if fence is not None:
            closing, block = fence
            if line.strip().startswith(closing) and set(line.strip()) == {closing[0]} \
                    and len(line.strip()) >= len(closing):
                doc.blocks.append(block)
                fence = None
            else:
                block.text += line + "\n"
            continue
        m = _FENCE.match(line)
        if m:
            fence = (m.group(1), Block(m.group(2), "", n, marker))
            marker = None
            continue
        mk = _MARKER.match(line.strip())
        if mk:
            marker = mk.group(1)
        elif line.strip():
            marker = None
        doc.prose.append((n, line))
    assert fence is None, f"{doc.name}:{fence[1].line}: code block never closed"
    return doc


def table_rows(doc: Doc) -> list[tuple[int, str | None, list[str]]]:
    """(line, heading the row is under, cells) of every Markdown table row (header and
    separator rows included)."""
    rows, heading = [], None
    for n, line in doc.prose:
        m = _HEADING.match(line)
        if m:
            heading = m.group(2)
            continue
        s = line.strip()
        if s.startswith("|") and s.endswith("|") and len(s) > 1:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", s[1:-1])]
            rows.append((n, heading, cells))
    return rows


def first_code(cell: str) -> str | None:
    m = _CODE_SPAN.match(cell.strip())
    return m.group(2).strip() if m and m.start() == 0 else None


def code_spans(text: str) -> list[str]:
    return [m.group(2).strip() for m in _CODE_SPAN.finditer(text)]


# --- 1. the command line ----------------------------------------------------------------------

_HELP = "--help"


def _long_options(parser: argparse.ArgumentParser) -> list[str]:
    return [s for a in parser._actions for s in a.option_strings
            if s.startswith("--") and s != _HELP]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_commands() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command path of the real parser: ("harvest",), ("docs",), ("docs", "add") …"""
    out: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(parser, path):
        for name, sub in _subcommands(parser).items():
            out[(*path, name)] = sub
            walk(sub, (*path, name))

    walk(build_parser(), ())
    return out


def _global_takes_value() -> dict[str, bool]:
    """The top-level options (long and short) and whether each takes a value."""
    out = {}
    for a in build_parser()._actions:
        if isinstance(a, argparse._SubParsersAction):
            continue
        for s in a.option_strings:
            out[s] = a.nargs != 0
    return out


def all_snippets() -> list[tuple[str, int, str]]:
    return [(read_doc(p).name, n, s) for p in doc_files() for n, s in read_doc(p).code_snippets()]


_GLOBALS_RE = re.compile(r"\s(?:--root\s+\S+|--quiet|-q)(?=\s|$|`)")


def _command_part(snippet: str) -> str:
    """The snippet without global options, so that `cds --root X run` reads as `cds run`."""
    return _GLOBALS_RE.sub("", " " + snippet.replace("[", " ").replace("]", " "))


def _mentions_command(snippet: str, words: tuple[str, ...]) -> bool:
    name = r"\s+".join(map(re.escape, words))
    s = _command_part(snippet)
    return re.search(rf"(?:^\s*|\bcds\s+){name}(?![\w-])", s) is not None


def _has_option(snippet: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", snippet) is not None


def test_every_command_is_documented():
    snippets = all_snippets()
    missing = [" ".join(words) for words in cli_commands()
               if not any(_mentions_command(s, words) for _, _, s in snippets)]
    assert not missing, (f"commands not documented in README.md or docs/*.md "
                         f"(as `cds NAME …` or a code span starting with NAME): {missing}")


def test_every_option_is_documented_with_its_command():
    snippets = all_snippets()
    missing = []
    for words, parser in cli_commands().items():
        for option in _long_options(parser):
            if not any(_mentions_command(s, words) and _has_option(s, option)
                       for _, _, s in snippets):
                missing.append(f"cds {' '.join(words)} {option}")
    for option in _long_options(build_parser()):
        if not any(re.search(r"\bcds\b", s) and _has_option(s, option) for _, _, s in snippets):
            missing.append(f"cds {option}")
    assert not missing, ("options not documented next to their command (in one code span or "
                         f"code line) in README.md or docs/*.md: {missing}")


# `cds` as a program being run: at the start, after a space, a backquote, "(" or ".../bin/".
_INVOCATION = re.compile(r"(?:^|(?<=[\s`(])|(?<=bin/))cds[ \t]+")
_WORD = re.compile(r"[a-z][a-z0-9-]*(?=$|[\s`'\")\],.;:…])")


def _check_invocation(text: str, commands, globals_) -> str | None:
    """None when ``text`` (what follows `cds `) uses real commands and options, else why not."""
    tokens = text.replace("[", " ").replace("]", " ").split()
    i = 0
    while i < len(tokens) and tokens[i].startswith("-"):
        opt = tokens[i].split("=")[0]
        if opt not in globals_:
            return f"unknown option {opt}"
        i += 2 if globals_[opt] and "=" not in tokens[i] else 1
    if i >= len(tokens) or not _WORD.fullmatch(tokens[i].rstrip(",.;:)`'\"…")):
        return None                                  # `cds --help`, `cds COMMAND`, prose
    path = (tokens[i].rstrip(",.;:)`'\"…"),)
    if path not in commands:
        return f"unknown command {path[0]!r}"
    i += 1
    while _subcommands(commands[path]) and i < len(tokens):
        word = tokens[i].rstrip(",.;:)`'\"…")
        if (*path, word) in commands:
            path, i = (*path, word), i + 1
        elif _WORD.fullmatch(word):
            return f"`cds {' '.join(path)}` has no action {word!r}"
        else:
            break
    known = set(_long_options(commands[path])) | set(globals_) | {_HELP}
    for tok in tokens[i:]:
        m = re.match(r"(--[a-z][\w-]*)", tok)
        if m and m.group(1) not in known:
            return f"`cds {' '.join(path)}` has no option {m.group(1)}"
    return None


def test_documented_commands_and_options_exist():
    commands, globals_ = cli_commands(), _global_takes_value()
    wrong = []
    for name, line, snippet in all_snippets():
        parts = _INVOCATION.split(snippet)
        for part in parts[1:]:
            why = _check_invocation(part, commands, globals_)
            if why:
                wrong.append(f"{name}:{line}: {why}: {snippet.strip()}")
    assert not wrong, "\n".join(wrong)


# --- 2. feeds.yml ------------------------------------------------------------------------------

def _models_in(annotation) -> list[tuple[type[BaseModel], bool]]:
    """The pydantic models inside a type annotation, each with whether it is inside a list."""
    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.append((annotation, False))
    in_list = typing.get_origin(annotation) in (tuple, list, set, frozenset)
    for arg in typing.get_args(annotation):
        found += [(m, nested or in_list) for m, nested in _models_in(arg)]
    return found


def _root_model() -> type[BaseModel]:
    roots = [m for m in vars(config).values()
             if isinstance(m, type) and issubclass(m, BaseModel)
             and {"site", "sources"} <= set(m.model_fields)]
    assert len(roots) == 1, "cannot find the feeds.yml model in pipeline/config.py"
    return roots[0]


TOP = "feeds.yml"


def feeds_keys() -> dict[tuple[str, str], BaseModel]:
    """(section, key) → the model declaring it, for every key feeds.yml accepts. Sections are
    named as the doc's headings: ``feeds.yml`` (the top level), ``site``, ``defaults``,
    ``sources``, ``sources[].list`` …"""
    out = {}

    def walk(model, section, prefix):
        for name, info in model.model_fields.items():
            key = info.alias or name
            out[(section, key)] = model
            for sub, in_list in _models_in(info.annotation):
                walk(sub, prefix + key, prefix + key + ("[]" if in_list else "") + ".")

    walk(_root_model(), TOP, "")
    return out


def feeds_sections() -> dict[str, list[tuple[int, list[str]]]]:
    """heading code span → the table rows under it, in docs/feeds-yml.md."""
    out: dict[str, list[tuple[int, list[str]]]] = {}
    for line, heading, cells in table_rows(read_doc(FEEDS_DOC)):
        for name in code_spans(heading or ""):
            out.setdefault(name, []).append((line, cells))
    return out


def test_feeds_keys_are_known():
    keys = feeds_keys()
    sections = {s for s, _ in keys}
    assert {TOP, "site", "defaults", "sources", "sources[].list", "sources[].article",
            "sources[].cadence"} <= sections, sections
    # the per-source overrides of `defaults` are among the source keys
    defaults = {k for s, k in keys if s == "defaults"}
    assert {"timeout", "interval", "max_items", "user_agent"} <= defaults
    assert {("sources", k) for k in ("timeout", "interval", "max_items", "user_agent")} <= set(keys)


def test_every_feeds_key_has_a_row_under_its_section():
    keys, sections = feeds_keys(), feeds_sections()
    problems = []
    for section, key in keys:
        rows = sections.get(section)
        if rows is None:
            problems.append(f"no heading with `{section}` holding a table")
            continue
        row = next((cells for _, cells in rows if first_code(cells[0]) == key), None)
        if row is None:
            problems.append(f"`{section}`: no row for key `{key}`")
        elif len(row) < 4 or not all(row[:4]):
            problems.append(f"`{section}`.`{key}`: the row needs key, type, default, meaning")
    assert not problems, "docs/feeds-yml.md:\n" + "\n".join(dict.fromkeys(problems))


def test_feeds_doc_has_no_rows_for_unknown_keys():
    keys, sections = feeds_keys(), feeds_sections()
    wrong = []
    for section in {s for s, _ in keys}:
        for line, cells in sections.get(section, []):
            key = first_code(cells[0])
            if key is not None and (section, key) not in keys:
                wrong.append(f"docs/feeds-yml.md:{line}: `{key}` is not a key of `{section}`")
    assert not wrong, "\n".join(wrong)


def _parse(text: str):
    return config.parse_text(text, ROOT)


def test_documented_defaults_are_the_real_ones():
    sections = feeds_sections()
    base = {"site": {"title": "X", "url": "https://example.gov.vn/"}, "sources": []}
    stated = {"site": dict(base["site"]), "defaults": {}, "sources": []}
    for section in ("site", "defaults"):
        for _, cells in sections[section]:
            key, default = first_code(cells[0]), first_code(cells[2]) if len(cells) > 2 else None
            if key and default is not None:
                stated[section][key] = yaml.safe_load(default)
    assert stated["defaults"].keys() == {k for s, k in feeds_keys() if s == "defaults"}
    documented = _parse(yaml.safe_dump(stated, allow_unicode=True))
    real = _parse(yaml.safe_dump(base, allow_unicode=True))
    assert documented.defaults == real.defaults, \
        f"docs/feeds-yml.md states other defaults than config.py: {documented.defaults}"
    assert documented.site == real.site, \
        f"docs/feeds-yml.md states other site defaults than config.py: {documented.site}"


def _examples(marker: str) -> list[tuple[Block, Block | None]]:
    """The blocks marked ``<!-- example: marker -->``, each with the block after it."""
    blocks = read_doc(FEEDS_DOC).blocks
    return [(b, blocks[i + 1] if i + 1 < len(blocks) else None)
            for i, b in enumerate(blocks) if b.marker == marker]


def _used_keys(data: dict) -> set[tuple[str, str]]:
    used = set()

    def walk(node, section, prefix):
        if isinstance(node, dict):
            for key, value in node.items():
                used.add((section, key))
                items = value if isinstance(value, list) else [value]
                for item in items:
                    if isinstance(item, dict):
                        suffix = "[]" if isinstance(value, list) else ""
                        walk(item, prefix + key, prefix + key + suffix + ".")

    walk(data, TOP, "")
    return used


def test_valid_examples_load_and_use_every_key():
    examples = _examples("valid")
    assert len(examples) >= 3
    used, kinds = set(), []
    for block, _ in examples:
        try:
            cfg = _parse(block.text)
        except ConfigError as exc:
            pytest.fail(f"docs/feeds-yml.md:{block.line}: example does not load:\n{exc}")
        used |= _used_keys(yaml.safe_load(block.text))
        kinds += cfg.sources
    assert any(s.kind == "feed" and s.article for s in kinds), "no feed example with article"
    assert any(s.kind == "html" and s.list.next and s.list.max_pages > 1 for s in kinds), \
        "no html example with pagination"
    missing = sorted(set(feeds_keys()) - used)
    assert not missing, f"keys no valid example in docs/feeds-yml.md uses: {missing}"


def test_error_examples_print_the_real_messages():
    examples = _examples("errors")
    assert examples
    for block, output in examples:
        assert output is not None and output.info == "text", \
            f"docs/feeds-yml.md:{block.line}: an errors example is followed by a text block"
        with pytest.raises(ConfigError) as exc:
            _parse(block.text)
        assert [f"error: {p}" for p in exc.value.problems] == output.text.splitlines(), \
            f"docs/feeds-yml.md:{output.line}: not what cds prints"


def test_documented_durations_parse():
    rows = [cells for _, heading, cells in table_rows(read_doc(FEEDS_DOC))
            if heading == "Durations" and first_code(cells[0])]
    assert rows
    for cells in rows:
        for written in code_spans(cells[0]):
            assert config.parse_interval(written) > 0


# Bad feeds.yml texts that, between them, provoke every message config.py has.
_SITE = "site: {title: X, url: 'https://x.vn/'}\n"
_SRC = "sources:\n  - {id: a, name: A, kind: feed, url: 'https://a.vn/', %s}\n"
BAD_FEEDS = [
    "site:\n  title: X\n  url: x.vn\n  timzone: UTC\n",
    "site:\n\ttitle: X\n",
    "site: {title: X, url: 'https://x.vn/', title: Y}\nsources: []\n",
    "- a\n",
    "site: {title: [X], url: 'https://x.vn/', timezone: ICT, language: Vietnamese}\n"
    "defaults: {timeout: abc, max_items: many, concurrency: 100, user_agent: ''}\nsources:\n",
    "site: 5\ndefaults: {timeout: 0, interval: 0m, max_items: 0}\nsources: []\n",
    _SITE + _SRC % "id: A B, kind: rss, url: 'ftp://a', enabled: maybe, keywords: k, name: ",
    _SITE + _SRC % "aliases: ['https://m.a.vn/'], interval: '30 minutes', cadence: {count: 0, per: year}",
    _SITE + "sources:\n  - {id: a, name: A, kind: html, url: 'https://a.vn/'}\n"
    "  - {id: a, name: B, kind: feed, url: 'https://b.vn/', list: {item: x, link: a}}\n"
    "  - {id: c, name: C, kind: html, url: 'https://c.vn/', list: {item: '.x[', link: a,"
    " max_pages: 3}, article: {title: h1}}\n",
]


def real_messages(tmp_path: Path) -> list[str]:
    out = []
    for text in BAD_FEEDS:
        with pytest.raises(ConfigError) as exc:
            _parse(text)
        out += exc.value.problems
    for name, data in (("missing", None), ("latin1", "site: {title: \xe9}".encode("latin-1"))):
        folder = tmp_path / name
        folder.mkdir()
        if data is not None:
            (folder / "feeds.yml").write_bytes(data)
        with pytest.raises(ConfigError) as exc:
            config.load(folder)
        out += exc.value.problems
    return out


def _pattern(span: str) -> re.Pattern:
    """A documented message with placeholders (PLACE, X, K, N, M, ROOT, …) as a regex."""
    parts = re.split(r"(PLACE|sources\[N\]|\bROOT\b|\bX\b|\bK\b|\bN\b|\bM\b|…)", span)
    table = {"PLACE": r"[\w.\[\]]+", "sources[N]": r"sources\[\d+\]", "ROOT": r".+",
             "X": r".+?", "K": r".+?", "N": r"\d+", "M": r"\d+", "…": r".*"}
    return re.compile("".join(table.get(p, re.escape(p)) for p in parts))


def test_documented_messages_are_the_real_ones(tmp_path: Path):
    """Every message in the table of docs/feeds-yml.md is one that config.py gives."""
    messages = real_messages(tmp_path)
    rows = [cells for _, heading, cells in table_rows(read_doc(FEEDS_DOC))
            if heading == "Error messages" and cells[0].startswith("`")]
    assert len(rows) > 10
    unknown = [span for cells in rows for span in code_spans(cells[0])
               if not any(_pattern(span).search(m) for m in messages)]
    assert not unknown, f"messages in docs/feeds-yml.md that config.py does not give: {unknown}"


# --- 3. the content store ----------------------------------------------------------------------

def test_every_front_matter_key_has_a_row():
    rows = table_rows(read_doc(CONTENT_DOC))
    documented = {first_code(cells[0]): cells for _, heading, cells in rows
                  if heading == "Front matter" and first_code(cells[0])}
    missing = [k for k in store.FIELD_ORDER if k not in documented]
    assert not missing, f"front-matter keys missing from docs/content-model.md: {missing}"
    incomplete = [k for k, cells in documented.items() if len(cells) < 4 or not all(cells[:4])]
    assert not incomplete, f"rows without type, owner or meaning: {incomplete}"
    unknown = sorted(set(documented) - set(store.FIELD_ORDER))
    assert not unknown, f"rows for keys the store does not know: {unknown}"


def test_content_example_is_what_the_store_writes():
    examples = [b for b in read_doc(CONTENT_DOC).blocks if b.marker == "article"]
    assert len(examples) == 1
    text = examples[0].text
    article = store.parse(text, "docs/content-model.md")
    assert store.dump(article) == text, \
        "docs/content-model.md: the example is not what pipeline.store.articles.dump writes"
    assert article.id == store.make_id(article.url)
    path = f"articles/{article.published:%Y/%m}/{slug(article.title)}.md"
    assert f"content/{path}" in CONTENT_DOC.read_text(encoding="utf-8")


# --- 4. links ---------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").replace("*", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, _, text in read_doc(path).headings():
        slug = _slug(text)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(path: Path):
    broken = []
    for line, text in read_doc(path).prose:
        text = _CODE_SPAN.sub("", text)
        for m in _LINK.finditer(text):
            target = m.group(1)
            if _SCHEME.match(target):
                continue
            file_part, _, fragment = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            if not dest.exists():
                broken.append(f"{path.name}:{line}: {target}: no such file")
            elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
                broken.append(f"{path.name}:{line}: {target}: no such heading in {dest.name}")
    assert not broken, "\n".join(broken)


# --- 5. the editors' guide --------------------------------------------------------------------

def test_editor_guide_covers_the_daily_work():
    text = EDITOR_DOC.read_text(encoding="utf-8")
    for needle in ("locked: true", "status: rejected", "pending", "featured: true",
                   "themes_locked: true", "cds tag --explain", "cds check", "cds docs add",
                   "cds status", "cds build", "cds serve", "cds run --commit",
                   "van-ban.md", "feeds-yml.md", "feeds.yml"):
        assert needle in text, needle
    # written in Vietnamese, with diacritics
    assert "Hướng dẫn biên tập" in text and "biên tập viên" in text
