"""Sources of bytes for uploads (paths, bytes, file objects) and the parallel part uploader
shared by transfers and boards."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import httpx

from transferd.client.errors import ApiError, TransportError, error_for

if TYPE_CHECKING:
    from transferd.client._client import Client

FileInput = str | os.PathLike[str] | tuple[str, bytes | IO[bytes]]
Progress = Callable[[int, int], None]


@dataclass
class Source:
    """One file to send: its name, its size, and a way to read any byte range of it."""

    name: str
    size: int
    _path: Path | None = None
    _data: bytes | None = None
    _handle: IO[bytes] | None = None
    _lock: threading.Lock | None = None

    @classmethod
    def of(cls, item: FileInput) -> Source:
        if isinstance(item, tuple):
            name, content = item
            if isinstance(content, bytes):
                return cls(name=name, size=len(content), _data=content)
            content.seek(0, os.SEEK_END)
            size = content.tell()
            return cls(name=name, size=size, _handle=content, _lock=threading.Lock())
        path = Path(item)
        return cls(name=path.name, size=path.stat().st_size, _path=path)

    def read(self, offset: int, length: int) -> bytes:
        if self._data is not None:
            return self._data[offset : offset + length]
        if self._path is not None:
            with self._path.open("rb") as handle:
                handle.seek(offset)
                return handle.read(length)
        assert self._handle is not None and self._lock is not None
        with self._lock:
            self._handle.seek(offset)
            return self._handle.read(length)


@dataclass(frozen=True)
class PartJob:
    """Upload part ``part_number`` of ``source``; ``url_for`` fetches a fresh pre-signed URL."""

    source: Source
    part_number: int
    offset: int
    length: int
    url_for: Callable[[], str]


def part_jobs(source: Source, remote: dict[str, Any], url_for: Callable[[int], str]) -> list[PartJob]:
    """One job per part of ``remote`` (a file as the server described it), sliced by its
    ``chunk_size``; ``url_for(part_number)`` fetches a fresh upload URL."""
    chunk = remote["multipart"]["chunk_size"]
    return [
        PartJob(
            source=source,
            part_number=number,
            offset=(number - 1) * chunk,
            length=min(chunk, source.size - (number - 1) * chunk),
            url_for=functools.partial(url_for, number),
        )
        for number in range(1, remote["multipart"]["part_numbers"] + 1)
    ]


def put_part(http: httpx.Client, url: str, data: bytes) -> None:
    try:
        response = http.put(url, content=data)
    except httpx.HTTPError as exc:
        raise TransportError(f"PUT part: {type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        try:
            message = str(response.json().get("message"))
        except ValueError:
            message = response.reason_phrase
        raise error_for(response.status_code, message)


def upload_parts(
    client: Client, jobs: Sequence[PartJob], *, concurrency: int, retries: int, progress: Progress | None
) -> None:
    """Send every part, ``concurrency`` at a time; a failed part is retried with a fresh URL."""
    total = sum(job.length for job in jobs)
    sent = 0
    lock = threading.Lock()

    def run(job: PartJob) -> None:
        nonlocal sent
        data = job.source.read(job.offset, job.length)
        for attempt in range(retries + 1):
            try:
                put_part(client.http, job.url_for(), data)
                break
            except (TransportError, ApiError) as exc:
                retryable = isinstance(exc, TransportError) or exc.status >= 500 or exc.status in (403, 429)
                if not retryable or attempt == retries:
                    raise
                time.sleep(min(0.2 * 2**attempt, 5.0))
        with lock:
            sent += job.length
            if progress is not None:
                progress(sent, total)

    if progress is not None:
        progress(0, total)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for future in [pool.submit(run, job) for job in jobs]:
            future.result()
