"""The live feed across replicas: PostgreSQL LISTEN/NOTIFY behind the in-process hub.

On PostgreSQL every replica's hub is a :class:`PostgresEventHub`. ``publish()`` sends the event
as a notification on the hub's channel; each replica (the publisher too) listens on its own
connection and hands what arrives to its local subscribers. So an alert stored by replica A
reaches an officer whose browser is connected to replica B in milliseconds, and each console gets
each event once. Notifications are sent after the change committed (publishers call after their
transaction), carry the events themselves (a feed payload is a few hundred bytes; PostgreSQL
allows 8000) and are not stored: a console that was disconnected reloads its list when it
reconnects, as it does on SQLite.

Publishing does not wait for the server: events go to a sender thread, which packs whatever has
queued up (an ingested batch of 20 alerts is 20 events) into as few notifications as fit and
sends them in one transaction. A notification per event was a transaction per event: at a
thousand alerts a second, most of PostgreSQL's work and a round trip per alert on the request.
"""

from __future__ import annotations

import json
import logging
import queue
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
        self._outgoing: queue.SimpleQueue[tuple[Event, str] | None] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._sender_lock = threading.Lock()

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
        if len(text.encode()) + 2 > MAX_PAYLOAD:
            _ratelog.warning(
                f"big:{event.type}", "feed event %s too big to notify: this replica only",
                event.type,
            )  # fmt: skip
            super().publish(event)
            return
        with self._sender_lock:
            if self._sender is None and not self._stop.is_set():
                self._sender = threading.Thread(
                    target=self._send, name=f"notify-{self.channel}", daemon=True
                )
                self._sender.start()
        self._outgoing.put((event, text))

    def close(self) -> None:
        self._stop.set()
        self._outgoing.put(None)  # the sender sends what is queued, then ends
        sender = self._sender
        if sender is not None and sender is not threading.current_thread():
            sender.join(timeout=5)
        super().close()

    def _send(self) -> None:
        while True:
            first = self._outgoing.get()
            batch = [first]
            while len(batch) < 1000:  # what else queued up meanwhile
                try:
                    batch.append(self._outgoing.get_nowait())
                except queue.Empty:
                    break
            events = [item for item in batch if item is not None]
            if events:
                self._notify(events)
            if None in batch:
                return

    def _notify(self, events: list[tuple[Event, str]]) -> None:
        payloads = pack([text for _, text in events])
        try:
            conn = self.db.conn().raw
            with conn.pipeline(), conn.transaction():
                for payload in payloads:
                    conn.execute("SELECT pg_notify(%s, %s)", (self.channel, payload))
        except Exception as exc:  # a sender that dies would silence every console
            # The changes are committed; the other replicas' consoles see them when they reload.
            _ratelog.warning(f"notify:{self.channel}", "feed notify failed: %s", exc)
            for event, _ in events:
                super().publish(event)

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
        if not self.has_subscribers:  # no open feed here: nothing to decode
            return
        try:
            events = [Event(str(raw["t"]), raw["c"], dict(raw["d"])) for raw in json.loads(payload)]
        except (ValueError, KeyError, TypeError) as exc:
            _ratelog.warning(f"bad:{self.channel}", "unreadable feed notification: %s", exc)
            return
        for event in events:
            super().publish(event)


def pack(texts: list[str]) -> list[str]:
    """The events' JSON texts as JSON arrays of at most MAX_PAYLOAD bytes each, in order."""
    payloads: list[str] = []
    current: list[str] = []
    size = 2  # the brackets
    for text in texts:
        n = len(text.encode()) + 1  # and its comma
        if current and size + n > MAX_PAYLOAD:
            payloads.append(f"[{','.join(current)}]")
            current, size = [], 2
        current.append(text)
        size += n
    if current:
        payloads.append(f"[{','.join(current)}]")
    return payloads


def start_listening(hub: EventHub, timeout_s: float = 10.0) -> bool:
    """Start a PostgreSQL hub's listener; True once it is in place (at once for the
    in-process hub)."""
    if not isinstance(hub, PostgresEventHub):
        return True
    hub.start()
    deadline = time.monotonic() + timeout_s
    return hub.listening.wait(max(0.0, deadline - time.monotonic()))
