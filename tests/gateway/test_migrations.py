"""A database at the previous schema is upgraded in place with its data kept, on both engines,
by ``anju gateway migrate`` (and at start); two replicas migrating at once do not race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlite_utils.migrations import Migrations
from typer.testing import CliRunner

from anju.cli import app
from anju_contracts import utcnow
from anju_contracts.common import format_ts
from anju_gateway.settings import GatewaySettings
from anju_gateway.store.alerts import AlertQuery, query_alerts
from anju_gateway.store.compounds import upsert_compound
from anju_gateway.store.db import Database, migration_sets
from tests.support import engines


def previous_schema() -> list[Migrations]:
    """Every migration set as the release before this one had it: without the job leases and
    without the newest migration of the alerts (the dispatch target columns)."""
    sets = []
    for s in migration_sets():
        if s.name == "gateway.leases":
            continue
        copy = Migrations(s.name)
        copy._migrations = list(s._migrations)
        if s.name == "gateway.alerts":
            assert copy._migrations[-1].name == "m005_dispatch_target"
            copy._migrations.pop()
        sets.append(copy)
    return sets


def open_db(tmp_path: Path) -> Database:
    # PostgreSQL: an empty database (not a copy of the migrated template).
    url = engines.cluster().new_database(migrated=False) if engines.engine() != "sqlite" else None
    return GatewaySettings(data_dir=tmp_path, database_url=url).open_database()


def test_previous_schema_upgraded_in_place_data_kept(tmp_path: Path) -> None:
    db = open_db(tmp_path)
    db.migrate(previous_schema())
    now = format_ts(utcnow())
    with db.write() as conn:
        upsert_compound(conn, compound_id="c1", name="安居小区", precinct_id="p1", now=now)
        conn.execute(
            "INSERT INTO alerts (id, compound_id, source_kind, source_id, kind, severity, ts, "
            "received_at, details_json) VALUES ('A1', 'c1', 'gate', 'g1', 'door_forced', "
            "'critical', ?, ?, '{}')",
            (now, now),
        )
    with pytest.raises(Exception, match="job_leases"):  # the previous schema has none
        db.conn().execute("SELECT COUNT(*) FROM job_leases")
    db.close()

    url = getattr(db, "url", None)
    args = ["gateway", "migrate", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args + (["--database-url", url] if url else []))
    assert result.exit_code == 0, result.output
    assert "database up to date" in result.output

    db = open_db(tmp_path) if url is None else GatewaySettings(database_url=url).open_database()
    [alert] = query_alerts(db.conn(), AlertQuery())
    assert alert.id == "A1" and alert.compound_id == "c1"
    assert db.conn().execute("SELECT dispatched_to FROM alerts").fetchone()[0] is None
    assert db.conn().execute("SELECT COUNT(*) FROM job_leases").fetchone()[0] == 0
    db.migrate()  # again: nothing to do, nothing lost
    assert len(query_alerts(db.conn(), AlertQuery())) == 1
    db.close()


def test_two_replicas_migrating_at_once_apply_each_migration_once(tmp_path: Path) -> None:
    first = open_db(tmp_path)
    url = getattr(first, "url", None)
    second = (
        GatewaySettings(data_dir=tmp_path, database_url=url).open_database()
        if url
        else open_db(tmp_path)
    )
    errors: list[BaseException] = []

    def run(db: Database) -> None:
        try:
            db.migrate()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(db,)) for db in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    table = "anju_migrations" if url else "_sqlite_migrations"
    rows = first.conn().execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    assert rows == sum(len(s._migrations) for s in migration_sets())
    first.close()
    second.close()
