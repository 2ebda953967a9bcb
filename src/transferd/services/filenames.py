"""File lists as clients send them: validation, name stripping and the chunk arithmetic.

Names are echoed byte-exact apart from the documented stripping (emoji, path separators, ``:``
and control characters); no Unicode normalisation, trimming or case change (decision D12).
Names are only ever shown to people and put in Content-Disposition; storage keys use ids.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from transferd.errors import ValidationFailed

# Emoji and their joiners/modifiers: pictographs, dingbats, symbols, flags, keycaps, variation selectors.
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"
    "\U00002600-\U000027bf"
    "\U00002b00-\U00002bff"
    "\U0001f1e6-\U0001f1ff"
    "\U000e0020-\U000e007f"
    "\ufe00-\ufe0f"
    "\u200d\u20e3"
    "]"
)
_FORBIDDEN = re.compile(r"[/\\:]")

MAX_PARTS = 10_000


def strip_name(name: str) -> str:
    name = _EMOJI.sub("", name)
    name = _FORBIDDEN.sub("", name)
    return "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs"))


@dataclass(frozen=True)
class FileSpec:
    name: str
    size: int
    chunk_size: int
    part_numbers: int


def chunking(size: int, nominal: int) -> tuple[int, int]:
    """``(chunk_size, part_numbers)``: ``min(size, nominal)`` and ``ceil(size / nominal)``."""
    return min(size, nominal), math.ceil(size / nominal)


def parse_file_specs(
    raw: object,
    *,
    field: str,
    nominal_chunk: int,
    max_name_length: int,
    max_files: int,
    taken_names: frozenset[str] = frozenset(),
    max_total_size: int | None = None,
) -> list[FileSpec]:
    """Validate a list of ``{"name", "size"}`` objects. ``field`` names it in messages
    (``transfer.files`` or ``board.files``); ``taken_names`` are names already on the board;
    ``max_total_size`` caps the sum of the sizes (a transfer's 2 GiB, inclusive)."""
    if not isinstance(raw, list):
        raise ValidationFailed(f'"{field}" must be an array')
    if not raw:
        raise ValidationFailed(f'"{field}" must contain at least 1 items')
    if len(raw) > max_files:
        raise ValidationFailed(f'"{field}" must contain less than or equal to {max_files} items')
    specs: list[FileSpec] = []
    seen = set(taken_names)
    total = 0
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValidationFailed(f'"{field}" position {position} must be an object')
        if "name" not in item or item["name"] is None:
            raise ValidationFailed(f'"{field}.name" is required')
        if not isinstance(item["name"], str):
            raise ValidationFailed(f'"{field}.name" must be a string')
        name = strip_name(item["name"])
        if not name:
            raise ValidationFailed(f'"{field}.name" is not allowed to be empty')
        if len(name) > max_name_length:
            raise ValidationFailed(
                f'"{field}.name" length must be less than or equal to {max_name_length} characters long'
            )
        if "size" not in item or item["size"] is None:
            raise ValidationFailed(f'"{field}.size" is required')
        size = item["size"]
        if type(size) is not int:  # bool, float and numeric strings are refused, never coerced
            raise ValidationFailed(f'"{field}.size" must be an integer')
        if size < 1:
            raise ValidationFailed(f'"{field}.size" must be greater than or equal to 1')
        total += size
        if max_total_size is not None and total > max_total_size:
            # Checked before the part count, so one huge file is told about the real limit.
            raise ValidationFailed(f'"{field}" total size must be less than or equal to {max_total_size} bytes')
        if name in seen:
            raise ValidationFailed(f'"{field}" position {position} contains a duplicate value')
        seen.add(name)
        chunk_size, part_numbers = chunking(size, nominal_chunk)
        if part_numbers > MAX_PARTS:
            raise ValidationFailed(
                f'"{field}.size" must be less than or equal to {MAX_PARTS * nominal_chunk} ({MAX_PARTS} parts)'
            )
        specs.append(FileSpec(name=name, size=size, chunk_size=chunk_size, part_numbers=part_numbers))
    return specs
