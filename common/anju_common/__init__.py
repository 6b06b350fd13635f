"""The ground shared by the edge and the gateway (and the simulator).

What lives here: the SQLite helper, the in-process event fan-out, the Server-Sent Events
stream with its session re-check, rate-limited logging, the one sliding-window limiter, the
one wakeable worker with backoff, the one CSV download (formula-safe cells, BOM), and the
version.

What it may import: the standard library, third-party libraries and ``anju_contracts``. Never
``anju_edge``, ``anju_gateway``, ``anju_sim``, ``anju_models`` or the ``anju`` roof.
"""

__version__ = "0.1.0"
