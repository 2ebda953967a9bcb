"""Transfers: create, upload URLs, file completion, finalize (lock, then join files), read."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from transferd import ids
from transferd.auth.guard import Principal
from transferd.clock import Clock
from transferd.errors import (
    FileComplete,
    FileNotFound,
    Gone,
    TransferLocked,
    TransferNotFound,
    UploadUrlRejected,
    ValidationFailed,
)
from transferd.services.filenames import parse_file_specs
from transferd.services.ownership import visible_to
from transferd.services.uploads import UploadService, parse_part_number
from transferd.settings import Settings
from transferd.store.files import FileRecord, FileStore
from transferd.store.transfers import TransferRecord, TransferStore
from transferd.text import refuse_unstorable

log = logging.getLogger("transferd.transfers")

TRANSFER_CHUNK_SIZE = 5 * 1024 * 1024
MAX_MESSAGE_LENGTH = 10_000


def iso8601(timestamp: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


@dataclass(frozen=True)
class TransferView:
    transfer: TransferRecord
    files: list[FileRecord]


class TransferService:
    def __init__(
        self,
        store: TransferStore,
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
        self._background: set[asyncio.Task[None]] = set()
        self._processing: set[str] = set()
        uploads.gates["transfer"] = self._accepts_parts

    async def _accepts_parts(self, record: FileRecord) -> None:
        transfer = await self.store.get(record.container_id)
        if transfer is None or self.expired(transfer):
            raise UploadUrlRejected("Forbidden: Request has expired; the transfer is gone")
        if transfer.state != "uploading":
            raise UploadUrlRejected(f"Forbidden: the transfer is finalized (state: {transfer.state})")

    # -- reading ---------------------------------------------------------------------------

    async def owned(self, principal: Principal, transfer_id: str) -> TransferRecord:
        transfer = await self.store.get(transfer_id)
        if transfer is None or not visible_to(principal, transfer.application_id, transfer.user_identifier):
            raise TransferNotFound()
        if self.expired(transfer):
            raise Gone("Gone: this transfer has expired and its files were removed")
        return transfer

    def expired(self, transfer: TransferRecord) -> bool:
        return transfer.state == "expired" or transfer.expires_at < self.clock.now()

    async def view(self, transfer: TransferRecord) -> TransferView:
        return TransferView(transfer, await self.files.for_transfer(transfer.id))

    async def get(self, principal: Principal, transfer_id: str) -> TransferView:
        return await self.view(await self.owned(principal, transfer_id))

    async def owned_file(
        self, principal: Principal, transfer_id: str, file_id: str
    ) -> tuple[TransferRecord, FileRecord]:
        transfer = await self.owned(principal, transfer_id)
        record = await self.files.get(file_id)
        if record is None or record.transfer_id != transfer.id:
            raise FileNotFound("Invalid transfer or file id")
        return transfer, record

    # -- writing ---------------------------------------------------------------------------

    async def create(self, principal: Principal, body: Any) -> TransferView:
        if not isinstance(body, dict):
            raise ValidationFailed('"transfer" must be an object')
        message = body.get("message", "")
        if message is None:
            message = ""
        if not isinstance(message, str):
            raise ValidationFailed('"transfer.message" must be a string')
        if len(message) > MAX_MESSAGE_LENGTH:
            raise ValidationFailed(
                f'"transfer.message" length must be less than or equal to {MAX_MESSAGE_LENGTH} characters long'
            )
        refuse_unstorable(message, "transfer.message")
        if "files" not in body:
            raise ValidationFailed('"transfer.files" is required')
        specs = parse_file_specs(
            body["files"],
            field="transfer.files",
            nominal_chunk=TRANSFER_CHUNK_SIZE,
            max_name_length=self.settings.max_file_name_length,
            max_files=self.settings.max_files_per_transfer,
            max_total_size=self.settings.max_transfer_bytes,
        )
        total = sum(spec.size for spec in specs)
        now = self.clock.now()
        transfer = TransferRecord(
            id=ids.transfer_id(now),
            application_id=principal.application_id,
            user_identifier=principal.user_identifier,
            message=message,
            state="uploading",
            short_id=ids.short_id(),
            total_size=total,
            created_at=now,
            expires_at=now + self.settings.transfer_lifetime_seconds,
            finalized_at=None,
        )
        records = [
            FileRecord(
                id=ids.transfer_id(now),
                transfer_id=transfer.id,
                board_id=None,
                position=position,
                name=spec.name,
                size=spec.size,
                chunk_size=spec.chunk_size,
                part_numbers=spec.part_numbers,
                multipart_id=None,
                created_at=now,
                completed_at=None,
            )
            for position, spec in enumerate(specs)
        ]
        await self.store.create(transfer, records)
        return TransferView(transfer, records)

    def _require_open(self, transfer: TransferRecord) -> None:
        if transfer.state != "uploading":
            raise TransferLocked(TransferLocked.default_message.format(state=transfer.state))

    async def upload_url(self, principal: Principal, transfer_id: str, file_id: str, raw_part: str) -> str:
        transfer, record = await self.owned_file(principal, transfer_id, file_id)
        part_number = parse_part_number(raw_part, record.part_numbers)
        self._require_open(transfer)
        if record.completed_at is not None:
            # Its URL could only be refused: upload-complete checked the bytes, they stay as they are.
            raise FileComplete("File is complete; it takes no more parts")
        return self.uploads.presign(record, part_number, principal.api_key_id)

    async def complete_file(self, principal: Principal, transfer_id: str, file_id: str, body: Any) -> FileRecord:
        transfer, record = await self.owned_file(principal, transfer_id, file_id)
        declared = body.get("part_numbers") if isinstance(body, dict) else None
        if body is not None and not isinstance(body, dict):
            raise ValidationFailed('"upload" must be an object')
        if declared is not None:
            # An integer; a numeric string is tolerated (decision D15).
            if isinstance(declared, str) and declared.isascii() and declared.isdigit():
                declared = int(declared)
            if type(declared) is not int:
                raise ValidationFailed('"part_numbers" must be a number')
            if declared != record.part_numbers:
                raise ValidationFailed(f"Expected part_numbers {declared} to be {record.part_numbers}")
        if record.completed_at is not None:
            return record  # a retried PUT gets the same answer (decision D14)
        self._require_open(transfer)
        await self.uploads.complete(record)
        return record

    async def finalize(self, principal: Principal, transfer_id: str) -> TransferView:
        transfer = await self.owned(principal, transfer_id)
        if transfer.state == "uploading":
            records = await self.files.for_transfer(transfer.id)
            incomplete = [record.name for record in records if record.completed_at is None]
            if incomplete:
                raise ValidationFailed("Transfer can't be finalized, files are not complete: " + ", ".join(incomplete))
            now = self.clock.now()
            if await self.store.move_state(transfer.id, from_states=("uploading",), to_state="processing", now=now):
                self.start_processing(transfer.id)
                # The call that locked the transfer answers "processing" (as the docs show right after
                # finalize), even when the background join has already finished.
                return await self.view(replace(transfer, state="processing", finalized_at=now))
            transfer = await self.owned(principal, transfer_id)
        return await self.view(transfer)

    # -- processing ------------------------------------------------------------------------

    def start_processing(self, transfer_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self.process(transfer_id))
        self._background.add(task)
        self._processing.add(transfer_id)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(lambda _task: self._processing.discard(transfer_id))

    async def process(self, transfer_id: str) -> None:
        """Join every file's parts, then make the transfer downloadable. Safe to run again."""
        try:
            for record in await self.files.for_transfer(transfer_id):
                await self.uploads.join(record)
            await self.store.move_state(
                transfer_id, from_states=("processing",), to_state="downloadable", now=self.clock.now()
            )
        except Exception:
            log.exception("processing transfer %s failed; the sweeper will retry", transfer_id)

    async def resume_processing(self) -> None:
        """Sweep job: finish transfers whose processing was interrupted (e.g. by a restart)."""
        for transfer in await self.store.in_state("processing"):
            if transfer.id not in self._processing:
                self.start_processing(transfer.id)

    async def sweep_expired(self) -> None:
        """Sweep job: delete the bytes of expired transfers; their rows stay to answer 410."""
        for transfer in await self.store.expired_unswept(self.clock.now()):
            await self.uploads.blobs.delete_prefix(transfer.id)
            await self.store.move_state(
                transfer.id,
                from_states=("uploading", "processing", "downloadable"),
                to_state="expired",
                now=self.clock.now(),
            )
            log.info("expired transfer %s deleted", transfer.id)

    async def wait_idle(self) -> None:
        """Let running background work finish (tests and shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)


def render_transfer(view: TransferView, base_url: str) -> dict[str, Any]:
    transfer = view.transfer
    return {
        "success": True,
        "id": transfer.id,
        "state": transfer.state,
        "message": transfer.message,
        "url": None if transfer.state == "uploading" else f"{base_url}/t/{transfer.short_id}",
        "files": [render_file(record) for record in view.files],
        "expires_at": iso8601(transfer.expires_at),
    }


def render_file(record: FileRecord) -> dict[str, Any]:
    multipart: dict[str, Any] = {"part_numbers": record.part_numbers, "chunk_size": record.chunk_size}
    if record.multipart_id is not None:
        multipart = {"id": record.multipart_id, **multipart}
    return {"id": record.id, "name": record.name, "size": record.size, "multipart": multipart, "type": "file"}
