"""The guard on every other ``/v2`` route: Content-Type, API key and a bearer token bound to that key.

``GET /v2/transfers/{id}`` of an unknown id answers 404 behind the guard, so a 404 from it means
the guard let the request through. Known-faults.md BL-03, BL-06, BL-08, BL-09, BL-11, BL-12, BL-15,
BL-16, BL-17, BL-19, BL-20, BL-22, BL-23, BL-49; decisions D2, D3, D4, D6.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.routing import Route

from tests import expect, forge
from tests.conftest import Api
from transferd.auth.api_keys import generate_api_key
from transferd.auth.tokens import Keyring, TokenService

GUARDED = "/v2/transfers/t"
YEAR = 31_536_000
LEEWAY = 60


def _get(api: Api, headers: Mapping[str, str | bytes], path: str = GUARDED) -> Any:
    raw = {name.encode(): value if isinstance(value, bytes) else value.encode() for name, value in headers.items()}
    return api.client.get(path, headers=raw)


def _claims_of(token: str) -> dict[str, Any]:
    return forge.split(token)[1]


def _signed(api: Api, claims: dict[str, Any], **header: Any) -> str:
    """A token signed with this deployment's real signing key (the test hook of known-faults.md)."""
    active = api.services.tokens.keyring.active
    return forge.eddsa({"alg": "EdDSA", "kid": active.kid, "typ": "JWT", **header}, claims, active.private_key)


# --- the route answers behind a passing guard ---------------------------------------------------


def test_guarded_routes_answer_404_json_for_unknown_ids(api: Api, key: str, token: str) -> None:
    expect.passed_guard(_get(api, api.headers(key, token)))
    expect.error(_get(api, api.headers(key, token), "/v2/boards/b"), 404, expect.BOARD_NOT_FOUND)


def _api_routes(api: Api) -> list[tuple[str, str]]:
    """Every (method, concrete path) of the ``/v2`` API except authorize, read from the app itself,
    so a route added without the guard fails here."""
    found = []
    for route in api.client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, Route) or not route.path.startswith("/v2/") or route.path == "/v2/authorize":
            continue
        path = re.sub(r"{[^}]+}", "1", route.path)
        found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def test_every_api_route_is_behind_the_guard(api: Api, key: str, token: str) -> None:
    """BL-09: each case behaves the same way on every endpoint (decisions D2, D3)."""
    routes = _api_routes(api)
    assert ("POST", "/v2/transfers") in routes and ("GET", "/v2/boards/1") in routes
    other_key = api.create_key("second", app="app-two")
    headers = api.headers(key, token)
    cases: list[tuple[str, dict[str, str], int, str]] = [
        ("no key", {k: v for k, v in headers.items() if k != "x-api-key"}, 401, expect.KEY_MISSING),
        ("unknown key", {**headers, "x-api-key": generate_api_key()}, 403, expect.KEY_INVALID),
        ("no token", api.headers(key), 401, expect.TOKEN_MISSING),
        ("bad token", api.headers(key, "garbage"), 401, expect.TOKEN_MALFORMED),
        ("other key's token", api.headers(other_key, token), 403, expect.TOKEN_KEY_MISMATCH),
        (
            "no content type",
            {k: v for k, v in headers.items() if k != "Content-Type"},
            415,
            expect.UNSUPPORTED_MEDIA_TYPE,
        ),
    ]
    wrong: list[tuple[object, ...]] = []
    for method, path in routes:
        for name, case_headers, status, message in cases:
            response = api.client.request(method, path, headers=case_headers, content=b"{}")
            body: object = response.json() if expect.is_json(response) else response.text
            if response.status_code != status or body != {"success": False, "message": message}:
                wrong.append((method, path, name, response.status_code, body))
            if (
                status == 401
                and name != "no key"
                and "bearer" not in response.headers.get("www-authenticate", "").lower()
            ):
                wrong.append((method, path, name, "no WWW-Authenticate: Bearer"))
        passed = api.client.request(method, path, headers=headers, content=b"{}")
        if passed.status_code in (401, 403, 415, 500) or not expect.is_json(passed):
            wrong.append((method, path, "valid credentials", passed.status_code, passed.text))
    assert wrong == []

    # Expired tokens and tokens of revoked keys, on every route too.
    api.clock.advance(YEAR + LEEWAY + 1)
    for method, path in routes:
        response = api.client.request(method, path, headers=headers, content=b"{}")
        expect.unauthorized(response, expect.TOKEN_EXPIRED)
    api.clock.advance(-(YEAR + LEEWAY + 1))
    api.revoke(key)
    for method, path in routes:
        expect.error(api.client.request(method, path, headers=headers, content=b"{}"), 403, expect.KEY_INVALID)
        response = api.client.request(method, path, headers=api.headers(other_key, token), content=b"{}")
        expect.unauthorized(response, expect.TOKEN_KEY_REVOKED)


# --- BL-03 / BL-06 / D2: Content-Type on every /v2 route, GET included ------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON", "APPLICATION/JSON; CHARSET=utf-8"],
)
def test_get_with_json_content_type_and_no_body_passes(api: Api, key: str, token: str, content_type: str) -> None:
    expect.passed_guard(_get(api, {**api.headers(key, token), "Content-Type": content_type}))


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/vnd.api+json"])
def test_get_without_json_content_type_is_415(api: Api, key: str, token: str, content_type: str | None) -> None:
    headers: dict[str, str | bytes] = {"x-api-key": key, "Authorization": f"Bearer {token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    expect.error(_get(api, headers), 415, expect.UNSUPPORTED_MEDIA_TYPE)
    expect.error(_get(api, headers, "/v2/boards/b"), 415, expect.UNSUPPORTED_MEDIA_TYPE)


# --- BL-08 / BL-09 / BL-16 / D3: the API key ---------------------------------------------------


@pytest.mark.parametrize("name", ["x-api-key", "X-API-Key", "X-Api-Key", "X-API-KEY"])
def test_key_header_name_is_case_insensitive(api: Api, key: str, token: str, name: str) -> None:
    headers = {"Content-Type": "application/json", name: key, "Authorization": f"Bearer {token}"}
    expect.passed_guard(_get(api, headers))


@pytest.mark.parametrize("value", [None, "", "   "])
def test_valid_token_without_key_is_401(api: Api, token: str, value: str | None) -> None:
    """BL-16: the token alone is not enough (decision D3: a missing key is 401)."""
    headers: dict[str, str | bytes] = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if value is not None:
        headers["x-api-key"] = value
    expect.error(_get(api, headers), 401, expect.KEY_MISSING)


def test_bad_key_with_valid_token_is_403(api: Api, key: str, token: str) -> None:
    """BL-09 (c): malformed, unknown and look-alike keys give one and the same 403."""
    for bad in ["not-a-key", "AB CD", generate_api_key(), key.lower(), key[:-1] + ("A" if key[-1] != "A" else "B")]:
        expect.error(_get(api, api.headers(bad, token)), 403, expect.KEY_INVALID)


@pytest.mark.parametrize("value", ["{key}  ", "  {key}", "\t{key}\t"])
def test_whitespace_around_the_key_is_trimmed(api: Api, key: str, token: str, value: str) -> None:
    expect.passed_guard(_get(api, api.headers(value.format(key=key), token)))


# --- BL-09 (d) / BL-11 / BL-12 / D4: the bearer token ------------------------------------------


def test_missing_authorization_is_401_with_challenge(api: Api, key: str) -> None:
    response = _get(api, api.headers(key))
    expect.unauthorized(response, expect.TOKEN_MISSING)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("Bearer {token}", id="canonical"),
        pytest.param("bearer {token}", id="lowercase"),
        pytest.param("BEARER {token}", id="uppercase"),
        pytest.param("bEaReR {token}", id="mixed-case"),
        pytest.param("Bearer  {token}", id="two-spaces"),
        pytest.param("Bearer    {token}", id="many-spaces"),
        pytest.param("Bearer {token} ", id="trailing-space"),
        pytest.param("Bearer {token}\t", id="trailing-tab"),
        pytest.param("  Bearer {token}", id="leading-space"),
    ],
)
def test_bearer_scheme_any_case_and_spacing(api: Api, key: str, token: str, template: str) -> None:
    headers = {**api.headers(key), "Authorization": template.format(token=token)}
    expect.passed_guard(_get(api, headers))


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param("{token}", expect.TOKEN_WRONG_SCHEME, id="no-scheme"),
        pytest.param("Basic dXNlcjpwYXNz", expect.TOKEN_WRONG_SCHEME, id="basic"),
        pytest.param("Token {token}", expect.TOKEN_WRONG_SCHEME, id="other-scheme"),
        pytest.param("Bearer:{token}", expect.TOKEN_WRONG_SCHEME, id="colon"),
        pytest.param("Bearer", expect.TOKEN_MISSING, id="scheme-only"),
        pytest.param("Bearer ", expect.TOKEN_MISSING, id="scheme-and-space"),
        pytest.param("", expect.TOKEN_MISSING, id="empty"),
        pytest.param("Bearer garbage", expect.TOKEN_MALFORMED, id="garbage"),
        pytest.param("Bearer {token} {token}", None, id="two-tokens"),
        pytest.param("Bearer Bearer {token}", None, id="scheme-twice"),
    ],
)
def test_bad_authorization_values_are_401(api: Api, key: str, token: str, template: str, message: str | None) -> None:
    headers = {**api.headers(key), "Authorization": template.format(token=token)}
    expect.unauthorized(_get(api, headers), message)


@pytest.mark.parametrize("segment", [0, 1, 2], ids=["header", "payload", "signature"])
def test_token_with_one_character_in_the_other_case_is_401(api: Api, key: str, token: str, segment: int) -> None:
    start = sum(len(part) + 1 for part in token.split(".")[:segment])
    changed = forge.swap_case_at(token, start)
    assert changed != token
    expect.unauthorized(_get(api, api.headers(key, changed)))


# --- BL-15 (3) / D3: a token is bound to the key it was issued for ------------------------------


def test_token_of_another_live_key_is_403(api: Api, key: str) -> None:
    jwt_a = api.authorize(key, user_identifier="u-a")
    other_app_key = api.create_key("second", app="app-two")
    same_app_key = api.create_key("rotated", app="app-one")
    for other in (other_app_key, same_app_key):
        response = _get(api, api.headers(other, jwt_a))
        expect.error(response, 403, expect.TOKEN_KEY_MISMATCH)
    # The other keys still work with their own tokens.
    for other in (other_app_key, same_app_key):
        expect.passed_guard(_get(api, api.headers(other, api.authorize(other))))


# --- BL-22 / BL-23: revocation acts at once -----------------------------------------------------


def test_revoking_a_key_kills_its_tokens_at_once(api: Api, key: str) -> None:
    jwt = api.authorize(key)
    other_key = api.create_key("second", app="app-two")
    expect.passed_guard(_get(api, api.headers(key, jwt)))

    api.revoke(key)

    for _ in range(20):
        expect.error(_get(api, api.headers(key, jwt)), 403, expect.KEY_INVALID)
    expect.unauthorized(_get(api, api.headers(other_key, jwt)), expect.TOKEN_KEY_REVOKED)
    expect.error(api.client.post("/v2/authorize", headers=api.headers(key)), 403, expect.KEY_INVALID)


def test_rotation_overlap_then_revoke_the_old_key(api: Api, key: str) -> None:
    new_key = api.create_key("new", app="app-one")
    old_jwt, new_jwt = api.authorize(key), api.authorize(new_key)
    expect.passed_guard(_get(api, api.headers(key, old_jwt)))
    expect.passed_guard(_get(api, api.headers(new_key, new_jwt)))
    api.revoke(key)
    for _ in range(20):
        expect.error(_get(api, api.headers(key, old_jwt)), 403, expect.KEY_INVALID)
        expect.passed_guard(_get(api, api.headers(new_key, new_jwt)))


# --- BL-17: alg none, algorithm confusion, foreign keys -----------------------------------------


def _attack_tokens(api: Api, token: str) -> dict[str, str]:
    header, claims, signature = forge.split(token)
    active = api.services.tokens.keyring.active
    public = active.public_key
    raw_public = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem_public = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    jwk_x = forge.b64url(raw_public).encode()
    kid = header["kid"]
    attacker = Ed25519PrivateKey.generate()
    attacker_x = forge.b64url(
        attacker.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    attacker_jwk = {"kty": "OKP", "crv": "Ed25519", "x": attacker_x}
    tokens = {
        "alg-none-empty-signature": forge.unsigned({"alg": "none", "typ": "JWT"}, claims),
        "alg-none-with-kid": forge.unsigned({"alg": "none", "kid": kid}, claims),
        "alg-none-original-signature": forge.unsigned({"alg": "none", "kid": kid}, claims, signature),
        "alg-None": forge.unsigned({"alg": "None", "kid": kid}, claims),
        "alg-NONE": forge.unsigned({"alg": "NONE", "kid": kid}, claims),
        "alg-nOnE": forge.unsigned({"alg": "nOnE", "kid": kid}, claims),
        "alg-missing": forge.unsigned({"kid": kid}, claims, signature),
        "alg-empty": forge.unsigned({"alg": "", "kid": kid}, claims, signature),
        "alg-null": forge.unsigned({"alg": None, "kid": kid}, claims, signature),
        "alg-eddsa-lowercase": forge.unsigned({"alg": "eddsa", "kid": kid}, claims, signature),
        "HS256-raw-public-key": forge.hmac_signed({"alg": "HS256", "kid": kid}, claims, raw_public),
        "HS256-pem-public-key": forge.hmac_signed({"alg": "HS256", "kid": kid}, claims, pem_public),
        "HS256-jwk-x": forge.hmac_signed({"alg": "HS256", "kid": kid}, claims, jwk_x),
        "HS256-no-kid": forge.hmac_signed({"alg": "HS256"}, claims, pem_public),
        "HS384-pem-public-key": forge.hmac_signed({"alg": "HS384", "kid": kid}, claims, pem_public),
        "HS512-pem-public-key": forge.hmac_signed({"alg": "HS512", "kid": kid}, claims, pem_public),
        "ES256-garbage-signature": forge.unsigned({"alg": "ES256", "kid": kid}, claims, signature),
        "RS256-garbage-signature": forge.unsigned({"alg": "RS256", "kid": kid}, claims, signature),
        "Ed25519-alg-name-real-signature": forge.eddsa({"alg": "Ed25519", "kid": kid}, claims, active.private_key),
        "attacker-key-our-kid": forge.eddsa({"alg": "EdDSA", "kid": kid}, claims, attacker),
        "attacker-key-no-kid": forge.eddsa({"alg": "EdDSA"}, claims, attacker),
        "attacker-key-embedded-jwk": forge.eddsa({"alg": "EdDSA", "jwk": attacker_jwk}, claims, attacker),
        "attacker-key-embedded-jwk-our-kid": forge.eddsa(
            {"alg": "EdDSA", "kid": kid, "jwk": attacker_jwk}, claims, attacker
        ),
        "attacker-jku": forge.eddsa(
            {"alg": "EdDSA", "kid": "k", "jku": "http://127.0.0.1:9/jwks.json"}, claims, attacker
        ),
        "kid-path-traversal": forge.eddsa({"alg": "EdDSA", "kid": "../../signing-keys.json"}, claims, attacker),
        "kid-number": forge.unsigned({"alg": "EdDSA", "kid": 1}, claims, signature),
        "kid-object": forge.unsigned({"alg": "EdDSA", "kid": {"kid": kid}}, claims, signature),
        "kid-list": forge.unsigned({"alg": "EdDSA", "kid": [kid]}, claims, signature),
        "signature-stripped": forge.unsigned(header, claims),
        "signature-of-another-token": forge.unsigned(header, {**claims, "jti": "other"}, signature),
        "two-segments": token.rsplit(".", 1)[0],
        "four-segments": token + ".x",
    }
    return tokens


def test_forged_and_confused_tokens_are_401(api: Api, key: str, token: str) -> None:
    """One row per known attack; every row is refused with 401 and a Bearer challenge."""
    refused = {}
    for name, forged in _attack_tokens(api, token).items():
        response = _get(api, api.headers(key, forged))
        refused[name] = response.status_code
        expect.unauthorized(response)
    assert set(refused.values()) == {401}, refused
    expect.passed_guard(_get(api, api.headers(key, token)))  # the genuine token still works


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_gets_the_algorithm_message(api: Api, key: str, token: str, alg: str) -> None:
    header, claims, _ = forge.split(token)
    forged = forge.unsigned({**header, "alg": alg}, claims)
    expect.unauthorized(_get(api, api.headers(key, forged)), expect.TOKEN_ALGORITHM)


# --- BL-19: fresh tokens always work; small clock skew is tolerated ----------------------------


def test_authorize_then_call_never_401(api: Api, key: str) -> None:
    for round_ in range(200):
        if round_ % 50 == 0:
            api.clock.advance(1)
        fresh = expect.token_response(api.client.post("/v2/authorize", headers=api.headers(key)))
        expect.passed_guard(_get(api, api.headers(key, fresh)))


def test_token_times_are_integers_one_year_apart(api: Api, token: str) -> None:
    claims = _claims_of(token)
    assert type(claims["iat"]) is int and type(claims["exp"]) is int
    assert claims["exp"] - claims["iat"] == YEAR


@pytest.mark.parametrize(
    ("skew", "passes"),
    [
        pytest.param(5, True, id="iat-now+5"),
        pytest.param(LEEWAY, True, id="iat-now+60"),
        pytest.param(LEEWAY + 1, False, id="iat-now+61"),
        pytest.param(3600, False, id="iat-now+3600"),
    ],
)
def test_issued_in_the_future(api: Api, key: str, token: str, skew: int, passes: bool) -> None:
    now = api.clock.now()
    claims = {**_claims_of(token), "iat": now + skew, "nbf": now + skew, "exp": now + skew + YEAR}
    response = _get(api, api.headers(key, _signed(api, claims)))
    if passes:
        expect.passed_guard(response)
    else:
        expect.unauthorized(response, expect.TOKEN_NOT_YET_VALID)


def test_nbf_in_the_future_is_401(api: Api, key: str, token: str) -> None:
    claims = {**_claims_of(token), "nbf": api.clock.now() + 3600}
    expect.unauthorized(_get(api, api.headers(key, _signed(api, claims))), expect.TOKEN_NOT_YET_VALID)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"iat": 1.5}, id="float-iat"),
        pytest.param({"exp": 1e12}, id="float-exp"),
        pytest.param({"iat": "0"}, id="string-iat"),
        pytest.param({"exp": True}, id="bool-exp"),
    ],
)
def test_non_integer_times_are_401(api: Api, key: str, token: str, overrides: dict[str, Any]) -> None:
    claims = {**_claims_of(token), **overrides}
    expect.unauthorized(_get(api, api.headers(key, _signed(api, claims))), expect.TOKEN_TIMES)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"iss": "someone-else"}, id="wrong-issuer"),
        pytest.param({"aud": "another-api"}, id="wrong-audience"),
        pytest.param({"aud": None}, id="no-audience"),
        pytest.param({"api_key_id": None}, id="no-api-key-id"),
        pytest.param({"jti": None}, id="no-jti"),
        pytest.param({"exp": None}, id="no-exp"),
    ],
)
def test_wrong_or_missing_claims_are_401(api: Api, key: str, token: str, overrides: dict[str, Any]) -> None:
    claims = {**_claims_of(token), **overrides}
    claims = {name: value for name, value in claims.items() if value is not None}
    expect.unauthorized(_get(api, api.headers(key, _signed(api, claims))), expect.TOKEN_INVALID)


# --- BL-20: expiry, tampering, another deployment ----------------------------------------------


def test_expiry_boundary_then_reauthorize(api: Api, key: str) -> None:
    token = api.authorize(key)
    issued = api.clock.now()

    api.clock.current = issued + YEAR - 1
    expect.passed_guard(_get(api, api.headers(key, token)))
    api.clock.current = issued + YEAR + LEEWAY
    expect.passed_guard(_get(api, api.headers(key, token)))
    api.clock.current = issued + YEAR + LEEWAY + 1
    response = _get(api, api.headers(key, token))
    expect.unauthorized(response, expect.TOKEN_EXPIRED)
    assert "expired" in response.json()["message"]

    fresh = api.authorize(key)
    expect.passed_guard(_get(api, api.headers(key, fresh)))


def test_tampered_payload_is_401(api: Api, key: str) -> None:
    token = api.authorize(key, user_identifier="u-a")
    header, payload, signature = token.split(".")
    flipped_claims = {**_claims_of(token), "user_identifier": "u-b"}
    flipped = f"{header}.{forge.segment(flipped_claims)}.{signature}"
    one_char = f"{header}.{forge.swap_case_at(payload, len(payload) // 2)}.{signature}"
    for tampered in (flipped, one_char):
        expect.unauthorized(_get(api, api.headers(key, tampered)))
    expect.passed_guard(_get(api, api.headers(key, token)))


def test_token_of_another_deployment_is_401(api: Api, key: str, tmp_path: Path) -> None:
    settings = api.settings
    (tmp_path / "elsewhere").mkdir()
    elsewhere = TokenService(
        Keyring.load_or_create(tmp_path / "elsewhere" / "signing-keys.json", api.clock.now()),
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        lifetime=YEAR,
        leeway=LEEWAY,
    )
    claims = _claims_of(api.authorize(key))
    foreign = elsewhere.issue(
        api_key_id=claims["api_key_id"], application_id=claims["sub"], user_identifier=None, now=api.clock.now()
    )
    expect.unauthorized(_get(api, api.headers(key, foreign)), expect.TOKEN_UNKNOWN_KID)
    # The same foreign token claiming our kid fails the signature check instead.
    foreign_key = elsewhere.keyring.active.private_key
    our_kid = api.services.tokens.keyring.active.kid
    masquerade = forge.eddsa({"alg": "EdDSA", "kid": our_kid, "typ": "JWT"}, claims, foreign_key)
    expect.unauthorized(_get(api, api.headers(key, masquerade)), expect.TOKEN_INVALID)
    expect.passed_guard(_get(api, api.headers(key, api.authorize(key))))


# --- BL-49: routes and methods answer JSON ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/authorize", 404, expect.NOT_FOUND),
        ("GET", "/v1/boards", 404, expect.NOT_FOUND),
        ("GET", "/v2/nothing-here", 404, expect.NOT_FOUND),
        ("GET", "/", 404, expect.NOT_FOUND),
        ("GET", "/v2/authorize", 405, expect.METHOD_NOT_ALLOWED),
        ("DELETE", "/v2/transfers/t", 405, expect.METHOD_NOT_ALLOWED),
        ("POST", "/v2/boards/b", 405, expect.METHOD_NOT_ALLOWED),
    ],
)
def test_unknown_routes_and_methods_answer_json(
    api: Api, key: str, token: str, method: str, path: str, status: int, message: str
) -> None:
    response = api.client.request(method, path, headers=api.headers(key, token))
    expect.error(response, status, message)


def test_internal_error_behind_the_guard_is_500_json(
    api: Api, key: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(_secret: str) -> None:
        raise RuntimeError("database unreachable at postgresql://transferd:hunter2@db/transferd")

    monkeypatch.setattr(api.services.keys, "find_by_secret", broken)
    response = _get(api, api.headers(key, token))
    expect.error(response, 500, expect.INTERNAL)
    assert "hunter2" not in response.text and "RuntimeError" not in response.text


# --- hostile header values: never a 500 --------------------------------------------------------

HUGE = 20_000  # large, yet under the 32 KiB header cap so that the guard sees it

HOSTILE_KEYS: list[Any] = [
    pytest.param("x" * HUGE, 403, id="huge"),
    pytest.param("tfd_sk_" + "A" * HUGE, 403, id="huge-with-prefix"),
    pytest.param("{key}\r\nX-Injected: 1", 403, id="crlf-injection"),
    pytest.param("{key}\x00", 403, id="nul"),
    pytest.param("\x00", 403, id="only-nul"),
    pytest.param(b"\xff\xfe", 403, id="latin1-bytes"),
    pytest.param("{key}ÿ".encode("latin-1"), 403, id="key-plus-latin1"),
    pytest.param("tfd_sk_ключ".encode(), 403, id="utf8-bytes"),
    pytest.param("{key}, {key}", 403, id="joined-twice"),
    pytest.param("{key}{key}", 403, id="concatenated"),
    pytest.param("' OR 1=1 --", 403, id="sql"),
    pytest.param("%00", 403, id="percent-encoded-nul"),
    pytest.param("Bearer {key}", 403, id="with-scheme"),
    pytest.param("tfd_sk_" + "0" * 49, 403, id="all-zero"),
]


@pytest.mark.parametrize(("value", "status"), HOSTILE_KEYS)
def test_hostile_api_key_values(api: Api, key: str, token: str, value: str | bytes, status: int) -> None:
    if isinstance(value, str):
        value = value.format(key=key) if "{key}" in value else value
    response = _get(api, {**api.headers(key, token), "x-api-key": value})
    expect.error(response, status, expect.KEY_INVALID)
    auth = api.client.post("/v2/authorize", headers={b"content-type": b"application/json", b"x-api-key": _raw(value)})
    expect.error(auth, status, expect.KEY_INVALID)


def _raw(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _nested_header(depth: int) -> str:
    return forge.b64url(b"[" * depth) + ".e30.c2ln"


HOSTILE_TOKENS: list[Any] = [
    pytest.param("x" * HUGE, id="huge-no-scheme"),
    pytest.param("Bearer " + "a" * HUGE, id="huge-token"),
    pytest.param("Bearer " + "a." * (HUGE // 4), id="huge-many-dots"),
    pytest.param("Bearer {token}\r\nX-Injected: 1", id="crlf-injection"),
    pytest.param("Bearer {token}\x00", id="nul"),
    pytest.param(b"Bearer \xff\xfe", id="latin1-bytes"),
    pytest.param("Bearer {token}ü".encode(), id="utf8-suffix"),
    pytest.param("Bearer\t{token}", id="tab-after-scheme"),
    pytest.param("Bearer a.b.c", id="three-garbage-segments"),
    pytest.param("Bearer ..", id="empty-segments"),
    pytest.param("Bearer ....", id="only-dots"),
    pytest.param("Bearer !!!.e30.c2ln", id="header-not-base64"),
    pytest.param("Bearer " + forge.segment([1]) + ".e30.c2ln", id="header-json-array"),
    pytest.param("Bearer " + forge.segment("EdDSA") + ".e30.c2ln", id="header-json-string"),
    pytest.param("Bearer " + forge.segment(None) + ".e30.c2ln", id="header-json-null"),
    pytest.param("Bearer " + _nested_header(5000), id="header-nested-5000"),
    pytest.param("Bearer " + forge.b64url(b'{"alg":"EdDSA","kid":' + b"9" * 5000 + b"}") + ".e30.c2ln", id="huge-int"),
    pytest.param("Bearer " + forge.b64url(b"\xff\xfe\xfd") + ".e30.c2ln", id="header-not-utf8"),
    pytest.param("Bearer " + forge.b64url(b'{"alg":"EdDSA","alg":"none"}') + ".e30.", id="duplicate-alg"),
]


@pytest.mark.parametrize("value", HOSTILE_TOKENS)
def test_hostile_authorization_values(api: Api, key: str, token: str, value: str | bytes) -> None:
    if isinstance(value, str):
        value = value.format(token=token)
    response = _get(api, {**api.headers(key), "Authorization": value})
    expect.unauthorized(response)


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        pytest.param("application/json; " + "x=" * (HUGE // 2), 404, id="huge-parameters"),
        pytest.param("application/json\x00", 415, id="nul"),
        pytest.param(b"application/json\xff", 415, id="latin1-byte"),
        pytest.param("application/json\r\nX-Injected: 1", 415, id="crlf-injection"),
        pytest.param(";", 415, id="only-semicolon"),
        pytest.param("/", 415, id="only-slash"),
        pytest.param("x" * HUGE, 415, id="huge"),
    ],
)
def test_hostile_content_types(api: Api, key: str, token: str, content_type: str | bytes, status: int) -> None:
    response = _get(api, {**api.headers(key, token), "Content-Type": content_type})
    if status == 404:
        expect.passed_guard(response)
    else:
        expect.error(response, status, expect.UNSUPPORTED_MEDIA_TYPE)


# --- the log never holds a secret ---------------------------------------------------------------


def test_refusals_are_logged_without_secrets(api: Api, key: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = api.authorize(key)
    other = api.create_key("second", app="app-two")
    unknown = generate_api_key()
    _get(api, api.headers(unknown, token))
    _get(api, api.headers(other, token))
    _get(api, api.headers(key, token + "x"))
    _get(api, api.headers(key, token))
    api.revoke(key)
    _get(api, api.headers(key, token))
    _get(api, api.headers(other, token))
    assert "refused" in caplog.text  # the reasons are logged...
    for secret in (key, other, unknown, token, token.split(".")[2]):
        assert secret not in caplog.text  # ...never the credentials


@pytest.mark.parametrize("header", ["x-api-key", "authorization", "content-type", "x-padding"])
def test_headers_over_the_cap_are_431_before_anything_else(api: Api, key: str, token: str, header: str) -> None:
    headers = api.headers(key, token)
    headers[header] = "a" * (api.settings.max_header_bytes + 1)
    response = api.client.get("/v2/transfers/whatever", headers=headers)
    expect.error(response, 431, "Request header fields too large")
