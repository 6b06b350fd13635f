"""Who handles an alert, at the gate console (docs/gate-console.md, docs/lifecycle.md "Who
handles which alert"), over HTTP against a running box and gateway: the precinct's routing
reaches the box through edge sync; a property alert is acknowledged, worked on and closed with
a reason (refused without one) against the property's clocks, and the gateway has it closed on
the property's track; a police alert takes only 物业到场 and never a close, and its police state
stays `new`; actions made offline show 待上传 until delivered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from anju_contracts import AlertKind, Severity, SourceKind
from anju_edge.alerts import AlertDraft
from tests.support.gate_site import GateSite, gate_site
from tests.support.servers import wait_until


@pytest.fixture
def site(tmp_path: Path, broker) -> Iterator[GateSite]:  # type: ignore[no-untyped-def]
    yield from gate_site(tmp_path, broker.port)


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def raise_alert(site: GateSite, c: httpx.Client, kind: AlertKind, severity: Severity) -> Any:
    site.edge.sink.raise_alert(
        AlertDraft(
            kind=kind,
            severity=severity,
            source_kind=SourceKind.camera,
            source_id="cam-east",
            zone="perimeter-east",
        )
    )
    return wait_until(
        lambda: next((a for a in c.get("/api/alerts").json() if a["kind"] == kind.value), None),
        message=f"the {kind.value} alert on the box",
    )


def shown(c: httpx.Client, alert_id: str) -> Any:
    return next(a for a in c.get("/api/alerts").json() if a["id"] == alert_id)


def at_gateway(site: GateSite, admin: httpx.Client, alert_id: str) -> Any:
    def ready() -> Any:
        r = admin.get(f"/api/v1/alerts/{alert_id}")
        return r.json() if r.status_code == 200 else None

    return wait_until(ready, timeout=20, message="the alert at the gateway")


def delivered(site: GateSite) -> None:
    site.edge.console.sender.notify()
    wait_until(
        lambda: site.edge.console.store.queued_actions() == 0, timeout=20, message="delivered"
    )


def test_property_alert_acknowledged_worked_and_closed(site: GateSite) -> None:
    site.gw.add_user("admin", "admin")
    admin = site.gw.login("admin")
    c = site.login()
    alert = raise_alert(site, c, AlertKind.fire_lane, Severity.high)
    assert (alert["handler"], alert["state"]) == ("property", "new")
    # Acted on once the gateway has it: an action older than the gateway's receipt is audited
    # with the gate's clock beside it (a loaded machine can delay the alert's delivery).
    at_gateway(site, admin, alert["id"])
    # The property's clocks, counted from when the box saw it: 10 min and 24 h by default.
    seen = _t(alert["seen_at"])
    assert _t(alert["ack_due_at"]) - seen == timedelta(minutes=10)
    assert _t(alert["close_due_at"]) - seen == timedelta(hours=24)
    aid = alert["id"]
    assert at_gateway(site, admin, aid)["handler"] == "property"

    assert c.post(f"/api/alerts/{aid}/acknowledge", json={}).status_code == 200
    assert shown(c, aid)["state"] == "acknowledged"
    assert c.post(f"/api/alerts/{aid}/note", json={"note": "已派保安到场"}).status_code == 200

    # Closing needs a reason from the list; 其他 needs words.
    missing = c.post(f"/api/alerts/{aid}/close", json={"note": "挪走了"})
    assert missing.status_code == 422 and "关闭原因：必填" in missing.json()["detail"]
    wrong = c.post(f"/api/alerts/{aid}/close", json={"resolution": "whatever"})
    assert wrong.status_code == 422 and "关闭原因" in wrong.json()["detail"]
    other = c.post(f"/api/alerts/{aid}/close", json={"resolution": "other", "note": " "})
    assert other.status_code == 422 and other.json()["detail"].startswith("选“其他”时")
    assert shown(c, aid)["state"] == "acknowledged"

    ok = c.post(f"/api/alerts/{aid}/close", json={"resolution": "handled", "note": "车已挪走"})
    assert ok.status_code == 200, ok.text
    card = shown(c, aid)
    assert (card["state"], card["closed_by_name"], card["resolution_name"]) == (
        "closed",
        "王经理",
        "已处理",
    )
    assert [(n["kind"], n["by"], n["note"]) for n in card["notes"]] == [
        ("acknowledge", "王经理", ""),
        ("note", "王经理", "已派保安到场"),
        ("close", "王经理", "已处理：车已挪走"),
    ]
    again = c.post(f"/api/alerts/{aid}/close", json={"resolution": "handled"})
    assert again.status_code == 409 and again.json()["detail"].startswith("告警已关闭")
    assert c.post(f"/api/alerts/{aid}/note", json={"note": "x"}).status_code == 409

    # At the gateway: closed on the property's track, with the reason.
    delivered(site)
    gw_alert = at_gateway(site, admin, aid)
    assert gw_alert["state"] == "resolved"
    assert gw_alert["extra"]["property_closed_at"] and gw_alert["extra"]["property_acknowledged_at"]
    history = admin.get(f"/api/v1/alerts/{aid}/events").json()
    assert [(e["action"], e["note"]) for e in history if e["action"] != "received"] == [
        ("property_acknowledge", "门岗已签收"),  # the gateway's words for an empty note
        ("property_note", "已派保安到场"),
        ("property_close", "已处理：车已挪走"),
    ]


def test_police_alert_takes_arrival_never_a_close(site: GateSite) -> None:
    site.gw.add_user("admin", "admin")
    admin = site.gw.login("admin")
    c = site.login()
    alert = raise_alert(site, c, AlertKind.intrusion, Severity.high)
    aid = alert["id"]
    assert (alert["handler"], alert["ack_due_at"]) == ("police", None)
    at_gateway(site, admin, aid)  # acted on once the gateway has it (as above)
    refused = c.post(f"/api/alerts/{aid}/close", json={"resolution": "false_alarm"})
    assert refused.status_code == 409 and refused.json()["detail"].startswith("民警处置的告警")
    assert c.post(f"/api/alerts/{aid}/arrive", json={"note": "保安已到东侧围墙"}).is_success
    card = shown(c, aid)
    assert card["state"] == "new"
    assert [(n["kind"], n["by"], n["note"]) for n in card["notes"]] == [
        ("arrived", "王经理", "物业到场：保安已到东侧围墙")
    ]
    delivered(site)
    gw_alert = at_gateway(site, admin, aid)
    assert (gw_alert["state"], gw_alert["extra"].get("owner")) == ("new", None)
    history = admin.get(f"/api/v1/alerts/{aid}/events").json()
    assert [(e["action"], e["note"]) for e in history if e["action"] != "received"] == [
        ("property_note", "物业到场：保安已到东侧围墙")
    ]


def test_routing_from_sync_and_pending_upload(site: GateSite) -> None:
    site.gw.add_user("admin", "admin")
    admin = site.gw.login("admin")
    c = site.login()
    before = site.edge.sync.current()
    assert before is not None and before.routing.routes["fire_lane"] == "property"
    # The precinct routes fire lanes to both, and never raises by severity: the box follows.
    put = admin.put(
        "/api/v1/precincts/p1/routing", json={"routes": {"fire_lane": "both"}, "raise_at": None}
    )
    assert put.status_code == 200
    wait_until(
        lambda: site.edge.sync.routing().routes["fire_lane"] == "both",
        timeout=30,
        message="the routing synced to the box",
    )
    cached = (site.cfg.data_dir / "sync.json").read_text("utf-8")
    assert '"fire_lane":"both"' in cached.replace(" ", "")
    both = raise_alert(site, c, AlertKind.fire_lane, Severity.critical)
    assert both["handler"] == "both" and both["ack_due_at"]
    assert at_gateway(site, admin, both["id"])["handler"] == "both"

    # Offline: the action is kept and the card says it waits for the upload.
    site.gw.stop()
    assert c.post(f"/api/alerts/{both['id']}/acknowledge", json={"note": "已到场"}).is_success
    card = shown(c, both["id"])
    assert card["pending_upload"] and card["notes"][0]["pending"]
    assert card["state"] == "acknowledged"
