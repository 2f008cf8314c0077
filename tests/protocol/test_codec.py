"""The codec: request encoding limits, reply repairs, the text dialect, and robustness."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoheater.const import MAX_REPLY_BYTES, MAX_REQUEST_BYTES
from nanoheater.exceptions import ProtocolError, UsageError
from nanoheater.protocol.codec import decode_reply, encode_request, joined_part, reply_status

OK = '{"STATUS":[{"STATUS":"S","When":1,"Code":11,"Msg":"Summary","Description":"cgminer 4.11.1"}]'


def test_encode_request_is_compact_json() -> None:
    """Requests use the JSON dialect with exactly the keys command and parameter."""
    assert encode_request("version") == b'{"command":"version"}'
    assert json.loads(encode_request("ascset", "0,workmode,set,2")) == {
        "command": "ascset",
        "parameter": "0,workmode,set,2",
    }
    assert json.loads(encode_request("ascset", 5))["parameter"] == "5"


@pytest.mark.parametrize("command", ["", "ascset|0,help", "version\n", "ver\x1bsion"])
def test_encode_request_rejects_bad_commands(command: str) -> None:
    """Empty commands, pipes inside JSON commands and control characters are usage errors."""
    with pytest.raises(UsageError):
        encode_request(command)


def test_encode_request_respects_the_single_recv_limit() -> None:
    """A request longer than the firmware's 4095-byte recv is refused before sending."""
    overhead = len(encode_request("ascset", ""))
    assert len(encode_request("ascset", "x" * (MAX_REQUEST_BYTES - overhead))) == MAX_REQUEST_BYTES
    with pytest.raises(UsageError):
        encode_request("ascset", "x" * (MAX_REQUEST_BYTES - overhead + 1))


def test_decode_strips_exactly_one_nul() -> None:
    """One trailing NUL is the terminator; a second one means a garbled reply."""
    reply = (OK + ',"id":1}').encode()
    assert decode_reply(reply + b"\x00")["id"] == 1
    assert decode_reply(reply)["id"] == 1
    with pytest.raises(ProtocolError):
        decode_reply(reply + b"\x00\x00")


def test_decode_repairs_inf_and_nan_outside_strings() -> None:
    """Bare inf/nan (unguarded divisions) become 0; the same words inside strings survive."""
    body = OK + ',"SUMMARY":[{"MHS av":inf,"MHS 5s":-nan,"Msg":"info nan inf"}],"id":1}'
    summary = decode_reply(body.encode() + b"\x00")["SUMMARY"][0]
    assert summary == {"MHS av": 0, "MHS 5s": 0, "Msg": "info nan inf"}


def test_decode_accepts_python_style_constants_as_zero() -> None:
    """NaN and Infinity tokens are also read as 0, never as float nan."""
    assert decode_reply(b'{"a":NaN,"b":-Infinity}')["a"] == 0.0


def test_decode_repairs_the_leading_id_fragment() -> None:
    """The stray ',"id":1}' fragment some Avalons send becomes {"id":1}."""
    assert decode_reply(b',"id":1}\x00') == {"id": 1}


def test_decode_trims_a_truncated_reply_to_its_last_complete_value() -> None:
    """A reply cut mid-way keeps what was complete and closes the brackets."""
    body = OK + ',"SUMMARY":[{"Elapsed":5,"Accepted":7,"MHS av":12'
    decoded = decode_reply(body.encode())
    assert decoded["SUMMARY"] == [{"Elapsed": 5, "Accepted": 7}]


def test_decode_caps_the_reply_size() -> None:
    """A reply past the cap is refused instead of parsed."""
    with pytest.raises(ProtocolError):
        decode_reply(b"{" + b" " * MAX_REPLY_BYTES + b"}")


@pytest.mark.parametrize(
    "data", [b"", b"\x00", b"garbage", b"\xff\xfe\x00", b"[1,2]", b"[" * 100000, b"{" * 5000]
)
def test_decode_rejects_non_replies(data: bytes) -> None:
    """Empty, non-JSON, non-object and absurdly nested replies raise ProtocolError."""
    with pytest.raises(ProtocolError):
        decode_reply(data)


def test_decode_text_dialect_keeps_unescaped_commas() -> None:
    """Text dialect: a value with commas and '=' less pieces stays one value."""
    text = (
        b"STATUS=S,When=5,Code=70,Msg=CGMiner stats,Description=cgminer 4.11.1|"
        b"STATS=0,ID=AVALON0,MM ID0=SYSTEMSTATU[Work: In Work, Hash Board: 1] PS[0 1 2],"
        b"MM Count=1|\x00"
    )
    body = decode_reply(text)
    assert body["STATS"][0]["MM ID0"] == "SYSTEMSTATU[Work: In Work, Hash Board: 1] PS[0 1 2]"
    assert body["STATS"][0]["MM Count"] == 1
    assert reply_status(body).code == 70


def test_decode_text_dialect_glues_a_piped_message() -> None:
    """An ascset help list sent as text keeps its '|'-separated options in Msg."""
    text = b"STATUS=I,When=5,Code=118,Msg=ASC 0 set info: help|voltage|fan-spd|\x00"
    assert reply_status(decode_reply(text)).msg == "ASC 0 set info: help|voltage|fan-spd"


def test_reply_status_requires_a_status() -> None:
    """A reply without STATUS or with an unknown letter is a protocol error."""
    with pytest.raises(ProtocolError):
        reply_status({"id": 1})
    with pytest.raises(ProtocolError):
        reply_status({"STATUS": [{"STATUS": "X"}]})


def test_joined_part_extracts_each_command() -> None:
    """A joined reply carries one list per command; joined_part returns its first entry."""
    body = json.loads('{"summary":[' + OK + ',"id":1}],"pools":[' + OK + ',"id":1}],"id":1}')
    part = joined_part(body, "summary")
    assert part is not None
    assert reply_status(part).code == 11
    assert joined_part(body, "estats") is None


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
@settings(max_examples=200, deadline=None)
def test_decode_round_trips_any_json_object(body: dict[str, Any]) -> None:
    """Whatever JSON object the device sends (plus its NUL) decodes to the same object."""
    assert decode_reply(json.dumps(body).encode() + b"\x00") == body


@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=200), st.integers()))
@settings(max_examples=200, deadline=None)
def test_encode_round_trips_or_refuses(command: str, parameter: str | int | None) -> None:
    """encode_request either refuses with UsageError or produces JSON that reads back exactly."""
    try:
        data = encode_request(command, parameter)
    except UsageError:
        return
    assert len(data) <= MAX_REQUEST_BYTES
    decoded = json.loads(data)
    assert decoded["command"] == command
    assert decoded.get("parameter") == (None if parameter is None else str(parameter))


@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_decode_never_raises_anything_but_protocol_error(data: bytes) -> None:
    """Arbitrary bytes either decode to a dict or raise ProtocolError, nothing else."""
    with contextlib.suppress(ProtocolError):
        assert isinstance(decode_reply(data), dict)


@given(st.integers(min_value=0, max_value=4000))
@settings(max_examples=200, deadline=None)
def test_any_truncation_of_a_real_reply_is_handled(cut: int) -> None:
    """Cutting a real reply anywhere gives a dict or a ProtocolError, never another error."""
    from tests.protocol.test_captures import CAPTURES

    data = (CAPTURES / "q_stats.json").read_bytes()[:cut]
    with contextlib.suppress(ProtocolError):
        assert isinstance(decode_reply(data), dict)


def test_decode_accepts_raw_control_characters_inside_strings() -> None:
    """api_add_escape escapes only quotes and backslashes, so raw controls arrive in strings."""
    body = decode_reply(b'{"STATUS":[{"STATUS":"S","Msg":"a\x1b[2Jb\x07"}],"id":1}\x00')
    assert reply_status(body).msg == "a\x1b[2Jb\x07"
