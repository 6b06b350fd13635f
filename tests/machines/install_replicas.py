"""The gateway's layout on the blank box as the example inventory asks for it: Debian's
PostgreSQL installed by the role (the login role `anju`, its database, loopback only), two
replicas behind nginx, /healthz through nginx while one replica is stopped, and the backup and
restore of docs/install.md ("Backup and restore") run as written."""

from __future__ import annotations

import logging
import re

from tests.machines.install_ctl import GATEWAY, Controller, GatewayApi, expect, wait_for
from tests.machines.install_steps import GATEWAY_REPLICAS

log = logging.getLogger(__name__)

# docs/install.md, "Backup and restore", as written (test_install_check_docs.py keeps them there).
DOCS_BACKUP = (
    "sudo sh -c 'umask 077; runuser -u postgres -- pg_dump -Fc anju "
    "> /var/backups/anju-$(date +%F).dump'"
)
DOCS_STOP_REPLICAS = "sudo systemctl stop 'anju-gateway@*'"
DOCS_RESTORE = (
    "sudo sh -c 'runuser -u postgres -- pg_restore --clean --if-exists -d anju "
    "< /var/backups/anju-2026-01-31.dump'"
)
DOCS_START_REPLICAS = "sudo systemctl start anju-gateway@8001 anju-gateway@8002"
# The box has no curl: the replica itself, on loopback, with Debian's python3.
LOCAL_HEALTHZ = (
    'python3 -c "import urllib.request as u; '
    "u.urlopen('http://127.0.0.1:{port}/healthz', timeout=5)\""
)


def database_is_postgres(ctl: Controller) -> None:
    """The replicas' store is the role's PostgreSQL database, not a SQLite file."""
    row = ctl.sh(
        GATEWAY,
        'sudo runuser -u postgres -- psql -XAtc "SELECT datname, pg_get_userbyid(datdba), '
        "datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database "
        "WHERE datname = 'anju'\"",
    ).strip()
    expect(row == "anju|anju|C|C.UTF-8|UTF8", f"the gateway's database: {row!r}")
    tables = ctl.sh(
        GATEWAY,
        "sudo runuser -u postgres -- psql -XAt -d anju -c "
        "\"SELECT count(*) FROM pg_tables WHERE tableowner = 'anju'\"",
    ).strip()
    expect(int(tables) > 5, f"the role anju owns {tables} tables in the database anju")
    sqlite = ctl.ssh(GATEWAY, "sudo test -e /var/lib/anju/gateway/gateway.sqlite3")
    expect(sqlite.returncode != 0, "a SQLite database appeared beside PostgreSQL")
    log.info("PostgreSQL: database anju owned by anju (C, C.UTF-8), %s tables", tables)


def one_replica_down(ctl: Controller, api: GatewayApi) -> None:
    """Both replicas serve /healthz through nginx; with one stopped, nginx sends everything to
    the other: /healthz, a login (POST) and the alerts stay answered."""
    states = ctl.ssh(GATEWAY, "systemctl is-active " + " ".join(GATEWAY_REPLICAS)).stdout.split()
    expect(states == ["active", "active"], f"replicas: {states}")
    for _ in range(4):
        expect(api.healthz() == {"status": "ok"}, "GET /healthz through nginx")
    before = len(api.alerts())
    ctl.sh(GATEWAY, f"sudo systemctl stop {GATEWAY_REPLICAS[0]}")
    try:
        for _ in range(6):
            expect(api.healthz() == {"status": "ok"}, "/healthz with one replica stopped")
        api.login()
        expect(len(api.alerts()) == before, "the alerts changed with one replica stopped")
        # nginx did try the stopped one and went on to the other (passive health check).
        errors = ctl.sh(GATEWAY, "sudo cat /var/log/nginx/error.log")
        expect(
            re.search(
                r"Connection refused\) while connecting to upstream.*127\.0\.0\.1:8001", errors
            ),
            f"nginx never tried the stopped replica:\n{errors[-2000:]}",
        )
    finally:
        ctl.sh(GATEWAY, f"sudo systemctl start {GATEWAY_REPLICAS[0]}")
    wait_for(
        f"{GATEWAY_REPLICAS[0]} back on its port",
        lambda: ctl.ssh(GATEWAY, LOCAL_HEALTHZ.format(port=8001)).returncode == 0,
        60,
    )
    log.info("one replica stopped: /healthz, login and alerts answered through nginx")


def backup_and_restore(ctl: Controller, api: GatewayApi) -> None:
    """pg_dump while the replicas run; pg_restore --clean with them stopped; the same alerts."""
    ids = sorted(a["id"] for a in api.alerts())
    ctl.sh(GATEWAY, "bash -s", stdin=DOCS_BACKUP + "\n")
    mode = ctl.sh(GATEWAY, "sudo stat -c %a /var/backups/anju-$(date +%F).dump").strip()
    expect(mode == "600", f"the backup file's mode is {mode}")
    ctl.sh(GATEWAY, DOCS_STOP_REPLICAS)
    restore = DOCS_RESTORE.replace("2026-01-31", "$(date +%F)")
    ctl.sh(GATEWAY, "bash -s", stdin=restore + "\n")
    ctl.sh(GATEWAY, DOCS_START_REPLICAS)
    wait_for("the replicas after the restore", lambda: _healthy(api), 60, 1)
    api.login()
    expect(sorted(a["id"] for a in api.alerts()) == ids, "the restore changed the alerts")
    log.info("backup (pg_dump -Fc) and restore (pg_restore --clean): %d alerts kept", len(ids))


def _healthy(api: GatewayApi) -> bool:
    try:
        return bool(api.healthz() == {"status": "ok"})
    except AssertionError:
        return False


def run_all(ctl: Controller, api: GatewayApi) -> None:
    database_is_postgres(ctl)
    one_replica_down(ctl, api)
    backup_and_restore(ctl, api)
