"""A zip archive written as it is sent: no temporary file, memory bounded by one chunk."""

from __future__ import annotations

import time
import zipfile
from collections.abc import AsyncIterator


class _Spool:
    """An unseekable sink: zipfile writes into it, and we hand out what it collected."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


async def zip_stream(members: list[tuple[str, int, AsyncIterator[bytes]]]) -> AsyncIterator[bytes]:
    """Yield a zip (stored, not compressed: shared files are mostly compressed already)."""
    spool = _Spool()
    archive = zipfile.ZipFile(spool, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True)  # type: ignore[call-overload]
    stamp = time.gmtime()[:6]
    for name, size, chunks in members:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.file_size = size
        info.compress_type = zipfile.ZIP_STORED
        with archive.open(info, mode="w", force_zip64=size >= 0x7FFFFFFF) as member:
            async for chunk in chunks:
                member.write(chunk)
                data = spool.drain()
                if data:
                    yield data
        data = spool.drain()
        if data:
            yield data
    archive.close()
    yield spool.drain()
