"""The door the edge boxes use: enrolment, alert ingest, heartbeats and supervision, sync.

May import: ``anju_contracts``, ``anju_common``, ``anju_gateway.store`` and the plumbing modules
(settings, clock, metrics, events), ``alerts`` (deadlines and feed payloads), ``precinct``
(watch-list rules), ``access``. Never ``api`` or ``web``.
"""
