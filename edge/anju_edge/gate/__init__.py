"""The gate path: the gate rules (door forced, held open, tamper, watch-list hits) and the
watch-list matcher.

What it may import: ``anju_contracts``, ``config`` and ``alerts``. Never ``camera``,
``delivery``, ``console`` or ``service``; the synced watch list comes in as a callable.
"""
