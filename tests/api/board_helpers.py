"""Helpers for the board API tests: a ``BoardCaller`` (one key, its token, the ``[H-API]`` headers)
that creates boards, adds links and files, uploads parts and completes files."""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx2
from starlette.testclient import TestClient

from tests.conftest import Api

PART = 6 * 1024 * 1024  # 6291456, the board part size
DAY = 24 * 3600
BOARD_KEYS = {"success", "id", "state", "url", "name", "description", "items"}
FILE_KEYS = {"id", "name", "size", "multipart", "type"}
MULTIPART_KEYS = {"id", "part_numbers", "chunk_size"}
LINK_KEYS = {"id", "url", "meta", "type"}
COMPLETE_BODY = {"success": True, "message": "File is marked as complete."}
BOARD_NOT_FOUND = {"success": False, "message": "This board does not exist"}
BOARD_GONE = "Gone: this board was deleted after a long time without activity"
FILE_NOT_FOUND = "File not found"
ID = re.compile(r"s[a-z0-9]{16}\d{14}")  # board, board file and link ids: 31 characters
MULTIPART_ID = re.compile(r"[A-Za-z0-9._-]+")
BOARD_URL = re.compile(r"http://testserver/b/([A-Za-z0-9]+)")

T = TypeVar("T")


def payload(size: int, seed: int = 0) -> bytes:
    """Reproducible pseudo-random bytes (a swapped or shifted part is always noticed)."""
    return random.Random(seed).randbytes(size)


def run(api: Api, func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run a coroutine function on the app's event loop (services, sweeper, store)."""
    portal = api.client.portal
    assert portal is not None
    return portal.call(func, *args)


def short_id(board: dict[str, Any]) -> str:
    match = BOARD_URL.fullmatch(board["url"])
    assert match, board["url"]
    return match.group(1)


@dataclass
class BoardCaller:
    """One client of the board API: an API key and a token issued for it."""

    api: Api
    key: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return self.api.headers(self.key, self.token)

    @property
    def client(self) -> TestClient:
        return self.api.client

    def post_board(self, body: Any = None, content: bytes | None = None) -> httpx2.Response:
        if content is not None:
            return self.client.post("/v2/boards", content=content, headers=self.headers)
        return self.client.post("/v2/boards", json=body, headers=self.headers)

    def create(self, name: str = "Board", description: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        response = self.post_board(body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def get(self, board_id: str) -> httpx2.Response:
        return self.client.get(f"/v2/boards/{board_id}", headers=self.headers)

    def board(self, board_id: str) -> dict[str, Any]:
        response = self.get(board_id)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def post_links(self, board_id: str, body: Any = None, content: bytes | None = None) -> httpx2.Response:
        url = f"/v2/boards/{board_id}/links"
        if content is not None:
            return self.client.post(url, content=content, headers=self.headers)
        return self.client.post(url, json=body, headers=self.headers)

    def links(self, board_id: str, links: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self.post_links(board_id, links)
        assert response.status_code == 201, response.text
        created: list[dict[str, Any]] = response.json()
        return created

    def post_files(self, board_id: str, body: Any = None, content: bytes | None = None) -> httpx2.Response:
        url = f"/v2/boards/{board_id}/files"
        if content is not None:
            return self.client.post(url, content=content, headers=self.headers)
        return self.client.post(url, json=body, headers=self.headers)

    def files(self, board_id: str, files: list[tuple[str, int]]) -> list[dict[str, Any]]:
        response = self.post_files(board_id, [{"name": name, "size": size} for name, size in files])
        assert response.status_code == 201, response.text
        created: list[dict[str, Any]] = response.json()
        return created

    def upload_url(
        self, board_id: str, file: dict[str, Any], part: int | str, multipart_id: str | None = None
    ) -> httpx2.Response:
        mpid = file["multipart"]["id"] if multipart_id is None else multipart_id
        return self.client.get(
            f"/v2/boards/{board_id}/files/{file['id']}/upload-url/{part}/{mpid}", headers=self.headers
        )

    def url(self, board_id: str, file: dict[str, Any], part: int) -> str:
        response = self.upload_url(board_id, file, part)
        assert response.status_code == 200, response.text
        url: str = response.json()["url"]
        return url

    def put_part(self, board_id: str, file: dict[str, Any], part: int, data: bytes) -> None:
        response = self.client.put(self.url(board_id, file, part), content=data)
        assert response.status_code == 200, response.text

    def upload_parts(self, board_id: str, file: dict[str, Any], data: bytes, order: list[int] | None = None) -> None:
        """PUT the parts of ``file`` (sliced at its chunk_size), in ``order`` (default 1..n)."""
        chunk = file["multipart"]["chunk_size"]
        parts = order or list(range(1, file["multipart"]["part_numbers"] + 1))
        for part in parts:
            self.put_part(board_id, file, part, data[(part - 1) * chunk : part * chunk])

    def complete(self, board_id: str, file_id: str, content: bytes | None = None) -> httpx2.Response:
        return self.client.put(
            f"/v2/boards/{board_id}/files/{file_id}/upload-complete", content=content, headers=self.headers
        )

    def upload(self, board_id: str, file: dict[str, Any], data: bytes) -> None:
        self.upload_parts(board_id, file, data)
        response = self.complete(board_id, file["id"])
        assert response.status_code == 202, response.text
        assert response.json() == COMPLETE_BODY

    def add_and_upload(self, board_id: str, name: str, data: bytes) -> dict[str, Any]:
        [file] = self.files(board_id, [(name, len(data))])
        self.upload(board_id, file, data)
        return file


def caller_for(api: Api, app: str, user_identifier: str | None = None) -> BoardCaller:
    key = api.create_key(f"{app}-key-{user_identifier}", app=app)
    return BoardCaller(api, key, api.authorize(key, user_identifier))
