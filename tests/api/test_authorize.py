"""``POST /v2/authorize``: an API key in, a one-year token out; every error in JSON
(known-faults.md BL-01, BL-03, BL-04, BL-07, BL-08, BL-09, BL-11, BL-14, BL-22, BL-49; decision D3)."""

from __future__ import annotations

import pytest

from tests import expect, forge
from tests.conftest import Api
from transferd.auth.api_keys import generate_api_key

URL = "/v2/authorize"
JSON = {"Content-Type": "application/json"}


def _authorize(api: Api, headers: dict[str, str], content: bytes = b"") -> str:
    return expect.token_response(api.client.post(URL, headers=headers, content=content))


def _bound_key_id(token: str) -> str:
    key_id: str = forge.split(token)[1]["api_key_id"]
    return key_id


# --- success -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="no-body"),  # JS SDK, Swift, py3wetransfer without an identifier
        pytest.param(b"{}", id="empty-object"),  # Ruby 0.9
        pytest.param(b"  \r\n ", id="whitespace-only"),
        pytest.param(b'{\n  "user_identifier": null\n}', id="null-identifier"),
        pytest.param(b'{"other": 1}', id="unknown-field"),
    ],
)
def test_authorize_without_identifier(api: Api, key: str, content: bytes) -> None:
    token = _authorize(api, api.headers(key), content)
    claims = forge.split(token)[1]
    assert claims["api_key_id"] == api.key_id(key)
    assert "user_identifier" not in claims
    expect.passed_guard(api.client.get("/v2/transfers/t", headers=api.headers(key, token)))


def test_authorize_with_identifier(api: Api, key: str) -> None:
    token = _authorize(api, api.headers(key), b'{"user_identifier": "u-a"}')
    assert forge.split(token)[1]["user_identifier"] == "u-a"
    expect.passed_guard(api.client.get("/v2/transfers/t", headers=api.headers(key, token)))


def test_user_identifier_of_255_characters(api: Api, key: str) -> None:
    token = _authorize(api, api.headers(key), b'{"user_identifier": "%s"}' % (b"u" * 255))
    assert forge.split(token)[1]["user_identifier"] == "u" * 255


# --- BL-01 / BL-03: Content-Type -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON",
        "APPLICATION/JSON; CHARSET=utf-8",
        "application/json ; charset=utf-8",
        " application/json ",
    ],
)
def test_json_content_type_with_any_case_and_parameters(api: Api, key: str, content_type: str) -> None:
    _authorize(api, {"Content-Type": content_type, "x-api-key": key}, b"{}")


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("text/plain", id="text-plain"),
        pytest.param("application/x-www-form-urlencoded", id="form"),
        pytest.param("multipart/form-data; boundary=x", id="multipart"),
        pytest.param("text/json", id="text-json"),
        pytest.param("application/jsonx", id="jsonx"),
        pytest.param("application/vnd.api+json", id="vendor-json-D1"),
        pytest.param("application/merge-patch+json", id="patch-json-D1"),
        pytest.param("json", id="bare-subtype"),
        pytest.param("application/json, text/plain", id="a-list"),
    ],
)
def test_missing_or_non_json_content_type_is_415(api: Api, key: str, content_type: str | None) -> None:
    headers = {"x-api-key": key}
    if content_type is not None:
        headers["Content-Type"] = content_type
    request = api.client.build_request("POST", URL, headers=headers, content=b"{}")
    expect.error(api.client.send(request), 415, expect.UNSUPPORTED_MEDIA_TYPE)


def test_duplicated_content_type_is_415(api: Api, key: str) -> None:
    headers = [("Content-Type", "application/json"), ("Content-Type", "application/json"), ("x-api-key", key)]
    expect.error(api.client.post(URL, headers=headers, content=b"{}"), 415, expect.UNSUPPORTED_MEDIA_TYPE)


# --- BL-07: Accept -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        pytest.param(None, id="absent"),
        "*/*",
        "application/json, text/plain, */*",
        "application/*",
        "application/json",
        pytest.param("text/html", id="text-html-only-still-200-json"),
    ],
)
def test_accept_never_causes_406(api: Api, key: str, accept: str | None) -> None:
    request = api.client.build_request("POST", URL, headers=api.headers(key), content=b"{}")
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    expect.token_response(api.client.send(request))


def test_errors_are_json_even_for_text_html(api: Api) -> None:
    headers = {**JSON, "Accept": "text/html", "x-api-key": "nope"}
    expect.error(api.client.post(URL, headers=headers), 403, expect.KEY_INVALID)


# --- BL-08 / BL-09 / BL-11: the API key --------------------------------------------------------


@pytest.mark.parametrize("name", ["x-api-key", "X-API-Key", "X-Api-Key", "X-API-KEY"])
def test_key_header_name_is_case_insensitive(api: Api, key: str, name: str) -> None:
    _authorize(api, {**JSON, name: key}, b"{}")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("{key}  ", id="trailing-spaces"),
        pytest.param("   {key}", id="leading-spaces"),
        pytest.param("\t{key}\t", id="tabs"),
        pytest.param(" \t {key} \t ", id="mixed"),
    ],
)
def test_whitespace_around_the_key_is_trimmed(api: Api, key: str, value: str) -> None:
    _authorize(api, {**JSON, "x-api-key": value.format(key=key)}, b"{}")


@pytest.mark.parametrize("value", [None, "", "   ", "\t"])
def test_missing_or_empty_key_is_401(api: Api, value: str | None) -> None:
    headers = dict(JSON)
    if value is not None:
        headers["x-api-key"] = value
    response = api.client.post(URL, headers=headers, content=b"{}")
    expect.error(response, 401, expect.KEY_MISSING)


def test_malformed_unknown_and_revoked_keys_get_the_same_403(api: Api, key: str) -> None:
    """One answer for every bad key: nothing tells an unknown key from a revoked one."""
    revoked = api.create_key("revoked", app="app-one")
    api.revoke(revoked)
    bad_keys: dict[str, str | bytes] = {
        "malformed": "not-a-key",
        "space-inside": "AB CD",
        "checksum": key[:-1] + ("A" if key[-1] != "A" else "B"),
        "unknown": generate_api_key(),
        "revoked": revoked,
        "lowercased": key.lower(),
        "non-ascii": b"\xff\xfe",
        "utf-8": "tfd_sk_ключ".encode(),
    }
    answers = set()
    for name, bad in bad_keys.items():
        raw_key = bad if isinstance(bad, bytes) else bad.encode()
        headers = {b"content-type": b"application/json", b"x-api-key": raw_key}
        response = api.client.post(URL, headers=headers, content=b"{}")
        expect.error(response, 403, expect.KEY_INVALID)
        assert "www-authenticate" not in response.headers, name
        answers.add((response.status_code, response.content))
    assert len(answers) == 1


# --- BL-04 / BL-14: empty bodies and stale Authorization headers ------------------------------


def test_empty_body_with_content_length_zero(api: Api, key: str) -> None:
    headers = {**api.headers(key), "Content-Length": "0"}
    _authorize(api, headers)


@pytest.mark.parametrize("content", [b"", b"{}"])
def test_stale_authorization_header_is_ignored(api: Api, key: str, content: bytes) -> None:
    other_key = api.create_key("second", app="app-two")
    old = api.authorize(key)
    api.clock.advance(31_536_000 + 3600)
    # A token of this key that has now expired, one of another key, garbage, and a forged none-token.
    foreign = api.authorize(other_key)
    _, claims, _ = forge.split(old)
    stale_values = [
        f"Bearer {old}",
        f"Bearer {foreign}",
        "Bearer garbage",
        "garbage",
        f"Bearer {forge.unsigned({'alg': 'none'}, claims)}",
    ]
    for stale in stale_values:
        token = _authorize(api, {**api.headers(key), "Authorization": stale}, content)
        assert _bound_key_id(token) == api.key_id(key)  # bound to x-api-key, nothing else
        expect.passed_guard(api.client.get("/v2/transfers/t", headers=api.headers(key, token)))


# --- the body ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"{", None, id="truncated"),
        pytest.param(b"{'user_identifier': 'u'}", None, id="single-quotes"),
        pytest.param(b"!", None, id="garbage"),
        pytest.param(b'{"user_identifier": "u"} x', None, id="trailing-data"),
        pytest.param(b"\xff\xfe\x00", None, id="binary"),
        pytest.param(b"[" * 100_000, expect.INVALID_JSON, id="deep-nesting"),
        pytest.param(b'{"user_identifier": %s}' % (b"9" * 5000), expect.INVALID_JSON, id="huge-integer"),
        pytest.param(b"null", expect.AUTHORIZE_NOT_OBJECT, id="null"),
        pytest.param(b"[]", expect.AUTHORIZE_NOT_OBJECT, id="array"),
        pytest.param(b'"u-a"', expect.AUTHORIZE_NOT_OBJECT, id="string"),
        pytest.param(b"1", expect.AUTHORIZE_NOT_OBJECT, id="number"),
        pytest.param(b"true", expect.AUTHORIZE_NOT_OBJECT, id="boolean"),
        pytest.param(b'{"user_identifier": 1}', '"user_identifier" must be a string', id="identifier-number"),
        pytest.param(b'{"user_identifier": ["u"]}', '"user_identifier" must be a string', id="identifier-list"),
        pytest.param(
            b'{"user_identifier": ""}', '"user_identifier" must hold 1 to 255 characters', id="identifier-empty"
        ),
        pytest.param(
            b'{"user_identifier": "%s"}' % (b"u" * 256),
            '"user_identifier" must hold 1 to 255 characters',
            id="identifier-256",
        ),
    ],
)
def test_bad_body_is_400(api: Api, key: str, content: bytes, message: str | None) -> None:
    response = api.client.post(URL, headers=api.headers(key), content=content)
    expect.error(response, 400, message)
    if message is None:
        assert response.json()["message"].startswith(expect.INVALID_JSON)


def test_body_over_the_limit_is_413(api: Api, key: str) -> None:
    limit = api.settings.max_json_body_bytes
    content = b'{"user_identifier": "%s"}' % (b"u" * limit)
    expect.error(api.client.post(URL, headers=api.headers(key), content=content), 413)


def test_key_is_checked_before_the_body(api: Api) -> None:
    response = api.client.post(URL, headers={**JSON, "x-api-key": "nope"}, content=b"{")
    expect.error(response, 403, expect.KEY_INVALID)


# --- BL-22 (5): a revoked key cannot authorize -------------------------------------------------


def test_revoked_key_cannot_authorize(api: Api, key: str) -> None:
    api.authorize(key)
    api.revoke(key)
    for _ in range(20):
        expect.error(api.client.post(URL, headers=api.headers(key)), 403, expect.KEY_INVALID)


def test_another_key_of_the_same_application_still_authorizes(api: Api, key: str) -> None:
    rotated = api.create_key("rotated", app="app-one")
    api.revoke(key)
    token = api.authorize(rotated)
    expect.passed_guard(api.client.get("/v2/transfers/t", headers=api.headers(rotated, token)))


# --- BL-49: methods and routes -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_other_methods_are_405_json(api: Api, key: str, method: str) -> None:
    response = api.client.request(method, URL, headers=api.headers(key), content=b"{}")
    expect.error(response, 405, expect.METHOD_NOT_ALLOWED)
    assert "POST" in response.headers["allow"]


@pytest.mark.parametrize("path", ["/authorize", "/v1/authorize", "/v2/authorize/", "/V2/authorize", "/v2/Authorize"])
def test_near_miss_paths_are_404_json(api: Api, key: str, path: str) -> None:
    response = api.client.post(path, headers=api.headers(key), content=b"{}", follow_redirects=False)
    if response.status_code in (307, 308):  # a trailing-slash redirect to the real route is fine
        assert response.headers["location"].endswith(URL)
        return
    expect.error(response, 404, expect.NOT_FOUND)


def test_internal_error_is_500_json_without_internals(api: Api, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: object) -> str:
        raise RuntimeError("signing key at /secret/path is unreadable")

    monkeypatch.setattr(api.services.tokens, "issue", broken)
    response = api.client.post(URL, headers=api.headers(key))
    expect.error(response, 500, expect.INTERNAL)
    assert b"secret" not in response.content and b"RuntimeError" not in response.content
