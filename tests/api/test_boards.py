"""The board API: create (201), add links (201), add files (201), get (200); validation texts;
ownership (known-faults.md BL-15, BL-26, BL-29(a), BL-35, BL-41(d), BL-47, BL-51, BL-52(a,b); D5, D7, D10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests import expect
from tests.api.board_helpers import (
    BOARD_KEYS,
    BOARD_NOT_FOUND,
    FILE_KEYS,
    ID,
    LINK_KEYS,
    MULTIPART_ID,
    MULTIPART_KEYS,
    PART,
    BoardCaller,
    caller_for,
    run,
    short_id,
)
from tests.api.conftest import ApiFactory
from tests.conftest import Api
from transferd.settings import Settings
from transferd.store.schema import boards


@pytest.fixture
def caller(api: Api, key: str, token: str) -> BoardCaller:
    return BoardCaller(api, key, token)


@pytest.fixture
def board(caller: BoardCaller) -> dict[str, Any]:
    return caller.create("Holiday")


def board_count(api: Api) -> int:
    async def count() -> int:
        return int(
            await api.services.db.read(lambda conn: conn.execute(select(func.count()).select_from(boards)).scalar_one())
        )

    return run(api, count)


# --- create ------------------------------------------------------------------------------------


def test_create_answers_201_with_the_recorded_shape(caller: BoardCaller) -> None:
    response = caller.post_board({"name": "Integration Test", "description": "Test the functionality of this SDK"})
    assert response.status_code == 201, response.text
    assert expect.is_json(response)
    body = response.json()
    assert list(body) == ["success", "id", "state", "url", "name", "description", "items"]
    assert body["success"] is True
    assert ID.fullmatch(body["id"]), body["id"]
    assert body["state"] == "downloadable"  # recorded live; there is no finalize for boards
    assert short_id(body)  # http://testserver/b/<short id>, from the start (BL-48)
    assert body["name"] == "Integration Test"
    assert body["description"] == "Test the functionality of this SDK"
    assert body["items"] == []


@pytest.mark.parametrize(
    ("content", "description"),
    [
        pytest.param(b'{\n  "name": "n",\n  "description": null\n}', None, id="pretty-null-description"),  # BL-52(a)
        pytest.param(b'{"name":"n"}', None, id="no-description"),  # BL-52(b)
        pytest.param(b'{"name":"n","description":""}', None, id="empty-description-is-null"),  # recorded live
        pytest.param(b'{"name":"n","description":" d "}', " d ", id="kept-as-sent"),
        pytest.param(b'{"name":"n","other":[1,2]}', None, id="unknown-field-ignored"),
    ],
)
def test_create_body_variants(caller: BoardCaller, content: bytes, description: str | None) -> None:
    response = caller.post_board(content=content)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "n"
    assert response.json()["description"] == description


@pytest.mark.parametrize(
    "name", ["Grüner Baum", "Gru\u0308ner Baum", "ВДНХ", "報告", " padded ", "a" * 255, "x/y\\z:w"]
)
def test_create_echoes_the_name_exactly(caller: BoardCaller, name: str) -> None:
    created = caller.create(name)
    assert created["name"] == name
    assert caller.board(created["id"])["name"] == name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", '"board" must be an object', id="no-body"),
        pytest.param(b"null", '"board" must be an object', id="null"),
        pytest.param(b"[]", '"board" must be an object', id="array"),
        pytest.param(b'"name"', '"board" must be an object', id="string"),
        pytest.param(b"7", '"board" must be an object', id="number"),
        pytest.param(b"{}", '"board.name" is required', id="no-name"),
        pytest.param(b'{"name":null}', '"board.name" is required', id="null-name"),
        pytest.param(b'{"name":""}', '"board.name" is not allowed to be empty', id="empty-name"),  # recorded live
        pytest.param(b'{"name":"   "}', '"board.name" is not allowed to be empty', id="blank-name"),
        pytest.param(b'{"name":1}', '"board.name" must be a string', id="number-name"),
        pytest.param(b'{"name":true}', '"board.name" must be a string', id="bool-name"),
        pytest.param(b'{"name":["n"]}', '"board.name" must be a string', id="array-name"),
        pytest.param(b'{"name":{"n":1}}', '"board.name" must be a string', id="object-name"),
        pytest.param(
            b'{"name":"%s"}' % (b"a" * 256),
            '"board.name" length must be less than or equal to 255 characters long',
            id="long-name",
        ),
        pytest.param(b'{"name":"a\\u0000b"}', '"board.name" contains invalid characters', id="nul-name"),
        pytest.param(b'{"name":"a\\ud800b"}', '"board.name" contains invalid characters', id="lone-surrogate"),
        pytest.param(b'{"name":"n","description":5}', '"board.description" must be a string', id="number-desc"),
        pytest.param(b'{"name":"n","description":false}', '"board.description" must be a string', id="bool-desc"),
        pytest.param(
            b'{"name":"n","description":"%s"}' % (b"d" * 10_001),
            '"board.description" length must be less than or equal to 10000 characters long',
            id="long-desc",
        ),
        pytest.param(
            b'{"name":"n","description":"\\u0000"}', '"board.description" contains invalid characters', id="nul-desc"
        ),
    ],
)
def test_create_refuses_invalid_bodies(api: Api, caller: BoardCaller, content: bytes, message: str) -> None:
    expect.error(caller.post_board(content=content), 400, message)
    assert board_count(api) == 0


@pytest.mark.parametrize("content", [b"{", b"{'name': 'n'}", b"\xff\xfe", b"[" * 100_000, b'{"name": 1e999999}'])
def test_create_refuses_broken_json_with_400(api: Api, caller: BoardCaller, content: bytes) -> None:
    expect.error(caller.post_board(content=content), 400)
    assert board_count(api) == 0


# --- links -------------------------------------------------------------------------------------


def test_add_links_answers_201_with_a_bare_array(caller: BoardCaller, board: dict[str, Any]) -> None:
    response = caller.post_links(
        board["id"],
        [
            {"url": "https://rubygems.org/gems/wetransfer", "title": "WeTransfer Ruby SDK Rubygems"},
            {"url": "https://example.com/no-title"},
            {"url": "https://example.com/null-title", "title": None},
            {"url": "https://example.com/empty-title", "title": ""},
        ],
    )
    assert response.status_code == 201, response.text
    links = response.json()
    assert isinstance(links, list)
    for link in links:
        assert list(link) == ["id", "url", "meta", "type"]  # nothing more (BL-47)
        assert ID.fullmatch(link["id"]), link
        assert link["type"] == "link"
        assert set(link["meta"]) == {"title"}
    assert [(link["url"], link["meta"]["title"]) for link in links] == [
        ("https://rubygems.org/gems/wetransfer", "WeTransfer Ruby SDK Rubygems"),
        ("https://example.com/no-title", "https://example.com/no-title"),  # the title defaults to the url
        ("https://example.com/null-title", "https://example.com/null-title"),
        ("https://example.com/empty-title", "https://example.com/empty-title"),
    ]
    assert len({link["id"] for link in links}) == 4
    assert caller.board(board["id"])["items"] == links


def test_links_at_their_length_limits_are_accepted(caller: BoardCaller, board: dict[str, Any]) -> None:
    url = "https://example.com/" + "u" * (2000 - len("https://example.com/"))
    [link] = caller.links(board["id"], [{"url": url, "title": "t" * 2980}])
    assert link["url"] == url
    assert link["meta"]["title"] == "t" * 2980


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", '"board.links" must be an array', id="no-body"),
        pytest.param(b"null", '"board.links" must be an array', id="null"),
        pytest.param(b'{"url":"https://e.com"}', '"board.links" must be an array', id="object"),
        pytest.param(b'{"links":[{"url":"https://e.com"}]}', '"board.links" must be an array', id="wrapped"),
        pytest.param(b"[]", '"board.links" must contain at least 1 items', id="empty"),
        pytest.param(b'["https://e.com"]', '"board.links" position 0 must be an object', id="bare-string"),
        pytest.param(b'[{"url":"https://e.com"},7]', '"board.links" position 1 must be an object', id="number"),
        pytest.param(b"[{}]", '"board.links.url" is required', id="no-url"),
        pytest.param(b'[{"url":null}]', '"board.links.url" is required', id="null-url"),
        pytest.param(b'[{"title":"t"}]', '"board.links.url" is required', id="only-title"),
        pytest.param(b'[{"url":5}]', '"board.links.url" must be a string', id="number-url"),
        pytest.param(b'[{"url":["u"]}]', '"board.links.url" must be a string', id="array-url"),
        pytest.param(b'[{"url":""}]', '"board.links.url" is not allowed to be empty', id="empty-url"),
        pytest.param(b'[{"url":"  "}]', '"board.links.url" is not allowed to be empty', id="blank-url"),
        pytest.param(
            b'[{"url":"https://e.com/%s"}]' % (b"u" * 1990),
            '"board.links.url" length must be less than or equal to 2000 characters long',
            id="long-url",
        ),
        pytest.param(
            b'[{"url":"https://e.com","title":"%s"}]' % (b"t" * 2981),
            '"board.links.title" length must be less than or equal to 2980 characters long',
            id="long-title",
        ),
        pytest.param(b'[{"url":"https://e.com","title":3}]', '"board.links.title" must be a string', id="num-title"),
        pytest.param(b'[{"url":"https://e.com/\\u0000"}]', '"board.links.url" contains invalid characters', id="nul"),
        pytest.param(
            b'[{"url":"https://e.com","title":"\\udfff"}]',
            '"board.links.title" contains invalid characters',
            id="surrogate-title",
        ),
    ],
)
def test_add_links_refuses_invalid_bodies(
    caller: BoardCaller, board: dict[str, Any], content: bytes, message: str
) -> None:
    expect.error(caller.post_links(board["id"], content=content), 400, message)
    assert caller.board(board["id"])["items"] == []


# --- control and bidi characters in board text ---------------------------------------------------

# Bidi embeddings, overrides and isolates: "invoice\u202efdp.exe" displays as "invoiceexe.pdf".
BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
# C0 and C1 control characters (category Cc) other than tab, line feed and carriage return.
CONTROLS = ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9b", "\x9f"]
LINE_CONTROLS = ["\t", "\n", "\r"]


def char_id(char: str) -> str:
    return f"U+{ord(char):04X}"


@pytest.mark.parametrize("char", BIDI_CONTROLS + CONTROLS + LINE_CONTROLS, ids=char_id)
def test_a_name_with_a_control_or_bidi_character_is_400(api: Api, caller: BoardCaller, char: str) -> None:
    expect.error(caller.post_board({"name": f"invoice{char}fdp.exe"}), 400, '"board.name" contains invalid characters')
    assert board_count(api) == 0


@pytest.mark.parametrize("char", BIDI_CONTROLS + CONTROLS, ids=char_id)
def test_a_description_with_a_control_or_bidi_character_is_400(api: Api, caller: BoardCaller, char: str) -> None:
    response = caller.post_board({"name": "n", "description": f"see {char}the attached"})
    expect.error(response, 400, '"board.description" contains invalid characters')
    assert board_count(api) == 0


@pytest.mark.parametrize("char", BIDI_CONTROLS + CONTROLS + LINE_CONTROLS, ids=char_id)
def test_a_link_with_a_control_or_bidi_character_is_400(caller: BoardCaller, board: dict[str, Any], char: str) -> None:
    response = caller.post_links(board["id"], [{"url": f"https://example.com/{char}gpj.exe"}])
    expect.error(response, 400, '"board.links.url" contains invalid characters')
    response = caller.post_links(board["id"], [{"url": "https://example.com", "title": f"Photos {char}gpj.exe"}])
    expect.error(response, 400, '"board.links.title" contains invalid characters')
    assert caller.board(board["id"])["items"] == []


def test_board_text_keeps_line_breaks_in_the_description_and_other_unicode(
    caller: BoardCaller, board: dict[str, Any]
) -> None:
    """Only the characters above are refused: tab and line breaks stay in the description; marks
    and joiners that right-to-left and other scripts need are kept everywhere."""
    description = "Line one\r\nLine two\n\tindented"
    name = "\u05e9\u05dc\u05d5\u05dd\u200f report \u0645\u0631\u062d\u0628\u0627\u200e \U0001f468\u200d\U0001f469"
    created = caller.create(name, description)
    assert (created["name"], created["description"]) == (name, description)
    title = "\u05e7\u05d9\u05e9\u05d5\u05e8\u200f \u0d15\u0d4d\u200d"
    [link] = caller.links(board["id"], [{"url": "https://example.com/\u00e9t\u00e9", "title": title}])
    assert link["meta"]["title"] == title


def test_a_refused_batch_of_links_adds_none_of_them(caller: BoardCaller, board: dict[str, Any]) -> None:
    response = caller.post_links(board["id"], [{"url": "https://ok.example"}, {"url": ""}])
    expect.error(response, 400, '"board.links.url" is not allowed to be empty')
    assert caller.board(board["id"])["items"] == []


# --- files -------------------------------------------------------------------------------------


def test_add_files_answers_201_in_request_order(caller: BoardCaller, board: dict[str, Any]) -> None:
    """BL-51: the i-th file of the answer is the i-th file of the request (py3wetransfer matches by index)."""
    sent = [("z.bin", 10), ("a.bin", 20), ("m.bin", 30)]
    response = caller.post_files(board["id"], [{"name": name, "size": size} for name, size in sent])
    assert response.status_code == 201, response.text
    files = response.json()
    assert [(file["name"], file["size"]) for file in files] == sent
    for file in files:
        assert list(file) == ["id", "name", "size", "multipart", "type"]  # nothing more (BL-47)
        assert set(file["multipart"]) == MULTIPART_KEYS
        assert ID.fullmatch(file["id"]), file
        assert MULTIPART_ID.fullmatch(file["multipart"]["id"]), file
        assert file["type"] == "file"
    assert len({file["multipart"]["id"] for file in files}) == 3
    assert caller.board(board["id"])["items"] == files


@pytest.mark.parametrize(
    ("size", "chunk_size", "part_numbers"),
    [
        pytest.param(1, 1, 1, id="one-byte"),  # D10
        pytest.param(4, 4, 1, id="recorded-4"),
        pytest.param(200_668, 200_668, 1, id="recorded-200668"),
        pytest.param(PART - 1, PART - 1, 1, id="part-minus-1"),
        pytest.param(PART, PART, 1, id="one-part"),
        pytest.param(PART + 1, PART, 2, id="part-plus-1"),
        pytest.param(104_857_600, PART, 17, id="100-MiB"),  # BL-26
        pytest.param(10_000 * PART, PART, 10_000, id="10000-parts"),
    ],
)
def test_board_files_are_split_in_6_MiB_parts(
    caller: BoardCaller,
    board: dict[str, Any],
    size: int,
    chunk_size: int,
    part_numbers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(caller.api.settings, "max_board_bytes", 10_000 * PART)  # past the default 2 GiB
    [file] = caller.files(board["id"], [("b.bin", size)])
    assert file["multipart"]["chunk_size"] == chunk_size
    assert file["multipart"]["part_numbers"] == part_numbers


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", '"board.files" must be an array', id="no-body"),
        pytest.param(b"null", '"board.files" must be an array', id="null"),
        pytest.param(b'{"files":[{"name":"a","size":1}]}', '"board.files" must be an array', id="docs-table-shape"),
        pytest.param(b"[]", '"board.files" must contain at least 1 items', id="empty"),
        pytest.param(b'["a.txt"]', '"board.files" position 0 must be an object', id="bare-name"),
        pytest.param(b'[{"size":1}]', '"board.files.name" is required', id="no-name"),
        pytest.param(b'[{"name":null,"size":1}]', '"board.files.name" is required', id="null-name"),
        pytest.param(b'[{"name":7,"size":1}]', '"board.files.name" must be a string', id="number-name"),
        pytest.param(b'[{"name":"","size":1}]', '"board.files.name" is not allowed to be empty', id="empty-name"),
        pytest.param(
            b'[{"name":"\\ud83d\\ude00","size":1}]', '"board.files.name" is not allowed to be empty', id="emoji-only"
        ),
        pytest.param(b'[{"name":"/:\\\\","size":1}]', '"board.files.name" is not allowed to be empty', id="seps-only"),
        pytest.param(
            b'[{"name":"%s","size":1}]' % (b"n" * 256),
            '"board.files.name" length must be less than or equal to 255 characters long',
            id="long-name",
        ),
        pytest.param(b'[{"name":"a"}]', '"board.files.size" is required', id="no-size"),
        # BL-35: 0 is refused with a message naming the size; everything that is not a whole number > 0 too.
        pytest.param(b'[{"name":"a","size":null}]', '"board.files.size" is required', id="null-size"),
        pytest.param(b'[{"name":"a","size":0}]', '"board.files.size" must be greater than or equal to 1', id="0"),
        pytest.param(b'[{"name":"a","size":-5}]', '"board.files.size" must be greater than or equal to 1', id="-5"),
        pytest.param(b'[{"name":"a","size":"10"}]', '"board.files.size" must be an integer', id="string"),
        pytest.param(b'[{"name":"a","size":1.5}]', '"board.files.size" must be an integer', id="float"),
        pytest.param(b'[{"name":"a","size":1e3}]', '"board.files.size" must be an integer', id="exponent"),
        pytest.param(b'[{"name":"a","size":true}]', '"board.files.size" must be an integer', id="true"),
        pytest.param(
            b'[{"name":"huge.bin","size":62914560001}]',  # BL-29(a): 10,000 parts of 6 MiB + 1 byte
            '"board.files" total size must be less than or equal to 2147483648 bytes',  # the board's cap first
            id="over-10000-parts",
        ),
        pytest.param(
            b'[{"name":"a","size":9007199254740993}]',
            '"board.files" total size must be less than or equal to 2147483648 bytes',
            id="2**53+1",
        ),
        pytest.param(
            b'[{"name":"a","size":2147483649}]',
            '"board.files" total size must be less than or equal to 2147483648 bytes',
            id="2-GiB-plus-1",
        ),
        pytest.param(
            b'[{"name":"a","size":2147483000},{"name":"b","size":649}]',
            '"board.files" total size must be less than or equal to 2147483648 bytes',
            id="two-files-over-2-GiB",
        ),
        pytest.param(
            b'[{"name":"a.txt","size":1},{"name":"a.txt","size":2}]',
            '"board.files" position 1 contains a duplicate value',
            id="duplicate",
        ),
        pytest.param(
            b'[{"name":"a:b.txt","size":1},{"name":"ab.txt","size":2}]',
            '"board.files" position 1 contains a duplicate value',
            id="duplicate-after-stripping",
        ),
    ],
)
def test_add_files_refuses_invalid_bodies(
    caller: BoardCaller, board: dict[str, Any], content: bytes, message: str
) -> None:
    expect.error(caller.post_files(board["id"], content=content), 400, message)
    assert caller.board(board["id"])["items"] == []


@pytest.mark.parametrize(
    ("size", "message"),
    [
        pytest.param(62_914_560_001, '"board.files.size" must be less than or equal to 62914560000 (10000 parts)'),
        pytest.param(2**53 + 1, '"board.files.size" must be less than or equal to 62914560000 (10000 parts)'),
    ],
    ids=["over-10000-parts", "2**53+1"],
)
def test_the_part_ceiling_still_applies_under_a_higher_cap(
    caller: BoardCaller, board: dict[str, Any], size: int, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caller.api.settings, "max_board_bytes", 2**60)
    expect.error(caller.post_files(board["id"], [{"name": "huge.bin", "size": size}]), 400, message)


# --- the byte cap of a board --------------------------------------------------------------------


def test_a_board_holds_at_most_2_GiB_by_default(api: Api, caller: BoardCaller, board: dict[str, Any]) -> None:
    """1000 files of 62,914,560,000 bytes (~57 TiB) in one request were accepted; the cap is
    inclusive and counts every file ever added, across requests, uploaded or not."""
    assert api.settings.max_board_bytes == 2 * 1024**3
    response = caller.post_files(board["id"], [{"name": f"f{n}.bin", "size": 62_914_560_000} for n in range(1000)])
    expect.error(response, 400, '"board.files" total size must be less than or equal to 2147483648 bytes')
    assert caller.board(board["id"])["items"] == []

    caller.files(board["id"], [("a.bin", 1024**3), ("b.bin", 1024**3 - 10)])
    expect.error(
        caller.post_files(board["id"], [{"name": "c.bin", "size": 11}]),
        400,
        '"board.files" total size must be less than or equal to 2147483648 bytes (2147483638 bytes already added)',
    )
    caller.files(board["id"], [("c.bin", 10)])  # exactly 2 GiB
    expect.error(
        caller.post_files(board["id"], [{"name": "d.bin", "size": 1}]),
        400,
        '"board.files" total size must be less than or equal to 2147483648 bytes (2147483648 bytes already added)',
    )
    caller.links(board["id"], [{"url": "https://example.com"}])  # links take no bytes
    assert [item.get("name") for item in caller.board(board["id"])["items"]] == ["a.bin", "b.bin", "c.bin", None]


def test_the_cap_is_per_board_and_configurable(make_api: ApiFactory) -> None:
    api = make_api(max_board_bytes=100)
    caller = caller_for(api, "app")
    one, two = caller.create("one"), caller.create("two")
    caller.files(one["id"], [("a.bin", 60)])
    caller.add_and_upload(one["id"], "b.bin", b"x" * 40)
    expect.error(
        caller.post_files(one["id"], [{"name": "c.bin", "size": 1}]),
        400,
        '"board.files" total size must be less than or equal to 100 bytes (100 bytes already added)',
    )
    caller.files(two["id"], [("a.bin", 100)])


def test_the_cap_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRANSFERD_MAX_BOARD_BYTES", "12345")
    assert Settings(data_dir=tmp_path).max_board_bytes == 12345


def test_file_names_are_unique_across_calls(caller: BoardCaller, board: dict[str, Any]) -> None:
    """BL-41(d): the same name in a second request is a duplicate; the check runs after stripping
    and is case-sensitive."""
    [first] = caller.files(board["id"], [("x.txt", 1)])
    expect.error(
        caller.post_files(board["id"], [{"name": "x.txt", "size": 1}]),
        400,
        '"board.files" position 0 contains a duplicate value',
    )
    expect.error(
        caller.post_files(board["id"], [{"name": "new.txt", "size": 1}, {"name": "x:.txt", "size": 2}]),
        400,
        '"board.files" position 1 contains a duplicate value',
    )
    [other_case] = caller.files(board["id"], [("X.txt", 1)])
    assert [item["id"] for item in caller.board(board["id"])["items"]] == [first["id"], other_case["id"]]


def test_same_file_name_on_two_boards_is_fine(caller: BoardCaller) -> None:
    one, two = caller.create("one"), caller.create("two")
    caller.files(one["id"], [("x.txt", 1)])
    caller.files(two["id"], [("x.txt", 1)])


def test_names_are_stripped_as_for_transfers(caller: BoardCaller, board: dict[str, Any]) -> None:
    files = caller.files(board["id"], [("the-weather-is-\u2600\ufe0f.jpg", 3), ("a/b\\c:d.txt", 3), ("報告.pdf", 3)])
    assert [file["name"] for file in files] == ["the-weather-is-.jpg", "abcd.txt", "報告.pdf"]


# --- get, and the order of items ----------------------------------------------------------------


def test_get_lists_links_and_files_in_the_order_they_were_added(caller: BoardCaller, board: dict[str, Any]) -> None:
    first_link = caller.links(board["id"], [{"url": "https://one.example"}])
    files = caller.files(board["id"], [("b.bin", 5), ("a.bin", 7)])
    more_links = caller.links(board["id"], [{"url": "https://two.example", "title": "Two"}, {"url": "https://3.ex"}])
    last_file = caller.files(board["id"], [("c.bin", 9)])

    response = caller.get(board["id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == BOARD_KEYS
    assert body["success"] is True
    assert (body["id"], body["state"], body["url"], body["name"]) == (
        board["id"],
        "downloadable",
        board["url"],
        "Holiday",
    )
    assert body["items"] == first_link + files + more_links + last_file
    for item in body["items"]:
        assert set(item) == (FILE_KEYS if item["type"] == "file" else LINK_KEYS)
        if item["type"] == "file":
            assert set(item["multipart"]) == MULTIPART_KEYS  # GET keeps multipart.id


def test_get_unknown_board_is_404(caller: BoardCaller) -> None:
    response = caller.get("sdoesnotexist00000020190101000000")
    assert response.status_code == 404
    assert response.json() == BOARD_NOT_FOUND


# --- ownership: application + user_identifier (BL-15, D5, D7) ------------------------------------


def _every_board_route(caller: BoardCaller, board_id: str, file: dict[str, Any]) -> list[Any]:
    return [
        caller.get(board_id),
        caller.post_links(board_id, [{"url": "https://example.com"}]),
        caller.post_files(board_id, [{"name": "intruder.txt", "size": 1}]),
        caller.upload_url(board_id, file, 1),
        caller.client.get(f"/v2/boards/{board_id}/files/{file['id']}/upload-url/1", headers=caller.headers),
        caller.complete(board_id, file["id"]),
    ]


@pytest.mark.parametrize(
    ("app", "user_identifier"),
    [
        pytest.param("app-one", "u-b", id="other-user-same-key-app"),
        pytest.param("app-two", None, id="other-application"),
        pytest.param("app-two", "u-a", id="other-application-same-user-id"),
    ],
)
def test_someone_elses_board_looks_like_no_board(api: Api, app: str, user_identifier: str | None) -> None:
    owner = caller_for(api, "app-one", "u-a")
    board = owner.create("mine")
    [file] = owner.files(board["id"], [("f.txt", 3)])
    before = owner.board(board["id"])

    intruder = caller_for(api, app, user_identifier)
    for response in _every_board_route(intruder, board["id"], file):
        assert response.status_code == 404, (response.request.url, response.text)
        assert response.json() == BOARD_NOT_FOUND, response.request.url
    assert owner.board(board["id"]) == before  # nothing changed


def test_unknown_board_is_the_same_404_on_every_route(api: Api, caller: BoardCaller) -> None:
    fake = {"id": "sxxxxxxxxxxxxxxxx20190101000000", "multipart": {"id": "abc--"}}
    for response in _every_board_route(caller, "sunknown0000000020190101000000", fake):
        assert response.status_code == 404, (response.request.url, response.text)
        assert response.json() == BOARD_NOT_FOUND


def test_a_token_without_identifier_sees_the_applications_boards(api: Api) -> None:
    """D7: data belongs to the application; a token without user_identifier sees all of it, and
    another key of the same application does too."""
    owner = caller_for(api, "app-one", "u-a")
    board = owner.create("mine")
    for caller in (caller_for(api, "app-one"), BoardCaller(api, owner.key, api.authorize(owner.key))):
        assert caller.board(board["id"])["id"] == board["id"]


# --- every route is an API route behind the guard ------------------------------------------------


def _route_calls(board_id: str) -> list[tuple[str, str, bytes | None]]:
    file_path = f"/v2/boards/{board_id}/files/sfile000000000000020190101000000"
    return [
        ("POST", "/v2/boards", b'{"name":"n"}'),
        ("GET", f"/v2/boards/{board_id}", None),
        ("POST", f"/v2/boards/{board_id}/links", b'[{"url":"https://e.com"}]'),
        ("POST", f"/v2/boards/{board_id}/files", b'[{"name":"a","size":1}]'),
        ("GET", f"{file_path}/upload-url/1/mpid--", None),
        ("PUT", f"{file_path}/upload-complete", None),
    ]


@pytest.mark.parametrize("index", range(6))
def test_board_routes_need_a_token_and_json(api: Api, key: str, token: str, index: int) -> None:
    board_id = BoardCaller(api, key, token).create()["id"]
    method, path, content = _route_calls(board_id)[index]
    expect.unauthorized(api.client.request(method, path, content=content, headers=api.headers(key)))
    plain = {"x-api-key": key, "Authorization": f"Bearer {token}"}
    expect.error(api.client.request(method, path, content=content, headers=plain), 415)


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/v2/boards/sb"), ("PUT", "/v2/boards"), ("GET", "/v2/boards")]
)
def test_other_methods_are_405(api: Api, key: str, token: str, method: str, path: str) -> None:
    expect.error(api.client.request(method, path, headers=api.headers(key, token)), 405)
