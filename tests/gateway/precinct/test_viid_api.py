"""The GA/T 1400 link through the gateway: admin API and CLI set it, an edge's alert reaches a
real upper system, the password never comes back, a clean stop says UnRegister."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from ulid import ULID

from anju.cli import app
from anju_contracts import format_ts, utcnow
from anju_gateway.edges.enrolment import enrol
from anju_gateway.precinct.viid_secrets import secrets_for
from anju_gateway.settings import GatewaySettings
from tests.gateway.precinct.test_viid import CAM, SYSTEM, jpeg
from tests.support.servers import GatewayServer, wait_until
from tests.support.viid_server import ViidServer


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", viid_poll_s=0.05).start()
    server.add_compound("c1", "p1", name="安居小区")
    server.add_user("admin", "admin")
    server.add_user("officer1", "officer", precinct_id="p1")
    yield server
    server.stop()


def post_alert(gw: GatewayServer) -> str:
    token = enrol(gw.db, code=gw.enrol_code("c1"), hostname="t", now=utcnow()).token
    ts = utcnow()
    alert_id = str(ULID.from_datetime(ts))
    alert = {
        "id": alert_id, "compound_id": "c1", "source_kind": "camera", "source_id": "cam1",
        "kind": "intrusion", "severity": "critical", "ts": format_ts(ts),
        "objects": [{"label": "person", "score": 0.9, "box": [0.1, 0.1, 0.4, 0.9]}],
        "details": {"gb_code": CAM},
        "snapshot_jpeg_b64": base64.b64encode(jpeg()).decode(),
    }  # fmt: skip
    resp = httpx.post(f"{gw.url}/api/v1/edge/alerts", json={"v": 1, "alerts": [alert]},
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    resp.raise_for_status()
    return alert_id


def test_api_sets_the_link_and_an_edge_alert_reaches_the_upper_system(
    gw: GatewayServer, upper: ViidServer
) -> None:
    admin = gw.login("admin")
    body = {"url": upper.url, "system_id": SYSTEM, "username": upper.username}
    assert admin.put("/api/v1/precincts/p1/viid", json=body).status_code == 422  # no password
    bad = admin.put("/api/v1/precincts/p1/viid", json=body | {"system_id": "123"})
    assert bad.status_code == 422
    put = admin.put("/api/v1/precincts/p1/viid", json=body | {"password": upper.password})
    assert put.status_code == 200, put.text
    assert upper.password not in put.text and put.json()["password_set"] is True
    assert "password" not in put.json()
    assert gw.login("officer1").get("/api/v1/precincts/p1/viid").status_code == 403
    post_alert(gw)
    wait_until(lambda: upper.received["/VIID/Persons"], timeout=15, message="upload")
    status = admin.get("/api/v1/precincts/p1/viid/status").json()
    assert status["state"] == "registered" and status["clock_offset_s"] is not None
    assert status["queue"] == {"pending": 0, "delivered": 1, "dead": 0}
    assert status["dead"] == [] and "password" not in status
    person = upper.received["/VIID/Persons"][0]
    assert person["DeviceID"] == CAM and person["SubImageList"]["SubImageInfoObject"][0]["Data"]
    gw.stop()
    assert upper.count("unregister") == 1  # a clean stop closes the session


def test_cli_sets_and_shows_the_link(tmp_path: Path, upper: ViidServer) -> None:
    runner = CliRunner()
    data = str(tmp_path / "gw")
    runner.invoke(app, ["gateway", "add-compound", "c1", "--precinct", "p1", "--data-dir", data])
    args = ["gateway", "viid", "set", "p1", "--url", upper.url, "--system-id", SYSTEM,
            "--username", "anju", "--kinds", "intrusion,watchlist", "--data-dir", data]  # fmt: skip
    done = runner.invoke(app, args, env={"ANJU_PASSWORD": "pw-from-env"})
    assert done.exit_code == 0, done.output
    assert "intrusion,watchlist" in done.output and "pw-from-env" not in done.output
    settings = GatewaySettings(data_dir=tmp_path / "gw")  # the test's store (env on PostgreSQL)
    store = settings.open_database()
    try:
        assert secrets_for(store, settings.data_dir).get("p1") == "pw-from-env"
    finally:
        store.close()
    wrong = runner.invoke(app, [*args[:-4], "--kinds", "nonsense", "--data-dir", data],
                          env={"ANJU_PASSWORD": "x"})  # fmt: skip
    assert wrong.exit_code == 2 and "--kinds" in wrong.output
    shown = runner.invoke(app, ["gateway", "viid", "status", "p1", "--data-dir", data])
    assert shown.exit_code == 0, shown.output
    assert "p1  unregistered" in shown.output and "pending 0" in shown.output
    assert "pw-from-env" not in shown.output


def test_password_left_out_keeps_the_stored_one_and_refusals_speak_chinese(
    gw: GatewayServer, upper: ViidServer
) -> None:
    admin = gw.login("admin")
    body = {"url": upper.url, "system_id": SYSTEM, "username": upper.username}
    first = admin.put("/api/v1/precincts/p1/viid", json=body)
    assert first.status_code == 422 and "第一次设置需要填写密码" in first.json()["detail"]
    short = admin.put(
        "/api/v1/precincts/p1/viid", json=body | {"system_id": "3604", "password": "x"}
    )
    assert short.status_code == 422 and "本系统编号须为 20 位数字" in short.text
    assert admin.put(
        "/api/v1/precincts/p1/viid", json=body | {"password": upper.password}
    ).is_success
    again = admin.put("/api/v1/precincts/p1/viid", json=body | {"keepalive_s": 30})
    assert again.status_code == 200 and again.json()["password_set"] is True
    assert again.json()["keepalive_s"] == 30
    status = "/api/v1/precincts/p1/viid/status"
    wait_until(lambda: admin.get(status).json()["state"] == "registered",
               timeout=15, message="registered with the kept password")  # fmt: skip
