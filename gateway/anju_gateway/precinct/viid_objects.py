"""Alerts as GA/T 1400 objects: which alerts become which object, ids by the standard's rule,
times as ``YYYYMMDDhhmmss`` in the precinct's local time, the thumbnail as the SubImageList.

An alert becomes at most one object: a plate read (``details.plate``) is a motor vehicle; an
alert with detected objects is a person, motor vehicle or non-motor vehicle by its detection
labels; an alert with neither (a forced door, a tamper) has no object in the standard and is
not uploaded. docs/precinct-link.md, "GA/T 1400".
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anju_contracts.gbcode import base_id, object_id
from anju_contracts.viid import (
    MotorVehicleObject,
    NonMotorVehicleObject,
    PersonObject,
    Sent,
)
from anju_gateway.precinct.viid_client import viid_time
from anju_gateway.store.viid import AlertForViid

PERSON_LABELS = {"person"}
MOTOR_LABELS = {"car", "truck", "bus"}
NON_MOTOR_LABELS = {"bicycle", "motorcycle"}  # e-bikes are detected as these
SCENE_IMAGE_TYPE = "14"  # 场景图: the alert's thumbnail is the scene, not a crop
POLICE_HANDLERS = {"police", "both"}


@dataclass(frozen=True, slots=True)
class BuiltObject:
    kind: str  # person | motor_vehicle | non_motor_vehicle
    object_id: str
    body: dict[str, Any]


def wanted(alert: AlertForViid, kinds: list[str]) -> bool:
    """The link's alert types; none configured: the alerts routed to the police."""
    return alert.kind in kinds if kinds else alert.handler in POLICE_HANDLERS


def object_kind(alert: AlertForViid) -> str | None:
    if alert.details.get("plate"):
        return "motor_vehicle"
    if alert.kind == "ebike_indoor":
        return "non_motor_vehicle"
    labels = {str(o.get("label", "")) for o in alert.objects}
    for kind, wanted_labels in (
        ("person", PERSON_LABELS),
        ("motor_vehicle", MOTOR_LABELS),
        ("non_motor_vehicle", NON_MOTOR_LABELS),
    ):
        if labels & wanted_labels:
            return kind
    return None


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header, None if it is not a readable JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def device_code(alert: AlertForViid, system_id: str, override: str | None = None) -> str:
    """The device's code: the gateway's override, else the one the alert carried from the edge
    config, else (none, or not 20 digits) our system id."""
    for code in (override or "", str(alert.details.get("gb_code") or "")):
        if len(code) == 20 and code.isdigit():
            return code
    return system_id


def build(alert: AlertForViid, system_id: str, override: str | None = None) -> BuiltObject | None:
    kind = object_kind(alert)
    if kind is None:
        return None
    device = device_code(alert, system_id, override)
    when = viid_time(datetime.fromisoformat(alert.ts.replace("Z", "+00:00")))
    source = base_id(device, when, alert.position % 100_000)
    oid = object_id(source, kind)
    fields: dict[str, Any] = {"SourceID": source, "DeviceID": device}
    size = jpeg_size(alert.snapshot) if alert.snapshot else None
    if alert.snapshot is not None and size is not None:
        fields["SubImageList"] = {
            "SubImageInfoObject": [
                {
                    "ImageID": source, "EventSort": 0, "DeviceID": device,
                    "Type": SCENE_IMAGE_TYPE, "FileFormat": "Jpeg", "ShotTime": when,
                    "Width": size[0], "Height": size[1],
                    "Data": base64.b64encode(alert.snapshot).decode("ascii"),
                }
            ]
        }  # fmt: skip
        box = next((o.get("box") for o in alert.objects if o.get("box")), None)
        if box is not None:
            w, h = size
            fields |= {
                "LeftTopX": int(box[0] * w), "LeftTopY": int(box[1] * h),
                "RightBtmX": int(box[2] * w), "RightBtmY": int(box[3] * h),
            }  # fmt: skip
    model: Sent
    if kind == "person":
        model = PersonObject.model_validate(fields | {"PersonID": oid, "PersonAppearTime": when})
    elif kind == "motor_vehicle":
        plate = alert.details.get("plate")
        model = MotorVehicleObject.model_validate(
            fields | {"MotorVehicleID": oid, "HasPlate": bool(plate), "PassTime": when}
            | ({"PlateNo": str(plate)} if plate else {})
        )  # fmt: skip
    else:
        model = NonMotorVehicleObject.model_validate(
            fields | {"NonMotorVehicleID": oid, "AppearTime": when}
        )
    return BuiltObject(kind, oid, model.to_wire())
