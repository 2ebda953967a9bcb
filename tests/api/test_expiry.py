"""Transfers live 7 days: 410 on the API afterwards, 403 on upload URLs, 410 on the pages, and
the sweeper deletes the bytes (BL-45)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests import expect
from tests.api.conftest import WEEK, Caller, blob_files, caller_for, put, run
from tests.conftest import Api

GONE = "Gone: this transfer has expired and its files were removed"


@pytest.fixture
def shared(api: Api, caller: Caller) -> dict[str, Any]:
    """A downloadable transfer created at the test clock's T."""
    return caller.share({"a.txt": b"hello", "b.txt": b"world"})


@pytest.fixture
def open_transfer(api: Api, caller: Caller) -> dict[str, Any]:
    """A transfer still uploading, with one part in place, created at T."""
    transfer = caller.create([("open.bin", 6)])
    put(api, caller.url(transfer["id"], transfer["files"][0]["id"], 1), b"abc")
    return transfer


def test_expires_at_is_creation_plus_exactly_7_days(api: Api, caller: Caller) -> None:
    created_at = api.clock.now()

    transfer = caller.create([("a", 1)])

    expected = datetime.fromtimestamp(created_at + WEEK, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert transfer["expires_at"] == expected
    assert caller.get(transfer["id"]).json()["expires_at"] == expected


@pytest.mark.parametrize("age", [WEEK - 1, WEEK])
def test_a_transfer_is_served_until_expires_at(
    api: Api, caller: Caller, shared: dict[str, Any], open_transfer: dict[str, Any], age: int
) -> None:
    """BL-45 (a): T + 7 d − 1 s (and the very second of expires_at) still answer."""
    api.clock.advance(age)

    assert caller.get(shared["id"]).status_code == 200
    assert caller.upload_url(open_transfer["id"], open_transfer["files"][0]["id"], 1).status_code == 200
    assert api.client.get(shared["url"]).status_code == 200
    assert api.client.get(f"{shared['url']}/files/{shared['files'][0]['id']}").content == b"hello"


def test_after_expiry_the_api_answers_410(
    api: Api, caller: Caller, shared: dict[str, Any], open_transfer: dict[str, Any]
) -> None:
    """BL-45 (b) on every API route."""
    tid, fid = open_transfer["id"], open_transfer["files"][0]["id"]
    api.clock.advance(WEEK + 1)

    for response in (
        caller.get(shared["id"]),
        caller.get(tid),
        caller.upload_url(tid, fid, 1),
        caller.complete(tid, fid, {"part_numbers": 1}),
        caller.finalize(tid),
        caller.finalize(shared["id"]),
        caller.complete(shared["id"], shared["files"][0]["id"], {"part_numbers": 1}),
    ):
        expect.error(response, 410, GONE)


def test_after_expiry_an_upload_url_is_403(api: Api, caller: Caller, open_transfer: dict[str, Any]) -> None:
    """BL-45 (b): a URL signed a minute before the transfer expires (so the URL itself is still
    within its hour) no longer takes parts."""
    api.clock.advance(WEEK - 60)
    url = caller.url(open_transfer["id"], open_transfer["files"][0]["id"], 1)
    api.clock.advance(61)

    expect.error(put(api, url, b"abcdef"), 403, "Forbidden: Request has expired; the transfer is gone")


def test_after_expiry_the_pages_answer_410(api: Api, shared: dict[str, Any]) -> None:
    api.clock.advance(WEEK + 1)

    for path in ("", f"/files/{shared['files'][0]['id']}", "/download.zip"):
        response = api.client.get(shared["url"] + path)
        assert response.status_code == 410, path
        assert response.headers["content-type"].startswith("text/html")
        assert "expired" in response.text
        assert "hello" not in response.text


def test_expiry_does_not_tell_strangers_a_transfer_exists(api: Api, shared: dict[str, Any]) -> None:
    """D5 beats 410: another application still gets the 404 of a missing transfer."""
    api.clock.advance(WEEK + 1)

    response = caller_for(api, "app-two").get(shared["id"])

    expect.error(response, 404, "Couldn't find Transfer")


def test_an_unknown_id_is_404_not_410(api: Api, caller: Caller) -> None:
    """BL-45 (c)."""
    api.clock.advance(WEEK + 1)

    expect.error(caller.get("doesnotexist"), 404, "Couldn't find Transfer")


def test_the_sweeper_deletes_expired_bytes_and_keeps_the_rest(
    api: Api, caller: Caller, shared: dict[str, Any], open_transfer: dict[str, Any]
) -> None:
    api.clock.advance(3600)
    younger = caller.share({"young.txt": b"still here"})
    assert blob_files(api, shared["id"]) and blob_files(api, open_transfer["id"])
    api.clock.advance(WEEK - 3600 + 1)

    run(api, api.services.sweeper.run_once)

    assert blob_files(api, shared["id"]) == []
    assert blob_files(api, open_transfer["id"]) == []
    assert not (api.settings.data_dir / "blobs" / shared["id"]).exists()
    assert not (api.settings.data_dir / "blobs" / open_transfer["id"]).exists()
    expect.error(caller.get(shared["id"]), 410, GONE)
    assert api.client.get(shared["url"]).status_code == 410
    # the younger transfer is untouched
    assert caller.get(younger["id"]).json()["state"] == "downloadable"
    assert api.client.get(f"{younger['url']}/files/{younger['files'][0]['id']}").content == b"still here"


def test_the_sweeper_leaves_live_transfers_alone(api: Api, caller: Caller, shared: dict[str, Any]) -> None:
    api.clock.advance(WEEK)
    before = blob_files(api, shared["id"])

    run(api, api.services.sweeper.run_once)

    assert blob_files(api, shared["id"]) == before != []
    assert caller.get(shared["id"]).status_code == 200


def test_sweeping_twice_is_harmless(api: Api, caller: Caller, shared: dict[str, Any]) -> None:
    api.clock.advance(WEEK + 1)

    run(api, api.services.sweeper.run_once)
    run(api, api.services.sweeper.run_once)

    expect.error(caller.get(shared["id"]), 410, GONE)
