"""Transfers: one row each, plus their files (``FileStore``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from transferd.ids import could_be_id
from transferd.store.db import Database
from transferd.store.files import FileRecord, FileStore
from transferd.store.schema import transfers


@dataclass(frozen=True)
class TransferRecord:
    id: str
    application_id: str
    user_identifier: str | None
    message: str
    state: str
    short_id: str
    total_size: int
    created_at: int
    expires_at: int
    finalized_at: int | None


def _record(row: Any) -> TransferRecord:
    return TransferRecord(**row._mapping)


# Built once: these run on most requests.
_BY_ID = select(transfers).where(transfers.c.id == bindparam("id"))
_BY_SHORT_ID = select(transfers).where(transfers.c.short_id == bindparam("short_id"))


class TransferStore:
    def __init__(self, db: Database, files: FileStore) -> None:
        self.db = db
        self.files = files

    async def create(self, transfer: TransferRecord, transfer_files: list[FileRecord]) -> None:
        def work(conn: Connection) -> None:
            conn.execute(insert(transfers).values(**transfer.__dict__))
            self.files.insert_many(conn, transfer_files)

        await self.db.write(work)

    async def get(self, transfer_id: str) -> TransferRecord | None:
        if not could_be_id(transfer_id):
            return None
        return await self._one(_BY_ID, {"id": transfer_id})

    async def by_short_id(self, short_id: str) -> TransferRecord | None:
        if not could_be_id(short_id):
            return None
        return await self._one(_BY_SHORT_ID, {"short_id": short_id})

    async def _one(self, query: Select[Any], params: dict[str, Any]) -> TransferRecord | None:
        row = await self.db.read(lambda conn: conn.execute(query, params).one_or_none())
        return None if row is None else _record(row)

    async def _many(self, query: Select[Any]) -> list[TransferRecord]:
        return [_record(row) for row in await self.db.read(lambda conn: conn.execute(query).all())]

    async def move_state(self, transfer_id: str, *, from_states: tuple[str, ...], to_state: str, now: int) -> bool:
        """Compare-and-set the state; True when this call made the move (so only one finalize wins)."""
        values: dict[str, Any] = {"state": to_state}
        if to_state == "processing":
            values["finalized_at"] = now
        statement = (
            update(transfers).where(transfers.c.id == transfer_id, transfers.c.state.in_(from_states)).values(**values)
        )
        return bool(await self.db.write(lambda conn: conn.execute(statement).rowcount))

    async def in_state(self, state: str) -> list[TransferRecord]:
        return await self._many(select(transfers).where(transfers.c.state == state))

    async def expired_unswept(self, now: int) -> list[TransferRecord]:
        return await self._many(select(transfers).where(transfers.c.expires_at < now, transfers.c.state != "expired"))
