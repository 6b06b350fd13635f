"""``anju gateway passage-upload COMPOUND --on|--off``: a compound's vehicle passage upload
(智能卡口) from the shell, as ``PUT /api/v1/compounds/{id}/passage-upload`` does."""

from __future__ import annotations

from typing import Annotated

import typer

from anju_gateway.cli_options import DatabaseUrl, DataDir


def passage_upload(
    compound: Annotated[str, typer.Argument(help="Compound (小区) id.")],
    on: Annotated[
        bool | None,
        typer.Option("--on/--off", help="Send its gates' vehicle passage records, or stop."),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Switch a compound's vehicle passage records (智能卡口: plate, time, gate, direction; no
    image) to the precinct's 视图库 on or off; without --on/--off, show the switch. The box
    learns it at its next sync (within sync_recheck_s).

    Example: anju gateway passage-upload lushan-01 --on
    """
    from anju_contracts import format_ts, utcnow
    from anju_gateway.cli import _db
    from anju_gateway.store import passages
    from anju_gateway.store.compounds import get_compound

    _settings, db = _db(data_dir, database_url)
    if get_compound(db.conn(), compound_id=compound) is None:
        typer.echo(f"no compound {compound!r}", err=True)
        raise typer.Exit(2)
    if on is None:
        switch = passages.get_switch(db.conn(), compound_id=compound)
    else:
        with db.write() as conn:
            switch = passages.set_switch(
                conn, compound_id=compound, enabled=on, actor="cli", now=format_ts(utcnow())
            )
    state = "on" if switch.enabled else "off"
    since = f" (since {switch.updated_at} by {switch.updated_by})" if switch.updated_at else ""
    typer.echo(f"{compound}: passage upload {state}{since}")
