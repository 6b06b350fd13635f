"""20-digit device codes in the GB/T 28181 style, as GA/T 1400 (视图库) peers use them.

A code is 行政区划 (6) + 基层单位 (2) + 行业 (2) + 类型 (3) + 网络 (1) + 序号 (6). The type
digits say what the device is; a camera whose code names a gate controller is refused with a
message naming the device. docs/precinct-link.md, "Device codes".
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

GbCode = Annotated[str, StringConstraints(pattern=r"^\d{20}$")]

# Type digits (positions 11-13) accepted for each kind of device we code.
TYPE_CODES: dict[str, frozenset[str]] = {
    "camera": frozenset({"131", "132"}),  # 摄像机, 网络摄像机
    "gate": frozenset({"117", "134"}),  # 报警控制器, 报警输入设备 (door and barrier controllers)
    "system": frozenset({str(n) for n in range(200, 300)}),  # 平台设备 (our system id)
    # A compound is a grouping of devices, not a device: 216 虚拟组织, as public descriptions
    # of community (智慧小区) feeds code their CommunityID (docs/precinct-link.md).
    "compound": frozenset({"216"}),
}
KIND_NAMES = {
    "camera": "摄像机 camera",
    "gate": "门禁/道闸 gate",
    "system": "平台 system",
    "compound": "小区 compound",
}


def type_code(code: str) -> str:
    return code[10:13]


def check_gb_code(code: str, kind: str, device: str) -> str:
    """The code if it is a valid 20-digit code of a ``kind`` device; a ValueError naming
    ``device`` otherwise."""
    if len(code) != 20 or not code.isdigit():
        raise ValueError(f"{device}: gb_code {code!r} must be 20 digits (got {len(code)} chars)")
    if code[:6] == "000000":
        raise ValueError(f"{device}: gb_code {code} has no 行政区划 (first 6 digits are 0)")
    allowed = TYPE_CODES[kind]
    if type_code(code) not in allowed:
        want = ", ".join(sorted(allowed)) if len(allowed) < 5 else "200-299"
        raise ValueError(
            f"{device}: gb_code {code} has type {type_code(code)} (digits 11-13), "
            f"not a {KIND_NAMES[kind]} type ({want})"
        )
    return code


# Object ids by the standard's rule: a 41-digit base id (device + sub-type + time + sequence)
# for the image a record comes from, and a 48-digit object id (base + object type + sequence).
IMAGE_SUBTYPE = "02"  # 图像 (01 would be a video clip)
OBJECT_TYPES = {"person": "01", "motor_vehicle": "02", "non_motor_vehicle": "03"}


def base_id(device: str, time14: str, seq: int, subtype: str = IMAGE_SUBTYPE) -> str:
    if not (len(device) == 20 and len(time14) == 14 and 0 <= seq < 100_000):
        raise ValueError("base id needs a 20-digit device, a 14-digit time, seq < 100000")
    return f"{device}{subtype}{time14}{seq:05d}"


def object_id(base: str, kind: str, seq: int = 1) -> str:
    if len(base) != 41 or not 0 <= seq < 100_000:
        raise ValueError("object id needs a 41-digit base id and seq < 100000")
    return f"{base}{OBJECT_TYPES[kind]}{seq:05d}"
