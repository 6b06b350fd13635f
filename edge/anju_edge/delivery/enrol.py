"""Edge side of enrolment: trade the installer's one-time code for a device token (mode 0600),
and read it back for every request to the gateway."""

from __future__ import annotations

import os
import socket
import ssl
from pathlib import Path

import httpx

from anju_contracts import EnrolRequest, EnrolResponse


class EnrolFailed(RuntimeError):
    pass


def enrol(
    gateway_url: str,
    code: str,
    token_path: Path,
    timeout: float = 15.0,
    verify: ssl.SSLContext | None = None,
) -> EnrolResponse:
    """``verify``: the gateway's TLS context (`anju_edge.delivery.tls`); None: the defaults."""
    request = EnrolRequest(code=code, hostname=socket.gethostname()[:128])
    try:
        resp = httpx.post(
            gateway_url.rstrip("/") + "/api/v1/edge/enrol",
            content=request.model_dump_json(),
            headers={"Content-Type": "application/json"},
            timeout=timeout,
            verify=verify or True,
        )
    except httpx.HTTPError as exc:
        raise EnrolFailed(f"cannot reach the gateway at {gateway_url}: {exc}") from None
    if resp.status_code != 200:
        try:
            detail = resp.json().get("detail")
        except ValueError:
            detail = resp.text[:200]
        raise EnrolFailed(f"gateway refused enrolment ({resp.status_code}): {detail}")
    response = EnrolResponse.model_validate_json(resp.content)
    write_token(token_path, response.token)
    return response


def write_token(path: Path, token: str) -> None:
    """Write atomically with mode 0600 from the first byte (never world-readable, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, token.encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_token(path: Path) -> str | None:
    """The device token, or None before enrolment."""
    try:
        token = path.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None
