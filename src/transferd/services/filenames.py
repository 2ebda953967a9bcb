"""File lists as clients send them: validation, name stripping and the chunk arithmetic.

Names are echoed byte-exact apart from the documented stripping (emoji, path separators, ``:``
and control characters); no Unicode normalisation, trimming or case change (decision D12).
Names are only ever shown to people and put in Content-Disposition; storage keys use ids.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from transferd.errors import ValidationFailed

# Characters that are emoji by default: pictographs, emoticons, transport, regional indicators
# (flags) and their supplements; miscellaneous symbols and dingbats; arrows and stars; the BMP
# emoji outside those blocks (watch, hourglass, media buttons, squares); tags (subdivision flags).
_PICTOGRAPHS = (
    r"\U0001f000-\U0001faff"
    r"\u2600-\u27bf"
    r"\u2b00-\u2bff"
    r"\u231a\u231b\u2328\u23cf\u23e9-\u23f3\u23f8-\u23fa"
    r"\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe"
    r"\u2934\u2935\u3030\u303d\u3297\u3299"
    r"\U000e0020-\U000e007f"
)
# One emoji: a pictograph, a keycap (#️⃣), or a symbol asking for emoji presentation (©️ ↔️);
# then its selectors and skin tones, and whatever is joined to it by ZWJ (👨‍👩‍👧, 🏳️‍🌈).
# A ZWJ outside such a sequence stays: it is part of Sinhala or Malayalam text.
_EMOJI_ONE = rf"(?:[{_PICTOGRAPHS}]|[#*0-9]\ufe0f?\u20e3|[^\w\s]\ufe0f)"
_EMOJI = re.compile(rf"{_EMOJI_ONE}(?:[\ufe0e\ufe0f\u20e3]|\u200d{_EMOJI_ONE})*")
# Path separators and the drive colon (documented); control characters (C0, DEL, C1), unpaired
# surrogates, bidi embedding/override/isolate controls (they make "invoice\u202efdp.exe" display
# as "invoiceexe.pdf"), line and paragraph separators, and a stray emoji presentation selector.
_FORBIDDEN = re.compile(r"[/\\:\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u2028\u2029\ufe0f]")

MAX_PARTS = 10_000


def strip_name(name: str) -> str:
    """``name`` without emoji and the characters above; everything else exactly as sent."""
    return _FORBIDDEN.sub("", _EMOJI.sub("", name))


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
    size_before: int = 0,
) -> list[FileSpec]:
    """Validate a list of ``{"name", "size"}`` objects. ``field`` names it in messages
    (``transfer.files`` or ``board.files``); ``taken_names`` are names already on the board;
    ``max_total_size`` caps the sum of the sizes (a transfer's or a board's 2 GiB, inclusive),
    counting ``size_before`` bytes already there (the files added to a board earlier)."""
    if not isinstance(raw, list):
        raise ValidationFailed(f'"{field}" must be an array')
    if not raw:
        raise ValidationFailed(f'"{field}" must contain at least 1 items')
    if len(raw) > max_files:
        raise ValidationFailed(f'"{field}" must contain less than or equal to {max_files} items')
    specs: list[FileSpec] = []
    seen = set(taken_names)
    total = size_before
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValidationFailed(f'"{field}" position {position} must be an object')
        if "name" not in item or item["name"] is None:
            raise ValidationFailed(f'"{field}.name" is required')
        if not isinstance(item["name"], str):
            raise ValidationFailed(f'"{field}.name" must be a string')
        name = strip_name(item["name"])
        if not name or (name.startswith(".") and not item["name"].startswith(".")):
            # Nothing left, or only an extension: "😀😀.png" must not become the hidden file ".png".
            raise ValidationFailed(f'"{field}.name" is not allowed to be empty')
        if name in (".", ".."):
            raise ValidationFailed(f'"{field}.name" must not be "." or ".."')
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
            held = f" ({size_before} bytes already added)" if size_before else ""
            raise ValidationFailed(f'"{field}" total size must be less than or equal to {max_total_size} bytes{held}')
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
