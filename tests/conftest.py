"""Shared fixtures: an in-process app with its own data dir and a test clock, key factories,
and a real server process on a free loopback port for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from transferd.app import Services, create_app
from transferd.clock import FrozenClock
from transferd.settings import Settings


@dataclass
class Api:
    """The app under test, its services and a test client (in process)."""

    client: TestClient
    services: Services
    clock: FrozenClock
    settings: Settings

    def create_key(self, name: str = "test", app: str | None = None) -> str:
        async def create() -> str:
            created = await self.services.keys.create(name=name, application=app or name, now=self.clock.now())
            return created.secret

        return self.client.portal.call(create)  # type: ignore[union-attr]

    def key_id(self, secret: str) -> str:
        async def find() -> str:
            record = await self.services.keys.find_by_secret(secret)
            assert record is not None
            return record.id

        return self.client.portal.call(find)  # type: ignore[union-attr]

    def revoke(self, secret: str) -> None:
        key_id = self.key_id(secret)

        async def revoke() -> None:
            await self.services.keys.revoke(key_id, now=self.clock.now())

        self.client.portal.call(revoke)  # type: ignore[union-attr]

    def authorize(self, key: str, user_identifier: str | None = None) -> str:
        body = {} if user_identifier is None else {"user_identifier": user_identifier}
        response = self.client.post("/v2/authorize", json=body, headers={"x-api-key": key})
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token

    def headers(self, key: str, token: str | None = None) -> dict[str, str]:
        """``[H-API]`` of known-faults.md: Content-Type, x-api-key and (with a token) Authorization."""
        headers = {"Content-Type": "application/json", "x-api-key": key}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "public_url": "http://testserver",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


POSTGRES_ADMIN_URL = os.environ.get("TRANSFERD_TEST_POSTGRES")  # e.g. postgresql://postgres@127.0.0.1/test


@pytest.fixture
def database_url() -> Iterator[str | None]:
    """None (SQLite in the data dir), or, when TRANSFERD_TEST_POSTGRES names a server, a fresh
    PostgreSQL database for this test alone, dropped afterwards."""
    if not POSTGRES_ADMIN_URL:
        yield None
        return
    import asyncio
    import secrets

    import asyncpg  # type: ignore[import-untyped]

    name = f"transferd_test_{secrets.token_hex(6)}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def api(tmp_path: Path, database_url: str | None) -> Iterator[Api]:
    clock = FrozenClock()
    settings = make_settings(tmp_path / "data", database_url=database_url)
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield Api(client=client, services=app.state.services, clock=clock, settings=settings)


@pytest.fixture
def key(api: Api) -> str:
    return api.create_key("first", app="app-one")


@pytest.fixture
def token(api: Api, key: str) -> str:
    return api.authorize(key)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A real ``transferd serve`` process on a loopback port."""

    base_url: str
    data_dir: Path
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen[str]
    first_key: str

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "transferd.cli", *args], env=self.env, capture_output=True, text=True, timeout=120
        )


def wait_until(predicate: object, timeout: float = 20.0, interval: float = 0.05) -> None:
    """Poll ``predicate`` until it returns true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def start_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> Server:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSFERD_")}
    env.update({"TRANSFERD_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **(extra_env or {})})
    with (data_dir.parent / f"server-{port}.log").open("w") as log:
        # The child keeps its own copy of the log's file descriptor.
        process = subprocess.Popen(
            [sys.executable, "-m", "transferd.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    first_key = ""
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not first_key:
        line = process.stdout.readline()
        if not line:
            break
        if line.strip().startswith("tfd_sk_"):
            first_key = line.strip()

    def healthy() -> bool:
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=30)
    return Server(
        base_url=base_url,
        data_dir=data_dir,
        log_path=data_dir.parent / f"server-{port}.log",
        env=env,
        process=process,
        first_key=first_key,
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path / "data")
    try:
        yield running
    finally:
        stop_server(running)


def stop_server(running: Server) -> None:
    running.process.terminate()
    try:
        running.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait(timeout=10)
    if running.process.stdout is not None:
        running.process.stdout.close()
