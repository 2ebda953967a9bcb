"""One typed settings object, read from ``TRANSFERD_*`` environment variables.

Built once (by the CLI or a test) and passed down to ``create_app``; nothing else reads
the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSFERD_", extra="ignore")

    data_dir: Path = Field(default=Path("./transferd-data"), description="SQLite database, signing keys, blobs")
    database_url: str | None = Field(default=None, description="overrides the SQLite database in data_dir")
    public_url: str | None = Field(default=None, description="base of every URL handed out")
    token_issuer: str = "transferd"
    token_audience: str = "transferd-api"
    token_lifetime_seconds: int = 31_536_000
    token_leeway_seconds: int = 60
    max_json_body_bytes: int = 1024 * 1024
    max_header_bytes: int = 32 * 1024
    body_read_timeout_seconds: float = 30.0
    head_timeout_seconds: float = 20.0
    max_connections: int = 1000
    max_transfer_bytes: int = 2 * GIB
    max_board_bytes: int = 2 * GIB  # all files ever added to one board, inclusive
    max_board_items: int = 1000  # files and links of one board (its page lists them all)
    max_files_per_transfer: int = 1000
    max_file_name_length: int = 255
    transfer_lifetime_seconds: int = 7 * 24 * 3600
    board_idle_lifetime_seconds: int = 90 * 24 * 3600
    upload_url_lifetime_seconds: int = 3600
    sweep_interval_seconds: float = 300.0
    log_level: str = "info"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'transferd.sqlite3').resolve()}"

    @property
    def base_url(self) -> str:
        return (self.public_url or "http://127.0.0.1:8000").rstrip("/")
