"""The upload machinery shared by transfers and boards: pre-signed part URLs, receiving parts,
checking a file's parts at completion, and joining them into one object."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from transferd.blobs import BlobStore, PartDiscarded, PartTooLarge, StoredPart
from transferd.clock import Clock
from transferd.errors import (
    BadRequest,
    ChunkNumberInvalid,
    ChunksMissing,
    PayloadTooLarge,
    UploadUrlRejected,
    ValidationFailed,
)
from transferd.store.files import FileRecord, FileStore
from transferd.store.keys import ApiKeyStore

# Called with a file before one of its parts is accepted; raises UploadUrlRejected when the file's
# transfer or board no longer takes parts (finalized, expired, file already complete).
PartGate = Callable[[FileRecord], Awaitable[None]]


def parse_part_number(raw: str, part_numbers: int) -> int:
    """A path segment as a part number: ``0`` is 417 (1-based), anything else invalid is 400."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise BadRequest(f"Invalid part number {raw[:20]!r}: part numbers are whole numbers from 1")
    number = int(raw)
    if number == 0:
        raise ChunkNumberInvalid()
    if number > part_numbers:
        raise BadRequest(f"Part number {number} is out of range: this file has {part_numbers} parts")
    return number


class UploadService:
    def __init__(
        self,
        files: FileStore,
        blobs: BlobStore,
        clock: Clock,
        *,
        keys: ApiKeyStore,
        secret: bytes,
        base_url: str,
        lifetime: int,
    ) -> None:
        self.files = files
        self.keys = keys
        self.blobs = blobs
        self.clock = clock
        self._secret = secret
        self.base_url = base_url
        self.lifetime = lifetime
        self.gates: dict[str, PartGate] = {}
        self._file_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def file_lock(self, file_id: str) -> asyncio.Lock:
        """The lock under which a file's parts are made visible and the file is completed, so a
        part still arriving at completion is either counted or refused, never swapped in after
        the check. (One server process; the entry goes away when nobody holds the lock.)"""
        lock = self._file_locks.get(file_id)
        if lock is None:
            lock = self._file_locks[file_id] = asyncio.Lock()
        return lock

    async def target(self, file_id: str, part_number: int, api_key_id: str | None = None) -> FileRecord:
        """The file a signed part URL points at, if it still accepts that part and the API key
        that asked for the URL (``api_key_id``, from the signed URL) is not revoked."""
        if api_key_id is not None:
            key = await self.keys.get(api_key_id)
            if key is None or key.revoked:
                raise UploadUrlRejected("Forbidden: the API key that requested this URL has been revoked")
        record = await self.files.get(file_id)
        if record is None or part_number < 1 or part_number > record.part_numbers:
            raise UploadUrlRejected()
        if record.completed_at is not None:
            raise UploadUrlRejected("Forbidden: this file is complete and takes no more parts")
        await self.gates["transfer" if record.transfer_id else "board"](record)
        return record

    def _signature(self, file_id: str, part_number: int, api_key_id: str, expires: int) -> str:
        message = f"part-upload\n{file_id}\n{part_number}\n{api_key_id}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def presign(self, record: FileRecord, part_number: int, api_key_id: str) -> str:
        """A URL for one part, valid ``lifetime`` seconds and while ``api_key_id`` is not revoked."""
        expires = self.clock.now() + self.lifetime
        signature = self._signature(record.id, part_number, api_key_id, expires)
        query = urlencode({"key": api_key_id, "expires": expires, "signature": signature})
        return f"{self.base_url}/upload/{record.id}/{part_number}?{query}"

    def check_signature(
        self, file_id: str, part_number: int, api_key_id: str | None, expires: str | None, signature: str | None
    ) -> None:
        """Validity is checked when the request starts (a slow body may finish after expiry)."""
        if not api_key_id or not expires or not signature or not expires.isascii() or not expires.isdigit():
            raise UploadUrlRejected()
        if len(expires) > 12:
            raise UploadUrlRejected()
        if len(api_key_id) > 64 or "\n" in api_key_id:
            raise UploadUrlRejected()
        expected = self._signature(file_id, part_number, api_key_id, int(expires))
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise UploadUrlRejected()
        if int(expires) < self.clock.now():
            raise UploadUrlRejected("Forbidden: Request has expired; request a new upload URL")

    async def receive_part(
        self,
        record: FileRecord,
        part_number: int,
        body: AsyncIterator[bytes],
        declared_length: int | None,
        api_key_id: str | None = None,
    ) -> StoredPart:
        slot = record.part_size(part_number)
        if declared_length is not None and declared_length > slot:
            raise PayloadTooLarge(f"Part {part_number} may hold at most {slot} bytes")

        @asynccontextmanager
        async def commit(stored: StoredPart) -> AsyncIterator[None]:
            async with self.file_lock(record.id):
                # Checked again now that the body is in: the file may have been completed, or its
                # transfer finalized or expired, or its key revoked, while the bytes were arriving
                # (403, nothing stored).
                await self.target(record.id, part_number, api_key_id)
                yield
                await self.files.record_part(record.id, part_number, stored.size, stored.etag, self.clock.now())

        try:
            return await self.blobs.put_part(record.upload_key, part_number, body, max_size=slot, commit=commit)
        except PartTooLarge:
            raise PayloadTooLarge(f"Part {part_number} may hold at most {slot} bytes") from None
        except PartDiscarded:
            # The parts were joined (or deleted) while the body arrived: once the completion holding
            # the lock is done, the file tells why it takes no more parts (403, nothing stored).
            async with self.file_lock(record.id):
                await self.target(record.id, part_number)
            raise UploadUrlRejected() from None

    async def complete(self, record: FileRecord, *, join: bool = False) -> None:
        """Check the parts (``check_complete``), with ``join`` join them (boards), and mark the file
        complete, all under the file's lock. Completing a complete file does nothing."""
        async with self.file_lock(record.id):
            current = await self.files.get(record.id)
            if current is not None and current.completed_at is not None:
                return
            await self.check_complete(record)
            if join:
                await self.join(record)
            await self.files.mark_complete(record.id, self.clock.now())

    async def check_complete(self, record: FileRecord) -> None:
        """Every part present with exactly its slot's size, adding up to the declared size."""
        parts = {part.part_number: part for part in await self.files.parts(record.id)}
        wrong = [n for n, part in parts.items() if part.size != record.part_size(n)]
        if wrong:
            found = sum(part.size for part in parts.values())
            details = ", ".join(f"part {n} holds {parts[n].size} bytes, not {record.part_size(n)}" for n in wrong)
            raise ValidationFailed(f"Expected {found} to be {record.size} ({details})")
        missing = [n for n in range(1, record.part_numbers + 1) if n not in parts]
        if missing:
            raise ChunksMissing(missing)

    async def join(self, record: FileRecord) -> None:
        """Join the parts into the file's object (idempotent)."""
        size = await self.blobs.complete(record.upload_key, list(range(1, record.part_numbers + 1)), record.object_key)
        if size != record.size:
            raise RuntimeError(f"file {record.id} joined to {size} bytes, expected {record.size}")
