"""``LocalBlobStore``: atomic, durable parts; joining; keys that try to leave the store."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from transferd.blobs import LocalBlobStore, PartTooLarge, StoredPart

T = TypeVar("T")


def run(coroutine: Awaitable[T]) -> T:
    async def main() -> T:
        return await coroutine

    return asyncio.run(main())


async def body(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def failing_body(first: bytes) -> AsyncIterator[bytes]:
    yield first
    raise ConnectionResetError("client went away")


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def part_path(store: LocalBlobStore, upload: str, number: int) -> Path:
    return store.root / upload / "parts" / f"{number:05d}"


async def read_all(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


# -- parts -----------------------------------------------------------------------------------


def test_put_part_stores_the_bytes_and_answers_size_and_md5(store: LocalBlobStore) -> None:
    stored = run(store.put_part("t/f", 1, body(b"hello ", b"world"), max_size=11))

    assert stored == StoredPart(size=11, etag=hashlib.md5(b"hello world", usedforsecurity=False).hexdigest())
    assert part_path(store, "t/f", 1).read_bytes() == b"hello world"
    assert files_under(store.root) == [part_path(store, "t/f", 1)]


def test_put_part_is_durable_before_it_returns(store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file and its directory are fsynced, and the rename happens after the file's fsync."""
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync-file")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)

    run(store.put_part("t/f", 1, body(b"x" * 3_000_000), max_size=3_000_000))

    assert events == ["fsync-file", "rename", "fsync-dir"]


def test_a_new_write_replaces_the_old_one_whole(store: LocalBlobStore) -> None:
    run(store.put_part("t/f", 1, body(b"aaaa"), max_size=4))
    stored = run(store.put_part("t/f", 1, body(b"bb"), max_size=4))

    assert stored.size == 2
    assert part_path(store, "t/f", 1).read_bytes() == b"bb"


def test_a_part_over_its_slot_raises_and_leaves_nothing(store: LocalBlobStore) -> None:
    with pytest.raises(PartTooLarge):
        run(store.put_part("t/f", 1, body(b"12345", b"6"), max_size=5))

    assert files_under(store.root) == []


def test_a_part_over_its_slot_leaves_the_earlier_write(store: LocalBlobStore) -> None:
    run(store.put_part("t/f", 1, body(b"12345"), max_size=5))

    with pytest.raises(PartTooLarge):
        run(store.put_part("t/f", 1, body(b"abcdef"), max_size=5))

    assert files_under(store.root) == [part_path(store, "t/f", 1)]
    assert part_path(store, "t/f", 1).read_bytes() == b"12345"


def test_a_body_that_breaks_off_leaves_nothing(store: LocalBlobStore) -> None:
    """BL-32: a half-written part is never visible."""
    run(store.put_part("t/f", 2, body(b"old"), max_size=10))

    with pytest.raises(ConnectionResetError):
        run(store.put_part("t/f", 2, failing_body(b"new by"), max_size=10))

    assert files_under(store.root) == [part_path(store, "t/f", 2)]
    assert part_path(store, "t/f", 2).read_bytes() == b"old"


def test_the_commit_guard_sees_the_part_before_it_is_visible(store: LocalBlobStore) -> None:
    seen: list[tuple[StoredPart, bool]] = []

    @asynccontextmanager
    async def commit(stored: StoredPart) -> AsyncIterator[None]:
        seen.append((stored, part_path(store, "t/f", 1).exists()))
        yield
        seen.append((stored, part_path(store, "t/f", 1).exists()))

    stored = run(store.put_part("t/f", 1, body(b"abc"), max_size=3, commit=commit))

    assert seen == [(stored, False), (stored, True)]


def test_a_refusing_commit_guard_leaves_nothing(store: LocalBlobStore) -> None:
    run(store.put_part("t/f", 1, body(b"abc"), max_size=3))

    @asynccontextmanager
    async def refuse(_stored: StoredPart) -> AsyncIterator[None]:
        raise PermissionError("file completed meanwhile")
        yield  # pragma: no cover

    with pytest.raises(PermissionError):
        run(store.put_part("t/f", 1, body(b"xyz"), max_size=3, commit=refuse))

    assert files_under(store.root) == [part_path(store, "t/f", 1)]
    assert part_path(store, "t/f", 1).read_bytes() == b"abc"


def test_concurrent_writes_of_one_part_leave_one_whole_write(store: LocalBlobStore) -> None:
    versions = [bytes([n]) * 2_000_000 for n in range(8)]

    async def all_at_once() -> None:
        await asyncio.gather(
            *(store.put_part("t/f", 1, body(v[:1_000_000], v[1_000_000:]), max_size=2_000_000) for v in versions)
        )

    run(all_at_once())

    assert part_path(store, "t/f", 1).read_bytes() in versions
    assert files_under(store.root) == [part_path(store, "t/f", 1)]


# -- joining ---------------------------------------------------------------------------------


def put_parts(store: LocalBlobStore, upload: str, parts: Iterable[bytes]) -> None:
    for number, data in enumerate(parts, start=1):
        run(store.put_part(upload, number, body(data), max_size=len(data)))


def test_complete_joins_the_parts_in_order_and_removes_them(store: LocalBlobStore) -> None:
    put_parts(store, "t/f", [b"aa", b"bb", b"c"])

    size = run(store.complete("t/f", [1, 2, 3], "t/f/data"))

    assert size == 5
    assert (store.root / "t/f/data").read_bytes() == b"aabbc"
    assert files_under(store.root) == [store.root / "t/f/data"]


def test_complete_is_idempotent(store: LocalBlobStore) -> None:
    put_parts(store, "t/f", [b"aa", b"b"])
    run(store.complete("t/f", [1, 2], "t/f/data"))

    assert run(store.complete("t/f", [1, 2], "t/f/data")) == 3
    assert (store.root / "t/f/data").read_bytes() == b"aab"


def test_complete_after_an_interrupted_join_joins_again(store: LocalBlobStore) -> None:
    """A crash between writing the object and removing the parts: the parts win."""
    put_parts(store, "t/f", [b"aa", b"b"])
    (store.root / "t/f/data").write_bytes(b"half")

    assert run(store.complete("t/f", [1, 2], "t/f/data")) == 3
    assert (store.root / "t/f/data").read_bytes() == b"aab"


def test_complete_with_a_part_missing_raises_and_keeps_the_parts(store: LocalBlobStore) -> None:
    put_parts(store, "t/f", [b"aa"])

    with pytest.raises(FileNotFoundError):
        run(store.complete("t/f", [1, 2], "t/f/data"))

    assert files_under(store.root) == [part_path(store, "t/f", 1)]


def test_read_streams_a_range_and_size_reports(store: LocalBlobStore) -> None:
    put_parts(store, "t/f", [b"0123456789"])
    run(store.complete("t/f", [1], "t/f/data"))

    assert run(read_all(store.read("t/f/data"))) == b"0123456789"
    assert run(read_all(store.read("t/f/data", 2, 5))) == b"234"
    assert run(store.size("t/f/data")) == 10
    assert run(store.size("t/f/none")) is None


def test_delete_prefix_removes_a_container(store: LocalBlobStore) -> None:
    put_parts(store, "t1/f", [b"a"])
    put_parts(store, "t2/f", [b"b"])

    run(store.delete_prefix("t1"))
    run(store.delete_prefix("t1"))

    assert files_under(store.root) == [part_path(store, "t2/f", 1)]


# -- keys ------------------------------------------------------------------------------------

OBJECT_KEYS = ["..", "../x", "t/../../x", "/etc/passwd", "", ".", "t/..", "./../blobs2/x"]
UPLOAD_KEYS = ["..", "../x", "t/../../x", "/etc", "../../../tmp"]


@pytest.mark.parametrize("key", OBJECT_KEYS)
def test_an_object_key_outside_the_store_is_refused(store: LocalBlobStore, key: str) -> None:
    """The store's root itself counts as outside: nothing may replace or delete it whole."""
    operations: list[Callable[[], object]] = [
        lambda: store.local_path(key),
        lambda: run(store.size(key)),
        lambda: run(read_all(store.read(key))),
        lambda: run(store.delete_prefix(key)),
        lambda: run(store.complete("t/f", [1], key)),
    ]
    for operation in operations:
        with pytest.raises(ValueError, match="escapes the store"):
            operation()
    assert store.root.is_dir()


@pytest.mark.parametrize("upload", UPLOAD_KEYS)
def test_an_upload_outside_the_store_is_refused(store: LocalBlobStore, upload: str) -> None:
    with pytest.raises(ValueError, match="escapes the store"):
        run(store.put_part(upload, 1, body(b"x"), max_size=1))
    with pytest.raises(ValueError, match="escapes the store"):
        run(store.complete(upload, [1], "t/f/data"))

    assert files_under(store.root.parent) == []


def test_a_symlink_out_of_the_store_is_refused(store: LocalBlobStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.root / "t").symlink_to(outside)

    with pytest.raises(ValueError, match="escapes the store"):
        run(store.put_part("t/f", 1, body(b"x"), max_size=1))

    assert list(outside.iterdir()) == []
