"""The board API (``/v2/boards``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transferd.api.http import guarded
from transferd.errors import BoardNotFound


@guarded
async def get_board(request: Request) -> Response:
    raise BoardNotFound()


routes = [Route("/v2/boards/{board_id}", get_board, methods=["GET"])]
