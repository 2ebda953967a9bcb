"""Helpers for the transfer API tests: a ``Caller`` (one key, its token, the ``[H-API]`` headers)
that creates transfers, uploads parts, completes, finalizes and waits for processing."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.conftest import Api, make_settings
from transferd.app import create_app
from transferd.clock import FrozenClock
from transferd.store.schema import transfers

CHUNK = 5 * 1024 * 1024
HOUR = 3600
DAY = 24 * HOUR
WEEK = 7 * DAY

TRANSFER_KEYS = {"success", "id", "state", "message", "url", "files", "expires_at"}
FILE_KEYS = {"id", "name", "size", "multipart", "type"}
COMPLETE_KEYS = {"success", "id", "retries", "name", "size", "chunk_size"}

T = TypeVar("T")


def payload(size: int, seed: int = 0) -> bytes:
    """Reproducible pseudo-random bytes (so a swapped or shifted part is always noticed)."""
    return random.Random(seed).randbytes(size)


def md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


def run(api: Api, func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run a coroutine function on the app's event loop (services, sweeper, store)."""
    portal = api.client.portal
    assert portal is not None
    return portal.call(func, *args)


def url_expiry(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["expires"][0])


def blob_files(api: Api, prefix: str = "") -> list[Path]:
    """Every regular file (parts, temporary files, objects) stored under ``blobs/<prefix>``."""
    root = api.settings.data_dir / "blobs" / prefix
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def put(api: Api, url: str, data: bytes, headers: dict[str, str] | None = None) -> httpx2.Response:
    """A part PUT as the SDKs send it: no API key, no token, only what ``headers`` adds."""
    return api.client.put(url, content=data, headers=headers or {})


@dataclass
class Caller:
    """One client of the API: an API key and a token issued for it."""

    api: Api
    key: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return self.api.headers(self.key, self.token)

    def post_transfer(self, body: Any) -> httpx2.Response:
        return self.api.client.post("/v2/transfers", json=body, headers=self.headers)

    def create(self, files: list[tuple[str, int]], message: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"files": [{"name": name, "size": size} for name, size in files]}
        if message is not None:
            body["message"] = message
        response = self.post_transfer(body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def get(self, transfer_id: str) -> httpx2.Response:
        return self.api.client.get(f"/v2/transfers/{transfer_id}", headers=self.headers)

    def upload_url(self, transfer_id: str, file_id: str, part: int | str) -> httpx2.Response:
        return self.api.client.get(
            f"/v2/transfers/{transfer_id}/files/{file_id}/upload-url/{part}", headers=self.headers
        )

    def url(self, transfer_id: str, file_id: str, part: int) -> str:
        response = self.upload_url(transfer_id, file_id, part)
        assert response.status_code == 200, response.text
        url: str = response.json()["url"]
        return url

    def complete(self, transfer_id: str, file_id: str, body: Any = None) -> httpx2.Response:
        return self.api.client.put(
            f"/v2/transfers/{transfer_id}/files/{file_id}/upload-complete", json=body, headers=self.headers
        )

    def finalize(self, transfer_id: str) -> httpx2.Response:
        return self.api.client.put(f"/v2/transfers/{transfer_id}/finalize", headers=self.headers)

    def upload_parts(self, transfer: dict[str, Any], index: int, data: bytes) -> None:
        """PUT every part of ``files[index]`` (sliced by its chunk_size), each answered 200."""
        file = transfer["files"][index]
        chunk = file["multipart"]["chunk_size"]
        for part in range(1, file["multipart"]["part_numbers"] + 1):
            piece = data[(part - 1) * chunk : part * chunk]
            response = put(self.api, self.url(transfer["id"], file["id"], part), piece)
            assert response.status_code == 200, response.text

    def upload(self, transfer: dict[str, Any], index: int, data: bytes) -> None:
        """Upload every part of ``files[index]`` and complete it."""
        file = transfer["files"][index]
        self.upload_parts(transfer, index, data)
        response = self.complete(transfer["id"], file["id"], {"part_numbers": file["multipart"]["part_numbers"]})
        assert response.status_code == 200, response.text

    def send(self, files: dict[str, bytes], message: str | None = None) -> dict[str, Any]:
        """Create, upload, complete and finalize; the finalize body."""
        transfer = self.create([(name, len(data)) for name, data in files.items()], message)
        for index, data in enumerate(files.values()):
            self.upload(transfer, index, data)
        response = self.finalize(transfer["id"])
        assert response.status_code == 200, response.text
        finalized: dict[str, Any] = response.json()
        return finalized

    def wait_downloadable(self, transfer_id: str, timeout: float = 20.0) -> dict[str, Any]:
        """Poll ``GET /v2/transfers/{id}`` until processing is done. Between polls the app's
        background work is awaited on its own loop, so no sleeping is involved."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(transfer_id)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            if body["state"] == "downloadable":
                return body
            assert body["state"] == "processing", body
            assert time.monotonic() < deadline, f"transfer {transfer_id} still processing after {timeout}s"
            run(self.api, self.api.services.transfers.wait_idle)

    def share(self, files: dict[str, bytes], message: str | None = None) -> dict[str, Any]:
        """A downloadable transfer holding ``files``; its GET body."""
        finalized = self.send(files, message)
        return self.wait_downloadable(finalized["id"])


def caller_for(api: Api, app: str, user_identifier: str | None = None, key_name: str | None = None) -> Caller:
    key = api.create_key(key_name or f"{app}-key-{user_identifier}", app=app)
    return Caller(api, key, api.authorize(key, user_identifier))


@pytest.fixture
def caller(api: Api, key: str, token: str) -> Caller:
    return Caller(api, key, token)


ApiFactory = Callable[..., Api]


@pytest.fixture
def make_api(tmp_path: Path, database_url: str | None) -> Iterator[ApiFactory]:
    """Build an app with its own settings (lowered limits and the like): ``make_api(max_files_per_transfer=3)``.
    On PostgreSQL (TRANSFERD_TEST_POSTGRES) the apps of one test share the test's database."""
    with ExitStack() as stack:
        count = 0

        def build(**overrides: object) -> Api:
            nonlocal count
            count += 1
            clock = FrozenClock()
            settings = make_settings(tmp_path / f"custom-{count}", **{"database_url": database_url, **overrides})
            app = create_app(settings, clock=clock)
            client = stack.enter_context(TestClient(app, base_url="http://testserver", raise_server_exceptions=False))
            return Api(client=client, services=app.state.services, clock=clock, settings=settings)

        yield build


def transfer_count(api: Api) -> int:
    """How many transfers the database holds (to show a refused request created nothing)."""

    async def count() -> int:
        query = select(func.count()).select_from(transfers)
        return int(await api.services.db.read(lambda conn: conn.execute(query).scalar_one()))

    return run(api, count)


def download(api: Api, transfer: dict[str, Any], index: int) -> httpx2.Response:
    """The recipient's download of ``files[index]`` (``transfer`` is a finalized transfer object)."""
    return api.client.get(f"{transfer['url']}/files/{transfer['files'][index]['id']}")
