"""Options every ``anju gateway`` command that touches the store takes, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder of the gateway's files and SQLite database (default: ANJU_GATEWAY_DATA_DIR "
        "or ./var/gateway).",
    ),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="postgresql://user:password@host:5432/db, or a SQLite path (default: "
        "ANJU_GATEWAY_DATABASE_URL, else SQLite in the data folder).",
    ),
]
