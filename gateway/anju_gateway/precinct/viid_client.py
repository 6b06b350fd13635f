"""One upper 视图库 system over HTTP: Digest authentication (httpx's: MD5, ``qop=auth``,
nonce counting, one retry on a fresh or stale challenge) and ``User-Identify`` on every
request. Blocking: used only from the link's worker thread."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from pydantic import ValidationError

from anju_contracts.viid import (
    KeepaliveRequest,
    RegisterRequest,
    ResponseStatus,
    ResponseStatusList,
    ResponseStatusObject,
    SystemTime,
    UnRegisterRequest,
)

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # the precincts' local time (no DST)


class ViidError(Exception):
    """A refused or failed request; ``auth`` when the credentials were refused."""

    def __init__(self, message: str, *, auth: bool = False, refused: bool = False) -> None:
        super().__init__(message)
        self.auth = auth
        self.refused = refused  # the upper system answered and said no (not a network error)


def viid_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y%m%d%H%M%S")


def parse_viid_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=CHINA)


class ViidClient:
    def __init__(
        self, url: str, system_id: str, username: str, password: str, timeout_s: float
    ) -> None:
        self.base = url.rstrip("/")
        self.system_id = system_id
        self._http = httpx.Client(
            auth=httpx.DigestAuth(username, password),
            timeout=timeout_s,
            headers={"User-Identify": system_id, "Content-Type": "application/json;charset=UTF-8"},
        )

    def close(self) -> None:
        self._http.close()

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> Any:  # fmt: skip
        try:
            resp = self._http.request(
                method, self.base + path, json=body,
                timeout=timeout_s if timeout_s is not None else httpx.USE_CLIENT_DEFAULT,
            )  # fmt: skip
        except httpx.HTTPError as exc:
            raise ViidError(f"{type(exc).__name__}: {exc}"[:300]) from None
        if resp.status_code == 401:
            raise ViidError(
                "HTTP 401: the upper system refused our user name or password", auth=True,
                refused=True,
            )  # fmt: skip
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code >= 300 and data is None:
            raise ViidError(f"HTTP {resp.status_code}: {resp.text[:200]}", refused=True)
        return data

    def _status(
        self, path: str, body: dict[str, Any], timeout_s: float | None = None
    ) -> ResponseStatusObject:
        data = self._send("POST", path, body, timeout_s)
        try:
            status = ResponseStatus.model_validate(data).response_status_object
        except ValidationError:
            raise ViidError(f"{path}: not a ResponseStatusObject", refused=True) from None
        if status.status_code != 0:
            raise ViidError(
                f"{path}: StatusCode {status.status_code} {status.status_string}".strip(),
                refused=True,
            )
        return status

    def register(self) -> None:
        ref = {"DeviceID": self.system_id}
        self._status("/VIID/System/Register", RegisterRequest.model_validate(
            {"RegisterObject": ref}).to_wire())  # fmt: skip

    def keepalive(self) -> None:
        ref = {"DeviceID": self.system_id}
        self._status("/VIID/System/Keepalive", KeepaliveRequest.model_validate(
            {"KeepaliveObject": ref}).to_wire())  # fmt: skip

    def unregister(self, timeout_s: float | None = None) -> None:
        ref = {"DeviceID": self.system_id}
        self._status("/VIID/System/UnRegister", UnRegisterRequest.model_validate(
            {"UnRegisterObject": ref}).to_wire(), timeout_s)  # fmt: skip

    def clock_offset_s(self, now: datetime) -> float:
        """The upper system's clock minus ours, in seconds (1 s resolution by the format)."""
        data = self._send("GET", "/VIID/System/Time")
        try:
            upper = SystemTime.model_validate(data).system_time_object.local_time
        except ValidationError:
            raise ViidError("/VIID/System/Time: not a SystemTimeObject", refused=True) from None
        return (parse_viid_time(upper) - now).total_seconds()

    def upload(self, path: str, body: dict[str, Any]) -> list[ResponseStatusObject]:
        """POST a list object; the per-object statuses (a single status applies to all)."""
        data = self._send("POST", path, body)
        try:
            return ResponseStatusList.model_validate(data).objects
        except ValidationError:
            pass
        try:
            return [ResponseStatus.model_validate(data).response_status_object]
        except ValidationError:
            raise ViidError(f"{path}: no ResponseStatusListObject", refused=True) from None


def object_errors(ids: list[str], statuses: list[ResponseStatusObject]) -> dict[str, str]:
    """Each object's error ('' when accepted), from a list's answer: by the status's ``Id``,
    else by position; a single status for the whole list applies to every object."""
    by_id = {st.id: st for st in statuses if st.id}
    errors: dict[str, str] = {}
    for i, oid in enumerate(ids):
        st = by_id.get(oid)
        if st is None and len(statuses) == 1:
            st = statuses[0]
        elif st is None and i < len(statuses):
            st = statuses[i]
        if st is None:
            errors[oid] = "no ResponseStatusObject for this object"
        elif st.status_code == 0:
            errors[oid] = ""
        else:
            errors[oid] = f"StatusCode {st.status_code} {st.status_string}".strip()
    return errors
