"""``cds desk``: the editors' web desk (review queue, article view, edits), and the review
operations it shares with ``cds review``. Every change is one git commit authored by the editor.

Modules: ``review`` (the operations), ``gitlog`` (the write lock, commits, history),
``auth`` (accounts, Argon2id), ``sessions`` (server-side sessions, login throttling),
``locks`` (per-article edit locks), ``app`` (the Flask app factory and routes), ``preview``
(the article as the site shows it), ``cli`` (the ``desk`` and ``review`` commands).
"""
