"""Passwords of the precincts' GA/T 1400 upper systems: on SQLite a secrets file, never the
database; on PostgreSQL (several replicas) a table of their own (:mod:`anju_gateway.store.
viid_secrets`), since a file would be one replica's alone.

``<data_dir>/viid-secrets.json`` (mode 0600, owner the gateway's user) maps precinct id to
password. It is written whole to a temporary file created 0600 and renamed over the old one,
so a crash leaves the old file or the new one, never half of either. Nothing reads a password
back out through the API or the CLI; backups of the database alone do not carry them.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from anju_gateway.store import viid_secrets
from anju_gateway.store.db import Database

FILE_NAME = "viid-secrets.json"
_lock = threading.Lock()


class ViidSecrets:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def get(self, precinct_id: str) -> str | None:
        with _lock:
            return self._read().get(precinct_id)

    def put(self, precinct_id: str, password: str) -> None:
        with _lock:
            data = self._read()
            data[precinct_id] = password
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)


class DbViidSecrets:
    """The same two calls, on PostgreSQL: the passwords in their own table, which every
    replica reaches (a file would be one replica's alone)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, precinct_id: str) -> str | None:
        return viid_secrets.get(self.db.conn(), precinct_id)

    def put(self, precinct_id: str, password: str) -> None:
        with self.db.write() as conn:
            viid_secrets.put(conn, precinct_id, password)


def secrets_for(db: Database, data_dir: Path) -> ViidSecrets | DbViidSecrets:
    """Where this gateway keeps the passwords: the 0600 file on SQLite, the table on
    PostgreSQL (several replicas)."""
    return ViidSecrets(data_dir) if db.engine == "sqlite" else DbViidSecrets(db)
