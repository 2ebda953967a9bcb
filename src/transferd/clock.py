"""Time as a dependency, so tests can move it (token expiry, transfer expiry, URL expiry)."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Seconds since the epoch, as an integer (JWT claims and stored times are whole seconds)."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())


class FrozenClock:
    """A clock the test moves by hand."""

    def __init__(self, start: int | None = None) -> None:
        self.current = int(time.time()) if start is None else start

    def now(self) -> int:
        return self.current

    def advance(self, seconds: int) -> None:
        self.current += seconds
