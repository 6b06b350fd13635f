"""``anju edge ...``: run the edge service, check its configuration, enrol the box."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer

app = typer.Typer(
    help="The compound edge box (小区边缘盒): ingest, detection, rules, outbox.",
    no_args_is_help=True,
)

ConfigFile = Annotated[Path, typer.Option("--config", "-c", help="Edge config file (YAML).")]


def _load(path: Path):  # type: ignore[no-untyped-def]
    from anju_edge.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


@app.command()
def run(config: ConfigFile) -> None:
    """Run the edge service until SIGTERM or Ctrl-C.

    Example: anju edge run --config /etc/anju/edge.yaml
    """
    from anju_edge.memory import tune_malloc

    tune_malloc()  # before any thread starts: see anju_edge/memory.py

    from anju_common.ratelog import setup_logging
    from anju_edge.service import EdgeService
    from anju_edge.shutdown import leave

    cfg = _load(config)
    setup_logging(cfg.log_level)
    EdgeService(cfg).run_forever()
    leave()  # a detector thread still inside the model must not abort the process at exit


@app.command("check-config")
def check_config(
    file: Annotated[Path, typer.Argument(help="Edge config file (YAML).")],
    probe: Annotated[
        bool, typer.Option(help="Also try each RTSP/HTTP camera once (exit 1 if one fails).")
    ] = False,
) -> None:
    """Validate a config file; exit 0 when valid, 2 with every problem and its key path when not.

    With --probe, one line per camera: what it delivers (codec, size, fps, key-frame interval)
    or exactly why not (offline, auth_failed), credentials masked.

    Example: anju edge check-config /etc/anju/edge.yaml --probe
    """
    from anju_edge.delivery.tls import TlsConfigError, tls_context

    cfg = _load(file)
    try:
        tls_context(cfg.gateway)  # the pinned CA and client certificate load
    except TlsConfigError as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"ok: compound {cfg.compound_id}, {len(cfg.gates)} gate(s), {len(cfg.cameras)} camera(s), "
        f"{sum(len(c.rules) for c in cfg.cameras)} camera rule(s)"
    )
    if probe:
        from anju_edge.camera.sources.probe import probe_camera

        results = [probe_camera(cam, cfg) for cam in cfg.cameras]
        for result in results:
            typer.echo(result.line())
        if not all(r.ok for r in results):
            raise typer.Exit(1)


@app.command()
def detect(
    images: Annotated[list[Path], typer.Argument(help="JPEG or PNG files to look at.")],
    annotate: Annotated[
        Path | None, typer.Option(help="Write each image with its boxes into this folder.")
    ] = None,
    min_score: Annotated[float, typer.Option(help="Drop weaker detections.")] = 0.35,
    model: Annotated[str, typer.Option(help="Model name in models/manifest.yaml.")] = (
        "nanodet-m-416"
    ),
    threads: Annotated[int, typer.Option(help="onnxruntime threads.")] = 2,
) -> None:
    """Run the detector on images and print one JSON line per image (to check a camera's view).

    Each line: {"image": PATH, "detections": [{"label": "person", "score": 0.83,
    "box": [x1, y1, x2, y2]}]} with the box in pixels of the original image.

    Example: anju edge detect gate-north.jpg --annotate /tmp/checked
    """
    import json

    import cv2

    from anju_edge.camera.annotate import Image, draw_detections
    from anju_edge.detect.onnx_detector import load_detector

    detector = load_detector(model, None, threads)
    if annotate is not None:
        annotate.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in images:
        image = cast("Image | None", cv2.imread(str(path), cv2.IMREAD_COLOR))
        if image is None:
            typer.echo(f"{path}: not a readable image", err=True)
            failed += 1
            continue
        found = detector.detect([image], min_score)[0]
        line = {
            "image": str(path),
            "detections": [
                {
                    "label": d.label,
                    "score": round(d.score, 2),
                    "box": [round(d.x1), round(d.y1), round(d.x2), round(d.y2)],
                }
                for d in found
            ],
        }
        typer.echo(json.dumps(line, ensure_ascii=False))
        if annotate is not None:
            cv2.imwrite(str(annotate / f"{path.stem}.jpg"), draw_detections(image, found))
    if failed:
        raise typer.Exit(1)


@app.command()
def enrol(
    code: Annotated[str, typer.Option(help="One-time enrolment code from the gateway.")],
    gateway: Annotated[
        list[str] | None,
        typer.Option(
            help="Gateway base URL; repeat it for the replicas, tried in turn until one "
            "answers. Default: the config's gateway url or urls."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Edge config: the token goes to its token_file."),
    ] = None,
    token_file: Annotated[
        Path | None, typer.Option(help="Where to write the token instead.")
    ] = None,
) -> None:
    """Enrol this box with the gateway and store its device token (mode 0600).

    A gateway URL that refuses, times out or answers 502/503/504 is left for the next one.

    Example: anju edge enrol --gateway https://gw.example --code ABCD-EFGH-JKLM
    --config /etc/anju/edge.yaml
    """
    from pydantic import ValidationError

    from anju_contracts import EnrolRequest
    from anju_edge.delivery.enrol import EnrolFailed
    from anju_edge.delivery.enrol import enrol as do_enrol
    from anju_edge.delivery.tls import TlsConfigError, tls_context

    try:  # a mistyped code is refused here, by the same rule the gateway applies
        EnrolRequest.model_validate({"code": code, "hostname": "check"}, strict=False)
    except ValidationError as exc:
        problem = next((e["msg"] for e in exc.errors() if e["loc"][:1] == ("code",)), None)
        if problem is not None:
            typer.echo(f"--code: {problem} (the code looks like ABCD-EFGH-JKLM)", err=True)
            raise typer.Exit(2) from None
    verify = None
    urls = list(gateway or [])
    if config is not None:
        cfg = _load(config)
        token_file = token_file or cfg.token_path()
        urls = urls or list(cfg.gateway.base_urls)
        try:
            verify = tls_context(cfg.gateway)  # the config's pinned CA (and client certificate)
        except TlsConfigError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
    if token_file is None:
        typer.echo("give --config or --token-file", err=True)
        raise typer.Exit(2)
    if not urls:
        typer.echo("give --gateway (or --config, whose gateway url or urls are used)", err=True)
        raise typer.Exit(2)
    try:
        resp = do_enrol(urls, code, token_file, verify=verify)
    except EnrolFailed as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"enrolled as {resp.edge_id} for compound {resp.compound_id}; token in {token_file}")
