"""``anju gateway ...``: serve the API and administer it from the shell."""

from __future__ import annotations

import getpass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from anju_common.ratelog import setup_logging
from anju_gateway.cli_options import DatabaseUrl, DataDir
from anju_gateway.precinct.gbcode_cli import app as gbcode_app
from anju_gateway.precinct.passage_cli import passage_upload
from anju_gateway.precinct.viid_cli import app as viid_app

app = typer.Typer(
    help="The central gateway (中心网关): API, officers' console, enrolment.", no_args_is_help=True
)


@app.callback()
def _gateway(ctx: typer.Context) -> None:
    ctx.call_on_close(_close_opened)


def _settings(  # type: ignore[no-untyped-def]
    data_dir: Path | None, database_url: str | None = None, **extra: object
):
    from pydantic import ValidationError

    from anju_gateway.settings import GatewaySettings

    kwargs: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    if data_dir is not None:
        kwargs["data_dir"] = data_dir
    if database_url is not None:
        kwargs["database_url"] = database_url
    try:
        return GatewaySettings(**kwargs)  # type: ignore[arg-type]
    except ValidationError as exc:
        # One line per refused setting, named, instead of a traceback.
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            name = f"ANJU_GATEWAY_{where.upper()}: " if where else ""
            typer.echo(f"gateway settings refused: {name}{error['msg']}", err=True)
        raise typer.Exit(2) from None


def _db(data_dir: Path | None, database_url: str | None = None):  # type: ignore[no-untyped-def]
    import psycopg

    settings = _settings(data_dir, database_url)
    try:
        db = settings.open_database()
        db.migrate()
    except psycopg.OperationalError as exc:
        typer.echo(f"database unavailable: {str(exc).strip()[:300]}", err=True)
        raise typer.Exit(1) from None
    _opened.append(db)  # closed when the command ends (a pool's threads with it)
    return settings, db


_opened: list[Any] = []  # the stores the running command opened


def _close_opened() -> None:
    while _opened:
        _opened.pop().close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Run the gateway HTTP server.

    Example: anju gateway serve --host 0.0.0.0 --port 8080 --data-dir /var/lib/anju/gateway
    """
    from anju_gateway.app import create_app
    from anju_gateway.server import GatewayServer

    setup_logging(log_level)
    settings = _settings(data_dir, database_url, host=host, port=port)
    GatewayServer(create_app(settings), settings.host, settings.port, log_level).run()


@app.command()
def migrate(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Bring the database's schema up to this version, keeping its data (the gateway also does
    this at start; replicas starting together take turns on a lock).

    Example: ANJU_GATEWAY_DATABASE_URL=postgresql://anju@db:5432/anju anju gateway migrate
    """
    _, db = _db(data_dir, database_url)
    typer.echo(f"database up to date: {db.describe()}")
    db.close()


@app.command("add-compound")
def add_compound(
    compound_id: Annotated[str, typer.Argument(help="Compound id, e.g. jiujiang-lushan-01")],
    precinct: Annotated[str, typer.Option(help="Precinct (派出所) id that covers it.")],
    name: Annotated[str, typer.Option(help="Display name, e.g. 庐山小区")] = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create or update a compound and the precinct it belongs to.

    Example: anju gateway add-compound lushan-01 --precinct xunyang --name 庐山小区
    """
    from anju_contracts import utcnow
    from anju_contracts.common import format_ts
    from anju_gateway.store.compounds import upsert_compound

    _, db = _db(data_dir, database_url)
    with db.write() as conn:
        upsert_compound(
            conn, compound_id=compound_id, name=name, precinct_id=precinct, now=format_ts(utcnow())
        )
    typer.echo(f"compound {compound_id} in precinct {precinct}")


@app.command("enrol-code")
def enrol_code(
    compound: Annotated[str, typer.Option(help="Compound the edge box will serve.")],
    ttl_minutes: Annotated[int, typer.Option(help="Minutes until the code expires.")] = 24 * 60,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a one-time enrolment code for an installer.

    Example: anju gateway enrol-code --compound lushan-01 --ttl-minutes 120
    """
    from anju_contracts import utcnow
    from anju_contracts.common import format_ts
    from anju_gateway.edges.enrolment import UnknownCompound, issue_code

    _, db = _db(data_dir, database_url)
    try:
        code, expires = issue_code(
            db,
            compound_id=compound,
            created_by="cli",
            now=utcnow(),
            ttl=timedelta(minutes=ttl_minutes),
        )
    except UnknownCompound:
        typer.echo(
            f"no compound {compound!r}: create it with 'anju gateway add-compound'", err=True
        )
        raise typer.Exit(2) from None
    typer.echo(code)
    typer.echo(f"expires {format_ts(expires)}", err=True)


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str, typer.Option(help="admin, supervisor, officer, property_manager, installer")
    ],
    precinct: Annotated[
        str | None, typer.Option(help="Precinct of an officer or supervisor.")
    ] = None,
    compound: Annotated[str | None, typer.Option(help="Compound of a property manager.")] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in consoles.")] = "",
    password: Annotated[
        str | None,
        typer.Option(
            help="Password (prompted when omitted; or set ANJU_PASSWORD).", envvar="ANJU_PASSWORD"
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user, or reset their password and role (a reset logs them out everywhere).

    Example: anju gateway create-user zhang.wei --role officer --precinct xunyang
    """
    from anju_contracts import utcnow
    from anju_contracts.common import format_ts
    from anju_gateway.access.accounts import (
        AccountError,
        check_password,
        check_role_fields,
        save_account,
    )
    from anju_gateway.store.users import Role

    try:
        role_value = Role(role)
    except ValueError:
        typer.echo(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(2) from None
    try:
        check_role_fields(role_value, precinct, compound)
        if password is None:
            password = getpass.getpass("password: ")
        check_password(password)
        _, db = _db(data_dir, database_url)
        with db.write() as conn:
            save_account(
                conn,
                username=username,
                role=role_value,
                password=password,
                now=format_ts(utcnow()),
                display_name=display_name,
                precinct_id=precinct,
                compound_id=compound,
            )
    except AccountError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"user {username} ({role_value.value})")


@app.command("list-edges")
def list_edges_cmd(
    compound: Annotated[str | None, typer.Option(help="Only this compound's boxes.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List enrolled edge boxes (id, compound, host, enrolled, last seen, revoked).

    Example: anju gateway list-edges --compound lushan-01
    """
    from anju_gateway.store.edges import list_edges

    _, db = _db(data_dir, database_url)
    rows = list_edges(db.conn(), compound_id=compound)
    for r in rows:
        state = f"revoked {r.revoked_at}" if r.revoked_at else "active"
        typer.echo(
            f"{r.id}  {r.compound_id}  {r.hostname or '-'}  enrolled {r.created_at}  "
            f"last seen {r.last_seen_at or 'never'}  {state}"
        )
    if not rows:
        typer.echo("no edge boxes enrolled", err=True)


@app.command("revoke-edge")
def revoke_edge(
    edge_id: Annotated[str, typer.Argument(help="Edge id as shown at enrolment.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke an edge box's token at once (it must enrol again).

    Example: anju gateway revoke-edge edge-01jd5k...
    """
    from anju_contracts import utcnow
    from anju_contracts.common import format_ts
    from anju_gateway.store.edges import revoke_edge as store_revoke

    _, db = _db(data_dir, database_url)
    with db.write() as conn:
        done = store_revoke(conn, edge_id=edge_id, now=format_ts(utcnow()))
    if not done:
        typer.echo(f"no active edge {edge_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {edge_id}")


@app.command("routing")
def routing_cmd(
    precinct: Annotated[str, typer.Argument(help="Precinct (派出所) id.")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KIND=police|property|both (repeatable); other overrides are kept.",
        ),
    ] = None,
    raise_at: Annotated[
        str | None,
        typer.Option(
            "--raise-at",
            help="Severity from which a property alert goes to the police "
            "(critical, high, normal, low), or never.",
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show, or change, who handles which alert type in a precinct (分类处置).

    Example: anju gateway routing xunyang --set door_held_open=both --set loitering=police
    """
    from anju_contracts import AlertKind, Severity, utcnow
    from anju_contracts.common import format_ts
    from anju_gateway.alerts.routing import DEFAULT_ROUTES, effective, parse_assignments
    from anju_gateway.store.compounds import precinct_exists
    from anju_gateway.store.routing import get_policy, put_policy

    try:
        changes = parse_assignments(set_ or [])
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if raise_at is not None and raise_at != "never" and raise_at not in Severity.__members__:
        typer.echo("--raise-at: critical, high, normal, low or never", err=True)
        raise typer.Exit(2)
    _, db = _db(data_dir, database_url)
    if not precinct_exists(db.conn(), precinct_id=precinct):
        typer.echo(f"no precinct {precinct!r}: 'anju gateway add-compound' creates it", err=True)
        raise typer.Exit(2)
    if changes or raise_at is not None:
        with db.write() as conn:
            current = effective(get_policy(conn, precinct_id=precinct))
            routes = {k: h.value for k, h in current.overrides.items()}
            routes |= {k: h.value for k, h in changes.items()}
            if raise_at is None:
                keep = current.raise_at.value if current.raise_at else ""
            else:
                keep = "" if raise_at == "never" else raise_at
            put_policy(conn, precinct_id=precinct, routes=routes, raise_at=keep, actor="cli",
                       now=format_ts(utcnow()))  # fmt: skip
    policy = effective(get_policy(db.conn(), precinct_id=precinct))
    for kind, handler in policy.routes.items():
        mark = (
            ""
            if kind not in policy.overrides
            else f"  (default {DEFAULT_ROUTES[AlertKind(kind)].value})"
        )
        typer.echo(f"{kind:16} {handler.value}{mark}")
    if policy.raise_at is None:
        typer.echo("raise-at never: severity never sends a property alert to the police")
    else:
        typer.echo(
            f"raise-at {policy.raise_at.value}: property alerts this severe go to the police"
        )


app.add_typer(viid_app, name="viid")
app.add_typer(gbcode_app, name="gb-code")
app.command("passage-upload")(passage_upload)
