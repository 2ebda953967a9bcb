"""The HTTP protocol transferd serves with: uvicorn's httptools protocol, plus the two limits it
lacks on the request head (request line and headers), checked as bytes arrive:

- **size**: more than ``max_head_bytes`` before the head is complete is answered 431 and the
  connection closed, so a client cannot make the server buffer megabytes of headers;
- **time**: a head not complete ``head_timeout`` seconds after the connection opened (or after the
  previous request ended) is answered 408 and closed, so idle or trickling connections cannot hold
  a slot (or the connection cap) forever.

httptools is kept for its speed (measured: ~30% more requests/s than h11 on the API routes).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def _plain_response(status_line: bytes, message: bytes) -> bytes:
    body = b'{"success":false,"message":"' + message + b'"}'
    return (
        status_line + b"\r\ncontent-type: application/json\r\nconnection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


_TOO_LARGE = _plain_response(b"HTTP/1.1 431 Request Header Fields Too Large", b"Request header fields too large")
_TIMEOUT = _plain_response(b"HTTP/1.1 408 Request Timeout", b"Request timeout: the request head did not arrive in time")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = 64 * 1024
    head_timeout = 20.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def _start_head(self) -> None:
        self._in_head = True
        self._head_bytes = 0
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _refuse(self, response: bytes) -> None:
        self._cancel_head_timer()
        if not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._in_head and (self.cycle is None or self.cycle.response_complete):
            self._refuse(_TIMEOUT)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._in_head:
            super().data_received(data)
            return
        # ``data`` may hold the end of the head and the start of the body: judge once the parser
        # has seen it. Each read is bounded, so at most one read past the cap is ever buffered.
        self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self.max_head_bytes:
            self._refuse(_TOO_LARGE)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._start_head()  # the next request on this connection starts now


def bounded_protocol(max_head_bytes: int, head_timeout: float) -> type[BoundedHttpToolsProtocol]:
    return type(
        "ConfiguredHttpToolsProtocol",
        (BoundedHttpToolsProtocol,),
        {"max_head_bytes": max_head_bytes, "head_timeout": head_timeout},
    )
