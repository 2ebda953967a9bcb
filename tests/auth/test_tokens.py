"""Access tokens: the claims they carry, the published signing keys, rotation, and the checks
``TokenService.verify`` makes on its own (the guard tests cover them over HTTP)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests import expect, forge
from tests.conftest import Api
from transferd.auth.tokens import ALGORITHM, Keyring, TokenService, thumbprint
from transferd.errors import TokenExpired, TokenInvalid

YEAR = 31_536_000


def _verified_claims(api: Api, token: str) -> dict[str, Any]:
    """Claims checked with the key published in the JWKS (as a third party would)."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwks = api.client.get("/.well-known/jwks.json").json()
    (jwk,) = [entry for entry in jwks["keys"] if entry["kid"] == kid]
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["EdDSA"],
        audience="transferd-api",
        issuer="transferd",
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    return claims


def test_token_claims(api: Api, key: str) -> None:
    token = api.authorize(key)
    header, payload, _ = forge.split(token)
    assert header == {"alg": "EdDSA", "kid": api.services.tokens.keyring.active.kid, "typ": "JWT"}
    claims = _verified_claims(api, token)
    assert claims == payload
    assert set(claims) == {"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "api_key_id"}
    assert claims["iss"] == "transferd"
    assert claims["aud"] == "transferd-api"
    assert claims["api_key_id"] == api.key_id(key)
    assert (
        claims["sub"]
        == api.client.portal.call(  # type: ignore[union-attr]
            api.services.keys.get, claims["api_key_id"]
        ).application_id
    )
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16
    for name in ("iat", "nbf", "exp"):
        assert type(claims[name]) is int, name
    assert claims["iat"] == claims["nbf"] == api.clock.now()
    assert claims["exp"] - claims["iat"] == YEAR


def test_user_identifier_claim_only_when_given(api: Api, key: str) -> None:
    with_id = forge.split(api.authorize(key, user_identifier="u-a"))[1]
    without = forge.split(api.authorize(key))[1]
    assert with_id["user_identifier"] == "u-a"
    assert "user_identifier" not in without


def test_every_token_has_its_own_jti(api: Api, key: str) -> None:
    jtis = {forge.split(api.authorize(key))[1]["jti"] for _ in range(20)}
    assert len(jtis) == 20


def test_jwks_publishes_the_signing_key(api: Api, key: str) -> None:
    response = api.client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert expect.is_json(response)
    (jwk,) = response.json()["keys"]
    active = api.services.tokens.keyring.active
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": jwk["x"],
        "kid": active.kid,
        "use": "sig",
        "alg": "EdDSA",
    }
    assert jwk["kid"] == thumbprint(active.public_key)  # RFC 7638
    assert "d" not in jwk  # never the private part
    assert forge.split(api.authorize(key))[0]["kid"] == jwk["kid"]


def test_signing_keys_file_is_private(api: Api) -> None:
    path = api.settings.data_dir / "signing-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rotation_keeps_old_tokens_valid_and_published(api: Api, key: str) -> None:
    keyring = api.services.tokens.keyring
    old_token = api.authorize(key)
    old_kid = keyring.active.kid

    api.clock.advance(10)
    fresh = keyring.rotate(api.clock.now(), YEAR, 60)
    new_token = api.authorize(key)

    assert fresh.kid != old_kid
    assert keyring.active.kid == fresh.kid
    assert forge.split(new_token)[0]["kid"] == fresh.kid
    kids = [entry["kid"] for entry in api.client.get("/.well-known/jwks.json").json()["keys"]]
    assert kids == [fresh.kid, old_kid]  # newest first
    for token in (old_token, new_token):
        expect.passed_guard(api.client.get("/v2/transfers/t", headers=api.headers(key, token)))
    # The retired key verifies, it never signs again.
    assert forge.split(api.authorize(key))[0]["kid"] == fresh.kid


def test_rotation_drops_a_key_once_all_its_tokens_are_dead(api: Api, key: str) -> None:
    keyring = api.services.tokens.keyring
    first = keyring.active.kid
    keyring.rotate(api.clock.now(), YEAR, 60)
    api.clock.advance(YEAR + 61)
    latest = keyring.rotate(api.clock.now(), YEAR, 60)
    kids = {entry["kid"] for entry in api.client.get("/.well-known/jwks.json").json()["keys"]}
    assert first not in kids
    assert latest.kid in kids
    assert len(kids) == 2


def test_a_rotation_by_another_process_is_picked_up(api: Api, key: str) -> None:
    """``transferd signing-keys rotate`` runs in its own process and rewrites the keyring file."""
    path = api.settings.data_dir / "signing-keys.json"
    other = Keyring.load_or_create(path, api.clock.now())
    fresh = other.rotate(api.clock.now(), YEAR, 60)
    settings = api.settings
    issuer = TokenService(
        other,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        lifetime=YEAR,
        leeway=60,
    )
    record = api.client.portal.call(api.services.keys.get, api.key_id(key))  # type: ignore[union-attr]
    assert record is not None
    token = issuer.issue(
        api_key_id=record.id, application_id=record.application_id, user_identifier=None, now=api.clock.now()
    )
    assert forge.split(token)[0]["kid"] == fresh.kid
    expect.passed_guard(api.client.get("/v2/transfers/t", headers=api.headers(key, token)))
    # The server itself now signs with the new key and publishes both.
    assert forge.split(api.authorize(key))[0]["kid"] == fresh.kid
    kids = {entry["kid"] for entry in api.client.get("/.well-known/jwks.json").json()["keys"]}
    assert fresh.kid in kids and len(kids) == 2


def test_server_signs_with_a_key_rotated_by_another_process_right_away(api: Api, key: str) -> None:
    old_token = api.authorize(key)
    other = Keyring.load_or_create(api.settings.data_dir / "signing-keys.json", api.clock.now())
    fresh = other.rotate(api.clock.now(), YEAR, 60)
    new_token = api.authorize(key)  # no token with the new kid has been seen yet
    assert forge.split(new_token)[0]["kid"] == fresh.kid
    assert api.services.tokens.keyring.active.kid == fresh.kid
    for token in (old_token, new_token):
        expect.passed_guard(api.client.get("/v2/transfers/t", headers=api.headers(key, token)))


# --- TokenService on its own -------------------------------------------------------------------

NOW = 1_800_000_000


@pytest.fixture
def service(tmp_path: Path) -> TokenService:
    keyring = Keyring.load_or_create(tmp_path / "signing-keys.json", NOW)
    return TokenService(keyring, issuer="transferd", audience="transferd-api", lifetime=YEAR, leeway=60)


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": "transferd",
        "aud": "transferd-api",
        "sub": "app_1",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + YEAR,
        "jti": "j",
        "api_key_id": "key_1",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _sign(service: TokenService, claims: dict[str, Any]) -> str:
    active = service.keyring.active
    return forge.eddsa({"alg": ALGORITHM, "kid": active.kid, "typ": "JWT"}, claims, active.private_key)


def test_verify_returns_the_claims(service: TokenService) -> None:
    token = service.issue(api_key_id="key_1", application_id="app_1", user_identifier="u", now=NOW)
    claims = service.verify(token, now=NOW)
    assert (claims.api_key_id, claims.application_id, claims.user_identifier) == ("key_1", "app_1", "u")
    assert (claims.issued_at, claims.expires_at) == (NOW, NOW + YEAR)


@pytest.mark.parametrize(
    ("now", "valid"),
    [
        pytest.param(NOW - 60, True, id="iat-60s-ahead"),
        pytest.param(NOW - 61, False, id="iat-61s-ahead"),
        pytest.param(NOW + YEAR - 1, True, id="exp-1"),
        pytest.param(NOW + YEAR + 60, True, id="exp+leeway"),
        pytest.param(NOW + YEAR + 61, False, id="exp+leeway+1"),
    ],
)
def test_time_checks_use_a_60s_leeway(service: TokenService, now: int, valid: bool) -> None:
    token = service.issue(api_key_id="key_1", application_id="app_1", user_identifier=None, now=NOW)
    if valid:
        service.verify(token, now=now)
    else:
        with pytest.raises(TokenInvalid):
            service.verify(token, now=now)


def test_expiry_is_its_own_error(service: TokenService) -> None:
    token = service.issue(api_key_id="key_1", application_id="app_1", user_identifier=None, now=NOW)
    with pytest.raises(TokenExpired, match="expired"):
        service.verify(token, now=NOW + YEAR + 61)


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(_claims(iss="someone-else"), id="wrong-iss"),
        pytest.param(_claims(aud="other-api"), id="wrong-aud"),
        pytest.param(_claims(iss=None), id="no-iss"),
        pytest.param(_claims(aud=None), id="no-aud"),
        pytest.param(_claims(sub=None), id="no-sub"),
        pytest.param(_claims(iat=None), id="no-iat"),
        pytest.param(_claims(exp=None), id="no-exp"),
        pytest.param(_claims(jti=None), id="no-jti"),
        pytest.param(_claims(api_key_id=None), id="no-api_key_id"),
        pytest.param(_claims(api_key_id=7), id="api_key_id-not-a-string"),
        pytest.param(_claims(user_identifier=["u"]), id="user_identifier-not-a-string"),
        pytest.param(_claims(iat=NOW + 0.5), id="float-iat"),
        pytest.param(_claims(exp=float(NOW + YEAR)), id="float-exp"),
        pytest.param(_claims(nbf="0"), id="string-nbf"),
        pytest.param(_claims(iat=True), id="bool-iat"),
        pytest.param(_claims(nbf=NOW + 3600), id="nbf-in-an-hour"),
        pytest.param(_claims(exp=NOW - 61), id="expired"),
    ],
)
def test_verify_refuses_bad_claims(service: TokenService, claims: dict[str, Any]) -> None:
    with pytest.raises(TokenInvalid):
        service.verify(_sign(service, claims), now=NOW)


def test_a_cached_verification_still_checks_the_times(service: TokenService) -> None:
    token = service.issue(api_key_id="key_1", application_id="app_1", user_identifier=None, now=NOW)
    service.verify(token, now=NOW)  # verified once: cached
    with pytest.raises(TokenExpired):
        service.verify(token, now=NOW + YEAR + 61)
    with pytest.raises(TokenInvalid, match="not valid yet"):
        service.verify(token, now=NOW - 61)


def test_a_tampered_copy_of_a_cached_token_is_refused(service: TokenService) -> None:
    token = service.issue(api_key_id="key_1", application_id="app_1", user_identifier=None, now=NOW)
    service.verify(token, now=NOW)
    header, _payload, signature = token.split(".")
    forged = _sign(service, _claims(api_key_id="key_2"))
    with pytest.raises(TokenInvalid):
        service.verify(f"{header}.{forged.split('.')[1]}.{signature}", now=NOW)


def test_the_verification_cache_is_bounded(service: TokenService) -> None:
    for n in range(TokenService.VERIFIED_CACHE_SIZE + 10):
        service.verify(_sign(service, _claims(jti=str(n))), now=NOW)
    assert len(service._verified) == TokenService.VERIFIED_CACHE_SIZE
