"""Board uploads: upload-url per part with the multipart id in the path (200), the pre-signed PUT,
upload-complete (202, any body or none) and the joined bytes (known-faults.md BL-04(4), BL-28,
BL-30, BL-43, BL-44, BL-52(d); D14)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests import expect
from tests.api.board_helpers import COMPLETE_BODY, FILE_NOT_FOUND, PART, BoardCaller, payload, run, short_id
from tests.conftest import Api


@pytest.fixture
def caller(api: Api, key: str, token: str) -> BoardCaller:
    return BoardCaller(api, key, token)


@pytest.fixture
def board(caller: BoardCaller) -> dict[str, Any]:
    return caller.create("Uploads")


@pytest.fixture
def two_parts(caller: BoardCaller, board: dict[str, Any]) -> dict[str, Any]:
    """A file of 2 parts: 6 MiB and 1000 bytes."""
    [file] = caller.files(board["id"], [("two.bin", PART + 1000)])
    return file


def stored_bytes(api: Api, file_id: str) -> bytes:
    async def read() -> bytes:
        record = await api.services.files.get(file_id)
        assert record is not None
        return b"".join([chunk async for chunk in api.services.blobs.read(record.object_key)])

    return run(api, read)


def completed_at(api: Api, file_id: str) -> int | None:
    async def get() -> int | None:
        record = await api.services.files.get(file_id)
        assert record is not None
        return record.completed_at

    return run(api, get)


# --- upload-url --------------------------------------------------------------------------------


def test_upload_url_answers_200_with_an_absolute_url(
    caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    response = caller.upload_url(board["id"], two_parts, 2)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"success", "url"} and body["success"] is True
    assert body["url"].startswith("http://testserver/upload/")
    again = caller.upload_url(board["id"], two_parts, 2).json()["url"]
    assert again.startswith("http://testserver/upload/")  # may be fetched again (JS retries do)


@pytest.mark.parametrize(
    ("part", "status", "message"),
    [
        pytest.param("0", 417, "Chunk numbers are 1-based", id="0"),
        pytest.param("3", 400, "Part number 3 is out of range: this file has 2 parts", id="past-the-end"),
        pytest.param("10001", 400, "Part number 10001 is out of range: this file has 2 parts", id="10001"),
        pytest.param("99999999999999999999", 400, None, id="huge"),
        pytest.param("-1", 400, None, id="negative"),
        pytest.param("1.5", 400, None, id="fraction"),
        pytest.param("abc", 400, None, id="letters"),
        pytest.param("%D9%A1", 400, None, id="arabic-digit-one"),
    ],
)
def test_upload_url_refuses_bad_part_numbers(
    caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any], part: str, status: int, message: str | None
) -> None:
    """BL-28: never 422 or 500."""
    expect.error(caller.upload_url(board["id"], two_parts, part), status, message)


def test_upload_url_decodes_an_encoded_part_number(
    caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    assert caller.upload_url(board["id"], two_parts, "%31").status_code == 200  # BL-28: %31 is 1


def test_upload_url_without_the_multipart_id_is_400(
    caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    """BL-28: the multipart id is part of the board route; leaving it out is a 400."""
    for path in ("upload-url/1", "upload-url/1/"):
        response = caller.client.get(
            f"/v2/boards/{board['id']}/files/{two_parts['id']}/{path}", headers=caller.headers, follow_redirects=True
        )
        expect.error(response, 400, '"multipart_upload_id" is required (.../upload-url/{part_number}/{multipart.id})')


@pytest.mark.parametrize(
    "multipart_id",
    ["WRONGID", "x" * 500, "a..b", "a.b_c-d--", quote("ü", safe="")],
)
def test_upload_url_with_a_wrong_multipart_id_is_404(
    caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any], multipart_id: str
) -> None:
    expect.error(
        caller.upload_url(board["id"], two_parts, 1, multipart_id),
        404,
        "File not found: no upload with this multipart id",
    )


def test_upload_url_takes_the_multipart_id_percent_encoded(
    caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    encoded = quote(two_parts["multipart"]["id"], safe="")  # a client may encode "." and "-" (needless but valid)
    encoded = encoded.replace(".", "%2E").replace("-", "%2D")
    assert caller.upload_url(board["id"], two_parts, 1, encoded).status_code == 200


def test_upload_url_for_an_unknown_file_is_404(caller: BoardCaller, board: dict[str, Any]) -> None:
    fake = {"id": "snotafile00000000020190101000000", "multipart": {"id": "abc--"}}
    expect.error(caller.upload_url(board["id"], fake, 1), 404, FILE_NOT_FOUND)


def test_a_file_of_another_board_is_not_found(caller: BoardCaller, board: dict[str, Any]) -> None:
    """Both boards are the caller's; the file must still belong to the board in the path."""
    other = caller.create("other")
    [file] = caller.files(other["id"], [("f.bin", 5)])
    expect.error(caller.upload_url(board["id"], file, 1), 404, FILE_NOT_FOUND)
    expect.error(caller.complete(board["id"], file["id"]), 404, FILE_NOT_FOUND)


def test_a_transfer_file_is_not_a_board_file(api: Api, caller: BoardCaller, board: dict[str, Any]) -> None:
    response = api.client.post("/v2/transfers", json={"files": [{"name": "t.bin", "size": 5}]}, headers=caller.headers)
    assert response.status_code == 201, response.text
    transfer_file = response.json()["files"][0]
    expect.error(caller.upload_url(board["id"], {**transfer_file, "multipart": {"id": "x--"}}, 1), 404, FILE_NOT_FOUND)
    expect.error(caller.complete(board["id"], transfer_file["id"]), 404, FILE_NOT_FOUND)


# --- parts and upload-complete -------------------------------------------------------------------


def test_out_of_order_parts_are_joined_byte_exact(
    api: Api, caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    """BL-30: the JS SDK sends parts concurrently; part 2 may come first."""
    data = payload(PART + 1000, seed=1)
    urls = {part: caller.url(board["id"], two_parts, part) for part in (1, 2)}
    for part, piece in ((2, data[PART:]), (1, data[:PART])):
        response = caller.client.put(urls[part], content=piece, headers={"Content-Type": "binary/octet-stream"})
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"' + hashlib.md5(piece, usedforsecurity=False).hexdigest() + '"'
    response = caller.complete(board["id"], two_parts["id"], b'{"part_numbers":2}')  # the JS SDK's body
    assert response.status_code == 202, response.text
    assert response.json() == COMPLETE_BODY
    assert stored_bytes(api, two_parts["id"]) == data


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(None, id="no-body"),  # Python, Swift (BL-04(4), BL-52(d))
        pytest.param(b"{}", id="empty-object"),  # Ruby 0.9
        pytest.param(b'{"part_numbers":1}', id="js-sdk"),
        pytest.param(b'{"part_numbers":99}', id="wrong-count-ignored"),
        pytest.param(b'{"part_numbers":"x"}', id="string-count-ignored"),
        pytest.param(b"null", id="null"),
        pytest.param(b"[1,2]", id="array"),
        pytest.param(b"  \n", id="whitespace"),
        pytest.param(b"{not json", id="not-json-ignored"),
        pytest.param(b"\xff\xfe", id="not-utf8-ignored"),
    ],
)
def test_upload_complete_ignores_the_body(
    api: Api, caller: BoardCaller, board: dict[str, Any], content: bytes | None
) -> None:
    [file] = caller.files(board["id"], [("one.txt", 11)])
    caller.upload_parts(board["id"], file, b"hello world")
    response = caller.complete(board["id"], file["id"], content)
    assert response.status_code == 202, response.text
    assert expect.is_json(response)
    assert response.json() == COMPLETE_BODY
    assert stored_bytes(api, file["id"]) == b"hello world"


def test_upload_complete_twice_gives_the_same_answer(
    api: Api, caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    """BL-43, D14: SDKs retry PUTs; a repeat is not an error and changes nothing."""
    data = payload(PART + 1000, seed=2)
    caller.upload_parts(board["id"], two_parts, data)
    first = caller.complete(board["id"], two_parts["id"])
    done_at = completed_at(api, two_parts["id"])
    api.clock.advance(60)
    second = caller.complete(board["id"], two_parts["id"], b"{}")
    assert (first.status_code, first.json()) == (second.status_code, second.json()) == (202, COMPLETE_BODY)
    assert completed_at(api, two_parts["id"]) == done_at
    assert stored_bytes(api, two_parts["id"]) == data


def test_upload_complete_without_any_part_is_400(
    api: Api, caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    expect.error(caller.complete(board["id"], two_parts["id"]), 400, "expected at least 1 part")
    assert completed_at(api, two_parts["id"]) is None


def test_upload_complete_with_a_missing_part_is_417(
    api: Api, caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    data = payload(PART + 1000)
    caller.put_part(board["id"], two_parts, 1, data[:PART])
    expect.error(caller.complete(board["id"], two_parts["id"]), 417, "Chunks 2 are still missing")
    caller.put_part(board["id"], two_parts, 2, data[PART:])  # the upload can still be finished
    assert caller.complete(board["id"], two_parts["id"]).status_code == 202
    assert stored_bytes(api, two_parts["id"]) == data


def test_upload_complete_with_a_short_part_is_400(
    api: Api, caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    data = payload(PART + 1000)
    caller.put_part(board["id"], two_parts, 1, data[:PART])
    caller.put_part(board["id"], two_parts, 2, data[PART:-1])
    expect.error(
        caller.complete(board["id"], two_parts["id"]),
        400,
        f"Expected {PART + 999} to be {PART + 1000} (part 2 holds 999 bytes, not 1000)",
    )
    assert completed_at(api, two_parts["id"]) is None


def test_an_oversized_part_is_refused_and_not_stored(
    caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    response = caller.client.put(caller.url(board["id"], two_parts, 2), content=b"x" * 1001)
    assert response.status_code == 413, response.text
    caller.put_part(board["id"], two_parts, 1, b"x" * PART)
    expect.error(caller.complete(board["id"], two_parts["id"]), 417, "Chunks 2 are still missing")


def test_a_complete_file_takes_no_more_parts(
    api: Api, caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    data = payload(PART + 1000)
    old_url = caller.url(board["id"], two_parts, 1)
    caller.upload_parts(board["id"], two_parts, data)
    assert caller.complete(board["id"], two_parts["id"]).status_code == 202
    expect.error(
        caller.upload_url(board["id"], two_parts, 1), 409, "This file is already complete; it takes no more parts"
    )
    response = caller.client.put(old_url, content=b"y" * PART)
    assert response.status_code == 403, response.text
    assert stored_bytes(api, two_parts["id"]) == data


def test_boards_stay_mutable_after_a_file_completed(api: Api, caller: BoardCaller, board: dict[str, Any]) -> None:
    """BL-44: unlike a finalized transfer, a board takes new files and links at any time."""
    first = caller.add_and_upload(board["id"], "first.txt", b"first")
    links = caller.links(board["id"], [{"url": "https://later.example"}])
    second = caller.add_and_upload(board["id"], "second.txt", b"second")
    items = caller.board(board["id"])["items"]
    assert [item["id"] for item in items] == [first["id"], links[0]["id"], second["id"]]
    assert stored_bytes(api, second["id"]) == b"second"


def test_a_one_byte_file(api: Api, caller: BoardCaller, board: dict[str, Any]) -> None:
    """D10: size 1 is accepted, and uploads."""
    file = caller.add_and_upload(board["id"], "one.bin", b"\x00")
    assert file["multipart"] == {"id": file["multipart"]["id"], "part_numbers": 1, "chunk_size": 1}
    assert stored_bytes(api, file["id"]) == b"\x00"


def test_the_page_lists_a_file_only_once_it_is_complete(
    caller: BoardCaller, board: dict[str, Any], two_parts: dict[str, Any]
) -> None:
    page = f"/b/{short_id(board)}"
    caller.upload_parts(board["id"], two_parts, payload(PART + 1000))
    assert two_parts["id"] not in caller.client.get(page).text
    assert caller.client.get(f"{page}/files/{two_parts['id']}").status_code == 404
    assert caller.complete(board["id"], two_parts["id"]).status_code == 202
    assert two_parts["id"] in caller.client.get(page).text
    assert caller.client.get(f"{page}/files/{two_parts['id']}").status_code == 200


# --- parts racing upload-complete ------------------------------------------------------------------


def recorded_etag(api: Api, file_id: str, part: int) -> str | None:
    async def get() -> str | None:
        found = [record.etag for record in await api.services.files.parts(file_id) if record.part_number == part]
        return found[0] if found else None

    return run(api, get)


def files_under(api: Api, key: str) -> list[Path]:
    root = api.settings.data_dir / "blobs" / key
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def race_upload_complete(caller: BoardCaller, board_id: str, file: dict[str, Any], versions: list[bytes]) -> list[int]:
    """PUT every version of part 1 concurrently with upload-complete (202); the PUTs' statuses."""
    url = caller.url(board_id, file, 1)
    start = threading.Barrier(len(versions) + 1)
    statuses: dict[int, int] = {}
    completes: list[int] = []

    def send(index: int) -> None:
        start.wait()
        statuses[index] = caller.client.put(url, content=versions[index]).status_code

    def complete() -> None:
        start.wait()
        completes.append(caller.complete(board_id, file["id"]).status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(versions))]
    threads.append(threading.Thread(target=complete))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert completes == [202]
    assert sorted(statuses) == list(range(len(versions)))
    return [statuses[n] for n in range(len(versions))]


def test_parts_racing_upload_complete_are_counted_or_refused(
    api: Api, caller: BoardCaller, board: dict[str, Any]
) -> None:
    """Like a transfer's file: a part PUT racing upload-complete is either counted (the completed
    file holds the bytes of a PUT answered 200, the very bytes completion checked) or refused with
    403. Never a 500, and no part file is left behind once the file is complete."""
    size = 4 * 1024 * 1024  # one part
    for round_ in range(15):
        [file] = caller.files(board["id"], [(f"race-{round_}.bin", size)])
        first = payload(size, seed=100 * round_)
        caller.put_part(board["id"], file, 1, first)
        versions = [payload(size, seed=100 * round_ + n) for n in range(1, 7)]

        statuses = race_upload_complete(caller, board["id"], file, versions)

        assert set(statuses) <= {200, 403}, (round_, statuses)
        served = stored_bytes(api, file["id"])
        accepted = [first] + [data for data, status in zip(versions, statuses, strict=True) if status == 200]
        assert served in accepted, (round_, statuses)
        # What completion checked (the recorded part) is what was joined.
        assert recorded_etag(api, file["id"], 1) == hashlib.md5(served, usedforsecurity=False).hexdigest()
        assert files_under(api, f"{board['id']}/{file['id']}") == [
            api.settings.data_dir / "blobs" / board["id"] / file["id"] / "data"
        ], round_
