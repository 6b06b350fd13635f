"""The end of the edge process after a clean stop.

A detector thread still inside onnxruntime when the interpreter exits (an inference that
outlasted the pipeline's 10 s join, as under qemu emulation or on an overloaded box) is torn
down by the runtime's C++ destructors under its feet: ``terminate called without an active
exception`` and SIGABRT (exit 134 / -6), which systemd logs as a crash and which looks like
data loss to an operator. By the time the service has stopped, everything durable is closed
(outbox, device state), so the process may leave without running those destructors.
"""

from __future__ import annotations

import logging
import os
import threading

logger = logging.getLogger(__name__)


def lingering(prefix: str = "detector") -> list[str]:
    """Names of the threads with that prefix that are still running."""
    return sorted(
        t.name for t in threading.enumerate() if t.name.startswith(prefix) and t.is_alive()
    )


def leave(code: int = 0) -> None:
    """Exit now if a detector thread still runs (see the module's docstring); else return and
    let the interpreter finish as usual."""
    names = lingering()
    if not names:
        return
    logger.warning(
        "stopped; %s still inside the model: leaving without the runtime's destructors",
        ", ".join(names),
    )
    logging.shutdown()
    os._exit(code)
