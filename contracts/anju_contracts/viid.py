"""GA/T 1400 (视图库) wire formats: what the gateway sends to a precinct's upper system and
what it reads back. Python names are snake_case; the standard's names are the aliases, and
``to_wire()`` writes them. Documented with examples in docs/precinct-link.md, "GA/T 1400".

What we send is strict (unknown fields refused, so the tests' upper system catches any drift);
what an upper system sends (responses, time, dispositions) ignores fields we do not use, since
every vendor adds its own.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from enum import IntEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from anju_contracts.gbcode import GbCode


def _check_time(value: str) -> str:
    datetime.strptime(value, "%Y%m%d%H%M%S")  # a local time, by the standard
    return value


def _check_b64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("Data is not base64") from None
    return value


ViidTime = Annotated[
    str, StringConstraints(pattern=r"^\d{14}$"), AfterValidator(_check_time)
]  # YYYYMMDDhhmmss, the precinct's local time
BaseId = Annotated[str, StringConstraints(pattern=r"^\d{41}$")]  # 图像信息基本要素 ID
ObjectId = Annotated[str, StringConstraints(pattern=r"^\d{48}$")]  # 分析处理对象 ID


class StatusCode(IntEnum):
    ok = 0
    other_error = 1
    device_busy = 2
    device_error = 3
    invalid_operation = 4
    invalid_xml_format = 5
    invalid_xml_content = 6
    invalid_json_format = 7
    invalid_json_content = 8
    reboot = 9


class Sent(BaseModel):
    """What we send: strict, written with the standard's names."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Received(BaseModel):
    """What an upper system sends: unknown fields ignored."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


# --- session: /VIID/System/Register, Keepalive, UnRegister, Time ---


class DeviceRef(Sent):
    device_id: GbCode = Field(alias="DeviceID")


class RegisterRequest(Sent):
    register_object: DeviceRef = Field(alias="RegisterObject")


class KeepaliveRequest(Sent):
    keepalive_object: DeviceRef = Field(alias="KeepaliveObject")


class UnRegisterRequest(Sent):
    unregister_object: DeviceRef = Field(alias="UnRegisterObject")


class ResponseStatusObject(Received):
    request_url: str = Field(default="", alias="RequestURL")
    status_code: int = Field(alias="StatusCode")
    status_string: str = Field(default="", alias="StatusString")
    id: str | None = Field(default=None, alias="Id")
    local_time: str | None = Field(default=None, alias="LocalTime")


class ResponseStatus(Received):
    response_status_object: ResponseStatusObject = Field(alias="ResponseStatusObject")


class ResponseStatusList(Received):
    class Inner(Received):
        objects: list[ResponseStatusObject] = Field(alias="ResponseStatusObject")

    response_status_list_object: Inner = Field(alias="ResponseStatusListObject")

    @property
    def objects(self) -> list[ResponseStatusObject]:
        return self.response_status_list_object.objects


class SystemTimeObject(Received):
    viid_server_id: str = Field(default="", alias="VIIDServerID")
    time_mode: str = Field(default="", alias="TimeMode")  # 1 网络校时, 2 手动校时
    local_time: ViidTime = Field(alias="LocalTime")
    time_zone: str = Field(default="", alias="TimeZone")


class SystemTime(Received):
    system_time_object: SystemTimeObject = Field(alias="SystemTimeObject")


# --- objects: /VIID/Persons, /VIID/MotorVehicles, /VIID/NonMotorVehicles ---


class SubImageInfo(Sent):
    image_id: BaseId = Field(alias="ImageID")
    event_sort: int = Field(ge=0, alias="EventSort")
    device_id: GbCode = Field(alias="DeviceID")
    storage_path: str = Field(default="", alias="StoragePath")
    type: Annotated[str, StringConstraints(pattern=r"^\d{2,3}$")] = Field(alias="Type")
    file_format: str = Field(default="Jpeg", alias="FileFormat")
    shot_time: ViidTime = Field(alias="ShotTime")
    width: int = Field(gt=0, alias="Width")
    height: int = Field(gt=0, alias="Height")
    data: Annotated[str, StringConstraints(min_length=4), AfterValidator(_check_b64)] = Field(
        alias="Data"
    )


class SubImageList(Sent):
    sub_image_info_object: list[SubImageInfo] = Field(min_length=1, alias="SubImageInfoObject")


class _Analysed(Sent):
    info_kind: int = Field(default=1, ge=0, le=2, alias="InfoKind")  # 1 自动采集
    source_id: BaseId = Field(alias="SourceID")
    device_id: GbCode = Field(alias="DeviceID")
    left_top_x: int | None = Field(default=None, ge=0, alias="LeftTopX")
    left_top_y: int | None = Field(default=None, ge=0, alias="LeftTopY")
    right_btm_x: int | None = Field(default=None, ge=0, alias="RightBtmX")
    right_btm_y: int | None = Field(default=None, ge=0, alias="RightBtmY")
    sub_image_list: SubImageList | None = Field(default=None, alias="SubImageList")


class PersonObject(_Analysed):
    person_id: ObjectId = Field(alias="PersonID")
    appear_time: ViidTime = Field(alias="PersonAppearTime")
    is_driver: int = Field(default=0, ge=0, le=2, alias="IsDriver")
    is_foreigner: int = Field(default=2, ge=0, le=2, alias="IsForeigner")  # 2: unknown
    is_suspected_terrorist: int = Field(default=2, ge=0, le=2, alias="IsSuspectedTerrorist")
    is_criminal_involved: int = Field(default=2, ge=0, le=2, alias="IsCriminalInvolved")
    is_detainees: int = Field(default=2, ge=0, le=2, alias="IsDetainees")
    is_victim: int = Field(default=2, ge=0, le=2, alias="IsVictim")
    is_suspicious_person: int = Field(default=2, ge=0, le=2, alias="IsSuspiciousPerson")


class MotorVehicleObject(_Analysed):
    motor_vehicle_id: ObjectId = Field(alias="MotorVehicleID")
    tollgate_id: GbCode | None = Field(default=None, alias="TollgateID")
    storage_url1: str = Field(default="", alias="StorageUrl1")
    has_plate: bool = Field(alias="HasPlate")
    plate_no: str | None = Field(default=None, max_length=15, alias="PlateNo")
    plate_color: str | None = Field(default=None, max_length=2, alias="PlateColor")
    vehicle_color: str | None = Field(default=None, max_length=2, alias="VehicleColor")
    pass_time: ViidTime = Field(alias="PassTime")


class NonMotorVehicleObject(_Analysed):
    non_motor_vehicle_id: ObjectId = Field(alias="NonMotorVehicleID")
    appear_time: ViidTime = Field(alias="AppearTime")
    has_plate: bool = Field(default=False, alias="HasPlate")
    plate_no: str | None = Field(default=None, max_length=15, alias="PlateNo")


class PersonList(Sent):
    class Inner(Sent):
        objects: list[PersonObject] = Field(min_length=1, alias="PersonObject")

    list_object: Inner = Field(alias="PersonListObject")


class MotorVehicleList(Sent):
    class Inner(Sent):
        objects: list[MotorVehicleObject] = Field(min_length=1, alias="MotorVehicleObject")

    list_object: Inner = Field(alias="MotorVehicleListObject")


class NonMotorVehicleList(Sent):
    class Inner(Sent):
        objects: list[NonMotorVehicleObject] = Field(min_length=1, alias="NonMotorVehicleObject")

    list_object: Inner = Field(alias="NonMotorVehicleListObject")


# --- dispositions (布控) from the upper system, and hits sent back ---


class DispositionObject(Received):
    disposition_id: str = Field(min_length=1, max_length=33, alias="DispositionID")
    title: str = Field(default="", alias="Title")
    category: int = Field(alias="DispositionCategory")  # 1 人员 (face), 2 机动车
    target_feature: str = Field(default="", alias="TargetFeature")  # the plate, for vehicles
    priority_level: int = Field(default=3, alias="PriorityLevel")
    begin_time: ViidTime = Field(alias="BeginTime")
    end_time: ViidTime = Field(alias="EndTime")
    operate_type: int = Field(default=0, alias="OperateType")  # 0 布控, 1 撤控
    reason: str = Field(default="", alias="Reason")
    receive_addr: str = Field(default="", alias="ReceiveAddr")


class DispositionList(Received):
    class Inner(Received):
        objects: list[DispositionObject] = Field(alias="DispositionObject")

    list_object: Inner = Field(alias="DispositionListObject")


class DispositionNotification(Sent):
    notification_id: Annotated[str, StringConstraints(pattern=r"^\d{1,33}$")] = Field(
        alias="NotificationID"
    )
    disposition_id: str = Field(alias="DispositionID")
    title: str = Field(default="", alias="Title")
    trigger_time: ViidTime = Field(alias="TriggerTime")
    cnt_object_id: str = Field(alias="CntObjectID")
    motor_vehicle: MotorVehicleObject | None = Field(default=None, alias="MotorVehicleObject")


class DispositionNotificationList(Sent):
    class Inner(Sent):
        objects: list[DispositionNotification] = Field(
            min_length=1, alias="DispositionNotificationObject"
        )

    list_object: Inner = Field(alias="DispositionNotificationListObject")


# --- the APE list (采集设备): GET /VIID/APEs, our coded cameras and gates ---


class ApeObject(Sent):
    ape_id: GbCode = Field(alias="ApeID")
    name: str = Field(min_length=1, max_length=100, alias="Name")
    model: str = Field(min_length=1, max_length=100, alias="Model")
    ip_addr: str | None = Field(default=None, max_length=30, alias="IPAddr")
    port: int | None = Field(default=None, ge=0, le=65535, alias="Port")
    longitude: float | None = Field(default=None, ge=-180, le=180, alias="Longitude")
    latitude: float | None = Field(default=None, ge=-90, le=90, alias="Latitude")
    is_online: str = Field(pattern=r"^[129]$", alias="IsOnline")  # 1 在线, 2 离线, 9 其他


class APEList(Sent):
    class Inner(Sent):
        objects: list[ApeObject] = Field(alias="APEObject")

    list_object: Inner = Field(alias="APEListObject")


# Where each object kind goes, its list model and the object's id field (by alias).
RESOURCES: dict[str, tuple[str, type[Sent], str]] = {
    "person": ("/VIID/Persons", PersonList, "PersonID"),
    "motor_vehicle": ("/VIID/MotorVehicles", MotorVehicleList, "MotorVehicleID"),
    "non_motor_vehicle": ("/VIID/NonMotorVehicles", NonMotorVehicleList, "NonMotorVehicleID"),
    "disposition_notification": (
        "/VIID/DispositionNotifications",
        DispositionNotificationList,
        "NotificationID",
    ),
}
LIST_KEYS = {
    "person": ("PersonListObject", "PersonObject"),
    "motor_vehicle": ("MotorVehicleListObject", "MotorVehicleObject"),
    "non_motor_vehicle": ("NonMotorVehicleListObject", "NonMotorVehicleObject"),
    "disposition_notification": (
        "DispositionNotificationListObject",
        "DispositionNotificationObject",
    ),
}
