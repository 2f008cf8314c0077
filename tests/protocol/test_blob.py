"""The MM ID0 blob parser: brackets, wrappers, odd keys and typed values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoheater.protocol.blob import (
    Blob,
    BlobValue,
    as_number,
    as_numbers,
    parse_blob,
    parse_hbinfo,
    typed_value,
)


def test_values_with_spaces_commas_and_colons_stay_whole() -> None:
    """A bracket pair, not whitespace, delimits a value."""
    blob = parse_blob("SYSTEMSTATU[Work: In Work, Hash Board: 1] BOOTBY[0x01.00000000]")
    assert blob == {"SYSTEMSTATU": "Work: In Work, Hash Board: 1", "BOOTBY": "0x01.00000000"}


def test_q_wrapper_and_key_with_a_space() -> None:
    """The Q 'STATS':{...} wrapper is removed and 'Nonce Mask' keeps its space."""
    blob = parse_blob("'STATS':{Ver[Q-1] ADJ[1] Nonce Mask[25]}")
    assert blob == {"Ver": "Q-1", "ADJ": 1, "Nonce Mask": 25}


def test_colon_bracket_variant() -> None:
    """Some Q firmware writes Key:[v]; the key loses the colon."""
    assert parse_blob("GHSspd:[6598.84] FanR:[33%]") == {"GHSspd": 6598.84, "FanR": 33}


def test_padded_arrays_percent_sentinel_and_empty() -> None:
    """Padded arrays become tuples, % is dropped, -273 kept, empty values are ''."""
    blob = parse_blob("PVT_T0[ 85  91   7] DH[2.374%] ITemp[-273] SSID[] FACOPTS0[]")
    assert blob == {"PVT_T0": (85, 91, 7), "DH": 2.374, "ITemp": -273, "SSID": "", "FACOPTS0": ""}


def test_identifiers_with_leading_zeros_stay_text() -> None:
    """DNA[0000000000000000] is an identifier, not the number 0."""
    assert parse_blob("DNA[0000000000000000] MH[0]") == {"DNA": "0000000000000000", "MH": 0}


def test_nested_brackets_and_truncation() -> None:
    """Nested brackets are matched; a value cut off by truncation is dropped."""
    assert parse_blob("A[x[1]y] B[2] C[3 4") == {"A": "x[1]y", "B": 2}


def test_text_after_a_half_key_is_ignored() -> None:
    """A trailing key without a value (the Mini 3 capture's PCOMM) is not invented."""
    assert parse_blob("PS[0 1 2] PCOMM") == {"PS": (0, 1, 2)}


def test_hbinfo_boards() -> None:
    """HBinfo 'HB0':{...} parses into one dict per board."""
    boards = parse_hbinfo("'HB0':{PVT_T0[ 58  59] MW0[1 2]},'HB1':{PVT_T0[ 60]}")
    assert boards == {"HB0": {"PVT_T0": (58, 59), "MW0": (1, 2)}, "HB1": {"PVT_T0": 60}}


def test_mixed_arrays_stay_text_and_helpers() -> None:
    """An array with a non-number stays text; as_number/as_numbers read scalars and tuples."""
    assert typed_value("1 2 x") == "1 2 x"
    assert as_number((3, 4)) == 3.0
    assert as_number("text") is None
    assert as_numbers(5) == (5.0,)
    assert as_numbers("") == ()


keys = st.from_regex(r"[A-Z][A-Za-z0-9_]{0,8}( [A-Z][a-z]{1,5})?", fullmatch=True)
values = st.one_of(
    st.integers(min_value=-100000, max_value=100000),
    st.lists(st.integers(min_value=0, max_value=999), min_size=2, max_size=12).map(tuple),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_:,.\- ]{0,20}[A-Za-z]", fullmatch=True),
)


def render(value: int | tuple[int, ...] | str) -> str:
    if isinstance(value, tuple):
        return " ".join(f"{v:3d}" for v in value)  # the firmware's %3d padding
    return str(value)


@given(st.dictionaries(keys, values, min_size=1, max_size=12), st.booleans())
@settings(max_examples=300, deadline=None)
def test_blob_round_trip(fields: dict[str, int | tuple[int, ...] | str], wrapped: bool) -> None:
    """Rendering fields the firmware's way and parsing them gives the fields back."""
    text = " ".join(f"{k}[{render(v)}]" for k, v in fields.items())
    if wrapped:
        text = "'STATS':{" + text + "}"
    assert parse_blob(text) == fields
    lazy = Blob(text)
    assert dict(lazy) == fields
    assert all(key in lazy for key in fields)


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_blob_never_crashes(text: str) -> None:
    """Any string parses to a dict without raising."""
    assert isinstance(parse_blob(text), dict)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("0", 0),
        ("-273", -273),
        ("05", "05"),
        ("0.5", 0.5),
        ("00.5", "00.5"),
        ("1.", "1."),
        (".5", ".5"),
        ("1e5", "1e5"),
        ("1_000", "1_000"),
        ("0 -05 7", "0 -05 7"),
        ("0 1210 2298.5", (0, 1210, 2298.5)),
        ("+7 -0", (7, 0)),
        ("9" * 41, "9" * 41),
    ],
)
def test_number_fast_paths_accept_exactly_what_the_grammar_does(text: str, want: BlobValue) -> None:
    """Pins typed_value's string-test shortcuts to the number grammar (no leading zeros etc.)."""
    got = typed_value(text)
    assert got == want
    assert type(got) is type(want)
