"""Read-only views over stored alerts: the daily clearance report (``daily``), analytics
(``analytics``: hour-of-day cube, trend, month-over-month) and the SVG pictures (``svg``).

May import: ``anju_contracts``, ``anju_gateway.store``, ``access`` (scope).
Never ``api`` or ``web``.
"""
