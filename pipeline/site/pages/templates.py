"""The Jinja2 environment of the site's pages: the root's ``templates/`` folder first, then the
package's (a ChoiceLoader), autoescape on. A root template that is missing nothing but broken
gives one line naming the file (:class:`ConfigError`), never a traceback."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path

import jinja2
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from markupsafe import Markup

from pipeline.core.errors import ConfigError
from pipeline.core.markup import rel_url, vn_date
from pipeline.core.urls import host_of
from pipeline.site.templating import root_folder

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
# The Python modules whose code shapes a page (with the templates: see :func:`fingerprint`).
_CODE_FILES = ("site/publish.py", "site/pages/templates.py", "site/pages/builder.py",
               "site/pages/topics.py", "site/pages/layout.py", "site/pages/register.py",
               "core/urls.py", "core/dateline.py", "core/markup.py", "store/media.py",
               "site/portal/share.py", "site/pages/bodies.py", "site/render.py")


def trusted(text: str) -> Markup:
    """The one place page code hands a template text that is NOT escaped: Markdown or HTML
    that cds itself made (an article's body, the markers the site build reads, HTML blocks
    other stages add to the home page)."""
    return Markup(text)


def escape(value: object) -> object:
    """How templates escape (their ``finalize``): ``html.escape``, quotes included, so pages keep
    the ``&quot;``/``&#x27;`` they always had; Markup (macros, :func:`trusted`) passes as it is."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


def vn_datetime(dt: datetime, tz: tzinfo) -> str:
    """``Thứ Tư, 09/06/2021 18:37`` in the site's time zone."""
    local = dt.astimezone(tz)
    return f"{WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y %H:%M}"


def _rel(to: str, frm: str) -> str:
    return rel_url(frm, to)


def _host(url: str) -> str:
    return host_of(url) or url


def bytecode_cache(root: Path | str | None, *code: Path) -> FileSystemBytecodeCache | None:
    """Compiled templates kept between builds in ``<root>/.cds/jinja-pages/<digest>/``, the
    digest of ``code`` (the modules that set up the environment: its options shape the
    compiled code) and Jinja's version; Jinja itself checks every template's source against
    what was compiled. None without a root or when the folder cannot be made."""
    if root is None:
        return None
    h = hashlib.sha256(jinja2.__version__.encode())
    for path in code:
        h.update(Path(path).read_bytes())
    folder = Path(root) / ".cds" / "jinja-pages" / h.hexdigest()[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


def environment(root: Path | str | None, tz: tzinfo) -> Environment:
    """The environment for one root: its ``templates/`` (when there), then the package's."""
    loaders = [FileSystemLoader(str(f)) for f in (root_folder(root),) if f is not None]
    env = Environment(loader=ChoiceLoader([*loaders, FileSystemLoader(str(PACKAGE_TEMPLATES))]),
                      autoescape=True, trim_blocks=True, lstrip_blocks=True,
                      undefined=StrictUndefined, auto_reload=False,
                      finalize=escape, bytecode_cache=bytecode_cache(root, Path(__file__)))
    env.filters["rel"] = _rel
    env.filters["host"] = _host
    env.filters["vn_datetime"] = lambda dt: vn_datetime(dt, tz)
    env.filters["local_iso"] = lambda dt: dt.astimezone(tz).isoformat()
    env.filters["vn_date"] = vn_date
    env.globals["root_templates"] = root_folder(root)
    return env


def _files(folder: Path | None) -> Iterable[Path]:
    if folder is None or not folder.is_dir():
        return ()
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def fingerprint(root: Path | str | None) -> str:
    """The digest of everything that shapes a page besides its data: the Python modules that
    make pages, every template of the package, and every file of the root's ``templates/``
    (so an edited override makes every page again)."""
    pkg = PACKAGE_TEMPLATES.parent
    h = hashlib.sha256()
    for rel in _CODE_FILES:
        path = pkg / rel
        h.update(rel.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    for base in (PACKAGE_TEMPLATES, root_folder(root)):
        for path in _files(base):
            h.update(path.relative_to(base).as_posix().encode("utf-8", "surrogateescape")
                     + b"\0" + path.read_bytes() + b"\0")
        h.update(b"\1")
    return h.hexdigest()
