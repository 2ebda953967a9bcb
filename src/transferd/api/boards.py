"""The board API (``/v2/boards``), with the status codes recorded live: create, links and files
201, upload-url 200, upload-complete 202, get 200.

Every route that names a board first checks that it is the caller's (404 otherwise, the same body
for an unknown and a foreign board) and live (410 once deleted for inactivity), and only then reads
the body, so a foreign board is never told apart by its validation errors.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transferd.api.http import guarded, json_response, principal, read_json
from transferd.services.boards import COMPLETE_MESSAGE, BoardService, BoardView, render_board, render_link
from transferd.services.transfers import render_file


def _boards(request: Request) -> BoardService:
    service: BoardService = request.app.state.services.boards
    return service


def _render(request: Request, view: BoardView) -> Response:
    return json_response(render_board(view, request.app.state.services.settings.base_url))


@guarded
async def create_board(request: Request) -> Response:
    view = await _boards(request).create(principal(request), await read_json(request))
    response = _render(request, view)
    response.status_code = 201
    return response


@guarded
async def get_board(request: Request) -> Response:
    boards = _boards(request)
    board = await boards.owned(principal(request), request.path_params["board_id"])
    return _render(request, await boards.view(board))


@guarded
async def add_links(request: Request) -> Response:
    boards = _boards(request)
    board = await boards.owned(principal(request), request.path_params["board_id"])
    links = await boards.add_links(board, await read_json(request))
    return json_response([render_link(link) for link in links], status_code=201)


@guarded
async def add_files(request: Request) -> Response:
    boards = _boards(request)
    board = await boards.owned(principal(request), request.path_params["board_id"])
    records = await boards.add_files(board, await read_json(request))
    return json_response([render_file(record) for record in records], status_code=201)


@guarded
async def upload_url(request: Request) -> Response:
    params = request.path_params
    url = await _boards(request).upload_url(
        principal(request), params["board_id"], params["file_id"], params["part_number"], params.get("multipart_id")
    )
    return json_response({"success": True, "url": url})


@guarded
async def complete_file(request: Request) -> Response:
    # The body is ignored, unread and unparsed: the JS SDK sends {"part_numbers": N}, Ruby {},
    # Python and Swift nothing, and none of it changes the answer.
    params = request.path_params
    await _boards(request).complete_file(principal(request), params["board_id"], params["file_id"])
    return json_response({"success": True, "message": COMPLETE_MESSAGE}, status_code=202)


_FILE = "/v2/boards/{board_id}/files/{file_id}"

routes = [
    Route("/v2/boards", create_board, methods=["POST"]),
    Route("/v2/boards/{board_id}", get_board, methods=["GET"]),
    Route("/v2/boards/{board_id}/links", add_links, methods=["POST"]),
    Route("/v2/boards/{board_id}/files", add_files, methods=["POST"]),
    Route(_FILE + "/upload-url/{part_number}/{multipart_id}", upload_url, methods=["GET"]),
    Route(_FILE + "/upload-url/{part_number}", upload_url, methods=["GET"]),  # no multipart id: 400
    Route(_FILE + "/upload-url/{part_number}/", upload_url, methods=["GET"]),  # an empty one: 400 too
    Route(_FILE + "/upload-complete", complete_file, methods=["PUT"]),
]
