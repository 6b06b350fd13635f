"""Anju gateway: the precinct-side service that receives, tracks and forwards alerts.

The folders follow an alert's path through the gateway:

- ``edges/``: the door the boxes use: enrolment, alert ingest, heartbeats and the supervision
  of silent boxes, the watchlist/staff sync an edge downloads;
- ``alerts/``: what happens to an alert once stored: the lifecycle state machine and its
  transitions, SLA clocks, the live-feed payloads;
- ``precinct/``: what goes out to a precinct: signed webhooks, and the watch lists officers keep;
- ``reports/``: daily clearance reports and analytics (pictures are drawn in ``svg``);
- ``access/``: who may see what (scope) and secrets (tokens, passwords);
- ``store/``: every SQL statement, one module per table family, each owning its migrations;
- ``api/``: the HTTP routes and their dependencies; ``web/``: HTML pages and the console.

Top-level modules are plumbing every folder may use: ``settings``, ``clock``, ``metrics``,
``events`` (the live-feed fan-out); ``app`` wires everything and ``cli`` is the shell entry.
"""
