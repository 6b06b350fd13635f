"""Every GA/T 1400 example in docs/precinct-link.md parses with its model, and the upload
examples pass the tests' upper system's own field rules: docs and code stay in step."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from anju_contracts import viid
from tests.support.viid_server import check_object

DOC = Path(__file__).resolve().parents[2] / "docs" / "precinct-link.md"
BLOCKS = re.findall(r"```json viid:(\w+)\n(.*?)```", DOC.read_text("utf-8"), re.S)
PATHS = {"PersonList": "/VIID/Persons", "MotorVehicleList": "/VIID/MotorVehicles",
         "NonMotorVehicleList": "/VIID/NonMotorVehicles"}  # fmt: skip


def test_every_exchange_has_an_example() -> None:
    names = {name for name, _ in BLOCKS}
    assert {"RegisterRequest", "KeepaliveRequest", "ResponseStatus", "SystemTime",
            "ResponseStatusList", "APEList", *PATHS} <= names  # fmt: skip


@pytest.mark.parametrize(("name", "text"), BLOCKS, ids=[n for n, _ in BLOCKS])
def test_example_parses_and_round_trips(name: str, text: str) -> None:
    model = getattr(viid, name)
    data = json.loads(text)
    parsed = model.model_validate(data)
    assert model.model_validate(parsed.to_wire()) == parsed
    if name in PATHS:
        inner = next(iter(data.values()))
        for obj in inner[next(iter(inner))]:
            assert check_object(PATHS[name], obj) == []
