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
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
MEMOISED = ("partials/nav.html", "partials/tabs.html")


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
        self.table: dict[tuple, str] = {}
        self.hits = 0

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
        return (tuple(features), base,
                tuple(normalize_url(p.url, page=page, base=base) for p in self.nav_pages))

    def render(self, context, name: str):
        from markupsafe import Markup

        if self.real is None:
            raise RuntimeError("cds: the theme's loader is not a folder loader")
        key = self.key(context)
        if key is not None:
            html = self.table.get((name, *key))
            if html is not None:
                self.hits += 1
                return Markup(html)
        html = self.real.get_template(name).render(context.get_all())
        if key is not None:
            self.table[(name, *key)] = html
        return Markup(html)


def install(env, nav_pages) -> NavMemo:
    """``on_env``: the global ``cds_memo`` the partials of ``templates/`` call."""
    import jinja2

    memo = NavMemo(env, nav_pages)

    @jinja2.pass_context
    def cds_memo(context, name: str):
        return memo.render(context, name)

    env.globals["cds_memo"] = cds_memo
    return memo
