"""Users and roles over the API (admin pages): admins list, create, reset and disable accounts;
every other role gets 403; refusals say why."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def admin(gateway) -> httpx.Client:  # type: ignore[no-untyped-def]
    gateway.add_compound("c2", "p2")
    gateway.add_user("root", "admin")
    return gateway.login("root")


def test_non_admins_get_403(gateway, admin) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("sup", "supervisor")
    gateway.add_user("off", "officer", precinct_id="p1")
    gateway.add_user("pm", "property_manager", compound_id="c1")
    gateway.add_user("inst", "installer")
    body = {"username": "x.y", "role": "officer", "password": "12345678", "precinct_id": "p1"}
    for name in ("sup", "off", "pm", "inst"):
        client = gateway.login(name)
        assert client.get("/api/v1/users").status_code == 403
        assert client.post("/api/v1/users", json=body).status_code == 403
        assert (
            client.post("/api/v1/users/off/password", json={"password": "abcdefgh"}).status_code
            == 403
        )
        assert client.put("/api/v1/users/off/enabled", json={"enabled": False}).status_code == 403
    assert httpx.get(f"{gateway.url}/api/v1/users").status_code == 401
    # Precincts by name: an officer sees only their own.
    assert [p["id"] for p in gateway.login("off").get("/api/v1/precincts").json()] == ["p1"]
    assert [p["id"] for p in admin.get("/api/v1/precincts").json()] == ["p1", "p2"]


def test_create_list_and_log_in(gateway, admin) -> None:  # type: ignore[no-untyped-def]
    body = {
        "username": "li.na",
        "display_name": "李娜",
        "role": "officer",
        "password": "secret-pass",
        "precinct_id": "p2",
    }
    resp = admin.post("/api/v1/users", json=body)
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert (made["display_name"], made["precinct_id"], made["disabled"]) == ("李娜", "p2", False)
    assert "password_hash" not in made
    listed = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert set(listed) == {"root", "li.na"}
    me = gateway.login("li.na", "secret-pass").get("/api/v1/auth/me").json()
    assert (me["role"], me["precinct_id"]) == ("officer", "p2")
    # The same name again is a conflict, not a silent reset of someone's account.
    again = admin.post("/api/v1/users", json=body | {"password": "another-pass"})
    assert again.status_code == 409 and "taken" in again.json()["detail"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"precinct_id": None}, "needs a precinct"),
        ({"precinct_id": "nowhere"}, "no precinct"),
        ({"role": "property_manager", "precinct_id": None}, "needs a compound"),
        ({"role": "property_manager", "compound_id": "c1", "precinct_id": "p2"}, "not in that"),
        ({"role": "property_manager", "compound_id": "c9", "precinct_id": None}, "no compound"),
    ],
)
def test_refusals_say_why(admin, change, words) -> None:  # type: ignore[no-untyped-def]
    body = {"username": "new.one", "role": "officer", "password": "12345678", "precinct_id": "p1"}
    resp = admin.post("/api/v1/users", json=body | change)
    assert resp.status_code == 422 and words in resp.json()["detail"], resp.text
    assert "new.one" not in {u["username"] for u in admin.get("/api/v1/users").json()}


def test_schema_refusals(admin) -> None:  # type: ignore[no-untyped-def]
    base = {"username": "ok.name", "role": "officer", "password": "12345678", "precinct_id": "p1"}
    for bad in ({"password": "short"}, {"username": "Bad Name"}, {"role": "god"}, {"x": 1}):
        resp = admin.post("/api/v1/users", json=base | bad)
        assert resp.status_code == 422, bad
        assert resp.json()["detail"][0]["loc"][-1] in {"password", "username", "role", "x"}


def test_reset_password_and_disable(gateway, admin) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("off", "officer", precinct_id="p1")
    old = gateway.login("off")
    resp = admin.post("/api/v1/users/off/password", json={"password": "brand-new-pass"})
    assert resp.status_code == 204
    assert old.get("/api/v1/auth/me").status_code == 401  # the reset ends their sessions
    new = gateway.login("off", "brand-new-pass")
    assert (
        admin.post("/api/v1/users/nobody/password", json={"password": "12345678"}).status_code
        == 404
    )
    off = admin.put("/api/v1/users/off/enabled", json={"enabled": False})
    assert off.status_code == 200 and off.json()["disabled"] is True
    assert new.get("/api/v1/auth/me").status_code == 401
    with pytest.raises(httpx.HTTPStatusError):
        gateway.login("off", "brand-new-pass")
    assert (
        admin.put("/api/v1/users/off/enabled", json={"enabled": True}).json()["disabled"] is False
    )
    assert gateway.login("off", "brand-new-pass").get("/api/v1/auth/me").status_code == 200
    own = admin.put("/api/v1/users/root/enabled", json={"enabled": False})
    assert own.status_code == 422 and "your own account" in own.json()["detail"]


def test_watchlist_names_who_added(gateway, admin) -> None:  # type: ignore[no-untyped-def]
    admin.post(
        "/api/v1/users",
        json={"username": "wang.fang", "display_name": "王芳", "role": "officer",
              "password": "12345678", "precinct_id": "p1"},
    )  # fmt: skip
    officer = gateway.login("wang.fang", "12345678")
    entry = officer.post("/api/v1/watchlist", json={"value": "赣A·D12345", "reason": "涉案"}).json()
    assert (entry["created_by"], entry["created_by_name"]) == ("wang.fang", "王芳")
    assert admin.delete(f"/api/v1/watchlist/{entry['id']}").status_code == 204
    audit = admin.get(f"/api/v1/watchlist/{entry['id']}/audit").json()
    assert [(a["action"], a["actor_name"]) for a in audit] == [
        ("create", "王芳"),
        ("remove", "root"),
    ]


def test_cli_create_user_shares_the_rules(gateway) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from anju.cli import app

    base = ["gateway", "create-user", "o9", "--data-dir", str(gateway.settings.data_dir)]
    cases = [
        (["--role", "officer", "--precinct", "nowhere", "--password", "12345678"], "no precinct"),
        (["--role", "officer", "--password", "12345678"], "needs a precinct"),
        (["--role", "officer", "--precinct", "p1", "--password", "short"], "at least 8"),
        (["--role", "property_manager", "--compound", "c9", "--password", "12345678"], "compound"),
    ]
    for extra, words in cases:
        result = CliRunner().invoke(app, base + extra)
        assert result.exit_code == 2 and words in result.output, (extra, result.output)
    made = CliRunner().invoke(app, [*base, "--role", "officer", "--precinct", "p1",
                                    "--password", "12345678"])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert gateway.login("o9", "12345678").get("/api/v1/auth/me").json()["precinct_id"] == "p1"


def test_admin_names_a_precinct(gateway, admin) -> None:  # type: ignore[no-untyped-def]
    gateway.add_user("off", "officer", precinct_id="p1")
    officer = gateway.login("off")
    assert officer.put("/api/v1/precincts/p1", json={"name": "浔阳派出所"}).status_code == 403
    assert admin.put("/api/v1/precincts/p9", json={"name": "无"}).status_code == 404
    assert admin.put("/api/v1/precincts/p1", json={"name": ""}).status_code == 422
    assert admin.put("/api/v1/precincts/p1", json={"name": "浔阳派出所"}).status_code == 200
    assert officer.get("/api/v1/precincts").json() == [{"id": "p1", "name": "浔阳派出所"}]
    # Adding a compound later keeps the name.
    gateway.add_compound("c3", "p1")
    assert admin.get("/api/v1/precincts").json()[0]["name"] == "浔阳派出所"
