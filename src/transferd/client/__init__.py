"""The transferd Python SDK. Imports nothing from the server side of the package.

from transferd.client import Client
with Client("tfd_sk_...", base_url="http://127.0.0.1:8000") as client:
    transfer = client.transfers.get("...")
"""

from transferd.client._client import Client
from transferd.client._download import download
from transferd.client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ExpectationFailedError,
    GoneError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransferdClientError,
    TransportError,
    UnsupportedMediaTypeError,
)

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ExpectationFailedError",
    "GoneError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TransferdClientError",
    "TransportError",
    "UnsupportedMediaTypeError",
    "download",
]
