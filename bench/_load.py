"""A small HTTP/1.1 load generator, run in its own process so it does not share the server's CPU
budget or event loop: ``concurrency`` keep-alive connections send one request after another until
the time is up, and the script prints one JSON object with the counts and latencies.

    python bench/_load.py --url http://127.0.0.1:8000/healthz [--method GET] [--header 'k: v']...
        [--seconds 5] [--warmup 1] [--concurrency 16]

It speaks raw HTTP over asyncio streams (uvloop when installed): an HTTP client library would cost
more CPU per request than the server spends on ``/healthz`` and would measure itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Results:
    latencies_ns: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


def build_request(method: str, url: str, headers: list[str], body: bytes) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1") or parts.port is None:
        raise SystemExit("the load generator only talks to a loopback address with an explicit port")
    path = parts.path or "/"
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", *headers]
    lines.append(f"Content-Length: {len(body)}")
    return parts.hostname, parts.port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            raise RuntimeError("chunked responses are not supported by this generator")
    if length:
        await reader.readexactly(length)
    return status


async def worker(host: str, port: int, request: bytes, measure_from: float, until: float, results: Results) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            started = time.perf_counter_ns()
            if started / 1e9 >= until:
                return
            try:
                writer.write(request)
                status = await asyncio.wait_for(read_response(reader), timeout=10)
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                results.errors[type(exc).__name__] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            if started / 1e9 >= measure_from:
                results.latencies_ns.append(time.perf_counter_ns() - started)
                results.statuses[status] += 1
    finally:
        writer.close()


def percentile(sorted_values: list[int], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index] / 1e6


async def run(args: argparse.Namespace) -> dict[str, object]:
    host, port, request = build_request(args.method, args.url, args.header, args.body.encode())
    results = Results()
    now = time.perf_counter()
    measure_from = now + args.warmup
    until = measure_from + args.seconds
    await asyncio.gather(*(worker(host, port, request, measure_from, until, results) for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - measure_from
    latencies = sorted(results.latencies_ns)
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "statuses": {str(code): count for code, count in sorted(results.statuses.items())},
        "errors": dict(results.errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--body", default="")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:  # the standard event loop works too, it only costs more CPU per request
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
