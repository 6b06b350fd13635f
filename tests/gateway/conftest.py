"""The gateway suite runs on both store engines: every test once on SQLite, once on PostgreSQL
(a throwaway cluster from Debian's binaries, a fresh database per test). On PostgreSQL the
test's database is also in ANJU_GATEWAY_DATABASE_URL, so the CLI commands a test runs reach the
same store as its gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import engines
from tests.support.servers import GatewayServer


@pytest.fixture(autouse=True, params=engines.ENGINES)
def store_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    engines.set_engine(request.param)
    if request.param == "postgresql":
        url = engines.cluster().new_database()
        monkeypatch.setenv("ANJU_GATEWAY_DATABASE_URL", url)
        engines.begin_test(url)
    yield request.param
    GatewayServer.close_all()
    engines.set_engine("sqlite")
    engines.begin_test(None)
