"""The domain error tree. One handler (``transferd.api.errors``) renders every one as
``{"success": false, "message": ...}`` with its status code; nothing else builds error bodies.

TransferdError
├── BadRequest (400)            ── ValidationFailed, InvalidJson
├── Unauthorized (401)          ── TokenMissing, TokenInvalid, TokenExpired
├── Forbidden (403)             ── ApiKeyInvalid, ApiKeyRevoked, TokenKeyMismatch, UploadUrlRejected
├── NotFound (404)              ── RouteNotFound, TransferNotFound, BoardNotFound, FileNotFound
├── MethodNotAllowed (405)
├── RequestTimeout (408)
├── Conflict (409)              ── TransferLocked, FileComplete
├── Gone (410)
├── PayloadTooLarge (413)
├── UnsupportedMediaType (415)
├── RequestHeadersTooLarge (431)
├── ExpectationFailed (417)     ── ChunkNumberInvalid, ChunksMissing
└── DatabaseBusy (503)
"""

from __future__ import annotations


class TransferdError(Exception):
    status_code = 500
    default_message = "Internal server error"
    headers: dict[str, str] = {}

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        if headers is not None:
            self.headers = headers
        super().__init__(self.message)


class BadRequest(TransferdError):
    status_code = 400
    default_message = "Bad request"


class ValidationFailed(BadRequest):
    pass


class InvalidJson(BadRequest):
    default_message = "The request body is not valid JSON"


class Unauthorized(TransferdError):
    status_code = 401
    default_message = "Unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class ApiKeyMissing(Unauthorized):
    default_message = "Unauthorized: missing API key (send it in the x-api-key header)"
    headers = {}


class TokenMissing(Unauthorized):
    default_message = "Unauthorized: missing bearer token (send Authorization: Bearer <JWT>)"


class TokenInvalid(Unauthorized):
    default_message = "Unauthorized: invalid token"
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class TokenExpired(TokenInvalid):
    default_message = "Unauthorized: the token has expired, authorize again"


class Forbidden(TransferdError):
    status_code = 403
    default_message = "Forbidden"


class ApiKeyInvalid(Forbidden):
    default_message = "Forbidden: invalid API Key"


class TokenKeyMismatch(Forbidden):
    default_message = "Forbidden: the token was not issued for this API key"


class UploadUrlRejected(Forbidden):
    default_message = "Forbidden: the upload URL is invalid or has expired"


class NotFound(TransferdError):
    status_code = 404
    default_message = "Resource not found"


class TransferNotFound(NotFound):
    default_message = "Couldn't find Transfer"


class BoardNotFound(NotFound):
    default_message = "This board does not exist"


class FileNotFound(NotFound):
    default_message = "File not found"


class MethodNotAllowed(TransferdError):
    status_code = 405
    default_message = "The HTTP method or resources may not be supported."


class RequestTimeout(TransferdError):
    status_code = 408
    default_message = "Request timeout: the body did not arrive in time"


class RequestHeadersTooLarge(TransferdError):
    status_code = 431
    default_message = "Request header fields too large"


class Conflict(TransferdError):
    status_code = 409
    default_message = "Conflict"


class TransferLocked(Conflict):
    default_message = "Transfer already finalized (state: {state}); it can't be changed"


class FileComplete(Conflict):
    default_message = "This file is already complete; it takes no more parts"


class Gone(TransferdError):
    status_code = 410
    default_message = "Gone: this resource has expired and was removed"


class PayloadTooLarge(TransferdError):
    status_code = 413
    default_message = "Payload too large"


class UnsupportedMediaType(TransferdError):
    status_code = 415
    default_message = "Unsupported Media Type: set Content-Type to 'application/json'"


class ExpectationFailed(TransferdError):
    status_code = 417
    default_message = "Expectation failed"


class ChunkNumberInvalid(ExpectationFailed):
    default_message = "Chunk numbers are 1-based"


class ChunksMissing(ExpectationFailed):
    def __init__(self, missing: list[int]) -> None:
        self.missing = missing
        super().__init__(f"Chunks {', '.join(str(n) for n in missing)} are still missing")


class DatabaseBusy(TransferdError):
    status_code = 503
    default_message = "Service busy: the database is locked by another process, retry in a moment"
    headers = {"Retry-After": "1"}
