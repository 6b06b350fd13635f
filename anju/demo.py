"""``anju demo``: the whole system on this machine, on embedded defaults.

Starts a broker (Mosquitto, or the embedded one), the gateway on SQLite, one edge box for the
demo compound enrolled through the real enrolment API, with two gates and the cameras of the
camera scenarios (`anju.demo_cameras`), and the simulator: a forced door, the camera scenarios
(again every few minutes) and then ordinary days at the gates.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from anju.broker import MosquittoBroker, start_broker
from anju.demo_cameras import CAMERA_KINDS, CYCLE_S, SCENARIOS, camera_round
from anju.netutil import free_port, wait_for_port
from anju_common.ratelog import setup_logging
from anju_sim.demostate import DemoState, remove_demo_state, write_demo_state

if TYPE_CHECKING:
    from anju_sim.scenario import ScenarioRunner

logger = logging.getLogger(__name__)

COMPOUND = "demo"
PRECINCT = "demo-precinct"
USERS = (
    # username, password, role, precinct, compound, display name
    ("admin", "anju-admin", "admin", None, None, "系统管理员"),
    ("supervisor", "anju-supervisor", "supervisor", PRECINCT, None, "值班领导"),
    ("officer", "anju-officer", "officer", PRECINCT, None, "值班民警"),
    ("manager", "anju-manager", "property_manager", None, COMPOUND, "物业经理"),
)


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        # As the servers bind: a port our own last run left in TIME_WAIT is free again, so a
        # second `make demo` right after Ctrl-C gets the same ports.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _seed_gateway(data_dir: Path) -> None:
    from anju_contracts import utcnow
    from anju_contracts.common import format_ts
    from anju_gateway.access.security import hash_password
    from anju_gateway.store.compounds import upsert_compound, upsert_precinct
    from anju_gateway.store.db import SQLiteDatabase
    from anju_gateway.store.users import Role, create_user

    db = SQLiteDatabase(data_dir / "gateway.sqlite3")
    db.migrate()
    now = format_ts(utcnow())
    with db.write() as conn:
        upsert_compound(
            conn, compound_id=COMPOUND, name="安居示范小区", precinct_id=PRECINCT, now=now
        )
        # Named, so the admin pages show 示范派出所, never its id.
        upsert_precinct(conn, precinct_id=PRECINCT, name="示范派出所")
        for username, password, role, precinct, compound, name in USERS:
            create_user(
                conn,
                username=username,
                password_hash=hash_password(password),
                role=Role(role),
                now=now,
                display_name=name,
                precinct_id=precinct,
                compound_id=compound,
            )
    db.close()


def _pick_port(wanted: int, what: str) -> int:
    """``wanted`` when it is free; otherwise a free port, with a line saying why."""
    if _port_free(wanted):
        return wanted
    port = free_port()
    print(
        f"port {wanted} is in use (another program, or a demo still running), so the {what} "
        f"moves to {port} / 端口 {wanted} 已被占用，改用 {port}",
        flush=True,
    )
    return port


def demo_edge_config(  # type: ignore[no-untyped-def]
    data_dir: Path,
    broker_port: int,
    gateway_url: str,
    console_port: int,
    mqtt5: bool = True,
    cameras: bool = True,
):
    from anju.demo_cameras import camera_configs
    from anju_edge.config import parse_config

    return parse_config(
        {
            "compound_id": COMPOUND,
            "name": "安居示范小区",
            "data_dir": str(data_dir),
            "metrics_port": 0,
            "broker": {
                "port": broker_port,
                "client_id": "anju-edge-demo",
                "protocol": "5" if mqtt5 else "3.1.1",
            },
            "gateway": {"url": gateway_url},
            "console": {"port": console_port},
            "gates": [
                {"id": "north-gate", "name": "北门"},
                {"id": "garage-gate", "name": "地库入口"},
            ],
            "cameras": camera_configs() if cameras else [],
        },
        "demo",
    )


def run_demo(data_dir: Path, port: int, once: bool = False, embedded_broker: bool = False) -> int:
    from anju_edge.delivery.enrol import enrol
    from anju_edge.service import EdgeService
    from anju_gateway.app import create_app
    from anju_gateway.edges.enrolment import issue_code
    from anju_gateway.server import GatewayServer
    from anju_gateway.settings import GatewaySettings
    from anju_sim.scenario import ScenarioRunner, load_scenario

    setup_logging(os.environ.get("ANJU_LOG_LEVEL", "warning"))
    from anju_contracts import format_ts, utcnow

    started = format_ts(utcnow())
    data_dir = data_dir.resolve()
    port = _pick_port(port, "officers' console (gateway)")
    gw_dir = data_dir / "gateway"
    _seed_gateway(gw_dir)

    broker = start_broker(data_dir / "broker", embedded=embedded_broker)
    settings = GatewaySettings(data_dir=gw_dir, host="127.0.0.1", port=port)
    server = GatewayServer(create_app(settings), "127.0.0.1", port, log_level="warning")
    gw_thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    gw_thread.start()
    wait_for_port("127.0.0.1", port, timeout=20)
    gateway_url = f"http://127.0.0.1:{port}"

    from datetime import timedelta

    from anju_contracts import utcnow

    db = settings.open_database()
    code, _ = issue_code(
        db, compound_id=COMPOUND, created_by="demo", now=utcnow(), ttl=timedelta(minutes=10)
    )
    db.close()
    console_port = _pick_port(port + 1, "gate console")
    edge_cfg = demo_edge_config(
        data_dir / "edge",
        broker.port,
        gateway_url,
        console_port,
        mqtt5=isinstance(broker, MosquittoBroker),
    )
    enrol(gateway_url, code, edge_cfg.token_path())
    edge = EdgeService(edge_cfg)
    edge.start()
    if not edge.mqtt.subscribed.wait(15):
        logger.warning(
            "the edge has not subscribed to the broker yet; the first events may be missed"
        )

    scenario = load_scenario("door-forced")
    runner = ScenarioRunner(
        scenario, "127.0.0.1", broker.port, COMPOUND, mqtt5=isinstance(broker, MosquittoBroker)
    )
    runner.start_devices()
    stop = threading.Event()
    player = threading.Thread(target=_play_once, args=(runner, stop), name="sim", daemon=True)
    player.start()
    stop_cameras = threading.Event()  # `stop` ends the door-forced scenario before this
    cameras = ScenarioRunner(
        camera_round(),
        "127.0.0.1",
        broker.port,
        COMPOUND,
        mqtt5=isinstance(broker, MosquittoBroker),
    )
    cameras.start_devices()
    camera_player = threading.Thread(
        target=_play_cameras, args=(cameras, stop_cameras), name="sim-cameras", daemon=True
    )
    camera_player.start()
    _announce(data_dir, broker.port, isinstance(broker, MosquittoBroker), gateway_url)

    logins = "\n".join(
        f"    {username} / {password}  {name}" for username, password, role, _, _, name in USERS
    )
    print(
        f"""
安居 Anju demo is running / 演示已启动
  Officers' console 民警工作台:   {gateway_url}/
  Gate console 门岗控制台:        http://127.0.0.1:{console_port}/
  Gateway API (OpenAPI JSON):     {gateway_url}/openapi.json
  Alerts as JSON:                 {gateway_url}/api/v1/alerts   (log in first)
  MQTT broker:                    {broker.url}
  Logins 账号 (username / password):
{logins}
  Simulator: playing scenario '{scenario.name}' ({scenario.title}),
             then the cameras' scenarios ({", ".join(SCENARIOS)}) every {CYCLE_S / 60:.0f} min
Press Ctrl-C to stop / 按 Ctrl-C 停止
""",
        flush=True,
    )
    arrived = _wait_for_demo_alert(gateway_url, since=started, kinds={"door_forced"}, timeout=30)
    print(
        "demo alert arrived at the gateway / 演示告警已到达: " + (arrived or "NOT YET (see logs)"),
        flush=True,
    )
    seen = _wait_for_demo_alert(
        gateway_url, since=started, kinds=set(CAMERA_KINDS), timeout=60, snapshot=True
    )
    print(
        "camera alert with its snapshot arrived / 摄像头告警（含现场截图）已到达: "
        + (seen or "NOT YET (see logs)"),
        flush=True,
    )

    done = threading.Event()
    day: threading.Thread | None = None
    if not once:
        signal.signal(signal.SIGINT, lambda *_: done.set())
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        # Then life goes on: a normal day a minute, again and again. The door-forced gates
        # power off first, since the day's gates reuse their client ids.
        stop.set()
        player.join(timeout=5)
        runner.stop_devices()
        day = threading.Thread(
            target=_play_days,
            args=(broker.port, isinstance(broker, MosquittoBroker), done),
            name="sim-day",
            daemon=True,
        )
        day.start()
        print("Simulator: now a normal day per minute / 模拟：每分钟一天的日常通行", flush=True)
        done.wait()
    print("stopping / 正在停止 ...", flush=True)
    remove_demo_state(data_dir)
    stop.set()
    if day is not None:
        day.join(timeout=10)
    else:
        runner.stop_devices()
    stop_cameras.set()
    camera_player.join(timeout=10)
    cameras.stop_devices()
    edge.stop()
    server.should_exit = True
    gw_thread.join(timeout=10)
    broker.stop()
    return 0 if arrived and seen else 1


def _play_once(runner: ScenarioRunner, stop: threading.Event) -> None:
    try:
        runner.play(stop)
    except OSError as exc:  # BrokerLost included: the demo's broker went away
        logger.warning("the demo's door-forced scenario stopped: %s", exc)


def _play_cameras(runner: ScenarioRunner, stop: threading.Event) -> None:
    """A round of the camera scenarios now, then every CYCLE_S until the demo stops."""
    while not stop.is_set():
        try:
            runner.play(stop)
        except (OSError, RuntimeError, TimeoutError):
            logger.warning("the demo's cameras stopped a round: broker unreachable")
        if stop.wait(CYCLE_S):
            return


def _announce(data_dir: Path, broker_port: int, mqtt5: bool, gateway_url: str) -> None:
    """Tell `anju sim run` where the demo's broker is (removed on exit; a dead pid is stale)."""
    state = DemoState(
        pid=os.getpid(),
        broker_host="127.0.0.1",
        broker_port=broker_port,
        mqtt5=mqtt5,
        compound_id=COMPOUND,
        gateway_url=gateway_url,
    )
    write_demo_state(data_dir, state)


def _play_days(broker_port: int, mqtt5: bool, done: threading.Event) -> None:
    """Loop the normal-day scenario at 1440x (a day per minute), a new seed each day."""
    from anju_sim.scenario import ScenarioRunner, load_scenario

    day = load_scenario("normal-day")
    seed = 1
    while not done.is_set():
        runner = ScenarioRunner(
            day, "127.0.0.1", broker_port, COMPOUND, speed=1440, seed=seed, mqtt5=mqtt5
        )
        try:
            runner.start_devices()
            runner.play(done)
        except (OSError, TimeoutError):
            logger.warning("simulated day %d stopped: broker unreachable", seed)
            done.wait(5)
        finally:
            runner.stop_devices()
        seed += 1


def _wait_for_demo_alert(
    gateway_url: str, since: str, kinds: set[str], timeout: float, snapshot: bool = False
) -> str | None:
    """The first alert of one of ``kinds`` (with a snapshot, if asked) since the demo began."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=gateway_url, timeout=5) as client:
        token = client.post(
            "/api/v1/auth/login", json={"username": "officer", "password": "anju-officer"}
        ).json()["token"]
        while time.monotonic() < deadline:
            alerts = client.get(
                "/api/v1/alerts",
                params={"since": since, "limit": 200},
                headers={"Authorization": f"Bearer {token}"},
            ).json()["alerts"]
            for a in alerts:
                if a["kind"] in kinds and (a["has_snapshot"] or not snapshot):
                    shot = ", with snapshot" if a["has_snapshot"] else ""
                    return f"{a['kind']} {a['severity']} at {a['source_id']} ({a['id']}{shot})"
            time.sleep(0.3)
    return None
