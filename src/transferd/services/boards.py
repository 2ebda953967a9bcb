"""Boards: create, add links, add files (uploaded with the transfers' part machinery), complete a
file, read; and the sweep of idle boards.

A board has no finalize and no fixed lifetime: it is ``downloadable`` from creation, takes new
items at any time, and lives while it is used. Every API access that reaches a board (as its
owner) counts as activity; one idle for ``settings.board_idle_lifetime_seconds`` (90 days) is
gone: the API answers 410 at once, and the sweeper deletes its items and bytes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from transferd import ids
from transferd.auth.guard import Principal
from transferd.clock import Clock
from transferd.errors import (
    BoardNotFound,
    ChunksMissing,
    FileComplete,
    FileNotFound,
    Gone,
    UploadUrlRejected,
    ValidationFailed,
)
from transferd.services.filenames import parse_file_specs
from transferd.services.ownership import visible_to
from transferd.services.transfers import render_file
from transferd.services.uploads import UploadService, parse_part_number
from transferd.settings import Settings
from transferd.store.boards import EXPIRED, BoardGone, BoardRecord, BoardStore, LinkRecord
from transferd.store.files import FileRecord, FileStore

log = logging.getLogger("transferd.boards")

BOARD_CHUNK_SIZE = 6 * 1024 * 1024  # 6291456; the Ruby SDK slices board files at 6 MiB whatever we say
MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 10_000
MAX_LINK_URL_LENGTH = 2000
MAX_LINK_TITLE_LENGTH = 2980
COMPLETE_MESSAGE = "File is marked as complete."
GONE_MESSAGE = "Gone: this board was deleted after a long time without activity"


# Control characters (category Cc: C0, DEL and C1; NUL cannot be stored at all) and the bidi
# embedding, override and isolate controls, which make "invoice\u202efdp.exe" display as
# "invoiceexe.pdf" on the board page and in every client. Multi-line text keeps tab, LF and CR.
_INVALID_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_INVALID_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _check_text(value: str, field: str, *, multiline: bool = False) -> None:
    """Refuse control and bidi control characters (above) and what no database column can hold:
    lone surrogates (which JSON allows)."""
    if (_INVALID_IN_TEXT if multiline else _INVALID_IN_LINE).search(value):
        raise ValidationFailed(f'"{field}" contains invalid characters')
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed(f'"{field}" contains invalid characters') from None


def _string(value: object, field: str, max_length: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(f'"{field}" must be a string')
    if len(value) > max_length:
        raise ValidationFailed(f'"{field}" length must be less than or equal to {max_length} characters long')
    _check_text(value, field, multiline=multiline)
    return value


def parse_board(body: Any) -> tuple[str, str | None]:
    """``{"name", "description"}`` as clients send it: the name, and the description or None."""
    if not isinstance(body, dict):
        raise ValidationFailed('"board" must be an object')
    if body.get("name") is None:
        raise ValidationFailed('"board.name" is required')
    name = _string(body["name"], "board.name", MAX_NAME_LENGTH)
    if not name.strip():
        raise ValidationFailed('"board.name" is not allowed to be empty')
    description = body.get("description")
    if description is None or description == "":
        return name, None  # live, "" came back as null
    return name, _string(description, "board.description", MAX_DESCRIPTION_LENGTH, multiline=True)


def parse_links(raw: Any, max_links: int) -> list[tuple[str, str]]:
    """A bare array of ``{"url", "title"}``: ``(url, title)`` pairs, the title defaulting to the url."""
    if not isinstance(raw, list):
        raise ValidationFailed('"board.links" must be an array')
    if not raw:
        raise ValidationFailed('"board.links" must contain at least 1 items')
    if len(raw) > max_links:
        raise ValidationFailed(f'"board.links" must contain less than or equal to {max_links} items')
    links: list[tuple[str, str]] = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValidationFailed(f'"board.links" position {position} must be an object')
        if item.get("url") is None:
            raise ValidationFailed('"board.links.url" is required')
        url = _string(item["url"], "board.links.url", MAX_LINK_URL_LENGTH)
        if not url.strip():
            raise ValidationFailed('"board.links.url" is not allowed to be empty')
        title = item.get("title")
        if title is None or title == "":
            title = url
        links.append((url, _string(title, "board.links.title", MAX_LINK_TITLE_LENGTH)))
    return links


@dataclass(frozen=True)
class BoardView:
    board: BoardRecord
    files: list[FileRecord]
    links: list[LinkRecord]


class BoardService:
    def __init__(
        self,
        store: BoardStore,
        files: FileStore,
        uploads: UploadService,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.store = store
        self.files = files
        self.uploads = uploads
        self.clock = clock
        self.settings = settings
        uploads.gates["board"] = self._accepts_parts

    async def _accepts_parts(self, record: FileRecord) -> None:
        board = await self.store.get(record.container_id)
        if board is None or self.expired(board):
            raise UploadUrlRejected("Forbidden: Request has expired; the board is gone")

    # -- reading ---------------------------------------------------------------------------

    def expired(self, board: BoardRecord) -> bool:
        idle_since = self.clock.now() - self.settings.board_idle_lifetime_seconds
        return board.state == EXPIRED or board.last_activity_at < idle_since

    async def owned(self, principal: Principal, board_id: str) -> BoardRecord:
        """The caller's live board, touched (every API access is activity). 404 for an unknown or
        foreign board alike (decision D5), 410 for one deleted after going idle."""
        board = await self.store.get(board_id)
        if board is None or not visible_to(principal, board.application_id, board.user_identifier):
            raise BoardNotFound()
        if self.expired(board):
            raise Gone(GONE_MESSAGE)
        now = self.clock.now()
        if not await self.store.touch(board.id, now):
            raise Gone(GONE_MESSAGE)
        return replace(board, last_activity_at=now)

    async def view(self, board: BoardRecord) -> BoardView:
        contents = await self.store.contents(board.id)
        return BoardView(board, contents.files, contents.links)

    async def owned_file(self, principal: Principal, board_id: str, file_id: str) -> tuple[BoardRecord, FileRecord]:
        board = await self.owned(principal, board_id)
        record = await self.files.get(file_id)
        if record is None or record.board_id != board.id:
            raise FileNotFound()
        return board, record

    # -- writing ---------------------------------------------------------------------------

    async def create(self, principal: Principal, body: Any) -> BoardView:
        name, description = parse_board(body)
        now = self.clock.now()
        board = BoardRecord(
            id=ids.board_id(now),
            application_id=principal.application_id,
            user_identifier=principal.user_identifier,
            name=name,
            description=description,
            state="downloadable",  # as recorded live; the URL works from the start
            short_id=ids.short_id(),
            item_count=0,
            created_at=now,
            last_activity_at=now,
        )
        await self.store.create(board)
        return BoardView(board, [], [])

    def _check_room(self, items_before: int, adding: int) -> None:
        """A board's page and GET list every item: their number is capped (max_board_items)."""
        cap = self.settings.max_board_items
        if items_before + adding > cap:
            raise ValidationFailed(
                f'"board.items" must contain less than or equal to {cap} items ({items_before} already added)'
            )

    async def add_links(self, board: BoardRecord, body: Any) -> list[LinkRecord]:
        links = parse_links(body, self.settings.max_files_per_transfer)
        now = self.clock.now()

        def build(_taken: frozenset[str], start: int) -> list[LinkRecord]:
            self._check_room(start, len(links))
            return [
                LinkRecord(
                    id=ids.board_id(now),
                    board_id=board.id,
                    position=start + offset,
                    url=url,
                    title=title,
                    created_at=now,
                )
                for offset, (url, title) in enumerate(links)
            ]

        try:
            return await self.store.add_links(board.id, now, build)
        except BoardGone:
            raise Gone(GONE_MESSAGE) from None

    async def add_files(self, board: BoardRecord, body: Any) -> list[FileRecord]:
        now = self.clock.now()

        def build(taken: frozenset[str], start: int, held: int) -> list[FileRecord]:
            # Validated under the board's lock, so a name taken, or bytes added, by a concurrent call
            # are seen. The cap counts every file ever added to the board, uploaded or not.
            if isinstance(body, list):
                self._check_room(start, len(body))
            specs = parse_file_specs(
                body,
                field="board.files",
                nominal_chunk=BOARD_CHUNK_SIZE,
                max_name_length=self.settings.max_file_name_length,
                max_files=self.settings.max_files_per_transfer,
                taken_names=taken,
                max_total_size=self.settings.max_board_bytes,
                size_before=held,
            )
            return [
                FileRecord(
                    id=ids.board_id(now),
                    transfer_id=None,
                    board_id=board.id,
                    position=start + offset,
                    name=spec.name,
                    size=spec.size,
                    chunk_size=spec.chunk_size,
                    part_numbers=spec.part_numbers,
                    multipart_id=ids.multipart_id(),
                    created_at=now,
                    completed_at=None,
                )
                for offset, spec in enumerate(specs)
            ]

        try:
            return await self.store.add_files(board.id, now, build)
        except BoardGone:
            raise Gone(GONE_MESSAGE) from None

    async def upload_url(
        self, principal: Principal, board_id: str, file_id: str, raw_part: str, multipart_id: str | None
    ) -> str:
        _board, record = await self.owned_file(principal, board_id, file_id)
        if not multipart_id:
            raise ValidationFailed('"multipart_upload_id" is required (.../upload-url/{part_number}/{multipart.id})')
        if multipart_id != record.multipart_id:
            raise FileNotFound("File not found: no upload with this multipart id")
        part_number = parse_part_number(raw_part, record.part_numbers)
        if record.completed_at is not None:
            raise FileComplete()
        return self.uploads.presign(record, part_number, principal.api_key_id)

    async def complete_file(self, principal: Principal, board_id: str, file_id: str) -> FileRecord:
        """Check the parts, join them and mark the file complete (boards have no finalize).
        A repeat answers the same (decision D14)."""
        _board, record = await self.owned_file(principal, board_id, file_id)
        if record.completed_at is not None:
            return record
        try:
            # Under the file's lock, the one a part PUT holds while it makes its part visible (as
            # for transfers): a part still arriving is either counted or refused, never swapped in
            # after the check, nor written into the parts directory the join removes.
            await self.uploads.complete(record, join=True)
        except ChunksMissing as missing:
            if len(missing.missing) == record.part_numbers:
                raise ValidationFailed("expected at least 1 part") from None
            raise
        return record

    # -- sweeping --------------------------------------------------------------------------

    async def sweep_idle(self) -> None:
        """Sweep job: expire boards idle past their lifetime, then delete their items and bytes
        (bytes first, so a failed run leaves rows behind and is simply retried)."""
        cutoff = self.clock.now() - self.settings.board_idle_lifetime_seconds
        for board_id in await self.store.expire_idle(cutoff):
            log.info("idle board %s expired", board_id)
        for board_id in await self.store.unpurged():
            await self.uploads.blobs.delete_prefix(board_id)
            await self.store.purge_items(board_id)
            log.info("expired board %s deleted", board_id)


def render_link(link: LinkRecord) -> dict[str, Any]:
    return {"id": link.id, "url": link.url, "meta": {"title": link.title}, "type": "link"}


def board_url(board: BoardRecord, base_url: str) -> str:
    return f"{base_url}/b/{board.short_id}"


def render_board(view: BoardView, base_url: str) -> dict[str, Any]:
    board = view.board
    items = sorted(
        [(record.position, render_file(record)) for record in view.files]
        + [(link.position, render_link(link)) for link in view.links],
        key=lambda item: item[0],
    )
    return {
        "success": True,
        "id": board.id,
        "state": board.state,
        "url": board_url(board, base_url),
        "name": board.name,
        "description": board.description,
        "items": [item for _position, item in items],
    }
