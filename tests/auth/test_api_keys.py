"""API keys: the format secret scanners rely on, the checksum, the randomness, and that only a
digest of a key is ever stored."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import expect
from tests.conftest import Api
from transferd.auth.api_keys import (
    KEY_LENGTH,
    KEY_PATTERN,
    KEY_PREFIX,
    generate_api_key,
    is_well_formed,
    key_digest,
    redact,
)
from transferd.ids import BASE62
from transferd.store.schema import api_keys


def test_key_has_the_documented_format() -> None:
    key = generate_api_key()
    assert key.startswith("tfd_sk_")
    assert KEY_PREFIX == "tfd_sk_"
    assert len(key) == KEY_LENGTH == 56
    assert KEY_PATTERN.pattern == r"tfd_sk_[0-9A-Za-z]{49}"
    assert KEY_PATTERN.fullmatch(key)
    assert is_well_formed(key)


def test_key_body_holds_at_least_256_random_bits() -> None:
    body_length = KEY_LENGTH - len(KEY_PREFIX) - 6  # the last 6 characters are the checksum
    assert body_length * math.log2(62) >= 256
    keys = {generate_api_key() for _ in range(5000)}
    assert len(keys) == 5000
    assert len({key[len(KEY_PREFIX) : -6] for key in keys}) == 5000
    # Every base62 digit shows up in the bodies: nothing is stuck to a smaller alphabet.
    assert set("".join(key[len(KEY_PREFIX) + 2 : -6] for key in keys)) == set(BASE62)


def test_checksum_rejects_every_one_character_change() -> None:
    key = generate_api_key()
    for index in range(len(KEY_PREFIX), len(key)):
        for replacement in BASE62:
            if replacement != key[index]:
                changed = key[:index] + replacement + key[index + 1 :]
                assert not is_well_formed(changed), (index, replacement)


def test_checksum_rejects_swapped_neighbours() -> None:
    key = generate_api_key()
    for index in range(len(KEY_PREFIX), len(key) - 1):
        if key[index] != key[index + 1]:
            swapped = key[:index] + key[index + 1] + key[index] + key[index + 2 :]
            assert not is_well_formed(swapped), index


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("", id="empty"),
        pytest.param("tfd_sk_", id="prefix-only"),
        pytest.param("tfd_sk_" + "A" * 49, id="format-but-bad-checksum"),
        pytest.param("TFD_SK_" + "A" * 49, id="upper-prefix"),
        pytest.param("tfd_pk_" + "A" * 49, id="other-prefix"),
        pytest.param("tfd_sk_" + "A" * 48 + "é", id="non-ascii"),
        pytest.param("tfd_sk_" + "A" * 48 + "٣", id="non-ascii-digit"),
    ],
)
def test_malformed_keys_are_rejected(candidate: str) -> None:
    assert not is_well_formed(candidate)


@pytest.mark.parametrize("suffix", ["\n", " ", "\x00", "A"])
def test_a_valid_key_with_anything_appended_is_rejected(suffix: str) -> None:
    key = generate_api_key()
    assert not is_well_formed(key + suffix)
    assert not is_well_formed(suffix + key)


def test_digest_is_sha256_and_redaction_shows_four_characters() -> None:
    key = generate_api_key()
    assert key_digest(key) == hashlib.sha256(key.encode()).hexdigest()
    assert redact(key) == f"tfd_sk_…{key[-4:]}"
    assert key[len(KEY_PREFIX) : -4] not in redact(key)


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_only_the_digest_is_stored(api: Api) -> None:
    secret = api.create_key("stored", app="app-stored")
    # Use the key so every write path (last_used_at, the token) has run.
    expect.token_response(api.client.post("/v2/authorize", headers=api.headers(secret)))

    async def rows() -> list[dict[str, object]]:
        return await api.services.db.read(lambda conn: [dict(row._mapping) for row in conn.execute(select(api_keys))])

    stored = api.client.portal.call(rows)  # type: ignore[union-attr]
    assert len(stored) == 1
    row = stored[0]
    assert row["digest"] == key_digest(secret)
    assert row["hint"] == secret[-4:]
    for value in row.values():
        assert not (isinstance(value, str) and secret[len(KEY_PREFIX) : -4] in value), value

    files = _files(api.settings.data_dir)
    assert files, "the data dir holds the database and the signing keys"
    body = secret[len(KEY_PREFIX) :].encode()
    for path in files:
        content = path.read_bytes()
        assert secret.encode() not in content, path
        assert body not in content, path
        assert secret.encode("utf-16-le") not in content, path


def test_the_readme_scanner_pattern_finds_keys_in_text() -> None:
    key = generate_api_key()
    scanner = re.compile(r"\btfd_sk_[0-9A-Za-z]{49}\b")
    text = f'TRANSFERD_API_KEY="{key}"\nother_sk_x tfd_sk_short {key}x'
    assert scanner.findall(text) == [key]
