"""The site build's parts: the MkDocs plugin (:mod:`.plugin`), publish's page kinds
(:mod:`.pages`), the incremental state (:mod:`.state`). :mod:`pipeline.site.sitebuild` drives them."""
