"""The database handle every store uses, and schema migration (Alembic, run on start).

Stores write their queries as plain functions of a SQLAlchemy ``Connection`` and hand them to
``Database.read`` or ``Database.write``, which run each function in one transaction:

- **SQLite** (the embedded default): right on the event loop, with the synchronous driver. An
  indexed query takes tens of microseconds there, while a thread hop per statement (aiosqlite)
  costs a millisecond; and since a transaction never yields, transactions of one process never
  interleave. Writes start with ``BEGIN IMMEDIATE`` so that a second process (the CLI) makes them
  wait for the lock (``busy_timeout``) instead of failing halfway. The wait blocks the loop, so it
  is short: a lock held longer than that by another process is a 503 (``DatabaseBusy``), not a
  server frozen for half a minute.
- **PostgreSQL** (and any other server): through the async driver (asyncpg), the function running
  with ``AsyncConnection.run_sync``, so the event loop serves other requests while it waits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy
import sqlalchemy.exc
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from transferd.errors import DatabaseBusy

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 2000
T = TypeVar("T")
Work = Callable[[Connection], T]


def _async_url(url: str) -> str:
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    return url


def _sqlite_engine(url: str) -> Engine:
    sync_url = sqlalchemy.make_url(url).set(drivername="sqlite")
    engine = sqlalchemy.create_engine(sync_url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        # WAL lets the CLI write (create/revoke keys) while the server reads.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_mode")
        if mode == "write":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif mode != "autocommit":
            connection.exec_driver_sql("BEGIN")

    return engine


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._sync: Engine | None = _sqlite_engine(url) if self.is_sqlite else None
        # Inline transactions never overlap, so one connection serves them all (no pool checkout).
        self._inline: Connection | None = None
        self._async: AsyncEngine | None = (
            None if self.is_sqlite else create_async_engine(_async_url(url), pool_size=10, max_overflow=20)
        )

    @property
    def dialect(self) -> str:
        engine = self._sync if self._sync is not None else self._async
        assert engine is not None
        return engine.dialect.name

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` in a read transaction and return what it returns."""
        return await self._run(work, write=False)

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction (committed when it returns, rolled back if it raises)."""
        return await self._run(work, write=True)

    async def _run(self, work: Work[T], *, write: bool) -> T:
        if self._sync is not None:
            try:
                return self._run_inline(work, write=write)
            except sqlalchemy.exc.OperationalError as exc:
                if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                    raise DatabaseBusy() from exc
                raise
        assert self._async is not None
        async with self._async.begin() as async_conn:
            return await async_conn.run_sync(work)

    def _run_inline(self, work: Work[T], *, write: bool) -> T:
        conn = self._inline_connection()
        if write:
            with conn.execution_options(sqlite_mode="write").begin():
                return work(conn)
        # Reads skip BEGIN/COMMIT: each statement sees a consistent snapshot, and no write of
        # this process can run between the statements of ``work`` (it never yields).
        conn.execution_options(sqlite_mode="autocommit")
        try:
            return work(conn)
        finally:
            conn.commit()  # ends SQLAlchemy's implicit transaction; nothing reaches SQLite

    def _inline_connection(self) -> Connection:
        if self._inline is None or self._inline.closed:
            assert self._sync is not None
            self._inline = self._sync.connect()
        return self._inline

    async def migrate(self) -> None:
        if self._sync is not None:
            with self._sync.connect().execution_options(sqlite_mode="write") as conn, conn.begin():
                _upgrade(conn)
            return
        assert self._async is not None
        async with self._async.begin() as async_conn:
            await async_conn.run_sync(_upgrade)

    async def dispose(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        if self._sync is not None:
            self._sync.dispose()
        if self._async is not None:
            await self._async.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
