"""The tables. Times are whole seconds since the epoch (BigInteger), the same on SQLite and
PostgreSQL. Changing this file means adding an Alembic migration under ``migrations/versions``."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

applications = Table(
    "applications",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("application_id", String(40), ForeignKey("applications.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("hint", String(8), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("application_id", String(40), ForeignKey("applications.id"), nullable=False),
    Column("user_identifier", String(255), nullable=True),
    Column("message", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("short_id", String(32), nullable=False, unique=True),
    Column("total_size", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
    Column("finalized_at", BigInteger, nullable=True),
    Index("ix_transfers_owner", "application_id", "user_identifier"),
)

boards = Table(
    "boards",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("application_id", String(40), ForeignKey("applications.id"), nullable=False),
    Column("user_identifier", String(255), nullable=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("state", String(16), nullable=False),
    Column("short_id", String(32), nullable=False, unique=True),
    Column("item_count", Integer, nullable=False, default=0),
    Column("created_at", BigInteger, nullable=False),
    Column("last_activity_at", BigInteger, nullable=False, index=True),
    Index("ix_boards_owner", "application_id", "user_identifier"),
)

# The files of transfers and of boards share one table and one upload machinery;
# exactly one of transfer_id / board_id is set.
files = Table(
    "files",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("transfer_id", String(64), ForeignKey("transfers.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("board_id", String(64), ForeignKey("boards.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("chunk_size", BigInteger, nullable=False),
    Column("part_numbers", Integer, nullable=False),
    Column("multipart_id", String(200), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("completed_at", BigInteger, nullable=True),
)

upload_parts = Table(
    "upload_parts",
    metadata,
    Column("file_id", String(64), ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
    Column("part_number", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("uploaded_at", BigInteger, nullable=False),
)

board_links = Table(
    "board_links",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("board_id", String(64), ForeignKey("boards.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("board_id", "position", name="uq_board_links_position"),
)
