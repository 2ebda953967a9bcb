"""Hand-made tokens for attack tests: JWTs assembled byte by byte, so a test controls every
header field and signature instead of trusting a JWT library to refuse to build them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segment(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Header, payload (both unverified) and the signature segment of a compact JWT."""
    header, payload, signature = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload)), signature


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: str = "") -> str:
    return f"{segment(header)}.{segment(claims)}.{signature}"


def eddsa(header: dict[str, Any], claims: dict[str, Any], key: Ed25519PrivateKey) -> str:
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode()))}"


def hmac_signed(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[header["alg"]]
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url(hmac.new(secret, signing_input.encode(), digest).digest())}"


def swap_case_at(text: str, start: int) -> str:
    """``text`` with the first letter at or after ``start`` in the other case."""
    for index in range(start, len(text)):
        if text[index].isalpha():
            return text[:index] + text[index].swapcase() + text[index + 1 :]
    raise ValueError("no letter to change")
