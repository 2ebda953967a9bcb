"""``client.transfers``: the whole transfer flow in one call, and each step on its own."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from transferd.client._uploads import FileInput, PartJob, Progress, Source, part_jobs, upload_parts

if TYPE_CHECKING:
    from transferd.client._client import Client


class Transfers:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        files: Sequence[FileInput],
        message: str = "",
        *,
        progress: Progress | None = None,
        concurrency: int = 4,
        retries: int = 3,
    ) -> dict[str, Any]:
        """Create a transfer, upload every file (parts in parallel, with retries), complete each
        file and finalize. Returns the finalized transfer, whose ``url`` is the download page."""
        sources = [Source.of(item) for item in files]
        transfer = self.create_empty([(s.name, s.size) for s in sources], message)
        jobs: list[PartJob] = []
        # The server answers in request order (names may have been stripped), so match by index.
        for source, remote in zip(sources, transfer["files"], strict=True):
            jobs += part_jobs(source, remote, functools.partial(self.upload_url, transfer["id"], remote["id"]))
        upload_parts(self._client, jobs, concurrency=concurrency, retries=retries, progress=progress)
        for remote in transfer["files"]:
            self.complete_file(transfer["id"], remote["id"], remote["multipart"]["part_numbers"])
        return self.finalize(transfer["id"])

    def create_empty(self, files: Sequence[tuple[str, int]], message: str = "") -> dict[str, Any]:
        """``POST /v2/transfers`` with ``[(name, size), ...]``; nothing is uploaded."""
        body = {"message": message, "files": [{"name": name, "size": size} for name, size in files]}
        result: dict[str, Any] = self._client.request("POST", "/v2/transfers", body)
        return result

    def upload_url(self, transfer_id: str, file_id: str, part_number: int) -> str:
        result = self._client.request("GET", f"/v2/transfers/{transfer_id}/files/{file_id}/upload-url/{part_number}")
        url: str = result["url"]
        return url

    def complete_file(self, transfer_id: str, file_id: str, part_numbers: int) -> dict[str, Any]:
        result: dict[str, Any] = self._client.request(
            "PUT", f"/v2/transfers/{transfer_id}/files/{file_id}/upload-complete", {"part_numbers": part_numbers}
        )
        return result

    def finalize(self, transfer_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._client.request("PUT", f"/v2/transfers/{transfer_id}/finalize")
        return result

    def get(self, transfer_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._client.request("GET", f"/v2/transfers/{transfer_id}")
        return result

    def wait_until_downloadable(self, transfer_id: str, timeout: float = 300.0) -> dict[str, Any]:
        """Poll until the server has finished processing (joining the parts)."""
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            transfer = self.get(transfer_id)
            if transfer["state"] == "downloadable" or time.monotonic() > deadline:
                return transfer
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
