"""The ``anju`` command: one entry point for every part of the system."""

from __future__ import annotations

import typer

from anju_common import __version__
from anju_edge.cli import app as edge_app
from anju_gateway.cli import app as gateway_app
from anju_models.cli import app as models_app
from anju_sim.cli import app as sim_app

app = typer.Typer(
    help="Anju (安居): edge IoT hub for smart-security residential compounds.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(gateway_app, name="gateway")
app.add_typer(edge_app, name="edge")
app.add_typer(sim_app, name="sim")
app.add_typer(models_app, name="models")


@app.command()
def demo(
    data_dir: str = typer.Option("var/demo", help="Where the demo keeps its databases."),
    port: int = typer.Option(8080, help="Gateway port (a free one is used when it is taken)."),
    once: bool = typer.Option(False, help="Exit after the demo alert arrived (for scripts)."),
    embedded_broker: bool = typer.Option(
        False, help="Use the embedded MQTT 3.1.1 broker even when Mosquitto is installed."
    ),
) -> None:
    """Run the whole system locally: broker, gateway, one edge box and the simulator.

    Example: anju demo   (then open the URLs it prints; Ctrl-C stops everything)
    """
    from pathlib import Path

    from anju.demo import run_demo

    raise typer.Exit(run_demo(Path(data_dir), port, once=once, embedded_broker=embedded_broker))


@app.command()
def version() -> None:
    """Print the version.

    Example: anju version
    """
    typer.echo(__version__)


def main() -> None:
    app()
