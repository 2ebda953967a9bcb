"""A board lives while it is used: any API access by its owner is activity; one idle for 90 days
(``settings.board_idle_lifetime_seconds``) answers 410 at once, and the sweeper deletes its items
and bytes (known-faults.md BL-45(d))."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from starlette.testclient import TestClient

from tests import expect
from tests.api.board_helpers import BOARD_GONE, BOARD_NOT_FOUND, DAY, BoardCaller, caller_for, run, short_id
from tests.conftest import Api, make_settings
from transferd.app import create_app
from transferd.clock import FrozenClock
from transferd.store.schema import board_links, boards, files, upload_parts

LIFETIME = 90 * DAY
SHORT = 60  # seconds: shorter than an upload URL's hour


@pytest.fixture
def caller(api: Api, key: str, token: str) -> BoardCaller:
    return BoardCaller(api, key, token)


@pytest.fixture
def short_lived(tmp_path: Path) -> Iterator[Api]:
    """An app whose boards live ``SHORT`` seconds idle (settings.board_idle_lifetime_seconds)."""
    clock = FrozenClock()
    settings = make_settings(tmp_path / "short-lived", board_idle_lifetime_seconds=SHORT)
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield Api(client=client, services=app.state.services, clock=clock, settings=settings)


def blob_files(api: Api, prefix: str) -> list[Path]:
    root = api.settings.data_dir / "blobs" / prefix
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def rows(api: Api, board_id: str) -> dict[str, int]:
    def work(conn: Connection) -> dict[str, int]:
        def n(statement: Any) -> int:
            return int(conn.execute(statement).scalar_one())

        file_ids = select(files.c.id).where(files.c.board_id == board_id)
        return {
            "boards": n(select(func.count()).select_from(boards).where(boards.c.id == board_id)),
            "files": n(select(func.count()).select_from(files).where(files.c.board_id == board_id)),
            "parts": n(select(func.count()).select_from(upload_parts).where(upload_parts.c.file_id.in_(file_ids))),
            "links": n(select(func.count()).select_from(board_links).where(board_links.c.board_id == board_id)),
        }

    async def count() -> dict[str, int]:
        return await api.services.db.read(work)

    return run(api, count)


def sweep(api: Api) -> None:
    run(api, api.services.sweeper.run_once)


def filled_board(caller: BoardCaller) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A board with a link, a completed file and a file with one part of two uploaded."""
    board = caller.create("Filled", "to be swept")
    caller.links(board["id"], [{"url": "https://example.com", "title": "Example"}])
    done = caller.add_and_upload(board["id"], "done.txt", b"finished")
    [partial] = caller.files(board["id"], [("partial.bin", 6 * 1024 * 1024 + 1)])
    caller.put_part(board["id"], partial, 2, b"!")
    return board, done, partial


# --- 410 at once, before any sweep -------------------------------------------------------------


def test_an_untouched_board_is_gone_after_90_days(api: Api, caller: BoardCaller) -> None:
    """BL-45(d): 90 days + 1 s without activity is 410 with E, before any sweep ran."""
    board = caller.create()
    api.clock.advance(LIFETIME + 1)
    expect.error(caller.get(board["id"]), 410, BOARD_GONE)


def test_idle_boundary(api: Api, caller: BoardCaller) -> None:
    board = caller.create()
    other = caller.create()
    api.clock.advance(LIFETIME)
    assert caller.get(board["id"]).status_code == 200  # exactly 90 days idle: alive
    api.clock.advance(1)
    assert caller.get(board["id"]).status_code == 200  # the read above was activity
    expect.error(caller.get(other["id"]), 410, BOARD_GONE)  # 90 days + 1 s without any


def test_touched_at_day_60_and_read_at_day_91_is_alive(api: Api, caller: BoardCaller) -> None:
    """BL-45(d), side by side with a board nobody touched."""
    touched, untouched = caller.create("touched"), caller.create("untouched")
    api.clock.advance(60 * DAY)
    assert caller.get(touched["id"]).status_code == 200
    api.clock.advance(31 * DAY)
    assert caller.get(touched["id"]).status_code == 200
    expect.error(caller.get(untouched["id"]), 410, BOARD_GONE)


def _touch_calls(caller: BoardCaller, board: dict[str, Any], file: dict[str, Any]) -> list[Callable[[], Any]]:
    return [
        lambda: caller.get(board["id"]),
        lambda: caller.post_links(board["id"], [{"url": "https://e.com"}]),
        lambda: caller.post_files(board["id"], [{"name": "more.txt", "size": 1}]),
        lambda: caller.upload_url(board["id"], file, 1),
        lambda: caller.complete(board["id"], file["id"]),  # a 400 (no parts) still reaches the board
    ]


@pytest.mark.parametrize("index", range(5))
def test_every_api_access_is_activity(api: Api, caller: BoardCaller, index: int) -> None:
    board = caller.create()
    [file] = caller.files(board["id"], [("f.txt", 3)])
    api.clock.advance(60 * DAY)
    assert _touch_calls(caller, board, file)[index]().status_code < 500
    api.clock.advance(31 * DAY)
    assert caller.get(board["id"]).status_code == 200


def test_foreign_requests_and_page_views_are_not_activity(api: Api, caller: BoardCaller) -> None:
    """Only the owner's API calls keep a board alive: a 404 for someone else, or a visitor on the
    public page, does not."""
    board = caller.create()
    api.clock.advance(60 * DAY)
    stranger = caller_for(api, "app-two")
    assert stranger.get(board["id"]).json() == BOARD_NOT_FOUND
    assert caller.client.get(f"/b/{short_id(board)}").status_code == 200
    api.clock.advance(31 * DAY)
    expect.error(caller.get(board["id"]), 410, BOARD_GONE)


def test_a_gone_board_is_410_on_every_route_and_404_for_strangers(api: Api, caller: BoardCaller) -> None:
    board = caller.create()
    [file] = caller.files(board["id"], [("f.txt", 3)])
    api.clock.advance(LIFETIME + 1)
    for call in _touch_calls(caller, board, file):
        expect.error(call(), 410, BOARD_GONE)
    stranger = caller_for(api, "app-one", "someone-else")
    assert stranger.get(board["id"]).json() == BOARD_NOT_FOUND  # D5: still no sign it ever existed


def test_a_gone_board_takes_no_parts_on_old_urls(api: Api, caller: BoardCaller) -> None:
    board = caller.create()
    [file] = caller.files(board["id"], [("f.txt", 3)])
    url = caller.url(board["id"], file, 1)
    api.clock.advance(LIFETIME + 1)
    response = caller.client.put(url, content=b"abc")
    assert response.status_code == 403, response.text  # the URL itself expired long ago too


def test_a_gone_board_takes_no_parts_even_on_fresh_urls(short_lived: Api) -> None:
    """The upload gate checks the board itself: a URL minted just before the board went idle past
    its lifetime (possible with a lifetime shorter than the URLs' hour) is refused."""
    owner = caller_for(short_lived, "app-one")
    board = owner.create()
    [file] = owner.files(board["id"], [("f.txt", 3)])
    url = owner.url(board["id"], file, 1)
    short_lived.clock.advance(SHORT + 1)
    expect.error(owner.client.put(url, content=b"abc"), 403, "Forbidden: Request has expired; the board is gone")


# --- the sweeper ---------------------------------------------------------------------------------


def test_the_sweeper_deletes_an_idle_board_with_its_bytes(api: Api, caller: BoardCaller) -> None:
    board, done, _partial = filled_board(caller)
    assert blob_files(api, board["id"])
    assert rows(api, board["id"]) == {"boards": 1, "files": 2, "parts": 2, "links": 1}

    api.clock.advance(LIFETIME - 1)
    sweep(api)
    assert rows(api, board["id"]) == {"boards": 1, "files": 2, "parts": 2, "links": 1}  # not yet

    api.clock.advance(2)
    sweep(api)
    assert blob_files(api, board["id"]) == []
    assert rows(api, board["id"]) == {"boards": 1, "files": 0, "parts": 0, "links": 0}  # a tombstone row
    expect.error(caller.get(board["id"]), 410, BOARD_GONE)
    page = f"/b/{short_id(board)}"
    assert caller.client.get(page).status_code == 410
    assert caller.client.get(f"{page}/files/{done['id']}").status_code == 410

    async def tombstone() -> tuple[str, str, str | None]:
        record = await api.services.boards.store.get(board["id"])
        assert record is not None
        return record.state, record.name, record.description

    assert run(api, tombstone) == ("expired", "", None)  # name and description are not kept


def test_the_sweeper_leaves_used_boards_alone(api: Api, caller: BoardCaller) -> None:
    board, done, _partial = filled_board(caller)
    idle = caller.create("idle")
    api.clock.advance(60 * DAY)
    caller.get(board["id"])
    api.clock.advance(31 * DAY)
    sweep(api)
    assert rows(api, board["id"]) == {"boards": 1, "files": 2, "parts": 2, "links": 1}
    assert caller.client.get(f"/b/{short_id(board)}/files/{done['id']}").content == b"finished"
    expect.error(caller.get(idle["id"]), 410, BOARD_GONE)


def test_a_failed_purge_is_retried_on_the_next_sweep(
    api: Api, caller: BoardCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    board, _done, _partial = filled_board(caller)
    api.clock.advance(LIFETIME + 1)
    blobs = api.services.uploads.blobs
    original = blobs.delete_prefix

    async def broken(prefix: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(blobs, "delete_prefix", broken)
    sweep(api)  # the job fails (and is logged); the board is already gone for the API
    expect.error(caller.get(board["id"]), 410, BOARD_GONE)
    assert rows(api, board["id"])["files"] == 2
    monkeypatch.setattr(blobs, "delete_prefix", original)
    sweep(api)
    assert rows(api, board["id"]) == {"boards": 1, "files": 0, "parts": 0, "links": 0}
    assert blob_files(api, board["id"]) == []


def test_the_idle_lifetime_is_configurable(short_lived: Api) -> None:
    owner = caller_for(short_lived, "app-one")
    board = owner.create()
    short_lived.clock.advance(SHORT)
    assert owner.get(board["id"]).status_code == 200
    short_lived.clock.advance(SHORT + 1)
    expect.error(owner.get(board["id"]), 410, BOARD_GONE)
