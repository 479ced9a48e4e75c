"""Material's navigation and tab bar rendered once a page class, on public ground.

Every page of a cds site carries Material's whole navigation (``partials/nav.html``) and tab bar
(``partials/tabs.html``): for the thousands of article and listing pages that are not in the
navigation, both are the same HTML for every page whose links to the navigation pages come out
the same. The plugin puts this module's ``templates/`` folder in the theme's folders right after
the root's ``custom_dir`` (``on_config``; a root's own override of either partial still wins);
its two partials call the global ``cds_memo`` (registered in ``on_env``), which renders
Material's real partial — loaded through an overlay environment that skips that folder
(``Environment.overlay``) — with the including template's variables, and remembers the HTML
under everything it reads of the page: the theme features, ``base_url``, and the address the
``url`` filter gives every navigation page from this page (``mkdocs.utils.normalize_url``).
A page in the navigation, or any page while a navigation item is active, is rendered every
time. A plain ``mkdocs build`` or Zensical never sees this folder: Material's partials as they are.

The same folder holds ``partials/language.html``, which base.html imports (with context) on every
page for its ~30 translated strings a page: Material's ``t`` macro builds its whole table of
translations (a dict literal of ~100 keys) on every call, and falls back to English through a
second one. The override exports ``t = cds_translations()``: the global loads Material's real
``partials/language.html`` (the same overlay environment) once a build with the including
page's variables, and remembers what its ``t`` returns for each key. The real partial imports
``partials/languages/<theme.language>.html`` and ``en.html`` without context, so its answers
depend on the theme's language only (part of the key), never on the page. A root's own
``partials/language.html`` or ``partials/languages/*.html`` in ``custom_dir`` is honoured: the
first comes before this folder, the others are what the real partial loads.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
MEMOISED = ("partials/nav.html", "partials/tabs.html")
TRANSLATIONS = "partials/language.html"


def add_theme_folder(config) -> None:
    """``on_config``: this module's partials, after the root's ``custom_dir``."""
    dirs = config.theme.dirs
    folder = str(TEMPLATES)
    if folder in dirs:
        return
    custom = config.theme.custom_dir if hasattr(config.theme, "custom_dir") else None
    at = 1 if custom and dirs and Path(dirs[0]) == Path(custom) else 0
    dirs.insert(at, folder)


class NavMemo:
    def __init__(self, env, nav_pages):
        import jinja2

        dirs = [d for d in env.loader.searchpath if Path(d) != TEMPLATES] \
            if isinstance(env.loader, jinja2.FileSystemLoader) else None
        self.real = env.overlay(loader=jinja2.FileSystemLoader(dirs)) if dirs is not None else None
        self.nav_pages = list(nav_pages)
        self.nav_files = {p.file.src_uri for p in self.nav_pages}
        self.table: dict[tuple, object] = {}             # → Markup
        self.hits = 0
        self.last_urls: tuple | None = None

    def key(self, context) -> tuple | None:
        from mkdocs.utils import normalize_url

        page, nav = context.get("page"), context.get("nav")
        file = getattr(page, "file", None)
        features = context.get("features")
        base = context.get("base_url")
        if file is None or nav is None or file.src_uri in self.nav_files or \
                any(p.active for p in self.nav_pages) or not isinstance(base, str) or \
                not isinstance(features, (list, tuple)) or \
                not all(isinstance(f, str) for f in features):
            return None
        last = self.last_urls
        if last is not None and last[0] is page and last[1] == page.url and last[2] == base:
            urls = last[3]                     # nav.html and tabs.html of one page: once
        else:
            urls = tuple(normalize_url(p.url, page=page, base=base) for p in self.nav_pages)
            self.last_urls = (page, page.url, base, urls)
        return (tuple(features), base, urls)

    def render(self, context, name: str):
        from markupsafe import Markup

        if self.real is None:
            raise RuntimeError("cds: the theme's loader is not a folder loader")
        key = self.key(context)
        if key is not None:
            html = self.table.get((name, *key))
            if html is not None:
                self.hits += 1
                return html
        html = Markup(self.real.get_template(name).render(context.get_all()))
        if key is not None:
            self.table[(name, *key)] = html
        return html


class Translations:
    """Material's ``t`` (its real ``partials/language.html``), one answer a key and language."""

    def __init__(self, memo: NavMemo):
        self.memo = memo
        self.tables: dict[object, object] = {}       # theme language → t
        self.hits = 0
        self.misses = 0

    def t_for(self, context):
        config = context.get("config")
        theme = getattr(config, "theme", None)
        try:
            language = theme["language"] if theme is not None else None
            hash(language)
        except (KeyError, TypeError):
            language = None
        t = self.tables.get(language)
        if t is None:
            if self.memo.real is None:
                raise RuntimeError("cds: the theme's loader is not a folder loader")
            real_t = self.memo.real.get_template(TRANSLATIONS).make_module(context.get_all()).t
            answers: dict[object, object] = {}

            def t(key):
                try:
                    value = answers[key]
                except KeyError:
                    value = answers[key] = real_t(key)
                    self.misses += 1
                except TypeError:                   # an unhashable key: asked every time
                    return real_t(key)
                else:
                    self.hits += 1
                return value

            self.tables[language] = t
        return t


def install(env, nav_pages) -> NavMemo:
    """``on_env``: the globals the partials of ``templates/`` call (``cds_memo``,
    ``cds_translations``)."""
    import jinja2

    memo = NavMemo(env, nav_pages)
    memo.translations = Translations(memo)

    @jinja2.pass_context
    def cds_memo(context, name: str):
        return memo.render(context, name)

    @jinja2.pass_context
    def cds_translations(context):
        return memo.translations.t_for(context)

    env.globals["cds_memo"] = cds_memo
    env.globals["cds_translations"] = cds_translations
    return memo
