"""The transfer API (``/v2/transfers``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transferd.api.http import guarded, json_response, principal, read_json
from transferd.errors import ValidationFailed
from transferd.services.transfers import TRANSFER_CHUNK_SIZE, render_transfer


@guarded
async def create_transfer(request: Request) -> Response:
    services = request.app.state.services
    body = await read_json(request)
    if body is None:
        raise ValidationFailed('"transfer" must be an object')
    view = await services.transfers.create(principal(request), body)
    return json_response(render_transfer(view, services.settings.base_url), status_code=201)


@guarded
async def get_transfer(request: Request) -> Response:
    services = request.app.state.services
    view = await services.transfers.get(principal(request), request.path_params["transfer_id"])
    return json_response(render_transfer(view, services.settings.base_url))


@guarded
async def upload_url(request: Request) -> Response:
    params = request.path_params
    url = await request.app.state.services.transfers.upload_url(
        principal(request), params["transfer_id"], params["file_id"], params["part_number"]
    )
    return json_response({"success": True, "url": url})


@guarded
async def complete_file(request: Request) -> Response:
    params = request.path_params
    record = await request.app.state.services.transfers.complete_file(
        principal(request), params["transfer_id"], params["file_id"], await read_json(request)
    )
    return json_response(
        {
            "success": True,
            "id": record.id,
            "retries": 0,
            "name": record.name,
            "size": record.size,
            "chunk_size": TRANSFER_CHUNK_SIZE,
        }
    )


@guarded
async def finalize(request: Request) -> Response:
    services = request.app.state.services
    await read_json(request)  # clients send nothing, "" or {}; any JSON is ignored
    view = await services.transfers.finalize(principal(request), request.path_params["transfer_id"])
    return json_response(render_transfer(view, services.settings.base_url))


routes = [
    Route("/v2/transfers", create_transfer, methods=["POST"]),
    Route("/v2/transfers/{transfer_id}", get_transfer, methods=["GET"]),
    Route("/v2/transfers/{transfer_id}/files/{file_id}/upload-url/{part_number}", upload_url, methods=["GET"]),
    Route("/v2/transfers/{transfer_id}/files/{file_id}/upload-complete", complete_file, methods=["PUT"]),
    Route("/v2/transfers/{transfer_id}/finalize", finalize, methods=["PUT"]),
]
