"""HTTP API: one router per resource under ``routes/``, shared dependencies in ``deps``,
request/response bodies in ``schemas``, the published shape of a refusal in ``errors``, the
body-size middleware in ``limits``.

May import: everything of the gateway except ``app`` and ``cli``. Routes reach the store through
the ``deps`` aliases (``DbDep``) and call domain functions or store functions; they hold no SQL.
"""
