"""The camera path: latest-frame slots -> decode and mask -> detector -> tracker -> camera rules
(zones, armed schedules) -> an annotated thumbnail -> the alert sink.

What it may import: ``anju_contracts``, ``anju_common``, the edge's ``detect`` library,
``config``, ``alerts`` and ``metrics``. Never ``gate``, ``delivery``, ``console`` or ``service``.
"""
