"""``transferd send`` and ``transferd download`` against a real ``transferd serve``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Server
from tests.e2e.conftest import client_cli

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


cli = client_cli


def test_send_prints_a_url_that_download_turns_back_into_the_same_bytes(server: Server, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(11 * MIB + 3))
    note = tmp_path / "note.txt"
    note.write_text("see you")
    env = {"TRANSFERD_API_KEY": server.first_key, "TRANSFERD_SERVER": server.base_url}
    sent = cli(server, "send", str(big), str(note), "--message", "for you", env=env)
    assert sent.returncode == 0, sent.stderr
    url = sent.stdout.strip()
    assert url.startswith(f"{server.base_url}/t/")
    assert "Uploading" in sent.stderr and "100%" in sent.stderr  # the progress bar
    fetched = cli(server, "download", url, "-o", str(tmp_path / "out"))
    assert fetched.returncode == 0, fetched.stderr
    assert (tmp_path / "out" / "big.bin").read_bytes() == big.read_bytes()
    assert (tmp_path / "out" / "note.txt").read_text() == "see you"


def test_send_without_a_key_says_how_to_give_one(server: Server, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("x")
    result = cli(server, "send", str(note), "--server", server.base_url)
    assert result.returncode != 0
    assert "TRANSFERD_API_KEY" in result.stderr


def test_send_of_a_missing_file_exits_2(server: Server, tmp_path: Path) -> None:
    result = cli(server, "send", str(tmp_path / "nope"), "--server", server.base_url, "--api-key", server.first_key)
    assert result.returncode == 2
    assert "not a file" in result.stderr


def test_send_with_a_bad_key_shows_the_servers_message(server: Server, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("x")
    result = cli(server, "send", str(note), "--server", server.base_url, "--api-key", "tfd_sk_wrong")
    assert result.returncode == 1
    assert "403: Forbidden: invalid API Key" in result.stderr
    assert "tfd_sk_wrong" not in result.stderr


def test_download_of_an_unknown_transfer_fails_cleanly(server: Server, tmp_path: Path) -> None:
    result = cli(server, "download", f"{server.base_url}/t/doesnotexist", "-o", str(tmp_path))
    assert result.returncode == 1
    assert "404" in result.stderr
