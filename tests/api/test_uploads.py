"""Upload URLs, the pre-signed part PUT and upload-complete (BL-26 to BL-28, BL-30, BL-32 to
BL-35, BL-38, BL-52 (e)); the last tests drive a real server process over raw sockets."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import httpx2
import pytest

from tests import expect
from tests.api.conftest import (
    CHUNK,
    COMPLETE_KEYS,
    HOUR,
    Caller,
    blob_files,
    download,
    md5_etag,
    payload,
    put,
    url_expiry,
)
from tests.conftest import Api, Server, wait_until

URL_REJECTED = "Forbidden: the upload URL is invalid or has expired"
URL_EXPIRED = "Forbidden: Request has expired; request a new upload URL"


def one_file(caller: Caller, size: int, name: str = "f.bin") -> tuple[dict[str, Any], str]:
    transfer = caller.create([(name, size)])
    return transfer, transfer["files"][0]["id"]


# -- upload-url ------------------------------------------------------------------------------


def test_upload_url_is_200_with_an_absolute_url_valid_one_hour(api: Api, caller: Caller) -> None:
    transfer, fid = one_file(caller, 10)

    response = caller.upload_url(transfer["id"], fid, 1)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "url"} and body["success"] is True
    assert body["url"].startswith("http://testserver/")
    assert url_expiry(body["url"]) == api.clock.now() + HOUR


@pytest.mark.parametrize(
    ("part", "status", "message"),
    [
        ("0", 417, "Chunk numbers are 1-based"),
        ("00", 417, "Chunk numbers are 1-based"),
        ("3", 400, "Part number 3 is out of range: this file has 2 parts"),
        ("10001", 400, "Part number 10001 is out of range: this file has 2 parts"),
        ("99999999999999999999", 400, None),
        ("-1", 400, None),
        ("1.5", 400, None),
        ("abc", 400, None),
        ("1e0", 400, None),
        ("+1", 400, None),
        ("%201", 400, None),
        ("\uff11", 400, None),
        ("\u0661", 400, None),
    ],
)
def test_upload_url_part_number_table(caller: Caller, part: str, status: int, message: str | None) -> None:
    """BL-28: 0 is 417 "Chunk numbers are 1-based"; anything else that is not 1..part_numbers is 400."""
    transfer, fid = one_file(caller, CHUNK + 1)

    response = caller.upload_url(transfer["id"], fid, part)

    expect.error(response, status, message)


@pytest.mark.parametrize("part", ["1", "2", "01", "%31"])
def test_upload_url_accepts_every_spelling_of_a_valid_part(caller: Caller, part: str) -> None:
    transfer, fid = one_file(caller, CHUNK + 1)

    assert caller.upload_url(transfer["id"], fid, part).status_code == 200


def test_upload_url_of_an_unknown_or_foreign_file_is_404(caller: Caller) -> None:
    transfer, _ = one_file(caller, 10)
    _other, other_fid = one_file(caller, 10)

    for tid, fid, message in [
        (transfer["id"], "doesnotexist", "Invalid transfer or file id"),
        (transfer["id"], other_fid, "Invalid transfer or file id"),
        (transfer["id"], transfer["id"], "Invalid transfer or file id"),
        ("doesnotexist", other_fid, "Couldn't find Transfer"),
    ]:
        expect.error(caller.upload_url(tid, fid, 1), 404, message)


def test_upload_url_may_be_requested_again(api: Api, caller: Caller) -> None:
    """BL-33 (c): at T + 3601 a new URL, different from the first, valid from then on."""
    transfer, fid = one_file(caller, 11)
    first = caller.url(transfer["id"], fid, 1)
    api.clock.advance(HOUR + 1)

    second = caller.url(transfer["id"], fid, 1)

    assert second != first
    assert url_expiry(second) == api.clock.now() + HOUR
    expect.error(put(api, first, b"hello world"), 403, URL_EXPIRED)
    assert put(api, second, b"hello world").status_code == 200


# -- the part PUT ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [None, "application/x-www-form-urlencoded", "binary/octet-stream", "application/octet-stream", "application/json"],
)
def test_part_put_takes_any_content_type_and_no_credentials(api: Api, caller: Caller, content_type: str | None) -> None:
    """BL-34: exactly 200, ETag "<md5 hex>", empty body; the bytes stored are the bytes sent."""
    transfer, fid = one_file(caller, 11, "hello.txt")
    url = caller.url(transfer["id"], fid, 1)
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = put(api, url, b"hello world", headers)

    assert response.status_code == 200
    assert response.headers["etag"] == md5_etag(b"hello world")
    assert response.content == b""
    assert "x-api-key" not in response.request.headers and "authorization" not in response.request.headers
    assert response.request.headers.get("content-type") == content_type
    caller.complete(transfer["id"], fid, {"part_numbers": 1})
    finalized = caller.finalize(transfer["id"]).json()
    caller.wait_downloadable(transfer["id"])
    assert download(api, finalized, 0).content == b"hello world"


def test_part_put_ignores_stray_api_credentials(api: Api, caller: Caller) -> None:
    transfer, fid = one_file(caller, 3)
    url = caller.url(transfer["id"], fid, 1)

    response = put(api, url, b"abc", {"x-api-key": "nonsense", "Authorization": "Bearer nonsense"})

    assert response.status_code == 200


def test_part_put_accepts_chunked_transfer_encoding(api: Api, caller: Caller) -> None:
    """D11: no Content-Length; the size is checked byte-exact at completion."""
    data = payload(CHUNK + 10)
    transfer, fid = one_file(caller, len(data))

    def pieces(blob: bytes) -> Iterator[bytes]:
        for start in range(0, len(blob), 65536):
            yield blob[start : start + 65536]

    for part, piece in ((1, data[:CHUNK]), (2, data[CHUNK:])):
        response = api.client.put(caller.url(transfer["id"], fid, part), content=pieces(piece))
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.request.headers
        assert response.status_code == 200
        assert response.headers["etag"] == md5_etag(piece)

    assert caller.complete(transfer["id"], fid, {"part_numbers": 2}).status_code == 200
    finalized = caller.finalize(transfer["id"]).json()
    caller.wait_downloadable(transfer["id"])
    assert download(api, finalized, 0).content == data


def test_a_part_may_be_uploaded_again_and_the_last_write_wins(api: Api, caller: Caller) -> None:
    transfer, fid = one_file(caller, 5)
    first = put(api, caller.url(transfer["id"], fid, 1), b"aaaaa")
    url = caller.url(transfer["id"], fid, 1)

    second = put(api, url, b"bbbbb")
    third = put(api, url, b"ccccc")

    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert third.headers["etag"] == md5_etag(b"ccccc")
    assert caller.complete(transfer["id"], fid, {"part_numbers": 1}).status_code == 200
    finalized = caller.finalize(transfer["id"]).json()
    caller.wait_downloadable(transfer["id"])
    assert download(api, finalized, 0).content == b"ccccc"


def test_concurrent_out_of_order_parts_join_in_order(api: Api, caller: Caller) -> None:
    """BL-30: 4 parts PUT at the same time, in the order 4, 2, 3, 1."""
    data = payload(3 * CHUNK + 100, seed=30)
    transfer, fid = one_file(caller, len(data))
    assert transfer["files"][0]["multipart"]["part_numbers"] == 4
    urls = {part: caller.url(transfer["id"], fid, part) for part in (1, 2, 3, 4)}
    start = threading.Barrier(4)
    results: dict[int, httpx2.Response] = {}

    def send(part: int) -> None:
        start.wait()
        results[part] = put(api, urls[part], data[(part - 1) * CHUNK : part * CHUNK])

    threads = [threading.Thread(target=send, args=(part,)) for part in (4, 2, 3, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    for part, response in results.items():
        assert response.status_code == 200, part
        assert response.headers["etag"] == md5_etag(data[(part - 1) * CHUNK : part * CHUNK])
    assert sorted(results) == [1, 2, 3, 4]
    assert caller.complete(transfer["id"], fid, {"part_numbers": 4}).status_code == 200
    finalized = caller.finalize(transfer["id"])
    assert finalized.status_code == 200
    caller.wait_downloadable(transfer["id"])
    downloaded = download(api, finalized.json(), 0).content
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(data).hexdigest()


def test_concurrent_writes_of_the_same_part_leave_one_whole_write(api: Api, caller: Caller) -> None:
    """Parts may arrive more than once at the same time: one complete write wins, never a mix."""
    versions = [payload(CHUNK, seed=n) for n in range(4)]
    transfer, fid = one_file(caller, CHUNK)
    url = caller.url(transfer["id"], fid, 1)
    start = threading.Barrier(len(versions))
    statuses: list[int] = []

    def send(data: bytes) -> None:
        start.wait()
        statuses.append(put(api, url, data).status_code)

    threads = [threading.Thread(target=send, args=(data,)) for data in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * len(versions)
    assert caller.complete(transfer["id"], fid, {"part_numbers": 1}).status_code == 200
    finalized = caller.finalize(transfer["id"]).json()
    caller.wait_downloadable(transfer["id"])
    assert download(api, finalized, 0).content in versions


# -- refusals of the part PUT ----------------------------------------------------------------


def tamper(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&"))
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    rebuilt = "&".join(f"{k}={v}" for k, v in query.items())
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{rebuilt}" if rebuilt else "")


def flip(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


BAD_URLS: list[tuple[str, Any]] = [
    ("signature changed", lambda u, s, e: tamper(u, signature=flip(s))),
    ("signature upper case", lambda u, s, e: tamper(u, signature=s.upper())),
    ("signature missing", lambda u, s, e: tamper(u, signature=None)),
    ("signature empty", lambda u, s, e: tamper(u, signature="")),
    ("signature of a non-ascii character", lambda u, s, e: tamper(u, signature="%C3%A9")),
    ("expires missing", lambda u, s, e: tamper(u, expires=None)),
    ("expires extended", lambda u, s, e: tamper(u, expires=str(int(e) + 3600))),
    ("expires not a number", lambda u, s, e: tamper(u, expires="soon")),
    ("expires negative", lambda u, s, e: tamper(u, expires="-1")),
    ("expires huge", lambda u, s, e: tamper(u, expires="9" * 40)),
    ("no query", lambda u, s, e: u.split("?")[0]),
    ("other part", lambda u, s, e: u.replace("/1?", "/2?")),
    ("part 0", lambda u, s, e: u.replace("/1?", "/0?")),
    ("part -1", lambda u, s, e: u.replace("/1?", "/-1?")),
    ("part huge", lambda u, s, e: u.replace("/1?", "/99999999999999999999?")),
    ("part not a number", lambda u, s, e: u.replace("/1?", "/one?")),
    ("other file", lambda u, s, e: u.replace("/upload/", "/upload/x")),
]


@pytest.mark.parametrize("mangle", [row[1] for row in BAD_URLS], ids=[row[0] for row in BAD_URLS])
def test_a_bad_signature_is_403_and_stores_nothing(api: Api, caller: Caller, mangle: Any) -> None:
    transfer, fid = one_file(caller, CHUNK + 3)
    url = caller.url(transfer["id"], fid, 1)
    query = dict(pair.split("=", 1) for pair in urlsplit(url).query.split("&"))

    response = put(api, mangle(url, query["signature"], query["expires"]), payload(CHUNK))

    expect.error(response, 403, URL_REJECTED)
    assert blob_files(api, transfer["id"]) == []
    expect.error(caller.complete(transfer["id"], fid, {"part_numbers": 2}), 417, "Chunks 1, 2 are still missing")


def test_a_url_for_one_file_does_not_open_another(api: Api, caller: Caller) -> None:
    transfer = caller.create([("a", 3), ("b", 3)])
    url = caller.url(transfer["id"], transfer["files"][0]["id"], 1)

    response = put(api, url.replace(transfer["files"][0]["id"], transfer["files"][1]["id"]), b"abc")

    expect.error(response, 403, URL_REJECTED)


def test_an_expired_url_is_403(api: Api, caller: Caller) -> None:
    """BL-33 (b)."""
    transfer, fid = one_file(caller, 3)
    url = caller.url(transfer["id"], fid, 1)
    api.clock.advance(HOUR + 1)

    expect.error(put(api, url, b"abc"), 403, URL_EXPIRED)
    assert blob_files(api, transfer["id"]) == []


@pytest.mark.parametrize("age", [HOUR - 1, HOUR])
def test_a_url_is_valid_until_its_last_second(api: Api, caller: Caller, age: int) -> None:
    transfer, fid = one_file(caller, 3)
    url = caller.url(transfer["id"], fid, 1)
    api.clock.advance(age)

    assert put(api, url, b"abc").status_code == 200


def test_validity_is_checked_when_the_request_starts(api: Api, caller: Caller) -> None:
    """BL-33 (a): a PUT started at T + 3599 whose body is still arriving at T + 3700 succeeds."""
    data = payload(CHUNK, seed=33)
    transfer, fid = one_file(caller, len(data))
    url = caller.url(transfer["id"], fid, 1)
    api.clock.advance(HOUR - 1)

    def slow_body() -> Iterator[bytes]:
        for start in range(0, len(data), CHUNK // 4):
            api.clock.advance(25)  # the body trickles in past the expiry
            yield data[start : start + CHUNK // 4]

    response = api.client.put(url, content=slow_body())

    assert api.clock.now() > url_expiry(url)
    assert response.status_code == 200
    assert response.headers["etag"] == md5_etag(data)


def test_a_declared_length_over_the_slot_is_413_and_stores_nothing(api: Api, caller: Caller) -> None:
    """BL-38: chunk_size + 1 MiB bytes with a Content-Length."""
    transfer, fid = one_file(caller, 2 * CHUNK)
    url = caller.url(transfer["id"], fid, 1)

    response = put(api, url, payload(CHUNK + 1024 * 1024))

    expect.error(response, 413, f"Part 1 may hold at most {CHUNK} bytes")
    assert blob_files(api, transfer["id"]) == []
    expect.error(caller.complete(transfer["id"], fid, {"part_numbers": 2}), 417, "Chunks 1, 2 are still missing")


def test_a_chunked_body_growing_past_the_slot_is_413_and_stores_nothing(api: Api, caller: Caller) -> None:
    transfer, fid = one_file(caller, CHUNK + 10)
    url = caller.url(transfer["id"], fid, 2)

    def body() -> Iterator[bytes]:
        yield b"x" * 10
        yield b"y"

    response = api.client.put(url, content=body())

    expect.error(response, 413, "Part 2 may hold at most 10 bytes")
    assert blob_files(api, transfer["id"]) == []


def test_a_413_leaves_an_earlier_good_write_in_place(api: Api, caller: Caller) -> None:
    transfer, fid = one_file(caller, 5)
    url = caller.url(transfer["id"], fid, 1)
    assert put(api, url, b"abcde").status_code == 200

    expect.error(put(api, url, b"abcdef"), 413, "Part 1 may hold at most 5 bytes")

    assert caller.complete(transfer["id"], fid, {"part_numbers": 1}).status_code == 200
    finalized = caller.finalize(transfer["id"]).json()
    caller.wait_downloadable(transfer["id"])
    assert download(api, finalized, 0).content == b"abcde"


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PATCH"])
def test_the_upload_url_takes_only_put(api: Api, caller: Caller, method: str) -> None:
    transfer, fid = one_file(caller, 3)
    url = caller.url(transfer["id"], fid, 1)

    expect.error(api.client.request(method, url, content=b"abc"), 405, expect.METHOD_NOT_ALLOWED)


# -- upload-complete -------------------------------------------------------------------------


def test_upload_complete_is_200_with_the_documented_shape(api: Api, caller: Caller) -> None:
    transfer, fid = one_file(caller, 195906, "big-bobis.jpg")
    assert put(api, caller.url(transfer["id"], fid, 1), payload(195906)).status_code == 200

    response = caller.complete(transfer["id"], fid, {"part_numbers": 1})

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "id": fid,
        "retries": 0,
        "name": "big-bobis.jpg",
        "size": 195906,
        "chunk_size": CHUNK,
    }
    assert set(response.json()) == COMPLETE_KEYS


def test_upload_complete_twice_gives_the_same_answer(api: Api, caller: Caller) -> None:
    """BL-43, D14."""
    transfer, fid = one_file(caller, 3)
    put(api, caller.url(transfer["id"], fid, 1), b"abc")

    first = caller.complete(transfer["id"], fid, {"part_numbers": 1})
    second = caller.complete(transfer["id"], fid, {"part_numbers": 1})

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


@pytest.mark.parametrize(
    "body",
    [None, {}, {"part_numbers": 2}, {"part_numbers": "2"}, {"part_numbers": None}, {"part_numbers": 2, "extra": 1}],
    ids=["no body", "empty object", "integer", "numeric string", "null", "extra key"],
)
def test_upload_complete_accepts_the_bodies_sdks_send(api: Api, caller: Caller, body: Any) -> None:
    """BL-52 (e), D15: an integer, a numeric string, or nothing."""
    data = payload(CHUNK + 1)
    transfer, fid = one_file(caller, len(data))
    caller.upload_parts(transfer, 0, data)

    assert caller.complete(transfer["id"], fid, body).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"part_numbers": 1}, "Expected part_numbers 1 to be 2"),
        ({"part_numbers": 3}, "Expected part_numbers 3 to be 2"),
        ({"part_numbers": 0}, "Expected part_numbers 0 to be 2"),
        ({"part_numbers": -2}, "Expected part_numbers -2 to be 2"),
        ({"part_numbers": 2.0}, '"part_numbers" must be a number'),
        ({"part_numbers": True}, '"part_numbers" must be a number'),
        ({"part_numbers": " 2"}, '"part_numbers" must be a number'),
        ({"part_numbers": "two"}, '"part_numbers" must be a number'),
        ({"part_numbers": "\u0662"}, '"part_numbers" must be a number'),
        ({"part_numbers": [2]}, '"part_numbers" must be a number'),
        ({"part_numbers": {"n": 2}}, '"part_numbers" must be a number'),
        ([], '"upload" must be an object'),
        ("2", '"upload" must be an object'),
        (2, '"upload" must be an object'),
    ],
)
def test_upload_complete_refuses_a_wrong_count_or_type(api: Api, caller: Caller, body: Any, message: str) -> None:
    """BL-52 (e): a wrong count is a 4xx, and the file stays incomplete."""
    data = payload(CHUNK + 1)
    transfer, fid = one_file(caller, len(data))
    caller.upload_parts(transfer, 0, data)

    expect.error(caller.complete(transfer["id"], fid, body), 400, message)
    expect.error(caller.finalize(transfer["id"]), 400)


def test_upload_complete_with_invalid_json_is_400(api: Api, caller: Caller) -> None:
    transfer, fid = one_file(caller, 3)
    put(api, caller.url(transfer["id"], fid, 1), b"abc")

    response = api.client.put(
        f"/v2/transfers/{transfer['id']}/files/{fid}/upload-complete", content=b"{", headers=caller.headers
    )

    expect.error(response, 400)
    assert response.json()["message"].startswith(expect.INVALID_JSON)


@pytest.mark.parametrize(
    ("uploaded", "message"),
    [
        ((), "Chunks 1, 2, 3 are still missing"),
        ((1, 3), "Chunks 2 are still missing"),
        ((2,), "Chunks 1, 3 are still missing"),
        ((1, 2), "Chunks 3 are still missing"),
    ],
)
def test_upload_complete_lists_the_missing_chunks(
    api: Api, caller: Caller, uploaded: tuple[int, ...], message: str
) -> None:
    data = payload(2 * CHUNK + 5)
    transfer, fid = one_file(caller, len(data))
    for part in uploaded:
        put(api, caller.url(transfer["id"], fid, part), data[(part - 1) * CHUNK : part * CHUNK])

    expect.error(caller.complete(transfer["id"], fid, {"part_numbers": 3}), 417, message)


def test_a_wrong_split_is_400_naming_both_sizes(api: Api, caller: Caller) -> None:
    """BL-27: the right total in the wrong split. Part 2 would overflow its slot, so it is
    refused at once (413); part 1 is short, which complete reports."""
    transfer, fid = one_file(caller, 10485760)
    data = payload(10485760)

    assert put(api, caller.url(transfer["id"], fid, 1), data[:5_000_000]).status_code == 200
    expect.error(
        put(api, caller.url(transfer["id"], fid, 2), data[5_000_000:]), 413, f"Part 2 may hold at most {CHUNK} bytes"
    )

    expect.error(
        caller.complete(transfer["id"], fid, {"part_numbers": 2}),
        400,
        "Expected 5000000 to be 10485760 (part 1 holds 5000000 bytes, not 5242880)",
    )


def test_a_last_part_one_byte_short_is_400(api: Api, caller: Caller) -> None:
    """BL-27: "Expected 10485759 to be 10485760"; the file stays incomplete and can be repaired."""
    data = payload(10485760)
    transfer, fid = one_file(caller, len(data))
    put(api, caller.url(transfer["id"], fid, 1), data[:CHUNK])
    put(api, caller.url(transfer["id"], fid, 2), data[CHUNK:-1])

    expect.error(
        caller.complete(transfer["id"], fid, {"part_numbers": 2}),
        400,
        "Expected 10485759 to be 10485760 (part 2 holds 5242879 bytes, not 5242880)",
    )
    expect.error(caller.finalize(transfer["id"]), 400)

    assert put(api, caller.url(transfer["id"], fid, 2), data[CHUNK:]).status_code == 200
    assert caller.complete(transfer["id"], fid, {"part_numbers": 2}).status_code == 200


def test_a_completed_file_takes_no_more_parts(api: Api, caller: Caller) -> None:
    """upload-complete checked the bytes; they may not change afterwards."""
    transfer, fid = one_file(caller, 3)
    url = caller.url(transfer["id"], fid, 1)
    put(api, url, b"abc")
    assert caller.complete(transfer["id"], fid, {"part_numbers": 1}).status_code == 200

    expect.error(put(api, url, b"xyz"), 403, "Forbidden: this file is complete and takes no more parts")
    expect.error(caller.upload_url(transfer["id"], fid, 1), 409, "File is complete; it takes no more parts")

    finalized = caller.finalize(transfer["id"]).json()
    caller.wait_downloadable(transfer["id"])
    assert download(api, finalized, 0).content == b"abc"


# -- against a real server -------------------------------------------------------------------

# tests/conftest.py's start_server leaves its log file to the garbage collector.
real_server = pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")


class RealClient:
    """The API of a running ``transferd serve``, driven with httpx and raw sockets."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, timeout=30)
        headers = {"Content-Type": "application/json", "x-api-key": server.first_key}
        token = self.http.post("/v2/authorize", headers=headers).json()["token"]
        self.headers = {**headers, "Authorization": f"Bearer {token}"}

    def create(self, size: int) -> tuple[str, str]:
        response = self.http.post(
            "/v2/transfers", json={"files": [{"name": "f.bin", "size": size}]}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return body["id"], body["files"][0]["id"]

    def url(self, tid: str, fid: str, part: int) -> str:
        response = self.http.get(f"/v2/transfers/{tid}/files/{fid}/upload-url/{part}", headers=self.headers)
        assert response.status_code == 200, response.text
        url: str = response.json()["url"]
        return url

    def complete(self, tid: str, fid: str, parts: int) -> httpx.Response:
        return self.http.put(
            f"/v2/transfers/{tid}/files/{fid}/upload-complete", json={"part_numbers": parts}, headers=self.headers
        )

    def finalize_and_download(self, tid: str, fid: str) -> bytes:
        response = self.http.put(f"/v2/transfers/{tid}/finalize", headers=self.headers)
        assert response.status_code == 200, response.text
        url = response.json()["url"]

        def downloadable() -> bool:
            return bool(self.http.get(f"/v2/transfers/{tid}", headers=self.headers).json()["state"] == "downloadable")

        wait_until(downloadable)
        return self.http.get(f"{url}/files/{fid}").content

    def parts_dir(self, tid: str, fid: str) -> Path:
        return self.server.data_dir / "blobs" / tid / fid / "parts"


def open_put(url: str, length: int) -> socket.socket:
    """A raw ``PUT`` whose headers promise ``length`` bytes; the caller sends (some of) the body."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30)
    head = f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {length}\r\n\r\n"
    sock.sendall(head.encode())
    return sock


def read_status(sock: socket.socket) -> int:
    received = b""
    while b"\r\n" not in received:
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    return int(received.split(b" ", 2)[1])


@pytest.fixture
def real(server: Server) -> Iterator[RealClient]:
    client = RealClient(server)
    try:
        yield client
    finally:
        client.http.close()


@real_server
@pytest.mark.e2e
def test_an_interrupted_part_is_not_stored_and_can_be_sent_again(real: RealClient) -> None:
    """BL-32: part 2 is cut off after 1 MiB; complete reports it missing; a new URL repairs it."""
    data = payload(2 * CHUNK + 1000, seed=32)
    tid, fid = real.create(len(data))
    for part in (1, 3):
        assert (
            real.http.put(real.url(tid, fid, part), content=data[(part - 1) * CHUNK : part * CHUNK]).status_code == 200
        )
    sock = open_put(real.url(tid, fid, 2), CHUNK)
    sock.sendall(data[CHUNK : CHUNK + 1024 * 1024])
    sock.close()

    response = real.complete(tid, fid, 3)

    expect.error(response, 417, "Chunks 2 are still missing")
    # the half-written temporary file goes away once the server notices the dropped connection
    wait_until(lambda: sorted(p.name for p in real.parts_dir(tid, fid).iterdir()) == ["00001", "00003"])
    assert real.http.put(real.url(tid, fid, 2), content=data[CHUNK : 2 * CHUNK]).status_code == 200
    assert real.complete(tid, fid, 3).status_code == 200
    assert hashlib.sha256(real.finalize_and_download(tid, fid)).digest() == hashlib.sha256(data).digest()


@real_server
@pytest.mark.e2e
def test_an_oversized_part_is_refused_before_its_body_is_sent(real: RealClient) -> None:
    """A Content-Length over the slot is answered 413 at once: the server reads no body."""
    tid, fid = real.create(CHUNK)
    sock = open_put(real.url(tid, fid, 1), CHUNK + 1024 * 1024)
    try:
        assert read_status(sock) == 413
    finally:
        sock.close()
    assert not real.parts_dir(tid, fid).exists() or list(real.parts_dir(tid, fid).iterdir()) == []


@real_server
@pytest.mark.e2e
def test_a_part_still_arriving_when_its_file_completes_is_refused(real: RealClient) -> None:
    """A PUT that started before upload-complete and ends after it must not change the checked bytes."""
    good, late = payload(2 * 1024 * 1024, seed=1), payload(2 * 1024 * 1024, seed=2)
    tid, fid = real.create(len(good))
    url = real.url(tid, fid, 1)
    assert real.http.put(url, content=good).status_code == 200
    sock = open_put(url, len(late))
    try:
        sock.sendall(late[: len(late) // 2])
        # the server has opened its temporary file: the PUT is past its checks, reading the body
        wait_until(lambda: any(p.name.endswith(".tmp") for p in real.parts_dir(tid, fid).iterdir()))
        assert real.complete(tid, fid, 1).status_code == 200
        sock.sendall(late[len(late) // 2 :])
        assert read_status(sock) == 403
    finally:
        sock.close()
    assert real.finalize_and_download(tid, fid) == good


@real_server
@pytest.mark.e2e
def test_part_put_over_http_answers_exactly_200_with_an_etag(real: RealClient) -> None:
    """BL-34 on the wire: no Content-Type at all, as python-requests sends it."""
    tid, fid = real.create(11)
    sock = open_put(real.url(tid, fid, 1), 11)
    try:
        sock.sendall(b"hello world")
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(4096)
    finally:
        sock.close()
    head = received.split(b"\r\n\r\n")[0].decode()
    assert head.startswith("HTTP/1.1 200 ")
    headers = {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip() for line in head.split("\r\n")[1:]}
    assert headers["etag"] == md5_etag(b"hello world")
    assert headers["content-length"] == "0"
    assert json.loads(real.complete(tid, fid, 1).content)["success"] is True


def open_chunked_put(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30)
    head = f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\nTransfer-Encoding: chunked\r\n\r\n"
    sock.sendall(head.encode())
    return sock


def send_chunk(sock: socket.socket, data: bytes) -> None:
    sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")


@real_server
@pytest.mark.e2e
def test_a_chunked_part_over_the_wire_is_stored_exactly(real: RealClient) -> None:
    """D11 on a real server: no Content-Length, the chunks make up the part."""
    data = payload(CHUNK, seed=11)
    tid, fid = real.create(len(data))
    sock = open_chunked_put(real.url(tid, fid, 1))
    try:
        for start in range(0, len(data), 700_000):
            send_chunk(sock, data[start : start + 700_000])
        sock.sendall(b"0\r\n\r\n")
        assert read_status(sock) == 200
    finally:
        sock.close()
    assert real.complete(tid, fid, 1).status_code == 200
    assert real.finalize_and_download(tid, fid) == data


@real_server
@pytest.mark.e2e
def test_a_chunked_part_growing_past_its_slot_over_the_wire_is_413(real: RealClient) -> None:
    tid, fid = real.create(CHUNK)
    sock = open_chunked_put(real.url(tid, fid, 1))
    try:
        for _ in range(5):
            send_chunk(sock, b"x" * (1024 * 1024))
        send_chunk(sock, b"y")
        sock.sendall(b"0\r\n\r\n")
        assert read_status(sock) == 413
    finally:
        sock.close()
    wait_until(lambda: not real.parts_dir(tid, fid).exists() or list(real.parts_dir(tid, fid).iterdir()) == [])
    expect.error(real.complete(tid, fid, 1), 417, "Chunks 1 are still missing")
