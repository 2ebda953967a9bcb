from __future__ import annotations

from tests.conftest import Api


def test_healthz(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_authorize_then_guarded_call(api: Api, key: str) -> None:
    token = api.authorize(key)
    response = api.client.get("/v2/transfers/abc", headers=api.headers(key, token))
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Couldn't find Transfer"}
