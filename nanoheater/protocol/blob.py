r"""Provides ``parse_blob``: the bracket-aware parser for the ``MM ID0`` status string.

The firmware packs its real telemetry into one ``sprintf``-built string of ``Key[value]`` pairs
(docs/protocol.md §1.6). Whitespace splitting and the ``(\w+)\[([^\]]*)\]`` regex other clients use
both break on it: values carry spaces and commas (``SYSTEMSTATU[Work: In Work, Hash Board: 1]``),
keys carry spaces (``Nonce Mask[25]``, which pyasic reads as ``Mask``), the Avalon Q wraps it in
``'STATS':{...}`` and some Q firmware writes ``Key:[v]``. This scanner walks the string once,
matching each ``[`` with its ``]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final, TypeVar, overload

Number = int | float
BlobValue = int | float | str | tuple[Number, ...]
"""A typed blob value: a number, a tuple of numbers (chip and board arrays) or the raw text."""

_T = TypeVar("_T")
_ABSENT: Final = object()

NO_SENSOR_C = -273
"""Temperature the firmware reports for a missing sensor (Nano 3S ``ITemp[-273]``)."""

MAX_NUMBER_CHARS = 40
"""A bracketed value longer than this is never parsed as a number (hostile digit runs)."""

_WRAPPER = re.compile(r"^\s*'([^']*)'\s*:\s*\{")
_BRACKET = re.compile(r"[\[\]]")
_HB_ENTRY = re.compile(r"'([^']+)'\s*:\s*\{")
# A leading zero followed by more digits is an identifier (DNA 0000000000000000), not a number.
_NUMBER = re.compile(r"[+-]?(?:0|[1-9]\d*)(?:\.\d+)?")


def parse_blob(text: str) -> dict[str, BlobValue]:
    """Parse an ``MM ID0`` / ``MM ID0:Summary`` / ``HBinfo`` board string into typed values.

    Numbers become int or float, a trailing ``%`` is dropped (``FanR[33%]`` → 33), space-padded
    arrays become tuples (``PVT_T0[ 85  91]`` → (85, 91)), anything else stays text
    (``SYSTEMSTATU``, ``ATA2[133-90-3756-432-20]``, empty ``SSID[]`` → ""). A value cut off by a
    truncated reply is dropped rather than guessed. The -273 "no sensor" value is kept as is;
    see ``NO_SENSOR_C``.

    >>> parse_blob("'STATS':{Ver[Q-1] FanR[0%] Nonce Mask[25] PS[0 1221 4]}")
    {'Ver': 'Q-1', 'FanR': 0, 'Nonce Mask': 25, 'PS': (0, 1221, 4)}
    """
    return {key: typed_value(raw) for key, raw in split_blob(text).items()}


class Blob(Mapping[str, BlobValue]):
    """A parsed blob that types each value on first access (status reads use about 20 of ~60)."""

    __slots__ = ("_raw", "_typed")

    def __init__(self, text: str) -> None:
        self._raw = split_blob(text)
        self._typed: dict[str, BlobValue] = {}

    def __getitem__(self, key: str) -> BlobValue:
        try:
            return self._typed[key]
        except KeyError:
            value = self._typed[key] = typed_value(self._raw[key])
            return value

    @overload
    def get(self, key: str, /) -> BlobValue | None: ...

    @overload
    def get(self, key: str, /, default: BlobValue | _T) -> BlobValue | _T: ...

    def get(self, key: str, /, default: object = None) -> object:
        """Return the typed value of ``key``, or ``default`` if the blob does not have it.

        Its own rather than the Mapping mixin's, which goes through ``__getitem__`` and raises
        and catches KeyError for every absent key (a status asks for about ten of those).
        """
        value = self._typed.get(key, _ABSENT)
        if value is _ABSENT:
            raw = self._raw.get(key)
            if raw is None:
                return default
            value = self._typed[key] = typed_value(raw)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, key: object) -> bool:
        return key in self._raw


def split_blob(text: str) -> dict[str, str]:
    """Split a blob into raw ``key -> value text`` pairs (brackets matched, wrapper removed).

    Linear in the length of ``text`` whatever it holds (brackets or none, nesting, junk): the
    blob arrives from the network and is parsed on the event loop, so a reply crafted to make a
    backtracking regex go quadratic would freeze every device's deadline (issue 14).
    """
    body = _unwrap(text)
    # Fast path, the common case: flat ``Key[value]`` pairs. Splitting on ``]`` is one C-level
    # pass; a piece with no ``[`` (a stray ``]``) or two (nesting) hands over to the scanner.
    pieces = body.split("]")
    result: dict[str, str] = {}
    for piece in pieces[:-1]:
        key, bracket, value = piece.partition("[")
        if not bracket or "[" in value:
            return _split_nested(body)
        # Inlined for the ~60 keys of every status: _clean_key only for the rare Q spellings.
        # (A map/zip/dict version measured twice as slow: it walks the pieces three times.)
        key = key.strip()
        if key.endswith(":") or "{" in key:
            key = _clean_key(key)
        if key:
            result[key] = value
    # The last piece is trailing text, or a value cut off by a truncated reply: dropped.
    return result


def _split_nested(body: str) -> dict[str, str]:
    """Split a blob whose values nest brackets: one pass over the brackets, counting depth."""
    result: dict[str, str] = {}
    key_from = 0
    open_at = -1
    depth = 0
    for match in _BRACKET.finditer(body):
        at = match.start()
        if body[at] == "[":
            if depth == 0:
                open_at = at
            depth += 1
        elif depth:  # a ``]`` outside any value is junk that stays part of the next key
            depth -= 1
            if depth == 0:
                key = _clean_key(body[key_from:open_at])
                if key:
                    result[key] = body[open_at + 1 : at]
                key_from = at + 1
    return result  # an unclosed value at the end was cut off by truncation: dropped


def parse_hbinfo(text: str) -> dict[str, dict[str, BlobValue]]:
    """Parse the Avalon Q ``HBinfo`` string ``'HB0':{PVT_T0[...] ...}`` into one dict per board."""
    boards: dict[str, dict[str, BlobValue]] = {}
    matches = list(_HB_ENTRY.finditer(text))
    for position, match in enumerate(matches):
        end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
        boards[match.group(1)] = parse_blob(text[match.end() : end])
    return boards


def typed_value(raw: str) -> BlobValue:
    """Convert one bracketed value to a number, a tuple of numbers, or stripped text."""
    text = raw.strip()
    if not text:
        return ""
    if len(text) <= MAX_NUMBER_CHARS and text.isascii() and (text[0] != "0" or len(text) == 1):
        # The common case, first because the blob is parsed often. Tested rather than tried:
        # int() raising ValueError for every float and word (about half the values a status
        # reads) cost more than the conversion. ASCII digits after an optional sign are exactly
        # what int() accepts here (no spaces or underscores are left).
        digits = text[1:] if text[0] in "+-" else text
        if digits.isdigit():
            return int(text)
    if text.endswith("%"):
        number = _number(text[:-1].strip())
        if number is not None:
            return number
        return text
    tokens = text.split()
    if len(tokens) == 1:
        number = _number(text)
        return text if number is None else number
    numbers: list[Number] = []
    for token in tokens:
        number = _number(token)
        if number is None:
            return text
        numbers.append(number)
    return tuple(numbers)


def as_number(value: BlobValue | None) -> float | None:
    """Return a scalar value as float; the first element of a tuple; None for text or absent."""
    numbers = as_numbers(value[:1] if isinstance(value, tuple) else value)
    return numbers[0] if numbers else None


def as_numbers(value: BlobValue | None) -> tuple[float, ...]:
    """Return a value as a tuple of floats (a scalar becomes a 1-tuple, text an empty tuple).

    An integer too large for a float (a hostile ``TMax[999...]``) makes the value count as text.
    """
    try:
        if isinstance(value, tuple):
            return tuple(float(v) for v in value)
        if isinstance(value, int | float):
            return (float(value),)
    except OverflowError:
        return ()
    return ()


def _number(token: str) -> Number | None:
    # int() refuses thousands of digits with ValueError (int_max_str_digits) and float() turns
    # hundreds into inf: no real blob number is this long, so a longer run stays text.
    if len(token) > MAX_NUMBER_CHARS:
        return None
    # ASCII string tests first, the regex only for what they cannot decide: a status has a
    # dozen of these (PS[] alone is seven), and they accept exactly what _NUMBER accepts.
    unsigned = token[1:] if token[:1] in ("+", "-") else token
    whole, dot, fraction = unsigned.partition(".")
    if whole.isdigit() and whole.isascii() and (whole[0] != "0" or len(whole) == 1):
        if not dot:
            return int(token)
        if fraction.isdigit() and fraction.isascii():
            return float(token)
    if not _NUMBER.fullmatch(token):
        return None
    return float(token) if "." in token else int(token)


def _unwrap(text: str) -> str:
    """Strip the Q ``'STATS':{ ... }`` wrapper (its closing brace may be lost to truncation)."""
    match = _WRAPPER.match(text)
    if not match:
        return text
    inner = text[match.end() :].rstrip()
    return inner[:-1] if inner.endswith("}") else inner


def _clean_key(raw: str) -> str:
    key = raw.strip()
    if key.endswith(":"):
        key = key[:-1].rstrip()  # the ``Key:[v]`` spelling of some Q firmware
    if "{" in key:
        key = key.rsplit("{", 1)[1].strip()
    return key
