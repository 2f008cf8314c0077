"""Provides CPU-time-per-input checks: hostile input shapes and a linear-growth oracle.

Issue 14 found a blob body that made a backtracking regex quadratic: 18 kB took 1.1 s, and
because parsing runs on the event loop no deadline could fire. Wall-clock limits cannot catch
this class on a shared two-core machine, so the checks here compare CPU time (``thread_time``)
of the same parser on inputs of growing size and on a benign input of the same size:

- growth: quadrupling the input must cost at most ``GROWTH_LIMIT`` times as much (linear code
  gives about 4, quadratic code 16);
- hostile vs benign: at the reply cap, the worst shape costs at most ``HOSTILE_LIMIT`` times a
  realistic reply of the same size.

Times below ``NOISE_FLOOR_S`` are too short to rank and count as fine: a quadratic parser is
seconds long at these sizes, far above it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from nanoheater.exceptions import ProtocolError
from nanoheater.protocol.blob import parse_blob, parse_hbinfo
from nanoheater.protocol.codec import decode_reply
from nanoheater.protocol.parse import find_blob, parse_info, parse_pools, version_entry
from tests.reliability.fuzzing import BLOBS

GROWTH_LIMIT = 8.0
"""Allowed cost ratio for 4x the input: linear is ~4, quadratic ~16; the rest is noise margin."""
HOSTILE_LIMIT = 8.0
"""Allowed cost of the worst hostile body over a benign body of the same size."""
NOISE_FLOOR_S = 0.004
"""A parse this short cannot be ranked on a busy machine (and blocks nothing)."""
SIZES = (4 << 10, 16 << 10, 64 << 10, 256 << 10)
"""Input sizes of the growth ladder; the last is the reply cap (MAX_REPLY_BYTES)."""


def cpu_s(parse: Callable[[Any], object], value: Any, *, budget_s: float = 0.05) -> float:
    """CPU seconds of one ``parse(value)``: the best of repeated calls (at least 5).

    The best of several is what the parser costs when nothing else disturbs it; one sample on a
    machine shared with other test workers read 10x where the quiet figure is 4.3x.
    """
    best = float("inf")
    spent = 0.0
    runs = 0
    while runs < 5 or spent < budget_s:
        start = time.thread_time()
        with contextlib.suppress(ProtocolError):  # refusing is fine: the time is what counts
            parse(value)
        took = time.thread_time() - start
        best = min(best, took)
        spent += took
        runs += 1
        if runs >= 50:
            break
    return best


def fill(unit: str, size: int) -> str:
    """``unit`` repeated and cut to exactly ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


_REAL_PAIRS = [p + "]" for p in max(BLOBS, key=len).split("]")[:-1]]


def benign_blob(size: int) -> str:
    """A realistic MM ID0 string of ``size`` characters: real pairs, keys made unique."""
    out: list[str] = []
    length = 0
    index = 0
    while length < size:
        key, _, value = _REAL_PAIRS[index % len(_REAL_PAIRS)].partition("[")
        piece = f"{key.strip()}{index}[{value} "
        out.append(piece)
        length += len(piece)
        index += 1
    return "".join(out)[:size]


BLOB_SHAPES: dict[str, Callable[[int], str]] = {
    "no brackets": lambda n: fill("x", n),
    "junk after a pair": lambda n: "a[1]" + fill("x", n - 4),
    "open brackets": lambda n: fill("[", n),
    "close brackets": lambda n: fill("]", n),
    "bracket pairs": lambda n: fill("[]", n),
    "reversed pairs": lambda n: fill("][", n),
    "deep nesting": lambda n: "k[" + "[" * (n // 2 - 2) + "]" * (n // 2 - 2) + "]",
    "stray closers": lambda n: fill("a] ", n),
    "board headers": lambda n: fill("'a':{", n),
    "wrapper then junk": lambda n: "'STATS':{" + fill(" ", n - 10) + "}",
    "one long number": lambda n: "k[" + fill("9", n - 3) + "]",
    "long array": lambda n: "k[" + fill("1 ", n - 3) + "]",
    "long numbers": lambda n: fill("k[9999999999999999999999999999999999999] ", n),
    "percentages": lambda n: fill("k[1.5%] ", n),
    "colon keys": lambda n: fill("k:[1] ", n),
}
"""Blob bodies built to hit each branch of the blob scanner as often as possible."""


def parse_blob_fully(text: str) -> None:
    """Everything the client may do with a blob body: split, type every value, board split."""
    parse_blob(text)
    parse_hbinfo(text)


def stats_reply(blob: str) -> bytes:
    """A well-formed stats reply carrying ``blob`` as its MM ID0 string."""
    body = {
        "STATUS": [{"STATUS": "S", "When": 1, "Code": 70, "Msg": "CGMiner stats"}],
        "STATS": [{"MM ID0": blob}],
        "id": 1,
    }
    return json.dumps(body).encode()


def _fillb(unit: bytes, size: int) -> bytes:
    return (unit * (size // len(unit) + 1))[:size]


_HEAD = b'{"STATUS":[{"STATUS":"S"}],"a":'
REPLY_SHAPES: dict[str, Callable[[int], bytes]] = {
    "bare inf": lambda n: _HEAD + b"[" + _fillb(b"inf,", n - 40) + b"0]}",
    "truncated list": lambda n: _HEAD + b"[" + _fillb(b"1,", n - 40),
    "truncated nesting": lambda n: _HEAD + _fillb(b"[1,", n - 40),
    "truncated strings": lambda n: _HEAD + b"[" + _fillb(b'"\\"",', n - 40),
    "deep nesting": lambda n: _HEAD + _fillb(b"[", n - 40),
    "long number": lambda n: _HEAD + _fillb(b"1", n - 40) + b".5}",
    "escaped string": lambda n: _HEAD + b'"' + _fillb(b"\\u0041", n - 40) + b'"}',
    "text: split message": lambda n: b"STATUS=S,Msg=x|" + _fillb(b"x|", n - 20),
    "text: commas in a value": lambda n: b"STATUS=S,Msg=x|A,a=1" + _fillb(b",x", n - 30),
    "text: brackets": lambda n: b"STATUS=S,Msg=x|A,a=" + _fillb(b"[", n - 30),
    "text: many pairs": lambda n: b"STATUS=S,Msg=x|A" + _fillb(b",a=1", n - 30),
    "blob: reversed pairs": lambda n: stats_reply(fill("][", n - 120)),
    "blob: long array": lambda n: stats_reply("k[" + fill("1 ", n - 124) + "]"),
}
"""Whole replies built to hit the codec's repair paths and the text dialect."""


def parse_reply_fully(data: bytes) -> None:
    """Everything the client does with one reply: decode, find and type the blob, identity."""
    body = decode_reply(data)
    blob = find_blob(body)
    if blob is not None:
        dict(blob.items())
    parse_info(version_entry(body), blob)
    parse_pools(body)


SANITIZE_SHAPES: dict[str, Callable[[int], str]] = {
    "benign": lambda n: fill("Avalon Nano3s pool ", n),
    "CSI without a final byte": lambda n: "\x1b[" + "0" * (n - 2),
    "ESC [ repeated": lambda n: fill("\x1b[", n),
    "OSC openers repeated": lambda n: fill("\x1b]", n),
    "8-bit CSI parameters": lambda n: fill("\x9b" + "0;" * 20, n),
    "controls and bidi": lambda n: fill("\x07\x00\u202ea\u2028", n),
}
"""Text ``sanitize`` cleans: every device string and every log line (``SafeFormatter``)."""


def growth_failures(parse: Callable[[Any], object], make: Callable[[int], Any]) -> list[str]:
    """Return what breaks linear growth along ``SIZES`` (empty when the parser is linear).

    Stops at the first failing step, so a quadratic parser fails in about a second instead of
    running for minutes at the larger sizes.
    """
    previous: float | None = None
    for size in SIZES:
        took = cpu_s(parse, make(size))
        if previous is not None and took > NOISE_FLOOR_S and took > GROWTH_LIMIT * previous:
            return [f"{size // 4} -> {size} chars: {previous * 1e3:.2f} -> {took * 1e3:.2f} ms"]
        previous = took
    return []
