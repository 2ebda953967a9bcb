"""What the API promises clients, written out once: the error messages of the auth path and
checks for the error shape ``{"success": false, "message": ...}`` (known-faults.md, "E")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Response(Protocol):
    """What these checks read; met by httpx responses and by the test client's (httpx2) ones."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    def json(self, **kwargs: Any) -> Any: ...


KEY_MISSING = "Unauthorized: missing API key (send it in the x-api-key header)"
KEY_INVALID = "Forbidden: invalid API Key"
TOKEN_MISSING = "Unauthorized: missing bearer token (send Authorization: Bearer <JWT>)"
TOKEN_INVALID = "Unauthorized: invalid token"
TOKEN_MALFORMED = "Unauthorized: malformed token"
TOKEN_ALGORITHM = "Unauthorized: token algorithm not accepted"
TOKEN_UNKNOWN_KID = "Unauthorized: token signed by an unknown key"
TOKEN_NOT_YET_VALID = "Unauthorized: token not valid yet"
TOKEN_TIMES = "Unauthorized: token times must be integers"
TOKEN_EXPIRED = "Unauthorized: the token has expired, authorize again"
TOKEN_WRONG_SCHEME = "Unauthorized: use the Bearer scheme"
TOKEN_KEY_REVOKED = "Unauthorized: the token's API key has been revoked"
TOKEN_KEY_MISMATCH = "Forbidden: the token was not issued for this API key"
UNSUPPORTED_MEDIA_TYPE = "Unsupported Media Type: set Content-Type to 'application/json'"
INVALID_JSON = "The request body is not valid JSON"
AUTHORIZE_NOT_OBJECT = '"authorize" must be an object'
NOT_FOUND = "Resource not found"
METHOD_NOT_ALLOWED = "The HTTP method or resources may not be supported."
INTERNAL = "Internal server error"
# What the guarded placeholder routes answer for an unknown id: a 404 from them means the guard let
# the request through.
TRANSFER_NOT_FOUND = "Couldn't find Transfer"
BOARD_NOT_FOUND = "This board does not exist"


def is_json(response: Response) -> bool:
    return response.headers.get("content-type", "").split(";")[0].strip() == "application/json"


def error(response: Response, status: int, message: str | None = None) -> None:
    """``response`` is the API error ``status`` with body E (exactly ``message`` when given)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert is_json(response), response.headers
    body = response.json()
    if message is None:
        assert set(body) == {"success", "message"}, body
        assert body["success"] is False
        assert isinstance(body["message"], str) and body["message"]
    else:
        assert body == {"success": False, "message": message}


def unauthorized(response: Response, message: str | None = None) -> None:
    """A 401 for a missing or bad token: E plus a ``WWW-Authenticate: Bearer`` challenge."""
    error(response, 401, message)
    assert response.headers.get("www-authenticate", "").startswith("Bearer"), response.headers


def passed_guard(response: Response) -> None:
    """The guarded ``GET /v2/transfers/{id}`` of an unknown id answered: the guard let it through."""
    error(response, 404, TRANSFER_NOT_FOUND)


def token_response(response: Response) -> str:
    """A successful authorize: 200 ``{"success": true, "token": <JWT>}``; returns the token."""
    assert response.status_code == 200, (response.status_code, response.text)
    assert is_json(response)
    body = response.json()
    assert set(body) == {"success", "token"} and body["success"] is True, body
    token: str = body["token"]
    assert token.count(".") == 2
    return token
