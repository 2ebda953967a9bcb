"""Signed access tokens (JWT, EdDSA over Ed25519) and the keyring that signs and checks them.

The keyring lives in ``<data dir>/signing-keys.json`` (mode 0600): one active key that signs,
and retired keys that only verify, kept (and published in the JWKS) until every token they
signed has expired. The algorithm is pinned: the token's own ``alg`` never chooses anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from transferd.errors import TokenExpired, TokenInvalid

ALGORITHM = "EdDSA"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint(key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint, used as the ``kid``."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw_public(key))},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    created_at: int
    retired_at: int | None

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def to_record(self) -> dict[str, Any]:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")
        return {
            "kid": self.kid,
            "created_at": self.created_at,
            "retired_at": self.retired_at,
            "private_key": pem,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SigningKey:
        private_key = serialization.load_pem_private_key(record["private_key"].encode("ascii"), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise ValueError("signing keys must be Ed25519")
        return cls(record["kid"], private_key, int(record["created_at"]), record.get("retired_at"))

    @classmethod
    def generate(cls, now: int) -> SigningKey:
        private_key = Ed25519PrivateKey.generate()
        return cls(thumbprint(private_key.public_key()), private_key, now, None)


@dataclass(frozen=True)
class TokenClaims:
    api_key_id: str
    application_id: str
    user_identifier: str | None
    issued_at: int
    expires_at: int
    token_id: str
    not_before: int = 0


class Keyring:
    """The signing keys of one deployment, backed by a JSON file."""

    def __init__(self, path: Path, keys: list[SigningKey]) -> None:
        self.path = path
        self._keys = {key.kid: key for key in keys}
        self._lock = threading.Lock()
        self._version = _file_version(path) if path.exists() else None

    @classmethod
    def load_or_create(cls, path: Path, now: int) -> Keyring:
        if path.exists():
            return cls(path, _read_keys(path))
        keyring = cls(path, [SigningKey.generate(now)])
        keyring.save()
        return keyring

    def save(self) -> None:
        records = [key.to_record() for key in sorted(self._keys.values(), key=lambda k: k.created_at)]
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"keys": records}, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        self._version = _file_version(self.path)

    @property
    def active(self) -> SigningKey:
        self._reload_if_changed()  # `transferd signing-keys rotate` runs in another process
        live = [key for key in self._keys.values() if key.retired_at is None]
        return max(live, key=lambda k: k.created_at)

    def get(self, kid: str) -> SigningKey | None:
        key = self._keys.get(kid)
        if key is None:
            self._reload_if_changed()  # another process may have rotated the keys
            key = self._keys.get(kid)
        return key

    def _reload_if_changed(self) -> None:
        with self._lock:
            try:
                version = _file_version(self.path)
            except FileNotFoundError:
                return
            if version != self._version:
                self._keys = {key.kid: key for key in _read_keys(self.path)}
                self._version = version

    def rotate(self, now: int, token_lifetime: int, leeway: int) -> SigningKey:
        """Start signing with a new key; retire the old ones and drop those whose tokens are all dead."""
        fresh = SigningKey.generate(now)
        kept: dict[str, SigningKey] = {}
        for key in self._keys.values():
            retired_at = key.retired_at if key.retired_at is not None else now
            if retired_at + token_lifetime + leeway > now:
                kept[key.kid] = SigningKey(key.kid, key.private_key, key.created_at, retired_at)
        kept[fresh.kid] = fresh
        self._keys = kept
        self.save()
        return fresh

    def jwks(self) -> dict[str, Any]:
        self._reload_if_changed()
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": _b64url(_raw_public(key.public_key)),
                    "kid": key.kid,
                    "use": "sig",
                    "alg": ALGORITHM,
                }
                for key in sorted(self._keys.values(), key=lambda k: k.created_at, reverse=True)
            ]
        }


def _file_version(path: Path) -> tuple[int, int]:
    """Changes on every save (``save`` replaces the file), even on file systems with coarse mtimes."""
    status = path.stat()
    return status.st_ino, status.st_mtime_ns


def _read_keys(path: Path) -> list[SigningKey]:
    with path.open() as handle:
        return [SigningKey.from_record(record) for record in json.load(handle)["keys"]]


class TokenService:
    """Issues and verifies access tokens. Times come from the caller, so tests can move the clock."""

    def __init__(self, keyring: Keyring, *, issuer: str, audience: str, lifetime: int, leeway: int) -> None:
        self.keyring = keyring
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self.leeway = leeway
        self._verified: dict[str, TokenClaims] = {}

    def issue(self, *, api_key_id: str, application_id: str, user_identifier: str | None, now: int) -> str:
        key = self.keyring.active
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": application_id,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "jti": secrets.token_urlsafe(16),
            "api_key_id": api_key_id,
        }
        if user_identifier is not None:
            claims["user_identifier"] = user_identifier
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"})

    # Verified tokens, by their exact text: a client sends the same year-long token on every call,
    # and checking its signature again costs more than the rest of the guard. Only what verified
    # gets in, and the times are checked again on every use.
    VERIFIED_CACHE_SIZE = 4096

    def verify(self, token: str, *, now: int) -> TokenClaims:
        """Check signature (pinned algorithm, known ``kid``) and every claim; raise TokenInvalid/Expired."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify_signature_and_claims(token)
            if len(self._verified) >= self.VERIFIED_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)))
            self._verified[token] = claims
        if claims.issued_at > now + self.leeway or claims.not_before > now + self.leeway:
            raise TokenInvalid("Unauthorized: token not valid yet")
        if claims.expires_at + self.leeway < now:
            raise TokenExpired()
        return claims

    def _verify_signature_and_claims(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenInvalid("Unauthorized: malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise TokenInvalid("Unauthorized: token algorithm not accepted")
        kid = header.get("kid")
        key = self.keyring.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenInvalid("Unauthorized: token signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                # Times are checked below against our own clock; PyJWT would use the wall clock.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["iss", "aud", "sub", "iat", "exp", "jti", "api_key_id"],
                },
            )
        except jwt.PyJWTError as exc:
            raise TokenInvalid() from exc
        iat, exp, nbf = claims["iat"], claims["exp"], claims.get("nbf", claims["iat"])
        if not all(type(value) is int for value in (iat, exp, nbf)):
            raise TokenInvalid("Unauthorized: token times must be integers")
        user_identifier = claims.get("user_identifier")
        if not isinstance(claims["api_key_id"], str) or not isinstance(claims["sub"], str):
            raise TokenInvalid()
        if user_identifier is not None and not isinstance(user_identifier, str):
            raise TokenInvalid()
        return TokenClaims(
            api_key_id=claims["api_key_id"],
            application_id=claims["sub"],
            user_identifier=user_identifier,
            issued_at=iat,
            expires_at=exp,
            token_id=str(claims["jti"]),
            not_before=nbf,
        )
