"""Which engine a test's gateway store runs on, and the one PostgreSQL cluster of a test run.

The gateway suite (tests/gateway) runs every test on both engines (its conftest sets the engine
per parameter); elsewhere gateways use SQLite unless a test asks for PostgreSQL. The cluster
starts on first use and stops when the run ends; each gateway gets a fresh database copied from
a migrated template.
"""

from __future__ import annotations

import atexit
import threading

from anju.pgcluster import PostgresCluster

ENGINES = ("sqlite", "postgresql")

_engine = "sqlite"
_cluster: PostgresCluster | None = None
_lock = threading.Lock()


def set_engine(engine: str) -> None:
    global _engine
    assert engine in ENGINES, engine
    _engine = engine


def engine() -> str:
    return _engine


def cluster() -> PostgresCluster:
    """The run's PostgreSQL server, started on first use."""
    global _cluster
    with _lock:
        if _cluster is None:
            _cluster = PostgresCluster().start()
            atexit.register(_cluster.stop)
        return _cluster


_test_database: str | None = None
_test_database_taken = False


def begin_test(url: str | None) -> None:
    """The test's own database (also in ANJU_GATEWAY_DATABASE_URL, for its CLI calls)."""
    global _test_database, _test_database_taken
    _test_database, _test_database_taken = url, False


_by_folder: dict[str, str] = {}


def database_url(data_dir: object = None) -> str | None:
    """A database for a gateway of this test: a PostgreSQL URL (the test's own for its first
    gateway, which its CLI calls also reach; a fresh one for any other; the same again for a
    gateway restarted on the same ``data_dir``), or None for SQLite."""
    global _test_database_taken
    if _engine != "postgresql":
        return None
    key = str(data_dir) if data_dir is not None else None
    if key is not None and key in _by_folder:
        return _by_folder[key]
    if _test_database is not None and not _test_database_taken:
        _test_database_taken = True
        url = _test_database
    else:
        url = cluster().new_database()
    if key is not None:
        _by_folder[key] = url
    return url
