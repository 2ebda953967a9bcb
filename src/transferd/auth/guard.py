"""The guard: the one place that decides who is calling.

``authenticate_key`` checks ``x-api-key`` (authorize needs only that); ``authenticate`` checks the
key and the bearer token, and binds the two: the token must have been issued for the very key
sent, and that key must not be revoked, so revoking a key kills its year-long tokens at once.
The client gets a plain 401/403; the precise reason goes to the log, never a secret.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.datastructures import Headers

from transferd.auth.api_keys import is_well_formed
from transferd.auth.tokens import TokenService
from transferd.clock import Clock
from transferd.errors import ApiKeyInvalid, ApiKeyMissing, TokenInvalid, TokenKeyMismatch, TokenMissing
from transferd.store.keys import ApiKeyRecord, ApiKeyStore

log = logging.getLogger("transferd.auth")


@dataclass(frozen=True)
class Principal:
    """Who a guarded request acts for: data is owned by the application, narrowed by user_identifier."""

    api_key_id: str
    application_id: str
    user_identifier: str | None


def bearer_token(headers: Headers) -> str:
    values = headers.getlist("authorization")
    if len(values) > 1:
        raise TokenInvalid("Unauthorized: send exactly one Authorization header")
    value = values[0] if values else None
    if value is None or not value.strip():
        raise TokenMissing()
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise TokenInvalid("Unauthorized: use the Bearer scheme")
    token = rest.strip(" \t")
    if not token:
        raise TokenMissing()
    return token


class Guard:
    def __init__(self, keys: ApiKeyStore, tokens: TokenService, clock: Clock) -> None:
        self.keys = keys
        self.tokens = tokens
        self.clock = clock

    async def authenticate_key(self, headers: Headers) -> ApiKeyRecord:
        values = headers.getlist("x-api-key")
        if len(values) > 1:
            # A proxy that reads the last copy would disagree with us reading the first.
            log.info("refused: %d x-api-key headers", len(values))
            raise ApiKeyInvalid("Forbidden: send exactly one x-api-key header")
        candidate = values[0] if values else None
        if candidate is None or not candidate.strip():
            log.info("refused: no x-api-key")
            raise ApiKeyMissing()
        candidate = candidate.strip()
        if not is_well_formed(candidate):
            log.info("refused: malformed x-api-key")
            raise ApiKeyInvalid()
        record = await self.keys.find_by_secret(candidate)
        if record is None:
            log.info("refused: unknown x-api-key")
            raise ApiKeyInvalid()
        if record.revoked:
            log.info("refused: revoked key %s", record.id)
            raise ApiKeyInvalid()
        await self.keys.touch(record, now=self.clock.now())
        return record

    async def authenticate(self, headers: Headers) -> Principal:
        key = await self.authenticate_key(headers)
        token = bearer_token(headers)
        try:
            claims = self.tokens.verify(token, now=self.clock.now())
        except TokenInvalid as exc:
            log.info("refused: %s (key %s)", exc.message, key.id)
            raise
        if claims.api_key_id != key.id or claims.application_id != key.application_id:
            issuer_key = await self.keys.get(claims.api_key_id)
            if issuer_key is None or issuer_key.revoked:
                log.info("refused: token of revoked key %s sent with key %s", claims.api_key_id, key.id)
                raise TokenInvalid("Unauthorized: the token's API key has been revoked")
            log.info("refused: token of key %s sent with key %s", claims.api_key_id, key.id)
            raise TokenKeyMismatch()
        return Principal(api_key_id=key.id, application_id=key.application_id, user_identifier=claims.user_identifier)
