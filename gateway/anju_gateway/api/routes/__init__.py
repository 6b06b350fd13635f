"""One router per resource; each is listed once in ``anju_gateway.app``.

May import: ``api.deps``, ``api.schemas``, the domain folders (edges, alerts, precinct, reports,
access), store functions, ``web`` renderers. Routes never import each other except the shared
page helpers of ``reports``.
"""
