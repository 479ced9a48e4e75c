"""Only public ground under cds: no private name of MkDocs, Material, Markdown or Jinja is
imported or used, and nothing of theirs is monkeypatched (an AST scan of every module of
``pipeline/``).

What counts as a violation (:func:`violations`):

- importing a ``_``-prefixed name, or a ``_``-prefixed module, of those packages;
- ``x._name`` where ``x`` is bound to something imported from them, or where ``_name`` is a
  private name those packages define (found by scanning their installed sources) and ``x`` is
  not ``self``/``cls`` (``page._title_from_render``, ``registry._sort``, ``cfg._current_page``);
- assigning to an attribute (or calling ``setattr``/``delattr`` on) anything imported from them
  — a module or a class — or to an attribute whose name is a method of their common classes
  (``File.is_modified``, ``Template.make_module`` …, or ``root_render_func``) on any object;
- replacing one of their Jinja filters (``env.filters["url"] = …``); adding new ones is public.
"""

from __future__ import annotations

import ast
import inspect
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("mkdocs", "material", "markdown", "jinja2")


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _private(name: str) -> bool:
    return name.startswith("_") and not _dunder(name)


def _foreign(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in PACKAGES


@cache
def _methods() -> frozenset[str]:
    """Method names of the classes of those packages a build touches."""
    import jinja2
    import markdown
    import markdown.util
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.plugins import PluginCollection
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page
    from mkdocs.theme import Theme

    names = {"root_render_func", "blocks"}
    for cls in (jinja2.Template, jinja2.Environment, markdown.Markdown, markdown.util.Registry,
                MkDocsConfig, PluginCollection, File, Files, Navigation, Page, Theme):
        names |= {n for n, v in inspect.getmembers(cls) if callable(v) and not _dunder(n)}
    return frozenset(names)


@cache
def _their_filters() -> frozenset[str]:
    from jinja2.defaults import DEFAULT_FILTERS
    from mkdocs.utils import filters

    return frozenset(DEFAULT_FILTERS) | {n for n in vars(filters) if not n.startswith("_")} | {
        "url", "script_tag"}


@cache
def their_private_names() -> frozenset[str]:
    """Every ``_``-prefixed name the installed MkDocs, Material, Markdown and Jinja define."""
    import importlib

    paths: list[Path] = []
    for name in PACKAGES:
        paths += Path(importlib.import_module(name).__file__).parent.rglob("*.py")
    return frozenset(private_names(paths))


def private_names(paths) -> set[str]:
    """Every ``_``-prefixed name defined in ``paths`` (functions, classes, variables,
    attributes, arguments, import aliases)."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[0])
    return {n for n in names if _private(n)}


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def violations(source: str, where: str = "<code>") -> list[str]:
    """One line per use of a private name of, or monkeypatch on, MkDocs/Material/Markdown/Jinja."""
    tree = ast.parse(source)
    out: list[str] = []
    foreign: set[str] = set()                  # local names bound to their modules or classes
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _foreign(alias.name):
                    foreign.add(alias.asname or alias.name.split(".")[0])
                    if any(_private(part) for part in alias.name.split(".")):
                        out.append(f"{where}:{node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and _foreign(node.module):
            if any(_private(part) for part in node.module.split(".")):
                out.append(f"{where}:{node.lineno}: imports from {node.module}")
            for alias in node.names:
                foreign.add(alias.asname or alias.name)
                if _private(alias.name):
                    out.append(f"{where}:{node.lineno}: imports {node.module}.{alias.name}")

    def target_problem(target: ast.AST) -> str | None:
        if isinstance(target, ast.Attribute) and _private(target.attr) and \
                target.attr in their_private_names() and not (
                isinstance(target.value, ast.Name) and target.value.id in ("self", "cls")):
            return f"assigns to {ast.unparse(target)} (a private name of theirs)"
        if isinstance(target, ast.Attribute):
            if _root(target.value) in foreign:
                return f"assigns to {ast.unparse(target)} (an attribute of their module or class)"
            if target.attr in _methods() and not (isinstance(target.value, ast.Name)
                                                  and target.value.id in ("self", "cls")):
                return f"assigns to {ast.unparse(target)} (replaces a method of theirs)"
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute) and \
                target.value.attr == "filters" and isinstance(target.slice, ast.Constant) and \
                target.slice.value in _their_filters():
            return f"assigns to {ast.unparse(target)} (replaces one of their filters)"
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and \
                isinstance(node.ctx, ast.Load):
            if _root(node.value) in foreign:
                out.append(f"{where}:{node.lineno}: uses {ast.unparse(node)}")
            elif node.attr in their_private_names() and not (
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                out.append(f"{where}:{node.lineno}: uses {ast.unparse(node)} (a private name of "
                           f"{'/'.join(PACKAGES)})")
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            for part in (target.elts if isinstance(target, ast.Tuple) else [target]):
                problem = target_problem(part)
                if problem:
                    out.append(f"{where}:{node.lineno}: {problem}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("setattr", "delattr") and node.args and \
                _root(node.args[0]) in foreign:
            out.append(f"{where}:{node.lineno}: {node.func.id} on {ast.unparse(node.args[0])}")
    return out


def modules() -> list[Path]:
    return sorted((REPO / "pipeline").rglob("*.py"))


def test_no_module_uses_private_names_or_monkeypatches():
    found = []
    for path in modules():
        found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert found == []


@pytest.mark.parametrize("code", [
    "from mkdocs.structure.pages import _RawHTMLPreprocessor",
    "from mkdocs.structure import pages as p\np._RawHTMLPreprocessor()",
    "from mkdocs.commands.build import _build_page",
    "import mkdocs.commands.build as b\nb._build_theme_template()",
    "def f(cfg):\n    cfg._current_page = None\n    return cfg._current_page",
    "def f(page):\n    return page._title_from_render",
    "def f(page, t):\n    page._title_from_render = t",
    "def f(cfg, page):\n    cfg._current_page = page",
    "def f(reg):\n    reg._sort()\n    return reg._priority",
    "def f(template, memo):\n    template.root_render_func = memo",
    "def f(template, m):\n    template.make_module = m",
    "def f(file):\n    file.is_modified = lambda: True",
    "def f(env, url):\n    env.filters['url'] = url",
    "import jinja2\njinja2.Template.render = None",
    "from mkdocs.structure.files import File\nFile.is_modified = None",
    "from mkdocs.structure.files import File\nsetattr(File, 'is_modified', None)",
    "from jinja2 import _identifier",
    "import markdown.__meta__ as m\nm._version",
])
def test_the_scan_finds_each_kind_of_violation(code):
    assert violations(code)


@pytest.mark.parametrize("code", [
    "import os\nos._exit(0)",
    "def f(p, etree):\n    return p._p, isinstance(p, etree._Element)",
    "class A:\n    def __init__(self):\n        self._x = 1\n    def f(self):\n        return self._x",
    "def f(env, g):\n    env.globals['cds_nav'] = g\n    env.filters['cds_date'] = g",
    "def f(page, html):\n    page.content = html\n    page.update_date = '2024-01-01'",
    "from mkdocs.plugins import BasePlugin\nclass P(BasePlugin):\n    def on_files(self, files, *, config):\n"
    "        self.files = files",
])
def test_the_scan_lets_public_use_pass(code):
    assert violations(code) == []
