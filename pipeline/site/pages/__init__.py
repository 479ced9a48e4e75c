"""The pages cds writes into ``site_src/``, rendered from Jinja2 templates (``templates/site/`` in
the package, overridable by the root's ``templates/site/``): see ``docs/templates.md``."""
