"""The storage interface every backend implements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredPart:
    size: int
    etag: str


class PartTooLarge(Exception):
    """The part's body is larger than its slot; nothing was stored."""


class PartDiscarded(Exception):
    """The upload's parts were removed (joined, or deleted) while this part was being written;
    nothing was stored."""


# Entered once a part's whole body is durable in a temporary file; the part is made visible inside
# it. The caller re-checks there that the part is still wanted (raising leaves nothing stored) and
# records it, so "check, make visible, record" is one step against a concurrent completion.
CommitGuard = Callable[[StoredPart], AbstractAsyncContextManager[None]]


class BlobStore(Protocol):
    async def put_part(
        self,
        upload: str,
        part_number: int,
        body: AsyncIterator[bytes],
        *,
        max_size: int,
        commit: CommitGuard | None = None,
    ) -> StoredPart:
        """Store one part atomically (a half-written part is never visible; the last complete
        write wins) and durably (on disk before returning). Raises PartTooLarge past ``max_size``,
        PartDiscarded when the upload's parts are removed meanwhile. With ``commit``, the part
        becomes visible inside ``commit(stored)``."""
        ...

    async def complete(self, upload: str, parts: list[int], key: str) -> int:
        """Join the parts, in order, into the object ``key``; return its size. Idempotent."""
        ...

    async def size(self, key: str) -> int | None:
        """The object's size, or None when it does not exist."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A filesystem path for the object when the backend has one (lets downloads use sendfile)."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Stream bytes ``[start, end)`` of the object."""
        ...

    async def delete_prefix(self, prefix: str) -> None:
        """Delete every part and object under ``prefix`` (a container id)."""
        ...
