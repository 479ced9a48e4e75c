"""Template folders a root may override, and rendering with one-line errors.

A root's ``templates/<folder>/`` comes first, then the package's (a Jinja ``ChoiceLoader``); a
broken override is one line naming the file (:class:`ConfigError`), never a traceback. Used by the
site's pages (:mod:`pipeline.site.pages.templates`), the portal's columns and the results
section, so it sits below both ``pages`` and ``portal``."""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)

from pipeline.core.errors import ConfigError

ROOT_TEMPLATES = "templates"            # <root>/templates/: the province's overrides


def root_folder(root: Path | str | None) -> Path | None:
    folder = Path(root) / ROOT_TEMPLATES if root is not None else None
    return folder if folder is not None and folder.is_dir() else None



def overridable(root: Path | str | None, sub: str, package: Path, *, code: Path | None = None,
                **options: object) -> "Renderer":
    """A :class:`Renderer` for a template folder outside ``site/`` (the results pages, the
    portal's columns): ``<root>/templates/<sub>/`` first, then the package's ``package`` folder;
    ``options`` are the folder's own Jinja settings (they shape its bytes). ``code``: the
    module that chose ``options``; with it and a root, compiled templates are kept between
    builds (:func:`compiled_cache`)."""
    folder = root_folder(root)
    loaders = [FileSystemLoader(str(folder / sub))] if folder is not None and \
        (folder / sub).is_dir() else []
    cache = compiled_cache(root, sub, code) if code is not None else None
    env = Environment(loader=ChoiceLoader([*loaders, FileSystemLoader(str(package))]),
                      bytecode_cache=cache, **options)  # type: ignore[arg-type]
    env.globals["root_templates"] = folder
    return Renderer(env)


def compiled_cache(root: Path | str | None, sub: str, code: Path) -> FileSystemBytecodeCache | None:
    """Jinja's public bytecode cache in ``<root>/.cds/jinja-<sub>/<digest>/``, the digest of
    Jinja's version, this module and ``code`` (what chose the environment's options: they
    shape the compiled code); Jinja checks each template's source against what was compiled.
    None without a root or when the folder cannot be made (templates are then compiled)."""
    if root is None:
        return None
    h = hashlib.sha256(version("jinja2").encode())
    for path in (Path(__file__), Path(code)):
        h.update(path.read_bytes())
    cache = Path(root) / ".cds" / f"jinja-{sub}" / h.hexdigest()[:16]
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(cache))


class Renderer:
    """Renders the templates of one environment; problems as one line naming the file."""

    def __init__(self, env: Environment):
        self.env = env
        self._cache: dict[str, object] = {}

    def _where(self, name: str, filename: str | None = None) -> str:
        root = self.env.globals.get("root_templates")
        if filename:
            path = Path(filename)
            if root is not None and path.is_relative_to(root):
                return f"{ROOT_TEMPLATES}/{path.relative_to(root).as_posix()} (the root's template)"
            return str(path)
        return f"template {name}"

    def template(self, name: str):
        tpl = self._cache.get(name)
        if tpl is None:
            try:
                tpl = self._cache[name] = self.env.get_template(name)
            except TemplateSyntaxError as exc:
                raise ConfigError(f"{self._where(name, exc.filename)}: line {exc.lineno}: "
                                  f"{exc.message}") from None
            except TemplateNotFound as exc:
                raise ConfigError(f"{self._where(name)}: cannot be found ({exc.name} is "
                                  "missing); restore it or remove the override that uses it") \
                    from None
        return tpl

    def render(self, name: str, **context: object) -> str:
        tpl = self.template(name)
        try:
            return tpl.render(**context)
        except TemplateNotFound as exc:
            raise ConfigError(f"{self._where(name, tpl.filename)}: includes {exc.name}, "
                              "which cannot be found") from None
        except TemplateSyntaxError as exc:
            raise ConfigError(f"{self._where(name, exc.filename)}: line {exc.lineno}: "
                              f"{exc.message}") from None
        except (TemplateError, TypeError, AttributeError, ValueError) as exc:
            raise ConfigError(f"{self._where(name, tpl.filename)}: cannot be rendered: "
                              f"{' '.join(str(exc).split())}") from None

    def module(self, name: str):
        """A template's macros, callable from Python (``Template.module``)."""
        return self.template(name).module
