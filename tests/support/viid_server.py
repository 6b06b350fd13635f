"""A small real GA/T 1400 upper system (视图库) for the tests: the precinct's system, which we
do not own.

HTTP on a free port with Digest authentication (MD5, qop=auth) that refuses a wrong response,
a replayed nonce count, a stale nonce (answering ``stale=true``) and a request without
``User-Identify``; Register/Keepalive/UnRegister keep a session per lower system; every
uploaded object is checked against the field rules of docs/precinct-link.md independently of
our models (ids by the rule, times, image fields, base64 of a JPEG of the stated size) and
recorded. ``restart()`` forgets sessions and nonces as a restarted server would; ``stop()`` and
``start()`` take it down and bring it back on the same port.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from anju_common.ports import free_port

REALM = "viid"
CHINA = timezone(timedelta(hours=8))
LISTS = {
    "/VIID/Persons": ("PersonListObject", "PersonObject", "PersonID", "01", "PersonAppearTime"),
    "/VIID/MotorVehicles": (
        "MotorVehicleListObject", "MotorVehicleObject", "MotorVehicleID", "02", "PassTime",
    ),
    "/VIID/NonMotorVehicles": (
        "NonMotorVehicleListObject", "NonMotorVehicleObject", "NonMotorVehicleID", "03",
        "AppearTime",
    ),
}  # fmt: skip


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _time_ok(value: object) -> bool:
    try:
        datetime.strptime(str(value), "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return len(str(value)) == 14


def check_object(path: str, obj: dict[str, Any]) -> list[str]:
    """The field rules we document, checked without our own models."""
    _, _, id_key, type_code, time_key = LISTS[path]
    problems: list[str] = []
    device, source, oid = str(obj.get("DeviceID")), str(obj.get("SourceID")), str(obj.get(id_key))
    if not re.fullmatch(r"\d{20}", device):
        problems.append("DeviceID is not 20 digits")
    if not (re.fullmatch(r"\d{41}", source) and source.startswith(device)):
        problems.append("SourceID is not 41 digits starting with DeviceID")
    if not (re.fullmatch(r"\d{48}", oid) and oid.startswith(source) and oid[41:43] == type_code):
        problems.append(f"{id_key} is not SourceID + type {type_code} + 5 digits")
    if not _time_ok(obj.get(time_key)):
        problems.append(f"{time_key} is not YYYYMMDDhhmmss")
    if path == "/VIID/MotorVehicles" and not isinstance(obj.get("HasPlate"), bool):
        problems.append("HasPlate missing")
    for img in (obj.get("SubImageList") or {}).get("SubImageInfoObject", []):
        if not (re.fullmatch(r"\d{41}", str(img.get("ImageID"))) and _time_ok(img.get("ShotTime"))):
            problems.append("image ImageID or ShotTime wrong")
        try:
            data = base64.b64decode(str(img.get("Data")), validate=True)
        except ValueError:
            problems.append("image Data is not base64")
            continue
        if data[:2] != b"\xff\xd8" or img.get("FileFormat") != "Jpeg":
            problems.append("image is not a JPEG")
        if not (isinstance(img.get("Width"), int) and isinstance(img.get("Height"), int)):
            problems.append("image Width/Height missing")
    return problems


# What an APEObject must have, as we document it (docs/precinct-link.md, "APE list").
APE_RULES: dict[str, Callable[[Any], bool]] = {
    "ApeID": lambda v: isinstance(v, str) and re.fullmatch(r"\d{20}", v) is not None,
    "Name": lambda v: isinstance(v, str) and 0 < len(v) <= 100,
    "Model": lambda v: isinstance(v, str) and 0 < len(v) <= 100,
    "IsOnline": lambda v: v in ("1", "2", "9"),
}


class ViidServer:
    def __init__(self, username: str = "anju", password: str = "s3cret-密码") -> None:
        self.username, self.password = username, password
        self.port = free_port()
        self.clock_offset_s = 0.0
        self.fail_ids: dict[str, str] = {}  # object id -> StatusString to refuse it with
        self.received: dict[str, list[dict[str, Any]]] = {p: [] for p in LISTS}
        self.duplicates: list[str] = []
        self.notifications: list[dict[str, Any]] = []
        self.apes: list[list[dict[str, Any]]] = []  # each APE list pushed to us
        self.takes_apes = True  # False: an upper system without POST /VIID/APEs (404)
        self.log: list[tuple[str, str, int]] = []  # (path, what, HTTP status)
        self.lock = threading.Lock()
        self.sessions: set[str] = set()
        self.nonces: dict[str, int] = {}  # nonce -> last nc seen
        self._server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def restart(self) -> None:
        """A restarted upper system: it forgets sessions and nonces (records persist)."""
        with self.lock:
            self.sessions.clear()
            self.nonces.clear()

    def expire_nonces(self) -> None:
        with self.lock:
            self.nonces.clear()

    def count(self, what: str) -> int:
        with self.lock:
            return sum(1 for _, w, _ in self.log if w == what)

    def ids(self, path: str, id_key: str) -> list[str]:
        with self.lock:
            return [str(o[id_key]) for o in self.received[path]]

    # --- checks ---

    def authorise(self, method: str, header: str) -> str:
        """'' when the Digest header is right, else why not ('stale' for an old nonce)."""
        pairs = re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', header)
        fields = {k: a or b for k, a, b in pairs}
        if not header.lower().startswith("digest ") or fields.get("username") != self.username:
            return "no digest or unknown user"
        nonce, nc = fields.get("nonce", ""), int(fields.get("nc", "0"), 16)
        with self.lock:
            if nonce not in self.nonces:
                return "stale"
            if nc <= self.nonces[nonce] or fields.get("qop") != "auth":
                return "nonce count replayed or qop not auth"
            ha1 = _md5(f"{self.username}:{REALM}:{self.password}")
            ha2 = _md5(f"{method}:{fields.get('uri')}")
            want = _md5(f"{ha1}:{nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
            if fields.get("response") != want:
                return "wrong response"
            self.nonces[nonce] = nc
        return ""

    def challenge(self, stale: bool) -> str:
        nonce = secrets.token_hex(16)
        with self.lock:
            self.nonces[nonce] = 0
        extra = ", stale=true" if stale else ""
        return f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5{extra}'

    def send_dispositions(self, lower_url: str, objects: list[dict[str, Any]],
                          password: str | None = None) -> httpx.Response:  # fmt: skip
        """As the upper system: POST dispositions to a lower system, signed in by Digest."""
        auth = httpx.DigestAuth(self.username, password or self.password)
        body = {"DispositionListObject": {"DispositionObject": objects}}
        headers = {"User-Identify": "36040200002000000001"}
        return httpx.post(f"{lower_url}/VIID/Dispositions", auth=auth, headers=headers, json=body)

    def query_apes(self, lower_url: str, password: str | None = None,
                   identify: bool = True) -> httpx.Response:  # fmt: skip
        """As the upper system: read a lower system's APE list (GET /VIID/APEs), by Digest."""
        auth = httpx.DigestAuth(self.username, password or self.password)
        headers = {"User-Identify": "36040200002000000001"} if identify else {}
        return httpx.get(f"{lower_url}/VIID/APEs", auth=auth, headers=headers)

    def local_time(self) -> str:
        now = datetime.now(UTC) + timedelta(seconds=self.clock_offset_s)
        return now.astimezone(CHINA).strftime("%Y%m%d%H%M%S")


def _handler(server: ViidServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, code: int, body: dict[str, Any], what: str, **headers: str) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(code)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            with server.lock:
                server.log.append((self.path, what, code))

        def _status(self, code: int, text: str, what: str, http: int = 200, oid: str = "") -> None:
            obj = {"RequestURL": self.path, "StatusCode": code, "StatusString": text,
                   "Id": oid, "LocalTime": server.local_time()}  # fmt: skip
            self._reply(http, {"ResponseStatusObject": obj}, what)

        def _gate(self) -> str | None:
            length = int(self.headers.get("Content-Length") or 0)
            self._body = self.rfile.read(length) if length else b""
            why = server.authorise(self.command, self.headers.get("Authorization", ""))
            if why:
                www = server.challenge(stale=why == "stale")
                self._reply(401, {}, f"401:{why}", **{"WWW-Authenticate": www})
                return None
            device = self.headers.get("User-Identify", "")
            if not re.fullmatch(r"\d{20}", device):
                self._status(4, "User-Identify missing", "no-user-identify", http=400)
                return None
            return device

        def do_GET(self) -> None:
            if self._gate() is None:
                return
            if self.path == "/VIID/System/Time":
                obj = {"VIIDServerID": "36040200002000000001", "TimeMode": "1",
                       "LocalTime": server.local_time(), "TimeZone": "Asia/Shanghai"}  # fmt: skip
                self._reply(200, {"SystemTimeObject": obj}, "time")
            else:
                self._reply(404, {}, "404")

        def do_POST(self) -> None:
            device = self._gate()
            if device is None:
                return
            try:
                body = json.loads(self._body or b"{}")
            except ValueError:
                self._status(7, "Invalid JSON Format", "bad-json")
                return
            session = {"/VIID/System/Register": "RegisterObject",
                       "/VIID/System/Keepalive": "KeepaliveObject",
                       "/VIID/System/UnRegister": "UnRegisterObject"}  # fmt: skip
            if self.path in session:
                self._session(device, body, session[self.path])
            elif self.path in LISTS:
                self._upload(device, body)
            elif self.path == "/VIID/DispositionNotifications":
                self._notifications(body)
            elif self.path == "/VIID/APEs" and server.takes_apes:
                self._apes(body)
            else:
                self._reply(404, {}, "404")

        def _session(self, device: str, body: dict[str, Any], key: str) -> None:
            what = key.removesuffix("Object").lower()
            if (body.get(key) or {}).get("DeviceID") != device:
                self._status(8, f"{key}.DeviceID must be the User-Identify", what)
                return
            with server.lock:
                known = device in server.sessions
                if key == "RegisterObject":
                    server.sessions.add(device)
                elif key == "UnRegisterObject":
                    server.sessions.discard(device)
            if key == "KeepaliveObject" and not known:
                self._status(4, "not registered", what)
            else:
                self._status(0, "OK", what, oid=device)

        def _notifications(self, body: dict[str, Any]) -> None:
            items = (body.get("DispositionNotificationListObject") or {}).get(
                "DispositionNotificationObject") or []  # fmt: skip
            statuses = []
            for n in items:
                problems = [] if re.fullmatch(r"\d{1,33}", str(n.get("NotificationID"))) else [
                    "NotificationID"]  # fmt: skip
                if not (n.get("DispositionID") and _time_ok(n.get("TriggerTime"))):
                    problems.append("DispositionID or TriggerTime")
                vehicle = n.get("MotorVehicleObject")
                if vehicle is not None:
                    problems += check_object("/VIID/MotorVehicles", vehicle)
                with server.lock:
                    if not problems:
                        server.notifications.append(n)
                statuses.append({"RequestURL": self.path, "StatusCode": 8 if problems else 0,
                                 "StatusString": "; ".join(problems) or "OK",
                                 "Id": str(n.get("NotificationID"))})  # fmt: skip
            self._reply(200, {"ResponseStatusListObject": {"ResponseStatusObject": statuses}},
                        "notification")  # fmt: skip

        def _apes(self, body: dict[str, Any]) -> None:
            items = (body.get("APEListObject") or {}).get("APEObject") or []
            statuses = []
            for a in items:
                problems = [k for k, rule in APE_RULES.items() if not rule(a.get(k))]
                statuses.append({"RequestURL": self.path, "StatusCode": 8 if problems else 0,
                                 "StatusString": "; ".join(problems) or "OK",
                                 "Id": str(a.get("ApeID"))})  # fmt: skip
            with server.lock:
                server.apes.append(items)
            self._reply(200, {"ResponseStatusListObject": {"ResponseStatusObject": statuses}},
                        "apes")  # fmt: skip

        def _upload(self, device: str, body: dict[str, Any]) -> None:
            outer, inner, id_key, _, _ = LISTS[self.path]
            with server.lock:
                registered = device in server.sessions
            if not registered:
                self._status(4, "not registered", "upload-unregistered")
                return
            objects = (body.get(outer) or {}).get(inner)
            if not isinstance(objects, list) or not objects:
                self._status(8, f"no {outer}.{inner}", "upload-bad")
                return
            statuses = []
            for obj in objects:
                oid = str(obj.get(id_key))
                problems = check_object(self.path, obj)
                with server.lock:
                    refused = server.fail_ids.get(oid)
                    if problems or refused:
                        code, text = 8, "; ".join(problems) or refused or ""
                    else:
                        code, text = 0, "OK"
                        if oid in {str(o[id_key]) for o in server.received[self.path]}:
                            server.duplicates.append(oid)
                        else:
                            server.received[self.path].append(obj)
                statuses.append({"RequestURL": self.path, "StatusCode": code,
                                 "StatusString": text, "Id": oid,
                                 "LocalTime": server.local_time()})  # fmt: skip
            self._reply(200, {"ResponseStatusListObject": {"ResponseStatusObject": statuses}},
                        "upload")  # fmt: skip

    return Handler
