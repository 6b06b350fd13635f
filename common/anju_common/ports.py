"""A free TCP port for a server about to start (the demo, the simulator, the tests).

Asking the kernel for port 0 and closing the socket hands out a port from the ephemeral range,
which every outgoing connection of the machine draws from too: between the pick and the server's
bind, a client socket (or another test process making the same pick) may take it, and the server
fails with "address already in use". So ports are picked below the ephemeral range, each pytest-
xdist worker in its own slice of it, walked from a random start, each checked by binding it.
"""

from __future__ import annotations

import os
import random
import socket
import threading
from pathlib import Path

_LOW = 20_000  # below the kernel's ephemeral range (Linux: 32768-60999)
_lock = threading.Lock()
_next: int | None = None


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _slice() -> tuple[int, int] | None:
    """This process's [start, end) of ports, or None when there is no room below the range."""
    high = _ephemeral_low()
    if high - _LOW < 1_000:
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker) if worker.isdigit() else 0
    width = (high - _LOW) // max(1, count)
    start = _LOW + (index % max(1, count)) * width
    return start, start + width


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    global _next
    span = _slice()
    if span is not None:
        start, end = span
        with _lock:
            if _next is None:
                _next = random.randrange(start, end)
            for _ in range(end - start):
                port = _next
                _next = start + (_next + 1 - start) % (end - start)
                if _bindable(host, port):
                    return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
