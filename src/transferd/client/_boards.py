"""``client.boards``: create a board, add links, add files (uploaded part by part), read it.

with Client(key, base_url="http://127.0.0.1:8000") as client:
    board = client.boards.create("Holiday", description="photos and links")
    client.boards.add_links(board["id"], [("https://example.com", "Example")])
    client.boards.add_files(board["id"], ["photo.jpg", ("notes.txt", b"hello")])
    print(client.boards.get(board["id"])["url"])
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from transferd.client._uploads import FileInput, PartJob, Progress, Source, part_jobs, upload_parts

if TYPE_CHECKING:
    from transferd.client._client import Client

# A link: a url, a (url, title) pair (title may be None) or a mapping with "url" and maybe "title".
LinkInput = str | tuple[str, str | None] | Mapping[str, Any]


def _segment(value: str) -> str:
    return quote(value, safe="")


def _link_body(link: LinkInput) -> dict[str, Any]:
    if isinstance(link, str):
        return {"url": link}
    if isinstance(link, tuple):
        url, title = link
        return {"url": url} if title is None else {"url": url, "title": title}
    body = {"url": link["url"]}
    if link.get("title") is not None:
        body["title"] = link["title"]
    return body


class Boards:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(self, name: str, description: str | None = None) -> dict[str, Any]:
        """``POST /v2/boards``; the board (``id``, ``url``, ``items`` ...). Its page works at once."""
        body: dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        board: dict[str, Any] = self._client.request("POST", "/v2/boards", body)
        return board

    def get(self, board_id: str) -> dict[str, Any]:
        """``GET /v2/boards/{id}``; the board with its items in the order they were added."""
        board: dict[str, Any] = self._client.request("GET", f"/v2/boards/{_segment(board_id)}")
        return board

    def add_links(self, board_id: str, links: Iterable[LinkInput]) -> list[dict[str, Any]]:
        """``POST /v2/boards/{id}/links``; the created links, in order (a title defaults to the url)."""
        body = [_link_body(link) for link in links]
        created: list[dict[str, Any]] = self._client.request("POST", f"/v2/boards/{_segment(board_id)}/links", body)
        return created

    def add_files(
        self,
        board_id: str,
        files: Sequence[FileInput],
        progress: Progress | None = None,
        *,
        concurrency: int = 4,
        retries: int = 3,
    ) -> list[dict[str, Any]]:
        """Add files to the board and upload them: ``POST .../files``, every part (parallel, with
        retries), then upload-complete per file. Returns the created files, in request order."""
        sources = [Source.of(item) for item in files]
        created = self.add_files_empty(board_id, [(source.name, source.size) for source in sources])
        jobs: list[PartJob] = []
        # The server keeps the request order (names may have been stripped), so match by index.
        for source, remote in zip(sources, created, strict=True):
            url_for = functools.partial(self._part_url, board_id, remote["id"], remote["multipart"]["id"])
            jobs += part_jobs(source, remote, url_for)
        upload_parts(self._client, jobs, concurrency=concurrency, retries=retries, progress=progress)
        for remote in created:
            self.complete_file(board_id, remote["id"])
        return created

    def add_files_empty(self, board_id: str, files: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
        """``POST /v2/boards/{id}/files`` with ``[(name, size), ...]``; nothing is uploaded."""
        body = [{"name": name, "size": size} for name, size in files]
        created: list[dict[str, Any]] = self._client.request("POST", f"/v2/boards/{_segment(board_id)}/files", body)
        return created

    def _part_url(self, board_id: str, file_id: str, multipart_id: str, part_number: int) -> str:
        return self.upload_url(board_id, file_id, part_number, multipart_id)

    def upload_url(self, board_id: str, file_id: str, part_number: int, multipart_id: str) -> str:
        result = self._client.request(
            "GET",
            f"/v2/boards/{_segment(board_id)}/files/{_segment(file_id)}"
            f"/upload-url/{part_number}/{_segment(multipart_id)}",
        )
        url: str = result["url"]
        return url

    def complete_file(self, board_id: str, file_id: str) -> dict[str, Any]:
        """``PUT .../upload-complete`` (no body); ``{"success": true, "message": ...}``."""
        result: dict[str, Any] = self._client.request(
            "PUT", f"/v2/boards/{_segment(board_id)}/files/{_segment(file_id)}/upload-complete"
        )
        return result
