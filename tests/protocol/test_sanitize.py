"""The sanitiser every printed device string goes through."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nanoheater.protocol.sanitize import MAX_TEXT_CHARS, sanitize, sanitize_optional


def test_escape_sequences_are_removed_whole() -> None:
    """CSI, OSC (title setting) and 8-bit CSI sequences leave no printable residue."""
    assert sanitize("A\x1b[31mB\x1b[0m") == "AB"
    assert sanitize("A\x1b]0;owned\x07B") == "AB"
    assert sanitize("A\x1b]8;;http://x\x1b\\B") == "AB"
    assert sanitize("A\x9b2JB") == "AB"


def test_controls_bidi_and_whitespace() -> None:
    """Tabs/newlines become spaces; NUL, DEL, C1 and bidi overrides vanish."""
    assert sanitize("a\tb\nc") == "a b c"
    assert sanitize("a\x00b\x7fc\x85d") == "abcd"
    assert sanitize("user\u202egnp.exe") == "usergnp.exe"


def test_bytes_and_length() -> None:
    """Bytes decode with replacement; long text is cut to the cap with an ellipsis."""
    assert sanitize(b"caf\xc3\xa9 \xff") == "café \ufffd"
    long = sanitize("x" * 1000)
    assert len(long) == MAX_TEXT_CHARS
    assert long.endswith("…")
    assert sanitize("abcdef", 4) == "abc…"


def test_optional_keeps_none() -> None:
    """None stays None and an all-control string becomes None."""
    assert sanitize_optional(None) is None
    assert sanitize_optional("\x1b[2J") is None
    assert sanitize_optional(" ok ") == "ok"


@given(st.text(max_size=400) | st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_output_is_always_printable_and_bounded(value: str | bytes) -> None:
    """Whatever goes in, what comes out is printable and at most the cap long."""
    out = sanitize(value)
    assert len(out) <= MAX_TEXT_CHARS
    assert "\x1b" not in out
    assert all(c.isprintable() for c in out)


def test_unicode_separators_become_spaces() -> None:
    """Line and paragraph separators cannot break a table row."""
    assert sanitize("a\u2028b\u2029c\u00a0d") == "a b c d"
