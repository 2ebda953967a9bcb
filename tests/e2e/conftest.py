"""End-to-end helpers: a server shared by a module, restarting a data dir, raw HTTP/1.1 over a socket."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import Server, free_port, start_server, stop_server, wait_until


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server for a module of read-mostly tests (tables of requests)."""
    running = start_server(tmp_path_factory.mktemp("shared") / "data")
    try:
        yield running
    finally:
        stop_server(running)


@dataclass
class Restarted:
    """A second ``transferd serve`` on an existing data dir; its stdout is kept in a file."""

    base_url: str
    process: subprocess.Popen[bytes]
    stdout_path: Path
    log_path: Path

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()


def _healthy(base_url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    return check


@pytest.fixture
def restart() -> Iterator[Callable[[Server], Restarted]]:
    """Stop ``server`` and start the same data dir again.

    ``conftest.start_server`` reads stdout until it sees a key, so it cannot start a data dir that
    (rightly) prints none; this one sends stdout to a file and reads it once the server answers.
    Everything is printed before the server starts listening, so the file is complete by then.
    """
    started: list[Restarted] = []

    def restart_server(server: Server) -> Restarted:
        stop_server(server)
        port = free_port()
        stdout_path = server.data_dir.parent / f"server-{port}.out"
        log_path = server.data_dir.parent / f"server-{port}.log"
        with stdout_path.open("wb") as out, log_path.open("wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "transferd.cli", "serve", "--port", str(port)],
                env=server.env,
                stdout=out,
                stderr=err,
            )
        restarted = Restarted(f"http://127.0.0.1:{port}", process, stdout_path, log_path)
        started.append(restarted)
        wait_until(_healthy(restarted.base_url), timeout=30)
        return restarted

    try:
        yield restart_server
    finally:
        for restarted in started:
            restarted.process.terminate()
            try:
                restarted.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                restarted.process.kill()
                restarted.process.wait(timeout=10)


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def raw_http(base_url: str, request: bytes, timeout: float = 10.0) -> RawResponse:
    """Send ``request`` byte for byte (it should say ``Connection: close``) and parse the answer."""
    address = urlsplit(base_url)
    assert address.hostname == "127.0.0.1" and address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as sock:
        sock.sendall(request)
        received = bytearray()
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(int(status_line.split(" ")[1]), headers, body)


def client_cli(server: Server, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI as a client of ``server``: its environment minus TRANSFERD_* (so no data dir is
    shared by accident), plus ``env``."""
    base = {name: value for name, value in server.env.items() if not name.startswith("TRANSFERD_")}
    return subprocess.run(
        [sys.executable, "-m", "transferd.cli", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
