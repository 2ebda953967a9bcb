"""What recipients see: ``/t/<short id>`` lists the files, each downloads directly (HEAD, Range),
and "download all" streams a zip. No API key, any headers."""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.api.conftest import CHUNK, Caller, payload, run
from tests.conftest import Api

HOSTILE_NAME = "<img src=x onerror=alert(1)>&\"'.txt"
HOSTILE_MESSAGE = '<script>alert("m")</script> & more'


@pytest.fixture
def files() -> dict[str, bytes]:
    return {
        "report.pdf": payload(CHUNK + 100, seed=1),
        HOSTILE_NAME: b"<b>not html</b>",
        "Gr\u00fcner Baum \u5831\u544a.txt": "gr\u00fcn".encode(),
    }


@pytest.fixture
def shared(caller: Caller, files: dict[str, bytes]) -> dict[str, Any]:
    return caller.share(files, HOSTILE_MESSAGE)


def file_url(transfer: dict[str, Any], index: int) -> str:
    return f"{transfer['url']}/files/{transfer['files'][index]['id']}"


# -- the page --------------------------------------------------------------------------------


def test_the_page_lists_every_file_with_its_size_and_link(api: Api, shared: dict[str, Any]) -> None:
    response = api.client.get(shared["url"])

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    short = shared["url"].rsplit("/", 1)[1]
    for file in shared["files"]:
        assert html.escape(file["name"]) in page
        assert f'href="/t/{short}/files/{file["id"]}"' in page
    assert "5.2 MB" in page and "15 bytes" in page  # decimal units: 5,242,980 bytes
    assert f'href="/t/{short}/download.zip"' in page


def test_the_page_escapes_names_and_message(api: Api, shared: dict[str, Any]) -> None:
    page = api.client.get(shared["url"]).text

    assert "<img" not in page and "<script" not in page
    assert html.escape(HOSTILE_NAME) in page
    assert html.escape(HOSTILE_MESSAGE) in page


def test_the_page_forbids_scripts_and_sniffing(api: Api, shared: dict[str, Any]) -> None:
    headers = api.client.get(shared["url"]).headers

    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_the_page_needs_no_credentials_and_takes_any_content_type(api: Api, shared: dict[str, Any]) -> None:
    """D2: pages are not API routes."""
    for headers in ({}, {"Content-Type": "text/plain"}, {"Accept": "text/html"}, {"x-api-key": "garbage"}):
        assert api.client.get(shared["url"], headers=headers).status_code == 200


def test_head_of_the_page(api: Api, shared: dict[str, Any]) -> None:
    response = api.client.head(shared["url"])

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("path", ["/t/doesnotexist", "/t/", "/t/%00", "/t/..%2f..", "/t/" + "a" * 300])
def test_an_unknown_short_id_is_404(api: Api, path: str) -> None:
    response = api.client.get(path)

    assert response.status_code == 404


def test_unknown_files_of_a_real_transfer_are_404(api: Api, shared: dict[str, Any]) -> None:
    for path in ("/files/doesnotexist", "/files/%2E%2E", f"/files/{shared['id']}"):
        assert api.client.get(shared["url"] + path).status_code == 404, path


def test_a_transfer_still_uploading_has_no_page(api: Api, caller: Caller) -> None:
    transfer = caller.create([("a.txt", 3)])
    caller.upload(transfer, 0, b"abc")
    record = run(api, api.services.transfers.store.get, transfer["id"])
    assert record is not None

    for path in ("", f"/files/{transfer['files'][0]['id']}", "/download.zip"):
        assert api.client.get(f"/t/{record.short_id}{path}").status_code == 404


def test_a_processing_transfer_says_so_and_serves_nothing_yet(api: Api, caller: Caller) -> None:
    transfer = caller.create([("a.txt", 3)])
    caller.upload(transfer, 0, b"abc")
    record = run(api, api.services.transfers.store.get, transfer["id"])
    assert record is not None
    assert run(
        api,
        lambda: api.services.transfers.store.move_state(
            transfer["id"], from_states=("uploading",), to_state="processing", now=api.clock.now()
        ),
    )
    base = f"/t/{record.short_id}"

    page = api.client.get(base)
    assert page.status_code == 200
    assert "Preparing" in page.text
    assert 'http-equiv="refresh"' in page.text
    assert api.client.get(f"{base}/files/{transfer['files'][0]['id']}").status_code == 409
    assert api.client.get(f"{base}/download.zip").status_code == 409

    run(api, api.services.sweeper.run_once)  # picks the interrupted processing up again
    done = caller.wait_downloadable(transfer["id"])
    assert api.client.get(file_url(done, 0)).content == b"abc"


# -- single downloads ------------------------------------------------------------------------


def test_each_file_downloads_byte_exact(api: Api, shared: dict[str, Any], files: dict[str, bytes]) -> None:
    for index, data in enumerate(files.values()):
        response = api.client.get(file_url(shared, index))
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["content-length"] == str(len(data))
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ("with space.txt", "attachment; filename*=utf-8''with%20space.txt"),
        ('quo"te;x=1.txt', "attachment; filename*=utf-8''quo%22te%3Bx%3D1.txt"),
        ("Gr\u00fcner.txt", "attachment; filename*=utf-8''" + quote("Gr\u00fcner.txt")),
        ("Gru\u0308ner.txt", "attachment; filename*=utf-8''" + quote("Gru\u0308ner.txt")),
    ],
)
def test_downloads_are_attachments_with_the_exact_name(caller: Caller, name: str, disposition: str) -> None:
    shared = caller.share({name: b"x"})

    response = caller.api.client.get(file_url(shared, 0))

    assert response.headers["content-disposition"] == disposition


def test_an_html_file_is_downloaded_not_rendered(caller: Caller) -> None:
    shared = caller.share({"page.html": b"<script>alert(1)</script>"})

    response = caller.api.client.get(file_url(shared, 0))

    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_head_of_a_file(api: Api, shared: dict[str, Any], files: dict[str, bytes]) -> None:
    response = api.client.head(file_url(shared, 0))

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(files["report.pdf"]))
    assert response.headers["content-disposition"] == 'attachment; filename="report.pdf"'


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-4", 0, 5),
        ("bytes=5242880-", 5242880, 5242980),
        ("bytes=-10", 5242970, 5242980),
        ("bytes=100-199", 100, 200),
        ("bytes=5242979-5242979", 5242979, 5242980),
        ("bytes=5242900-9999999999", 5242900, 5242980),
    ],
)
def test_a_range_is_206_with_those_bytes(
    api: Api, shared: dict[str, Any], files: dict[str, bytes], header: str, start: int, end: int
) -> None:
    data = files["report.pdf"]
    assert len(data) == 5242980

    response = api.client.get(file_url(shared, 0), headers={"Range": header})

    assert response.status_code == 206
    assert response.content == data[start:end]
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{len(data)}"
    assert response.headers["content-length"] == str(end - start)


@pytest.mark.parametrize("header", ["bytes=5242980-", "bytes=9999999-10000000", "bytes=5242980-5242990"])
def test_a_range_past_the_end_is_416(api: Api, shared: dict[str, Any], header: str) -> None:
    response = api.client.get(file_url(shared, 0), headers={"Range": header})

    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */5242980"


@pytest.mark.parametrize(
    "header",
    [b"bytes=abc", b"bytes=5-1", b"pages=1-2", b"bytes", b"bytes=--1", "bytes=\u00e9-1".encode(), b"bytes=0-1" * 500],
)
def test_a_malformed_range_is_never_a_500(api: Api, shared: dict[str, Any], header: bytes) -> None:
    response = api.client.get(file_url(shared, 0), headers={b"Range": header})

    assert response.status_code in {200, 400, 416}


def test_a_head_with_range(api: Api, shared: dict[str, Any]) -> None:
    response = api.client.head(file_url(shared, 0), headers={"Range": "bytes=0-9"})

    assert response.status_code == 206
    assert response.content == b""
    assert response.headers["content-length"] == "10"


# -- download all ----------------------------------------------------------------------------


def test_download_all_streams_a_zip_of_every_file(api: Api, shared: dict[str, Any], files: dict[str, bytes]) -> None:
    response = api.client.get(f"{shared['url']}/download.zip")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    assert archive.namelist() == list(files)
    for name, data in files.items():
        assert archive.read(name) == data


def test_download_all_of_one_file(caller: Caller) -> None:
    shared = caller.share({"only.txt": b"just me"})

    archive = zipfile.ZipFile(io.BytesIO(caller.api.client.get(f"{shared['url']}/download.zip").content))

    assert archive.namelist() == ["only.txt"]
    assert archive.read("only.txt") == b"just me"


def test_head_of_download_all_reads_no_file(api: Api, shared: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    real_read = api.services.blobs.read

    def counting_read(key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        reads.append(key)
        return real_read(key, start, end)

    monkeypatch.setattr(api.services.blobs, "read", counting_read)
    get_headers = api.client.get(f"{shared['url']}/download.zip").headers
    reads.clear()

    response = api.client.head(f"{shared['url']}/download.zip")

    assert response.status_code == 200
    assert response.content == b""
    assert reads == []
    for name in ("content-type", "content-disposition"):
        assert response.headers[name] == get_headers[name]
    assert "content-length" not in response.headers
