"""The gateway's store: one SQLite database, one module per resource, each with its migrations."""

from anju_gateway.store.db import Database

__all__ = ["Database"]
