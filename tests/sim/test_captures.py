"""The simulator against every capture it covers: same keys, order, types, formats, blob keys.

Replies are parsed here with plain ``json`` (raw number tokens kept) and a small text splitter,
never with nanoheater code, so the real bytes in tests/captures are the only referee. Captures
re-dumped by Python (nano3*, nano3s* JSON) are compared on types only; the Q captures and the
text captures keep the firmware's number formats, so those are compared digit-count for digit-count.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.device import create_heater
from firmware_sim.handlers import dispatch
from firmware_sim.view import HeaterView
from tests.sim.standin import StandIn

CAPTURES = Path(__file__).parent.parent / "captures"


class FloatTok(str):
    """A JSON real as its raw text."""


class IntTok(str):
    """A JSON integer as its raw text."""


def load_raw(text: str) -> Any:
    """Parse JSON keeping each number's raw text."""
    return json.loads(text, parse_float=FloatTok, parse_int=IntTok)


def sim_json(sim: StandIn, command: str, parameter: str | None = None) -> Any:
    """Send a JSON request to the stand-in and parse the reply (which must end in one NUL)."""
    req: dict[str, str] = {"command": command}
    if parameter is not None:
        req["parameter"] = parameter
    reply = dispatch(sim, json.dumps(req).encode())
    assert reply.endswith(b"\x00")
    assert reply.count(b"\x00") == 1
    return load_raw(reply[:-1].decode())


def kind(value: Any, strict: bool) -> Any:
    """The type (and, when strict, the printed format) of a parsed JSON value."""
    if isinstance(value, dict):
        return [(k, kind(v, strict)) for k, v in value.items()]
    if isinstance(value, list):
        return [kind(v, strict) for v in value]
    if isinstance(value, FloatTok):
        if not strict:
            return "real"
        if "E" in value:
            return value  # 0E-8
        return "real." + str(len(value.partition(".")[2]))
    if isinstance(value, IntTok):
        return "int"
    return type(value).__name__


def blob_items(blob: str) -> list[tuple[str, str]]:
    """Split an MM ID0 value into (key, value) pairs; keys may contain spaces."""
    if blob.startswith("'"):
        blob = blob[blob.index("{") + 1 : -1]  # 'STATS':{...} / 'HB0':{...}
    return [(k.strip(), v) for k, v in re.findall(r"([^\[\]]+?)\[([^\]]*)\]", blob)]


def value_shape(key: str, value: str) -> str:
    """A blob value with its digits abstracted: decimals keep their count, widths keep spaces."""
    if key in ("DNA", "HDNA"):
        return "dna" if re.fullmatch(r"[0-9a-f]{16}|<DELETED>", value) else value
    value = re.sub(r"(\d+)\.(\d+)", lambda m: "N." + "d" * len(m.group(2)), value)
    return re.sub(r"\d+", "N", value)


def blob_shape(blob: str) -> list[tuple[str, str]]:
    """Keys in order with their value shapes."""
    return [(k, value_shape(k, v)) for k, v in blob_items(blob)]


def strip_blobs(reply: Any) -> Any:
    """The reply with blob strings replaced by their shapes, for a structural comparison."""
    for entry in reply.get("STATS", []):
        for key in list(entry):
            if key.startswith("MM ID") or key == "HBinfo":
                entry[key] = blob_shape(entry[key])
    return reply


def capture(name: str) -> Any:
    return load_raw((CAPTURES / name).read_text())


def assert_same(cap: Any, sim: Any, strict: bool) -> None:
    cap, sim = strip_blobs(cap), strip_blobs(sim)
    assert kind(sim, strict) == kind(cap, strict)
    for got, want in zip(sim.get("STATS", []), cap.get("STATS", []), strict=True):
        for key in want:
            if isinstance(want[key], list):
                assert got[key] == want[key], key


# (capture, model, command, parameter, standby, pools, strict formats)
JSON_CASES = [
    ("nano3s_version.json", "nano3s", "version", None, False, 1, True),
    ("nano3s_lcd.json", "nano3s", "lcd", None, False, 1, False),
    ("nano3_stats.json", "nano3", "stats", None, False, 3, False),
    ("nano3_summary.json", "nano3", "summary", None, False, 1, False),
    ("q_version.json", "q", "version", None, False, 1, True),
    ("q_summary.json", "q", "summary", None, True, 1, True),
    ("q_devs.json", "q", "devs", None, True, 1, True),
    ("q_pools.json", "q", "pools", None, True, 1, True),
    ("q_stats.json", "q", "stats", None, True, 1, True),
    ("q_litestats.json", "q", "litestats", None, True, 1, True),
    ("q_config.json", "q", "config", None, True, 1, True),
    ("q_coin.json", "q", "coin", None, True, 1, True),
    ("q_check.json", "q", "check", "minerstats", True, 1, True),
    ("q_devdetails.json", "q", "devdetails", None, True, 1, True),
    ("q_ascset_help.json", "q", "ascset", "0,help", True, 1, True),
    ("q_ascset_workmode.json", "q", "ascset", "0,workmode,set,1", True, 1, True),
    ("q_ascset_softoff.json", "q", "ascset", "0,softoff,1:1765004024", False, 1, True),
    ("q_ascset_softon.json", "q", "ascset", "0,softon,1:1765004024", True, 1, True),
]


@pytest.mark.parametrize(
    ("name", "model", "command", "parameter", "standby", "pools", "strict"),
    JSON_CASES,
    ids=[c[0] for c in JSON_CASES],
)
def test_capture_json_reply_matches(
    name: str,
    model: str,
    command: str,
    parameter: str | None,
    standby: bool,
    pools: int,
    strict: bool,
) -> None:
    """The sim's reply has the capture's keys, order, types, formats and blob keys."""
    sim = StandIn(model, standby=standby, pools=pools)
    assert_same(capture(name), sim_json(sim, command, parameter), strict)


def test_capture_q_ascset_messages_match() -> None:
    """Help list, softoff/softon texts and the workmode OK equal the Q captures word for word."""
    sim = StandIn("q")
    help_msg = sim_json(sim, "ascset", "0,help")["STATUS"][0]["Msg"]
    assert help_msg == capture("q_ascset_help.json")["STATUS"][0]["Msg"]
    for name, opt in (("q_ascset_softoff.json", "softoff"), ("q_ascset_softon.json", "softon")):
        want = capture(name)["STATUS"][0]
        ts = want["Msg"].rsplit(":", 1)[1]
        got = sim_json(sim, "ascset", f"0,{opt},1:{ts}")["STATUS"][0]
        assert (got["STATUS"], got["Code"], got["Msg"]) == (
            want["STATUS"],
            want["Code"],
            want["Msg"],
        )
    want = capture("q_ascset_workmode.json")["STATUS"][0]
    got = sim_json(sim, "ascset", "0,workmode,set,2")["STATUS"][0]
    assert (got["STATUS"], got["Code"], got["Msg"]) == (want["STATUS"], want["Code"], want["Msg"])


def test_capture_nano3s_summary_keys_in_order() -> None:
    """The published (partial) Nano 3S summary's keys appear in the sim's reply in that order.

    The publisher moved the two Difficulty keys to the end; api.c summary() (the same firmware)
    and the Q and Nano 3 captures print them before Best Share, as the sim does.
    """
    want = capture("nano3s_summary_partial.json")["SUMMARY"][0]
    got = sim_json(StandIn("nano3s"), "summary")["SUMMARY"][0]
    moved = ["Difficulty Accepted", "Difficulty Rejected"]
    keys = [k for k in got if k in want and k not in moved]
    assert keys + moved == list(want)
    assert list(got).index("Difficulty Rejected") < list(got).index("Best Share")
    assert all(kind(got[k], False) == kind(want[k], False) for k in want)


def test_capture_nano3_version_fields() -> None:
    """Nano 3 version: PROD/MODEL/HWTYPE/SWTYPE/VERSION/HVERSION/UPAPI as the capture."""
    want = capture("nano3_version_ABRIDGED.json")
    got = sim_json(StandIn("nano3"), "version")
    assert got["VERSION"] == want["VERSION"]
    assert [k for k in got["STATUS"][0] if k in want["STATUS"][0]] == list(want["STATUS"][0])


def test_capture_nano3s_blob_keys_and_formats() -> None:
    """The Nano 3S estats blob: same keys, order, padding, decimals, % suffixes, ITemp[-273]."""
    want = (CAPTURES / "nano3s_estats_mmid0.txt").read_text().strip()
    got = sim_json(StandIn("nano3s"), "estats")["STATS"][0]["MM ID0"]
    assert blob_shape(got) == blob_shape(want)
    assert dict(blob_items(got))["ITemp"] == "-273"


def test_capture_q_invalid_command_is_byte_identical() -> None:
    """An unknown command gets exactly the Q's reply: E/14, no Description, then one NUL."""
    want = (CAPTURES / "q_invalid_command_minerstats.json").read_text().strip()
    sim = StandIn("q")
    sim.t = 1753289753.0
    assert dispatch(sim, b'{"command":"minerstats"}') == want.encode() + b"\x00"


def _digits(text: str) -> str:
    return re.sub(r"\d+", "N", text)


def test_capture_q_estats_compact_prefix() -> None:
    """Compact Q estats: the same bytes up to the blob (digits abstracted), then the same keys."""
    want = (CAPTURES / "q_estats_json_TRUNCATED.txt").read_text().strip()
    got = dispatch(StandIn("q", standby=True), b'{"command":"estats"}').decode()
    head = want.index("'STATS':{") + len("'STATS':{")
    assert _digits(got[:head]) == _digits(want[:head])
    want_keys = [k for k, _ in blob_items(want[head - 9 :] + "]}")][:-1]  # last key is cut
    got_keys = [k for k, _ in blob_items(got[head - 9 : got.index("}", head) + 1])]
    assert got_keys[: len(want_keys)] == want_keys


def split_text(reply: str) -> list[list[str]]:
    """Split a text-dialect reply into records of ``key=value`` / header items (no escapes)."""
    return [rec.split(",") for rec in reply.split("|") if rec]


def text_reply(sim: StandIn, request: bytes) -> str:
    reply = dispatch(sim, request)
    assert reply.endswith(b"\x00")
    assert reply.count(b"\x00") == 1
    return reply[:-1].decode()


def _keys(record: list[str]) -> list[str]:
    return [item.split("=", 1)[0] for item in record]


def test_capture_mini3_version_text() -> None:
    """Mini 3 plain-text version: same records, header, keys and order as the capture."""
    want = (CAPTURES / "mini3_version_plaintext.txt").read_text().strip()
    got = text_reply(StandIn("mini3"), b"version")
    assert [_keys(r) for r in split_text(got)] == [_keys(r) for r in split_text(want)]
    assert got.endswith("|")
    assert want.endswith("|")
    assert _digits(got.split("|")[0]) == _digits(want.split("|")[0])


def test_capture_mini3_devdetails_text_identical() -> None:
    """Mini 3 plain-text devdetails is byte-identical apart from When."""
    want = (CAPTURES / "mini3_devdetails_plaintext.txt").read_text().strip()
    sim = StandIn("mini3")
    sim.t = 1742265617.0
    assert text_reply(sim, b"devdetails") == want


def test_capture_mini3_stats_text_prefix() -> None:
    """Mini 3 plain-text stats: envelope, STATS keys and the blob up to where the capture ends."""
    want = (CAPTURES / "mini3_stats_plaintext_TRUNCATED.txt").read_text().strip()
    got = text_reply(StandIn("mini3"), b"stats")
    cut = want.index("MM ID0=") + len("MM ID0=")
    assert _digits(got[:cut]) == _digits(want[:cut])
    want_blob = want[cut:]
    got_blob = got[cut:]
    want_shape = blob_shape(want_blob)
    assert blob_shape(got_blob)[: len(want_shape)] == [
        (k, v) if k != "DNA" else (k, "dna") for k, v in want_shape
    ]
    assert want_blob.endswith("] PCOMM")
    assert re.search(r" PS\[[^\]]*\] PCOMM", got_blob)


def _first_items(reply: Any) -> Any:
    out = {}
    for key, value in reply.items():
        if isinstance(value, list) and key != "STATS":
            value = value[:1]
        elif key == "STATS":
            value = value[:2]
            for entry in value:
                for k in list(entry):
                    if k.startswith("MM ID") or k == "HBinfo":
                        entry[k] = [name for name, _ in blob_items(entry[k])]
        out[key] = value
    return out


@pytest.mark.parametrize(
    ("name", "model", "command", "parameter"),
    [c[:4] for c in JSON_CASES if "ascset" not in c[2]],
    ids=[c[0] for c in JSON_CASES if "ascset" not in c[2]],
)
def test_capture_shapes_hold_on_running_device(
    name: str, model: str, command: str, parameter: str | None
) -> None:
    """A SimulatedHeater an hour into mining answers with the capture's keys, types, blob keys."""
    heater = create_heater(model)
    view: HeaterView = heater  # SimulatedHeater satisfies the wire side's protocol (mypy checks)
    assert view.profile.model == model
    clock = heater.world.clock
    assert isinstance(clock, VirtualClock)
    clock.advance(3600.0)
    req: dict[str, str] = {"command": command}
    if parameter is not None:
        req["parameter"] = parameter
    data = heater.handle(json.dumps(req).encode())
    assert data.endswith(b"\x00")
    got = _first_items(load_raw(data[:-1].decode()))
    want = _first_items(capture(name))
    assert kind(got, False) == kind(want, False)
    for got_entry, want_entry in zip(got.get("STATS", []), want.get("STATS", []), strict=True):
        blobs = [k for k in want_entry if k.startswith("MM ID") or k == "HBinfo"]
        assert [got_entry[k] for k in blobs] == [want_entry[k] for k in blobs]
