"""Benchmark: the cost of authorization. Requests per second and p50/p99 latency of
``POST /v2/authorize`` and of a guarded call (``GET /v2/transfers/nonexistent``: a 404 behind a
passing guard, so key lookup, token check and binding all run), each as a ratio to ``GET /healthz``
(no auth, no database) measured in the same run against the same server.

    .venv/bin/python bench/authorize.py [--seconds 5] [--concurrency 16] [--warmup 1]

It starts ``transferd serve`` on a free loopback port with a temporary data dir, creates an API key
with the CLI, and drives each endpoint with ``bench/_load.py`` in a separate process (keep-alive
HTTP/1.1 over asyncio and uvloop), so the client does not take the server's CPU time. The server
logs at level warning (the access log is off), as in ``bench/transfer.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import BenchServer, running_server

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Endpoint:
    label: str
    method: str
    path: str
    headers: list[str]
    expected_status: int


@dataclass(frozen=True)
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int]
    errors: dict[str, int]


def create_key(server: BenchServer) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSFERD_")}
    env["TRANSFERD_DATA_DIR"] = str(server.data_dir)
    result = subprocess.run(
        [sys.executable, "-m", "transferd.cli", "keys", "create", "--name", "bench", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    key: str = json.loads(result.stdout)["key"]
    return key


def endpoints(server: BenchServer, key: str) -> list[Endpoint]:
    json_and_key = ["Content-Type: application/json", f"x-api-key: {key}"]
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        response = http.post("/v2/authorize", headers=dict(h.split(": ", 1) for h in json_and_key))
        response.raise_for_status()
        token = response.json()["token"]
        guarded = [*json_and_key, f"Authorization: Bearer {token}"]
        # Make sure the guarded call really passes the guard: a 401/403 would be cheaper and lie.
        check = http.get("/v2/transfers/nonexistent", headers=dict(h.split(": ", 1) for h in guarded))
        if check.status_code != 404:
            raise SystemExit(f"guarded call answered {check.status_code}, expected 404: {check.text}")
    return [
        Endpoint("GET /healthz", "GET", "/healthz", [], 200),
        Endpoint("POST /v2/authorize", "POST", "/v2/authorize", json_and_key, 200),
        Endpoint("GET /v2/transfers/nonexistent (guarded)", "GET", "/v2/transfers/nonexistent", guarded, 404),
    ]


def measure(server: BenchServer, endpoint: Endpoint, args: argparse.Namespace) -> Measurement:
    command = [
        sys.executable,
        str(HERE / "_load.py"),
        "--url",
        server.base_url + endpoint.path,
        "--method",
        endpoint.method,
        "--seconds",
        str(args.seconds),
        "--warmup",
        str(args.warmup),
        "--concurrency",
        str(args.concurrency),
    ]
    for header in endpoint.headers:
        command += ["--header", header]
    timeout = args.seconds + args.warmup + 60
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    data: dict[str, Any] = json.loads(result.stdout)
    return Measurement(
        rps=data["rps"],
        p50_ms=data["p50_ms"],
        p99_ms=data["p99_ms"],
        requests=data["requests"],
        statuses=data["statuses"],
        errors=data["errors"],
    )


def check_statuses(endpoint: Endpoint, measurement: Measurement) -> None:
    unexpected = {code: n for code, n in measurement.statuses.items() if code != str(endpoint.expected_status)}
    if unexpected or measurement.errors or not measurement.requests:
        raise SystemExit(f"{endpoint.label}: unexpected answers {measurement.statuses} errors {measurement.errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured time per endpoint")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured time before each measurement")
    parser.add_argument("--concurrency", type=int, default=16, help="connections kept busy at once")
    args = parser.parse_args()

    with running_server() as server:
        key = create_key(server)
        results = []
        for endpoint in endpoints(server, key):
            measurement = measure(server, endpoint, args)
            check_statuses(endpoint, measurement)
            results.append((endpoint, measurement))

    print(
        f"transferd auth benchmark: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load generator bench/_load.py in its own process, concurrency {args.concurrency}, "
        f"{args.seconds:g} s per endpoint after {args.warmup:g} s warm-up, loopback, SQLite, log level warning"
    )
    base = results[0][1]
    header = f"{'endpoint':<42} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'req/s ratio':>12} {'p50 ratio':>10}"
    print(header)
    print("-" * len(header))
    for endpoint, m in results:
        print(
            f"{endpoint.label:<42} {m.rps:>9.0f} {m.p50_ms:>8.2f} {m.p99_ms:>8.2f} "
            f"{m.rps / base.rps:>12.2f} {m.p50_ms / base.p50_ms:>10.2f}"
        )


if __name__ == "__main__":
    main()
