"""Device codes in the edge config: validated naming the device, carried with the alert."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from anju_contracts import AlertKind, Severity, SourceKind
from anju_edge.alerts import AlertDraft, AlertSink
from anju_edge.config import ConfigError, parse_config
from anju_edge.delivery.outbox import Outbox

ROOT = Path(__file__).resolve().parents[2]
CAM = "36040200001320000001"
GATE = "36040200001340000002"


def config(gate_code: str | None, cam_code: str | None) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load((ROOT / "examples" / "edge.yaml").read_text("utf-8"))
    if gate_code is not None:
        data["gates"][0]["gb_code"] = gate_code
    if cam_code is not None:
        data["cameras"][0]["gb_code"] = cam_code
    return data  # type: ignore[no-any-return]


def test_codes_load_and_map_by_source() -> None:
    cfg = parse_config(config(GATE, CAM))
    assert cfg.gb_codes() == {"gate:north-gate": GATE, "camera:perimeter-east": CAM}


@pytest.mark.parametrize(
    ("gate", "cam", "expected"),
    [
        (CAM, None, "gate north-gate: gb_code 36040200001320000001 has type 132"),
        (None, GATE, "camera perimeter-east: gb_code 36040200001340000002 has type 134"),
        (None, "1234", r"cameras\[0\]\.gb_code"),
        (GATE, GATE.replace("134", "132"), ""),
    ],
)
def test_wrong_codes_are_refused_naming_the_device(
    gate: str | None, cam: str | None, expected: str
) -> None:
    text = config(gate, cam)
    if not expected:
        parse_config(text)  # a camera code and a gate code that differ: fine
        return
    with pytest.raises(ConfigError, match=expected):
        parse_config(text)


COMPOUND = "36040200002160000003"


def test_the_compound_has_its_own_code_of_type_216() -> None:
    data = config(GATE, None)
    data["gb_code"] = COMPOUND
    assert parse_config(data).gb_code == COMPOUND
    assert "compound:" not in str(parse_config(data).gb_codes())  # alerts name devices only
    data["gb_code"] = SYSTEM = "36040200002000000009"
    with pytest.raises(ConfigError, match=f"compound {data['compound_id']}: gb_code {SYSTEM} "
                       r"has type 200 .* not a 小区 compound type \(216\)"):  # fmt: skip
        parse_config(data)
    data["gb_code"] = GATE
    with pytest.raises(ConfigError, match="compound"):
        parse_config(data)


def test_a_code_used_twice_is_refused() -> None:
    data = config(GATE, None)
    data["gates"][1]["gb_code"] = GATE
    with pytest.raises(
        ConfigError, match=r"gate garage-gate: gb_code .* is already gate north-gate"
    ):
        parse_config(data)


def test_the_alert_carries_its_device_code(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3", 10 * 1024 * 1024)
    sink = AlertSink("c1", outbox, gb_codes={"gate:g1": GATE})
    coded = sink.raise_alert(
        AlertDraft(AlertKind.door_forced, Severity.critical, SourceKind.gate, "g1")
    )
    plain = sink.raise_alert(
        AlertDraft(AlertKind.door_forced, Severity.critical, SourceKind.gate, "g2")
    )
    assert coded is not None and coded.details["gb_code"] == GATE
    assert plain is not None and "gb_code" not in plain.details
