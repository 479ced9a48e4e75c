"""The plan's results: targets as data (``plan.yml``), what the harvested news evidences against
them, the site's "Kết quả thực hiện" section, the monthly digest and ``cds report``.

Modules: ``plan`` (plan.yml → :class:`Plan`), ``periods`` (months, quarters, halves, years),
``count`` (articles → :class:`Results`), ``svg`` (static charts), ``pages`` (site_src files),
``report`` (md/csv/docx writers), ``deadlines`` (the next report due, for ``cds status``).
"""
