"""The GA/T 1400 link against a real upper system (tests/support/viid_server.py)."""

from __future__ import annotations

import io
import stat
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from ulid import ULID

from anju_contracts import format_ts, utcnow
from anju_contracts.viid import ResponseStatusObject
from anju_gateway.clock import SystemClock
from anju_gateway.precinct.viid_client import object_errors
from anju_gateway.precinct.viid_link import ViidLink
from anju_gateway.settings import GatewaySettings
from anju_gateway.store import viid as store
from anju_gateway.store.alerts import NewAlert, insert_alerts
from anju_gateway.store.compounds import upsert_compound
from tests.support import engines
from tests.support.viid_server import ViidServer

SYSTEM = "36040200002000000009"
CAM = "36040200001320000001"
GATE = "36040200001340000002"
FAST = {"viid_backoff_initial_s": 0.05, "viid_backoff_max_s": 0.2, "viid_max_attempts": 3,
        "viid_auth_retry_s": 600}  # fmt: skip


def jpeg(w: int = 64, h: int = 48) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


class Rig:
    def __init__(self, tmp: Path, upper: ViidServer) -> None:
        self.settings = GatewaySettings(data_dir=tmp, database_url=engines.database_url(), **FAST)  # type: ignore[arg-type]
        self.db = self.settings.open_database()
        self.db.migrate()
        self.upper = upper
        with self.db.write() as conn:
            upsert_compound(conn, compound_id="c1", name="安居小区", precinct_id="p1",
                            now=format_ts(utcnow()))  # fmt: skip
        self.link = ViidLink(self.db, self.settings, SystemClock())

    def configure(self, password: str | None = None, kinds: list[str] | None = None,
                  keepalive_s: float = 60) -> None:  # fmt: skip
        self.link.secrets.put("p1", password or self.upper.password)
        with self.db.write() as conn:
            store.put_link(conn, precinct_id="p1", url=self.upper.url, system_id=SYSTEM,
                           username=self.upper.username, kinds=kinds or [],
                           keepalive_s=keepalive_s, enabled=True, actor="t",
                           now=format_ts(utcnow()))  # fmt: skip

    def alert(self, kind: str = "intrusion", label: str | None = "person", gb: str | None = CAM,
              plate: str | None = None, source_kind: str = "camera") -> str:  # fmt: skip
        now = utcnow()
        aid = str(ULID.from_datetime(now))
        details: dict[str, object] = {}
        if gb:
            details["gb_code"] = gb
        if plate:
            details["plate"] = plate
        objects = [{"label": label, "score": 0.9, "box": [0.1, 0.2, 0.5, 0.9]}] if label else []
        new = NewAlert(id=aid, compound_id="c1", edge_id=None, source_kind=source_kind,
                       source_id="s1", kind=kind, severity="critical", ts=format_ts(now),
                       zone=None, objects=objects, details=details, snapshot=jpeg())  # fmt: skip
        with self.db.write() as conn:
            insert_alerts(conn, [new], received_at=format_ts(now))
        return aid

    def state(self) -> store.ViidLinkRow:
        got = store.get_link(self.db.conn(), precinct_id="p1")
        assert got is not None
        return got

    def counts(self) -> dict[str, int]:
        return store.queue_counts(self.db.conn(), precinct_id="p1")

    def rounds(self, n: int = 1, pause: float = 0.0) -> None:
        for _ in range(n):
            self.link.run_round()
            time.sleep(pause)


@pytest.fixture
def rig(tmp_path: Path, upper: ViidServer) -> Iterator[Rig]:
    r = Rig(tmp_path, upper)
    yield r
    r.link.close()
    r.db.close()


def test_register_time_keepalive_and_unregister(rig: Rig, upper: ViidServer) -> None:
    upper.clock_offset_s = 125.0
    rig.configure(keepalive_s=0.3)
    rig.rounds()
    s = rig.state()
    assert s.state == "registered" and s.registered_at and s.last_error == ""
    assert s.clock_offset_s is not None and 120 <= s.clock_offset_s <= 130
    assert upper.count("register") == 1 and upper.count("time") == 1
    rig.rounds(3, pause=0.2)
    assert upper.count("keepalive") >= 1 and upper.count("register") == 1
    assert rig.state().last_keepalive_at != s.registered_at
    rig.link.close()
    assert upper.count("unregister") == 1 and rig.state().state == "unregistered"
    assert not upper.sessions


def test_re_register_after_the_upper_system_restarts(rig: Rig, upper: ViidServer) -> None:
    rig.configure(keepalive_s=0.2)
    rig.rounds()
    upper.restart()  # forgets our session and every nonce (our next request meets stale=true)
    time.sleep(0.25)
    rig.rounds()
    assert rig.state().state == "keepalive_refused"
    rig.rounds()
    assert rig.state().state == "registered" and upper.count("register") == 2
    assert upper.count("401:stale") >= 1


def test_each_kind_uploaded_once_with_its_image(rig: Rig, upper: ViidServer) -> None:
    rig.configure(kinds=["intrusion", "watchlist", "ebike_indoor"])
    rig.alert("intrusion", "person")
    rig.alert("watchlist", None, gb=GATE, plate="赣G12345", source_kind="gate")
    rig.alert("ebike_indoor", "bicycle")
    rig.alert("door_forced", None, source_kind="gate")  # no object in the standard
    rig.rounds(2)
    assert rig.counts() == {"pending": 0, "delivered": 3, "dead": 0}
    person = upper.received["/VIID/Persons"]
    vehicle = upper.received["/VIID/MotorVehicles"]
    bike = upper.received["/VIID/NonMotorVehicles"]
    assert len(person) == len(vehicle) == len(bike) == 1
    assert vehicle[0]["PlateNo"] == "赣G12345" and vehicle[0]["DeviceID"] == GATE
    assert person[0]["DeviceID"] == CAM and person[0]["PersonID"].startswith(CAM)
    image = person[0]["SubImageList"]["SubImageInfoObject"][0]
    assert (image["Width"], image["Height"], image["Type"]) == (64, 48, "14")
    assert person[0]["LeftTopX"] == 6 and person[0]["RightBtmY"] == 43
    rig.rounds(2)
    assert upper.duplicates == []


def test_default_sends_only_police_routed_alerts(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    rig.alert("intrusion", "person")
    property_alert = rig.alert("loitering", "person")
    with rig.db.write() as conn:  # as the router would have decided it at receipt
        conn.execute("UPDATE alerts SET handler = 'property' WHERE id = ?", (property_alert,))
    rig.rounds(2)
    assert len(upper.received["/VIID/Persons"]) == 1
    assert rig.counts()["delivered"] == 1


def test_partial_failure_retries_only_the_refused_object(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    rig.alert()
    rig.alert()
    rig.link.queue_new_alerts()
    rows = store.list_objects(rig.db.conn(), precinct_id="p1")
    bad = rows[0].object_id
    upper.fail_ids[bad] = "图片质量不合格"
    rig.rounds()
    assert rig.counts() == {"pending": 1, "delivered": 1, "dead": 0}
    pending = store.list_objects(rig.db.conn(), precinct_id="p1", status="pending")
    assert pending[0].object_id == bad and "图片质量不合格" in pending[0].last_error
    upper.fail_ids.clear()
    rig.rounds(3, pause=0.1)
    assert rig.counts()["delivered"] == 2
    assert sorted(upper.ids("/VIID/Persons", "PersonID")) == sorted(r.object_id for r in rows)
    assert upper.duplicates == []


def test_dead_letter_keeps_the_upper_systems_words(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    rig.alert()
    rig.link.queue_new_alerts()
    oid = store.list_objects(rig.db.conn(), precinct_id="p1")[0].object_id
    upper.fail_ids[oid] = "布控库拒收"
    rig.rounds(8, pause=0.1)
    dead = store.list_objects(rig.db.conn(), precinct_id="p1", status="dead")
    assert [d.object_id for d in dead] == [oid] and dead[0].attempts == 3
    assert "布控库拒收" in dead[0].last_error


def test_upper_down_then_back_nothing_lost_nothing_twice(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    rig.alert()
    rig.rounds()
    upper.stop()
    sent = [rig.alert() for _ in range(3)]
    rig.rounds(3, pause=0.05)
    assert rig.state().state == "unreachable" and rig.counts()["pending"] >= 3
    upper.start()
    deadline = time.monotonic() + 30
    while rig.counts()["delivered"] < 4 and time.monotonic() < deadline:
        rig.rounds(pause=0.2)
    assert rig.counts() == {"pending": 0, "delivered": 4, "dead": 0}
    assert len(upper.received["/VIID/Persons"]) == 4 and upper.duplicates == []
    assert len(sent) == 3


def test_wrong_password_clear_state_and_no_retry_storm(rig: Rig, upper: ViidServer) -> None:
    rig.configure(password="wrong")
    rig.alert()
    rig.rounds(10, pause=0.02)
    s = rig.state()
    assert s.state == "auth_failed" and "password" in s.last_error
    assert upper.count("401:wrong response") == 1  # one try, then viid_auth_retry_s
    assert rig.counts()["pending"] == 1  # kept for when the password is fixed
    rig.configure()  # a new password: a new session at once
    rig.rounds(2)
    assert rig.state().state == "registered" and rig.counts()["delivered"] == 1


def test_password_is_kept_in_a_0600_file_not_the_database(rig: Rig, tmp_path: Path) -> None:
    """SQLite: a 0600 file beside the database, never in it. PostgreSQL (several replicas): a
    table of its own that every replica reaches, never the link's row, never a local file."""
    rig.configure(password="only-in-the-file")
    path = tmp_path / "viid-secrets.json"
    if rig.db.engine == "sqlite":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert b"only-in-the-file" not in rig.settings.db_path.read_bytes()
    else:
        assert not path.exists()
        rows = rig.db.conn().execute("SELECT * FROM viid_links").fetchall()
        assert rows and "only-in-the-file" not in repr([tuple(r) for r in rows])
        elsewhere = GatewaySettings(data_dir=tmp_path / "other", database_url=rig.db.url)
        other = ViidLink(rig.db, elsewhere, SystemClock())
        assert other.secrets.get("p1") == "only-in-the-file"


def test_server_refuses_bad_digest_replay_and_missing_user_identify(upper: ViidServer) -> None:
    body = {"RegisterObject": {"DeviceID": SYSTEM}}
    url = upper.url + "/VIID/System/Register"
    good = httpx.DigestAuth(upper.username, upper.password)
    r = httpx.post(url, json=body, auth=good)
    assert r.status_code == 400  # digest right, User-Identify missing
    r = httpx.post(url, json=body, auth=httpx.DigestAuth(upper.username, "nope"),
                   headers={"User-Identify": SYSTEM})  # fmt: skip
    assert r.status_code == 401
    with httpx.Client(auth=good, headers={"User-Identify": SYSTEM}) as c:
        assert c.post(url, json=body).json()["ResponseStatusObject"]["StatusCode"] == 0
        replay = c.post(url, json=body).request.headers["Authorization"]
    r = httpx.post(url, json=body, headers={"Authorization": replay, "User-Identify": SYSTEM})
    assert r.status_code == 401  # the same nonce count again


def test_object_time_is_the_precincts_local_time(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    rig.alert()
    rig.rounds()
    when = upper.received["/VIID/Persons"][0]["PersonAppearTime"]
    local = (utcnow() + timedelta(hours=8)).strftime("%Y%m%d%H")
    assert when.startswith(local)


def test_each_object_is_judged_by_its_own_status() -> None:
    def st(code: int, oid: str | None = None) -> ResponseStatusObject:
        return ResponseStatusObject(status_code=code, status_string="x", id=oid)

    assert object_errors(["a", "b"], [st(6, "b"), st(0, "a")]) == {"a": "", "b": "StatusCode 6 x"}
    assert object_errors(["a", "b"], [st(0), st(4)]) == {"a": "", "b": "StatusCode 4 x"}
    assert object_errors(["a", "b"], [st(2)]) == {"a": "StatusCode 2 x", "b": "StatusCode 2 x"}
    assert object_errors(["a", "b"], []) == {
        "a": "no ResponseStatusObject for this object",
        "b": "no ResponseStatusObject for this object",
    }


def test_upload_refused_for_a_lost_session_registers_again(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    rig.rounds()
    upper.restart()  # between two keepalives: the next thing it hears is an upload
    rig.alert()
    rig.rounds()
    assert upper.count("upload-unregistered") == 1 and rig.state().state == "unregistered"
    rig.rounds(3, pause=0.1)
    assert rig.state().state == "registered" and upper.count("register") == 2
    assert rig.counts()["delivered"] == 1 and len(upper.received["/VIID/Persons"]) == 1


def test_unreachable_upper_counts_no_attempts(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    rig.rounds()
    upper.stop()
    rig.alert()
    rig.rounds(4, pause=0.05)
    rows = store.list_objects(rig.db.conn(), precinct_id="p1")
    assert [r.attempts for r in rows] == [0] and rig.state().state == "unreachable"


def test_an_odd_device_code_falls_back_to_the_system_id(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    rig.alert(gb="12345")  # not a code (an older edge, a hand-made alert): named by our id
    rig.alert(gb=None)
    rig.rounds(2)
    assert [o["DeviceID"] for o in upper.received["/VIID/Persons"]] == [SYSTEM, SYSTEM]


def test_a_link_without_a_password_says_so(rig: Rig, upper: ViidServer) -> None:
    rig.configure()
    # e.g. restored without it
    if rig.db.engine == "sqlite":
        (rig.settings.data_dir / "viid-secrets.json").write_text("{}")
    else:
        with rig.db.write() as conn:
            conn.execute("DELETE FROM viid_secrets")
    rig.rounds(3)
    s = rig.state()
    assert s.state == "no_password" and "anju gateway viid set" in s.last_error
    assert upper.count("register") == 0
