"""``transferd board create NAME`` and ``transferd board add BOARD_ID FILE_OR_URL...`` against a
real ``transferd serve``: the board they build, and its page serving the files byte-exact."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.conftest import Server
from tests.e2e.conftest import client_cli

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


cli = client_cli


def api_options(server: Server) -> list[str]:
    return ["--server", server.base_url, "--api-key", server.first_key]


def create_board(server: Server, name: str, *extra: str) -> tuple[str, str]:
    result = cli(server, "board", "create", name, *extra, *api_options(server))
    assert result.returncode == 0, result.stderr
    board_id, url = result.stdout.split()
    assert re.fullmatch(r"s[a-z0-9]{16}\d{14}", board_id), result.stdout
    assert url.startswith(f"{server.base_url}/b/"), result.stdout
    return board_id, url


def get_board(server: Server, board_id: str) -> dict[str, object]:
    with httpx.Client(trust_env=False, timeout=30) as http:
        headers = {"Content-Type": "application/json", "x-api-key": server.first_key}
        token = http.post(f"{server.base_url}/v2/authorize", headers=headers).json()["token"]
        response = http.get(
            f"{server.base_url}/v2/boards/{board_id}", headers={**headers, "Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    board: dict[str, object] = response.json()
    return board


def test_create_then_add_links_and_files(server: Server, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(6 * MIB + 77))
    small = tmp_path / "small.txt"
    small.write_text("hello board")
    board_id, url = create_board(server, "CLI board", "--description", "made by the CLI")

    result = cli(
        server,
        "board",
        "add",
        board_id,
        "https://example.com/one",
        str(big),
        str(small),
        "HTTPS://example.com/two",
        *api_options(server),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == url  # prints the board URL
    assert "Added 2 link(s) and 2 file(s)" in result.stderr

    board = get_board(server, board_id)
    assert (board["name"], board["description"]) == ("CLI board", "made by the CLI")
    items = board["items"]
    assert isinstance(items, list)
    assert [(item["type"], item.get("url") or item.get("name")) for item in items] == [
        ("link", "https://example.com/one"),
        ("file", "big.bin"),
        ("file", "small.txt"),
        ("link", "HTTPS://example.com/two"),
    ]

    with httpx.Client(trust_env=False, timeout=30) as http:
        page = http.get(url)
        assert page.status_code == 200
        path = urlsplit(url).path
        hrefs = re.findall(rf'href="({re.escape(path)}/files/[^"]+)"', page.text)
        downloads = {http.get(urljoin(url, href)).content for href in hrefs}
    assert downloads == {big.read_bytes(), b"hello board"}


def test_key_and_server_from_the_environment(server: Server) -> None:
    env = {"TRANSFERD_API_KEY": server.first_key, "TRANSFERD_SERVER": server.base_url}
    result = cli(server, "board", "create", "from env", "--json", env=env)
    assert result.returncode == 0, result.stderr
    board = json.loads(result.stdout)
    assert (board["name"], board["description"], board["items"]) == ("from env", None, [])
    added = cli(server, "board", "add", board["id"], "https://example.com", env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == board["url"]


def test_without_a_key(server: Server) -> None:
    result = cli(server, "board", "create", "no key", "--server", server.base_url)
    assert result.returncode != 0
    assert "no API key" in result.stderr


def test_errors_are_reported(server: Server, tmp_path: Path) -> None:
    board_id, _url = create_board(server, "errors")
    missing = cli(server, "board", "add", board_id, str(tmp_path / "nope.txt"), *api_options(server))
    assert missing.returncode == 2
    assert "not a file or an http(s) URL" in missing.stderr

    unknown = cli(server, "board", "add", "sunknown0000000020190101000000", "https://e.com", *api_options(server))
    assert unknown.returncode == 1
    assert "404: This board does not exist" in unknown.stderr

    empty = cli(server, "board", "create", "", *api_options(server))
    assert empty.returncode == 1
    assert '"board.name" is not allowed to be empty' in empty.stderr

    assert get_board(server, board_id)["items"] == []
