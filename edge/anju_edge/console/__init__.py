"""The gate console (门岗控制台): served by the edge box on the compound's LAN, so it keeps
working while the uplink to the precinct is down. Its store (``store.py``) holds every SQL
statement of the console; ``routes/`` has one module per screen.

What it may import: ``anju_contracts``, ``anju_common``, ``config``, ``ingest`` (the gate event
type) and ``delivery`` (the device token, the gateway worker); never ``service``: the service
hands it narrow callables (staff accounts, device health, sending a gate command).
"""
