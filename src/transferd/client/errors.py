"""The SDK's exceptions.

TransferdClientError
├── TransportError                 the server could not be reached
└── ApiError                       the server answered with an error (``status``, ``message``)
    ├── BadRequestError            400
    ├── AuthenticationError        401
    ├── PermissionDeniedError      403
    ├── NotFoundError              404
    ├── GoneError                  410
    ├── PayloadTooLargeError       413
    ├── UnsupportedMediaTypeError  415
    ├── ExpectationFailedError     417
    ├── RateLimitedError           429
    └── ServerError                5xx
"""

from __future__ import annotations


class TransferdClientError(Exception):
    pass


class TransportError(TransferdClientError):
    pass


class ApiError(TransferdClientError):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"{status}: {message}")


class BadRequestError(ApiError):
    pass


class AuthenticationError(ApiError):
    pass


class PermissionDeniedError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class GoneError(ApiError):
    pass


class PayloadTooLargeError(ApiError):
    pass


class UnsupportedMediaTypeError(ApiError):
    pass


class ExpectationFailedError(ApiError):
    pass


class RateLimitedError(ApiError):
    pass


class ServerError(ApiError):
    pass


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    410: GoneError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    417: ExpectationFailedError,
    429: RateLimitedError,
}


def error_for(status: int, message: str) -> ApiError:
    if status >= 500:
        return ServerError(status, message)
    return _BY_STATUS.get(status, ApiError)(status, message)
