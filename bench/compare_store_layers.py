"""The measurement behind the store's choice of layer (docs/architecture.md, "Store"): the same
statements of the gateway's hot paths through psycopg 3 with the thin dialect layer
(`anju_gateway.store.postgres`) and through SQLAlchemy Core 2 (`text()` on a pooled engine,
psycopg driver), against one throwaway PostgreSQL, CPU time of this process per operation.

Not part of `make bench` (SQLAlchemy is not a dependency); run it by hand:

    .venv/bin/pip install 'sqlalchemy>=2,<3' && .venv/bin/python -m bench.compare_store_layers
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from ulid import ULID

from anju.pgcluster import PostgresCluster
from anju_contracts import format_ts, utcnow

INSERT = (
    "INSERT INTO alerts (id, compound_id, source_kind, source_id, kind, severity, ts, "
    "received_at, details_json) VALUES (?, 'c1', 'gate', 'g1', 'door_forced', 'critical', ?, ?, "
    "'{}') ON CONFLICT DO NOTHING"
)
SELECT = (
    "SELECT id, kind, severity, ts, state FROM alerts WHERE compound_id = ? "
    "ORDER BY ts DESC LIMIT 50"
)


def cpu_per_op(run: Callable[[], None], ops: int, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        run()
        samples.append((time.process_time() - start) / ops)
    return statistics.median(samples)


def main() -> None:
    import sqlalchemy as sa

    from anju_gateway.store.compounds import upsert_compound
    from anju_gateway.store.postgres import PostgresDatabase

    cluster = PostgresCluster(durable=False).start()
    try:
        url = cluster.new_database()
        thin = PostgresDatabase(url)
        with thin.write() as conn:
            upsert_compound(conn, compound_id="c1", name="c1", precinct_id="p1",
                            now=format_ts(utcnow()))  # fmt: skip
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                                  pool_size=5)  # fmt: skip
        insert_sa = sa.text(INSERT.replace("?", ":id", 1).replace("?", ":ts").replace("?", ":rt"))
        select_sa = sa.text(SELECT.replace("?", ":c"))
        batch = 50

        def rows() -> list[tuple[str, str, str]]:
            now = format_ts(utcnow())
            return [(str(ULID()), now, now) for _ in range(batch)]

        def thin_ingest() -> None:
            for _ in range(20):
                with thin.write() as conn:
                    conn.executemany(INSERT, rows())

        def sa_ingest() -> None:
            for _ in range(20):
                with engine.begin() as conn:
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(1)"))
                    conn.execute(insert_sa, [{"id": a, "ts": b, "rt": c} for a, b, c in rows()])

        def thin_read() -> None:
            for _ in range(200):
                thin.conn().execute(SELECT, ("c1",)).fetchall()

        def sa_read() -> None:
            for _ in range(200):
                with engine.connect() as conn:
                    conn.execute(select_sa, {"c": "c1"}).fetchall()

        results = {
            "ingest 50-alert batch (ms CPU)": (
                cpu_per_op(thin_ingest, 20),
                cpu_per_op(sa_ingest, 20),
            ),
            "alert list query (ms CPU)": (cpu_per_op(thin_read, 200), cpu_per_op(sa_read, 200)),
        }
        print(f"{'operation':34} {'psycopg+thin':>13} {'SQLAlchemy':>11} {'ratio':>6}")
        for name, (a, b) in results.items():
            print(f"{name:34} {a * 1000:13.3f} {b * 1000:11.3f} {b / a:6.2f}")
        thin.close()
        engine.dispose()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
