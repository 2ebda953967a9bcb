"""``POST /v2/transfers`` and ``GET /v2/transfers/{id}``: response shapes, validation tables,
limits, and who may see a transfer (BL-15, BL-26, BL-29, BL-35, BL-38, BL-47, BL-49 to BL-52)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests import expect
from tests.api.conftest import (
    CHUNK,
    FILE_KEYS,
    TRANSFER_KEYS,
    WEEK,
    ApiFactory,
    Caller,
    caller_for,
    payload,
    put,
    transfer_count,
)
from tests.conftest import Api

GIB = 1024**3


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- create: the success shape ---------------------------------------------------------------


def test_create_answers_201_with_the_exact_transfer_shape(api: Api, caller: Caller) -> None:
    created_at = api.clock.now()
    response = caller.post_transfer(
        {"message": "Testcase", "files": [{"name": "foo.bar", "size": 10}, {"name": "big.bin", "size": 6291460}]}
    )

    assert response.status_code == 201
    assert expect.is_json(response)
    body = response.json()
    assert set(body) == TRANSFER_KEYS
    assert body["success"] is True
    assert body["state"] == "uploading"
    assert body["message"] == "Testcase"
    assert body["url"] is None
    assert body["expires_at"] == iso(created_at + WEEK)
    stamp = datetime.fromtimestamp(created_at, UTC).strftime("%Y%m%d%H%M%S")
    assert re.fullmatch(r"[0-9a-f]{32}\d{14}", body["id"]) and body["id"].endswith(stamp)
    assert body["files"] == [
        {
            "id": body["files"][0]["id"],
            "name": "foo.bar",
            "size": 10,
            "multipart": {"part_numbers": 1, "chunk_size": 10},
            "type": "file",
        },
        {
            "id": body["files"][1]["id"],
            "name": "big.bin",
            "size": 6291460,
            "multipart": {"part_numbers": 2, "chunk_size": CHUNK},
            "type": "file",
        },
    ]
    ids = [body["id"], *(file["id"] for file in body["files"])]
    assert len(set(ids)) == 3
    assert all(isinstance(value, str) and re.fullmatch(r"[0-9a-f]{32}\d{14}", value) for value in ids)


def test_get_answers_200_with_the_same_object(caller: Caller) -> None:
    created = caller.create([("a.txt", 3)], "hello")

    response = caller.get(created["id"])

    assert response.status_code == 200
    assert expect.is_json(response)
    assert response.json() == created


@pytest.mark.parametrize(
    ("size", "chunk_size", "part_numbers"),
    [
        (1, 1, 1),
        (195906, 195906, 1),
        (CHUNK - 1, CHUNK - 1, 1),
        (CHUNK, CHUNK, 1),
        (CHUNK + 1, CHUNK, 2),
        (3 * CHUNK, CHUNK, 3),
        (104857600, CHUNK, 20),
        (2 * GIB, CHUNK, 410),
    ],
)
def test_chunking_is_5_mib_parts_numbered_from_1(caller: Caller, size: int, chunk_size: int, part_numbers: int) -> None:
    """BL-26: chunk_size = min(size, 5242880), part_numbers = ceil(size / 5242880)."""
    file = caller.create([("f.bin", size)])["files"][0]

    assert file["multipart"] == {"part_numbers": part_numbers, "chunk_size": chunk_size}


def test_files_come_back_in_request_order(caller: Caller) -> None:
    """BL-51: SDKs match response files to local files by index."""
    sent = [("z.bin", 10), ("a.bin", 20), ("m.bin", 30)]

    created = caller.create(sent)
    fetched = caller.get(created["id"]).json()

    for body in (created, fetched):
        assert [(file["name"], file["size"]) for file in body["files"]] == sent


def test_message_defaults_to_empty_string(caller: Caller) -> None:
    """BL-52 (c): the JS SDK leaves ``message`` out."""
    response = caller.post_transfer({"files": [{"name": "a", "size": 1}]})

    assert response.status_code == 201
    assert response.json()["message"] == ""
    assert response.json()["files"][0]["multipart"] == {"part_numbers": 1, "chunk_size": 1}


def test_null_message_is_read_as_empty(caller: Caller) -> None:
    response = caller.post_transfer({"message": None, "files": [{"name": "a", "size": 1}]})

    assert response.status_code == 201
    assert response.json()["message"] == ""


def test_message_is_echoed_exactly(caller: Caller) -> None:
    message = "  Grüße\n\tfrom 東京 — <b>&amp;</b>  "

    created = caller.create([("a", 1)], message)

    assert created["message"] == message
    assert caller.get(created["id"]).json()["message"] == message


def test_every_object_keeps_to_the_keys_the_ruby_sdk_accepts(caller: Caller) -> None:
    """BL-47: file objects hold only id, name, size, url, type, multipart (no multipart.id for transfers)."""
    created = caller.create([("a.txt", 3), ("b.txt", CHUNK + 5)])
    finalized = caller.send({"c.txt": b"abc"})

    for body in (created, caller.get(created["id"]).json(), finalized, caller.get(finalized["id"]).json()):
        assert set(body) == TRANSFER_KEYS
        assert "url" in body and "message" in body
        for file in body["files"]:
            assert set(file) == FILE_KEYS
            assert set(file["multipart"]) == {"part_numbers", "chunk_size"}
            assert file["type"] == "file"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON",
        "APPLICATION/JSON; CHARSET=utf-8",
        "application/json ; charset=utf-8",
    ],
)
def test_create_accepts_any_spelling_of_json(caller: Caller, content_type: str) -> None:
    """BL-01."""
    headers = {**caller.headers, "Content-Type": content_type}
    body = json.dumps({"files": [{"name": "a.txt", "size": 3}]})

    response = caller.api.client.post("/v2/transfers", content=body, headers=headers)

    assert response.status_code == 201, response.text


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/x-www-form-urlencoded"])
def test_create_without_json_content_type_is_415_and_creates_nothing(
    api: Api, caller: Caller, content_type: str | None
) -> None:
    """BL-03, D2."""
    headers = {k: v for k, v in caller.headers.items() if k != "Content-Type"}
    if content_type is not None:
        headers["Content-Type"] = content_type

    response = api.client.post(
        "/v2/transfers", content=b'{"message":"m","files":[{"name":"a.txt","size":3}]}', headers=headers
    )

    expect.error(response, 415, expect.UNSUPPORTED_MEDIA_TYPE)
    assert transfer_count(api) == 0


def test_get_without_content_type_is_415(caller: Caller) -> None:
    """D2: every /v2 route, GET included."""
    created = caller.create([("a.txt", 3)])
    headers = {k: v for k, v in caller.headers.items() if k != "Content-Type"}

    response = caller.api.client.get(f"/v2/transfers/{created['id']}", headers=headers)

    expect.error(response, 415, expect.UNSUPPORTED_MEDIA_TYPE)


def test_get_with_json_content_type_and_no_body_is_200(caller: Caller) -> None:
    """BL-06 (a): every SDK sends Content-Type on GETs."""
    created = caller.create([("a.txt", 3)])

    response = caller.api.client.get(f"/v2/transfers/{created['id']}", headers=caller.headers)

    assert response.status_code == 200


# -- create: validation ----------------------------------------------------------------------

NAME_255 = "n" * 251 + ".txt"

INVALID_BODIES: list[tuple[str, Any, str]] = [
    ("null body", None, '"transfer" must be an object'),
    ("array body", [], '"transfer" must be an object'),
    ("string body", "files", '"transfer" must be an object'),
    ("number body", 1, '"transfer" must be an object'),
    ("files missing", {"message": "m"}, '"transfer.files" is required'),
    ("files null", {"files": None}, '"transfer.files" must be an array'),
    ("files a string", {"files": "x"}, '"transfer.files" must be an array'),
    ("files an object", {"files": {"name": "a", "size": 1}}, '"transfer.files" must be an array'),
    ("files empty", {"files": []}, '"transfer.files" must contain at least 1 items'),
    ("message a number", {"message": 1, "files": []}, '"transfer.message" must be a string'),
    ("message a list", {"message": ["m"], "files": [{"name": "a", "size": 1}]}, '"transfer.message" must be a string'),
    (
        "message too long",
        {"message": "m" * 10_001, "files": [{"name": "a", "size": 1}]},
        '"transfer.message" length must be less than or equal to 10000 characters long',
    ),
    ("file a string", {"files": ["a.txt"]}, '"transfer.files" position 0 must be an object'),
    ("file null", {"files": [{"name": "a", "size": 1}, None]}, '"transfer.files" position 1 must be an object'),
    ("name missing", {"files": [{"size": 1}]}, '"transfer.files.name" is required'),
    ("name null", {"files": [{"name": None, "size": 1}]}, '"transfer.files.name" is required'),
    ("name a number", {"files": [{"name": 7, "size": 1}]}, '"transfer.files.name" must be a string'),
    ("name a list", {"files": [{"name": ["a"], "size": 1}]}, '"transfer.files.name" must be a string'),
    ("name empty", {"files": [{"name": "", "size": 1}]}, '"transfer.files.name" is not allowed to be empty'),
    (
        "name only separators",
        {"files": [{"name": "/\\:", "size": 1}]},
        '"transfer.files.name" is not allowed to be empty',
    ),
    (
        "name only emoji",
        {"files": [{"name": "\U0001f600\U0001f600", "size": 1}]},
        '"transfer.files.name" is not allowed to be empty',
    ),
    (
        "name only emoji before the extension (BL-39)",
        {"files": [{"name": "\ud83d\ude00\ud83d\ude00.png", "size": 1}]},
        '"transfer.files.name" is not allowed to be empty',
    ),
    ("name a dot-dot", {"files": [{"name": "..", "size": 1}]}, '"transfer.files.name" must not be "." or ".."'),
    (
        "name only control characters",
        {"files": [{"name": "\x00\n\x1b", "size": 1}]},
        '"transfer.files.name" is not allowed to be empty',
    ),
    (
        "name 256 characters",
        {"files": [{"name": "n" + NAME_255, "size": 1}]},
        '"transfer.files.name" length must be less than or equal to 255 characters long',
    ),
    ("size missing", {"files": [{"name": "a"}]}, '"transfer.files.size" is required'),
    ("size null", {"files": [{"name": "a", "size": None}]}, '"transfer.files.size" is required'),
    ("size 0", {"files": [{"name": "a", "size": 0}]}, '"transfer.files.size" must be greater than or equal to 1'),
    ("size -5", {"files": [{"name": "a", "size": -5}]}, '"transfer.files.size" must be greater than or equal to 1'),
    ("size a numeric string", {"files": [{"name": "a", "size": "10"}]}, '"transfer.files.size" must be an integer'),
    ("size 1.5", {"files": [{"name": "a", "size": 1.5}]}, '"transfer.files.size" must be an integer'),
    ("size 1e3", {"files": [{"name": "a", "size": 1e3}]}, '"transfer.files.size" must be an integer'),
    ("size 3.0", {"files": [{"name": "a", "size": 3.0}]}, '"transfer.files.size" must be an integer'),
    ("size true", {"files": [{"name": "a", "size": True}]}, '"transfer.files.size" must be an integer'),
    ("size a list", {"files": [{"name": "a", "size": [1]}]}, '"transfer.files.size" must be an integer'),
    (
        "duplicate names",
        {"files": [{"name": "a.txt", "size": 1}, {"name": "a.txt", "size": 2}]},
        '"transfer.files" position 1 contains a duplicate value',
    ),
    (
        "duplicate after stripping",
        {"files": [{"name": "a:b.txt", "size": 1}, {"name": "ab.txt", "size": 2}]},
        '"transfer.files" position 1 contains a duplicate value',
    ),
    (
        "duplicate at position 2",
        {"files": [{"name": "x", "size": 1}, {"name": "y", "size": 1}, {"name": "x", "size": 1}]},
        '"transfer.files" position 2 contains a duplicate value',
    ),
    (
        "size over 2 GiB",
        {"files": [{"name": "a", "size": 2 * GIB + 1}]},
        '"transfer.files" total size must be less than or equal to 2147483648 bytes',
    ),
    (
        "total over 2 GiB",
        {"files": [{"name": "a", "size": GIB}, {"name": "b", "size": GIB + 1}]},
        '"transfer.files" total size must be less than or equal to 2147483648 bytes',
    ),
    (
        "size 2^53 + 1",
        {"files": [{"name": "a", "size": 9007199254740993}]},
        '"transfer.files" total size must be less than or equal to 2147483648 bytes',
    ),
    (
        "size 10^30",
        {"files": [{"name": "a", "size": 10**30}]},
        '"transfer.files" total size must be less than or equal to 2147483648 bytes',
    ),
]


@pytest.mark.parametrize(
    ("body", "message"), [row[1:] for row in INVALID_BODIES], ids=[row[0] for row in INVALID_BODIES]
)
def test_create_refuses_invalid_bodies_with_400_naming_the_field(
    api: Api, caller: Caller, body: Any, message: str
) -> None:
    """BL-35, BL-41, BL-49, BL-29: a 400 whose message names the field; never 422 or 500; nothing created."""
    response = caller.api.client.post("/v2/transfers", content=json.dumps(body), headers=caller.headers)

    expect.error(response, 400, message)
    assert transfer_count(api) == 0


RAW_BODIES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("whitespace", b"  \n"),
    ("not json", b"!"),
    ("truncated", b'{"files": [{"name": "a", "size": 1}'),
    ("single quotes", b"{'files': []}"),
    ("trailing garbage", b'{"files": []} x'),
    ("invalid utf-8", b'{"files": [{"name": "\xff\xfe", "size": 1}]}'),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000),
    ("huge integer", b'{"files": [{"name": "a", "size": ' + b"9" * 5000 + b"}]}"),
    ("NaN size", b'{"files": [{"name": "a", "size": NaN}]}'),
    ("Infinity size", b'{"files": [{"name": "a", "size": Infinity}]}'),
]


@pytest.mark.parametrize("raw", [row[1] for row in RAW_BODIES], ids=[row[0] for row in RAW_BODIES])
def test_create_refuses_unreadable_bodies_with_400(api: Api, caller: Caller, raw: bytes) -> None:
    response = caller.api.client.post("/v2/transfers", content=raw, headers=caller.headers)

    expect.error(response, 400)
    assert transfer_count(api) == 0


def test_a_255_character_name_is_accepted(caller: Caller) -> None:
    """D13."""
    assert len(NAME_255) == 255

    created = caller.create([(NAME_255, 1)])

    assert created["files"][0]["name"] == NAME_255


def test_size_1_is_accepted(caller: Caller) -> None:
    """D10 (the live API refused it; we accept one byte)."""
    file = caller.create([("one.bin", 1)])["files"][0]

    assert (file["size"], file["multipart"]) == (1, {"part_numbers": 1, "chunk_size": 1})


def test_exactly_2_gib_is_accepted(caller: Caller) -> None:
    """BL-29 (d), D9: the cap is inclusive."""
    created = caller.create([("a.bin", GIB), ("b.bin", GIB)])

    assert [file["multipart"]["part_numbers"] for file in created["files"]] == [205, 205]


def test_names_differing_in_case_are_two_files(caller: Caller) -> None:
    """BL-41 (a)."""
    created = caller.create([("polish.txt", 1), ("Polish.txt", 1)])

    assert [file["name"] for file in created["files"]] == ["polish.txt", "Polish.txt"]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("Gr\u00fcner_Baum.jpg", "Gr\u00fcner_Baum.jpg"),
        ("Gru\u0308ner_Baum.jpg", "Gru\u0308ner_Baum.jpg"),
        ("\u0412\u0414\u041d\u0425.jpg", "\u0412\u0414\u041d\u0425.jpg"),
        ("\u5831\u544a.pdf", "\u5831\u544a.pdf"),
        ("the-weather-is-\u2600\ufe0f.jpg", "the-weather-is-.jpg"),
        ("the-weather-is-:\\.jpg", "the-weather-is-.jpg"),
        ("dir/sub\\file.txt", "dirsubfile.txt"),
        ("  spaced  name .txt ", "  spaced  name .txt "),
        ("tab\there.txt", "tabhere.txt"),
        ("new\r\nline.txt", "newline.txt"),
    ],
)
def test_names_are_echoed_byte_exact_apart_from_the_documented_stripping(
    caller: Caller, sent: str, stored: str
) -> None:
    """BL-39, D12: the JSON the server sends back carries exactly these code points."""
    response = caller.post_transfer({"files": [{"name": sent, "size": 1}]})

    assert response.status_code == 201
    assert response.json()["files"][0]["name"] == stored
    assert json.loads(response.content)["files"][0]["name"].encode() == stored.encode()


def test_nfc_and_nfd_forms_are_different_names(caller: Caller) -> None:
    """BL-39, D12: no normalisation, so they are not duplicates."""
    created = caller.create([("Gr\u00fcner_Baum.jpg", 1), ("Gru\u0308ner_Baum.jpg", 2)])

    assert [file["name"] for file in created["files"]] == ["Gr\u00fcner_Baum.jpg", "Gru\u0308ner_Baum.jpg"]


@pytest.mark.parametrize("message", ["bad \ud800 surrogate", "nul \x00 byte"])
def test_a_message_that_cannot_be_stored_is_400(api: Api, caller: Caller, message: str) -> None:
    response = caller.api.client.post(
        "/v2/transfers",
        content=json.dumps({"message": message, "files": [{"name": "a", "size": 1}]}),
        headers=caller.headers,
    )

    expect.error(response, 400, '"transfer.message" must not contain NUL characters or unpaired surrogates')
    assert transfer_count(api) == 0


# -- limits ----------------------------------------------------------------------------------


def test_the_file_count_limit_is_configurable_and_inclusive(make_api: ApiFactory) -> None:
    api = make_api(max_files_per_transfer=3)
    caller = caller_for(api, "limits")

    assert caller.post_transfer({"files": [{"name": f"{n}", "size": 1} for n in range(3)]}).status_code == 201
    response = caller.post_transfer({"files": [{"name": f"{n}", "size": 1} for n in range(4)]})

    expect.error(response, 400, '"transfer.files" must contain less than or equal to 3 items')


def test_the_transfer_size_limit_is_configurable_and_inclusive(make_api: ApiFactory) -> None:
    api = make_api(max_transfer_bytes=100)
    caller = caller_for(api, "limits")

    assert caller.post_transfer({"files": [{"name": "a", "size": 60}, {"name": "b", "size": 40}]}).status_code == 201
    response = caller.post_transfer({"files": [{"name": "a", "size": 60}, {"name": "b", "size": 41}]})

    expect.error(response, 400, '"transfer.files" total size must be less than or equal to 100 bytes')


def test_the_name_length_limit_is_configurable(make_api: ApiFactory) -> None:
    api = make_api(max_file_name_length=10)
    caller = caller_for(api, "limits")

    assert caller.post_transfer({"files": [{"name": "a" * 10, "size": 1}]}).status_code == 201
    response = caller.post_transfer({"files": [{"name": "a" * 11, "size": 1}]})

    expect.error(response, 400, '"transfer.files.name" length must be less than or equal to 10 characters long')


def test_a_20_mb_json_body_is_413_json(api: Api, caller: Caller) -> None:
    """BL-38: 200,000 file entries, about 20 MB, with a Content-Length."""
    files = [{"name": f"{n:06d}-" + "x" * 70 + ".bin", "size": 1} for n in range(200_000)]
    raw = json.dumps({"message": "big", "files": files}).encode()
    assert len(raw) > 20_000_000

    response = caller.api.client.post("/v2/transfers", content=raw, headers=caller.headers)

    expect.error(response, 413, "Payload too large: the body may hold at most 1048576 bytes")
    assert transfer_count(api) == 0


def test_a_20_mb_chunked_json_body_is_413_json(api: Api, caller: Caller) -> None:
    """BL-38 without a Content-Length: the limit holds while the body streams in."""
    piece = b'{"name": "' + b"x" * 80 + b'", "size": 1},'

    def body() -> Any:
        yield b'{"files": ['
        for _ in range(200):
            yield piece * 1000
        yield b'{"name": "last", "size": 1}]}'

    response = caller.api.client.post("/v2/transfers", content=body(), headers=caller.headers)

    expect.error(response, 413, "Payload too large: the body may hold at most 1048576 bytes")
    assert transfer_count(api) == 0


# -- get -------------------------------------------------------------------------------------


@pytest.mark.parametrize("transfer_id", ["doesnotexist", "0" * 46, "a" * 500, "..", "%2e%2e", "%00", "é"])
def test_get_of_an_unknown_id_is_404(caller: Caller, transfer_id: str) -> None:
    """BL-45 (c)."""
    response = caller.api.client.get(f"/v2/transfers/{transfer_id}", headers=caller.headers)

    expect.error(response, 404)
    assert response.json()["message"] in {"Couldn't find Transfer", "Resource not found"}


def test_unsupported_methods_are_405_json(caller: Caller) -> None:
    """BL-49."""
    created = caller.create([("a.txt", 3)])

    for method, path in [
        ("DELETE", f"/v2/transfers/{created['id']}"),
        ("PATCH", f"/v2/transfers/{created['id']}"),
        ("GET", "/v2/transfers"),
        ("POST", f"/v2/transfers/{created['id']}/finalize"),
        ("GET", f"/v2/transfers/{created['id']}/finalize"),
        ("POST", f"/v2/transfers/{created['id']}/files/{created['files'][0]['id']}/upload-complete"),
    ]:
        response = caller.api.client.request(method, path, headers=caller.headers)
        expect.error(response, 405, expect.METHOD_NOT_ALLOWED)


# -- ownership -------------------------------------------------------------------------------


def calls_of_another_caller(intruder: Caller, transfer: dict[str, Any]) -> dict[str, Any]:
    """Every transfer route, as ``intruder``; BL-15 step 2."""
    tid, fid = transfer["id"], transfer["files"][0]["id"]
    return {
        "get": intruder.get(tid),
        "upload-url": intruder.upload_url(tid, fid, 1),
        "upload-url part 0": intruder.upload_url(tid, fid, 0),
        "upload-complete": intruder.complete(tid, fid, {"part_numbers": 1}),
        "upload-complete no body": intruder.complete(tid, fid),
        "finalize": intruder.finalize(tid),
    }


def assert_untouched(owner: Caller, transfer: dict[str, Any], part_url: str) -> None:
    """Nothing changed: still uploading, no URL, the file not completed (it still takes parts),
    and finalize still refuses the incomplete file."""
    body = owner.get(transfer["id"]).json()
    assert (body["state"], body["url"]) == ("uploading", None)
    assert body == transfer
    assert put(owner.api, part_url, b"abc").status_code == 200
    expect.error(owner.finalize(transfer["id"]), 400)


def test_another_user_identifier_under_the_same_key_gets_404_everywhere(api: Api, key: str) -> None:
    """BL-15 step 2, D5: a uniform 404 with the body of a missing transfer, and nothing changes."""
    owner = Caller(api, key, api.authorize(key, "u-a"))
    intruder = Caller(api, key, api.authorize(key, "u-b"))
    transfer = owner.create([("a.txt", 3)])
    part_url = owner.url(transfer["id"], transfer["files"][0]["id"], 1)
    assert put(api, part_url, b"abc").status_code == 200

    for name, response in calls_of_another_caller(intruder, transfer).items():
        assert response.status_code == 404, name
        assert response.json() == {"success": False, "message": "Couldn't find Transfer"}, name

    assert_untouched(owner, transfer, part_url)


def test_another_application_gets_404_everywhere(api: Api, key: str, token: str) -> None:
    """D7: another application's key never sees the transfer, with or without an identifier."""
    owner = Caller(api, key, token)
    transfer = owner.create([("a.txt", 3)])
    part_url = owner.url(transfer["id"], transfer["files"][0]["id"], 1)

    for intruder in (caller_for(api, "app-two"), caller_for(api, "app-two", "u-a")):
        for name, response in calls_of_another_caller(intruder, transfer).items():
            assert response.status_code == 404, name
            assert response.json() == {"success": False, "message": "Couldn't find Transfer"}, name

    assert_untouched(owner, transfer, part_url)


def test_a_token_without_identifier_sees_every_transfer_of_its_application(api: Api, key: str) -> None:
    """§2.1: a token issued without an identifier reaches every transfer made with the key."""
    scoped = Caller(api, key, api.authorize(key, "u-a"))
    unscoped = Caller(api, key, api.authorize(key))
    transfer = scoped.create([("a.txt", 3)])

    assert unscoped.get(transfer["id"]).status_code == 200


def test_a_scoped_token_does_not_see_unscoped_transfers(api: Api, key: str, token: str) -> None:
    unscoped = Caller(api, key, token)
    transfer = unscoped.create([("a.txt", 3)])

    response = Caller(api, key, api.authorize(key, "u-a")).get(transfer["id"])

    expect.error(response, 404, "Couldn't find Transfer")


def test_another_key_of_the_same_application_sees_the_transfer(api: Api, key: str, token: str) -> None:
    """D7: data belongs to the application, so a rotated key keeps access."""
    transfer = Caller(api, key, token).create([("a.txt", 3)])
    rotated = caller_for(api, "app-one", key_name="rotated")

    assert rotated.get(transfer["id"]).json() == transfer


def test_a_token_sent_with_another_key_is_refused(api: Api, key: str) -> None:
    """BL-15 step 3."""
    owner = Caller(api, key, api.authorize(key, "u-a"))
    transfer = owner.create([("a.txt", 3)])
    other_key = api.create_key("second", app="app-two")

    response = api.client.get(f"/v2/transfers/{transfer['id']}", headers=api.headers(other_key, owner.token))

    expect.error(response, 403, expect.TOKEN_KEY_MISMATCH)  # D3 (BL-15 step 3 says 401; the decision wins)


# -- the whole happy path --------------------------------------------------------------------


def test_happy_path_status_codes(api: Api, key: str) -> None:
    """BL-50: the exact codes the SDKs hard-code."""
    authorize = api.client.post("/v2/authorize", headers=api.headers(key))
    assert authorize.status_code == 200
    caller = Caller(api, key, authorize.json()["token"])
    data = payload(CHUNK + 7)

    create = caller.post_transfer({"message": "m", "files": [{"name": "a.bin", "size": len(data)}]})
    assert create.status_code == 201
    transfer = create.json()
    fid = transfer["files"][0]["id"]
    for part, piece in enumerate((data[:CHUNK], data[CHUNK:]), start=1):
        url_response = caller.upload_url(transfer["id"], fid, part)
        assert url_response.status_code == 200
        assert set(url_response.json()) == {"success", "url"}
        assert put(api, url_response.json()["url"], piece).status_code == 200
    complete = caller.complete(transfer["id"], fid, {"part_numbers": 2})
    assert complete.status_code == 200
    finalize = caller.finalize(transfer["id"])
    assert finalize.status_code == 200
    assert caller.get(transfer["id"]).status_code == 200
    for response in (authorize, create, complete, finalize):
        assert expect.is_json(response) and response.content


# -- hostile ids: never a 500 (PostgreSQL refuses NUL in text) -----------------------------------

HOSTILE_IDS = ["%00", "a%00b", "%C3%A9", "%ED%A0%80", "x" * 65, "%2E%2E", "a%20b", "-1", "%FF", "%0A"]


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_ids_are_404_on_every_route(caller: Caller, bad: str) -> None:
    transfer = caller.create([("a.txt", 3)])
    tid, fid = transfer["id"], transfer["files"][0]["id"]
    client = caller.api.client

    for method, path in [
        ("GET", f"/v2/transfers/{bad}"),
        ("GET", f"/v2/transfers/{bad}/files/{fid}/upload-url/1"),
        ("GET", f"/v2/transfers/{tid}/files/{bad}/upload-url/1"),
        ("PUT", f"/v2/transfers/{bad}/files/{fid}/upload-complete"),
        ("PUT", f"/v2/transfers/{tid}/files/{bad}/upload-complete"),
        ("PUT", f"/v2/transfers/{bad}/finalize"),
    ]:
        response = client.request(method, path, headers=caller.headers)
        expect.error(response, 404)
    assert client.put(f"/upload/{bad}/1?expires=9999999999&signature=00", content=b"a").status_code == 403
    assert client.get(f"/t/{bad}").status_code == 404
    assert caller.get(tid).json() == transfer


@pytest.mark.parametrize("identifier", ["a\x00b", "a\ud800b", "\udfff"])
def test_a_user_identifier_that_cannot_be_stored_is_refused_at_authorize(api: Api, key: str, identifier: str) -> None:
    """It would be stored with every transfer the token creates: a 400 now, not a 500 on each create."""
    response = api.client.post(
        "/v2/authorize", content=json.dumps({"user_identifier": identifier}), headers=api.headers(key)
    )

    expect.error(response, 400, '"user_identifier" must not contain NUL characters or unpaired surrogates')


@pytest.mark.parametrize("identifier", ["u-\u00e9\u5831", "a b", "x" * 255, "\U0001f600"])
def test_unusual_but_storable_user_identifiers_work(api: Api, key: str, identifier: str) -> None:
    caller = Caller(api, key, api.authorize(key, identifier))

    transfer = caller.create([("a.txt", 3)])

    assert caller.get(transfer["id"]).status_code == 200
    other = identifier[:-1] + ("y" if identifier[-1] != "y" else "z")
    expect.error(Caller(api, key, api.authorize(key, other)).get(transfer["id"]), 404)
