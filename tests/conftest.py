"""Fixtures shared by the whole suite. Every test gets its own broker, gateway and edge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from anju.broker import MosquittoBroker
from anju_edge.delivery.enrol import write_token
from anju_edge.service import EdgeService
from tests.support.browser import browser, page  # noqa: F401 - shared fixtures
from tests.support.servers import GatewayServer, edge_config, start_edge


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A private Mosquitto on a free port, started with the project's config."""
    b = MosquittoBroker(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayServer]:
    """The gateway on a free port with a fresh SQLite database; compound c1 in precinct p1."""
    gw = GatewayServer(tmp_path / "gateway").start()
    gw.add_compound("c1", "p1")
    yield gw
    gw.stop()


@pytest.fixture
def enrolled_edge_config(tmp_path: Path, broker: MosquittoBroker, gateway: GatewayServer):
    """An edge config for compound c1 whose device token was issued through real enrolment."""
    from anju_contracts import utcnow
    from anju_gateway.edges.enrolment import enrol

    cfg = edge_config(tmp_path / "edge", broker.port, gateway.url)
    resp = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="test", now=utcnow())
    write_token(cfg.token_path(), resp.token)
    return cfg


@pytest.fixture
def edge(enrolled_edge_config) -> Iterator[EdgeService]:  # type: ignore[no-untyped-def]
    """A running edge service for compound c1 with gate g1, connected to broker and gateway."""
    service = start_edge(enrolled_edge_config)
    yield service
    service.stop()
