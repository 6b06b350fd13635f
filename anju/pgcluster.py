"""A throwaway PostgreSQL cluster for the tests and the bench, from Debian's binaries.

``initdb`` + ``pg_ctl`` on a free loopback port, in a folder of its own, so tests are hermetic
and run beside the machine's own PostgreSQL. As root the cluster runs as the ``postgres`` user
(PostgreSQL refuses to run as root). Each test takes a fresh database copied from a migrated
template (``CREATE DATABASE … TEMPLATE``), which is much faster than migrating each time.
"""

from __future__ import annotations

import glob
import itertools
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from anju.netutil import free_port, wait_for_port

logger = logging.getLogger(__name__)


def find_bindir() -> Path | None:
    """Debian's newest PostgreSQL server binaries (``/usr/lib/postgresql/N/bin``), if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    """A private PostgreSQL server: ``start()``, ``new_database()``, ``restart()``, ``stop()``."""

    def __init__(self, *, durable: bool = False, port: int | None = None) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise FileNotFoundError(
                "PostgreSQL's server binaries are not installed (apt-get install postgresql)"
            )
        self.bindir = bindir
        self.port = port or free_port()
        self.durable = durable  # False: fsync off (tests); True: as a real server (bench)
        self.root = Path(tempfile.mkdtemp(prefix="anju-pg-"))
        self.data = self.root / "data"
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self._names = itertools.count(1)
        self._lock = threading.Lock()
        self.template: str | None = None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresCluster:
        if os.geteuid() == 0:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres", "postgres")
        # C collation: text sorts byte-wise, as in SQLite.
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user,
                  "--locale=C", "-E", "UTF8", "--no-sync")  # fmt: skip
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1",
                   f"-c unix_socket_directories={self.root}", "-c max_connections=300"]  # fmt: skip
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._options = " ".join(options)
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        result = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"),
                           "-o", self._options, "-w", "-t", "60", "start", check=False)  # fmt: skip
        if result.returncode != 0:
            log = (self.root / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log}")
        wait_for_port("127.0.0.1", self.port, timeout=30)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self, migrated: bool = True) -> str:
        """The URL of a new empty database (``migrated``: a copy of the migrated template)."""
        from anju_gateway.store.postgres import PostgresDatabase, create_database

        with self._lock:
            name = f"anju_{next(self._names)}"
            if migrated and self.template is None:
                self.template = "anju_template"
                create_database(self.url(), self.template)
                db = PostgresDatabase(self.url(self.template))
                db.migrate()
                db.close()
            create_database(self.url(), name, template=self.template if migrated else None)
        return self.url(name)

    def stop_server(self) -> None:
        """Stop the server, keep its data (``start_server()`` brings it back)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def start_server(self) -> None:
        self._pg_ctl_start()

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-o", self._options,
                  "restart")  # fmt: skip

    def stop(self) -> None:
        self.stop_server()
        shutil.rmtree(self.root, ignore_errors=True)
