"""Anju edge service: one box per compound, from MQTT to alerts that reach the precinct.

The folders follow the path of an alert. At the door: ``mqtt_link`` (the broker session) and
``ingest`` (every message validated). Then ``camera/`` (frames -> the ``detect/`` library ->
tracker -> camera rules) and ``gate/`` (gate events -> gate rules, watch list), which both
raise into ``alerts`` (the one sink). ``delivery/`` takes alerts to the gateway (outbox,
uplink) and keeps the box in touch (heartbeat, sync, enrolment); ``console/`` is the gate
house's screen. At the top: ``service`` (wiring only), ``devices`` (supervision), ``config/``,
``metrics``, ``memory`` and ``cli``.

What it may import: ``anju_contracts``, ``anju_common`` and third-party libraries; never
``anju_gateway``, ``anju_sim``, ``anju_models`` or the ``anju`` roof.
"""
