"""Authorization against a real ``transferd serve`` process, spoken in raw HTTP/1.1 the way curl
and the SDKs do: the operator walkthrough, the first-start key, and header bytes that only a real
HTTP parser sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests import expect, forge
from tests.conftest import Server, wait_until
from tests.e2e.conftest import RawResponse, Restarted, raw_http
from transferd.auth.api_keys import is_well_formed

pytestmark = pytest.mark.e2e

CURL_HEAD = b"Host: 127.0.0.1\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nConnection: close\r\n"


def _authorize_request(key: bytes, extra: bytes = b"", body: bytes = b"") -> bytes:
    return (
        b"POST /v2/authorize HTTP/1.1\r\n"
        + CURL_HEAD
        + b"Content-Type: application/json\r\n"
        + b"x-api-key: "
        + key
        + b"\r\n"
        + extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def _guarded_request(key: bytes, authorization: bytes, path: bytes = b"/v2/transfers/t") -> bytes:
    return (
        b"GET " + path + b" HTTP/1.1\r\n" + CURL_HEAD + b"Content-Type: application/json\r\n"
        b"x-api-key: " + key + b"\r\n"
        b"Authorization: " + authorization + b"\r\n\r\n"
    )


def _json(response: RawResponse) -> Any:
    assert response.headers["content-type"] == "application/json", response.headers
    return json.loads(response.body)


def _token(response: RawResponse) -> str:
    assert response.status == 200, (response.status, response.body)
    body = _json(response)
    assert body["success"] is True
    token: str = body["token"]
    return token


def _error(response: RawResponse, status: int, message: str) -> None:
    assert response.status == status, (response.status, response.body)
    assert _json(response) == {"success": False, "message": message}


def _passed_guard(response: RawResponse) -> None:
    _error(response, 404, expect.TRANSFER_NOT_FOUND)


# --- the operator walkthrough ------------------------------------------------------------------


def test_readme_walkthrough(server: Server) -> None:
    """README "Walkthrough with curl", request for request, with the key printed on first start."""
    key = server.first_key.encode()

    # 1. curl -s -X POST $BASE/v2/authorize -H "Content-Type: application/json" -H "x-api-key: $KEY"
    token = _token(raw_http(server.base_url, _authorize_request(key)))
    bearer = b"Bearer " + token.encode()

    # 2. A guarded call: key + token + Content-Type
    body = b'{"message":"hi","files":[{"name":"hello.txt","size":12}]}'
    create = (
        b"POST /v2/transfers HTTP/1.1\r\n" + CURL_HEAD + b"Content-Type: application/json\r\n"
        b"x-api-key: " + key + b"\r\nAuthorization: " + bearer + b"\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    created = raw_http(server.base_url, create)
    assert created.status == 201, created.body
    transfer = _json(created)
    assert (transfer["success"], transfer["state"], transfer["message"], transfer["url"]) == (
        True,
        "uploading",
        "hi",
        None,
    )
    transfer_path = b"/v2/transfers/" + transfer["id"].encode()
    assert raw_http(server.base_url, _guarded_request(key, bearer, transfer_path)).status == 200

    # 3. transferd keys list; transferd keys revoke <id> (while the server runs)
    listing = server.cli("keys", "list")
    assert listing.returncode == 0, listing.stderr
    keys = json.loads(server.cli("keys", "list", "--json").stdout)
    (first,) = [entry for entry in keys if entry["hint"] == "…" + server.first_key[-4:]]
    assert first["id"] in listing.stdout and server.first_key not in listing.stdout
    revoked = server.cli("keys", "revoke", first["id"])
    assert revoked.returncode == 0, revoked.stderr

    # 4. ... and every one of its tokens is refused at once
    _error(raw_http(server.base_url, _guarded_request(key, bearer, b"/v2/transfers/x")), 403, expect.KEY_INVALID)
    _error(raw_http(server.base_url, _guarded_request(key, bearer, transfer_path)), 403, expect.KEY_INVALID)
    _error(raw_http(server.base_url, _authorize_request(key)), 403, expect.KEY_INVALID)

    # The revoked key's token is worthless next to a live key too.
    fresh = json.loads(server.cli("keys", "create", "--name", "fresh", "--json").stdout)
    refused = raw_http(server.base_url, _guarded_request(fresh["key"].encode(), bearer))
    _error(refused, 401, expect.TOKEN_KEY_REVOKED)
    assert refused.headers["www-authenticate"].startswith("Bearer")

    # The server's log tells what happened and never holds a credential.
    wait_until(lambda: "GET /v2/transfers/t 401" in server.log_path.read_text(), timeout=10)
    log = server.log_path.read_text()
    assert "POST /v2/authorize 200" in log and "refused" in log
    for secret in (server.first_key, fresh["key"], token, token.split(".")[2]):
        assert secret not in log


# --- the first-start key -----------------------------------------------------------------------


def test_first_start_prints_a_key_once(server: Server, restart: Callable[[Server], Restarted]) -> None:
    assert is_well_formed(server.first_key)
    first_token = _token(raw_http(server.base_url, _authorize_request(server.first_key.encode())))

    again = restart(server)

    assert "transferd listening" in again.stdout
    assert "tfd_sk_" not in again.stdout
    # The same key and the token signed before the restart still work: keys and signing keys persist.
    key = server.first_key.encode()
    _token(raw_http(again.base_url, _authorize_request(key)))
    _passed_guard(raw_http(again.base_url, _guarded_request(key, b"Bearer " + first_token.encode())))
    for log in (server.log_path, again.log_path):
        assert server.first_key not in log.read_text()


def test_signing_key_rotation_by_the_cli_reaches_the_running_server(server: Server) -> None:
    key = server.first_key.encode()
    old = _token(raw_http(server.base_url, _authorize_request(key)))
    rotated = server.cli("signing-keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    new = _token(raw_http(server.base_url, _authorize_request(key)))
    old_kid, new_kid = (json.loads(forge.b64url_decode(token.split(".")[0]))["kid"] for token in (old, new))
    assert new_kid != old_kid and new_kid in rotated.stdout
    jwks = raw_http(server.base_url, b"GET /.well-known/jwks.json HTTP/1.1\r\n" + CURL_HEAD + b"\r\n")
    assert {entry["kid"] for entry in _json(jwks)["keys"]} == {new_kid, old_kid}
    for token in (old, new):
        _passed_guard(raw_http(server.base_url, _guarded_request(key, b"Bearer " + token.encode())))


# --- header bytes only a real HTTP parser sees (BL-08, BL-11, BL-12) ----------------------------

KEY_ROWS: list[Any] = [
    pytest.param(b"x-api-key: {key}", 200, None, id="lowercase-name"),
    pytest.param(b"X-API-Key: {key}", 200, None, id="ruby-sdk-name"),
    pytest.param(b"X-Api-Key: {key}", 200, None, id="go-canonical-name"),
    pytest.param(b"X-API-KEY: {key}", 200, None, id="uppercase-name"),
    pytest.param(b"x-api-key:   {key}  ", 200, None, id="spaces-around"),
    pytest.param(b"x-api-key:\t{key}\t", 200, None, id="tabs-around"),
    pytest.param(b"x-api-key: AB CD", 403, expect.KEY_INVALID, id="space-inside"),
    pytest.param(b"x-api-key: \xff\xfe", 403, expect.KEY_INVALID, id="bytes-ff-fe"),
    pytest.param(b"x-api-key: {key}\xff", 403, expect.KEY_INVALID, id="key-then-ff"),
    pytest.param(b"x-api-key: " + "ключ".encode(), 403, expect.KEY_INVALID, id="utf-8"),
    pytest.param(b"x-api-key: " + b"k" * 60_000, 431, "Request header fields too large", id="60kb"),
    pytest.param(b"x-api-key:", 401, expect.KEY_MISSING, id="empty"),
    pytest.param(b"x-api-key: ", 401, expect.KEY_MISSING, id="space-only"),
    pytest.param(b"X-Other: 1", 401, expect.KEY_MISSING, id="absent"),
    # The HTTP parser refuses these before the application sees them: a 400, never a 5xx.
    pytest.param(b"x-api-key: a\x00b", 400, None, id="nul"),
    pytest.param(b"x-api-key: a\x01b", 400, None, id="control"),
    pytest.param(b"x-api-key: a\nb", 400, None, id="bare-lf"),
    pytest.param(b"x-api-key: {key}\r\n continued", 400, None, id="obs-fold"),
]


@pytest.mark.parametrize(("line", "status", "message"), KEY_ROWS)
def test_raw_api_key_header(shared_server: Server, line: bytes, status: int, message: str | None) -> None:
    key = shared_server.first_key.encode()
    request = (
        b"POST /v2/authorize HTTP/1.1\r\n" + CURL_HEAD + b"Content-Type: application/json\r\n"
        b"Content-Length: 0\r\n" + line.replace(b"{key}", key) + b"\r\n\r\n"
    )
    response = raw_http(shared_server.base_url, request)
    assert response.status == status, (response.status, response.body)
    if status == 200:
        _token(response)
    elif message is not None:
        _error(response, status, message)


AUTHORIZATION_ROWS: list[Any] = [
    pytest.param(b"Bearer {token}", 404, None, id="canonical"),
    pytest.param(b"bearer {token}", 404, None, id="lowercase-scheme"),
    pytest.param(b"BEARER {token}", 404, None, id="uppercase-scheme"),
    pytest.param(b"Bearer   {token}", 404, None, id="several-spaces"),
    pytest.param(b"Bearer {token}   ", 404, None, id="trailing-spaces"),
    pytest.param(b"{token}", 401, expect.TOKEN_WRONG_SCHEME, id="no-scheme"),
    pytest.param(b"Basic dXNlcjpwYXNz", 401, expect.TOKEN_WRONG_SCHEME, id="basic"),
    pytest.param(b"Bearer", 401, expect.TOKEN_MISSING, id="scheme-only"),
    pytest.param(b"Bearer \xff\xfe", 401, expect.TOKEN_MALFORMED, id="bytes-ff-fe"),
    pytest.param(b"Bearer " + b"a" * 60_000, 431, "Request header fields too large", id="60kb"),
]


@pytest.mark.parametrize(("value", "status", "message"), AUTHORIZATION_ROWS)
def test_raw_authorization_header(shared_server: Server, value: bytes, status: int, message: str | None) -> None:
    key = shared_server.first_key.encode()
    token = _token(raw_http(shared_server.base_url, _authorize_request(key)))
    response = raw_http(shared_server.base_url, _guarded_request(key, value.replace(b"{token}", token.encode())))
    if status == 404:
        _passed_guard(response)
    else:
        assert message is not None
        _error(response, status, message)
        if status == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_every_error_is_json_on_the_wire(shared_server: Server) -> None:
    key = shared_server.first_key.encode()
    token = _token(raw_http(shared_server.base_url, _authorize_request(key)))
    bearer = b"Bearer " + token.encode()
    cases = [
        (_guarded_request(key, bearer, b"/authorize"), 404, expect.NOT_FOUND),
        (_guarded_request(key, bearer, b"/v1/boards"), 404, expect.NOT_FOUND),
        (_guarded_request(key, bearer, b"/v2/authorize"), 405, expect.METHOD_NOT_ALLOWED),
        (_guarded_request(key, bearer).replace(b"Content-Type: application/json\r\n", b""), 415, None),
    ]
    for request, status, message in cases:
        response = raw_http(shared_server.base_url, request)
        _error(response, status, message or expect.UNSUPPORTED_MEDIA_TYPE)
