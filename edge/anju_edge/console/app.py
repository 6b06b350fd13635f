"""The gate console's HTTP app: staff login from the synced cache, live gate log and alerts
(SSE), acknowledgements queued for the gateway, device board, remote door open, visitors."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import format_ts, utcnow
from anju_contracts.plates import PlateError, normalise_plate
from anju_edge.console.privacy import mask_phone, valid_phone
from anju_edge.console.store import account_fingerprint

if TYPE_CHECKING:
    from anju_edge.console.component import GateConsole

WEB = Path(__file__).resolve().parent / "web"
COOKIE = "anju_gate_session"
SESSION_S = 12 * 3600
KEEPALIVE_S = 15.0  # the live feed's keep-alive, and how often it re-checks its session
_hasher = PasswordHasher()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Login(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class NoteBody(Strict):
    note: str = Field(default="", max_length=500)


class OpenBody(Strict):
    reason: str = Field(min_length=2, max_length=200, description="Mandatory, audited.")


class VisitorBody(Strict):
    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=7, max_length=16)
    host_unit: str = Field(min_length=1, max_length=40)
    plate: str = Field(min_length=2, max_length=16)
    valid_until: datetime


def _session(console: GateConsole, token: str) -> tuple[dict[str, Any] | None, str]:
    """The live session for a cookie, or None and why not."""
    session = console.store.session(token, time.time()) if token else None
    if session is None:
        return None, "请先登录 / log in first"
    # The account must still be this compound's, with the password it logged in with: a
    # manager removed or reset at the gateway is out as soon as edge sync brings the change.
    account = console.staff().get(session["username"])
    if account is None or account_fingerprint(account.password_hash) != session["account"]:
        console.store.end_session(token)
        return None, "账号已变更，请重新登录 / account changed, log in again"
    # The name shown comes from the synced account, so a rename at the gateway shows at once.
    return {**session, "display_name": account.display_name or account.username}, ""


def current_user(request: Request) -> dict[str, Any]:
    session, why = _session(request.app.state.console, request.cookies.get(COOKIE, ""))
    if session is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=why)
    return session


User = Annotated[dict[str, Any], Depends(current_user)]


def create_console_app(console: GateConsole) -> FastAPI:
    app = FastAPI(title="Anju gate console (门岗控制台)", docs_url=None, redoc_url=None)
    app.state.console = console
    tz = ZoneInfo(console.config.timezone)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=WEB), name="static")

    @app.post("/api/login")
    def login(body: Login, request: Request, response: Response) -> dict[str, Any]:
        address = request.client.host if request.client else "?"
        now = time.monotonic()
        wait = console.throttle.retry_after((body.username, address), now)
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail=f"请 {int(wait) + 1} 秒后再试 / try again in {int(wait) + 1} s",
            )
        account = console.staff().get(body.username)
        try:
            ok = account is not None and _hasher.verify(account.password_hash, body.password)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or account is None:
            console.throttle.record((body.username, address), now)
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, detail="用户名或密码错误 / wrong username or password"
            )
        console.throttle.clear((body.username, address))
        token = secrets.token_urlsafe(32)
        console.store.create_session(
            token,
            account.username,
            account_fingerprint(account.password_hash),
            time.time() + SESSION_S,
        )
        response.set_cookie(COOKIE, token, max_age=SESSION_S, httponly=True, samesite="strict")
        return {"username": account.username, "display_name": account.display_name}

    @app.post("/api/logout", status_code=204)
    def logout(request: Request, response: Response) -> None:
        token = request.cookies.get(COOKIE, "")
        if token:
            console.store.end_session(token)
        response.delete_cookie(COOKIE)

    @app.get("/api/me")
    def me(u: User) -> dict[str, Any]:
        return {
            "username": u["username"],
            "display_name": u["display_name"],
            "compound": console.config.name or console.config.compound_id,
            "gates": [{"id": g.id, "name": g.name} for g in console.config.gates],
        }

    @app.get("/api/events")
    def events(
        u: User,
        gate: str | None = None,
        type: str | None = None,
        q: str | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        start = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        sql = "SELECT * FROM gate_log WHERE ts >= ?"
        params: list[Any] = [format_ts(start)]
        if gate:
            sql += " AND gate_id = ?"
            params.append(gate)
        if type:
            sql += " AND type = ?"
            params.append(type)
        if q:
            sql += " AND (plate LIKE ? OR credential_masked LIKE ? OR detail LIKE ?)"
            params += [f"%{q}%"] * 3
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(min(max(limit, 1), 1000))
        return console.store.rows(sql, tuple(params))

    @app.get("/api/alerts")
    def alerts(u: User) -> list[dict[str, Any]]:
        rows = console.store.rows(
            "SELECT id, ts, kind, severity, source_id, zone, details, acknowledged_by, "
            "acknowledged_at, note, snapshot_b64 IS NOT NULL AS has_snapshot FROM alerts "
            "ORDER BY id DESC LIMIT 100"
        )
        return [console.store.alert_details(r) for r in rows]

    @app.get("/api/alerts/{alert_id}/snapshot.jpg")
    def snapshot(alert_id: str, u: User) -> Response:
        rows = console.store.rows("SELECT snapshot_b64 FROM alerts WHERE id = ?", (alert_id,))
        if not rows or not rows[0]["snapshot_b64"]:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no snapshot")
        return Response(base64.b64decode(rows[0]["snapshot_b64"]), media_type="image/jpeg")

    @app.post("/api/alerts/{alert_id}/{action}")
    def act(alert_id: str, action: str, body: NoteBody, u: User) -> dict[str, Any]:
        if action not in ("acknowledge", "note"):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown action")
        if action == "note" and not body.note.strip():
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, detail="备注不能为空 / empty note"
            )
        if not console.store.rows("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alert")
        return console.act_on_alert(alert_id, action, u["username"], body.note)

    @app.get("/api/devices")
    def devices(u: User) -> list[dict[str, Any]]:
        names = {g.id: g.name for g in console.config.gates}
        names |= {c.id: c.name for c in console.config.cameras}
        return [
            {**d.model_dump(mode="json"), "name": names.get(d.id, "")}
            for d in console.service.devices.health()
        ]

    @app.post("/api/gates/{gate_id}/open")
    def open_gate(gate_id: str, body: OpenBody, u: User) -> dict[str, Any]:
        if gate_id not in {g.id for g in console.config.gates}:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such gate")
        if not console.door_limit.acquire(u["username"]):
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail="开门过于频繁 / too many door openings, wait a minute",
            )
        command_id = console.open_gate(gate_id, u["username"], body.reason)
        return {"command_id": command_id}

    @app.get("/api/visitors")
    def visitors(u: User) -> list[dict[str, Any]]:
        rows = console.store.rows(
            "SELECT * FROM visitors WHERE valid_until > ? ORDER BY created_at DESC",
            (format_ts(utcnow() - timedelta(days=1)),),
        )
        for r in rows:
            r["phone"] = mask_phone(r["phone"])
        return rows

    @app.post("/api/visitors", status_code=201)
    def add_visitor(body: VisitorBody, u: User) -> dict[str, Any]:
        if body.valid_until.tzinfo is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, detail="valid_until needs a time zone"
            )
        if not valid_phone(body.phone):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, detail="手机号无效 / bad phone"
            )
        try:
            plate = normalise_plate(body.plate)
        except PlateError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
        return console.add_visitor(
            body.name, body.phone, body.host_unit, plate, body.valid_until, u["username"]
        )

    @app.get("/api/live", response_class=StreamingResponse)
    async def live(request: Request, u: User) -> StreamingResponse:
        queue = console.hub.subscribe()

        async def stream() -> AsyncIterator[str]:
            try:
                yield "event: hello\ndata: {}\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_S)
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        # A session that ended (logout, account changed) ends the feed too.
                        token = request.cookies.get(COOKIE, "")
                        session, _ = await asyncio.to_thread(_session, console, token)
                        if session is None:
                            return
                        yield ": keep-alive\n\n"
                        continue
                    data = json.dumps(event.data, ensure_ascii=False)
                    yield f"event: {event.type}\ndata: {data}\n\n"
            finally:
                console.hub.unsubscribe(queue)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    return app
