"""Files (of transfers and boards) and the parts received for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from transferd.ids import could_be_id
from transferd.store.db import Database
from transferd.store.schema import files, upload_parts


@dataclass(frozen=True)
class FileRecord:
    id: str
    transfer_id: str | None
    board_id: str | None
    position: int
    name: str
    size: int
    chunk_size: int
    part_numbers: int
    multipart_id: str | None
    created_at: int
    completed_at: int | None

    @property
    def container_id(self) -> str:
        container = self.transfer_id or self.board_id
        assert container is not None
        return container

    @property
    def upload_key(self) -> str:
        return f"{self.container_id}/{self.id}"

    @property
    def object_key(self) -> str:
        return f"{self.container_id}/{self.id}/data"

    def part_size(self, part_number: int) -> int:
        """The exact size of part ``part_number`` (every part is ``chunk_size`` but the last)."""
        if part_number < self.part_numbers:
            return self.chunk_size
        return self.size - self.chunk_size * (self.part_numbers - 1)


@dataclass(frozen=True)
class PartRecord:
    part_number: int
    size: int
    etag: str


def file_record(row: Any) -> FileRecord:
    return FileRecord(**row._mapping)


_BY_ID = select(files).where(files.c.id == bindparam("id"))


class FileStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def insert_many(self, conn: Connection, records: list[FileRecord]) -> None:
        if records:
            conn.execute(insert(files), [record.__dict__ for record in records])

    async def get(self, file_id: str) -> FileRecord | None:
        if not could_be_id(file_id):
            return None
        row = await self.db.read(lambda conn: conn.execute(_BY_ID, {"id": file_id}).one_or_none())
        return None if row is None else file_record(row)

    async def for_transfer(self, transfer_id: str) -> list[FileRecord]:
        query = select(files).where(files.c.transfer_id == transfer_id).order_by(files.c.position)
        return [file_record(row) for row in await self.db.read(lambda conn: conn.execute(query).all())]

    async def for_board(self, board_id: str) -> list[FileRecord]:
        query = select(files).where(files.c.board_id == board_id).order_by(files.c.position)
        return [file_record(row) for row in await self.db.read(lambda conn: conn.execute(query).all())]

    async def record_part(self, file_id: str, part_number: int, size: int, etag: str, now: int) -> None:
        """Upsert: the last complete write of a part wins."""

        def work(conn: Connection) -> None:
            conn.execute(
                delete(upload_parts).where(upload_parts.c.file_id == file_id, upload_parts.c.part_number == part_number)
            )
            conn.execute(
                insert(upload_parts).values(
                    file_id=file_id, part_number=part_number, size=size, etag=etag, uploaded_at=now
                )
            )

        await self.db.write(work)

    async def parts(self, file_id: str) -> list[PartRecord]:
        query = (
            select(upload_parts.c.part_number, upload_parts.c.size, upload_parts.c.etag)
            .where(upload_parts.c.file_id == file_id)
            .order_by(upload_parts.c.part_number)
        )
        rows = await self.db.read(lambda conn: conn.execute(query).all())
        return [PartRecord(row.part_number, row.size, row.etag) for row in rows]

    async def mark_complete(self, file_id: str, now: int) -> None:
        statement = update(files).where(files.c.id == file_id, files.c.completed_at.is_(None)).values(completed_at=now)
        await self.db.write(lambda conn: conn.execute(statement))
