"""``LocalBlobStore``: parts and objects as files under ``<data dir>/blobs``.

Writes go to a temporary file in the same directory, are fsynced, then renamed into place, so a
reader sees either the old complete part or the new complete part, never a torn one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

from transferd.blobs.base import CommitGuard, PartDiscarded, PartTooLarge, StoredPart

_READ_CHUNK = 1024 * 1024
_WRITE_BUFFER = 1024 * 1024


def _append(source: BinaryIO, target: BinaryIO) -> None:
    """Copy ``source`` to the end of ``target`` in the kernel when it can (copy_file_range)."""
    target.flush()
    size = os.fstat(source.fileno()).st_size
    copied = 0
    try:
        while copied < size:
            done = os.copy_file_range(source.fileno(), target.fileno(), size - copied)
            if done == 0:
                break
            copied += done
    except OSError:  # e.g. a filesystem or kernel without it: fall back to a plain copy
        pass
    if copied < size:
        source.seek(copied)
        target.seek(0, os.SEEK_END)
        shutil.copyfileobj(source, target, _READ_CHUNK)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError("blob key escapes the store")
        return path

    def _part_path(self, upload: str, part_number: int) -> Path:
        return self._path(f"{upload}/parts/{part_number:05d}")

    async def put_part(
        self,
        upload: str,
        part_number: int,
        body: AsyncIterator[bytes],
        *,
        max_size: int,
        commit: CommitGuard | None = None,
    ) -> StoredPart:
        final = self._part_path(upload, part_number)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            handle = await anyio.to_thread.run_sync(lambda: temp.open("wb"))
        except FileNotFoundError:
            # The parts directory went away since the mkdir: the upload was joined (or deleted).
            raise PartDiscarded() from None

        def write(data: bytes) -> None:
            # Hashing here, off the event loop (hashlib releases the GIL on large buffers).
            digest.update(data)
            handle.write(data)

        pending: list[bytes] = []
        pending_size = 0
        try:
            async for chunk in body:
                size += len(chunk)
                if size > max_size:
                    raise PartTooLarge()
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size >= _WRITE_BUFFER:
                    data = b"".join(pending)
                    pending, pending_size = [], 0
                    await anyio.to_thread.run_sync(write, data)
            data = b"".join(pending)

            def flush() -> None:
                write(data)
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()

            def publish() -> None:
                try:
                    os.replace(temp, final)
                except FileNotFoundError:
                    # The parts directory, this temporary file with it, was removed while the body
                    # arrived: the upload was joined (or deleted).
                    raise PartDiscarded() from None
                _fsync_dir(final.parent)

            await anyio.to_thread.run_sync(flush)
            stored = StoredPart(size=size, etag=digest.hexdigest())
            if commit is None:
                await anyio.to_thread.run_sync(publish)
            else:
                async with commit(stored):
                    await anyio.to_thread.run_sync(publish)
        except BaseException:
            handle.close()
            temp.unlink(missing_ok=True)
            raise
        return stored

    async def complete(self, upload: str, parts: list[int], key: str) -> int:
        target = self._path(key)
        sources = [self._part_path(upload, n) for n in parts]

        def join() -> int:
            if target.exists() and not any(p.exists() for p in sources):
                return target.stat().st_size  # already completed
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            try:
                with temp.open("wb") as out:
                    for source in sources:
                        with source.open("rb") as part:
                            _append(part, out)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp, target)
                _fsync_dir(target.parent)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
            shutil.rmtree(self._path(f"{upload}/parts"), ignore_errors=True)
            return target.stat().st_size

        return await anyio.to_thread.run_sync(join)

    async def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(key)
        handle = await anyio.to_thread.run_sync(lambda: path.open("rb"))
        try:
            handle.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                want = _READ_CHUNK if remaining is None else min(_READ_CHUNK, remaining)
                chunk = await anyio.to_thread.run_sync(handle.read, want)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix)
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(path, ignore_errors=True))
