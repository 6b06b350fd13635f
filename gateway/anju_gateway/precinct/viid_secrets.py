"""Passwords of the precincts' GA/T 1400 upper systems: a secrets file, never the database.

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
