"""The transfer API (``/v2/transfers``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transferd.api.http import guarded
from transferd.errors import TransferNotFound


@guarded
async def get_transfer(request: Request) -> Response:
    raise TransferNotFound()


routes = [Route("/v2/transfers/{transfer_id}", get_transfer, methods=["GET"])]
