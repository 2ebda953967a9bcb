"""The board's public page at its ``url``: links (clickable, with titles) and completed files with
download links that stream (Range, HEAD). No API key needed."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from tests.api.board_helpers import BoardCaller, payload, run, short_id
from tests.conftest import Api


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text = ""
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = dict(attrs), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, self._text))
            self._open = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._open is not None:
            self._text += data


def parse(html: str) -> Anchors:
    parser = Anchors()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture
def caller(api: Api, key: str, token: str) -> BoardCaller:
    return BoardCaller(api, key, token)


@pytest.fixture
def board(caller: BoardCaller) -> dict[str, Any]:
    return caller.create("Holiday <2024>", "Photos & links")


def test_the_page_shows_links_and_completed_files(caller: BoardCaller, board: dict[str, Any]) -> None:
    caller.links(board["id"], [{"url": "https://example.com/a?x=1&y=2", "title": "Example A"}])
    file = caller.add_and_upload(board["id"], "notes.txt", b"some notes")
    caller.links(board["id"], [{"url": "https://example.org/b"}])
    [pending] = caller.files(board["id"], [("pending.bin", 10)])

    response = caller.client.get(board["url"])  # the API's url, as is; no API key
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    page = parse(response.text)
    assert "Holiday <2024>" in page.text and "Photos & links" in page.text
    assert [(attrs["href"], text) for attrs, text in page.anchors] == [
        ("https://example.com/a?x=1&y=2", "Example A"),
        ("https://example.org/b", "https://example.org/b"),
        (f"/b/{short_id(board)}/files/{file['id']}", "notes.txt"),
    ]
    assert all("download" not in attrs for attrs, _text in page.anchors[:2])  # links are not downloads
    assert "download" in page.anchors[2][0]
    assert "pending.bin" not in response.text and pending["id"] not in response.text


def test_an_empty_board_has_a_page_from_the_start(caller: BoardCaller, board: dict[str, Any]) -> None:
    response = caller.client.get(board["url"])
    assert response.status_code == 200
    assert "empty" in parse(response.text).text


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>", "example.com", "//evil.ex"],
)
def test_only_web_links_are_clickable(caller: BoardCaller, board: dict[str, Any], url: str) -> None:
    caller.links(board["id"], [{"url": url, "title": "click me"}])
    response = caller.client.get(board["url"])
    page = parse(response.text)
    assert page.anchors == []
    assert "click me" in page.text and url in page.text  # shown as text
    assert "<script>" not in response.text


def test_titles_and_names_are_escaped(caller: BoardCaller) -> None:
    board = caller.create('<script>alert("n")</script>', "<b>d</b>")
    caller.links(board["id"], [{"url": 'https://e.com/"><script>', "title": "<img src=x onerror=alert(1)>"}])
    caller.add_and_upload(board["id"], "<i>x</i>.txt", b"x")
    html = caller.client.get(board["url"]).text
    assert "<script>" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_file_downloads_byte_exact_with_range_and_head(caller: BoardCaller, board: dict[str, Any]) -> None:
    data = payload(6 * 1024 * 1024 + 1000, seed=7)
    [file] = caller.files(board["id"], [("photo.jpg", len(data))])
    caller.upload(board["id"], file, data)
    url = f"/b/{short_id(board)}/files/{file['id']}"

    full = caller.client.get(url)
    assert full.status_code == 200
    assert full.content == data
    assert 'filename="photo.jpg"' in full.headers["content-disposition"]
    assert full.headers["accept-ranges"] == "bytes"

    partial = caller.client.get(url, headers={"Range": "bytes=6291450-6291465"})
    assert partial.status_code == 206
    assert partial.content == data[6291450:6291466]
    assert partial.headers["content-range"] == f"bytes 6291450-6291465/{len(data)}"

    tail = caller.client.get(url, headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, data[-10:])

    head = caller.client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(data))

    assert caller.client.head(board["url"]).status_code == 200


def test_unknown_pages_and_files_are_404(caller: BoardCaller, board: dict[str, Any]) -> None:
    other = caller.create("other")
    foreign = caller.add_and_upload(other["id"], "other.txt", b"other")
    [pending] = caller.files(board["id"], [("pending.txt", 3)])
    base = f"/b/{short_id(board)}"
    for url in (
        "/b/doesnotexist",
        f"{base}/files/snotafile00000000020190101000000",
        f"{base}/files/{foreign['id']}",  # a file of another board
        f"{base}/files/{pending['id']}",  # not complete yet
        f"/b/{board['id']}",  # the API id is not the short id
    ):
        response = caller.client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("text/html")


def test_a_transfer_short_id_is_not_a_board(api: Api, caller: BoardCaller) -> None:
    response = api.client.post("/v2/transfers", json={"files": [{"name": "a", "size": 1}]}, headers=caller.headers)
    assert response.status_code == 201, response.text
    transfer = run(api, api.services.transfers.store.get, response.json()["id"])
    assert transfer is not None
    assert caller.client.get(f"/b/{transfer.short_id}").status_code == 404
