"""``transferd keys create|list|revoke``: operator commands that work while the server runs and
act on it at once (they share its database)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import expect
from tests.conftest import Server
from transferd.auth.api_keys import is_well_formed

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

pytestmark = pytest.mark.e2e


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _create(server: Server, name: str, app: str | None = None) -> dict[str, Any]:
    args = ["keys", "create", "--name", name, "--json"]
    if app is not None:
        args += ["--app", app]
    result = server.cli(*args)
    stdout = _ok(result)
    assert stdout.strip().count("\n") == 0, "exactly one JSON object on one line"
    created: dict[str, Any] = json.loads(stdout)
    assert created["key"] not in result.stderr
    return created


def _headers(key: str, token: str | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "x-api-key": key}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _authorize(server: Server, key: str) -> httpx.Response:
    return httpx.post(f"{server.base_url}/v2/authorize", headers=_headers(key), timeout=10)


def test_create_prints_the_key_once_as_json(server: Server) -> None:
    created = _create(server, "ci", app="pipeline")
    assert {"id", "name", "key", "created_at"} <= set(created)
    assert created["name"] == "ci"
    assert created["application"] == "pipeline"
    assert is_well_formed(created["key"])
    assert ISO_UTC.fullmatch(created["created_at"])
    assert created["revoked_at"] is None
    # The running server accepts the new key at once.
    token = expect.token_response(_authorize(server, created["key"]))
    response = httpx.get(f"{server.base_url}/v2/transfers/t", headers=_headers(created["key"], token), timeout=10)
    expect.passed_guard(response)


def test_application_defaults_to_the_key_name(server: Server) -> None:
    assert _create(server, "solo")["application"] == "solo"


def test_list_never_prints_secrets(server: Server) -> None:
    first = _create(server, "one", app="shared")
    second = _create(server, "two", app="shared")
    secrets = [first["key"], second["key"], server.first_key]

    listing = json.loads(_ok(server.cli("keys", "list", "--json")))
    assert isinstance(listing, list)
    by_id = {entry["id"]: entry for entry in listing}
    assert {first["id"], second["id"]} <= set(by_id)
    for entry in listing:
        assert "key" not in entry and "digest" not in entry
    assert by_id[first["id"]]["hint"] == "…" + first["key"][-4:]
    assert by_id[first["id"]]["application_id"] == by_id[second["id"]]["application_id"]

    table = _ok(server.cli("keys", "list"))
    assert first["id"] in table and second["id"] in table
    for output in (json.dumps(listing), table):
        for secret in secrets:
            assert secret not in output
            assert secret[len("tfd_sk_") : -4] not in output


def test_revoke_kills_the_keys_tokens_on_the_running_server(server: Server) -> None:
    doomed = _create(server, "doomed")
    survivor = _create(server, "survivor")
    doomed_token = expect.token_response(_authorize(server, doomed["key"]))
    survivor_token = expect.token_response(_authorize(server, survivor["key"]))
    guarded = f"{server.base_url}/v2/transfers/t"
    expect.passed_guard(httpx.get(guarded, headers=_headers(doomed["key"], doomed_token), timeout=10))

    result = server.cli("keys", "revoke", doomed["id"])
    assert doomed["id"] in _ok(result)

    # No grace period, no cache: the very next requests are refused.
    for _ in range(5):
        response = httpx.get(guarded, headers=_headers(doomed["key"], doomed_token), timeout=10)
        expect.error(response, 403, expect.KEY_INVALID)
    expect.error(_authorize(server, doomed["key"]), 403, expect.KEY_INVALID)
    response = httpx.get(guarded, headers=_headers(survivor["key"], doomed_token), timeout=10)
    expect.unauthorized(response, expect.TOKEN_KEY_REVOKED)
    expect.passed_guard(httpx.get(guarded, headers=_headers(survivor["key"], survivor_token), timeout=10))

    listing = {entry["id"]: entry for entry in json.loads(_ok(server.cli("keys", "list", "--json")))}
    revoked_at = listing[doomed["id"]]["revoked_at"]
    assert ISO_UTC.fullmatch(revoked_at)
    assert listing[survivor["id"]]["revoked_at"] is None

    # Revoking again succeeds, says so, and keeps the first revocation time.
    again = _ok(server.cli("keys", "revoke", doomed["id"]))
    assert f"was already revoked at {revoked_at}" in again
    listing = {entry["id"]: entry for entry in json.loads(_ok(server.cli("keys", "list", "--json")))}
    assert listing[doomed["id"]]["revoked_at"] == revoked_at


def test_revoke_of_an_unknown_id_exits_1(server: Server) -> None:
    result = server.cli("keys", "revoke", "key_doesnotexist")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "key_doesnotexist" in result.stderr
    expect.token_response(_authorize(server, server.first_key))  # nothing else changed


def test_keys_commands_work_without_a_server(tmp_path: Path) -> None:
    """An operator may create the first key before the first start."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSFERD_")}
    env["TRANSFERD_DATA_DIR"] = str(tmp_path / "data")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "transferd.cli", *args], env=env, capture_output=True, text=True, timeout=120
        )

    first = cli("keys", "create", "--name", "offline")
    assert "no database in" in first.stderr  # a fresh data dir is announced, in case it is the wrong one
    text = _ok(first)
    printed = [line for line in text.splitlines() if line.startswith("tfd_sk_")]
    assert len(printed) == 1 and is_well_formed(printed[0])
    listed = cli("keys", "list", "--json")
    assert "no database in" not in listed.stderr
    listing = json.loads(_ok(listed))
    assert [entry["name"] for entry in listing] == ["offline"]
    assert printed[0] not in json.dumps(listing)
    assert cli("keys", "revoke", "nope").returncode == 1
    assert cli("keys", "revoke", listing[0]["id"]).returncode == 0
