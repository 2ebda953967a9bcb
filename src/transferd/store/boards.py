"""Boards: one row each, their links (``board_links``) and their files (``files`` with ``board_id``).

Files and links share one position counter, ``boards.item_count``, so a board's items come back in
the order they were added. Adding items runs in one transaction that first updates the board row:
that write takes the board's lock (the row lock on PostgreSQL, the write lock on SQLite), so two
concurrent additions can neither reuse a position nor both add the same file name.

An idle board is not deleted outright: its row stays behind as a tombstone in state ``expired``
(name and description cleared) so the API can answer 410; its links, files, parts and bytes go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from transferd.ids import could_be_id
from transferd.store.db import Database
from transferd.store.files import FileRecord, FileStore, file_record
from transferd.store.schema import board_links, boards, files, upload_parts

EXPIRED = "expired"


@dataclass(frozen=True)
class BoardRecord:
    id: str
    application_id: str
    user_identifier: str | None
    name: str
    description: str | None
    state: str
    short_id: str
    item_count: int
    created_at: int
    last_activity_at: int


@dataclass(frozen=True)
class LinkRecord:
    id: str
    board_id: str
    position: int
    url: str
    title: str
    created_at: int


@dataclass(frozen=True)
class BoardContents:
    """A board's files and links, each in position order."""

    files: list[FileRecord]
    links: list[LinkRecord]


# Builds the records to add, given the file names already on the board and the first free position;
# raising (a validation error) rolls the whole addition back.
ItemBuilder = Callable[[frozenset[str], int], list[Any]]
# The same for files, also given the bytes of every file already on the board (for its cap).
FileBuilder = Callable[[frozenset[str], int, int], list[FileRecord]]


def _board(row: Any) -> BoardRecord:
    return BoardRecord(**row._mapping)


def _link(row: Any) -> LinkRecord:
    return LinkRecord(**row._mapping)


class BoardGone(Exception):
    """The board was expired between reading it and writing to it."""


# Built once: these run on most requests.
_BY_ID = select(boards).where(boards.c.id == bindparam("id"))
_BY_SHORT_ID = select(boards).where(boards.c.short_id == bindparam("short_id"))


class BoardStore:
    def __init__(self, db: Database, files: FileStore) -> None:
        self.db = db
        self.files = files

    async def create(self, board: BoardRecord) -> None:
        statement = insert(boards).values(**board.__dict__)
        await self.db.write(lambda conn: conn.execute(statement))

    async def get(self, board_id: str) -> BoardRecord | None:
        if not could_be_id(board_id):
            return None
        return await self._one(_BY_ID, {"id": board_id})

    async def by_short_id(self, short_id: str) -> BoardRecord | None:
        if not could_be_id(short_id):
            return None
        return await self._one(_BY_SHORT_ID, {"short_id": short_id})

    async def _one(self, query: Select[Any], params: dict[str, Any]) -> BoardRecord | None:
        row = await self.db.read(lambda conn: conn.execute(query, params).one_or_none())
        return None if row is None else _board(row)

    async def touch(self, board_id: str, now: int) -> bool:
        """Record activity; False when the board has been expired meanwhile."""
        statement = (
            update(boards).where(boards.c.id == board_id, boards.c.state != EXPIRED).values(last_activity_at=now)
        )
        return bool(await self.db.write(lambda conn: conn.execute(statement).rowcount))

    async def contents(self, board_id: str) -> BoardContents:
        def work(conn: Connection) -> BoardContents:
            file_rows = conn.execute(select(files).where(files.c.board_id == board_id).order_by(files.c.position)).all()
            link_rows = conn.execute(
                select(board_links).where(board_links.c.board_id == board_id).order_by(board_links.c.position)
            ).all()
            return BoardContents([file_record(row) for row in file_rows], [_link(row) for row in link_rows])

        return await self.db.read(work)

    @staticmethod
    def _lock(conn: Connection, board_id: str, now: int) -> int:
        """Take the board's lock (by writing its row) and return its first free position."""
        result = conn.execute(
            update(boards).where(boards.c.id == board_id, boards.c.state != EXPIRED).values(last_activity_at=now)
        )
        if not result.rowcount:
            raise BoardGone(board_id)
        return int(conn.execute(select(boards.c.item_count).where(boards.c.id == board_id)).scalar_one())

    @staticmethod
    def _advance(conn: Connection, board_id: str, item_count: int) -> None:
        conn.execute(update(boards).where(boards.c.id == board_id).values(item_count=item_count))

    async def add_links(self, board_id: str, now: int, build: ItemBuilder) -> list[LinkRecord]:
        def work(conn: Connection) -> list[LinkRecord]:
            start = self._lock(conn, board_id, now)
            records: list[LinkRecord] = build(frozenset(), start)
            if records:
                conn.execute(insert(board_links), [record.__dict__ for record in records])
            self._advance(conn, board_id, start + len(records))
            return records

        return await self.db.write(work)

    async def add_files(self, board_id: str, now: int, build: FileBuilder) -> list[FileRecord]:
        def work(conn: Connection) -> list[FileRecord]:
            start = self._lock(conn, board_id, now)
            taken = frozenset(conn.execute(select(files.c.name).where(files.c.board_id == board_id)).scalars())
            held = conn.execute(
                select(func.coalesce(func.sum(files.c.size), 0)).where(files.c.board_id == board_id)
            ).scalar_one()
            records = build(taken, start, int(held))
            self.files.insert_many(conn, records)
            self._advance(conn, board_id, start + len(records))
            return records

        return await self.db.write(work)

    async def expire_idle(self, cutoff: int) -> list[str]:
        """Move every board idle since before ``cutoff`` to ``expired``; return their ids."""

        def work(conn: Connection) -> list[str]:
            candidates = list(
                conn.execute(
                    select(boards.c.id).where(boards.c.state != EXPIRED, boards.c.last_activity_at < cutoff)
                ).scalars()
            )
            expired: list[str] = []
            for board_id in candidates:
                # Conditional again, so a board touched since the select stays alive.
                result = conn.execute(
                    update(boards)
                    .where(boards.c.id == board_id, boards.c.state != EXPIRED, boards.c.last_activity_at < cutoff)
                    .values(state=EXPIRED, name="", description=None)
                )
                if result.rowcount:
                    expired.append(board_id)
            return expired

        return await self.db.write(work)

    async def unpurged(self) -> list[str]:
        """Expired boards that still have items (a purge failed or has not run yet)."""
        has_files = exists().where(files.c.board_id == boards.c.id)
        has_links = exists().where(board_links.c.board_id == boards.c.id)
        query = select(boards.c.id).where(boards.c.state == EXPIRED, or_(has_files, has_links))
        return list(await self.db.read(lambda conn: conn.execute(query).scalars().all()))

    async def purge_items(self, board_id: str) -> None:
        """Delete an expired board's links, files and their parts (the rows; bytes are the caller's)."""

        def work(conn: Connection) -> None:
            file_ids = select(files.c.id).where(files.c.board_id == board_id)
            conn.execute(delete(upload_parts).where(upload_parts.c.file_id.in_(file_ids)))
            conn.execute(delete(files).where(files.c.board_id == board_id))
            conn.execute(delete(board_links).where(board_links.c.board_id == board_id))

        await self.db.write(work)
