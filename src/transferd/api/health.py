"""Unauthenticated operational routes: health and the public signing keys."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transferd.api.http import json_response

_OK = json_response({"status": "ok"}).body


async def healthz(_request: Request) -> Response:
    return Response(_OK, media_type="application/json")


async def jwks(request: Request) -> Response:
    return json_response(request.app.state.services.tokens.keyring.jwks(), headers={"Cache-Control": "max-age=300"})


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/.well-known/jwks.json", jwks, methods=["GET"]),
]
