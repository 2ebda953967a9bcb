"""Request and response helpers shared by every API module."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from transferd.auth.guard import Principal
from transferd.errors import InvalidJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

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


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Payload too large: the body may hold at most {limit} bytes")
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(f"Payload too large: the body may hold at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


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
        return await handler(request)

    return endpoint


def guarded(handler: Endpoint) -> Endpoint:
    """An API route behind the guard: Content-Type, API key and a bearer token bound to that key."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        if not has_json_content_type(request.headers):
            raise UnsupportedMediaType()
        request.state.principal = await request.app.state.services.guard.authenticate(request.headers)
        return await handler(request)

    return endpoint


def principal(request: Request) -> Principal:
    found: Principal = request.state.principal
    return found
