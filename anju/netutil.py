"""Small network helpers used by the demo and the test fixtures."""

from __future__ import annotations

import socket
import time

from anju_common.ports import free_port

__all__ = ["free_port", "wait_for_port"]


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s") from None
            time.sleep(0.05)
