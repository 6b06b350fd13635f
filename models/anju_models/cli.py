"""``anju models ...``: check and measure the models the edge box runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="ONNX models (模型): verify against the manifest, benchmark.", no_args_is_help=True
)

ModelsDir = Annotated[
    Path | None, typer.Option("--models-dir", help="Folder with manifest.yaml (default: bundled).")
]


@app.command()
def verify(
    models_dir: ModelsDir = None,
    write: Annotated[
        bool, typer.Option(help="Rewrite reference/expected.yaml from this model.")
    ] = False,
) -> None:
    """Check model files against the manifest and run the reference images.

    Exit 0 when every model finds its reference detections again, 1 otherwise.

    Example: anju models verify
    """
    from anju_models.verify import verify_all

    failed = False
    for report in verify_all(models_dir, write=write):
        for note in report.notes:
            typer.echo(f"{report.model}: note: {note}")
        for problem in report.problems:
            typer.echo(f"{report.model}: FAIL: {problem}", err=True)
        typer.echo(f"{report.model}: {'ok' if report.ok else 'FAILED'}")
        failed |= not report.ok
    if failed:
        raise typer.Exit(1)


@app.command()
def bench(
    model: Annotated[str, typer.Option(help="Model name.")] = "nanodet-m-416",
    threads: Annotated[int, typer.Option(help="onnxruntime threads.")] = 1,
    runs: Annotated[int, typer.Option(help="Timed runs.")] = 30,
    models_dir: ModelsDir = None,
) -> None:
    """Measure the model's latency on this machine (median of repeated runs).

    Example: anju models bench --threads 1 --runs 30
    """
    from anju_models.bench import bench_model

    result = bench_model(model, threads, runs, models_dir)
    typer.echo(
        f"{model}: threads {threads}: inference p50 {result['infer_p50_ms']:.1f} ms, "
        f"p90 {result['infer_p90_ms']:.1f} ms; with decode+NMS p50 "
        f"{result['detect_p50_ms']:.1f} ms ({result['fps_one_worker']:.1f} fps per worker)"
    )
