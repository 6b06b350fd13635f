"""deploy/ansible applied to localhost under a throwaway root: files, owners, modes, the broker's
ACL enforced by a real Mosquitto, the edge config loaded by the edge's own loader, enrolment with
a real gateway exactly once, systemd units verified, idempotence and check mode."""

from __future__ import annotations

import grp
import hashlib
import json
import pwd
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from anju_edge.config import load_config
from anju_gateway.access.security import token_hash
from anju_gateway.settings import unknown_environment
from anju_gateway.store.edges import edge_for_token
from tests.deploy.conftest import (
    ANSIBLE_DIR,
    DB_PASSWORD,
    EDGE_GROUP,
    EDGE_USER,
    REPO,
    Applied,
    ansible_tool,
    playbook,
    recap,
)
from tests.support.servers import wait_until

# The first test pays for the session fixture: a whole playbook run (about a minute alone,
# several on a machine busy with other work).
pytestmark = pytest.mark.timeout(600)


def owner(path: Path) -> tuple[str, str, str]:
    st = path.stat()
    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name, oct(st.st_mode & 0o777)


def test_playbooks_pass_syntax_check_and_production_lint() -> None:
    syntax = playbook("--syntax-check", "-i", "inventory.example.yml", "site.yml", timeout=60)
    assert syntax.returncode == 0, syntax.stdout + syntax.stderr
    lint = subprocess.run(
        [str(ansible_tool("ansible-lint")), "--profile", "production", "--nocolor"],
        cwd=ANSIBLE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lint.returncode == 0, lint.stdout[-4000:] + lint.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in lint.stderr + lint.stdout


def test_first_run_installs_and_second_run_changes_nothing(applied: Applied) -> None:
    first = recap(applied.first.stdout)
    assert set(first) == {"edge-c1", "gw"}
    assert all(h["failed"] == 0 and h["unreachable"] == 0 for h in first.values())
    assert first["edge-c1"]["changed"] >= 8 and first["gw"]["changed"] >= 4
    # The handler chain ran: the installed config was checked before the (skipped) restart.
    assert "RUNNING HANDLER [anju_edge : Validate the edge config]" in applied.first.stdout
    # The cameras' passwords (no_log) never reach the installer's output.
    for run in (applied.first, applied.second):
        assert "pass-cam3" not in run.stdout + run.stderr
        assert "pass-cam4" not in run.stdout + run.stderr
        assert "p@ss" not in run.stdout + run.stderr  # the database password (no_log)
    second = recap(applied.second.stdout)
    assert applied.second.returncode == 0, applied.second.stdout[-3000:]
    assert {h: v["changed"] for h, v in second.items()} == {"edge-c1": 0, "gw": 0}


def test_check_mode_with_diff_reports_no_change(applied: Applied) -> None:
    run = playbook("-i", str(applied.inventory), "site.yml", "--check", "--diff")
    assert run.returncode == 0, run.stdout[-3000:]
    assert {h: v["changed"] for h, v in recap(run.stdout).items()} == {"edge-c1": 0, "gw": 0}


def test_files_owners_and_modes(applied: Applied) -> None:
    r = applied.root
    assert owner(r / "etc/anju/edge.yaml") == ("root", EDGE_GROUP, "0o640")
    assert owner(r / "var/lib/anju/edge") == (EDGE_USER, EDGE_GROUP, "0o750")
    assert owner(r / "var/lib/anju/edge/token") == (EDGE_USER, EDGE_GROUP, "0o600")
    assert owner(r / "etc/mosquitto/anju.passwd") == ("root", "mosquitto", "0o640")
    assert owner(r / "etc/mosquitto/anju.acl") == ("root", "mosquitto", "0o640")
    assert owner(r / "var/lib/mosquitto") == ("mosquitto", "mosquitto", "0o750")
    assert owner(r / "etc/anju/gateway.env") == ("root", "root", "0o600")
    assert owner(r / "var/lib/anju/gateway") == (EDGE_USER, EDGE_GROUP, "0o750")
    assert (r / "etc/systemd/journald.conf.d/anju.conf").read_text().count("SystemMaxUse=200M") == 1

    env = (r / "etc/anju/gateway.env").read_text("utf-8")
    assert f"ANJU_GATEWAY_DATA_DIR={r}/var/lib/anju/gateway" in env
    assert "ANJU_GATEWAY_SLA_CLOSE_HOURS=12" in env
    # Every variable the installer writes is a gateway setting (an unknown one stops the start).
    written = dict(
        line.split("=", 1) for line in env.splitlines() if "=" in line and line[0] != "#"
    )
    assert unknown_environment(written) == []
    assert "ANJU_GATEWAY_COOKIE_SECURE=true" in env  # behind the nginx TLS proxy
    # Debian's PostgreSQL on the box, the role `anju` with the inventory's password, URL-quoted.
    url = written["ANJU_GATEWAY_DATABASE_URL"]
    assert url == "postgresql://anju:db-p%40ss%2Fw%3Ard%27x%25@127.0.0.1:5432/anju"
    parsed = urlsplit(url)
    assert unquote(parsed.password or "") == DB_PASSWORD and parsed.username == "anju"
    assert "ANJU_GATEWAY_PORT" not in written  # each replica's port is its instance name
    site = (r / "etc/nginx/sites-enabled/anju-gateway.conf").read_text("utf-8")
    assert "server_name gw.test.example;" in site and "proxy_pass http://anju_gateway;" in site
    upstream = site[site.index("upstream anju_gateway {") : site.index("}")]
    assert [line.split()[1] for line in upstream.splitlines() if "server " in line] == [
        "127.0.0.1:8001",
        "127.0.0.1:8002",
        "127.0.0.1:8003",
    ]
    assert "max_fails=2 fail_timeout=10s;" in upstream
    assert "proxy_next_upstream error timeout http_502 http_503 http_504;" in site
    assert "non_idempotent" not in site.replace("`non_idempotent`", "")
    # The single unit of earlier versions is gone; the replicas' template unit replaces it.
    assert not (r / "etc/systemd/system/anju-gateway.service").exists()
    admin = r / "usr/local/sbin/anju-gateway-admin"
    assert owner(admin)[2] == "0o755"
    assert admin.read_text("utf-8").startswith(f"#!{REPO}/.venv/bin/python\n")

    # The pulled cameras' secrets: one file each, readable by the edge's user only.
    assert owner(r / "etc/anju/cameras") == ("root", EDGE_GROUP, "0o750")
    assert owner(r / "etc/anju/cameras/cam3.cred") == (EDGE_USER, EDGE_GROUP, "0o600")
    assert owner(r / "etc/anju/cameras/cam4.pass") == (EDGE_USER, EDGE_GROUP, "0o600")
    assert (r / "etc/anju/cameras/cam3.cred").read_text() == "anju:rtsp:pass-cam3\n"
    assert (r / "etc/anju/cameras/cam4.pass").read_text() == "http-pass-cam4\n"

    passwd = (r / "etc/mosquitto/anju.passwd").read_text("utf-8").split()
    # Pulled cameras (cam3, cam4) do not log in to the broker.
    assert [line.split(":")[0] for line in passwd] == ["anju-edge", "cam1", "cam2", "g1"]
    assert all(line.split(":", 1)[1].startswith("$7$101$") for line in passwd)
    assert not any("secret" in line for line in passwd)

    conf = (r / "etc/mosquitto/mosquitto.conf").read_text("utf-8")
    assert "allow_anonymous false" in conf
    base = (REPO / "anju/resources/mosquitto-base.conf").read_text("utf-8")
    assert base.strip() in conf  # the project's queue limits, verbatim
    assert "max_queued_messages 100000" in conf


def test_rendered_edge_config_loads_and_the_model_matches_its_manifest(applied: Applied) -> None:
    cfg = load_config(applied.root / "etc/anju/edge.yaml")
    assert cfg.compound_id == "c1" and cfg.name == "庐山小区"
    assert cfg.gateway.url == applied.gateway.url
    # The precinct's CA is copied to the box and pinned.
    assert cfg.gateway.ca_file == applied.root / "etc/anju/gateway-ca.crt"
    assert cfg.gateway.ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert cfg.data_dir == applied.root / "var/lib/anju/edge"
    assert cfg.token_path() == applied.root / "var/lib/anju/edge/token"
    assert (cfg.broker.username, cfg.broker.password) == ("anju-edge", "edge-service-secret")
    assert cfg.broker.port == applied.mqtt_port
    assert [g.id for g in cfg.gates] == ["g1"] and cfg.gates[0].name == "北门"
    assert [c.id for c in cfg.cameras] == ["cam1", "cam2", "cam3", "cam4"]
    assert cfg.cameras[0].rules[0].type == "intrusion"
    cam3, cam4 = cfg.cameras[2].source, cfg.cameras[3].source
    assert cam3.type == "rtsp" and cam3.credentials == applied.root / "etc/anju/cameras/cam3.cred"
    assert cam4.type == "http_snapshot" and cam4.username == "admin"
    assert cam4.password_file == applied.root / "etc/anju/cameras/cam4.pass"
    text = (applied.root / "etc/anju/edge.yaml").read_text("utf-8")
    assert "pass-cam3" not in text and "pass-cam4" not in text and "camera_password" not in text
    assert cfg.gate_rules.cooldown_s == 30

    # The inventory asks for INT8: the quantized copy of the model is installed.
    assert cfg.detector.precision == "int8"
    manifest = yaml.safe_load((REPO / "models/manifest.yaml").read_text("utf-8"))
    entry = next(
        m
        for m in manifest["models"]
        if m.get("quantized_from") == cfg.detector.model and m.get("precision") == "int8"
    )
    assert cfg.detector.models_dir == applied.root / "opt/anju/models"
    installed = cfg.detector.models_dir / entry["file"]
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == entry["sha256"]
    assert (cfg.detector.models_dir / "manifest.yaml").is_file()


def test_enrolled_once_and_the_token_is_kept(applied: Applied) -> None:
    token = (applied.root / "var/lib/anju/edge/token").read_text("utf-8")
    assert token == applied.token_after_first
    edge = edge_for_token(applied.gateway.db.conn(), token_hash=token_hash(token.strip()))
    assert edge is not None and edge.compound_id == "c1"
    # The second run did not try the (now used) code again: it would have failed.
    assert "Enrol with the gateway, once" in applied.second.stdout
    assert recap(applied.second.stdout)["edge-c1"]["failed"] == 0


def test_systemd_units_verify_without_warnings(applied: Applied, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing: run 'make ansible-venv' as root")
    units = applied.root / "etc/systemd/system"
    # The replicas' template, as systemd reads an instance of it (%i = 8001).
    instance = tmp_path / "anju-gateway@8001.service"
    instance.write_text((units / "anju-gateway@.service").read_text("utf-8"), "utf-8")
    template = instance.read_text("utf-8")
    assert "ExecStart=" in template and "--port %i" in template
    assert "ExecStartPre=" in template and "anju gateway migrate" in template
    for unit in (units / "anju-edge.service", instance):
        name = unit.name
        text = unit.read_text("utf-8")
        for hardening in (
            "NoNewPrivileges=true",
            "ProtectSystem=strict",
            "ProtectHome=true",
            "PrivateTmp=true",
            "Restart=on-failure",
            "RestartSec=5",
        ):
            assert hardening in text, (name, hardening)
        run = subprocess.run(
            [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0 and not (run.stdout + run.stderr).strip(), (
            run.stdout + run.stderr
        )
    edge_unit = (applied.root / "etc/systemd/system/anju-edge.service").read_text("utf-8")
    assert f"ReadWritePaths={applied.root}/var/lib/anju/edge" in edge_unit


def test_a_32bit_system_is_refused_with_the_architecture_named(applied: Applied) -> None:
    run = playbook("-i", str(applied.inventory), "edge.yml", "-e", "ansible_architecture=armv7l")
    assert run.returncode != 0
    assert "found armv7l" in run.stdout and "64-bit" in run.stdout


def _client(port: int, user: str, password: str) -> mqtt.Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"t-{user}", protocol=mqtt.MQTTv5)
    c.username_pw_set(user, password)
    return c


def test_mosquitto_enforces_passwords_and_per_device_acl(applied: Applied, tmp_path: Path) -> None:
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    (applied.root / "run/mosquitto").mkdir(parents=True, exist_ok=True)
    # The rendered file as it is, plus `user root`: started as root here, Mosquitto would drop to
    # its own user, which cannot enter pytest's private temporary folders.
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        (applied.root / "etc/mosquitto/mosquitto.conf").read_text("utf-8") + "\nuser root\n"
    )
    proc = subprocess.Popen([mosquitto, "-c", str(conf)], stderr=subprocess.PIPE, text=True)
    port = applied.mqtt_port
    clients: list[mqtt.Client] = []
    try:
        received: list[str] = []
        subscribed = threading.Event()
        edge = _client(port, "anju-edge", "edge-service-secret")
        edge.on_connect = lambda c, *_: c.subscribe("anju/c1/#", qos=1)
        edge.on_subscribe = lambda *_: subscribed.set()
        edge.on_message = lambda _c, _u, msg: received.append(msg.topic)

        def connect(c: mqtt.Client) -> None:
            clients.append(c)
            wait_until(lambda: _try_connect(c, port), timeout=10)
            c.loop_start()

        connect(edge)
        assert subscribed.wait(10)

        cam = _client(port, "cam1", "camera-1-secret")
        connect(cam)
        for topic in ("anju/c1/camera/cam2/status", "anju/c1/gate/g1/event", "anju/c1/edge/alerts"):
            cam.publish(topic, b"{}", qos=1).wait_for_publish(5)
        cam.publish("anju/c1/camera/cam1/status", b"{}", qos=1).wait_for_publish(5)
        wait_until(lambda: "anju/c1/camera/cam1/status" in received, timeout=10)
        # Same client, in order: the broker dropped the foreign topics before passing its own.
        assert received == ["anju/c1/camera/cam1/status"]

        # Wrong password and no password are both refused.
        for user, pw in (("cam1", "wrong-password"), ("g1", "")):
            bad = _client(port, user, pw)
            clients.append(bad)
            assert _connack(bad, port).is_failure, user
    finally:
        for c in clients:
            c.loop_stop()
            c.disconnect()
        proc.terminate()
        proc.wait(10)


def _connack(c: mqtt.Client, port: int) -> object:
    codes: list[object] = []
    c.on_connect = lambda _c, _u, _f, rc, _p: codes.append(rc)
    c.connect("127.0.0.1", port)
    c.loop_start()
    wait_until(lambda: bool(codes), timeout=10)
    return codes[0]


def _try_connect(c: mqtt.Client, port: int) -> bool:
    try:
        c.connect("127.0.0.1", port)
    except OSError:
        return False
    return True


def test_a_config_the_edge_would_refuse_is_never_installed(applied: Applied) -> None:
    installed = applied.root / "etc/anju/edge.yaml"
    before = installed.read_bytes()
    # A rule naming a zone the camera does not have: the edge's own loader refuses it.
    bad_camera = {
        "id": "cam1",
        "mqtt_password": "camera-1-secret",
        "rules": [{"type": "intrusion", "zone": "nowhere"}],
    }
    extra = json.dumps({"anju_cameras": [bad_camera]})
    run = playbook("-i", str(applied.inventory), "edge.yml", "-e", extra)
    assert run.returncode != 0
    assert "names zone 'nowhere', which is not defined" in run.stdout
    assert recap(run.stdout)["edge-c1"]["failed"] == 1
    assert installed.read_bytes() == before


def test_check_mode_on_a_blank_box_previews_and_writes_nothing(
    applied: Applied, tmp_path: Path
) -> None:
    blank = tmp_path / "blank"
    blank.mkdir()
    run = playbook(
        "-i", str(applied.inventory), "site.yml", "--check", "--diff", "-e", f"anju_root={blank}"
    )
    assert run.returncode == 0, run.stdout[-3000:]
    hosts = recap(run.stdout)
    assert hosts["edge-c1"]["changed"] > 0 and hosts["edge-c1"]["failed"] == 0
    assert "allow_anonymous false" in run.stdout  # the diff of mosquitto.conf
    assert list(blank.iterdir()) == []


def test_nginx_accepts_the_tls_site(applied: Applied, tmp_path: Path) -> None:
    """`nginx -t` with Debian's nginx (1.22 on bookworm and Raspberry Pi OS) on the rendered
    site and a self-signed certificate where the installer puts the real one."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: run 'make ansible-venv' as root")
    ssl = applied.root / "etc/ssl/anju"
    ssl.mkdir(parents=True, exist_ok=True)
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    openssl += ["-subj", "/CN=gw.test.example", "-keyout", str(ssl / "gateway.key")]
    subprocess.run(
        [*openssl, "-out", str(ssl / "gateway.crt")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = applied.root / "etc/nginx/sites-enabled/anju-gateway.conf"
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"    access_log {tmp_path}/access.log;\n"
        f"    client_body_temp_path {tmp_path}/body;\n"
        f"    proxy_temp_path {tmp_path}/proxy;\n"
        f"    include {site};\n"
        "}\n",
        "utf-8",
    )
    run = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "syntax is ok" in run.stderr and "test is successful" in run.stderr
    assert "[warn]" not in run.stderr and "[emerg]" not in run.stderr, run.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # Several replicas share one database: SQLite is for a single one.
        ({"anju_gateway_database": "sqlite", "anju_gateway_replicas": 2}, "sqlite (one"),
        ({"anju_gateway_database": "mysql"}, "it takes local"),
        # local PostgreSQL without the role's password (a Vault variable in the inventory).
        ({"anju_gateway_db_password": ""}, "anju_gateway_db_password is not set"),
        # The single port of earlier versions: named, not silently ignored.
        ({"anju_gateway_port": 8080}, "anju_gateway_port is gone"),
    ],
)
def test_gateway_database_settings_are_checked_first(
    applied: Applied, extra: dict[str, object], message: str
) -> None:
    env = applied.root / "etc/anju/gateway.env"
    before = env.read_bytes()
    run = playbook("-i", str(applied.inventory), "gateway.yml", "-e", json.dumps(extra))
    assert run.returncode != 0
    assert message in run.stdout, run.stdout[-3000:]
    assert recap(run.stdout)["gw"]["failed"] == 1
    assert env.read_bytes() == before


def test_an_existing_server_or_sqlite_and_the_old_single_unit(
    applied: Applied, tmp_path: Path
) -> None:
    """anju_gateway_database_url: the URL as given, no PostgreSQL set up; sqlite: no URL; the
    single unit of earlier versions is removed; fewer replicas shrink nginx's upstream."""
    units = applied.root / "etc/systemd/system"
    env = applied.root / "etc/anju/gateway.env"
    site = applied.root / "etc/nginx/sites-enabled/anju-gateway.conf"
    try:
        (units / "anju-gateway.service").write_text("[Service]\nExecStart=/bin/true\n", "utf-8")
        url = "postgresql://anju:s3cret@db.example:5432/anju"
        extra = {"anju_gateway_database_url": url, "anju_gateway_replicas": 2}
        run = playbook("-i", str(applied.inventory), "gateway.yml", "-e", json.dumps(extra))
        assert run.returncode == 0, run.stdout[-3000:]
        assert f"ANJU_GATEWAY_DATABASE_URL={url}\n" in env.read_text("utf-8")
        assert "s3cret" not in run.stdout + run.stderr
        assert not (units / "anju-gateway.service").exists()
        assert "Remove the single unit of earlier versions" in run.stdout
        assert site.read_text("utf-8").count("server 127.0.0.1:80") == 2

        extra = {"anju_gateway_database": "sqlite", "anju_gateway_replicas": 1}
        run = playbook("-i", str(applied.inventory), "gateway.yml", "-e", json.dumps(extra))
        assert run.returncode == 0, run.stdout[-3000:]
        assert "ANJU_GATEWAY_DATABASE_URL" not in env.read_text("utf-8")
        assert site.read_text("utf-8").count("server 127.0.0.1:80") == 1
    finally:
        # Back to the module's inventory for the tests after this one.
        run = playbook("-i", str(applied.inventory), "gateway.yml")
        assert run.returncode == 0, run.stdout[-3000:]
