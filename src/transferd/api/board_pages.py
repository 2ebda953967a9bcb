"""Pages for a board's visitors: ``/b/<short id>`` shows its links and its completed files,
``/b/<short id>/files/<file id>`` streams one file (HEAD and Range supported). No API key is needed;
the short id is the credential. Viewing a page is not API activity and keeps no board alive.

Only ``http``/``https`` links are made clickable; anything else a client stored as a link url is
shown as plain text, so a ``javascript:`` url can never run from the page.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from transferd.api.pages import file_list, file_response, human_size, page
from transferd.services.boards import BoardService
from transferd.store.boards import BoardRecord, LinkRecord
from transferd.store.files import FileRecord


def _boards(request: Request) -> BoardService:
    service: BoardService = request.app.state.services.boards
    return service


def _not_found() -> HTMLResponse:
    return page("Not found", "<h1>Nothing here</h1><p>This link does not lead to a board.</p>", 404)


def _gone() -> HTMLResponse:
    return page("Expired", "<h1>This board has expired</h1><p>It was deleted after a long time without use.</p>", 410)


async def _live_board(request: Request) -> BoardRecord | Response:
    boards = _boards(request)
    board = await boards.store.by_short_id(request.path_params["short_id"])
    if board is None:
        return _not_found()
    if boards.expired(board):
        return _gone()
    return board


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def link_list(links: list[LinkRecord]) -> str:
    rows = []
    for link in links:
        title = html.escape(link.title)
        if _is_web_url(link.url):
            anchor = f'<a href="{html.escape(link.url)}" rel="noopener noreferrer nofollow">{title}</a>'
        else:
            anchor = title
        shown_url = f'<span class="size">{html.escape(link.url)}</span>' if link.title != link.url else ""
        rows.append(f"<li>{anchor}{shown_url}</li>")
    return f'<ul class="items links">{"".join(rows)}</ul>'


def _files_section(base: str, records: list[FileRecord]) -> str:
    if not records:
        return ""
    total = human_size(sum(record.size for record in records))
    heading = f"{len(records)} file{'s' if len(records) != 1 else ''}, {total}"
    return f"<h2>{heading}</h2>{file_list(base, records)}"


async def board_page(request: Request) -> Response:
    found = await _live_board(request)
    if isinstance(found, Response):
        return found
    board = found
    contents = await _boards(request).store.contents(board.id)
    completed = [record for record in contents.files if record.completed_at is not None]
    description = f"<p>{html.escape(board.description)}</p>" if board.description else ""
    sections = ""
    if contents.links:
        count = len(contents.links)
        sections += f"<h2>{count} link{'s' if count != 1 else ''}</h2>{link_list(contents.links)}"
    sections += _files_section(f"/b/{board.short_id}", completed)
    if not sections:
        sections = '<p class="meta">This board is empty for now.</p>'
    return page(board.name, f"<h1>{html.escape(board.name)}</h1>{description}{sections}")


async def board_file(request: Request) -> Response:
    found = await _live_board(request)
    if isinstance(found, Response):
        return found
    record = await _boards(request).files.get(request.path_params["file_id"])
    if record is None or record.board_id != found.id or record.completed_at is None:
        return _not_found()
    return file_response(request, record)


routes = [
    Route("/b/{short_id}", board_page, methods=["GET", "HEAD"]),
    Route("/b/{short_id}/files/{file_id}", board_file, methods=["GET", "HEAD"]),
]
