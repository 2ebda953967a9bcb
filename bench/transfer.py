"""Benchmark: upload and download throughput of one large transfer through a real server on
loopback, as a ratio to writing and reading the same bytes straight to and from disk in the same
run, and the server's peak memory (RSS) meanwhile.

    .venv/bin/python bench/transfer.py [--size-mib 1024] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import peak_rss_mb, running_server
from transferd.client import Client, download

CHUNK = 8 * 1024 * 1024


def write_baseline(path: Path, size: int) -> float:
    """Write ``size`` random bytes with fsync; returns seconds (random generation excluded)."""
    spent = 0.0
    with path.open("wb") as out:
        remaining = size
        while remaining:
            block = os.urandom(min(CHUNK, remaining))
            started = time.perf_counter()
            out.write(block)
            spent += time.perf_counter() - started
            remaining -= len(block)
        started = time.perf_counter()
        out.flush()
        os.fsync(out.fileno())
        spent += time.perf_counter() - started
    return spent


def copy_baseline(source: Path, target: Path) -> tuple[float, float]:
    """Read ``source`` and write it to ``target`` with fsync: (read seconds, write seconds)."""
    read_s = write_s = 0.0
    with source.open("rb") as inp, target.open("wb") as out:
        while True:
            started = time.perf_counter()
            block = inp.read(CHUNK)
            read_s += time.perf_counter() - started
            if not block:
                break
            started = time.perf_counter()
            out.write(block)
            write_s += time.perf_counter() - started
        started = time.perf_counter()
        out.flush()
        os.fsync(out.fileno())
        write_s += time.perf_counter() - started
    return read_s, write_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    mb = size / 1e6
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        work = Path(tmp)
        source = work / "payload.bin"
        write_baseline(source, size)
        read_s, write_s = copy_baseline(source, work / "copy.bin")
        (work / "copy.bin").unlink()
        disk_write = mb / write_s
        disk_read = mb / read_s
        with running_server(work) as server:
            with Client(server.api_key, base_url=server.base_url, timeout=300) as client:
                started = time.perf_counter()
                transfer = client.transfers.create([source], concurrency=args.concurrency)
                upload_s = time.perf_counter() - started
                client.transfers.wait_until_downloadable(transfer["id"], timeout=600)
                processing_s = time.perf_counter() - started - upload_s
            started = time.perf_counter()
            saved = download(transfer["url"], work / "downloaded")
            download_s = time.perf_counter() - started
            rss = peak_rss_mb(server.pid)
        if saved[0].stat().st_size != size:
            raise SystemExit("downloaded size differs")
    upload = mb / upload_s
    down = mb / download_s
    print(f"transfer of {args.size_mib} MiB, {args.concurrency} parallel part uploads, loopback")
    print(f"  disk write (fsync)      {disk_write:9.1f} MB/s   baseline")
    print(f"  upload via transferd    {upload:9.1f} MB/s   ratio {upload / disk_write:.2f} of disk write")
    print(f"  processing (join parts) {processing_s:9.2f} s after finalize")
    print(f"  disk read               {disk_read:9.1f} MB/s   baseline")
    print(f"  download via transferd  {down:9.1f} MB/s   ratio {down / disk_read:.2f} of disk read")
    print(f"  server peak RSS         {rss:9.1f} MB")


if __name__ == "__main__":
    main()
