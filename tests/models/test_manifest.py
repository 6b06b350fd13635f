"""The manifest is strict, and `verify` judges a model by its outputs on the reference images."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from anju_edge.detect.manifest import ManifestError, default_models_dir, load_manifest
from anju_models.verify import verify_all

MODELS = default_models_dir()


def copy_models(tmp_path: Path, edit: dict[str, object] | None = None, model: bool = True) -> Path:
    """A models folder like the real one, its manifest entry edited, the ONNX file linked."""
    folder = tmp_path / "models"
    shutil.copytree(MODELS / "reference", folder / "reference")
    data = yaml.safe_load((MODELS / "manifest.yaml").read_text("utf-8"))
    # The fp32 entry alone: the int8 entry shares its YAML anchors, and has its own tests.
    entry = data["models"][0]
    data["models"] = [entry]
    for dotted, value in (edit or {}).items():
        *parents, leaf = dotted.split(".")
        target = entry
        for key in parents:
            target = target[key]
        target[leaf] = value
    (folder / "manifest.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    if model:
        (folder / "nanodet").mkdir()
        (folder / "nanodet" / "nanodet.onnx").symlink_to(MODELS / "nanodet" / "nanodet.onnx")
    return folder


def test_default_manifest_describes_nanodet() -> None:
    manifest, folder = load_manifest()
    assert folder == MODELS
    entry = manifest.get("nanodet-m-416")
    assert entry.layout == "nanodet"
    assert (entry.input.width, entry.input.height) == (416, 416)
    assert entry.input.channels_order == "BGR"
    assert len(entry.classes) == 80 and entry.classes[0] == "person"
    assert "motorcycle" in entry.classes and "bicycle" in entry.classes


def test_unknown_manifest_key_is_refused(tmp_path: Path) -> None:
    folder = copy_models(tmp_path, {"input.colour": "BGR"}, model=False)
    with pytest.raises(ManifestError, match="colour"):
        load_manifest(folder)


def test_missing_manifest_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"manifest\.yaml"):
        load_manifest(tmp_path)


def test_verify_passes_the_real_model_with_another_hash(tmp_path: Path) -> None:
    folder = copy_models(tmp_path, {"sha256": "0" * 64})
    [report] = verify_all(folder)
    assert report.ok, report.problems
    assert any("sha256" in note for note in report.notes)


def test_verify_fails_a_model_fed_the_wrong_way(tmp_path: Path) -> None:
    # Same file, but the manifest says RGB: the outputs drift and verify must say so.
    folder = copy_models(tmp_path, {"input.channels_order": "RGB", "input.mean": [0, 0, 0]})
    [report] = verify_all(folder)
    assert not report.ok
    assert any("not found again" in p or "expected" in p for p in report.problems)


def test_verify_reports_a_missing_model_file(tmp_path: Path) -> None:
    folder = copy_models(tmp_path, model=False)
    [report] = verify_all(folder)
    assert not report.ok
    assert "missing" in report.problems[0]


def test_bench_command_reports_latency() -> None:
    from typer.testing import CliRunner

    from anju_models.cli import app

    result = CliRunner().invoke(app, ["bench", "--runs", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("nanodet-m-416: threads 1: inference p50 ")
    p50 = float(result.output.split("inference p50 ")[1].split(" ms")[0])
    assert 0 < p50 < 2000


def test_the_models_folder_without_a_flag(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """$ANJU_MODELS_DIR wins; a source checkout uses its models/; a box installed from the wheel
    (no models inside) uses the installer's /opt/anju/models."""
    from anju_edge.detect import manifest

    monkeypatch.delenv("ANJU_MODELS_DIR", raising=False)
    assert default_models_dir() == MODELS and (MODELS / "manifest.yaml").is_file()
    monkeypatch.setenv("ANJU_MODELS_DIR", str(tmp_path))
    assert default_models_dir() == tmp_path
    monkeypatch.delenv("ANJU_MODELS_DIR")
    site = tmp_path / "venv/lib/python3.11/site-packages/anju_edge/detect/manifest.py"
    monkeypatch.setattr(manifest, "__file__", str(site))
    assert default_models_dir() == manifest.INSTALLED_MODELS_DIR == Path("/opt/anju/models")
