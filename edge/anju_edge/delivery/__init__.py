"""Delivery to and from the gateway: the durable outbox, the uplink that drains it, heartbeats,
edge sync (watch list and staff, cached on disk) and enrolment (the device token).

What it may import: ``anju_contracts``, ``anju_common``, ``config``, ``devices`` and
``metrics``. Never ``camera``, ``gate``, ``console`` or ``service``.
"""
