"""File names: the documented stripping (emoji, ``/ \\ :``, control characters), byte-exact echo of
everything else (D12), duplicates after stripping (BL-39, BL-41), and the chunk arithmetic."""

from __future__ import annotations

from typing import Any

import pytest

from transferd.errors import ValidationFailed
from transferd.services.filenames import FileSpec, chunking, parse_file_specs, strip_name

CHUNK = 5 * 1024 * 1024


def specs(*names: str, taken: frozenset[str] = frozenset()) -> list[FileSpec]:
    return parse_file_specs(
        [{"name": name, "size": 1} for name in names],
        field="transfer.files",
        nominal_chunk=CHUNK,
        max_name_length=255,
        max_files=1000,
        taken_names=taken,
    )


def refused(raw: Any, **limits: int) -> str:
    with pytest.raises(ValidationFailed) as caught:
        parse_file_specs(
            raw,
            field="transfer.files",
            nominal_chunk=CHUNK,
            max_name_length=limits.get("max_name_length", 255),
            max_files=limits.get("max_files", 1000),
            max_total_size=limits.get("max_total_size", 2 * 1024**3),
        )
    return caught.value.message


# -- BL-39: what is kept exactly, what is stripped --------------------------------------------

KEPT = [
    ("NFC", "Gr\u00fcner_Baum.jpg"),
    ("NFD", "Gru\u0308ner_Baum.jpg"),
    ("Cyrillic", "\u0412\u0414\u041d\u0425.jpg"),
    ("CJK", "\u5831\u544a.pdf"),
    ("Arabic with marks", "\u062a\u0642\u0631\u064a\u0631.pdf"),
    ("Hebrew with RLM", "\u05d3\u05d5\u05d7\u200f.txt"),
    ("Sinhala with ZWJ", "\u0dc1\u0dca\u200d\u0dbb\u0dd3.txt"),
    ("Persian with ZWNJ", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.txt"),
    ("Devanagari", "\u0930\u093f\u092a\u094b\u0930\u094d\u091f.txt"),
    ("leading and trailing spaces", "  spaced .txt  "),
    ("case", "MiXeD.TXT"),
    ("dots", "...txt"),
    ("dotfile sent as such", ".bashrc"),
    ("symbols that are not emoji", "a+b=c (1) [x] {y} #2 @3 $4 %5 ^6 &7 *8 ~9 `0 '\".txt"),
    ("copyright without emoji selector", "\u00a9 2024 report\u2122.pdf"),
    ("angle brackets and pipes", "<b>|?.txt"),
    ("math", "\u2211 \u221e \u2260.txt"),
    ("a lone digit before a variation selector 15", "1\ufe0e.txt"),
]


@pytest.mark.parametrize("name", [row[1] for row in KEPT], ids=[row[0] for row in KEPT])
def test_names_without_anything_to_strip_are_kept_byte_exact(name: str) -> None:
    """D12: no normalisation, trimming or case change."""
    assert strip_name(name).encode() == name.encode()
    assert specs(name)[0].name == name


STRIPPED = [
    ("documented emoji example", "the-weather-is-\u2600\ufe0f.jpg", "the-weather-is-.jpg"),
    ("documented separator example", "the-weather-is-:\\.jpg", "the-weather-is-.jpg"),
    ("slashes", "a/b\\c.txt", "abc.txt"),
    ("colon", "C:report.txt", "Creport.txt"),
    ("path traversal", "../../etc/passwd", "....etcpasswd"),
    ("grinning face", "a\U0001f600b.txt", "ab.txt"),
    ("thumbs up with skin tone", "ok\U0001f44d\U0001f3fd.txt", "ok.txt"),
    ("family (ZWJ sequence)", "fam\U0001f468\u200d\U0001f469\u200d\U0001f467ily.txt", "family.txt"),
    ("rainbow flag", "flag\U0001f3f3\ufe0f\u200d\U0001f308.txt", "flag.txt"),
    ("country flag", "nl\U0001f1f3\U0001f1f1.txt", "nl.txt"),
    ("subdivision flag", "sc\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f.txt", "sc.txt"),
    ("keycap", "number#\ufe0f\u20e3one1\ufe0f\u20e3.txt", "numberone.txt"),
    ("red heart", "i\u2764\ufe0fu.txt", "iu.txt"),
    ("heart on fire", "hot\u2764\ufe0f\u200d\U0001f525.txt", "hot.txt"),
    ("sparkles", "new\u2728.txt", "new.txt"),
    ("watch", "time\u231a.txt", "time.txt"),
    ("alarm clock", "wake\u23f0.txt", "wake.txt"),
    ("star", "fav\u2b50.txt", "fav.txt"),
    ("play button as emoji", "play\u25b6\ufe0f.mp4", "play.mp4"),
    ("copyright as emoji", "\u00a9\ufe0f2024.txt", "2024.txt"),
    ("left-right arrow as emoji", "a\u2194\ufe0fb.txt", "ab.txt"),
    ("stray emoji selector", "plain\ufe0f.txt", "plain.txt"),
    ("NUL", "a\x00b.txt", "ab.txt"),
    ("newline and tab", "a\nb\tc\r.txt", "abc.txt"),
    ("escape and DEL", "a\x1b[31mb\x7f.txt", "a[31mb.txt"),
    ("C1 control", "a\x85b.txt", "ab.txt"),
    ("lone surrogate", "a\ud800b.txt", "ab.txt"),
    ("right-to-left override", "invoice\u202efdp.exe", "invoicefdp.exe"),
    ("bidi isolates", "a\u2066b\u2069.txt", "ab.txt"),
    ("line and paragraph separators", "a\u2028b\u2029.txt", "ab.txt"),
]


@pytest.mark.parametrize(("sent", "kept"), [row[1:] for row in STRIPPED], ids=[row[0] for row in STRIPPED])
def test_the_documented_characters_are_stripped(sent: str, kept: str) -> None:
    assert strip_name(sent) == kept
    assert specs(sent)[0].name == kept


EMPTY = [
    ("empty", ""),
    ("only emoji", "\U0001f600\U0001f600"),
    ("only emoji, then an extension", "\U0001f600\U0001f600.png"),
    ("only separators", "/\\:"),
    ("only separators, then an extension", "::.txt"),
    ("only control characters", "\x00\x01\n"),
    ("only an emoji sequence", "\U0001f468\u200d\U0001f469\u200d\U0001f467"),
]


@pytest.mark.parametrize("name", [row[1] for row in EMPTY], ids=[row[0] for row in EMPTY])
def test_nothing_left_after_stripping_is_400(name: str) -> None:
    """BL-39: "😀😀.png" is refused like "😀😀": stripping must not turn it into the hidden file ".png"."""
    assert refused([{"name": name, "size": 1}]) == '"transfer.files.name" is not allowed to be empty'


DOTS = '"transfer.files.name" must not be "." or ".."'
EMPTY_NAME = '"transfer.files.name" is not allowed to be empty'


@pytest.mark.parametrize(
    ("name", "message"), [(".", DOTS), ("..", DOTS), (":..", EMPTY_NAME), ("\U0001f600.", EMPTY_NAME)]
)
def test_dot_names_are_400(name: str, message: str) -> None:
    """No file system can hold them; stripping that leads to them counts as leaving nothing."""
    assert refused([{"name": name, "size": 1}]) == message


# -- BL-41: duplicates -----------------------------------------------------------------------


def test_names_differing_in_case_are_distinct() -> None:
    """BL-41 (a)."""
    assert [spec.name for spec in specs("polish.txt", "Polish.txt")] == ["polish.txt", "Polish.txt"]


def test_nfc_and_nfd_are_distinct() -> None:
    assert len(specs("Gr\u00fcner_Baum.jpg", "Gru\u0308ner_Baum.jpg")) == 2


@pytest.mark.parametrize(
    ("names", "position"),
    [
        (["a.txt", "a.txt"], 1),
        (["a:b.txt", "ab.txt"], 1),
        (["ab.txt", "a/b.txt"], 1),
        (["x", "y", "x\U0001f600"], 2),
        (["a\x00.txt", "a.txt"], 1),
    ],
)
def test_duplicates_are_found_after_stripping(names: list[str], position: int) -> None:
    """BL-41 (b), (c)."""
    message = refused([{"name": name, "size": 1} for name in names])

    assert message == f'"transfer.files" position {position} contains a duplicate value'


def test_names_already_taken_count_as_duplicates() -> None:
    """What a board passes: the names it already holds."""
    with pytest.raises(ValidationFailed) as caught:
        specs("new.txt", "old.txt", taken=frozenset({"old.txt"}))

    assert caught.value.message == '"transfer.files" position 1 contains a duplicate value'


# -- lengths, sizes and chunking -------------------------------------------------------------


def test_the_name_length_is_counted_after_stripping_in_code_points() -> None:
    """D13: 255 accepted, 256 refused."""
    assert specs("\u5831" * 255)[0].name == "\u5831" * 255
    assert specs("a" * 255 + "\U0001f600" * 10)[0].name == "a" * 255
    assert refused([{"name": "a" * 256, "size": 1}]) == (
        '"transfer.files.name" length must be less than or equal to 255 characters long'
    )


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (1, (1, 1)),
        (195906, (195906, 1)),
        (CHUNK, (CHUNK, 1)),
        (CHUNK + 1, (CHUNK, 2)),
        (6291460, (CHUNK, 2)),
        (104857600, (CHUNK, 20)),
        (2 * 1024**3, (CHUNK, 410)),
    ],
)
def test_chunking(size: int, expected: tuple[int, int]) -> None:
    assert chunking(size, CHUNK) == expected


def test_boards_chunk_at_6_mib() -> None:
    assert chunking(104857600, 6291456) == (6291456, 17)


def test_no_file_gets_more_than_10000_parts() -> None:
    """BL-29 (a): without a total cap, the part ceiling still holds."""
    with pytest.raises(ValidationFailed) as caught:
        parse_file_specs(
            [{"name": "huge.bin", "size": 10_000 * 6291456 + 1}],
            field="board.files",
            nominal_chunk=6291456,
            max_name_length=255,
            max_files=1000,
        )

    assert caught.value.message == '"board.files.size" must be less than or equal to 62914560000 (10000 parts)'


def test_the_total_cap_is_inclusive_and_named() -> None:
    assert (
        len(
            parse_file_specs(
                [{"name": "a", "size": 60}, {"name": "b", "size": 40}],
                field="transfer.files",
                nominal_chunk=CHUNK,
                max_name_length=255,
                max_files=10,
                max_total_size=100,
            )
        )
        == 2
    )
    assert refused([{"name": "a", "size": 60}, {"name": "b", "size": 41}], max_total_size=100) == (
        '"transfer.files" total size must be less than or equal to 100 bytes'
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("x", '"transfer.files" must be an array'),
        ([], '"transfer.files" must contain at least 1 items'),
        ([{"name": "a", "size": 1}] * 3, '"transfer.files" must contain less than or equal to 2 items'),
        ([1], '"transfer.files" position 0 must be an object'),
        ([{"size": 1}], '"transfer.files.name" is required'),
        ([{"name": b"a", "size": 1}], '"transfer.files.name" must be a string'),
        ([{"name": "a"}], '"transfer.files.size" is required'),
        ([{"name": "a", "size": False}], '"transfer.files.size" must be an integer'),
        ([{"name": "a", "size": 0}], '"transfer.files.size" must be greater than or equal to 1'),
    ],
)
def test_invalid_lists(raw: Any, message: str) -> None:
    assert refused(raw, max_files=2) == message
