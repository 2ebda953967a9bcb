"""Applications and their API keys. Only digests are stored; the secret leaves once, on creation."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection

from transferd.auth.api_keys import generate_api_key, key_digest
from transferd.ids import opaque_id
from transferd.store.db import Database
from transferd.store.schema import api_keys, applications


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    application_id: str
    application_name: str
    name: str
    hint: str
    created_at: int
    last_used_at: int | None
    revoked_at: int | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class CreatedApiKey:
    record: ApiKeyRecord
    secret: str


_KEY_COLUMNS = (
    api_keys.c.id,
    api_keys.c.application_id,
    applications.c.name.label("application_name"),
    api_keys.c.name,
    api_keys.c.hint,
    api_keys.c.created_at,
    api_keys.c.last_used_at,
    api_keys.c.revoked_at,
)
_KEYS_WITH_APP = api_keys.join(applications, api_keys.c.application_id == applications.c.id)


# Built once: this lookup runs on every API request.
_BY_DIGEST = (
    select(*_KEY_COLUMNS, api_keys.c.digest).select_from(_KEYS_WITH_APP).where(api_keys.c.digest == bindparam("digest"))
)


def _record(row: object) -> ApiKeyRecord:
    return ApiKeyRecord(**row._mapping)  # type: ignore[attr-defined]


class ApiKeyStore:
    # last_used_at is a hint, not an audit log: write it at most once a minute per key.
    LAST_USED_RESOLUTION = 60

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, name: str, application: str, now: int) -> CreatedApiKey:
        secret = generate_api_key()
        key_id = opaque_id("key_", 16)

        def work(conn: Connection) -> ApiKeyRecord:
            app_id = conn.execute(
                select(applications.c.id).where(applications.c.name == application)
            ).scalar_one_or_none()
            if app_id is None:
                app_id = opaque_id("app_", 16)
                conn.execute(applications.insert().values(id=app_id, name=application, created_at=now))
            conn.execute(
                api_keys.insert().values(
                    id=key_id,
                    application_id=app_id,
                    name=name,
                    digest=key_digest(secret),
                    hint=secret[-4:],
                    created_at=now,
                )
            )
            return _record(_by_id(conn, key_id))

        return CreatedApiKey(record=await self.db.write(work), secret=secret)

    async def find_by_secret(self, secret: str) -> ApiKeyRecord | None:
        """The key whose digest matches. The digest is compared again in constant time after the
        indexed lookup, so no comparison on the secret's bytes depends on how much of it matched."""
        digest = key_digest(secret)
        row = await self.db.read(lambda conn: conn.execute(_BY_DIGEST, {"digest": digest}).one_or_none())
        if row is None or not hmac.compare_digest(row.digest, digest):
            return None
        mapping = dict(row._mapping)
        mapping.pop("digest")
        return ApiKeyRecord(**mapping)

    async def get(self, key_id: str) -> ApiKeyRecord | None:
        row = await self.db.read(lambda conn: _by_id(conn, key_id))
        return None if row is None else _record(row)

    async def list(self) -> list[ApiKeyRecord]:
        query = select(*_KEY_COLUMNS).select_from(_KEYS_WITH_APP).order_by(api_keys.c.created_at, api_keys.c.id)
        rows = await self.db.read(lambda conn: conn.execute(query).all())
        return [_record(row) for row in rows]

    async def revoke(self, key_id: str, *, now: int) -> ApiKeyRecord | None:
        """Revoke a key (idempotent: the first revocation time is kept)."""

        def work(conn: Connection) -> Any:
            conn.execute(
                update(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=now)
            )
            return _by_id(conn, key_id)

        row = await self.db.write(work)
        return None if row is None else _record(row)

    async def touch(self, record: ApiKeyRecord, *, now: int) -> None:
        if record.last_used_at is not None and now - record.last_used_at < self.LAST_USED_RESOLUTION:
            return
        statement = update(api_keys).where(api_keys.c.id == record.id).values(last_used_at=now)
        await self.db.write(lambda conn: conn.execute(statement))

    async def count(self) -> int:
        query = select(func.count()).select_from(api_keys)
        return int(await self.db.read(lambda conn: conn.execute(query).scalar_one()))


def _by_id(conn: Connection, key_id: str) -> Any:
    query = select(*_KEY_COLUMNS).select_from(_KEYS_WITH_APP).where(api_keys.c.id == key_id)
    return conn.execute(query).one_or_none()
