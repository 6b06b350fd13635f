"""GA/T 1400 wire models: the standard's names on the wire, ids and times by its rules."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from anju_contracts.gbcode import base_id, check_gb_code, object_id
from anju_contracts.viid import (
    MotorVehicleList,
    RegisterRequest,
    ResponseStatusList,
    SubImageInfo,
    SystemTime,
)

CAM = "36040200001320000001"  # 九江 ... type 132, network 0
GATE = "36040200001340000002"  # type 134


def test_gb_code_checks_length_digits_and_type_naming_the_device() -> None:
    assert check_gb_code(CAM, "camera", "camera lobby") == CAM
    with pytest.raises(ValueError, match=r"camera lobby: .*20 digits"):
        check_gb_code(CAM[:-1], "camera", "camera lobby")
    with pytest.raises(ValueError, match=r"camera lobby: .*20 digits"):
        check_gb_code(CAM[:-1] + "x", "camera", "camera lobby")
    with pytest.raises(ValueError, match=r"gate north: .*type 132.*gate"):
        check_gb_code(CAM, "gate", "gate north")
    with pytest.raises(ValueError, match="行政区划"):
        check_gb_code("000000" + CAM[6:], "camera", "camera lobby")


def test_ids_follow_the_rule() -> None:
    base = base_id(CAM, "20261203120000", 7)
    assert base == CAM + "02" + "20261203120000" + "00007" and len(base) == 41
    oid = object_id(base, "motor_vehicle")
    assert oid == base + "02" + "00001" and len(oid) == 48
    with pytest.raises(ValueError):
        base_id(CAM, "2026", 1)


def image(**over: object) -> dict[str, object]:
    base = base_id(CAM, "20261203120000", 1)
    data = {
        "ImageID": base, "EventSort": 0, "DeviceID": CAM, "Type": "14",
        "ShotTime": "20261203120000", "Width": 640, "Height": 480,
        "Data": base64.b64encode(b"\xff\xd8jpeg").decode(),
    }  # fmt: skip
    return data | over


def test_register_and_lists_speak_the_standard_names() -> None:
    wire = RegisterRequest.model_validate({"RegisterObject": {"DeviceID": CAM}}).to_wire()
    assert wire == {"RegisterObject": {"DeviceID": CAM}}
    base = base_id(CAM, "20261203120000", 1)
    body = {
        "MotorVehicleListObject": {
            "MotorVehicleObject": [
                {
                    "MotorVehicleID": object_id(base, "motor_vehicle"), "SourceID": base,
                    "DeviceID": CAM, "HasPlate": True, "PlateNo": "赣G12345",
                    "PassTime": "20261203120000", "SubImageList": {"SubImageInfoObject": [image()]},
                }
            ]
        }
    }  # fmt: skip
    parsed = MotorVehicleList.model_validate(body)
    wire = parsed.to_wire()
    obj = wire["MotorVehicleListObject"]["MotorVehicleObject"][0]
    assert obj["PlateNo"] == "赣G12345" and obj["InfoKind"] == 1
    assert obj["SubImageList"]["SubImageInfoObject"][0]["FileFormat"] == "Jpeg"


@pytest.mark.parametrize(
    "over",
    [{"ShotTime": "20261303120000"}, {"ShotTime": "2026-12-03"}, {"Data": "not base64!"},
     {"ImageID": "123"}, {"Width": 0}, {"Extra": 1}],
)  # fmt: skip
def test_image_fields_are_checked(over: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SubImageInfo.model_validate(image(**over))


def test_responses_ignore_vendor_fields() -> None:
    body = {
        "ResponseStatusListObject": {
            "ResponseStatusObject": [
                {"RequestURL": "/VIID/Persons", "StatusCode": 0, "StatusString": "OK",
                 "Id": "1", "LocalTime": "20261203120000", "Vendor": "x"},
                {"RequestURL": "/VIID/Persons", "StatusCode": 6, "StatusString": "bad", "Id": "2"},
            ]
        }
    }  # fmt: skip
    statuses = ResponseStatusList.model_validate(body).objects
    assert [s.status_code for s in statuses] == [0, 6]
    t = SystemTime.model_validate({"SystemTimeObject": {"LocalTime": "20261203120000"}})
    assert t.system_time_object.local_time == "20261203120000"
