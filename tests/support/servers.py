"""Real servers for tests: each on a free loopback port with its own temporary data."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from anju.netutil import free_port, wait_for_port
from anju_contracts import utcnow
from anju_contracts.common import format_ts
from anju_edge.config import EdgeConfig, parse_config
from anju_edge.service import EdgeService
from anju_gateway.access.security import hash_password
from anju_gateway.app import create_app
from anju_gateway.clock import Clock
from anju_gateway.edges.enrolment import issue_code
from anju_gateway.server import GatewayServer as HttpServer
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import Database
from anju_gateway.store.compounds import upsert_compound
from anju_gateway.store.users import Role, create_user
from tests.support import engines

if TYPE_CHECKING:
    from anju_edge.delivery.heartbeat import HeartbeatSender

PASSWORD = "test-password-1"


_made: list[GatewayServer] = []  # see GatewayServer.close_all


class GatewayServer:
    """The real FastAPI app under uvicorn in a thread."""

    def __init__(
        self, data_dir: Path, clock: Clock | None = None, port: int | None = None, **settings: Any
    ) -> None:
        self.port = port or free_port()
        if "database_url" not in settings:
            settings["database_url"] = engines.database_url(data_dir)  # None: SQLite in data_dir
        self.settings = GatewaySettings(
            data_dir=data_dir, host="127.0.0.1", port=self.port, **settings
        )
        self.app = create_app(self.settings, clock=clock)
        self.db: Database = self.app.state.db
        self.server: HttpServer | None = None
        self.thread: threading.Thread | None = None
        _made.append(self)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GatewayServer:
        self.server = HttpServer(self.app, "127.0.0.1", self.port, log_level="warning")
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for_port("127.0.0.1", self.port, timeout=15)
        return self

    @staticmethod
    def close_all() -> None:
        """Close the store of every gateway made since the last call that is not serving (one a
        test only seeded through, never started, would leave its PostgreSQL pool's threads
        running). A serving one (a module's fixture) closes its store when it stops."""
        while _made:
            gw = _made.pop()
            if gw.thread is None:
                gw.db.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.server = self.thread = None

    # --- seeding helpers used across the suite ---
    def add_compound(self, compound_id: str, precinct_id: str = "p1", name: str = "") -> None:
        with self.db.write() as conn:
            upsert_compound(
                conn,
                compound_id=compound_id,
                name=name or compound_id,
                precinct_id=precinct_id,
                now=format_ts(utcnow()),
            )

    def add_user(
        self,
        username: str,
        role: str,
        precinct_id: str | None = None,
        compound_id: str | None = None,
        password: str = PASSWORD,
    ) -> None:
        with self.db.write() as conn:
            create_user(
                conn,
                username=username,
                password_hash=hash_password(password),
                role=Role(role),
                now=format_ts(utcnow()),
                precinct_id=precinct_id,
                compound_id=compound_id,
            )

    def login(self, username: str, password: str = PASSWORD) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=10)
        resp = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        resp.raise_for_status()
        client.headers["Authorization"] = f"Bearer {resp.json()['token']}"
        return client

    def enrol_code(self, compound_id: str, ttl_minutes: int = 60) -> str:
        code, _ = issue_code(
            self.db,
            compound_id=compound_id,
            created_by="test",
            now=utcnow(),
            ttl=timedelta(minutes=ttl_minutes),
        )
        return code


def edge_config(
    data_dir: Path, broker_port: int, gateway_url: str, compound_id: str = "c1", **overrides: Any
) -> EdgeConfig:
    data: dict[str, Any] = {
        "compound_id": compound_id,
        "data_dir": str(data_dir),
        "metrics_port": 0,
        "broker": {"port": broker_port, "client_id": f"anju-edge-{compound_id}-{free_port()}"},
        "gateway": {"url": gateway_url, "backoff_initial_s": 0.1, "backoff_max_s": 1.0},
        "console": {"port": 0},
        "gates": [{"id": "g1", "name": "北门"}],
    }
    data.update(overrides)
    return parse_config(data, "test")


def heartbeat_sender(gw: GatewayServer, config: EdgeConfig) -> HeartbeatSender:
    """An enrolled box's heartbeat sender for ``config`` (its data folder made), beating to
    ``gw`` when the test calls ``send_once``."""
    from anju_edge.delivery.enrol import write_token
    from anju_edge.delivery.heartbeat import HeartbeatSender
    from anju_edge.delivery.outbox import Outbox
    from anju_edge.devices import DeviceRegistry
    from anju_gateway.edges.enrolment import enrol

    config.data_dir.mkdir(parents=True)
    token = enrol(gw.db, code=gw.enrol_code(config.compound_id), hostname="pi", now=utcnow())
    write_token(config.token_path(), token.token)
    outbox = Outbox(config.data_dir / "outbox.db", 1 << 20)
    return HeartbeatSender(config, outbox, DeviceRegistry(config), lambda: 0.0)


def wait_until(
    predicate: Callable[[], Any],
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "condition",
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def start_edge(config: EdgeConfig) -> EdgeService:
    service = EdgeService(config)
    service.start()
    if not service.mqtt.subscribed.wait(10):
        service.stop()
        raise AssertionError("edge did not connect to the broker")
    return service
