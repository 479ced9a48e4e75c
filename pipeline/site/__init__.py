"""The site stage: pages into site_src/, the MkDocs build, feeds, search, portal widgets, pings."""
