"""CPU time per input: every parser of device bytes is linear, whatever the bytes (issue 14).

See tests/reliability/cputime.py for the shapes and why the checks are ratios of CPU time, not
wall-clock limits. The figures behind RELIABILITY.md's bound come from ``bench/fuzz_codec.py
--cpu``.
"""

from __future__ import annotations

import pytest

from nanoheater.const import MAX_REPLY_BYTES
from tests.reliability.cputime import (
    BLOB_SHAPES,
    HOSTILE_LIMIT,
    REPLY_SHAPES,
    benign_blob,
    cpu_s,
    growth_failures,
    parse_blob_fully,
    parse_reply_fully,
    stats_reply,
)


@pytest.mark.parametrize("shape", sorted(BLOB_SHAPES))
def test_blob_parser_is_linear_in_its_input(shape: str) -> None:
    """Pins: 4x the blob costs at most ~4x the CPU (the quadratic regex cost 16x and more)."""
    assert growth_failures(parse_blob_fully, BLOB_SHAPES[shape]) == []


@pytest.mark.parametrize("shape", sorted(REPLY_SHAPES))
def test_reply_decoding_is_linear_in_its_input(shape: str) -> None:
    """Pins: the codec's repairs and the text dialect are linear (gluing strings was quadratic)."""
    assert growth_failures(parse_reply_fully, REPLY_SHAPES[shape]) == []


def test_a_hostile_blob_costs_a_small_multiple_of_a_benign_one() -> None:
    """Pins: at the reply cap, no blob shape costs more than HOSTILE_LIMIT x a realistic blob."""
    size = MAX_REPLY_BYTES
    benign = cpu_s(parse_blob_fully, benign_blob(size))
    worst = {
        name: cpu_s(parse_blob_fully, make(size)) / benign for name, make in BLOB_SHAPES.items()
    }
    assert max(worst.values()) <= HOSTILE_LIMIT, worst


def test_a_hostile_reply_costs_a_small_multiple_of_a_benign_one() -> None:
    """Pins: at the reply cap, no reply shape costs more than HOSTILE_LIMIT x a realistic reply."""
    size = MAX_REPLY_BYTES
    benign_reply = stats_reply(benign_blob(size - 120))
    assert len(benign_reply) <= size
    benign = cpu_s(parse_reply_fully, benign_reply)
    worst = {
        name: cpu_s(parse_reply_fully, make(size)) / benign for name, make in REPLY_SHAPES.items()
    }
    assert max(worst.values()) <= HOSTILE_LIMIT, worst


def test_the_shapes_fit_under_the_cap() -> None:
    """Pins: the hostile replies measured above are ones the client would accept and parse."""
    for make in REPLY_SHAPES.values():
        assert len(make(MAX_REPLY_BYTES)) <= MAX_REPLY_BYTES
