"""models/manifest.yaml: what each model file is, where it came from, how to feed and decode it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field, ValidationError

from anju_contracts import WireModel as Strict


class InputSpec(Strict):
    name: str = Field(description="Input tensor name.")
    width: int = Field(ge=32, le=4096)
    height: int = Field(ge=32, le=4096)
    channels_order: Literal["BGR", "RGB"]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    scale: float = Field(
        gt=0, description="Multiplied into pixels before mean/std (1/255 for YOLO)."
    )
    letterbox_pad: int = Field(ge=0, le=255)


class NanodetSpec(Strict):
    strides: list[int]
    reg_max: int = Field(ge=1, le=64)
    centre_offset: float = Field(ge=0.0, le=0.5)


class YoloSpec(Strict):
    version: Literal[5, 8]


class Source(Strict):
    registry: str
    package: str
    version: str
    files: list[str]


class Licence(Strict):
    model: str
    package: str


class Recipe(Strict):
    command: str
    script: str
    converter: str


OutputKind = Literal["scores", "boxes", "predictions"]


class ModelEntry(Strict):
    name: str
    file: str
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size_bytes: int = Field(gt=0)
    layout: Literal["nanodet", "yolo"]
    input: InputSpec
    nanodet: NanodetSpec | None = None
    yolo: YoloSpec | None = None
    outputs: dict[str, tuple[OutputKind, int]] = Field(
        description="Output name -> (kind, stride); YOLO uses one 'predictions' output, stride 0."
    )
    default_min_score: float = Field(ge=0, le=1)
    nms_iou: float = Field(gt=0, le=1)
    classes: list[str] = Field(min_length=1)
    source: Source
    upstream: str
    licence: Licence
    recipe: Recipe
    reference: str | None = None
    precision: Literal["fp32", "int8"] = Field(
        default="fp32", description="Arithmetic of the file; int8 entries are quantized copies."
    )
    quantized_from: str | None = Field(
        default=None, description="For an int8 entry: the fp32 model it was quantized from."
    )


class Manifest(Strict):
    models: list[ModelEntry]

    def get(self, name: str) -> ModelEntry:
        for entry in self.models:
            if entry.name == name:
                return entry
        known = ", ".join(m.name for m in self.models)
        raise KeyError(f"no model {name!r} in the manifest (known: {known})")

    def variant(self, name: str, precision: str) -> ModelEntry:
        """Model ``name`` at ``precision``: itself, or the entry quantized from it."""
        entry = self.get(name)
        if entry.precision == precision:
            return entry
        for other in self.models:
            if other.quantized_from == name and other.precision == precision:
                return other
        raise KeyError(f"no {precision} variant of model {name!r} in the manifest")


class ManifestError(ValueError):
    pass


# Where the installer (deploy/ansible, `anju_edge_models_dir`) puts the manifest and the models.
INSTALLED_MODELS_DIR = Path("/opt/anju/models")


def default_models_dir() -> Path:
    """Where the models are when neither the config nor a flag says: ``$ANJU_MODELS_DIR``; in a
    source checkout its models/ folder (edge/anju_edge/detect/ -> the checkout's root); on a box
    installed from the wheel (which does not carry the models) the installer's folder."""
    if env := os.environ.get("ANJU_MODELS_DIR"):
        return Path(env)
    checkout = Path(__file__).resolve().parents[3] / "models"
    if (checkout / "manifest.yaml").is_file():
        return checkout
    return INSTALLED_MODELS_DIR


def load_manifest(models_dir: Path | None = None) -> tuple[Manifest, Path]:
    models_dir = Path(models_dir) if models_dir else default_models_dir()
    path = models_dir / "manifest.yaml"
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return Manifest.model_validate(data), models_dir
    except ValidationError as exc:
        raise ManifestError(f"{path}: {exc}") from None
