"""Logging that cannot flood: the same kind of message at most once per interval."""

from __future__ import annotations

import logging
import threading
import time


class RateLimitedLog:
    """Logs the first occurrence of a key, then at most once per ``interval`` seconds.

    Suppressed occurrences are counted and reported with the next line that gets through, so
    an operator sees how bad it was without the log filling the SD card.
    """

    def __init__(self, logger: logging.Logger, interval: float = 60.0) -> None:
        self._logger = logger
        self._interval = interval
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warning(self, key: str, msg: str, *args: object) -> bool:
        return self.log(logging.WARNING, key, msg, *args)

    def exception(self, key: str, msg: str, *args: object) -> bool:
        """An error with the traceback of the exception being handled."""
        return self.log(logging.ERROR, key, msg, *args, exc_info=True)

    def log(self, level: int, key: str, msg: str, *args: object, exc_info: bool = False) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self._interval:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return False
            self._last[key] = now
            suppressed = self._suppressed.pop(key, 0)
        if suppressed:
            msg = msg + " (%d similar suppressed)"
            args = (*args, suppressed)
        self._logger.log(level, msg, *args, exc_info=exc_info)
        return True


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
