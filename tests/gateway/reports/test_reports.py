"""Daily clearance report: numbers for a crafted day, JSON/CSV/HTML, scope per role."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from anju_contracts import format_ts
from anju_gateway.clock import ManualClock
from anju_gateway.store.alerts import NewAlert, insert_alerts
from tests.support.servers import GatewayServer

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 on 22 Nov in Shanghai


def add_alert(
    gw: GatewayServer,
    alert_id: str,
    ts: datetime,
    *,
    compound: str = "c1",
    kind: str = "door_forced",
    severity: str = "critical",
    state: str = "new",
    owner: str | None = None,
    ack_after: timedelta | None = None,
    close_after: timedelta | None = None,
) -> None:
    stamp = format_ts(ts)
    row = NewAlert(
        id=alert_id, compound_id=compound, edge_id=None, source_kind="gate", source_id="g1",
        kind=kind, severity=severity, ts=stamp, zone=None, objects=[], details={}, snapshot=None,
    )  # fmt: skip
    with gw.db.write() as conn:
        insert_alerts(conn, [row], received_at=stamp)
        conn.execute(
            "UPDATE alerts SET state = ?, owner = ?, acknowledged_at = ?, closed_at = ? "
            "WHERE id = ?",
            (
                state,
                owner,
                format_ts(ts + ack_after) if ack_after else None,
                format_ts(ts + close_after) if close_after else None,
                alert_id,
            ),
        )


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[GatewayServer]:
    server = GatewayServer(tmp_path / "gw", clock=ManualClock(NOW)).start()
    server.add_compound("c1", "p1", name="幸福里")
    server.add_compound("c2", "p2", name="和平苑")
    m = timedelta(minutes=1)
    day = datetime(2026, 11, 20, tzinfo=UTC)
    add_alert(server, "A1", day + timedelta(hours=1), state="resolved", owner="off1",
              ack_after=2 * m, close_after=60 * m)  # fmt: skip
    add_alert(server, "A2", day + timedelta(hours=2), kind="intrusion", severity="high",
              state="false_alarm", owner="off1", ack_after=4 * m,
              close_after=timedelta(hours=30))  # fmt: skip
    add_alert(server, "A3", day + timedelta(hours=3), state="dispatched", owner="off9",
              ack_after=6 * m)  # fmt: skip
    add_alert(server, "A4", day + timedelta(hours=15), kind="tamper", severity="normal")
    add_alert(server, "A5", day + timedelta(hours=16, minutes=30))  # 00:30 on the 21st
    add_alert(server, "A6", day - timedelta(minutes=30 + 8 * 60))  # 23:30 on the 19th
    add_alert(server, "B1", day + timedelta(hours=5), compound="c2", kind="intrusion",
              severity="high", state="resolved", owner="off2", ack_after=10 * m,
              close_after=20 * m)  # fmt: skip
    for user, role, precinct, compound in (
        ("admin", "admin", None, None),
        ("off1", "officer", "p1", None),
        ("off2", "officer", "p2", None),
        ("pm1", "property_manager", None, "c1"),
        ("inst", "installer", None, None),
    ):
        server.add_user(user, role, precinct_id=precinct, compound_id=compound)
    yield server
    server.stop()


def test_numbers_for_the_day(gw: GatewayServer) -> None:
    report = gw.login("admin").get("/api/v1/reports/daily", params={"date": "2026-11-20"}).json()
    assert report["since"] == "2026-11-19T16:00:00.000Z"
    assert report["until"] == "2026-11-20T16:00:00.000Z"
    assert report["total"] == 5
    assert report["closed"] == 3 and report["open"] == 2
    assert report["closed_in_time"] == 2
    assert report["share_closed_in_time"] == 0.4
    assert report["median_ack_minutes"] == 5.0  # 2, 4, 6, 10
    assert report["median_close_minutes"] == 60.0  # 20, 60, 1800
    assert report["by_state"] == {"dispatched": 1, "false_alarm": 1, "new": 1, "resolved": 2}
    by_compound = {g["key"]: g for g in report["by_compound"]}
    assert by_compound["c1"] == {
        "key": "c1", "label": "幸福里", "total": 4, "closed": 2, "closed_in_time": 1,
        "overdue": 3,
    }  # fmt: skip
    assert by_compound["c2"]["closed_in_time"] == 1 and by_compound["c2"]["overdue"] == 0
    by_kind = {g["key"]: (g["total"], g["overdue"]) for g in report["by_kind"]}
    assert by_kind == {"door_forced": (2, 1), "intrusion": (2, 1), "tamper": (1, 1)}
    by_sev = {g["key"]: g["total"] for g in report["by_severity"]}
    assert by_sev == {"critical": 2, "high": 2, "normal": 1}
    overdue = {o["id"]: o for o in report["overdue"]}
    assert set(overdue) == {"A2", "A3", "A4"}
    assert overdue["A2"]["reason"] == "closed_late" and overdue["A2"]["hours_over"] == 6.0
    assert overdue["A3"]["reason"] == "open" and overdue["A3"]["hours_over"] == 23.0
    assert overdue["A3"]["owner"] == "off9"
    assert overdue["A4"]["owner"] is None and overdue["A4"]["hours_over"] == 11.0
    assert [o["id"] for o in report["overdue"]] == ["A3", "A4", "A2"]  # longest over first


def test_default_date_is_today_so_far_and_scope(gw: GatewayServer) -> None:
    admin = gw.login("admin")
    # Today so far, as the list shows it; yesterday one click away (the page links it).
    assert admin.get("/api/v1/reports/daily").json()["date"] == "2026-11-22"
    assert admin.get("/api/v1/reports/daily", params={"date": "2026-11-21"}).json()["total"] == 1
    page = admin.get("/reports/daily").text
    assert 'href="/reports/daily?date=2026-11-21">昨天<' in page
    q = {"date": "2026-11-20"}
    off1 = gw.login("off1").get("/api/v1/reports/daily", params=q).json()
    assert off1["total"] == 4 and off1["share_closed_in_time"] == 0.25
    off2 = gw.login("off2").get("/api/v1/reports/daily", params=q)
    assert off2.json()["total"] == 1
    assert "c1" not in off2.text and "幸福里" not in off2.text and "A3" not in off2.text
    csv_p2 = gw.login("off2").get("/api/v1/reports/daily.csv", params=q).text
    assert "幸福里" not in csv_p2 and "B1" in csv_p2
    html_p2 = gw.login("off2").get("/reports/daily", params=q).text
    assert "幸福里" not in html_p2 and "和平苑" in html_p2
    assert gw.login("pm1").get("/api/v1/reports/daily", params=q).json()["total"] == 4
    assert gw.login("inst").get("/api/v1/reports/daily", params=q).status_code == 403
    assert (
        gw.login("admin").get("/api/v1/reports/daily", params={"date": "20-11"}).status_code == 422
    )


def test_csv_exports(gw: GatewayServer) -> None:
    client = gw.login("off1")
    resp = client.get("/api/v1/reports/daily.csv", params={"date": "2026-11-20"})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert "anju-daily-2026-11-20.csv" in resp.headers["content-disposition"]
    text = resp.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ["A1", "A2", "A3", "A4"]
    a1 = rows[0]
    assert a1["发生时间 local_time"] == "2026-11-20 09:00:00"
    assert a1["接警分钟 ack_minutes"] == "2.0" and a1["销号分钟 close_minutes"] == "60.0"
    assert a1["按时销号 closed_in_time"] == "1" and a1["超时 overdue"] == ""
    assert rows[1]["超时 overdue"] == "closed_late" and rows[2]["超时 overdue"] == "open"
    resp = client.get(
        "/api/v1/reports/daily.csv", params={"date": "2026-11-20", "view": "compounds"}
    )
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert rows[1] == ["c1", "幸福里", "4", "2", "1", "3"]
    assert len(rows) == 2


def test_csv_cells_never_start_a_formula(gw: GatewayServer) -> None:
    hostile = {
        "name": '=HYPERLINK("http://evil.example","点我")',
        "owner": "@SUM(1+1)*cmd|' /C calc'!A0",
    }
    gw.add_compound("c3", "p1", name=hostile["name"])
    add_alert(gw, "C1", datetime(2026, 11, 20, 4, tzinfo=UTC), compound="c3",
              state="dispatched", owner=hostile["owner"],
              ack_after=timedelta(minutes=3))  # fmt: skip
    client = gw.login("off1")
    for view in ("alerts", "compounds"):
        resp = client.get("/api/v1/reports/daily.csv", params={"date": "2026-11-20", "view": view})
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], view
        assert "'" + hostile["name"] in cells  # kept, as text
        if view == "alerts":
            [c1] = [r for r in rows if r[0] == "C1"]
            assert c1[8] == "'" + hostile["owner"] and c1[9] == "3.0"  # numbers stay numbers


def test_formula_cells_are_prefixed() -> None:
    from anju_gateway.api.downloads import safe_cell

    for text in ("=1+1", "+1", "-1+2", "@A1", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("幸福里 - 北门") == "幸福里 - 北门"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell("") == ""


def test_html_page(gw: GatewayServer) -> None:
    client = gw.login("off1")
    resp = client.get("/reports/daily", params={"date": "2026-11-20"})
    assert resp.status_code == 200
    html = resp.text
    assert '<html lang="zh-CN">' in html
    assert "警情清零日报 — 2026-11-20" in html
    assert "25.0%" in html  # closed within 24 h
    assert "超时未销号" in html and "逾期销号" in html
    assert "off9" in html and "未分配" in html
    # One language per page: no English label beside the Chinese one.
    for english in ("Daily clearance report", "unassigned", "closed late", "Overdue", "Alerts"):
        assert english not in html, english
    assert 'href="/console/pages.css"' in html and 'href="/"' in html
    assert "<style" not in html and "<script>" not in html  # nothing inline (CSP)
    assert "/api/v1/reports/daily.csv?date=2026-11-20" in html
    # The console's frame: its name, who is looking, the way out, the other language.
    assert "民警工作台" in html and 'action="/logout"' in html and ">退出<" in html
    assert 'href="/reports/daily?date=2026-11-20&amp;lang=en"' in html
    # Without a session the page sends the browser to the console's login.
    anonymous = httpx.get(f"{gw.url}/reports/daily", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/")


def test_html_page_in_english(gw: GatewayServer) -> None:
    html = gw.login("off1").get("/reports/daily", params={"date": "2026-11-20", "lang": "en"}).text
    assert '<html lang="en">' in html
    assert "Daily clearance report — 2026-11-20" in html and "25.0%" in html
    assert "open" in html and "closed late" in html and "unassigned" in html
    assert "Officers&#39; console" in html and ">Log out<" in html
    assert "Door forced" in html and "Critical" in html  # the types and severities, in English
    # Chinese only in names (compounds), never in the page's own words.
    for chinese in ("警情清零日报", "未分配", "超时未销号", "按小区", "门被强行打开", "退出"):
        assert chinese not in html, chinese
    # The language is kept by the day links and the date form.
    assert 'href="/reports/daily?lang=en&amp;date=2026-11-19"' in html
    assert '<input type="hidden" name="lang" value="en">' in html
    assert 'href="/reports/daily?date=2026-11-20&amp;lang=zh"' in html  # the toggle back
    other = gw.login("off1").get("/reports/daily", params={"date": "2026-11-20", "lang": "fr"})
    assert '<html lang="zh-CN">' in other.text  # anything but en reads as the default


def test_names_are_escaped_by_the_templates(gw: GatewayServer) -> None:
    """Autoescape: a compound named like markup reads as text, in both languages."""
    gw.add_compound("c1", "p1", name="<script>x</script>幸福里")
    for lang in ("zh", "en"):
        params = {"date": "2026-11-20", "lang": lang}
        html = gw.login("off1").get("/reports/daily", params=params).text
        assert "&lt;script&gt;x&lt;/script&gt;幸福里" in html
        assert "<script>x</script>" not in html
        page = gw.login("off1").get("/analytics", params={"from": "2026-11-20", "lang": lang})
        assert "&lt;script&gt;x&lt;/script&gt;幸福里" in page.text
        assert "<script>x</script>" not in page.text


def test_logout_from_a_page(gw: GatewayServer) -> None:
    client = gw.login("off1")
    assert client.get("/reports/daily").status_code == 200
    answer = client.post("/logout", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    client.cookies.clear()
    # The session is gone on the server, not only the cookie in this browser.
    assert client.get("/api/v1/reports/daily").status_code == 401


def test_with_lifecycle_transitions(tmp_path: Path) -> None:
    """Alerts closed through the lifecycle module itself, on a manual clock."""
    from anju_gateway.alerts.lifecycle import Action, transition

    clock = ManualClock(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    gw = GatewayServer(tmp_path / "lc", clock=clock).start()
    try:
        gw.add_compound("c1", "p1", name="幸福里")
        gw.add_user("off1", "officer", precinct_id="p1")
        t0 = clock.now()
        add_alert(gw, "L1", t0)
        add_alert(gw, "L2", t0, kind="intrusion")
        clock.advance(minutes=3)
        transition(gw.db, "L1", Action.acknowledge, "off1", clock.now())
        transition(gw.db, "L2", Action.acknowledge, "off1", clock.now())
        clock.advance(minutes=27)
        transition(gw.db, "L1", Action.resolve, "off1", clock.now())
        clock.set(t0 + timedelta(hours=25))
        transition(gw.db, "L2", Action.false_alarm, "off1", clock.now())
        report = gw.login("off1").get("/api/v1/reports/daily", params={"date": "2026-11-20"})
    finally:
        gw.stop()
    r = report.json()
    assert (r["total"], r["closed"], r["closed_in_time"]) == (2, 2, 1)
    assert r["median_ack_minutes"] == 3.0
    assert r["median_close_minutes"] == (30 + 25 * 60) / 2
    assert [(o["id"], o["reason"], o["owner"], o["hours_over"]) for o in r["overdue"]] == [
        ("L2", "closed_late", "off1", 1.0)
    ]


def test_today_so_far_counts_only_alerts_due_and_the_acknowledge_breaches(
    gw: GatewayServer,
) -> None:
    # At 10:00 on the 22nd: one alert closed this morning, one still open (its 24 h run until
    # tomorrow: 未到期), one open whose acknowledge clock ran out (escalated).
    m = timedelta(minutes=1)
    morning = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)  # 08:00 local
    add_alert(gw, "T1", morning, state="resolved", owner="off1", ack_after=m, close_after=30 * m)
    add_alert(gw, "T2", morning + 10 * m)
    add_alert(gw, "T3", morning + 20 * m)
    with gw.db.write() as conn:
        conn.execute(
            "UPDATE alerts SET ack_breached_at = ? WHERE id = 'T3'",
            (format_ts(morning + 21 * m),),
        )
    report = gw.login("admin").get("/api/v1/reports/daily").json()
    assert report["date"] == "2026-11-22" and report["total"] == 3
    assert report["not_yet_due"] == 2 and report["overdue_count"] == 0
    assert report["share_closed_in_time"] == 1.0  # of the one due, not 1 of 3
    assert report["ack_breached"] == 1
    lines = {a["id"]: a for a in report["alerts"]}
    assert lines["T2"]["not_yet_due"] and not lines["T1"]["not_yet_due"]
    assert lines["T3"]["ack_breached"] and not lines["T2"]["ack_breached"]
    page = gw.login("admin").get("/reports/daily").text
    assert "未到期" in page and "签收超时" in page
