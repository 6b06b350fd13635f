"""``anju sim ...``: play scenarios against a broker."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

import typer

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
    broker: Annotated[str, typer.Option(help="Broker URL.")] = "mqtt://127.0.0.1:1883",
    compound: Annotated[str, typer.Option(help="Compound id in the topics.")] = "demo",
    speed: Annotated[
        float, typer.Option(help="Time compression: 1440 plays a day in a minute.")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of generated traffic (same seed, same run).")] = 1,
) -> None:
    """Play a scenario against a broker, as the real devices would.

    The edge must be configured for the scenario's devices and rules (its `edge:` section).

    Example: anju sim run --scenario normal-day --speed 1440 --broker mqtt://127.0.0.1:1883
    """
    from anju_common.ratelog import setup_logging
    from anju_sim.scenario import ScenarioRunner, load_scenario

    setup_logging("info")
    url = urlparse(broker)
    try:
        sc = load_scenario(scenario)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    runner = ScenarioRunner(
        sc, url.hostname or "127.0.0.1", url.port or 1883, compound, speed, seed
    )
    try:
        runner.start_devices()
    except (OSError, TimeoutError) as exc:
        runner.stop_devices()
        typer.echo(f"cannot reach the broker {broker}: {exc}", err=True)
        raise typer.Exit(3) from None
    try:
        done = runner.play()
    finally:
        runner.stop_devices()
    expected = ", ".join(f"{e.count} x {e.kind.value}@{e.source_id}" for e in sc.expect)
    typer.echo(f"played {sc.name}: {done} action(s); expected alerts: {expected or 'none'}")


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
    broker: Annotated[str, typer.Option(help="Broker URL.")] = "mqtt://127.0.0.1:1883",
) -> None:
    """Generate load (compounds x cameras x gates) and report what was sent.

    Example: anju sim load --compounds 10 --cameras 4 --gates 2 --rate 2 --duration 30
    """
    from anju_sim.load import LoadSpec, run_load

    url = urlparse(broker)
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
    report = run_load(spec, url.hostname or "127.0.0.1", url.port or 1883)
    typer.echo(report.summary())
