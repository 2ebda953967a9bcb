"""Shared by the benchmarks: run a real ``transferd serve`` on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class BenchServer:
    base_url: str
    pid: int
    data_dir: Path
    api_key: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


@contextlib.contextmanager
def running_server(root: Path | None = None) -> Iterator[BenchServer]:
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        data_dir = Path(tmp) / "data"
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSFERD_")}
        env.update({"TRANSFERD_DATA_DIR": str(data_dir), "TRANSFERD_LOG_LEVEL": "warning", "PYTHONUNBUFFERED": "1"})
        process = subprocess.Popen(
            [sys.executable, "-m", "transferd.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            key = ""
            assert process.stdout is not None
            while not key:
                line = process.stdout.readline()
                if not line:
                    raise RuntimeError("server exited before printing its first API key")
                if line.strip().startswith("tfd_sk_"):
                    key = line.strip()
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            yield BenchServer(base_url=base_url, pid=process.pid, data_dir=data_dir, api_key=key)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
