"""Alembic environment: always handed a live connection by ``transferd.store.db.migrate``."""

from __future__ import annotations

from alembic import context

from transferd.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through transferd.store.db.migrate (transferd serve does it on start)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
