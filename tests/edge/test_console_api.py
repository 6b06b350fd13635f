"""The gate console's API against a running box: the pass log's range and corrected time, the
CSV export (中文 headers, BOM, no formulas), a remote opening answered by the simulated gate and
one nobody answers, visitor passes (hours or valid_until, walk-ins, the ID number never stored
whole, sign-out, history), refusals in Chinese, alert names and notes, the uplink's state."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from anju_contracts import AlertKind, GateEventType, Severity, SourceKind
from anju_edge.alerts import AlertDraft
from tests.support.gate_site import SLOW_S, GateSite, gate_site
from tests.support.servers import wait_until


@pytest.fixture
def site(tmp_path: Path, broker) -> Iterator[GateSite]:  # type: ignore[no-untyped-def]
    yield from gate_site(tmp_path, broker.port)


def _rows(c: httpx.Client, **params: str) -> list[dict[str, object]]:
    answer = c.get("/api/events", params=params)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, object]] = answer.json()
    return rows


def test_pass_log_corrected_time_and_range(site: GateSite) -> None:
    c = site.login()
    before = datetime.now(UTC)
    site.garage.emit(GateEventType.card_swipe, direction="in", result="granted", credential="C-1")
    site.north.emit(GateEventType.card_swipe, direction="in", result="granted", credential="C-2")
    rows = wait_until(lambda: len(r := _rows(c)) == 2 and r, message="both rows")
    # The north gate's later event is first; the slow gate's row is at the box's time.
    assert [r["gate_id"] for r in rows] == ["north-gate", "garage-gate"]
    assert [r["gate_name"] for r in rows] == ["北门", "地库入口"]
    slow = rows[1]
    ts = datetime.fromisoformat(str(slow["ts"]))
    device = datetime.fromisoformat(str(slow["device_ts"]))
    assert ts >= before - timedelta(seconds=1)
    assert abs((ts - device).total_seconds() - SLOW_S) < 5
    # The range: nothing after a moment in the future, nothing before a moment in the past.
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert _rows(c, since=soon) == []
    assert _rows(c, until=(before - timedelta(minutes=1)).isoformat()) == []
    assert len(_rows(c, since=(before - timedelta(minutes=1)).isoformat(), until=soon)) == 2
    refused = c.get("/api/events", params={"since": "2026-01-01T00:00:00"})
    assert refused.status_code == 422 and "时区" in refused.json()["detail"]


def test_csv_export_is_chinese_and_formula_safe(site: GateSite) -> None:
    c = site.login()
    opened = c.post("/api/gates/north-gate/open", json={"reason": '=HYPERLINK("http://x")'})
    assert opened.status_code == 200
    wait_until(lambda: _rows(c, type="remote_open")[0]["result"] == "granted", message="the answer")
    site.north.emit(GateEventType.plate_read, direction="in", result="granted", plate="沪A12345")
    wait_until(lambda: len(_rows(c)) == 2, message="two rows")
    answer = c.get("/api/events.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0] == [
        "时间",
        "门岗",
        "类型",
        "方向",
        "结果",
        "车牌/凭证",
        "人员",
        "说明",
        "门岗设备时间",
    ]
    by_type = {row[2]: row for row in table[1:]}
    assert by_type["车牌识别"][1:6] == ["北门", "车牌识别", "进", "放行", "沪A12345"]
    remote = by_type["远程开门"]
    assert remote[4:8] == ["已开门", "", "王经理", '\'=HYPERLINK("http://x")']
    command_id = site.north.commands[-1].command_id
    assert command_id not in answer.text


def test_remote_open_answered_and_unanswered(site: GateSite) -> None:
    c = site.login()
    sent = c.post("/api/gates/north-gate/open", json={"reason": "快递"}).json()
    answered = wait_until(
        lambda: [r for r in _rows(c, type="remote_open") if r["result"] == "granted"],
        message="the gate's answer",
    )
    assert answered[0]["command_id"] == sent["command_id"] and answered[0]["actor"] == "王经理"
    lost = c.post("/api/gates/east-gate/open", json={"reason": "访客按铃"}).json()
    first = [r for r in _rows(c, gate="east-gate")]
    assert [r["result"] for r in first] == ["pending"]
    wait_until(
        lambda: [r["result"] for r in _rows(c, gate="east-gate")] == ["no_answer"],
        timeout=15,
        message="未响应 after the limit",
    )
    audit = {
        r["command_id"]: r["outcome"]
        for r in site.edge.console.store.rows("SELECT command_id, outcome FROM door_opens")
    }
    assert audit == {sent["command_id"]: "opened", lost["command_id"]: "no_answer"}
    assert c.post("/api/gates/nowhere/open", json={"reason": "xx"}).status_code == 404


def test_visitor_passes(site: GateSite) -> None:
    c = site.login()
    base = {"name": "张三", "phone": "13912345678", "host_unit": "3-2-501"}
    # hours is accepted; valid_until too; not both.
    made = c.post("/api/visitors", json={**base, "plate": "沪A12345", "hours": 2, "reason": "送货"})
    assert made.status_code == 201, made.text
    until = datetime.fromisoformat(made.json()["valid_until"])
    assert timedelta(hours=1.9) < until - datetime.now(UTC) < timedelta(hours=2.1)
    later = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    both = c.post("/api/visitors", json={**base, "hours": 2, "valid_until": later})
    assert both.status_code == 422 and "只填一个" in both.json()["detail"]
    with_until = {**base, "plate": "沪A12345", "valid_until": later}
    assert c.post("/api/visitors", json=with_until).status_code == 201
    too_long = c.post("/api/visitors", json={**base, "hours": 1e300})
    assert too_long.status_code == 422 and "最长 24 小时" in too_long.json()["detail"]

    # A walk-in with an ID number: only the last four are kept, anywhere on the box.
    walk_in = c.post(
        "/api/visitors", json={**base, "name": "李四", "id_number": "11010519491231002X"}
    )
    assert walk_in.status_code == 201
    assert (walk_in.json()["plate"], walk_in.json()["id_number"]) == ("", "****002X")
    site.edge.console.store.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in Path(site.cfg.data_dir).glob("console.sqlite3*"):
        assert b"11010519491231" not in path.read_bytes()
    bad_id = c.post("/api/visitors", json={**base, "id_number": "110101199003071234"})
    assert bad_id.status_code == 422 and bad_id.json()["detail"].startswith("身份证号无效")

    # Refusals in words, in Chinese first.
    short = c.post("/api/visitors", json={**base, "phone": "123"})
    assert short.status_code == 422
    assert short.json()["detail"] == "手机号：太短（至少 7 个字）"
    missing = c.post("/api/visitors", json={"name": "王五"})
    assert missing.json()["detail"] == "手机号：必填；到访房号：必填"
    bad_plate = c.post("/api/visitors", json={**base, "plate": "abc"})
    assert bad_plate.json()["detail"].startswith("车牌号无效")

    on_site = c.get("/api/visitors").json()
    assert {v["name"] for v in on_site} == {"张三", "李四"}
    assert all(v["phone"] == "139****5678" for v in on_site)

    # 签离: the pass ends; the plate no longer opens the gate; the history says so.
    pass_id = made.json()["id"]
    assert c.post(f"/api/visitors/{pass_id}/sign-out").status_code == 200
    assert c.post(f"/api/visitors/{pass_id}/sign-out").status_code == 404
    others = [v for v in c.get("/api/visitors").json() if v["plate"] == "沪A12345"]
    assert len(others) == 1  # the pass given with valid_until is still valid
    assert c.post(f"/api/visitors/{others[0]['id']}/sign-out").status_code == 200
    site.north.emit(GateEventType.plate_read, direction="in", result="denied", plate="沪A12345")
    rows = wait_until(lambda: _rows(c, type="plate_read"), message="the plate read")
    assert rows[0]["result"] == "denied" and _rows(c, type="visitor_pass") == []
    states = {v["id"]: v["state"] for v in c.get("/api/visitors/history").json()}
    assert states[pass_id] == "signed_out" and list(states.values()).count("on_site") == 1


def test_visitor_pass_is_one_row(site: GateSite) -> None:
    c = site.login()
    made = c.post(
        "/api/visitors",
        json={"name": "张三", "phone": "13912345678", "host_unit": "3-2-501", "plate": "沪A12345"},
    )
    assert made.status_code == 201
    site.north.emit(GateEventType.plate_read, direction="in", result="denied", plate="沪A12345")
    row = wait_until(
        lambda: [r for r in _rows(c) if r["result"] == "granted"], message="the visitor let in"
    )
    assert len(_rows(c)) == 1
    assert (row[0]["type"], row[0]["actor"], row[0]["note"], row[0]["plate"]) == (
        "visitor_pass",
        "张三",
        "到访 3-2-501",
        "沪A12345",
    )


def test_alert_names_notes_and_uplink(site: GateSite) -> None:
    c = site.login()
    wait_until(lambda: c.get("/api/status").json()["uplink"] == "up", message="uplink up")
    site.edge.sink.raise_alert(
        AlertDraft(
            kind=AlertKind.intrusion,
            severity=Severity.high,
            source_kind=SourceKind.camera,
            source_id="cam-east",
            zone="perimeter-east",
        )
    )
    alert = wait_until(lambda: c.get("/api/alerts").json(), message="the alert")[0]
    assert (alert["source_name"], alert["zone_name"]) == ("东侧围墙摄像机", "东侧围墙")
    assert c.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "已到场"}).is_success
    empty = c.post(f"/api/alerts/{alert['id']}/note", json={"note": " "})
    assert empty.status_code == 422 and empty.json()["detail"].startswith("备注不能为空")
    site.gw.stop()
    status = wait_until(
        lambda: (s := c.get("/api/status").json())["uplink"] == "down" and s,
        timeout=20,
        message="uplink down",
    )
    assert status["last_contact"] is not None
    assert c.post(f"/api/alerts/{alert['id']}/note", json={"note": "已修复"}).is_success
    shown = c.get("/api/alerts").json()[0]
    assert [(n["by"], n["note"]) for n in shown["notes"]] == [
        ("王经理", "已到场"),
        ("王经理", "已修复"),
    ]
    assert shown["acknowledged_by_name"] == "王经理"
    wait_until(
        lambda: c.get("/api/status").json()["queued_actions"] >= 1, message="the note queued"
    )
    site.north.emit(GateEventType.door_forced, direction="in")
    wait_until(
        lambda: c.get("/api/status").json()["queued_alerts"] >= 1, message="the alert queued"
    )
