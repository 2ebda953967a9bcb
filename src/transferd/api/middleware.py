"""Pure ASGI middleware (no per-request objects): access log and a cap on header size."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from transferd.api.errors import error_response
from transferd.errors import RequestHeadersTooLarge

access_log = logging.getLogger("transferd.access")


class AccessLog:
    """Method, path (never the query: it may carry an upload signature), status and time; no headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                # A path may hold a newline or NUL (percent-decoded): never let it start a fake line.
                scope["path"].encode("unicode_escape").decode("ascii"),
                status,
                (time.perf_counter() - started) * 1000,
            )


class HeaderLimit:
    """Refuse requests whose headers add up to more than ``max_bytes`` (431, JSON)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope["headers"])
            if size > self.max_bytes:
                await error_response(RequestHeadersTooLarge())(scope, receive, send)
                return
        await self.app(scope, receive, send)
