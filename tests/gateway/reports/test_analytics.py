"""Analytics: heatmap/trend SVG are valid XML with the right cells; 环比/同比 across boundaries."""

from __future__ import annotations

import csv
import io
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from anju_contracts import format_ts
from anju_gateway.clock import ManualClock
from anju_gateway.store.alerts import NewAlert, insert_alerts
from tests.support.servers import GatewayServer

SH = timezone(timedelta(hours=8))
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=SH)
SVG = "{http://www.w3.org/2000/svg}"
_ids = itertools.count()


def local(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def add(gw: GatewayServer, when: datetime, kind: str, compound: str = "c1") -> None:
    stamp = format_ts(when)
    row = NewAlert(id=f"X{next(_ids):04d}", compound_id=compound, edge_id=None,
                   source_kind="gate", source_id="g1", kind=kind, severity="high", ts=stamp,
                   zone=None, objects=[], details={}, snapshot=None)  # fmt: skip
    with gw.db.write() as conn:
        insert_alerts(conn, [row], received_at=stamp)


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", clock=ManualClock(NOW)).start()
    server.add_compound("c1", "p1", name="幸福里")
    server.add_compound("c2", "p2", name="和平苑")
    for when, kind in [
        (local(2026, 12, 1, 0, 30), "door_forced"),  # 2026-11-30T16:30Z: December locally
        (local(2026, 12, 5), "door_forced"),
        (local(2026, 12, 10), "door_forced"),
        (local(2026, 12, 20, 21), "door_forced"),
        (local(2026, 12, 25, 21), "intrusion"),
        (local(2026, 12, 31, 23, 30), "intrusion"),
        (local(2027, 1, 1, 0, 30), "intrusion"),  # 2026-12-31T16:30Z: January locally
        *[(local(2026, 11, d), "door_forced") for d in (2, 3, 20)],
        (local(2026, 11, 30, 23), "door_forced"),
        *[(local(2025, 12, d), "intrusion") for d in (3, 4, 31)],
        (local(2026, 1, 5), "tamper"),
        (local(2026, 1, 20), "tamper"),
    ]:
        add(server, when, kind)
    add(server, local(2026, 12, 8), "tamper", compound="c2")
    server.add_user("admin", "admin")
    server.add_user("off1", "officer", precinct_id="p1")
    server.add_user("off2", "officer", precinct_id="p2")
    server.add_user("inst", "installer")
    yield server
    server.stop()


def test_month_over_month_and_year_over_year(gw: GatewayServer) -> None:
    s = gw.login("off1").get("/api/v1/analytics/summary", params={"month": "2026-12"}).json()
    assert s["partial"] is False
    assert s["current_window"] == ["2026-12-01", "2027-01-01"]
    assert s["previous_window"] == ["2026-11-01", "2026-12-01"]
    assert s["last_year_window"] == ["2025-12-01", "2026-01-01"]
    total = s["total"]
    assert (total["current"], total["previous_month"], total["last_year"]) == (6, 4, 3)
    assert (total["mom"], total["yoy"]) == (0.5, 1.0)
    kinds = {k["key"]: k for k in s["by_kind"]}
    assert (kinds["door_forced"]["mom"], kinds["door_forced"]["yoy"]) == (0.0, None)
    assert kinds["intrusion"]["mom"] is None  # no intrusion in November: no ratio
    assert kinds["intrusion"]["yoy"] == round((2 - 3) / 3, 4)
    assert [c["key"] for c in s["top_compounds"]] == ["c1"]  # p1's officer sees only c1
    admin = gw.login("admin").get("/api/v1/analytics/summary", params={"month": "2026-12"})
    top = admin.json()["top_compounds"]
    assert [(c["key"], c["label"], c["current"]) for c in top] == [("c1", "幸福里", 6),
                                                                   ("c2", "和平苑", 1)]  # fmt: skip
    assert admin.json()["total"]["mom"] == 0.75


def test_month_in_progress_compares_same_days(gw: GatewayServer) -> None:
    s = gw.login("off1").get("/api/v1/analytics/summary").json()  # default: this month
    assert s["month"] == "2027-01" and s["partial"] is True
    # Month to date, today (the 15th) included, as the trend chart counts it.
    assert s["current_window"] == ["2027-01-01", "2027-01-16"]
    assert s["previous_window"] == ["2026-12-01", "2026-12-16"]
    assert s["last_year_window"] == ["2026-01-01", "2026-01-16"]
    total = s["total"]
    assert (total["current"], total["previous_month"], total["last_year"]) == (1, 3, 1)
    assert (total["mom"], total["yoy"]) == (round(-2 / 3, 4), 0.0)


def test_heatmap_svg(gw: GatewayServer) -> None:
    resp = gw.login("off1").get(
        "/api/v1/analytics/heatmap.svg", params={"from": "2026-12-01", "to": "2026-12-31"}
    )
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(resp.content)  # valid XML
    assert root.tag == f"{SVG}svg"
    cells = {
        (r.get("data-row"), int(r.get("data-hour", -1))): int(r.get("data-count", -1))
        for r in root.iter(f"{SVG}rect")
        if r.get("class") == "cell"
    }
    assert len(cells) == 2 * 24
    assert cells[("幸福里 · 门被强行打开", 0)] == 1
    assert cells[("幸福里 · 门被强行打开", 9)] == 2
    assert cells[("幸福里 · 门被强行打开", 21)] == 1
    assert cells[("幸福里 · 周界入侵", 21)] == 1 and cells[("幸福里 · 周界入侵", 23)] == 1
    assert sum(cells.values()) == 6
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "警情时段分布 Alerts by hour of day" in texts
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "hour"] == [
        str(h) for h in range(24)
    ]
    by_kind = gw.login("off1").get(
        "/api/v1/analytics/heatmap.svg",
        params={"from": "2026-12-01", "to": "2026-12-31", "by": "kind", "kind": "intrusion"},
    )
    rows = {r.get("data-row") for r in ET.fromstring(by_kind.content).iter(f"{SVG}rect")}
    assert rows == {None, "周界入侵"}  # the background rect has no row


def test_trend_svg_and_csv(gw: GatewayServer) -> None:
    client = gw.login("off1")
    q = {"from": "2026-12-30", "to": "2027-01-01"}
    root = ET.fromstring(client.get("/api/v1/analytics/trend.svg", params=q).content)
    bars = [(b.get("data-date"), int(b.get("data-count", -1))) for b in root.iter(f"{SVG}rect")
            if b.get("class") == "bar"]  # fmt: skip
    assert bars == [("2026-12-30", 0), ("2026-12-31", 1), ("2027-01-01", 1)]
    trend = client.get("/api/v1/analytics/trend.csv", params=q).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(trend)))[1:] == [
        ["2026-12-30", "0"], ["2026-12-31", "1"], ["2027-01-01", "1"]
    ]  # fmt: skip
    heat = client.get(
        "/api/v1/analytics/heatmap.csv", params={"from": "2026-12-01", "to": "2026-12-31"}
    ).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(heat)))
    assert ["c1", "幸福里", "door_forced", "9", "2"] in rows
    summary = client.get("/api/v1/analytics/summary.csv", params={"month": "2026-12"})
    lines = list(csv.reader(io.StringIO(summary.content.decode("utf-8-sig"))))
    assert lines[1][:8] == ["total", "total", "全部 All", "6", "4", "3", "0.5", "1.0"]


def test_scope_and_validation(gw: GatewayServer) -> None:
    off2 = gw.login("off2")
    q = {"from": "2026-12-01", "to": "2026-12-31"}
    heat = off2.get("/api/v1/analytics/heatmap.svg", params=q).text
    assert "幸福里" not in heat and "和平苑" in heat
    # Asking for another precinct's compound gives nothing, not its data.
    other = off2.get("/api/v1/analytics/heatmap.csv", params={**q, "compound_id": "c1"})
    assert len(list(csv.reader(io.StringIO(other.content.decode("utf-8-sig"))))) == 1
    assert gw.login("inst").get("/api/v1/analytics/summary").status_code == 403
    bad = off2.get("/api/v1/analytics/trend.svg", params={"from": "2026-12-31", "to": "2026-12-01"})
    assert bad.status_code == 422
    long = off2.get(
        "/api/v1/analytics/trend.svg", params={"from": "2020-01-01", "to": "2026-12-01"}
    )
    assert long.status_code == 422
    assert off2.get("/api/v1/analytics/summary", params={"month": "2026-13"}).status_code == 422


def test_analytics_page(gw: GatewayServer) -> None:
    params = {"from": "2026-12-01", "to": "2026-12-31", "month": "2026-12"}
    html = gw.login("off1").get("/analytics", params=params).text
    assert '<html lang="zh-CN">' in html and "<h1>警情分析</h1>" in html
    assert html.count("<svg") == 2 and "<?xml" not in html
    assert "▲+50.0%" in html  # 环比 of the total
    assert "/api/v1/analytics/heatmap.csv?from=2026-12-01" in html
    assert 'href="/"' in html and "民警工作台" in html
    # One language: the charts and tables speak the page's language only.
    assert "警情时段分布" in html and "周界入侵" in html and "北京时间" in html
    for english in ("Alert analytics", "Alerts by hour of day", "Intrusion", "No data", "MoM"):
        assert english not in html, english
    en = gw.login("off1").get("/analytics", params={**params, "lang": "en"}).text
    assert '<html lang="en">' in en and "<h1>Alert analytics</h1>" in en
    assert "Alerts by hour of day" in en and "Intrusion" in en and "▲+50.0%" in en
    for chinese in ("警情分析", "警情时段分布", "周界入侵", "环比", "北京时间"):
        assert chinese not in en, chinese
    assert '<input type="hidden" name="lang" value="en">' in en
    # The exported pictures: in the page's language from its links, in both without ``lang``.
    assert "heatmap.svg?from=2026-12-01&amp;to=2026-12-31&amp;by=compound_kind&amp;lang=en" in en
    one = gw.login("off1").get("/api/v1/analytics/trend.svg", params={**params, "lang": "en"})
    assert "<title>Daily trend</title>" in one.text and "每日" not in one.text
