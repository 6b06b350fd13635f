"""Server-rendered pages (daily report, analytics) and the officers' console (static files).

May import: ``anju_contracts``, ``reports`` (the models it renders). No store, no SQL.
``headers`` is the middleware that puts the security headers (CSP and the rest) on every answer.
"""
