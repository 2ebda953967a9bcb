"""Transfers: one row each, plus their files (``FileStore``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from transferd.ids import could_be_id
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


class TransferStore:
    def __init__(self, engine: AsyncEngine, files: FileStore) -> None:
        self.engine = engine
        self.files = files

    async def create(self, transfer: TransferRecord, transfer_files: list[FileRecord]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(insert(transfers).values(**transfer.__dict__))
            await self.files.insert_many(conn, transfer_files)

    async def get(self, transfer_id: str) -> TransferRecord | None:
        if not could_be_id(transfer_id):
            return None
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(transfers).where(transfers.c.id == transfer_id))).one_or_none()
        return None if row is None else _record(row)

    async def by_short_id(self, short_id: str) -> TransferRecord | None:
        if not could_be_id(short_id):
            return None
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(transfers).where(transfers.c.short_id == short_id))).one_or_none()
        return None if row is None else _record(row)

    async def move_state(self, transfer_id: str, *, from_states: tuple[str, ...], to_state: str, now: int) -> bool:
        """Compare-and-set the state; True when this call made the move (so only one finalize wins)."""
        values: dict[str, Any] = {"state": to_state}
        if to_state == "processing":
            values["finalized_at"] = now
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(transfers)
                .where(transfers.c.id == transfer_id, transfers.c.state.in_(from_states))
                .values(**values)
            )
        return bool(result.rowcount)

    async def in_state(self, state: str) -> list[TransferRecord]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(transfers).where(transfers.c.state == state))).all()
        return [_record(row) for row in rows]

    async def expired_unswept(self, now: int) -> list[TransferRecord]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(transfers).where(transfers.c.expires_at < now, transfers.c.state != "expired")
                )
            ).all()
        return [_record(row) for row in rows]
