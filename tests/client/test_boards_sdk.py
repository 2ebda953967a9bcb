"""``client.boards`` against a real ``transferd serve`` process: create, add links, add files (with
their upload), get; then the board's page serves the files byte-exact."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.conftest import Server
from transferd.client import BadRequestError, Client, NotFoundError

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


def page_file_links(page_html: str, page_url: str) -> list[str]:
    """The page's download links (``/b/<short>/files/<id>``), absolute."""
    path = urlsplit(page_url).path
    return [urljoin(page_url, href) for href in re.findall(rf'href="({re.escape(path)}/files/[^"]+)"', page_html)]


def test_create_add_links_add_files_get(server: Server, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(2 * 6 * MIB + 123))  # 3 parts of 6 MiB, the last one short
    small = ("notes.txt", b"some notes")
    seen: list[tuple[int, int]] = []

    with Client(server.first_key, base_url=server.base_url) as client:
        board = client.boards.create("SDK board", description="from the Python SDK")
        assert board["url"].startswith(f"{server.base_url}/b/")
        assert (board["name"], board["description"], board["items"]) == ("SDK board", "from the Python SDK", [])

        links = client.boards.add_links(
            board["id"],
            ["https://example.com/plain", ("https://example.com/pair", "Pair"), {"url": "https://example.com/map"}],
        )
        assert [(link["url"], link["meta"]["title"]) for link in links] == [
            ("https://example.com/plain", "https://example.com/plain"),
            ("https://example.com/pair", "Pair"),
            ("https://example.com/map", "https://example.com/map"),
        ]

        files = client.boards.add_files(
            board["id"], [big, small], progress=lambda done, total: seen.append((done, total))
        )
        assert [(f["name"], f["size"]) for f in files] == [("big.bin", big.stat().st_size), ("notes.txt", 10)]
        assert files[0]["multipart"]["part_numbers"] == 3
        total = big.stat().st_size + 10
        assert seen[0] == (0, total) and seen[-1] == (total, total)

        found = client.boards.get(board["id"])
        assert [item["id"] for item in found["items"]] == [link["id"] for link in links] + [f["id"] for f in files]

    with httpx.Client(trust_env=False, timeout=30) as http:
        page = http.get(board["url"])
        assert page.status_code == 200
        downloads = page_file_links(page.text, board["url"])
        digests = {hashlib.sha256(http.get(link).content).hexdigest() for link in downloads}
    assert digests == {hashlib.sha256(big.read_bytes()).hexdigest(), hashlib.sha256(small[1]).hexdigest()}


def test_errors_come_back_as_exceptions(server: Server) -> None:
    with Client(server.first_key, base_url=server.base_url) as client:
        board = client.boards.create("errors")
        client.boards.add_files(board["id"], [("a.txt", b"a")])
        with pytest.raises(BadRequestError) as duplicate:
            client.boards.add_files(board["id"], [("a.txt", b"again")])
        assert duplicate.value.message == '"board.files" position 0 contains a duplicate value'
        with pytest.raises(BadRequestError):
            client.boards.create("")
        with pytest.raises(NotFoundError) as missing:
            client.boards.get("sdoesnotexist000020190101000000")
        assert missing.value.message == "This board does not exist"
        with pytest.raises(NotFoundError):
            client.boards.add_links("../transfers", ["https://example.com"])  # ids are quoted into the path


def test_another_user_cannot_see_the_board(server: Server) -> None:
    with (
        Client(server.first_key, base_url=server.base_url, user_identifier="u-a") as owner,
        Client(server.first_key, base_url=server.base_url, user_identifier="u-b") as other,
    ):
        board = owner.boards.create("private")
        with pytest.raises(NotFoundError):
            other.boards.get(board["id"])
        with pytest.raises(NotFoundError):
            other.boards.add_links(board["id"], ["https://example.com"])
