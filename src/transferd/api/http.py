"""Request and response helpers shared by every API module."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from transferd.auth.guard import Principal
from transferd.errors import InvalidJson, PayloadTooLarge, RequestTimeout, UnsupportedMediaType, ValidationFailed

Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(data: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def has_json_content_type(headers: Headers) -> bool:
    """Exactly one Content-Type whose media type is application/json; case and parameters are free
    (RFC 9110 §8.3.1). Vendor ``+json`` types and repeated headers are refused (decision D1)."""
    values = headers.getlist("content-type")
    if len(values) != 1:
        return False
    media_type = values[0].split(";", 1)[0].strip().lower()
    return media_type == "application/json"


async def timed_stream(request: Request, idle_seconds: float) -> AsyncIterator[bytes]:
    """The request body, chunk by chunk; a client that sends nothing for ``idle_seconds`` gets
    408, so a stalled body cannot hold a connection (and a temp file) forever."""
    chunks = request.stream().__aiter__()
    while True:
        try:
            async with asyncio.timeout(idle_seconds):
                chunk = await chunks.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise RequestTimeout() from None
        yield chunk


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body (at most ``limit`` bytes), read once and kept on the request."""
    cached: bytes | None = getattr(request.state, "body", None)
    if cached is not None:
        return cached
    declared = request.headers.get("content-length")
    if (declared is None or declared == "0") and "transfer-encoding" not in request.headers:
        request.state.body = b""  # no body on the wire (RFC 9112 §6.3): nothing to wait for
        return b""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Payload too large: the body may hold at most {limit} bytes")
    chunks: list[bytes] = []
    received = 0
    async for chunk in timed_stream(request, request.app.state.services.settings.body_read_timeout_seconds):
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(f"Payload too large: the body may hold at most {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    request.state.body = body
    return body


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"The request body is not valid JSON: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # bad encoding, over-long integer, deep nesting
        raise InvalidJson() from exc


async def read_json(request: Request) -> Any:
    """The parsed body, or None for an empty one (clients send ``Content-Type: application/json``
    with no body on authorize, finalize and board upload-complete)."""
    body = await read_body(request, request.app.state.services.settings.max_json_body_bytes)
    if not body.strip():
        return None
    return parse_json(body)


async def read_json_object(request: Request, name: str) -> dict[str, Any] | None:
    """The body as a JSON object, or None for an empty body; any other JSON value is a 400."""
    body = await read_body(request, request.app.state.services.settings.max_json_body_bytes)
    if not body.strip():
        return None
    value = parse_json(body)
    if not isinstance(value, dict):
        raise ValidationFailed(f'"{name}" must be an object')
    return value


def json_api(handler: Endpoint) -> Endpoint:
    """An API route: requires ``Content-Type: application/json`` (decision D2), nothing more."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        if not has_json_content_type(request.headers):
            raise UnsupportedMediaType()
        await _receive_whole_body(request)
        return await handler(request)

    return endpoint


async def _receive_whole_body(request: Request) -> None:
    # Credentials are checked only once the whole body is in: a request whose headers arrived
    # before its key was revoked must not complete after the revocation returned.
    await read_body(request, request.app.state.services.settings.max_json_body_bytes)


def guarded(handler: Endpoint) -> Endpoint:
    """An API route behind the guard: Content-Type, API key and a bearer token bound to that key."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        if not has_json_content_type(request.headers):
            raise UnsupportedMediaType()
        await _receive_whole_body(request)
        request.state.principal = await request.app.state.services.guard.authenticate(request.headers)
        return await handler(request)

    return endpoint


def principal(request: Request) -> Principal:
    found: Principal = request.state.principal
    return found
