"""Edge side of enrolment: trade the installer's one-time code for a device token (mode 0600),
and read it back for every request to the gateway."""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Sequence
from pathlib import Path

import httpx

from anju_contracts import EnrolRequest, EnrolResponse
from anju_edge.delivery.link import GatewayUrls, in_turn


class EnrolFailed(RuntimeError):
    pass


def enrol(
    gateway_url: str | Sequence[str],
    code: str,
    token_path: Path,
    timeout: float = 15.0,
    verify: ssl.SSLContext | None = None,
) -> EnrolResponse:
    """``gateway_url``: the gateway's base URL, or its replicas' (``gateway.urls``), tried in
    turn until one answers (the rules of :mod:`anju_edge.delivery.link`). ``verify``: the
    gateway's TLS context (`anju_edge.delivery.tls`); None: the defaults."""
    urls = (gateway_url,) if isinstance(gateway_url, str) else tuple(gateway_url)
    request = EnrolRequest(code=code, hostname=socket.gethostname()[:128])
    body = request.model_dump_json()
    try:
        with httpx.Client(timeout=timeout, verify=verify or True) as client:
            resp = in_turn(
                GatewayUrls(urls, "enrol"),
                lambda base: client.post(
                    base + "/api/v1/edge/enrol",
                    content=body,
                    headers={"Content-Type": "application/json"},
                ),
            )
    except httpx.HTTPError as exc:
        where = ", ".join(urls)
        raise EnrolFailed(f"cannot reach the gateway at {where}: {exc}") from None
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
