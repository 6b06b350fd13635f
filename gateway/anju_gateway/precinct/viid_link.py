"""The gateway as a lower system (下级) of each precinct's GA/T 1400 upper system (视图库).

One background worker (:class:`anju_common.worker.Worker`, started in the app lifespan, never
on the asyncio loop) runs rounds that, for every configured precinct:
1. queue: alerts past the cursor that the link wants become object rows (same transaction as
   the cursor move: nothing lost, nothing doubled);
2. session: Register (then ``GET /VIID/System/Time``, the clock offset kept for the status)
   when not registered; Keepalive every ``keepalive_s``; a refused keepalive or a lost
   connection means Register again (an upper system that restarted forgot us); refused
   credentials wait ``viid_auth_retry_s`` (no retry storm);
3. deliver: while registered, due objects are POSTed in lists per resource; each object's
   ``ResponseStatusObject`` decides it alone (delivered, retried with backoff, or dead after
   ``viid_max_attempts`` with the upper system's StatusString).
On a clean stop every registered session is closed with UnRegister.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from anju_common.ratelog import RateLimitedLog
from anju_common.worker import Worker
from anju_contracts import format_ts
from anju_contracts.viid import LIST_KEYS, RESOURCES, StatusCode
from anju_gateway.clock import Clock
from anju_gateway.jobs import JobLease
from anju_gateway.metrics import VIID_OBJECTS, VIID_SESSION
from anju_gateway.precinct.gbcodes import push_apes
from anju_gateway.precinct.viid_client import ViidClient, ViidError, object_errors
from anju_gateway.precinct.viid_dispositions import notification
from anju_gateway.precinct.viid_objects import BuiltObject, build, wanted
from anju_gateway.precinct.viid_secrets import secrets_for
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store import viid as store
from anju_gateway.store.db import Conn
from anju_gateway.store.gbcodes import override_of

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)
UNREGISTER_TIMEOUT_S = 1.0  # a whole stop may take 5 s (app.GRACEFUL_SHUTDOWN_S)
PATHS = {path: kind for kind, (path, _, _) in RESOURCES.items()}


@dataclass
class _Session:
    generation: int
    client: ViidClient
    registered: bool = False
    next_keepalive: datetime | None = None
    retry_at: datetime | None = None
    failures: int = 0
    apes: str | None = None  # digest of the APE list pushed since registering


class ViidLink:
    def __init__(
        self, db: Database, settings: GatewaySettings, clock: Clock, lease: JobLease | None = None
    ) -> None:
        self.db = db
        self.lease = lease  # None: this is the only replica (tests driving a round directly)
        self.settings = settings
        self.clock = clock
        self.secrets = secrets_for(db, settings.data_dir)
        self._sessions: dict[str, _Session] = {}
        self._busy = threading.Lock()  # a round and the closing UnRegisters never overlap
        self._worker = Worker(
            "viid-link", self.run_round, idle_s=settings.viid_poll_s,
            join_timeout_s=settings.viid_timeout_s + 5,
        )  # fmt: skip

    def start(self) -> None:
        self._worker.start()

    def request_stop(self) -> None:
        self._worker.request_stop()

    def stop(self, timeout_s: float | None = None) -> None:
        """End the worker, then UnRegister (each within UNREGISTER_TIMEOUT_S); a round still
        running after ``timeout_s`` keeps its sessions (the upper system times them out)."""
        self._worker.stop(timeout_s)
        if self._busy.acquire(timeout=0.1):
            try:
                self.close()
            finally:
                self._busy.release()
        else:
            logger.warning("viid link still busy at stop: sessions left to time out")

    def notify(self) -> None:
        self._worker.notify()

    def close(self) -> None:
        """UnRegister every registered session, then close the clients (a clean stop)."""
        for precinct_id, s in list(self._sessions.items()):
            if s.registered:
                try:
                    s.client.unregister(UNREGISTER_TIMEOUT_S)
                    VIID_SESSION.labels(request="unregister", outcome="ok").inc()
                    self._state(precinct_id, s, "unregistered")
                except ViidError as exc:
                    VIID_SESSION.labels(request="unregister", outcome="failed").inc()
                    logger.warning("viid %s: UnRegister failed: %s", precinct_id, exc)
            s.client.close()
        self._sessions.clear()

    def run_round(self) -> float | None:
        if self.lease is not None and not self.lease.held():
            return None  # another replica holds the sessions and uploads
        with self._busy:
            return self._run_round()

    def _run_round(self) -> float | None:
        self.queue_new_alerts()
        for link in store.list_links(self.db.conn()):
            if self._worker.stopping:
                break
            if not link.enabled:
                self._drop(link.precinct_id)
                continue
            session = self._session(link)
            if session is not None and self._keep_session(link, session):
                self.deliver_due(link, session)
                session.apes = push_apes(self.db.conn(), session.client, link.precinct_id,
                                         session.apes)  # fmt: skip
        return None

    # --- queue ---

    def queue_new_alerts(self, batch: int = 500) -> int:
        if not store.has_new_alerts(self.db.conn()):
            return 0
        now = format_ts(self.clock.now())
        links = {x.precinct_id: x for x in store.list_links(self.db.conn()) if x.enabled}
        queued = 0
        with self.db.write() as conn:
            alerts = store.new_alerts(conn, limit=batch)
            for alert in alerts:
                link = links.get(alert.precinct_id)
                if link is None:
                    continue
                try:  # one odd alert must not hold the cursor back for every later one
                    code = override_of(
                        conn, compound_id=alert.compound_id, kind=alert.source_kind,
                        source_id=alert.source_id,
                    )  # fmt: skip
                    built = build(alert, link.system_id, code)
                    vehicle = built.body if built and built.kind == "motor_vehicle" else None
                    hit = notification(conn, alert, vehicle)
                except ValueError as exc:
                    logger.warning("viid: alert %s not uploaded: %s", alert.id, exc)
                    continue
                if built is not None and wanted(alert, link.kinds):
                    self._enqueue(conn, link.precinct_id, alert.id, built, now)
                    queued += 1
                if hit is not None:
                    kind = "disposition_notification"
                    obj = BuiltObject(kind, hit.notification_id, hit.to_wire())
                    self._enqueue(conn, link.precinct_id, alert.id, obj, now)
                    queued += 1
            if alerts:
                store.advance_cursor(conn, last=alerts[-1].position)
        return queued

    @staticmethod
    def _enqueue(conn: Conn, precinct_id: str, alert_id: str, obj: BuiltObject, now: str) -> None:
        store.enqueue_object(
            conn, precinct_id=precinct_id, alert_id=alert_id, object_id=obj.object_id,
            resource=RESOURCES[obj.kind][0], body=obj.body, now=now,
        )  # fmt: skip

    # --- session ---

    def _drop(self, precinct_id: str) -> None:
        old = self._sessions.pop(precinct_id, None)
        if old is not None:
            old.client.close()

    def _session(self, link: store.ViidLinkRow) -> _Session | None:
        s = self._sessions.get(link.precinct_id)
        if s is not None and s.generation == link.generation:
            return s
        self._drop(link.precinct_id)
        password = self.secrets.get(link.precinct_id)
        if password is None:
            if link.state == "no_password":
                return None  # said already
            with self.db.write() as conn:
                store.set_session(
                    conn, precinct_id=link.precinct_id, generation=link.generation,
                    state="no_password", now=format_ts(self.clock.now()),
                    error="no password stored: set it again with anju gateway viid set",
                )  # fmt: skip
            return None
        client = ViidClient(
            link.url, link.system_id, link.username, password, self.settings.viid_timeout_s
        )
        s = self._sessions[link.precinct_id] = _Session(link.generation, client)
        return s

    def _state(self, precinct_id: str, s: _Session, state: str, **kw: object) -> None:
        with self.db.write() as conn:
            store.set_session(
                conn, precinct_id=precinct_id, generation=s.generation, state=state,
                now=format_ts(self.clock.now()), **kw,  # type: ignore[arg-type]
            )  # fmt: skip

    def _failed(self, link: store.ViidLinkRow, s: _Session, request: str, exc: ViidError) -> None:
        now = self.clock.now()
        s.registered = False
        s.failures += 1
        VIID_SESSION.labels(request=request, outcome="auth" if exc.auth else "failed").inc()
        if exc.auth:
            state, wait = "auth_failed", self.settings.viid_auth_retry_s
        elif request == "keepalive" and exc.refused:
            state, wait = "keepalive_refused", 0.0  # the upper system forgot us: at once
        elif request == "upload" and exc.refused:
            state, wait = "unregistered", 0.0  # the same, found by an upload
        else:
            state = "refused" if exc.refused else "unreachable"
            wait = min(self.settings.viid_backoff_max_s, 2.0 ** min(s.failures, 10))
        s.retry_at = now + timedelta(seconds=wait)
        _ratelog.warning(f"viid:{link.precinct_id}", "viid %s %s: %s", link.precinct_id,
                         request, exc)  # fmt: skip
        self._state(link.precinct_id, s, state, error=f"{request}: {exc}")

    def _try(
        self, link: store.ViidLinkRow, s: _Session, request: str, call: Callable[[], None]
    ) -> bool:
        try:
            call()
        except ViidError as exc:
            self._failed(link, s, request, exc)
            return False
        VIID_SESSION.labels(request=request, outcome="ok").inc()
        return True

    def _keep_session(self, link: store.ViidLinkRow, s: _Session) -> bool:
        """Register or keep alive as due; True while registered."""
        now = self.clock.now()
        if not s.registered:
            if s.retry_at is not None and now < s.retry_at:
                return False
            if not self._try(link, s, "register", s.client.register):
                return False
            s.registered, s.failures, s.retry_at, s.apes = True, 0, None, None
            s.next_keepalive = now + timedelta(seconds=link.keepalive_s)
            offset: float | None = None
            error = ""
            try:
                offset = s.client.clock_offset_s(self.clock.now())
            except ViidError as exc:
                error = f"time: {exc}"
            self._state(link.precinct_id, s, "registered", registered=True, keepalive=True,
                        clock_offset_s=offset, error=error)  # fmt: skip
            logger.info("viid %s: registered at %s", link.precinct_id, link.url)
            return True
        if s.next_keepalive is not None and now >= s.next_keepalive:
            if not self._try(link, s, "keepalive", s.client.keepalive):
                return False
            s.next_keepalive = now + timedelta(seconds=link.keepalive_s)
            self._state(link.precinct_id, s, "registered", keepalive=True)
        return True

    # --- deliver ---

    def _backoff(self, attempts: int) -> float:
        st = self.settings
        return float(min(st.viid_backoff_max_s, st.viid_backoff_initial_s * 2 ** (attempts - 1)))

    def deliver_due(self, link: store.ViidLinkRow, s: _Session, batch: int = 50) -> int:
        now = format_ts(self.clock.now())
        due = store.due_objects(self.db.conn(), precinct_id=link.precinct_id, now=now, limit=batch)
        for path, group in groupby(sorted(due, key=lambda o: (o.resource, o.id)),
                                   key=lambda o: o.resource):  # fmt: skip
            rows = list(group)
            outer, inner = LIST_KEYS[PATHS[path]]
            try:
                statuses = s.client.upload(path, {outer: {inner: [o.body for o in rows]}})
            except ViidError as exc:
                if exc.auth or not exc.refused:  # the session's trouble: the objects wait
                    self._failed(link, s, "upload", exc)
                    return len(due)
                self._record(rows, {o.object_id: str(exc) for o in rows})
                continue
            self._record(rows, object_errors([o.object_id for o in rows], statuses))
            whole = statuses[0] if len(statuses) == 1 and not statuses[0].id else None
            if whole is not None and whole.status_code == StatusCode.invalid_operation:
                # The whole list refused as an invalid operation: an upper system that
                # restarted since our last keepalive no longer knows us. Register again.
                lost = ViidError(f"{path}: StatusCode 4 {whole.status_string}", refused=True)
                self._failed(link, s, "upload", lost)
                return len(due)
        return len(due)

    def _record(self, rows: list[store.ViidObjectRow], errors: dict[str, str]) -> None:
        now = self.clock.now()
        with self.db.write() as conn:
            for row in rows:
                error = errors[row.object_id]
                attempts = row.attempts + 1
                if not error:
                    state, next_at = store.DELIVERED, None
                elif attempts >= self.settings.viid_max_attempts:
                    state, next_at = store.DEAD, None
                    logger.warning("viid object %s dead after %d attempts: %s",
                                   row.object_id, attempts, error)  # fmt: skip
                else:
                    state = store.PENDING
                    next_at = format_ts(now + timedelta(seconds=self._backoff(attempts)))
                VIID_OBJECTS.labels(outcome="retry" if state == store.PENDING else state).inc()
                store.record_object(conn, row_id=row.id, status=state, next_attempt_at=next_at,
                                    error=error, now=format_ts(now))  # fmt: skip
