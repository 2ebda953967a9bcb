"""``client.transfers`` and ``download`` against a real ``transferd serve``."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.conftest import Server
from transferd.client import BadRequestError, Client, NotFoundError, download

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


def test_create_uploads_every_kind_of_source_and_downloads_byte_exact(server: Server, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 * MIB + 7))  # three 5 MiB parts, the last one short
    small = os.urandom(100)
    stream = io.BytesIO(b"from a file object")
    seen: list[tuple[int, int]] = []
    with Client(server.first_key, base_url=server.base_url) as client:
        transfer = client.transfers.create(
            [big, ("small.bin", small), ("stream.txt", stream)],
            message="hello",
            progress=lambda done, total: seen.append((done, total)),
        )
        assert transfer["state"] == "processing" and transfer["url"].startswith(f"{server.base_url}/t/")
        assert [f["name"] for f in transfer["files"]] == ["big.bin", "small.bin", "stream.txt"]
        assert client.transfers.wait_until_downloadable(transfer["id"], timeout=60)["state"] == "downloadable"
    total = 12 * MIB + 7 + 100 + len(b"from a file object")
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    saved = download(transfer["url"], tmp_path / "out")
    assert sorted(path.name for path in saved) == ["big.bin", "small.bin", "stream.txt"]
    assert (tmp_path / "out" / "big.bin").read_bytes() == big.read_bytes()
    assert (tmp_path / "out" / "small.bin").read_bytes() == small
    assert (tmp_path / "out" / "stream.txt").read_bytes() == b"from a file object"


def test_the_manual_flow_step_by_step(server: Server) -> None:
    with Client(server.first_key, base_url=server.base_url) as client:
        created = client.transfers.create_empty([("a.txt", 11)], message="manual")
        file = created["files"][0]
        url = client.transfers.upload_url(created["id"], file["id"], 1)
        assert client.http.put(url, content=b"hello world").status_code == 200
        completed = client.transfers.complete_file(created["id"], file["id"], 1)
        assert completed["id"] == file["id"] and completed["size"] == 11
        finalized = client.transfers.finalize(created["id"])
        assert finalized["url"] and client.transfers.get(created["id"])["id"] == created["id"]


def test_errors_are_typed_and_carry_the_servers_message(server: Server) -> None:
    with Client(server.first_key, base_url=server.base_url) as client:
        with pytest.raises(BadRequestError) as refused:
            client.transfers.create_empty([])
        assert refused.value.status == 400
        assert refused.value.message == '"transfer.files" must contain at least 1 items'
        with pytest.raises(NotFoundError, match="Couldn't find Transfer"):
            client.transfers.get("0" * 46)
