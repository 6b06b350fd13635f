"""The gate path: the worker that takes validated gate events off the ingest queue (with its
poison path: retries, a delay heap, dead letters), the check of the gate's clock against the
box's, the gate rules (tailgating, door held, forced, watch-list hits) and the watch-list matcher.

What it may import: ``anju_contracts``, ``anju_common``, ``config``, ``alerts``, ``ingest`` (the
event type) and ``metrics``. Never ``camera``, ``delivery``, ``console`` or ``service``; the
synced watch list and the dead-letter table come in as callables.
"""
