"""``anju gateway gb-code ...``: device codes (GB/T 28181, 20 digits) set at the gateway."""

from __future__ import annotations

from typing import Annotated

import typer

from anju_gateway.cli_options import DatabaseUrl, DataDir

app = typer.Typer(help="Device codes (国标编码) of a compound, its gates and cameras (视图库).",
                  no_args_is_help=True)  # fmt: skip


@app.command("set")
def set_cmd(
    compound: Annotated[str, typer.Argument(help="Compound id.")],
    code: Annotated[
        str | None, typer.Argument(help="The 20-digit code; omitted with --clear.")
    ] = None,
    gate: Annotated[str | None, typer.Option("--gate", help="A gate's id.")] = None,
    camera: Annotated[str | None, typer.Option("--camera", help="A camera's id.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Drop the gateway's code.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Set (or --clear) the gateway's code of the compound, or of one --gate or --camera; it
    overrides the edge config's. Checked as the edge config is, naming the device.

    Example: anju gateway gb-code set lushan-01 36040200001310000007 --camera lobby
    """
    from pydantic import ValidationError

    from anju_contracts import format_ts, utcnow
    from anju_gateway.cli import _db
    from anju_gateway.precinct.gbcodes import GbCodeChange, GbCodesRequest, set_codes
    from anju_gateway.store.compounds import get_compound

    if gate and camera:
        typer.echo("--gate or --camera, not both", err=True)
        raise typer.Exit(2)
    if (code is None) != clear:
        typer.echo("give a CODE, or --clear", err=True)
        raise typer.Exit(2)
    kind, source = ("gate", gate) if gate else ("camera", camera) if camera else ("compound", "")
    try:
        change = GbCodeChange(kind=kind, id=source or None, gb_code=code)
    except ValidationError as exc:
        error = exc.errors()[0]
        typer.echo(f"{error['loc'][0]}: {error['msg']}".replace("id:", f"--{kind}:"), err=True)
        raise typer.Exit(2) from None
    _, db = _db(data_dir, database_url)
    if get_compound(db.conn(), compound_id=compound) is None:
        typer.echo(f"no compound {compound!r}", err=True)
        raise typer.Exit(2)
    try:
        with db.write() as conn:
            set_codes(conn, compound, GbCodesRequest(codes=[change]), "cli", format_ts(utcnow()))
    except ValueError as exc:
        typer.echo(f"设备编码无效 / invalid device code: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{compound} {kind} {source}: {code or 'cleared'}".replace("  ", " "))


@app.command("list")
def list_cmd(
    compound: Annotated[str, typer.Argument(help="Compound id.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Every code of the compound: the one in effect, the edge config's and the gateway's.

    Example: anju gateway gb-code list lushan-01
    """
    from anju_gateway.cli import _db
    from anju_gateway.precinct.gbcodes import codes_view

    _, db = _db(data_dir, database_url)
    for d in codes_view(db.conn(), compound).devices:
        typer.echo(f"{d.kind:8} {d.id or '-':20} {d.gb_code}  edge {d.edge_code or '-'}  "
                   f"gateway {d.override_code or '-'}  {d.name or ''}".rstrip())  # fmt: skip
