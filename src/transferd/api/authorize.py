"""``POST /v2/authorize``: an API key in, a one-year token out."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transferd.api.http import json_api, json_response, read_json_object
from transferd.errors import ValidationFailed
from transferd.text import refuse_unstorable

MAX_USER_IDENTIFIER = 255


def parse_user_identifier(body: dict[str, Any] | None) -> str | None:
    if body is None:
        return None
    value = body.get("user_identifier")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed('"user_identifier" must be a string')
    if not value or len(value) > MAX_USER_IDENTIFIER:
        raise ValidationFailed(f'"user_identifier" must hold 1 to {MAX_USER_IDENTIFIER} characters')
    # It is stored with every transfer and board the token creates, for a year: check it now.
    refuse_unstorable(value, "user_identifier")
    return value


@json_api
async def authorize(request: Request) -> Response:
    services = request.app.state.services
    # Any Authorization header is ignored here: clients re-authorize with a stale token (BL-14).
    key = await services.guard.authenticate_key(request.headers)
    user_identifier = parse_user_identifier(await read_json_object(request, "authorize"))
    token = services.tokens.issue(
        api_key_id=key.id,
        application_id=key.application_id,
        user_identifier=user_identifier,
        now=services.clock.now(),
    )
    return json_response({"success": True, "token": token})


routes = [Route("/v2/authorize", authorize, methods=["POST"])]
