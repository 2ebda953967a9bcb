"""The sweeper: periodic housekeeping in the server process.

Each job is an async callable; services register theirs (transfers: resume interrupted
processing, delete expired bytes; boards: delete idle boards). A failing job is logged and
retried on the next round; it never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("transferd.sweeper")

SweepJob = Callable[[], Awaitable[None]]


class Sweeper:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.jobs: list[SweepJob] = []
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> None:
        for job in self.jobs:
            try:
                await job()
            except Exception:
                log.exception("sweep job %s failed", getattr(job, "__qualname__", job))

    async def _loop(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._task is None and self.interval > 0:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
