"""Boards under concurrent calls: the board's lock makes name checks and positions race-free, and a
retried upload-complete that overlaps the first one joins the parts once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.board_helpers import BoardCaller, payload, run
from tests.conftest import Api
from transferd.auth.guard import Principal
from transferd.errors import TransferdError, ValidationFailed
from transferd.store.boards import BoardRecord


@pytest.fixture
def caller(api: Api, key: str, token: str) -> BoardCaller:
    return BoardCaller(api, key, token)


def owned(api: Api, board_id: str) -> tuple[Principal, BoardRecord]:
    """The board's owner (an application-wide principal) and the board as ``owned`` returns it."""
    record = run(api, api.services.boards.store.get, board_id)
    assert record is not None
    principal = Principal(api_key_id="test", application_id=record.application_id, user_identifier=None)
    return principal, run(api, api.services.boards.owned, principal, board_id)


def test_concurrent_additions_of_one_name_let_exactly_one_in(api: Api, caller: BoardCaller) -> None:
    board_id = caller.create()["id"]
    _principal, board = owned(api, board_id)

    async def race() -> list[Any]:
        service = api.services.boards
        body = [{"name": "same.txt", "size": 3}]
        return await asyncio.gather(*(service.add_files(board, body) for _ in range(8)), return_exceptions=True)

    results = run(api, race)
    winners = [result for result in results if isinstance(result, list)]
    losers = [result for result in results if isinstance(result, TransferdError)]
    assert len(winners) == 1 and len(losers) == 7, results
    assert all(isinstance(loser, ValidationFailed) for loser in losers)
    assert [item["name"] for item in caller.board(board_id)["items"]] == ["same.txt"]


def test_concurrent_additions_get_distinct_positions(api: Api, caller: BoardCaller) -> None:
    board_id = caller.create()["id"]
    _principal, board = owned(api, board_id)

    async def race() -> list[Any]:
        service = api.services.boards
        links = [
            service.add_links(board, [{"url": f"https://e.com/{n}"}, {"url": f"https://e.com/{n}b"}]) for n in range(6)
        ]
        files = [service.add_files(board, [{"name": f"f{n}.txt", "size": 1}]) for n in range(6)]
        return await asyncio.gather(*links, *files)

    run(api, race)
    items = caller.board(board_id)["items"]
    assert len(items) == 18

    async def positions() -> list[int]:
        contents = await api.services.boards.store.contents(board_id)
        return sorted([f.position for f in contents.files] + [link.position for link in contents.links])

    assert run(api, positions) == list(range(18))
    urls = [item["url"] for item in items if item["type"] == "link"]
    for n in range(6):  # a batch stays together, in its order
        assert urls.index(f"https://e.com/{n}b") == urls.index(f"https://e.com/{n}") + 1


def test_overlapping_completes_both_succeed(api: Api, caller: BoardCaller) -> None:
    board_id = caller.create()["id"]
    data = payload(6 * 1024 * 1024 + 500, seed=3)
    [file] = caller.files(board_id, [("f.bin", len(data))])
    caller.upload_parts(board_id, file, data)
    principal, _board = owned(api, board_id)

    async def race() -> list[Any]:
        service = api.services.boards
        return await asyncio.gather(*(service.complete_file(principal, board_id, file["id"]) for _ in range(5)))

    records = run(api, race)
    assert len({record.id for record in records}) == 1
    assert caller.client.get(f"{caller.board(board_id)['url']}/files/{file['id']}").content == data
