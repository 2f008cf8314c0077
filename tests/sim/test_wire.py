"""Request parsing, framing, envelopes, joins and number formats of the simulated firmware."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim import wire
from firmware_sim.handlers import dispatch
from firmware_sim.view import COUNT_QUANTUM_HASHES
from tests.sim.standin import StandIn


def reply(sim: StandIn, request: bytes) -> bytes:
    data = dispatch(sim, request)
    assert data.endswith(b"\x00")
    assert data.count(b"\x00") == 1
    return data[:-1]


def as_json(sim: StandIn, request: bytes) -> Any:
    return json.loads(reply(sim, request))


def status(sim: StandIn, request: bytes) -> dict[str, Any]:
    out: dict[str, Any] = as_json(sim, request)["STATUS"][0]
    return out


@pytest.fixture
def sim() -> StandIn:
    return StandIn("nano3s")


def test_wire_every_reply_ends_with_one_nul(sim: StandIn) -> None:
    """Both dialects, good and bad requests: one trailing NUL and nothing after it."""
    for request in (b"version", b'{"command":"version"}', b"bogus", b"{", b"", b"summary+devs"):
        data = dispatch(sim, request)
        assert data[-1:] == b"\x00"
        assert b"\x00" not in data[:-1]


def test_wire_json_reply_ends_with_id(sim: StandIn) -> None:
    """A JSON reply ends with ,"id":1} and carries STATUS then the section."""
    data = reply(sim, b'{"command":"summary"}').decode()
    assert data.endswith(',"id":1}')
    assert list(json.loads(data)) == ["STATUS", "SUMMARY", "id"]


def test_wire_text_envelope_and_header(sim: StandIn) -> None:
    """Text: STATUS=S,When,Code,Msg,Description|SUMMARY,Elapsed=...|."""
    data = reply(sim, b"summary").decode()
    head, body, tail = data.split("|")
    assert head == f"STATUS=S,When={int(sim.t)},Code=11,Msg=Summary,Description=cgminer 4.11.1"
    assert body.startswith("SUMMARY,Elapsed=")
    assert tail == ""


def test_wire_text_index_records_have_no_header(sim: StandIn) -> None:
    """devs, pools, stats and devdetails start records with their index key, not a header."""
    assert reply(sim, b"devs").decode().split("|")[1].startswith("ASC=0,Name=AVALON,ID=0,")
    assert reply(sim, b"devdetails").decode().split("|")[1].startswith("DEVDETAILS=0,")
    assert reply(sim, b"stats").decode().split("|")[1].startswith("STATS=0,ID=AVALON0,")


def test_wire_text_no_trimming(sim: StandIn) -> None:
    r"""``version\\n`` is an invalid command (Code 14, no Description), as on the device."""
    assert (
        reply(sim, b"version\n").decode()
        == f"STATUS=E,When={int(sim.t)},Code=14,Msg=Invalid command|"
    )
    assert reply(sim, b" version").decode().startswith("STATUS=E,")


def test_wire_text_parameter_split_at_first_pipe(sim: StandIn) -> None:
    """Only the first ``|`` splits; the rest belongs to the parameter."""
    msg = reply(sim, b"ascset|0,bogus|x").decode()
    assert "Msg=ASC 0 set failed: Unknown option: bogus\\|x" in msg


def test_wire_text_escapes_msg(sim: StandIn) -> None:
    """Msg is an escaped string: ``|``, ``,`` and ``=`` get a backslash in text mode."""
    data = reply(sim, b"ascset|0,help").decode()
    assert "Msg=ASC 0 set info: help\\|voltage\\|fan-spd\\|" in data
    assert data.endswith("aging-parameter\\|,Description=cgminer 4.11.1|")


def test_wire_text_blob_is_not_escaped(sim: StandIn) -> None:
    """The blob is added raw, so SYSTEMSTATU's comma breaks naive splitting as on the device."""
    data = reply(sim, b"estats").decode()
    assert "SYSTEMSTATU[Work: In Work, Hash Board: 1]" in data


def test_wire_json_errors(sim: StandIn) -> None:
    """Not an object -> 23, no command -> 24, non-string command -> 14."""
    for bad in (b"{", b"{]", b'{"command":"version"} x', b"{\xff}", b'{"command":"ver\\u0000"}'):
        got = status(sim, bad)
        assert (got["STATUS"], got["Code"], got["Msg"]) == ("E", 23, "Invalid JSON"), bad
    got = status(sim, b'{"parameter":"x"}')
    assert (got["Code"], got["Msg"]) == (24, "Missing JSON 'command'")
    got = status(sim, b'{"command":5}')
    assert (got["Code"], got["Msg"]) == (14, "Invalid command")
    assert "Description" not in got


def test_wire_json_trailing_whitespace_is_harmless(sim: StandIn) -> None:
    """Jansson accepts trailing whitespace and newlines after the object."""
    assert status(sim, b'{"command":"version"}\r\n ')["Code"] == 22


def test_wire_json_nul_is_invalid(sim: StandIn) -> None:
    """A NUL after the object is not whitespace to jansson: Invalid JSON."""
    assert status(sim, b'{"command":"version"}\x00')["Code"] == 23


def test_wire_text_stops_at_nul(sim: StandIn) -> None:
    """The text buffer is a C string: a NUL ends the command."""
    assert reply(sim, b"version\x00garbage").decode().startswith("STATUS=S,")


def test_wire_json_pipe_in_command_is_unknown(sim: StandIn) -> None:
    """Inside JSON, ``ascset|0,fan-spd,-1`` is one (unknown) command name."""
    assert status(sim, b'{"command":"ascset|0,fan-spd,-1"}')["Code"] == 14


def test_wire_json_numeric_parameter(sim: StandIn) -> None:
    """Integer and real parameters become text with %d / %f."""
    assert wire.parse_request(b'{"command":"x","parameter":5}').parameter == "5"
    assert wire.parse_request(b'{"command":"x","parameter":2.5}').parameter == "2.500000"
    assert wire.parse_request(b'{"command":"x","parameter":true}').parameter is None
    assert wire.parse_request(b'{"command":"x","parameter":4294967297}').parameter == "1"


def test_wire_only_first_4095_bytes_count(sim: StandIn) -> None:
    """One recv of 4095 bytes: what follows is never read."""
    padded = b"version" + b"\x00" * 4088 + b"ignored"
    assert wire.parse_request(padded).command == "version"
    long_param = b"ascset|0,fan-spd," + b"5" * 5000
    assert len(wire.parse_request(long_param).parameter or "") == 4095 - len(b"ascset|")
    cut = b'{"command":"version","parameter":"' + b"x" * 4100 + b'"}'
    assert status(sim, cut)["Code"] == 23


def test_wire_join_json_shape(sim: StandIn) -> None:
    """``summary+devs``: each command wrapped with its own id, then the outer id."""
    data = reply(sim, b'{"command":"summary+devs"}').decode()
    assert data.startswith('{"summary":[{"STATUS":[{')
    assert data.endswith(',"id":1}]' + ',"id":1}')
    parsed = json.loads(data)
    assert list(parsed) == ["summary", "devs", "id"]
    assert parsed["devs"][0]["DEVS"][0]["ASC"] == 0
    assert parsed["summary"][0]["id"] == 1


def test_wire_join_text_shape(sim: StandIn) -> None:
    """Text joins prefix each command's reply with ``CMD=<name>|``."""
    data = reply(sim, b"version+config").decode()
    assert data.startswith("CMD=version|STATUS=S,")
    assert "|CMD=config|STATUS=S," in data
    assert "|CONFIG,ASC Count=1," in data
    denied = reply(sim, b"version+ascset").decode()
    assert "|CMD=ascset|STATUS=E,When=" in denied
    assert ",Code=45,Msg=Access denied to 'ascset' command,Description=cgminer 4.11.1|" in denied


def test_wire_join_denies_non_joinable(sim: StandIn) -> None:
    """ascset, check and time inside a join get Code 45 and the rest still runs."""
    parsed = as_json(sim, b'{"command":"version+ascset+check+time"}')
    for name in ("ascset", "check", "time"):
        got = parsed[name][0]["STATUS"][0]
        assert (got["STATUS"], got["Code"]) == ("E", 45)
        assert got["Msg"] == f"Access denied to '{name}' command"
    assert parsed["version"][0]["STATUS"][0]["Code"] == 22


def test_wire_join_unknown_duplicate_and_empty(sim: StandIn) -> None:
    """Unknown names get 14, repeats run once, empty names are skipped."""
    parsed = as_json(sim, b'{"command":"version++version+bogus"}')
    assert list(parsed) == ["version", "bogus", "id"]
    assert parsed["bogus"][0]["STATUS"][0]["Code"] == 14


def test_wire_join_with_nothing_to_run(sim: StandIn) -> None:
    """With no command left the firmware sends the bare id fragment pyasic repairs."""
    assert reply(sim, b'{"command":"+"}') == b',"id":1}'
    assert reply(sim, b"+") == b""


def test_wire_join_ignores_parameter(sim: StandIn) -> None:
    """A join runs every command without its parameter."""
    parsed = as_json(sim, b'{"command":"estats+version","parameter":"all"}')
    assert "STATS" in parsed["estats"][0]


def test_wire_number_formats(sim: StandIn) -> None:
    """%.2f MH/s, %.8f difficulties, %.4f percentages, timevals, %.0f elapsed, booleans."""
    summ = reply(sim, b'{"command":"summary"}').decode()
    # MHS 5s is a count of nonces over five seconds (view.COUNT_QUANTUM_HASHES), printed %.2f.
    five_s = re.search(r'"MHS 5s":(\d+\.\d\d),', summ)
    assert five_s is not None
    nonces = float(five_s.group(1)) * 1e6 * 5.0 / COUNT_QUANTUM_HASHES
    assert nonces == pytest.approx(round(nonces), abs=1e-3)
    assert '"Difficulty Accepted":368550176.00000000,' in summ
    assert '"Difficulty Stale":0E-8,' in summ
    assert '"Pool Stale%":0.0000,' in summ
    assert '"Elapsed":37820,' in summ
    stats = reply(sim, b'{"command":"stats"}').decode()
    assert '"Wait":0.000000,"Max":0.000000,"Min":99999999.000000,' in stats
    assert '"Work Had Roll Time":false,' in stats
    text = reply(sim, b"summary").decode()
    assert ",Difficulty Stale=0.00000000," in text


def test_wire_formatters() -> None:
    """The printf helpers print as the firmware's snprintf does."""
    assert wire.mhs(6598.844) == "6598.84"
    assert wire.diff(0.0) == "0.00000000"
    assert wire.diff(1.5) == "1.50000000"
    assert wire.percent(0.002007) == "0.2007"
    assert wire.timeval(37310.178978) == "37310.178978"
    assert wire.elapsed(37819.6) == "37820"
    assert wire.mhtotal(1679772288024.0) == "1679772288024.0000"
    assert wire.temp(-273.0) == "-273.00"
    assert wire.boolean(True) == "true"


@given(request=st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_wire_any_bytes_get_one_framed_reply(request: bytes) -> None:
    """Whatever arrives, the device answers once, ends with one NUL and never raises."""
    sim = StandIn("q")
    data = dispatch(sim, request)
    assert data.endswith(b"\x00")
    assert b"\x00" not in data[:-1]
    if request.startswith(b"{"):
        assert data.startswith((b'{"STATUS":[{', b'{"', b',"id":1}'))


@given(
    command=st.sampled_from(["version", "summary", "ascset", "check", "estats", "bogus", ""]),
    parameter=st.one_of(st.none(), st.text(max_size=40), st.integers(), st.floats(allow_nan=False)),
)
@settings(max_examples=200, deadline=None)
def test_wire_json_requests_always_parse(command: str, parameter: object) -> None:
    """Any JSON object request gets a JSON reply that plain json can parse."""
    req: dict[str, object] = {"command": command}
    if parameter is not None:
        req["parameter"] = parameter
    sim = StandIn("nano3s")
    body = json.loads(reply(sim, json.dumps(req).encode()), strict=False)
    assert body["id"] == 1
    assert body["STATUS"][0]["STATUS"] in ("S", "I", "W", "E")
