"""The gate path: the worker that takes validated gate events off the ingest queue, the gate
rules (tailgating, door held, forced, watch-list hits) and the watch-list matcher.

What it may import: ``anju_contracts``, ``config``, ``alerts``, ``ingest`` (the event type) and
``metrics``. Never ``camera``, ``delivery``, ``console`` or ``service``; the synced watch list
comes in as a callable.
"""
