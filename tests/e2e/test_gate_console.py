"""The gate console on the edge box, through its HTTP API and in Chromium: staff login from the
synced cache, live gate log, remote door open, visitor passes, acknowledgements that reach the
gateway exactly once — also when the gateway was down."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from anju.netutil import free_port
from anju_contracts import GateEventType, utcnow
from anju_edge.delivery.enrol import write_token
from anju_gateway.edges.enrolment import enrol
from anju_sim.devices import SimGate
from tests.support.servers import GatewayServer, edge_config, start_edge, wait_until

PASSWORD = "test-password-1"


@pytest.fixture
def site(tmp_path: Path, broker):  # type: ignore[no-untyped-def]
    gw = GatewayServer(tmp_path / "gw").start()
    gw.add_compound("c1", "p1")
    gw.add_user("pm", "property_manager", compound_id="c1")
    port = free_port()
    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        gw.url,
        name="安居示范小区",
        console={"port": port},
        gates=[{"id": "g1", "name": "北门"}],
        gate_rules={"cooldown_s": 0},
    )
    write_token(
        cfg.token_path(), enrol(gw.db, code=gw.enrol_code("c1"), hostname="t", now=utcnow()).token
    )
    gate = SimGate("127.0.0.1", broker.port, "c1", "g1")
    gate.start()
    edge = start_edge(cfg)
    wait_until(
        lambda: edge.sync.current() is not None and edge.sync.current().staff,
        timeout=10,
        message="staff synced to the edge",
    )
    state = {
        "gw": gw,
        "edge": edge,
        "gate": gate,
        "url": f"http://127.0.0.1:{port}",
        "tmp": tmp_path,
        "cfg": cfg,
    }
    yield state
    state["edge"].stop()
    gate.stop()
    state["gw"].stop()


def console(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=10)
    assert (
        client.post("/api/login", json={"username": "pm", "password": PASSWORD}).status_code == 200
    )
    return client


def test_login_log_door_visitor(site, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    anon = httpx.Client(base_url=site["url"])
    assert anon.get("/api/events").status_code == 401
    assert anon.post("/api/login", json={"username": "pm", "password": "nope"}).status_code == 401
    c = console(site["url"])
    assert c.get("/api/me").json()["gates"] == [{"id": "g1", "name": "北门"}]

    site["gate"].emit(
        GateEventType.card_swipe, direction="in", result="granted", credential="C-10023"
    )
    rows = wait_until(lambda: c.get("/api/events").json(), timeout=10, message="the gate log")
    assert rows[0]["type"] == "card_swipe" and rows[0]["credential_masked"] == "C-***23"
    devices = c.get("/api/devices").json()
    assert devices == [{**devices[0], "id": "g1", "state": "online", "name": "北门"}]

    assert c.post("/api/gates/g1/open", json={"reason": ""}).status_code == 422
    command = c.post("/api/gates/g1/open", json={"reason": "快递员送货"}).json()["command_id"]
    acks = wait_until(
        lambda: [
            r
            for r in c.get("/api/events", params={"type": "remote_open"}).json()
            if r["result"] == "granted"
        ],
        timeout=10,
        message="the gate's remote_open answer",
    )
    assert acks[0]["command_id"] == command and acks[0]["note"] == "快递员送货"
    audit = site["edge"].console.store.rows("SELECT * FROM door_opens")
    assert (audit[0]["gate_id"], audit[0]["username"], audit[0]["reason"]) == (
        "g1",
        "pm",
        "快递员送货",
    )

    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    made = c.post(
        "/api/visitors",
        json={
            "name": "王芳",
            "phone": "13812345678",
            "host_unit": "3-402",
            "plate": "赣a·d12345",
            "valid_until": until,
        },
    )
    assert made.status_code == 201 and made.json()["phone"] == "138****5678"
    assert c.get("/api/visitors").json()[0]["plate"] == "赣AD12345"
    site["gate"].emit(GateEventType.plate_read, direction="in", result="denied", plate="赣AD12345")
    let_in = wait_until(
        lambda: [
            r
            for r in c.get("/api/events", params={"type": "visitor_pass"}).json()
            if r["result"] == "granted"
        ],
        timeout=10,
        message="the visitor's car let in",
    )
    assert len(let_in) == 1 and (let_in[0]["actor"], let_in[0]["note"]) == ("王芳", "到访 3-402")
    opened = site["edge"].console.store.rows("SELECT reason FROM door_opens ORDER BY at")
    assert opened[-1]["reason"].startswith("访客通行")
    assert "13812345678" not in caplog.text  # never the whole phone number in a log


def test_acknowledgement_reaches_gateway_once_even_offline(site) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayServer = site["gw"]
    c = console(site["url"])
    site["gate"].emit(GateEventType.door_forced, direction="in")
    alerts = wait_until(lambda: c.get("/api/alerts").json(), timeout=10, message="the alert")
    alert_id = alerts[0]["id"]
    wait_until(
        lambda: gw.db.conn().execute("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)).fetchone(),
        timeout=10,
    )
    port, data = gw.port, gw.settings.data_dir
    gw.stop()  # the uplink is down from here
    c2 = console(site["url"])  # logging in still works: staff come from the cache
    r = c2.post(f"/api/alerts/{alert_id}/acknowledge", json={"note": "保安已到场"})
    assert r.status_code == 200
    assert c2.get("/api/alerts").json()[0]["acknowledged_by"] == "pm"
    site["gate"].emit(GateEventType.card_swipe, result="granted", credential="C-1")
    wait_until(lambda: len(c2.get("/api/events").json()) >= 2, timeout=10)
    site["gw"] = gw = GatewayServer(data, port=port).start()
    events = wait_until(
        lambda: (
            gw.db.conn()
            .execute(
                "SELECT action, actor, note FROM alert_events WHERE alert_id = ? "
                "AND action != 'received'",
                (alert_id,),
            )
            .fetchall()
        ),
        timeout=30,
        message="the acknowledgement at the gateway",
    )
    state, owner = (
        gw.db.conn().execute("SELECT state, owner FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    )
    # A forced door is a police alert: the guard's acknowledgement is recorded as 物业到场 and
    # leaves the police's state, owner and clock alone (docs/lifecycle.md).
    assert (state, owner) == ("new", None)
    site["edge"].console.sender.notify()
    wait_until(lambda: not site["edge"].console.store.pending_actions(), timeout=10)
    assert [tuple(e) for e in events] == [("property_arrived", "c1:pm", "保安已到场")]


@pytest.mark.browser
def test_gate_console_in_chromium(site, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(site["url"] + "/")
    page.fill("input[name=username]", "pm")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    page.wait_for_selector("#live.on")
    site["gate"].emit(GateEventType.plate_read, direction="in", result="granted", plate="赣A88888")
    page.wait_for_selector("#events tr[data-type=plate_read]:has-text('赣A88888')")
    page.select_option("#open-gate", "g1")
    page.fill("#open-form input[name=reason]", "业主忘带门禁卡")
    page.click("#open-form button")
    page.wait_for_selector("#events tr[data-type=remote_open]")
    page.fill("#visitor-form input[name=name]", "王芳")
    page.fill("#visitor-form input[name=phone]", "13912345678")
    page.fill("#visitor-form input[name=host_unit]", "3-402")
    page.fill("#visitor-form input[name=plate]", "赣B12345")
    page.click("#visitor-form button")
    page.wait_for_selector("#visitors li:has-text('139****5678')")
    site["gate"].emit(GateEventType.plate_read, direction="in", result="denied", plate="赣B12345")
    # The visitor's car was let in: one row, answered by the gate. (A selector, not
    # wait_for_function: the console's Content-Security-Policy forbids the eval that one uses.)
    page.wait_for_selector(
        "#events tr[data-type=visitor_pass][data-result=granted]:has-text('王芳')"
    )
    site["gate"].emit(GateEventType.door_forced, direction="in")
    page.wait_for_selector("#alerts li.alert")
    # A forced door is the police's: the guard reports being on site (物业到场).
    page.fill("#alerts .arrive-form input[name=note]", "已派保安")
    page.click("#alerts .arrive-form button")
    page.wait_for_selector("#alerts .notes:has-text('已派保安')")
    assert "13912345678" not in page.content()

    # The password is reset at the gateway: the next request shows the login form, and logging
    # in again gives the same console (each gate listed once, the live feed on).
    site["gw"].add_user("pm", "property_manager", compound_id="c1", password="new-password-4")
    new_hash = (
        site["gw"]
        .db.conn()
        .execute("SELECT password_hash FROM users WHERE username = 'pm'")
        .fetchone()[0]
    )
    wait_until(
        lambda: site["edge"].console.staff()["pm"].password_hash == new_hash,
        timeout=15,
        message="the reset synced to the box",
    )
    page.fill("#log-filter input[name=q]", "x")  # any request now meets the ended session
    page.wait_for_selector("#login:not([hidden])")
    page.fill("input[name=username]", "pm")
    page.fill("input[name=password]", "new-password-4")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    page.wait_for_selector("#live.on")
    assert page.eval_on_selector_all("#open-gate option", "os => os.map(o => o.value)") == ["g1"]


def test_limits_and_expired_passes(site) -> None:  # type: ignore[no-untyped-def]
    anon = httpx.Client(base_url=site["url"])
    for _ in range(5):
        assert anon.post("/api/login", json={"username": "pm", "password": "x"}).status_code == 401
    locked = anon.post("/api/login", json={"username": "pm", "password": PASSWORD})
    assert locked.status_code == 429
    # Lift the lock as a later successful login would, to go on with the same user.
    site["edge"].console.throttle.clear(("pm", "127.0.0.1"))
    c = console(site["url"])
    codes = [
        c.post("/api/gates/g1/open", json={"reason": "测试开门"}).status_code for _ in range(11)
    ]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    body = {"name": "李雷", "phone": "13700001111", "host_unit": "1-101", "plate": "赣C54321"}
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert c.post("/api/visitors", json={**body, "valid_until": past}).status_code == 422
    soon = datetime.now(UTC) + timedelta(seconds=1)
    made = c.post("/api/visitors", json={**body, "valid_until": soon.isoformat()})
    assert made.status_code == 201
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.2)  # expired now
    opens = len(site["edge"].console.store.rows("SELECT * FROM door_opens"))
    site["gate"].emit(GateEventType.plate_read, direction="in", result="denied", plate="赣C54321")
    wait_until(
        lambda: any(r["plate"] == "赣C54321" for r in c.get("/api/events").json()),
        timeout=10,
        message="the plate read in the log",
    )
    assert len(site["edge"].console.store.rows("SELECT * FROM door_opens")) == opens


def test_sessions_outlive_a_restart_and_end_with_the_account(site) -> None:  # type: ignore[no-untyped-def]
    c = console(site["url"])
    assert c.get("/api/me").status_code == 200
    stored = site["edge"].console.store.rows("SELECT * FROM sessions")
    cookie = c.cookies["anju_gate_session"]
    assert len(stored) == 1 and cookie not in str(stored)  # only a digest is kept

    # The box restarts (power cut, upgrade): the manager at the gate stays logged in.
    site["edge"].stop()
    site["edge"] = start_edge(site["cfg"])
    assert c.get("/api/me").json()["username"] == "pm"

    # The password is reset at the gateway: once edge sync brings it, the old session is out.
    site["gw"].add_user("pm", "property_manager", compound_id="c1", password="new-password-2")
    refused = wait_until(
        lambda: (r := c.get("/api/me")).status_code == 401 and r,
        timeout=15,
        message="the old session refused after the reset",
    )
    assert "account changed" in refused.json()["detail"]
    assert site["edge"].console.store.rows("SELECT * FROM sessions") == []
    assert c.post("/api/login", json={"username": "pm", "password": PASSWORD}).status_code == 401
    assert (
        c.post("/api/login", json={"username": "pm", "password": "new-password-2"}).status_code
        == 200
    )
    assert c.get("/api/me").status_code == 200

    # Moved to another compound: no longer this box's staff.
    site["gw"].add_compound("c2", "p1")
    site["gw"].add_user("pm", "property_manager", compound_id="c2", password="new-password-2")
    wait_until(
        lambda: c.get("/api/me").status_code == 401,
        timeout=15,
        message="the session ended when the account left the compound",
    )

    # Logging out ends the session on the box, not only in the browser.
    site["gw"].add_user("pm", "property_manager", compound_id="c1", password="new-password-2")
    # (Waiting on the box's synced staff, not on logins: failed logins would lock the account.)
    wait_until(lambda: "pm" in site["edge"].console.staff(), timeout=15, message="pm back at c1")
    c2 = _login(site["url"], "new-password-2")
    assert c2 is not None
    token = c2.cookies["anju_gate_session"]
    assert c2.post("/api/logout").status_code == 204
    again = httpx.Client(base_url=site["url"], cookies={"anju_gate_session": token})
    assert again.get("/api/me").status_code == 401


def _login(url: str, password: str) -> httpx.Client | None:
    client = httpx.Client(base_url=url, timeout=10)
    ok = client.post("/api/login", json={"username": "pm", "password": password})
    return client if ok.status_code == 200 else None


def test_live_feed_closes_when_the_account_changes(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import anju_edge.console.routes.live as console_app

    monkeypatch.setattr(console_app, "KEEPALIVE_S", 0.3)
    c = console(site["url"])
    lines: list[str] = []
    with c.stream("GET", "/api/live", timeout=30) as feed:
        it = feed.iter_lines()
        assert next(it) == "event: hello"
        site["gw"].add_user("pm", "property_manager", compound_id="c1", password="new-password-3")
        started = time.monotonic()
        lines.extend(it)  # returns when the box closes the stream
    assert time.monotonic() - started < 20
    assert c.get("/api/me").status_code == 401
