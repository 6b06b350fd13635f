"""HTTP load mode: simulated edge boxes posting alerts to gateway replicas, officers watching.

Each simulated edge is an enrolled device token (``{"compound_id": ..., "token": ...}`` per line
of a JSON-lines file). Alerts are offered open-loop at ``alert_rate`` alerts/s in total, one
alert per ``POST /api/v1/edge/alerts`` (at city rates an edge has one alert every few seconds at
most, so its outbox sends batches of one; ``batch`` makes them bigger), each edge on one
replica (edge *i* on gateway *i mod n*, as boxes spread over the replicas' URLs). A request
that is late to start still counts from the time it was due, so a slow gateway cannot hide its
queue (no coordinated omission).

``feeds`` officers' live feeds (``GET /api/v1/live``, Server-Sent Events) are opened spread over
the gateways. The fan-out delay of an alert on a feed is the time its ``alert.new`` arrived on
the feed minus the time the POST that stored it was answered (0 when the feed was faster than
the answer, which happens on the replica that stored it).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import httpx
from ulid import ULID

from anju_common.stats import percentile
from anju_contracts import format_ts, utcnow


@dataclass(frozen=True)
class EdgeToken:
    compound_id: str
    token: str


def read_tokens(path: Path) -> list[EdgeToken]:
    """The simulated edges of a JSON-lines file of ``{"compound_id", "token"}`` objects."""
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            out.append(EdgeToken(str(obj["compound_id"]), str(obj["token"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: expected {{compound_id, token}}: {exc}") from None
    return out


@dataclass(frozen=True)
class HttpLoadSpec:
    gateways: Sequence[str]
    tokens: Sequence[EdgeToken]
    alert_rate: float = 10.0  # alerts per second, all edges together
    duration: float = 10.0
    feeds: int = 0
    officer: str | None = None
    password: str | None = None
    cameras: int = 8  # cameras per compound the alerts come from
    batch: int = 1  # alerts per POST (an edge with a backlog sends up to 100)
    seed: int = 1
    timeout: float = 10.0


@dataclass
class HttpLoadReport:
    offered: int = 0
    accepted: int = 0
    refused: int = 0  # an answer other than 200, or no answer (timeout, connection refused)
    seconds: float = 0.0
    accept_ms: list[float] = field(default_factory=list)
    feeds_open: int = 0
    feed_ms: list[float] = field(default_factory=list)
    feed_missing: int = 0  # accepted alerts some open feed never showed
    refusals: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float | int | dict[str, int]]:
        return {
            "offered": self.offered,
            "accepted": self.accepted,
            "refused": self.refused,
            "seconds": round(self.seconds, 3),
            "accept_rate": round(self.accepted / self.seconds, 2) if self.seconds else 0.0,
            "accept_p50_ms": round(percentile(self.accept_ms, 50), 2),
            "accept_p99_ms": round(percentile(self.accept_ms, 99), 2),
            "feeds": self.feeds_open,
            "feed_events": len(self.feed_ms),
            "feed_missing": self.feed_missing,
            "feed_p50_ms": round(percentile(self.feed_ms, 50), 2),
            "feed_p99_ms": round(percentile(self.feed_ms, 99), 2),
            "refusals": dict(self.refusals),
        }

    def summary(self) -> str:
        d = self.as_dict()
        lines = [
            f"offered {d['offered']} alerts in {d['seconds']:.1f} s: accepted {d['accepted']} "
            f"({d['accept_rate']:.1f}/s), refused {d['refused']}",
            f"accept latency p50 {d['accept_p50_ms']:.1f} ms, p99 {d['accept_p99_ms']:.1f} ms",
        ]
        if self.refusals:
            lines.append("refusals: " + ", ".join(f"{k} x{v}" for k, v in self.refusals.items()))
        if self.feeds_open:
            lines.append(
                f"{self.feeds_open} live feed(s): {d['feed_events']} alert.new seen, "
                f"{self.feed_missing} missing; fan-out delay p50 {d['feed_p50_ms']:.1f} ms, "
                f"p99 {d['feed_p99_ms']:.1f} ms"
            )
        return "\n".join(lines)


_ALERT_NEW = b"event: alert.new\ndata: "
_ID = re.compile(rb'"id": ?"([0-9A-HJKMNP-TV-Z]{26})"')


class _Feeds:
    """The officers' live feeds, in a process of their own (so reading thousands of events a
    second never delays the posting loop): log in once per gateway, open the feeds, record when
    each ``alert.new`` arrived, and at the end turn that into fan-out delays."""

    def __init__(self, spec: HttpLoadSpec) -> None:
        self.spec = spec
        self.seen: list[dict[str, float]] = []  # per feed: alert id -> when it arrived
        self.ready = 0

    async def _login(self, client: httpx.AsyncClient) -> str:
        resp = await client.post(
            "/api/v1/auth/login",
            json={"username": self.spec.officer, "password": self.spec.password},
        )
        resp.raise_for_status()
        return str(resp.json()["token"])

    async def _feed(self, client: httpx.AsyncClient, token: str, seen: dict[str, float]) -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        timeout = httpx.Timeout(self.spec.timeout, read=None)
        async with client.stream("GET", "/api/v1/live", headers=headers, timeout=timeout) as r:
            r.raise_for_status()
            buffer = b""
            hello = False
            async for chunk in r.aiter_bytes():
                now = time.perf_counter()
                buffer += chunk
                *messages, buffer = buffer.split(b"\n\n")
                for message in messages:
                    if message.startswith(_ALERT_NEW):
                        m = _ID.search(message)
                        if m is not None:
                            seen[m.group(1).decode()] = now
                    elif not hello and message.startswith(b"event: hello"):
                        hello = True
                        self.ready += 1

    async def main(self, pipe: Connection) -> None:
        spec = self.spec
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        clients = [
            httpx.AsyncClient(base_url=g, timeout=spec.timeout, limits=limits)
            for g in spec.gateways
        ]
        tasks: list[asyncio.Task[None]] = []
        try:
            try:
                tokens = [await self._login(c) for c in clients]
            except httpx.HTTPError as exc:
                pipe.send(("error", f"{type(exc).__name__}: {exc}"))
                return
            for i in range(spec.feeds):
                seen: dict[str, float] = {}
                self.seen.append(seen)
                g = i % len(clients)
                tasks.append(asyncio.create_task(self._feed(clients[g], tokens[g], seen)))
            deadline = time.monotonic() + max(10.0, spec.timeout)
            while self.ready < spec.feeds and time.monotonic() < deadline:
                if any(t.done() for t in tasks):
                    break
                await asyncio.sleep(0.05)
            pipe.send(("ready", self.ready))
            loop = asyncio.get_running_loop()
            # The posting process sends when each alert was accepted, once it is done.
            accepted: dict[str, float] = await loop.run_in_executor(None, pipe.recv)
            delays: list[float] = []
            missing = 0
            for seen in self.seen:
                for alert_id, at_accept in accepted.items():
                    at = seen.get(alert_id)
                    if at is None:
                        missing += 1
                    else:
                        delays.append(max(0.0, at - at_accept) * 1000)
            pipe.send(("done", (delays, missing)))
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for c in clients:
                await c.aclose()


def _feeds_process(spec: HttpLoadSpec, pipe: Connection) -> None:
    asyncio.run(_Feeds(spec).main(pipe))


class _Run:
    def __init__(self, spec: HttpLoadSpec) -> None:
        self.spec = spec
        self.report = HttpLoadReport()
        self.accepted_at: dict[str, float] = {}  # alert id -> when its POST was answered

    async def _post(
        self, client: httpx.AsyncClient, edge: EdgeToken, camera: int, due: float
    ) -> None:
        ids = [str(ULID()) for _ in range(self.spec.batch)]
        ts = format_ts(utcnow())
        body = {
            "v": 1,
            "alerts": [
                {
                    "v": 1,
                    "id": alert_id,
                    "compound_id": edge.compound_id,
                    "source_kind": "camera",
                    "source_id": f"cam{camera}",
                    "kind": "intrusion",
                    "severity": "high",
                    "ts": ts,
                    "zone": "perimeter",
                    "details": {"label": "person", "track_id": n + 1},
                }
                for n, alert_id in enumerate(ids)
            ],
        }
        headers = {"Authorization": f"Bearer {edge.token}"}
        try:
            resp = await client.post("/api/v1/edge/alerts", json=body, headers=headers)
            outcome = str(resp.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        done = time.perf_counter()
        if outcome == "200":
            self.report.accepted += len(ids)
            self.report.accept_ms.append((done - due) * 1000)
            for alert_id in ids:
                self.accepted_at[alert_id] = done
        else:
            self.report.refused += len(ids)
            self.report.refusals[outcome] = self.report.refusals.get(outcome, 0) + 1

    async def run(self) -> HttpLoadReport:
        spec = self.spec
        if not spec.gateways or not spec.tokens:
            raise ValueError("at least one gateway and one edge token are needed")
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        clients = [
            httpx.AsyncClient(base_url=g, timeout=spec.timeout, limits=limits)
            for g in spec.gateways
        ]
        feeds: BaseProcess | None = None
        pipe: Connection | None = None
        loop = asyncio.get_running_loop()
        try:
            if spec.feeds:
                pipe, child = multiprocessing.get_context("spawn").Pipe()
                process = multiprocessing.get_context("spawn").Process(
                    target=_feeds_process, args=(spec, child), daemon=True
                )
                process.start()
                feeds = process
                what, value = await loop.run_in_executor(None, pipe.recv)
                if what == "error":
                    raise httpx.HTTPError(f"live feeds: {value}")
                self.report.feeds_open = int(value)
            await self._offer(clients)
            if pipe is not None:
                await asyncio.sleep(min(5.0, max(1.0, spec.timeout / 2)))  # the last fan-out
                pipe.send(self.accepted_at)
                _, (delays, missing) = await loop.run_in_executor(None, pipe.recv)
                self.report.feed_ms, self.report.feed_missing = delays, missing
        finally:
            if feeds is not None:
                feeds.join(timeout=10)
                if feeds.is_alive():
                    feeds.terminate()
            for c in clients:
                await c.aclose()
        return self.report

    async def _offer(self, clients: list[httpx.AsyncClient]) -> None:
        spec = self.spec
        rng = random.Random(spec.seed)
        posts: set[asyncio.Task[None]] = set()
        posts_per_s = spec.alert_rate / spec.batch
        step = 1.0 / posts_per_s if posts_per_s > 0 else spec.duration + 1
        n = int(posts_per_s * spec.duration)
        t0 = time.perf_counter()
        for k in range(n):
            due = t0 + k * step
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            i = rng.randrange(len(spec.tokens))
            client = clients[i % len(clients)]
            task = asyncio.create_task(
                self._post(client, spec.tokens[i], rng.randrange(spec.cameras), due)
            )
            posts.add(task)
            task.add_done_callback(posts.discard)
            self.report.offered += spec.batch
        if posts:
            await asyncio.gather(*posts)
        self.report.seconds = time.perf_counter() - t0


def run_http_load(spec: HttpLoadSpec) -> HttpLoadReport:
    """Offer the load, wait for every answer and the last fan-out, and report.

    On an event loop of its own, in a thread of its own: a caller whose thread already runs a
    loop (a test process driving a browser, a notebook) can call it too."""
    box: list[HttpLoadReport | BaseException] = []

    def main() -> None:
        try:
            box.append(asyncio.run(_Run(spec).run()))
        except BaseException as exc:  # handed back to the caller below
            box.append(exc)

    thread = threading.Thread(target=main, name="sim-http-load")
    thread.start()
    thread.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]
