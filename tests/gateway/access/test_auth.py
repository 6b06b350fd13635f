"""People log in with argon2-hashed passwords; failures are throttled; logout ends the session.
What each role sees is in test_scope.py."""

from __future__ import annotations

import httpx

from tests.support.servers import GatewayServer


def test_password_is_stored_hashed(gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("o1", "officer", precinct_id="p1")
    stored = (
        gateway.db.conn()
        .execute("SELECT password_hash FROM users WHERE username = 'o1'")
        .fetchone()[0]
    )
    assert stored.startswith("$argon2") and "test-password-1" not in stored


def test_login_throttled_after_failures_then_logout(gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("o1", "officer", precinct_id="p1")
    url = f"{gateway.url}/api/v1/auth/login"
    for _ in range(5):
        r = httpx.post(url, json={"username": "o1", "password": "guess"})
        assert r.status_code == 401
    r = httpx.post(url, json={"username": "o1", "password": "test-password-1"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "too many failed logins" in r.json()["detail"]
    # Another user is not affected.
    gateway.add_user("o2", "officer", precinct_id="p1")
    client = gateway.login("o2")
    assert client.get("/api/v1/auth/me").json()["username"] == "o2"
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_sessions_and_throttle_hold_across_replicas(gateway) -> None:  # type: ignore[no-untyped-def]
    """Two replicas on one store: a session opened at one works at the other, and failures at
    one throttle the guesser at the other."""
    other = GatewayServer(gateway.settings.data_dir).start()  # the same store
    try:
        gateway.add_user("o1", "officer", precinct_id="p1")
        client = gateway.login("o1")
        at_other = httpx.get(f"{other.url}/api/v1/auth/me", headers=client.headers)
        assert at_other.status_code == 200 and at_other.json()["username"] == "o1"
        for _ in range(5):
            r = httpx.post(f"{gateway.url}/api/v1/auth/login",
                           json={"username": "o1", "password": "guess"})  # fmt: skip
            assert r.status_code == 401
        r = httpx.post(f"{other.url}/api/v1/auth/login",
                       json={"username": "o1", "password": "test-password-1"})  # fmt: skip
        assert r.status_code == 429
        assert client.post(f"{other.url}/api/v1/auth/logout").status_code == 204
        assert httpx.get(f"{gateway.url}/api/v1/auth/me", headers=client.headers).status_code == 401
    finally:
        other.stop()


def test_unknown_fields_refused(gateway) -> None:  # type: ignore[no-untyped-def]
    r = httpx.post(
        f"{gateway.url}/api/v1/auth/login",
        json={"username": "a", "password": "b", "remember": True},
    )
    assert r.status_code == 422


def test_password_reset_ends_the_users_sessions(gateway) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from anju.cli import app

    gateway.add_user("o1", "officer", precinct_id="p1")
    gateway.add_user("o2", "officer", precinct_id="p1")
    phone, desk, other = gateway.login("o1"), gateway.login("o1"), gateway.login("o2")
    args = ["gateway", "create-user", "o1", "--role", "officer", "--precinct", "p1"]
    args += ["--password", "a-new-password-9", "--data-dir", str(gateway.settings.data_dir)]
    reset = CliRunner().invoke(app, args)
    assert reset.exit_code == 0, reset.output
    assert phone.get("/api/v1/auth/me").status_code == 401
    assert desk.get("/api/v1/auth/me").status_code == 401
    assert other.get("/api/v1/auth/me").status_code == 200  # nobody else is logged out
    again = gateway.login("o1", "a-new-password-9")
    assert again.get("/api/v1/auth/me").json()["username"] == "o1"


def test_live_feed_ends_with_the_session(gateway, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    import anju_gateway.api.routes.live as live

    monkeypatch.setattr(live, "KEEPALIVE_S", 0.3)
    gateway.add_user("o1", "officer", precinct_id="p1")
    for end in ("logout", "password reset"):
        client = gateway.login("o1")
        with client.stream("GET", "/api/v1/live", timeout=30) as feed:
            lines = feed.iter_lines()
            assert next(lines) == "event: hello"
            if end == "logout":
                gateway.login("o1")  # another session of the same user is not affected...
                assert client.post("/api/v1/auth/logout").status_code == 204
            else:
                gateway.add_user("o1", "officer", precinct_id="p1", password="another-pass-7")
            started = time.monotonic()
            for _ in lines:  # returns when the gateway closes the feed
                pass
            assert time.monotonic() - started < 20, end
        gateway.add_user("o1", "officer", precinct_id="p1")  # back to the test password


def test_spraying_many_usernames_from_one_address_is_paused(gateway) -> None:  # type: ignore[no-untyped-def]
    limit = gateway.settings.login_max_failures_per_address
    assert limit == 20 and gateway.settings.login_max_failures == 5
    gateway.add_user("o1", "officer", precinct_id="p1")
    url = f"{gateway.url}/api/v1/auth/login"
    for n in range(limit):  # one guess per name: never 5 for any one user
        r = httpx.post(url, json={"username": f"user{n}", "password": "123456"})
        assert r.status_code == 401, n
    r = httpx.post(url, json={"username": "user-new", "password": "123456"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.json()["detail"].startswith("登录失败次数过多")
    # The pause is per address: even a right password waits (the sprayer may have found one).
    r = httpx.post(url, json={"username": "o1", "password": "test-password-1"})
    assert r.status_code == 429


def test_metrics_need_the_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.servers import GatewayServer

    off = GatewayServer(tmp_path / "off").start()
    try:
        answer = httpx.get(f"{off.url}/metrics")
        assert answer.status_code == 403 and "ANJU_GATEWAY_METRICS_TOKEN" in answer.text
    finally:
        off.stop()
    token = "prometheus-scrape-token-0123"
    on = GatewayServer(tmp_path / "on", metrics_token=token).start()
    try:
        assert httpx.get(f"{on.url}/metrics").status_code == 401
        wrong = {"Authorization": "Bearer prometheus-scrape-token-9999"}
        assert httpx.get(f"{on.url}/metrics", headers=wrong).status_code == 401
        right = httpx.get(f"{on.url}/metrics", headers={"Authorization": f"Bearer {token}"})
        assert right.status_code == 200 and "anju_gateway_rejected_requests_total" in right.text
        assert 'reason="metrics_token"' in right.text
    finally:
        on.stop()
