"""An alert after it is stored: the lifecycle state machine (``machine``, pure), transitions
applied to the store (``lifecycle``), SLA clocks (``sla``) and the live-feed payloads (``feed``).

May import: ``anju_contracts``, ``anju_common``, ``anju_gateway.store``, and the plumbing modules
(settings, clock, metrics, events). Never ``api``, ``web`` or another domain folder.
"""
