"""``Client``: authorizes on construction (like the official SDKs), keeps the token, and
re-authorizes once when a call is answered 401."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

import httpx

from transferd.client._boards import Boards
from transferd.client._transfers import Transfers
from transferd.client.errors import TransportError, error_for

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Client:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        user_identifier: str | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_identifier = user_identifier
        # Keys read from a file or pasted carry a newline; the server trims such whitespace too.
        self._api_key = api_key.strip()
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=16)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport, limits=limits)
        self._token: str | None = None
        self.transfers = Transfers(self)
        self.boards = Boards(self)
        try:
            self.authorize()
        except BaseException:
            self._http.close()
            raise

    @property
    def http(self) -> httpx.Client:
        """The underlying HTTP client (also used for uploads to pre-signed URLs)."""
        return self._http

    @property
    def token(self) -> str | None:
        return self._token

    def __repr__(self) -> str:  # never show the key or the token
        return f"Client(base_url={self.base_url!r})"

    def authorize(self) -> dict[str, Any]:
        """``POST /v2/authorize``; stores and returns the token response ``{"success", "token"}``."""
        body = {"user_identifier": self.user_identifier} if self.user_identifier is not None else None
        response: dict[str, Any] = self._send("POST", "/v2/authorize", body, authorized=False)
        self._token = response["token"]
        return response

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One authenticated API call; returns the parsed JSON body."""
        try:
            return self._send(method, path, body, authorized=True)
        except Exception as exc:
            if getattr(exc, "status", None) != 401:
                raise
        self.authorize()
        return self._send(method, path, body, authorized=True)

    def _send(self, method: str, path: str, body: Any, *, authorized: bool) -> Any:
        headers = {"Content-Type": "application/json", "x-api-key": self._api_key}
        if authorized and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        content = json.dumps(body).encode() if body is not None else b""
        try:
            response = self._http.request(method, path, headers=headers, content=content)
        except (httpx.LocalProtocolError, UnicodeEncodeError):
            # A header HTTP cannot carry; the library's message would quote it, and it is the key.
            raise TransportError(
                f"{method} {path}: cannot send the request: the API key holds characters HTTP does not allow"
            ) from None
        except httpx.HTTPError as exc:
            raise TransportError(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.is_error:
            message = payload.get("message") if isinstance(payload, dict) else None
            raise error_for(response.status_code, str(message or response.reason_phrase))
        return payload

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
