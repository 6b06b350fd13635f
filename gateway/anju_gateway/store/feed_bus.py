"""The live feed across replicas: PostgreSQL LISTEN/NOTIFY behind the in-process hub.

On PostgreSQL every replica's hub is a :class:`PostgresEventHub`. ``publish()`` sends the event
as a notification on the hub's channel; each replica (the publisher too) listens on its own
connection and hands what arrives to its local subscribers. So an alert stored by replica A
reaches an officer whose browser is connected to replica B in milliseconds, and each console gets
each event once. Notifications are sent after the change committed (publishers call after their
transaction), carry the event itself (a feed payload is a few hundred bytes; PostgreSQL allows
8000) and are not stored: a console that was disconnected reloads its list when it reconnects,
as it does on SQLite.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import psycopg

from anju_common.fanout import Event, EventHub
from anju_common.ratelog import RateLimitedLog
from anju_gateway.store.postgres import PostgresDatabase

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger, 60.0)

MAX_PAYLOAD = 7900  # PostgreSQL refuses a notification payload of 8000 bytes or more


class PostgresEventHub(EventHub):
    """An :class:`EventHub` whose events travel through PostgreSQL to every replica's hub."""

    def __init__(self, db: PostgresDatabase, channel: str, queue_size: int = 1000) -> None:
        super().__init__(queue_size)
        self.db = db
        self.channel = channel
        self.listening = threading.Event()  # set while the listener's LISTEN is in place
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen from now on (the app's start; an app never served never listens)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._listen, name=f"listen-{self.channel}", daemon=True
            )
            self._thread.start()

    def publish(self, event: Event) -> None:
        text = json.dumps(
            {"t": event.type, "c": event.compound_id, "d": event.data},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        if len(text.encode()) > MAX_PAYLOAD:
            _ratelog.warning(
                f"big:{event.type}", "feed event %s too big to notify: this replica only",
                event.type,
            )  # fmt: skip
            super().publish(event)
            return
        try:
            self.db.conn().execute("SELECT pg_notify(?, ?)", (self.channel, text))
        except psycopg.Error as exc:
            # The change is committed; the other replicas' consoles see it when they reload.
            _ratelog.warning(f"notify:{self.channel}", "feed notify failed: %s", exc)
            super().publish(event)

    def close(self) -> None:
        self._stop.set()
        super().close()

    def _listen(self) -> None:
        delay = 0.2
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.db.url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'LISTEN "{self.channel}"')
                    self.listening.set()
                    delay = 0.2
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5, stop_after=100):
                            self._deliver(note.payload)
            except psycopg.Error as exc:
                self.listening.clear()
                if self._stop.is_set():
                    break  # stopping: the server went away with us
                _ratelog.warning(f"listen:{self.channel}", "feed listener reconnecting: %s", exc)
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)
        self.listening.clear()

    def _deliver(self, payload: str) -> None:
        try:
            raw = json.loads(payload)
            event = Event(str(raw["t"]), raw["c"], dict(raw["d"]))
        except (ValueError, KeyError, TypeError) as exc:
            _ratelog.warning(f"bad:{self.channel}", "unreadable feed notification: %s", exc)
            return
        super().publish(event)


def start_listening(hub: EventHub, timeout_s: float = 10.0) -> bool:
    """Start a PostgreSQL hub's listener; True once it is in place (at once for the
    in-process hub)."""
    if not isinstance(hub, PostgresEventHub):
        return True
    hub.start()
    deadline = time.monotonic() + timeout_s
    return hub.listening.wait(max(0.0, deadline - time.monotonic()))
