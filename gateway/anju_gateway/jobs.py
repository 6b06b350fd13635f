"""Background jobs that run on one replica at a time (see :mod:`anju_gateway.store.leases`)."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from ulid import ULID

from anju_common.ratelog import RateLimitedLog
from anju_contracts.common import format_ts
from anju_gateway.clock import Clock
from anju_gateway.metrics import JOB_LEASE
from anju_gateway.store import leases
from anju_gateway.store.db import Database

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

T = TypeVar("T")

REPLICA_ID = f"{socket.gethostname()}:{os.getpid()}:{str(ULID())[-6:]}"
"""This process among the replicas (host, pid and a random tail: pids repeat after restarts)."""


class JobLease:
    """This replica's claim on one job: ``held()`` is True while it may run the job.

    The lease is renewed when half of it has passed, so a held job costs one small write every
    ``ttl_s / 2``; a replica that stops renewing loses it ``ttl_s`` after its last renewal.
    """

    def __init__(self, db: Database, job: str, clock: Clock, ttl_s: float) -> None:
        self.db = db
        self.job = job
        self.clock = clock
        self.ttl_s = ttl_s
        self._renew_at = 0.0  # monotonic
        self._held = False

    def held(self) -> bool:
        now_m = time.monotonic()
        if now_m < self._renew_at:
            return self._held
        now = self.clock.now()
        try:
            with self.db.write() as conn:
                held = leases.take(
                    conn,
                    job=self.job,
                    holder=REPLICA_ID,
                    now=format_ts(now),
                    until=format_ts(now + timedelta(seconds=self.ttl_s)),
                )
        except Exception as exc:  # the database is away: whoever can renew runs the job
            _ratelog.warning(f"lease:{self.job}", "job %s: lease not renewed (%s)", self.job, exc)
            self._held = False
            self._renew_at = now_m + 1.0
            JOB_LEASE.labels(job=self.job).set(0)
            return False
        if held != self._held:
            logger.info("job %s: %s", self.job, "taken here" if held else "runs elsewhere")
        JOB_LEASE.labels(job=self.job).set(1 if held else 0)
        self._held = held
        # Holder: renew at half-life. Not holder: look again soon (the lease may lapse).
        self._renew_at = now_m + (self.ttl_s / 2 if held else min(self.ttl_s / 4, 2.0))
        return held

    def release(self) -> None:
        """Hand the job over at once (a clean stop); errors here only delay the hand-over."""
        if not self._held:
            return
        self._held = False
        self._renew_at = 0.0
        try:
            with self.db.write() as conn:
                leases.give_up(conn, job=self.job, holder=REPLICA_ID)
        except Exception as exc:  # the database is down: the lease lapses by itself
            logger.warning("job %s: lease not released (%s); it lapses by itself", self.job, exc)

    def guard(self, job: Callable[[], T], idle: T) -> Callable[[], T]:
        """``job`` when this replica holds the lease, else ``idle``."""

        def round_() -> T:
            return job() if self.held() else idle

        return round_
