"""``anju sim ...``: play scenarios against a broker."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

import typer

from anju_sim.demostate import DEFAULT_DEMO_DIR

app = typer.Typer(help="Simulated gate controllers and cameras (模拟设备).", no_args_is_help=True)


@app.command("list")
def list_cmd() -> None:
    """List the bundled scenarios.

    Example: anju sim list
    """
    from anju_sim.scenario import list_scenarios

    for s in list_scenarios():
        typer.echo(f"{s.name:20} {s.title}")


@app.command("edge-config")
def edge_config_cmd(
    scenario: Annotated[
        str, typer.Option(help="Scenario name (see 'anju sim list') or YAML path.")
    ],
    timezone: Annotated[str, typer.Option(help="The edge's local time zone.")] = "Asia/Shanghai",
) -> None:
    """Print the edge config keys (gates, cameras, zones, rules) a scenario needs, as YAML.

    Camera schedules are moved so that the scenario's time of day (e.g. 23:30 for a night
    intrusion) falls on the current local time; merge the output into the edge's config.

    Example: anju sim edge-config --scenario night-intrusion > scenario-edge.yaml
    """
    import yaml

    from anju_sim.edgeconfig import live_fragment
    from anju_sim.scenario import load_scenario

    try:
        sc = load_scenario(scenario)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(yaml.safe_dump(live_fragment(sc, timezone), allow_unicode=True, sort_keys=False))


@app.command()
def run(
    scenario: Annotated[
        str, typer.Option(help="Scenario name (see 'anju sim list') or YAML path.")
    ],
    broker: Annotated[
        str | None,
        typer.Option(
            help="Broker URL, e.g. mqtt://127.0.0.1:1883. Required unless a demo is running "
            "(then its broker is used)."
        ),
    ] = None,
    compound: Annotated[
        str | None,
        typer.Option(help="Compound id in the topics (default: the demo's, else 'demo')."),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Time compression: 1440 plays a day in a minute.")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of generated traffic (same seed, same run).")] = 1,
    no_check: Annotated[
        bool,
        typer.Option("--no-check", help="Only play; do not wait for the edge or check its alerts."),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for the edge to be online, after the last step for the "
            "expected alerts, and for a broker that went away before giving up."
        ),
    ] = 30.0,
    demo_dir: Annotated[
        Path, typer.Option(help="Where a running demo keeps its state file.")
    ] = DEFAULT_DEMO_DIR,
) -> None:
    """Play a scenario against a broker, as the real devices would, then check that the edge
    raised exactly the scenario's expected alerts (on anju/<compound>/edge/alerts).

    The edge must be configured for the scenario's devices and rules (`anju sim edge-config`).
    Exit 0: exactly the expected alerts; 1: a table of expected / missing / unexpected
    (or no edge online); 2: bad arguments; 3: the broker unreachable or lost.

    Example: anju sim run --scenario door-forced --broker mqtt://127.0.0.1:1883 --compound demo
    """
    from anju_common.ratelog import setup_logging
    from anju_sim.play import PlayOptions, play_scenario
    from anju_sim.scenario import load_scenario

    setup_logging("info")
    # Ctrl-C ends the run (130) even when whatever started it ignored SIGINT: a job a shell
    # starts in the background without job control inherits SIG_IGN, and Python then installs
    # no KeyboardInterrupt at all.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sc = load_scenario(scenario)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    host, port, mqtt5, default_compound = _broker_target(broker, demo_dir)
    options = PlayOptions(
        host=host,
        port=port,
        mqtt5=mqtt5,
        compound_id=compound or default_compound,
        speed=speed,
        seed=seed,
        check=not no_check,
        timeout=timeout,
    )
    raise typer.Exit(play_scenario(sc, options, typer.echo))


def _broker_target(broker: str | None, demo_dir: Path) -> tuple[str, int, bool, str]:
    """host, port, MQTT 5?, default compound: from --broker, else from the running demo."""
    from anju_sim.demostate import STATE_FILE, read_demo_state

    demo = read_demo_state(demo_dir)
    if broker is None:
        if demo is None:
            typer.echo(
                "no broker given and no demo running: pass --broker mqtt://HOST:PORT "
                f"(a running `anju demo` is found through {demo_dir / STATE_FILE})",
                err=True,
            )
            raise typer.Exit(2)
        typer.echo(f"using the running demo's broker {demo.broker_url} (pid {demo.pid})")
        return demo.broker_host, demo.broker_port, demo.mqtt5, demo.compound_id
    url = urlparse(broker)
    if url.scheme != "mqtt" or not url.hostname:
        typer.echo(f"--broker {broker!r}: expected mqtt://HOST:PORT", err=True)
        raise typer.Exit(2)
    host, port = url.hostname, url.port or 1883
    # The demo's embedded broker speaks MQTT 3.1.1 only.
    same = demo is not None and (demo.broker_host, demo.broker_port) == (host, port)
    return host, port, demo.mqtt5 if demo is not None and same else True, "demo"


@app.command()
def load(
    compounds: Annotated[int, typer.Option(help="Simulated compounds.")] = 1,
    cameras: Annotated[int, typer.Option(help="Cameras per compound.")] = 2,
    gates: Annotated[int, typer.Option(help="Gate controllers per compound.")] = 2,
    gate_rate: Annotated[
        float, typer.Option("--gate-rate", "--rate", help="Events per second per gate.")
    ] = 1.0,
    camera_fps: Annotated[float, typer.Option(help="Snapshots per second per camera.")] = 1.0,
    duration: Annotated[float, typer.Option(help="Seconds to run.")] = 10.0,
    snapshot_bytes: Annotated[
        int, typer.Option(help="Pad each JPEG snapshot to this size (0: as it is, ~110 kB).")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the generated traffic.")] = 1,
    broker: Annotated[
        str | None,
        typer.Option(help="Broker URL. Required unless a demo is running (then its broker)."),
    ] = None,
    demo_dir: Annotated[
        Path, typer.Option(help="Where a running demo keeps its state file.")
    ] = DEFAULT_DEMO_DIR,
    gateway: Annotated[
        list[str] | None,
        typer.Option(
            help="HTTP mode: a gateway replica's URL (repeat for several replicas); the "
            "simulated edges post alerts to it instead of MQTT traffic to a broker."
        ),
    ] = None,
    tokens: Annotated[
        Path | None,
        typer.Option(help="HTTP mode: JSON lines of {compound_id, token}, one enrolled edge each."),
    ] = None,
    alert_rate: Annotated[
        float, typer.Option(help="HTTP mode: alerts per second offered, all edges together.")
    ] = 10.0,
    feeds: Annotated[
        int, typer.Option(help="HTTP mode: officers' live feeds to open, over the gateways.")
    ] = 0,
    officer: Annotated[
        str | None,
        typer.Option(help="HTTP mode: the user the feeds log in as (password: ANJU_PASSWORD)."),
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=100, help="HTTP mode: alerts per POST.")] = 1,
    json_out: Annotated[
        bool, typer.Option("--json", help="HTTP mode: print the report as one JSON object.")
    ] = False,
) -> None:
    """Generate load and report it: MQTT traffic (compounds x cameras x gates) to a broker, or
    with --gateway, simulated edges posting alerts to gateway replicas over HTTP while officers'
    live feeds watch (accept latency, feed fan-out delay; exit 1 if any alert was refused).

    Example: anju sim load --compounds 10 --cameras 4 --gates 2 --rate 2 --duration 30 --broker mqtt://127.0.0.1:1883
    HTTP example: anju sim load --gateway http://127.0.0.1:8080 --tokens edges.jsonl --alert-rate 40
    """
    if gateway:
        _http_load(
            gateway, tokens, alert_rate, duration, feeds, officer, cameras, seed, batch, json_out
        )
        return
    from anju_sim.load import LoadSpec, run_load

    host, port, _, _ = _broker_target(broker, demo_dir)
    spec = LoadSpec(
        compounds=compounds,
        cameras=cameras,
        gates=gates,
        gate_rate=gate_rate,
        camera_fps=camera_fps,
        duration=duration,
        snapshot_bytes=snapshot_bytes,
        seed=seed,
    )
    try:
        report = run_load(spec, host, port)
    except OSError as exc:
        typer.echo(f"cannot reach the broker mqtt://{host}:{port}: {exc}", err=True)
        raise typer.Exit(3) from None
    typer.echo(report.summary())


def _http_load(
    gateways: list[str],
    tokens: Path | None,
    alert_rate: float,
    duration: float,
    feeds: int,
    officer: str | None,
    cameras: int,
    seed: int,
    batch: int,
    json_out: bool,
) -> None:
    import json
    import os

    from anju_sim.httpload import HttpLoadSpec, read_tokens, run_http_load

    if tokens is None:
        typer.echo("--gateway needs --tokens FILE (JSON lines of {compound_id, token})", err=True)
        raise typer.Exit(2)
    password = os.environ.get("ANJU_PASSWORD")
    if feeds and (officer is None or not password):
        typer.echo("--feeds needs --officer USER and the password in ANJU_PASSWORD", err=True)
        raise typer.Exit(2)
    if alert_rate <= 0 or duration <= 0:
        typer.echo("--alert-rate and --duration must be positive", err=True)
        raise typer.Exit(2)
    try:
        edges = read_tokens(tokens)
    except (OSError, ValueError) as exc:
        typer.echo(f"--tokens {tokens}: {exc}", err=True)
        raise typer.Exit(2) from None
    if not edges:
        typer.echo(f"--tokens {tokens}: no edges in it", err=True)
        raise typer.Exit(2)
    spec = HttpLoadSpec(
        gateways=gateways,
        tokens=edges,
        alert_rate=alert_rate,
        duration=duration,
        feeds=feeds,
        officer=officer,
        password=password,
        cameras=max(1, cameras),
        seed=seed,
        batch=batch,
    )
    try:
        report = run_http_load(spec)
    except httpx_errors() as exc:
        typer.echo(f"cannot reach the gateway or log in: {exc}", err=True)
        raise typer.Exit(3) from None
    typer.echo(json.dumps(report.as_dict()) if json_out else report.summary())
    if report.refused or (feeds and report.feeds_open < feeds):
        raise typer.Exit(1)


def httpx_errors() -> tuple[type[Exception], ...]:
    import httpx

    return (httpx.HTTPError,)
