"""Provides the fuzzing strategies and oracles shared by test_fuzz.py and bench/fuzz_codec.py.

Seeds are the real replies in tests/captures (provenance in its README): each is mutated at
byte level (flips, inserts of protocol-significant tokens, deletions, truncation, splices of two
captures) or, once decoded, at value level (a random subtree replaced by arbitrary JSON). MM ID0
blob strings are pulled out of the stats captures and mutated the same way. The oracles say what
must hold for any input: the codec returns a dict or raises ProtocolError, nothing else; the blob
parser and the wire-to-model step never raise; sanitised text is clean and capped.
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from nanoheater.exceptions import ProtocolError
from nanoheater.models import HeaterInfo
from nanoheater.protocol.blob import as_number, as_numbers, parse_blob
from nanoheater.protocol.codec import decode_reply, joined_part, reply_status
from nanoheater.protocol.parse import (
    find_blob,
    parse_info,
    parse_pools,
    parse_status,
    section,
    version_entry,
)
from nanoheater.protocol.sanitize import MAX_TEXT_CHARS, sanitize

CAPTURES_DIR = Path(__file__).resolve().parents[1] / "captures"
_SKIP = ("README", "bitaxe", ".ini", "mmid0", "help_options")
"""Not CGMiner replies: docs, another API, a config dump, bare blobs, an edited list."""


def _load_captures() -> list[bytes]:
    seeds = []
    for path in sorted(CAPTURES_DIR.iterdir()):
        if path.is_file() and not any(s in path.name for s in _SKIP):
            seeds.append(path.read_bytes().strip() + b"\x00")
    return seeds


CAPTURES: list[bytes] = _load_captures()
"""Every device reply capture, as the device would send it (trailing NUL)."""

_BLOB_IN_JSON = re.compile(rb'"MM ID\d(?::Summary)?"\s*:\s*"((?:[^"\\]|\\.)*)"')
_BLOB_IN_TEXT = re.compile(rb"MM ID\d=([^|]*?)(?:,[A-Za-z ]+=|\|)")


def _load_blobs() -> list[str]:
    blobs = []
    for data in CAPTURES:
        for match in _BLOB_IN_JSON.finditer(data):
            blobs.append(json.loads(b'"' + match.group(1) + b'"'))
        for match in _BLOB_IN_TEXT.finditer(data):
            blobs.append(match.group(1).decode("utf-8", "replace"))
    for path in CAPTURES_DIR.glob("*mmid0*"):
        blobs.append(path.read_text(encoding="utf-8", errors="replace"))
    return [b for b in blobs if "[" in b]


BLOBS: list[str] = _load_blobs()
"""Every MM ID0 status string found in the captures."""

TOKENS: list[bytes] = [
    b"inf",
    b"-inf",
    b"nan",
    b"NaN",
    b"Infinity",
    b"1e999",
    b"-1e999",
    b"9" * 400,
    b"9" * 5000,
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b"\\",
    b"\\u",
    b"\\ud800",
    b",",
    b":",
    b"|",
    b"=",
    b"\x00",
    b"\x1b[2J",
    b"\x1b]0;x\x07",
    b"\xc2\x9b",
    b"\xff\xfe",
    b"\xc3(",
    b"\r\n",
    b"%",
    b"-273",
    b"STATUS=",
    b',"id":1}',
    b"'STATS':{",
    b"MM ID0",
    b"[" * 2000,
    b"]" * 50,
    b" " * 64,
]
"""Protocol-significant fragments inserted by the byte mutator."""

BLOB_TOKENS: list[str] = [
    "[",
    "]",
    "[[",
    "]]",
    " ",
    "%",
    ":",
    "'STATS':{",
    "}",
    "-",
    ".",
    "0",
    "00",
    "-273",
    "9" * 400,
    "9" * 5000,
    "1.5",
    "+1",
    "\x1b[31m",
    "\x9b",
    "\u202e",
    "\ufffd",
    "Key[",
    "PS[",
    "] ",
    "[ ]",
]


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[bytes] | None = None) -> bytes:
    """A capture with up to six byte-level mutations (or a splice of two captures)."""
    pool = seeds or CAPTURES
    data = bytearray(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(("flip", "insert", "token", "delete", "truncate", "splice")))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[at:]
        else:
            other = draw(st.sampled_from(pool))
            data[at:] = other[draw(st.integers(0, len(other))) :]
    return bytes(data)


_json_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    _json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


@st.composite
def mutated_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A decoded capture with up to three subtrees replaced by arbitrary JSON values."""
    body = json.loads(draw(st.sampled_from(_bodies())))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(body)[1:] or [()]))
        if not path:
            break
        node = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = draw(json_values)
    return body  # type: ignore[no-any-return]


@st.composite
def mutated_blobs(draw: st.DrawFn) -> str:
    """An MM ID0 capture with up to six character-level mutations, or generated Key[value]s."""
    if draw(st.integers(0, 4)) == 0:
        pairs = draw(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=20))
        return " ".join(f"{k}[{v}]" for k, v in pairs)
    text = draw(st.sampled_from(BLOBS))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(("token", "text", "delete", "truncate")))
        if op == "token":
            text = text[:at] + draw(st.sampled_from(BLOB_TOKENS)) + text[at:]
        elif op == "text":
            text = text[:at] + draw(st.text(min_size=1, max_size=6)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        else:
            text = text[:at]
    return text


@cache
def _bodies() -> list[str]:
    """Every capture that decodes, as JSON text (each draw parses its own mutable copy)."""
    decoded = (_decode_or_none(c) for c in CAPTURES)
    return [json.dumps(b) for b in decoded if b is not None]


def _decode_or_none(data: bytes) -> dict[str, Any] | None:
    try:
        return decode_reply(data)
    except ProtocolError:
        return None


# ---- oracles ---------------------------------------------------------------------------------


def check_decode(data: bytes) -> dict[str, Any] | None:
    """decode_reply gives a dict or ProtocolError; ProtocolError text is printable."""
    try:
        body = decode_reply(data)
    except ProtocolError as exc:
        error = str(exc)
    else:
        assert isinstance(body, dict)
        return body
    check_clean(error, 10_000)  # error text is printed as is: device bytes must be repr-escaped
    return None


def check_model(body: dict[str, Any]) -> None:
    """Every wire-to-model step accepts any decoded reply without raising."""
    with_parts = [body] + [p for p in (joined_part(body, k) for k in list(body)) if p is not None]
    for part in with_parts:
        with contextlib.suppress(ProtocolError):
            reply_status(part)
        blob = find_blob(part)
        info = parse_info(version_entry(part), blob)
        assert isinstance(info, HeaterInfo)
        summaries = section(part, "SUMMARY")
        status = parse_status(
            info,
            blob or {},
            host="127.0.0.1",
            port=4028,
            summary=summaries[0] if summaries else None,
            pools=parse_pools(part),
        )
        for text in (status.info.product, status.info.firmware, status.pool_url or ""):
            check_clean(text)
        json.dumps(status.to_json_dict(), default=str, allow_nan=False)


def check_blob(text: str) -> None:
    """parse_blob never raises; every value is typed; the number helpers never raise."""
    blob = parse_blob(text)
    for key, value in blob.items():
        assert isinstance(key, str)
        assert isinstance(value, int | float | str | tuple)
        as_number(value)
        as_numbers(value)


def check_clean(text: str, cap: int = MAX_TEXT_CHARS) -> None:
    """Sanitised text has no control or format characters and respects its cap."""
    assert len(text) <= cap
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text), repr(text)
    assert "\u202e" not in text


def check_sanitize(value: str | bytes) -> None:
    """Sanitized output is clean, capped and a fixed point."""
    cleaned = sanitize(value)
    check_clean(cleaned)
    assert sanitize(cleaned) == cleaned
