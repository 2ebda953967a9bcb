"""The API key format and its digest.

A key looks like ``tfd_sk_`` + 43 base62 characters (256 random bits) + a 6-character base62
CRC32 checksum of everything before it, 56 characters in all::

    tfd_sk_[0-9A-Za-z]{49}

The fixed prefix lets secret scanners find leaked keys; the checksum lets them (and us) tell a
real key from a look-alike without a database lookup. Only the SHA-256 digest of a key is
stored: the key carries 256 bits of randomness, so a slow hash would add nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib

from transferd.ids import BASE62

KEY_PREFIX = "tfd_sk_"
_BODY_LENGTH = 43
_CHECKSUM_LENGTH = 6
KEY_LENGTH = len(KEY_PREFIX) + _BODY_LENGTH + _CHECKSUM_LENGTH
KEY_PATTERN = re.compile(r"tfd_sk_[0-9A-Za-z]{49}")


def _base62(value: int, width: int) -> str:
    digits = []
    while value:
        value, rest = divmod(value, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(head: str) -> str:
    return _base62(zlib.crc32(head.encode("ascii")), _CHECKSUM_LENGTH)


def generate_api_key() -> str:
    head = KEY_PREFIX + _base62(int.from_bytes(secrets.token_bytes(32), "big"), _BODY_LENGTH)
    return head + _checksum(head)


def is_well_formed(candidate: str) -> bool:
    """True when ``candidate`` has the key format and a correct checksum. Touches no storage."""
    if len(candidate) != KEY_LENGTH or KEY_PATTERN.fullmatch(candidate) is None:
        return False
    head, checksum = candidate[:-_CHECKSUM_LENGTH], candidate[-_CHECKSUM_LENGTH:]
    return secrets.compare_digest(_checksum(head), checksum)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def redact(key: str) -> str:
    """What may appear in logs and listings: the prefix and the last four characters."""
    return f"{KEY_PREFIX}…{key[-4:]}" if len(key) > 4 else "…"
