"""Boards under concurrent calls: the board's lock makes name checks and positions race-free, a
retried upload-complete that overlaps the first one joins the parts once, and a part PUT racing
upload-complete is counted or refused (403), never a 500 (the file's lock in UploadService)."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.board_helpers import BoardCaller, payload, run
from tests.conftest import Api
from transferd.auth.guard import Principal
from transferd.errors import TransferdError, UploadUrlRejected, ValidationFailed
from transferd.store.boards import BoardRecord
from transferd.store.files import FileRecord


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


# -- parts racing upload-complete (the per-file lock of UploadService, as for transfers) -----------

SIZE = 4 * 1024 * 1024  # one part


def one_part_file(api: Api, caller: BoardCaller, first: bytes) -> tuple[str, dict[str, Any], FileRecord]:
    """A board holding a one-part file whose part 1 is ``first``; the file as the API and the store show it."""
    board_id = caller.create()["id"]
    [file] = caller.files(board_id, [("f.bin", len(first))])
    caller.put_part(board_id, file, 1, first)
    record = run(api, api.services.files.get, file["id"])
    assert record is not None
    return board_id, file, record


async def chunks(
    data: bytes, *, sent: asyncio.Event | None = None, go: asyncio.Event | None = None
) -> AsyncIterator[bytes]:
    """A request body: ``data`` in 1 MiB chunks; then ``sent`` is set, and the body ends once ``go`` is."""
    for start in range(0, len(data), 1024 * 1024):
        yield data[start : start + 1024 * 1024]
    if sent is not None:
        sent.set()
    if go is not None:
        await go.wait()


def part_files(api: Api, record: FileRecord) -> list[Path]:
    parts = api.settings.data_dir / "blobs" / record.upload_key / "parts"
    return sorted(path for path in parts.rglob("*") if path.is_file()) if parts.exists() else []


def served(api: Api, record: FileRecord) -> bytes:
    async def read() -> bytes:
        return b"".join([chunk async for chunk in api.services.blobs.read(record.object_key)])

    return run(api, read)


def recorded_etag(api: Api, record: FileRecord) -> str:
    [part] = run(api, api.services.files.parts, record.id)
    return part.etag


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_a_part_arriving_while_its_file_is_joined_is_refused(
    api: Api, caller: BoardCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """upload-complete checked part 1, and joins it: a PUT of part 1 whose body is in by then must
    wait for the completion and be refused, not be swapped in under the join."""
    first, late = payload(SIZE, seed=1), payload(SIZE, seed=2)
    board_id, _file, record = one_part_file(api, caller, first)
    principal, _board = owned(api, board_id)
    uploads = api.services.uploads
    joining, resume = asyncio.Event(), asyncio.Event()
    join = api.services.blobs.complete

    async def slow_join(upload: str, parts: list[int], key: str) -> int:
        joining.set()
        await resume.wait()
        return await join(upload, parts, key)

    monkeypatch.setattr(api.services.blobs, "complete", slow_join)

    async def race() -> tuple[Any, Any]:
        completing = asyncio.create_task(api.services.boards.complete_file(principal, board_id, record.id))
        await joining.wait()
        target = await uploads.target(record.id, 1)  # still accepted: the file is not complete yet
        receiving = asyncio.create_task(uploads.receive_part(target, 1, chunks(late), None))
        await asyncio.wait({receiving}, timeout=0.5)  # it must be waiting for the completion now
        resume.set()
        return await asyncio.gather(completing, receiving, return_exceptions=True)

    completed, received = run(api, race)
    assert isinstance(completed, FileRecord), completed
    assert isinstance(received, UploadUrlRejected), received
    assert received.message == "Forbidden: this file is complete and takes no more parts"
    assert served(api, record) == first
    assert recorded_etag(api, record) == md5(first)
    assert part_files(api, record) == []


def test_a_written_part_whose_parts_were_joined_meanwhile_is_refused_not_a_500(
    api: Api, caller: BoardCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PUT whose temporary file is written while upload-complete joins the parts (removing the
    parts directory, temporary file included) is answered 403: the file is complete."""
    first, late = payload(SIZE, seed=3), payload(SIZE, seed=4)
    board_id, _file, record = one_part_file(api, caller, first)
    principal, _board = owned(api, board_id)
    uploads = api.services.uploads
    joined, resume = asyncio.Event(), asyncio.Event()
    mark_complete = api.services.files.mark_complete

    async def slow_mark(file_id: str, now: int) -> None:
        joined.set()
        await resume.wait()
        await mark_complete(file_id, now)

    monkeypatch.setattr(api.services.files, "mark_complete", slow_mark)

    async def race() -> tuple[Any, Any]:
        sent, go = asyncio.Event(), asyncio.Event()
        target = await uploads.target(record.id, 1)
        receiving = asyncio.create_task(uploads.receive_part(target, 1, chunks(late, sent=sent, go=go), None))
        await sent.wait()  # its temporary file is open and written
        completing = asyncio.create_task(api.services.boards.complete_file(principal, board_id, record.id))
        await joined.wait()  # the parts directory is gone
        go.set()
        await asyncio.wait({receiving}, timeout=0.5)
        resume.set()
        return await asyncio.gather(completing, receiving, return_exceptions=True)

    completed, received = run(api, race)
    assert isinstance(completed, FileRecord), completed
    assert isinstance(received, UploadUrlRejected), received
    assert served(api, record) == first
    assert recorded_etag(api, record) == md5(first)
    assert part_files(api, record) == []


def test_a_part_whose_parts_directory_vanishes_before_its_write_is_refused_not_a_500(
    api: Api, caller: BoardCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The join removes the parts directory in a worker thread: a PUT that passed its first check
    may find the directory gone when it opens its temporary file. That is a 403, not a 500."""
    first = payload(SIZE, seed=5)
    board_id, _file, record = one_part_file(api, caller, first)
    principal, _board = owned(api, board_id)
    uploads = api.services.uploads
    target = run(api, uploads.target, record.id, 1)  # checked before the completion
    run(api, api.services.boards.complete_file, principal, board_id, record.id)
    real_open = Path.open

    def open_after_the_join(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name.endswith(".tmp") and self.parent.name == "parts":
            shutil.rmtree(self.parent)  # the join's cleanup, landing between mkdir and open
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_after_the_join)

    async def put() -> Any:
        try:
            return await uploads.receive_part(target, 1, chunks(payload(SIZE, seed=6)), None)
        except Exception as error:  # the outcome is what is checked
            return error

    received = run(api, put)
    monkeypatch.undo()
    assert isinstance(received, UploadUrlRejected), received
    assert received.message == "Forbidden: this file is complete and takes no more parts"
    assert served(api, record) == first
    assert part_files(api, record) == []


def test_a_part_whose_upload_is_deleted_while_it_arrives_is_refused_not_a_500(api: Api, caller: BoardCaller) -> None:
    """The parts directory may also go with the whole upload (the sweeper deleting a board's bytes)
    while the file still takes parts: the rename of the written part fails, a 403, nothing stored."""
    first = payload(SIZE, seed=7)
    _board_id, _file, record = one_part_file(api, caller, first)
    uploads = api.services.uploads

    async def put() -> Any:
        sent, go = asyncio.Event(), asyncio.Event()
        target = await uploads.target(record.id, 1)
        receiving = asyncio.create_task(
            uploads.receive_part(target, 1, chunks(payload(SIZE, seed=8), sent=sent, go=go), None)
        )
        await sent.wait()
        await api.services.blobs.delete_prefix(record.upload_key)
        go.set()
        return (await asyncio.gather(receiving, return_exceptions=True))[0]

    received = run(api, put)
    assert isinstance(received, UploadUrlRejected), received
    assert received.message == "Forbidden: the upload URL is invalid or has expired"
    assert recorded_etag(api, record) == md5(first)
    assert part_files(api, record) == []


def test_concurrent_additions_stay_within_the_board_byte_cap(
    api: Api, caller: BoardCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bytes already on the board are counted under the board's lock: of 8 concurrent additions
    of 40 bytes to a board capped at 100, exactly 2 get in."""
    monkeypatch.setattr(api.settings, "max_board_bytes", 100)
    board_id = caller.create()["id"]
    _principal, board = owned(api, board_id)

    async def race() -> list[Any]:
        service = api.services.boards
        additions = (service.add_files(board, [{"name": f"f{n}.bin", "size": 40}]) for n in range(8))
        return await asyncio.gather(*additions, return_exceptions=True)

    results = run(api, race)
    winners = [result for result in results if isinstance(result, list)]
    losers = [result for result in results if isinstance(result, ValidationFailed)]
    assert len(winners) == 2 and len(losers) == 6, results
    assert {loser.message for loser in losers} == {
        '"board.files" total size must be less than or equal to 100 bytes (80 bytes already added)'
    }
    assert sum(item["size"] for item in caller.board(board_id)["items"]) == 80
