"""Identifier formats of the v2 API (clients treat them as opaque strings)."""

from __future__ import annotations

import secrets
import string
import time

_BASE36 = string.digits + string.ascii_lowercase
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _stamp(now: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(now))


def transfer_id(now: int) -> str:
    """32 lowercase hex characters + the 14-digit UTC creation time (46 characters)."""
    return secrets.token_hex(16) + _stamp(now)


def board_id(now: int) -> str:
    """``s`` + 16 characters of ``[a-z0-9]`` + the 14-digit UTC creation time (31 characters)."""
    return "s" + "".join(secrets.choice(_BASE36) for _ in range(16)) + _stamp(now)


def short_id(length: int = 16) -> str:
    """An unguessable public id for share URLs (16 base62 characters, about 95 bits)."""
    return "".join(secrets.choice(BASE62) for _ in range(length))


def opaque_id(prefix: str, length: int = 20) -> str:
    return prefix + "".join(secrets.choice(BASE62) for _ in range(length))


def multipart_id() -> str:
    """An opaque multipart upload id in the style of an S3 UploadId: ``[A-Za-z0-9._-]``, ending in ``--``."""
    return secrets.token_urlsafe(48).replace("_", ".") + "--"


def could_be_id(value: str) -> bool:
    """Whether ``value`` has the shape of an id this server makes (ASCII letters and digits, at most
    64 characters). Anything else names no row and is not looked up: a NUL from a path like
    ``/v2/transfers/%00`` would make PostgreSQL refuse the query (a 500 instead of a 404)."""
    return len(value) <= 64 and value.isascii() and value.isalnum()
