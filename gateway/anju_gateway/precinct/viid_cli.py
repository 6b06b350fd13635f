"""``anju gateway viid ...``: a precinct's GA/T 1400 (视图库) upper system from the shell."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from anju_gateway.cli_options import DatabaseUrl, DataDir

app = typer.Typer(help="GA/T 1400 (视图库) link of a precinct: set it, see its state.",
                  no_args_is_help=True)  # fmt: skip


@app.command("set")
def set_cmd(
    precinct: Annotated[str, typer.Argument(help="Precinct (派出所) id.")],
    url: Annotated[str, typer.Option("--url", help="Upper system's base URL.")],
    system_id: Annotated[
        str, typer.Option("--system-id", help="Our 20-digit system id from the precinct.")
    ],
    username: Annotated[str, typer.Option("--username", help="User name for Digest auth.")],
    kinds: Annotated[
        str | None,
        typer.Option("--kinds", help="Alert types to send, k1,k2 (default: police-routed)."),
    ] = None,
    keepalive: Annotated[
        float, typer.Option("--keepalive", help="Seconds between Keepalive requests.")
    ] = 60.0,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Set a precinct's upper 视图库 system; the password comes from ANJU_PASSWORD or a prompt
    and is stored in the gateway's secrets file (0600), never shown again.

    Example: anju gateway viid set xunyang --url http://10.36.4.2:8080 --system-id 36040200002000000009 --username anju --kinds intrusion,watchlist
    """  # noqa: E501
    from pydantic import ValidationError

    from anju_contracts import format_ts, utcnow
    from anju_gateway.cli import _db
    from anju_gateway.precinct.viid_config import ViidLinkRequest, set_link
    from anju_gateway.store.compounds import precinct_exists

    password = os.environ.get("ANJU_PASSWORD") or getpass.getpass("视图库 password: ")
    try:
        req = ViidLinkRequest(
            url=url, system_id=system_id, username=username, password=password or None,
            kinds=[k.strip() for k in (kinds or "").split(",") if k.strip()],
            keepalive_s=keepalive,
        )  # fmt: skip
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            typer.echo(f"--{where.replace('_', '-')}: {error['msg']}", err=True)
        raise typer.Exit(2) from None
    settings, db = _db(data_dir, database_url)
    if not precinct_exists(db.conn(), precinct_id=precinct):
        typer.echo(f"no precinct {precinct!r}: 'anju gateway add-compound' creates it", err=True)
        raise typer.Exit(2)
    try:
        view = set_link(db, settings.data_dir, precinct, req, actor="cli",
                        now=format_ts(utcnow()))  # fmt: skip
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    sent = ",".join(view.kinds) or "police-routed alerts"
    typer.echo(f"{precinct}: {view.url} as {view.system_id} ({view.username}), sends {sent}")


@app.command("status")
def status_cmd(
    precinct: Annotated[str | None, typer.Argument(help="Precinct id; omitted: all.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show the link's state: registered or why not, last keepalive, clock offset, queue and
    dead letters (with one precinct).

    Example: anju gateway viid status xunyang
    """
    from anju_gateway.cli import _db
    from anju_gateway.precinct.viid_config import status_view
    from anju_gateway.store.viid import list_links

    settings, db = _db(data_dir, database_url)
    ids = [precinct] if precinct else [r.precinct_id for r in list_links(db.conn())]
    if not ids:
        typer.echo("no precinct has a 视图库 link", err=True)
    for pid in ids:
        v = status_view(db, settings.data_dir, pid)
        if v is None:
            typer.echo(f"{pid}: no 视图库 link", err=True)
            raise typer.Exit(1)
        offset = "-" if v.clock_offset_s is None else f"{v.clock_offset_s:+.0f}s"
        q = v.queue
        typer.echo(
            f"{pid}  {v.state}  {v.url}  keepalive {v.last_keepalive_at or 'never'}  "
            f"clock offset {offset}  pending {q['pending']} delivered {q['delivered']} "
            f"dead {q['dead']}" + ("" if v.enabled else "  (disabled)")
        )
        if v.last_error:
            typer.echo(f"  last error: {v.last_error}")
        if precinct:
            for d in v.dead:
                typer.echo(f"  dead {d.object_id} (alert {d.alert_id}) after {d.attempts}: "
                           f"{d.last_error}")  # fmt: skip
