"""Answers to a security review: ambiguous credentials, slash redirects, risky download types."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest

from tests import expect
from tests.api.board_helpers import caller_for as board_caller_for
from tests.api.conftest import ApiFactory, Caller, caller_for
from tests.conftest import Api


def test_two_api_key_headers_are_refused_even_when_both_are_valid(api: Api, key: str, token: str) -> None:
    headers = [
        ("content-type", "application/json"),
        ("x-api-key", key),
        ("x-api-key", key),
        ("authorization", f"Bearer {token}"),
    ]
    response = api.client.get("/v2/transfers/t", headers=headers)
    expect.error(response, 403, "Forbidden: send exactly one x-api-key header")
    authorize = api.client.post("/v2/authorize", headers=headers[:3])
    expect.error(authorize, 403, "Forbidden: send exactly one x-api-key header")


def test_two_authorization_headers_are_refused(api: Api, key: str, token: str) -> None:
    headers = [
        ("content-type", "application/json"),
        ("x-api-key", key),
        ("authorization", f"Bearer {token}"),
        ("authorization", f"Bearer {token}"),
    ]
    response = api.client.get("/v2/transfers/t", headers=headers)
    expect.error(response, 401, "Unauthorized: send exactly one Authorization header")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_trailing_slash_is_a_json_404_not_a_redirect(api: Api, key: str, token: str) -> None:
    for method, path in (("GET", "/v2/transfers/"), ("PUT", "/v2/transfers/t/finalize/"), ("GET", "/healthz/")):
        response = api.client.request(
            method, path, headers={**api.headers(key, token), "host": "evil.example"}, follow_redirects=False
        )
        expect.error(response, 404, expect.NOT_FOUND)
        assert "location" not in response.headers


def test_downloads_are_never_rendered_by_the_browser(caller: Caller, api: Api) -> None:
    shared: dict[str, Any] = caller.share(
        {"page.html": b"<script>alert(1)</script>", "image.svg": b"<svg onload=alert(1)/>"}
    )
    for file in shared["files"]:
        response = api.client.get(f"{shared['url']}/files/{file['id']}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-security-policy"] == "sandbox"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"].startswith("attachment;")


def test_revoking_a_key_also_kills_the_upload_urls_it_obtained(caller: Caller, api: Api, key: str) -> None:
    transfer = caller.create([("a.bin", 10)])
    url = caller.url(transfer["id"], transfer["files"][0]["id"], 1)
    other = caller_for(api, "app-one", key_name="second")  # same application, another key
    other_url = other.url(transfer["id"], transfer["files"][0]["id"], 1)
    api.revoke(key)
    response = api.client.put(url, content=b"0123456789")
    expect.error(response, 403, "Forbidden: the API key that requested this URL has been revoked")
    assert api.client.put(other_url, content=b"0123456789").status_code == 200


def test_an_upload_url_with_its_key_swapped_is_refused(caller: Caller, api: Api) -> None:
    transfer = caller.create([("a.bin", 10)])
    url = caller.url(transfer["id"], transfer["files"][0]["id"], 1)
    swapped = url.replace("key=key_", "key=key_X", 1)
    assert swapped != url
    expect.error(api.client.put(swapped, content=b"0123456789"), 403)


def test_a_board_holds_at_most_max_board_items(make_api: ApiFactory) -> None:
    api = make_api(max_board_items=3)
    boards = board_caller_for(api, "capped")
    board = boards.create("Capped")
    assert (
        boards.client.post(
            f"/v2/boards/{board['id']}/links", headers=boards.headers, json=[{"url": "https://a.example"}] * 2
        ).status_code
        == 201
    )
    refused = boards.client.post(
        f"/v2/boards/{board['id']}/files",
        headers=boards.headers,
        json=[{"name": "a", "size": 1}, {"name": "b", "size": 1}],
    )
    expect.error(refused, 400, '"board.items" must contain less than or equal to 3 items (2 already added)')
    fits = boards.client.post(
        f"/v2/boards/{board['id']}/files", headers=boards.headers, json=[{"name": "a", "size": 1}]
    )
    assert fits.status_code == 201
    assert len(boards.get(board["id"]).json()["items"]) == 3


def test_an_upload_url_with_a_non_ascii_digit_expiry_is_403_not_500(caller: Caller, api: Api) -> None:
    transfer = caller.create([("a.bin", 10)])
    url = caller.url(transfer["id"], transfer["files"][0]["id"], 1)
    mangled = re.sub(r"expires=\d+", "expires=%C2%B2", url)
    assert mangled != url
    expect.error(api.client.put(mangled, content=b"0123456789"), 403)


def test_a_database_locked_by_another_process_is_503_not_a_frozen_server(caller: Caller, api: Api) -> None:
    if not api.services.db.is_sqlite:
        pytest.skip("SQLite only: the lock of another process")
    holder = sqlite3.connect(api.settings.data_dir / "transferd.sqlite3", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        response = caller.post_transfer({"files": [{"name": "a.bin", "size": 1}]})
        expect.error(response, 503, "Service busy: the database is locked by another process, retry in a moment")
        assert response.headers["retry-after"] == "1"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert caller.post_transfer({"files": [{"name": "a.bin", "size": 1}]}).status_code == 201
