"""One vocabulary: every alert type, with the details its raiser really writes, rendered in the
officers' console (list and detail), the daily report and analytics, in zh-CN and in English. The
zh-CN page shows no raw key, no snake_case word and no English word; the English page no raw key
or snake_case word, and no Chinese but names."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from ulid import ULID

from anju_contracts import AlertKind, format_ts
from anju_gateway.clock import ManualClock
from anju_gateway.store.compounds import upsert_precinct
from tests.browser.test_officer_worklist import gw, log_in, named_box  # noqa: F401  (fixture)
from tests.support.browser import ARTIFACTS
from tests.support.servers import GatewayServer

pytestmark = pytest.mark.browser

NOW = format_ts(datetime.now(UTC))
CAMERA = ("camera", "perimeter-east", "east-fence")
GATE = ("gate", "north-gate", None)
# Per kind: the source and the details as the edge (or the gateway) raises them.
KINDS: dict[AlertKind, tuple[tuple[str, str, str | None], dict[str, object]]] = {
    AlertKind.intrusion: (CAMERA, {"label": "person", "track_id": 3, "tracks": 1}),
    AlertKind.loitering: (CAMERA, {"label": "person", "track_id": 4, "dwell_s": 21.0, "tracks": 1}),
    AlertKind.fire_lane: (CAMERA, {"label": "car", "track_id": 5, "dwell_s": 300.0, "tracks": 1}),
    AlertKind.ebike_indoor: (CAMERA, {"label": "motorcycle", "track_id": 6, "tracks": 1}),
    AlertKind.crowd: (CAMERA, {"count": 7, "max_count": 4, "tracks": 7}),
    AlertKind.watchlist: (
        GATE,
        {
            "event_type": "plate_read",
            "seq": 9,
            "direction": "in",
            "watchlist_kind": "plate",
            "value": "粤B12345",
            "reason": "涉案车辆",
            "plate": "粤B12345",
        },
    ),
    AlertKind.door_forced: (GATE, {"event_type": "door_forced", "seq": 1, "direction": "in"}),
    AlertKind.door_held_open: (
        GATE,
        {"event_type": "door_held_open", "seq": 2, "direction": "in", "held_seconds": 45},
    ),
    AlertKind.tamper: (GATE, {"event_type": "tamper", "seq": 3, "device_ts": NOW}),
    AlertKind.device_offline: (
        GATE,
        {"device_kind": "gate", "state": "offline", "offline_s": 75.0},
    ),
    AlertKind.camera_frozen: (CAMERA, {"frozen_s": 62.5}),
    AlertKind.clock_skew: (GATE, {"device_ts": NOW, "box_ts": NOW, "skew_s": -95.0}),
    AlertKind.never_seen: (GATE, {"device_kind": "gate", "state": "never_seen", "last_seen": ""}),
}
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ENGLISH = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u3400-\u9fff]")
# File formats an officer reads as such on a Chinese page (the export links).
FORMATS = re.compile(r"\b(CSV|JSON|SVG)\b")
NAMES = (
    "安居示范小区",
    "城南派出所",
    "张伟",
)  # names stay in their own language on an English page
# The page's words: its text and its charts' labels, without the way to the other language
# and the alert numbers (编号, kept to find an alert in the console).
PAGE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('.lang-switch, code, svg').forEach((el) => el.remove());
  const charts = [...document.querySelectorAll('svg text')].map((t) => t.textContent);
  return body.innerText + '\\n' + charts.join('\\n');
}"""


def post(box: httpx.Client, kind: AlertKind, ts: str = NOW) -> str:
    (source_kind, source_id, zone), details = KINDS[kind]
    alert_id = str(ULID())
    body = {
        "id": alert_id,
        "compound_id": "c1",
        "source_kind": source_kind,
        "source_id": source_id,
        "kind": kind.value,
        "severity": "high",
        "ts": ts,
        "zone": zone,
        "objects": [{"label": "person", "score": 0.9, "box": [0.1, 0.1, 0.3, 0.6]}]
        if source_kind == "camera"
        else [],
        "details": details,
    }
    resp = box.post("/api/v1/edge/alerts", json={"v": 1, "alerts": [body]})
    assert resp.status_code == 200, resp.text
    return alert_id


def test_every_edge_alert_kind_reads_in_words(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    box = named_box(gw)
    ids = {kind: post(box, kind) for kind in KINDS}
    log_in(page, gw)
    page.wait_for_function(f"() => document.querySelectorAll('li.alert').length === {len(ids)}")
    for lang in ("zh", "en"):
        if lang == "en":
            page.locator(".lang-switch:visible").first.click()
            page.wait_for_function("() => document.documentElement.lang === 'en'")
        for kind, alert_id in ids.items():
            row = page.locator(f"li.alert[data-id='{alert_id}']")
            row.click()
            page.wait_for_function(
                f"() => document.querySelector('#detail')?.dataset.id === '{alert_id}'"
            )
            text = row.inner_text() + "\n" + page.inner_text("#detail dl")
            assert not SNAKE.findall(text), (lang, kind, SNAKE.findall(text), text)
            if lang == "zh":
                assert not ENGLISH.findall(text), (kind, ENGLISH.findall(text), text)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"officer_glossary_{lang}_1366x768.png"))


def overdue_day(server: GatewayServer) -> str:
    """Every alert type, received 30 h ago and never closed, the officer and the precinct
    named; returns the local day of those alerts."""
    box = named_box(server)
    with server.db.write() as conn:
        conn.execute("UPDATE users SET display_name = '张伟' WHERE username = 'zhang.wei'")
        upsert_precinct(conn, precinct_id="p1", name="城南派出所")
    clock: ManualClock = server.clock  # type: ignore[attr-defined]
    then = datetime.now(UTC) - timedelta(hours=30)
    clock.set(then)
    try:
        for kind in KINDS:
            post(box, kind, format_ts(then))
    finally:
        clock.set(datetime.now(UTC))
    return then.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


def test_report_pages_read_in_one_language(gw: GatewayServer, page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """Every alert type, overdue (received 30 h ago, never closed), in the report and analytics."""
    day = overdue_day(gw)
    log_in(page, gw)
    page.wait_for_selector("li.alert")
    for lang in ("zh", "en"):
        for path in (f"/reports/daily?date={day}", "/analytics"):
            page.goto(f"{gw.url}{path}{'&' if '?' in path else '?'}lang={lang}")
            if path.startswith("/reports"):
                assert page.locator("table.overdue tbody tr").count() == len(KINDS)
            else:
                assert page.locator("#heatmap text.row-label").count() == len(KINDS)
            assert page.locator("#who").inner_text() == (
                "张伟 (民警)" if lang == "zh" else "张伟 (officer)"
            )
            text = page.evaluate(PAGE_TEXT)
            assert "安居示范小区" in text and "城南派出所" in text  # names, not c1 or p1
            assert not re.search(r"\b[cp]1\b", text), (lang, path, text)
            assert not SNAKE.findall(text), (lang, path, SNAKE.findall(text))
            if lang == "zh":
                words = ENGLISH.findall(FORMATS.sub("", text))
                assert not words, (path, words, text)
            else:
                for name in NAMES:
                    text = text.replace(name, "")
                assert not CJK.findall(text), (path, CJK.findall(text), text)
            name = "daily" if path.startswith("/reports") else "analytics"
            page.screenshot(path=str(ARTIFACTS / f"glossary_{name}_{lang}_1366x768.png"))
