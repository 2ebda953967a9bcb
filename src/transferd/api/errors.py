"""The one place where errors become responses: ``{"success": false, "message": ...}``, always JSON."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from transferd.api.http import json_response
from transferd.errors import MethodNotAllowed, NotFound, TransferdError

log = logging.getLogger("transferd.api")


def error_response(error: TransferdError) -> Response:
    return json_response(
        {"success": False, "message": error.message},
        status_code=error.status_code,
        headers=error.headers or None,
    )


async def on_domain_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TransferdError)
    return error_response(exc)


async def on_http_error(_request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (unknown route, wrong method)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(MethodNotAllowed(headers=dict(exc.headers or {})))
    if exc.status_code == 404:
        return error_response(NotFound())
    error = TransferdError(str(exc.detail))
    error.status_code = exc.status_code
    return error_response(error)


async def on_client_disconnect(_request: Request, _exc: Exception) -> Response:
    # The client went away mid-body: nothing was stored and nobody reads this answer.
    log.info("client disconnected before sending the whole body")
    return Response(status_code=400)


async def on_unexpected_error(_request: Request, exc: Exception) -> Response:
    # The traceback goes to the log (it holds no request headers); the client learns nothing internal.
    log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
    return error_response(TransferdError())


EXCEPTION_HANDLERS = {
    TransferdError: on_domain_error,
    HTTPException: on_http_error,
    ClientDisconnect: on_client_disconnect,
    Exception: on_unexpected_error,
}
