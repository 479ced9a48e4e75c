"""Material's navigation partial rendered once a page class (placeholder: off)."""

from __future__ import annotations


def install(env, config, nav_pages):
    return None
