"""The console's gate, in process: nothing without pairing, no forged cross-site request, wrong codes
rate-limited, and the session cookie's flags. Every route the application has is tried, so a new route
cannot slip past the gate unnoticed."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from vrtherapy.console import security
from vrtherapy.console.app import COOKIE, create_app
from vrtherapy.console.context import ConsoleContext
from vrtherapy.console.security import PairingGate
from vrtherapy.console.station import Station
from vrtherapy.records.models import PatientProfile
from vrtherapy.records.store import RecordStore

BASE = "http://127.0.0.1:8765"
HOSTS = {"127.0.0.1:8765", "localhost:8765"}
PATIENT = "SECRET42"


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def console(tmp_path, monkeypatch):
    monkeypatch.setenv("VRTHERAPY_PLAYLISTS", str(tmp_path / "playlists"))
    db = tmp_path / "records.sqlite3"
    with RecordStore.open(db) as store:
        store.add_patient(PatientProfile(PATIENT, "left", "upper", "transradial"))
        session_id = store.start_session(PATIENT, "demo", "offscreen")
        store.add_pain(PATIENT, 6, "between", note="a note about " + PATIENT)
    clock = FakeClock()
    codes: list[str] = []
    gate = PairingGate(announce=codes.append, clock=clock)
    ctx = ConsoleContext(db, gate, Station(db, say=lambda line: None), say=lambda line: None)
    app = create_app(ctx, HOSTS)
    client = TestClient(app, base_url=BASE)
    return ctx, app, client, clock, codes, session_id


def _routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route, path parameters filled with real ids."""
    out = []
    for route in _api_routes(app.app.routes):
        path = re.sub(r"\{(patient_id)\}", PATIENT, route.path)
        path = re.sub(r"\{\w+\}", "1", path)
        out += [(method, path) for method in sorted(route.methods)]
    return out


def _api_routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router
            yield from _api_routes(route.original_router.routes)


def _pair(client: TestClient, ctx: ConsoleContext) -> str:
    response = client.post("/api/pair", json={"code": ctx.gate.code, "name": "JS"}, headers={"Origin": BASE})
    assert response.status_code == 200, response.text
    return response.json()["csrf"]


def test_without_pairing_every_page_and_api_call_is_refused_and_no_patient_id_appears(console):
    ctx, app, client, *_ = console
    routes = _routes(app)
    assert len(routes) > 20  # the whole API, not a sample
    for method, path in routes:
        headers = {"Origin": BASE}
        response = client.request(method, path, json={}, headers=headers, follow_redirects=False)
        assert PATIENT not in response.text and PATIENT.lower() not in response.text.lower(), (method, path)
        if path in ("/pair", "/api/pair"):
            continue  # the way in
        assert response.status_code in (401, 303), (method, path, response.status_code)
        if response.status_code == 303:
            assert response.headers["location"] == "/pair"
    # the page the browser is sent to says nothing about patients either
    assert PATIENT not in client.get("/pair").text


def test_paired_browser_sees_the_records(console):
    ctx, app, client, *_ = console
    csrf = _pair(client, ctx)
    assert client.get("/api/patients").json()["patients"][0]["patient_id"] == PATIENT
    assert client.get("/api/me").json() == {"name": "JS", "csrf": csrf}


def test_the_session_cookie_is_httponly_and_samesite_strict(console):
    ctx, app, client, *_ = console
    response = client.post("/api/pair", json={"code": ctx.gate.code, "name": "JS"}, headers={"Origin": BASE})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_a_forged_cross_site_request_is_refused_and_writes_nothing(console):
    ctx, app, client, *_ = console
    csrf = _pair(client, ctx)
    profile = {"patient_id": "P777", "affected_side": "left", "limb": "upper", "level": "transradial"}
    # another site's page: the browser sends the cookie only without SameSite=Strict, and always its Origin
    forged = [{"Origin": "http://evil.example", "X-CSRF-Token": csrf}, {"Origin": "null", "X-CSRF-Token": csrf},
              {"Referer": "http://evil.example/x", "X-CSRF-Token": csrf}, {"X-CSRF-Token": csrf},
              {"Origin": BASE}, {"Origin": BASE, "X-CSRF-Token": "guessed"}]  # fmt: skip
    for headers in forged:
        response = client.post("/api/patients", json=profile, headers=headers)
        assert response.status_code == 403, headers
    response = client.post("/api/session/command", json={"name": "stop"}, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    with RecordStore.open(ctx.db) as store:
        assert [p.patient_id for p in store.patients()] == [PATIENT]
    ok = client.post("/api/patients", json=profile, headers={"Origin": BASE, "X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.text


def test_a_request_to_another_host_name_is_refused(console):
    ctx, app, client, *_ = console
    _pair(client, ctx)
    response = client.get("/api/patients", headers={"Host": "rebound.example:8765"})
    assert response.status_code == 421 and PATIENT not in response.text


def test_wrong_pairing_codes_are_rate_limited(console):
    ctx, app, client, clock, codes, _ = console
    right = ctx.gate.code
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    statuses = [client.post("/api/pair", json={"code": wrong, "name": "X"}, headers={"Origin": BASE}).status_code
                for _ in range(security.CLIENT_TRIES)]  # fmt: skip
    assert statuses == [403] * (security.CLIENT_TRIES - 1) + [429]
    # locked out: even the right code is refused until the wait is over, and the wait is said
    locked = client.post("/api/pair", json={"code": right, "name": "X"}, headers={"Origin": BASE})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= security.CLIENT_LOCK_S
    clock.t += security.CLIENT_LOCK_S + 1
    assert client.post("/api/pair", json={"code": right, "name": "X"}, headers={"Origin": BASE}).status_code == 200
    assert ctx.gate.code != right  # a code is spent once used


def test_many_wrong_codes_from_anywhere_draw_a_new_code():
    clock = FakeClock()
    codes: list[str] = []
    gate = PairingGate(announce=codes.append, clock=clock)
    first = gate.code
    for i in range(security.GLOBAL_TRIES):
        gate.pair(f"10.0.0.{i}", "not a code", "X")
    assert gate.code != first and codes[-1] == gate.code
    assert gate.pair("10.0.1.1", first, "X").token is None


def test_a_paired_device_left_idle_for_a_clinic_day_must_pair_again():
    clock = FakeClock()
    gate = PairingGate(clock=clock)
    result = gate.pair("1.2.3.4", gate.code, "JS")
    assert gate.device(result.token) is not None
    clock.t += security.DEVICE_IDLE_S + 1
    assert gate.device(result.token) is None
