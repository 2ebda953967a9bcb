"""``PUT /v2/transfers/{id}/finalize``: only complete transfers, locked afterwards, idempotent
(BL-04 (3), BL-42, BL-43, BL-44, BL-48)."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx2
import pytest

from tests import expect
from tests.api.conftest import CHUNK, Caller, download, md5_etag, payload, put, run
from tests.conftest import Api

LOCKED = re.compile(r"Transfer already finalized \(state: (processing|downloadable)\); it can't be changed")


def two_files(caller: Caller) -> tuple[dict[str, Any], bytes, bytes]:
    """BL-42's transfer: f1 with 2 parts, f2 with 1 part."""
    f1, f2 = payload(CHUNK + 10, seed=1), payload(20, seed=2)
    return caller.create([("f1.bin", len(f1)), ("f2.bin", len(f2))]), f1, f2


def assert_still_open(caller: Caller, transfer_id: str) -> None:
    body = caller.get(transfer_id).json()
    assert (body["state"], body["url"]) == ("uploading", None)


def test_complete_with_a_part_missing_is_417(api: Api, caller: Caller) -> None:
    """BL-42 (a)."""
    transfer, f1, _ = two_files(caller)
    fid = transfer["files"][0]["id"]
    put(api, caller.url(transfer["id"], fid, 1), f1[:CHUNK])

    expect.error(caller.complete(transfer["id"], fid, {"part_numbers": 2}), 417, "Chunks 2 are still missing")
    assert_still_open(caller, transfer["id"])


def test_finalize_with_an_incomplete_file_is_400_naming_it(api: Api, caller: Caller) -> None:
    """BL-42 (b), (c): the uncompleted file is named; nothing moves."""
    transfer, f1, _ = two_files(caller)
    caller.upload(transfer, 0, f1)

    response = caller.finalize(transfer["id"])

    expect.error(response, 400, "Transfer can't be finalized, files are not complete: f2.bin")
    assert_still_open(caller, transfer["id"])


def test_finalize_with_every_part_uploaded_but_not_completed_is_400(api: Api, caller: Caller) -> None:
    """BL-48: Swift reads an error from upload-complete as success, so finalize re-checks."""
    transfer, f1, f2 = two_files(caller)
    caller.upload_parts(transfer, 0, f1)
    caller.upload_parts(transfer, 1, f2)

    expect.error(
        caller.finalize(transfer["id"]), 400, "Transfer can't be finalized, files are not complete: f1.bin, f2.bin"
    )
    assert_still_open(caller, transfer["id"])


def test_finalize_moves_to_processing_then_downloadable(api: Api, caller: Caller) -> None:
    transfer, f1, f2 = two_files(caller)
    caller.upload(transfer, 0, f1)
    caller.upload(transfer, 1, f2)

    response = caller.finalize(transfer["id"])

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "processing"
    assert re.fullmatch(r"http://testserver/t/[0-9A-Za-z]{16}", body["url"])
    assert {k: v for k, v in body.items() if k not in {"state", "url"}} == {
        k: v for k, v in transfer.items() if k not in {"state", "url"}
    }
    done = caller.wait_downloadable(transfer["id"])
    assert done == {**body, "state": "downloadable"}
    assert download(api, done, 0).content == f1
    assert download(api, done, 1).content == f2


@pytest.mark.parametrize("content", [b"", b"{}", b'{"ignored": true}', b"null", b"  "])
def test_finalize_takes_the_bodies_clients_send(api: Api, caller: Caller, content: bytes) -> None:
    """BL-04 (3): an empty body with a JSON Content-Type is "no parameters"."""
    transfer = caller.create([("a.txt", 3)])
    caller.upload(transfer, 0, b"abc")

    response = api.client.put(f"/v2/transfers/{transfer['id']}/finalize", content=content, headers=caller.headers)

    assert response.status_code == 200, response.text
    assert response.json()["url"].startswith("http://testserver/t/")


def test_finalize_with_invalid_json_is_400_and_changes_nothing(api: Api, caller: Caller) -> None:
    transfer = caller.create([("a.txt", 3)])
    caller.upload(transfer, 0, b"abc")

    response = api.client.put(f"/v2/transfers/{transfer['id']}/finalize", content=b"{", headers=caller.headers)

    expect.error(response, 400)
    assert_still_open(caller, transfer["id"])


def test_finalize_twice_answers_the_same(api: Api, caller: Caller) -> None:
    """BL-43, D14: same id and url, the state never goes back, no new URL."""
    transfer = caller.create([("a.txt", 3)])
    caller.upload(transfer, 0, b"abc")

    first = caller.finalize(transfer["id"])
    second = caller.finalize(transfer["id"])
    caller.wait_downloadable(transfer["id"])
    third = caller.finalize(transfer["id"])

    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert first.json()["state"] == "processing"
    assert second.json()["state"] in {"processing", "downloadable"}
    assert third.json() == {**first.json(), "state": "downloadable"}
    for response in (second, third):
        assert {k: v for k, v in response.json().items() if k != "state"} == {
            k: v for k, v in first.json().items() if k != "state"
        }


def test_concurrent_finalizes_agree_and_process_once(api: Api, caller: Caller) -> None:
    transfer = caller.create([("a.txt", 3)])
    caller.upload(transfer, 0, b"abc")
    start = threading.Barrier(4)
    responses: list[httpx2.Response] = []

    def finalize() -> None:
        start.wait()
        responses.append(caller.finalize(transfer["id"]))

    threads = [threading.Thread(target=finalize) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in responses] == [200] * 4
    assert len({r.json()["url"] for r in responses}) == 1
    done = caller.wait_downloadable(transfer["id"])
    assert download(api, done, 0).content == b"abc"


def test_upload_complete_twice_around_finalize_answers_the_same(api: Api, caller: Caller) -> None:
    """BL-43, BL-44 (c): a repeat of a completed file's upload-complete is 200, also after finalize."""
    transfer = caller.create([("a.txt", 3)])
    fid = transfer["files"][0]["id"]
    put(api, caller.url(transfer["id"], fid, 1), b"abc")
    first = caller.complete(transfer["id"], fid, {"part_numbers": 1})
    assert caller.finalize(transfer["id"]).status_code == 200

    again = caller.complete(transfer["id"], fid, {"part_numbers": 1})
    caller.wait_downloadable(transfer["id"])
    later = caller.complete(transfer["id"], fid)

    assert first.status_code == again.status_code == later.status_code == 200
    assert first.json() == again.json() == later.json()


def test_a_finalized_transfer_refuses_upload_urls_and_parts(api: Api, caller: Caller) -> None:
    """BL-44 (a), (b): upload-url is a 409 naming the state; an old URL is 403; the bytes stay."""
    transfer = caller.create([("a.txt", 3)])
    fid = transfer["files"][0]["id"]
    old_url = caller.url(transfer["id"], fid, 1)
    assert put(api, old_url, b"abc").status_code == 200
    assert caller.complete(transfer["id"], fid, {"part_numbers": 1}).status_code == 200
    assert caller.finalize(transfer["id"]).status_code == 200

    for when in ("processing", "downloadable"):
        refused = caller.upload_url(transfer["id"], fid, 1)
        expect.error(refused, 409)
        assert LOCKED.fullmatch(refused.json()["message"]), when
        expect.error(put(api, old_url, b"xyz"), 403)
        caller.wait_downloadable(transfer["id"])

    done = caller.get(transfer["id"]).json()
    assert download(api, done, 0).content == b"abc"


def test_a_finalized_transfer_refuses_a_fresh_url_signed_before_the_lock(api: Api, caller: Caller) -> None:
    """A URL for a part of a file that was still incomplete can't exist after finalize; but a URL
    for a part that was re-sent before completion must not reopen the file either."""
    data = payload(CHUNK + 5)
    transfer = caller.create([("a.bin", len(data))])
    fid = transfer["files"][0]["id"]
    url_two = caller.url(transfer["id"], fid, 2)
    caller.upload(transfer, 0, data)
    caller.finalize(transfer["id"])
    done = caller.wait_downloadable(transfer["id"])

    response = put(api, url_two, b"zzzzz")

    expect.error(response, 403)
    assert download(api, done, 0).content == data


def test_finalize_of_an_unknown_transfer_is_404(caller: Caller) -> None:
    expect.error(caller.finalize("doesnotexist"), 404, "Couldn't find Transfer")


def test_processing_survives_a_lost_background_task(api: Api, caller: Caller) -> None:
    """A transfer left in processing (a restart killed the join) is finished by the sweeper."""
    transfer = caller.create([("a.txt", 3)])
    caller.upload(transfer, 0, b"abc")
    moved = run(
        api,
        lambda: api.services.transfers.store.move_state(
            transfer["id"], from_states=("uploading",), to_state="processing", now=api.clock.now()
        ),
    )
    assert moved
    assert caller.get(transfer["id"]).json()["state"] == "processing"

    run(api, api.services.sweeper.run_once)

    done = caller.wait_downloadable(transfer["id"])
    assert download(api, done, 0).content == b"abc"
    assert download(api, done, 0).headers["content-length"] == "3"


def test_the_happy_path_etags_match_the_parts(api: Api, caller: Caller) -> None:
    data = payload(2 * CHUNK + 1, seed=9)
    transfer = caller.create([("x.bin", len(data))])
    fid = transfer["files"][0]["id"]
    for part in (1, 2, 3):
        piece = data[(part - 1) * CHUNK : part * CHUNK]
        assert put(api, caller.url(transfer["id"], fid, part), piece).headers["etag"] == md5_etag(piece)


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/vnd.api+json"])
def test_every_transfer_route_wants_json_content_type(api: Api, caller: Caller, content_type: str | None) -> None:
    """D2 (and D1 for vendor types): 415 everywhere on /v2, and nothing changes."""
    transfer = caller.create([("a.txt", 3)])
    tid, fid = transfer["id"], transfer["files"][0]["id"]
    url = caller.url(tid, fid, 1)
    headers = {k: v for k, v in caller.headers.items() if k != "Content-Type"}
    if content_type is not None:
        headers["Content-Type"] = content_type

    assert put(api, url, b"abc", {} if content_type is None else {"Content-Type": content_type}).status_code == 200
    for method, path, body in [
        ("GET", f"/v2/transfers/{tid}", None),
        ("GET", f"/v2/transfers/{tid}/files/{fid}/upload-url/1", None),
        ("PUT", f"/v2/transfers/{tid}/files/{fid}/upload-complete", b'{"part_numbers": 1}'),
        ("PUT", f"/v2/transfers/{tid}/finalize", None),
    ]:
        response = api.client.request(method, path, content=body, headers=headers)
        expect.error(response, 415, expect.UNSUPPORTED_MEDIA_TYPE)

    assert_still_open(caller, tid)
    assert put(api, url, b"abc").status_code == 200  # not completed: still takes parts
