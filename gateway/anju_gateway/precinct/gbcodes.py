"""Device codes at the gateway: an admin's override per compound, gate and camera (checked as
the edge config's are, with a message naming the device), the codes in effect, and the APE
(采集设备) list a precinct's upper system reads at ``GET /VIID/APEs``.
docs/precinct-link.md, "Device codes" and "APE list".
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Literal

from pydantic import Field

from anju_contracts import Strict
from anju_contracts.common import Ident
from anju_contracts.gbcode import check_gb_code
from anju_contracts.viid import APEList, ApeObject
from anju_gateway.metrics import VIID_SESSION
from anju_gateway.precinct.viid_client import ViidClient, ViidError
from anju_gateway.store import gbcodes as store
from anju_gateway.store.compounds import compound_ids_in_precinct
from anju_gateway.store.db import Conn
from anju_gateway.store.heartbeats import list_health
from anju_gateway.store.names import CompoundNames, names_of

logger = logging.getLogger(__name__)

DeviceKind = Literal["compound", "gate", "camera"]
KIND_WORDS = {"compound": "小区", "gate": "门禁/道闸", "camera": "摄像机"}
# What an APE's Model says: the edge does not know the make of a device, only what it is.
MODELS = {"gate": "门禁/道闸控制器 gate controller", "camera": "摄像机 camera"}
ONLINE, OFFLINE, OTHER = "1", "2", "9"  # IsOnline, by the standard's status codes


class GbCodeChange(Strict):
    kind: DeviceKind
    id: Ident | None = Field(default=None, description="The gate or camera; none: the compound.")
    gb_code: str | None = Field(description="20 digits; null clears the gateway's code.")


class GbCodesRequest(Strict):
    codes: list[GbCodeChange] = Field(min_length=1, max_length=512)


class DeviceCodeView(Strict):
    kind: DeviceKind
    id: str
    name: str | None
    edge_code: str | None
    override_code: str | None
    gb_code: str | None = Field(description="In effect: the gateway's code, else the edge's.")


class GbCodesView(Strict):
    compound_id: str
    devices: list[DeviceCodeView]


def device_label(names: CompoundNames, compound_id: str, kind: str, source_id: str) -> str:
    """小区 幸福里 / 摄像机 1号楼大堂 (lobby): the words an error names a device by."""
    if kind == "compound":
        return f"{KIND_WORDS[kind]} {names.compound or compound_id}"
    name = names.source(kind, source_id)
    return f"{KIND_WORDS[kind]} {name} ({source_id})" if name else f"{KIND_WORDS[kind]} {source_id}"


def set_codes(conn: Conn, compound_id: str, body: GbCodesRequest, actor: str, now: str) -> None:
    """Apply every change in the caller's write, or none: a ValueError names the device."""
    names = names_of(conn, [compound_id]).get(compound_id, CompoundNames())
    for change in body.codes:
        source_id = "" if change.kind == "compound" else change.id or ""
        label = device_label(names, compound_id, change.kind, source_id)
        if change.kind != "compound" and not source_id:
            raise ValueError(f"{label}: 需要设备编号 / the device id is missing")
        if change.gb_code is not None:
            check_gb_code(change.gb_code, change.kind, label)
            owner = store.owner_of(conn, change.gb_code)
            if owner is not None and owner != (compound_id, change.kind, source_id):
                other = names_of(conn, [owner[0]]).get(owner[0], CompoundNames())
                taken = device_label(other, owner[0], owner[1], owner[2])
                raise ValueError(f"{label}: gb_code {change.gb_code} is already {taken}'s")
        store.set_override(conn, compound_id=compound_id, kind=change.kind,
                           source_id=source_id, code=change.gb_code, actor=actor,
                           now=now)  # fmt: skip


def codes_view(conn: Conn, compound_id: str) -> GbCodesView:
    names = names_of(conn, [compound_id]).get(compound_id, CompoundNames())
    devices = [
        DeviceCodeView(
            kind=c.kind,  # the store keeps only these kinds
            id=c.source_id,
            name=names.compound if c.kind == "compound" else names.source(c.kind, c.source_id),
            edge_code=c.edge_code,
            override_code=c.override_code,
            gb_code=c.effective,
        )
        for c in store.codes_of(conn, (compound_id,))
    ]
    return GbCodesView(compound_id=compound_id, devices=devices)


def push_apes(conn: Conn, client: ViidClient, precinct_id: str, last: str | None) -> str | None:
    """POST the precinct's APE list to its upper system when it differs from the ``last``
    one pushed in this session (none at all: nothing). Tried once per change: an upper system
    without ``POST /VIID/APEs`` (it reads ``GET /VIID/APEs`` instead) is not asked again and
    again. Returns the digest of the list now pushed (or tried)."""
    body = ape_list(conn, precinct_id).to_wire()
    if not body["APEListObject"]["APEObject"]:
        return last
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    if digest == last:
        return last
    try:
        refused = [s for s in client.upload("/VIID/APEs", body) if s.status_code != 0]
    except ViidError as exc:
        VIID_SESSION.labels(request="apes", outcome="failed").inc()
        logger.warning("viid %s: APE list not pushed: %s", precinct_id, exc)
        return digest
    VIID_SESSION.labels(request="apes", outcome="failed" if refused else "ok").inc()
    if refused:
        logger.warning("viid %s: APE list refused: %s", precinct_id, refused[0].status_string)
    return digest


def ape_list(conn: Conn, precinct_id: str) -> APEList:
    """The precinct's coded gates and cameras, named, with whether each is online now: the
    device's state in its box's last heartbeat, and the box itself online."""
    compounds = compound_ids_in_precinct(conn, precinct_id=precinct_id)
    # The codes first: a heartbeat stores a box's codes, names and device states in one
    # transaction, and these reads are separate. Read in this order, a beat committing between
    # them gives no list yet or a whole one, never its codes without its states (which was a
    # list of 状态未知 devices, pushed once, then again with their states a round later).
    codes = store.codes_of(conn, compounds)
    states: dict[tuple[str, str, str], str] = {}
    for edge in list_health(conn, compound_ids=compounds):
        for device in edge.heartbeat.get("devices", []):
            up = edge.online and device.get("state") == "online"
            states[(edge.compound_id, device["kind"], device["id"])] = ONLINE if up else OFFLINE
    names = names_of(conn, compounds)
    apes = []
    for c in codes:
        if c.kind == "compound" or c.effective is None:
            continue
        known = names.get(c.compound_id, CompoundNames())
        label = known.source(c.kind, c.source_id) or c.source_id
        name = f"{known.compound} {label}" if known.compound else label
        apes.append(
            ApeObject(
                ape_id=c.effective,
                name=name[:100],
                model=MODELS[c.kind],
                is_online=states.get((c.compound_id, c.kind, c.source_id), OTHER),
            )
        )
    return APEList(list_object=APEList.Inner(objects=apes))
