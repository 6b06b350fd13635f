"""What the fuzzer found, pinned: ids outside SQLite's range and the published 422 shape."""

from __future__ import annotations

from tests.support.servers import GatewayServer


def test_an_id_beyond_sqlite_range_is_refused_not_a_server_error(gateway: GatewayServer) -> None:
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")
    huge = 2**63  # one past SQLite's largest integer
    for answer in (
        officer.delete(f"/api/v1/watchlist/{huge}"),
        officer.get(f"/api/v1/watchlist/{huge}/audit"),
        officer.delete("/api/v1/watchlist/0"),
    ):
        assert answer.status_code == 422, answer.text
    # The largest id SQLite holds is a plain "not found".
    assert officer.get(f"/api/v1/watchlist/{2**63 - 1}/audit").status_code == 404


def test_422_answers_match_the_published_schema(gateway: GatewayServer) -> None:
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")
    document = officer.get("/openapi.json").json()
    detail = document["components"]["schemas"]["HTTPValidationError"]["properties"]["detail"]
    assert sorted(choice["type"] for choice in detail["anyOf"]) == ["array", "string"]
    # One sentence: the body matches the schema, its meaning is refused.
    meaning = officer.post("/api/v1/watchlist", json={"value": "0", "reason": "x"})
    # A list of field problems: the body does not match the schema.
    shape = officer.post("/api/v1/watchlist", json={"value": 5})
    assert meaning.status_code == shape.status_code == 422
    assert isinstance(meaning.json()["detail"], str)
    assert isinstance(shape.json()["detail"], list)
    assert set(shape.json()["detail"][0]) >= {"loc", "msg", "type"}


def test_days_outside_2000_to_2099_are_refused_not_overflowed(gateway: GatewayServer) -> None:
    """make fuzz found `to=0001-01-01`: the window before it underflowed into a 500."""
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")
    charts = ("heatmap.svg", "trend.svg", "summary", "heatmap.csv", "trend.csv", "summary.csv")
    for far in ("0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"):
        for chart in charts:
            for name in ("to", "from"):
                answer = officer.get(f"/api/v1/analytics/{chart}", params={name: far})
                assert answer.status_code == 422, (chart, name, far, answer.text)
        assert officer.get("/analytics", params={"to": far}).status_code == 422
        for path in ("/api/v1/reports/daily", "/api/v1/reports/daily.csv", "/reports/daily"):
            assert officer.get(path, params={"date": far}).status_code == 422, (path, far)
    for month in ("0001-01", "1999-12", "2100-01", "2026-13"):
        answer = officer.get("/api/v1/analytics/summary", params={"month": month})
        assert answer.status_code == 422, (month, answer.text)
    # The years a report can be about still answer.
    assert officer.get("/api/v1/analytics/summary", params={"month": "2000-01"}).status_code == 200
    assert officer.get("/api/v1/reports/daily", params={"date": "2099-12-31"}).status_code == 200
