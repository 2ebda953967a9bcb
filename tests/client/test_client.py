"""The SDK's ``Client`` on the auth path: against a real server process, and against a scripted
transport for the re-authorization rules."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from tests import expect, forge
from tests.conftest import Server, free_port
from transferd.client import (
    ApiError,
    AuthenticationError,
    Client,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    TransferdClientError,
    TransportError,
    UnsupportedMediaTypeError,
)

# --- against a real server ---------------------------------------------------------------------


@pytest.mark.e2e
def test_authorizes_on_construction(server: Server) -> None:
    with Client(server.first_key, base_url=server.base_url) as client:
        assert client.token is not None
        claims = forge.split(client.token)[1]
        assert "user_identifier" not in claims
        with pytest.raises(NotFoundError) as caught:
            client.request("GET", "/v2/transfers/t")
        assert caught.value.status == 404
        assert caught.value.message == expect.TRANSFER_NOT_FOUND


@pytest.mark.e2e
def test_authorize_returns_the_token_response(server: Server) -> None:
    with Client(server.first_key, base_url=server.base_url, user_identifier="u-a") as client:
        first = client.token
        response = client.authorize()
        assert set(response) == {"success", "token"} and response["success"] is True
        assert response["token"] == client.token != first
        assert forge.split(response["token"])[1]["user_identifier"] == "u-a"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("api_key", "error", "status", "message"),
    [
        pytest.param("tfd_sk_not-a-key", PermissionDeniedError, 403, expect.KEY_INVALID, id="malformed"),
        pytest.param("", AuthenticationError, 401, expect.KEY_MISSING, id="empty"),
    ],
)
def test_bad_key_raises_a_typed_error_with_the_servers_message(
    server: Server, api_key: str, error: type[ApiError], status: int, message: str
) -> None:
    with pytest.raises(error) as caught:
        Client(api_key, base_url=server.base_url)
    assert (caught.value.status, caught.value.message) == (status, message)
    assert isinstance(caught.value, TransferdClientError)


@pytest.mark.e2e
def test_reauthorizes_once_when_its_token_is_refused(server: Server) -> None:
    with Client(server.first_key, base_url=server.base_url) as client:
        client._token = "garbage"
        with pytest.raises(NotFoundError):  # not AuthenticationError: it re-authorized and retried
            client.request("GET", "/v2/transfers/t")
        assert client.token is not None and client.token != "garbage"
        assert forge.split(client.token)[0]["alg"] == "EdDSA"


@pytest.mark.e2e
def test_revoked_key_is_permission_denied_without_retry_loops(server: Server) -> None:
    with Client(server.first_key, base_url=server.base_url) as client:
        key_id = forge.split(client.token or "")[1]["api_key_id"]
        assert server.cli("keys", "revoke", key_id).returncode == 0
        with pytest.raises(PermissionDeniedError) as caught:
            client.request("GET", "/v2/transfers/t")
        assert caught.value.message == expect.KEY_INVALID


@pytest.mark.e2e
def test_errors_keep_the_servers_message(server: Server) -> None:
    with Client(server.first_key, base_url=server.base_url) as client:
        with pytest.raises(ApiError) as caught:
            client.request("DELETE", "/v2/transfers/t")
        assert (caught.value.status, caught.value.message) == (405, expect.METHOD_NOT_ALLOWED)
        with pytest.raises(NotFoundError) as not_found:
            client.request("GET", "/v1/boards")
        assert not_found.value.message == expect.NOT_FOUND


@pytest.mark.e2e
@pytest.mark.parametrize("padding", ["\n", "\r\n", " ", "\t"])
def test_key_read_from_a_file_with_a_newline_works(server: Server, padding: str) -> None:
    with Client(padding + server.first_key + padding, base_url=server.base_url) as client:
        assert forge.split(client.authorize()["token"])[1]["api_key_id"].startswith("key_")


@pytest.mark.e2e
@pytest.mark.parametrize(
    "inside", ["\n", "\r\nX-Injected: 1", "\x00", "é"], ids=["lf", "crlf-injection", "nul", "non-ascii"]
)
def test_unsendable_key_is_a_transport_error_that_does_not_quote_it(server: Server, inside: str) -> None:
    api_key = server.first_key[:20] + inside + server.first_key[20:]
    with pytest.raises(TransportError) as caught:
        Client(api_key, base_url=server.base_url)
    assert "API key" in str(caught.value)
    assert server.first_key[:20] not in str(caught.value) and server.first_key[20:] not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_unreachable_server_is_a_transport_error() -> None:
    with pytest.raises(TransportError):
        Client("tfd_sk_x", base_url=f"http://127.0.0.1:{free_port()}", timeout=5)


# --- against a scripted transport --------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """A fake server: authorize hands out numbered tokens; other calls answer ``guarded``."""

    def __init__(self, guarded: Handler) -> None:
        self.guarded = guarded
        self.authorizations = 0
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/v2/authorize":
            self.authorizations += 1
            return httpx.Response(200, json={"success": True, "token": f"token-{self.authorizations}"})
        return self.guarded(request)


def _client(script: Script) -> Client:
    return Client("tfd_sk_k", base_url="http://transferd.test", transport=httpx.MockTransport(script))


def _refuse(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(401, json={"success": False, "message": "Unauthorized: invalid token"})


def test_sends_the_headers_every_sdk_sends() -> None:
    script = Script(lambda _request: httpx.Response(200, json={"ok": True}))
    with _client(script) as client:
        assert client.request("GET", "/v2/transfers/t") == {"ok": True}
    authorize, call = script.requests
    assert authorize.method == "POST" and authorize.content == b""
    assert authorize.headers["content-type"] == "application/json"
    assert authorize.headers["x-api-key"] == "tfd_sk_k"
    assert "authorization" not in authorize.headers
    assert call.headers["content-type"] == "application/json"
    assert call.headers["x-api-key"] == "tfd_sk_k"
    assert call.headers["authorization"] == "Bearer token-1"


def test_user_identifier_goes_in_the_authorize_body() -> None:
    script = Script(_refuse)
    Client(
        "tfd_sk_k", base_url="http://transferd.test", user_identifier="u-a", transport=httpx.MockTransport(script)
    ).close()
    assert json.loads(script.requests[0].content) == {"user_identifier": "u-a"}


def test_reauthorizes_exactly_once_then_gives_up() -> None:
    script = Script(_refuse)
    with _client(script) as client, pytest.raises(AuthenticationError) as caught:
        client.request("GET", "/v2/transfers/t")
    assert caught.value.message == "Unauthorized: invalid token"
    assert script.authorizations == 2  # construction, then one retry
    paths = [request.url.path for request in script.requests]
    assert paths == ["/v2/authorize", "/v2/transfers/t", "/v2/authorize", "/v2/transfers/t"]
    assert script.requests[3].headers["authorization"] == "Bearer token-2"


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, PermissionDeniedError), (404, NotFoundError), (415, UnsupportedMediaTypeError), (500, ServerError)],
)
def test_other_errors_are_not_retried(status: int, error: type[ApiError]) -> None:
    script = Script(lambda _request: httpx.Response(status, json={"success": False, "message": "m"}))
    with _client(script) as client, pytest.raises(error) as caught:
        client.request("GET", "/v2/transfers/t")
    assert (caught.value.status, caught.value.message) == (status, "m")
    assert script.authorizations == 1


def test_non_json_error_body_falls_back_to_the_reason() -> None:
    script = Script(lambda _request: httpx.Response(502, text="<html>bad gateway</html>"))
    with _client(script) as client, pytest.raises(ServerError) as caught:
        client.request("GET", "/v2/transfers/t")
    assert caught.value.message == "Bad Gateway"


def test_repr_shows_neither_key_nor_token() -> None:
    with _client(Script(_refuse)) as client:
        assert "tfd_sk_k" not in repr(client) and "token-1" not in repr(client)


# --- the SDK stays light -----------------------------------------------------------------------

SERVER_MODULES = [
    "starlette",
    "sqlalchemy",
    "jwt",
    "uvicorn",
    "alembic",
    "pydantic_settings",
    "transferd.app",
    "transferd.store",
    "transferd.auth",
]


def test_importing_the_sdk_imports_no_server_dependency() -> None:
    code = "import json, sys\nimport transferd.client\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = set(json.loads(result.stdout))
    assert "transferd.client" in loaded
    leaked = sorted(
        name for name in loaded for banned in SERVER_MODULES if name == banned or name.startswith(banned + ".")
    )
    assert leaked == []
