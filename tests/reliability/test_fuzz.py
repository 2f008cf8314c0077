"""Short fuzz run of the codec, blob parser, wire-to-model step and sanitiser (the long one: bench).

Same strategies and oracles as ``bench/fuzz_codec.py`` (tests/reliability/fuzzing.py), seeded
from the real captures, a few hundred derandomised examples per target so the suite stays fast
and repeatable; the inputs that once crashed the library are pinned as explicit examples.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nanoheater.protocol.blob import as_number, parse_blob
from nanoheater.protocol.codec import decode_reply, reply_status
from tests.reliability.fuzzing import (
    BLOBS,
    CAPTURES,
    check_blob,
    check_decode,
    check_model,
    check_sanitize,
    mutated_blobs,
    mutated_bodies,
    mutated_bytes,
)

SHORT = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HUGE_WHEN = b'{"STATUS":[{"STATUS":"S","When":1' + b"0" * 400 + b',"Code":11}],"id":1}\x00'
TEXT_DIGITS = b"STATUS=S,When=1,Code=11,Msg=x|SUMMARY,Elapsed=1" + b"9" * 5000 + b"|\x00"
INF_SUMMARY = b'{"STATUS":[{"STATUS":"S","When":1e999}],"SUMMARY":[{"MHS av":1e999}],"id":1}\x00'


def test_seeds_are_real_captures() -> None:
    """Pins: the fuzzer starts from every capture and finds MM ID0 strings in them."""
    assert len(CAPTURES) >= 30
    assert len(BLOBS) >= 3
    assert all(check_decode(c) is not None for c in CAPTURES)


@SHORT
@given(mutated_bytes())
@example(HUGE_WHEN)
@example(TEXT_DIGITS)
@example(INF_SUMMARY)
def test_codec_and_model_accept_any_bytes(data: bytes) -> None:
    """Pins: any mutated capture decodes to a dict (which the model step takes) or ProtocolError."""
    body = check_decode(data)
    if body is not None:
        check_model(body)


@settings(SHORT, max_examples=150)
@given(mutated_bodies())
def test_model_accepts_any_values(body: dict[str, object]) -> None:
    """Pins: arbitrary JSON values anywhere in a real reply never crash the wire-to-model step."""
    check_model(body)


@SHORT
@given(mutated_blobs())
@example("TMax[" + "9" * 400 + "] PS[0 1 2 3 4 5 " + "9" * 400 + "]")
@example("TMax[" + "9" * 5000 + "]")
@example("PS[" + "[" * 3000)
def test_blob_parser_accepts_any_text(text: str) -> None:
    """Pins: parse_blob and the number helpers never raise, whatever the MM ID0 string holds."""
    check_blob(text)


@SHORT
@given(st.text() | st.binary())
def test_sanitize_is_clean_capped_and_idempotent(value: str | bytes) -> None:
    """Pins: sanitize output never holds a control or bidi character and is a fixed point."""
    check_sanitize(value)


def test_found_crashers_are_now_typed_values() -> None:
    """Pins the fixed crashers: a 400-digit When, 5000 digits in text, 1e999, 400-digit TMax."""
    assert reply_status(decode_reply(HUGE_WHEN)).when is None  # junk clock: absent (issue 14)
    assert decode_reply(TEXT_DIGITS)["SUMMARY"][0]["Elapsed"] == 0
    assert decode_reply(INF_SUMMARY)["SUMMARY"][0]["MHS av"] == 0.0
    assert as_number(parse_blob("TMax[" + "9" * 400 + "]").get("TMax")) is None
    assert parse_blob("TMax[" + "9" * 5000 + "]")["TMax"] == "9" * 5000
