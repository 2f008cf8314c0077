"""Every field capture (``tests/captures/*.capture.json``) through the client's parser.

Parametrized over the folder: adding a fixture adds these tests with no code. The fixture is read
with plain ``json`` (the format is docs/captures.md), never with the capture command's code.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from nanoheater.capabilities import capabilities
from nanoheater.cli.anonymise import leftovers
from nanoheater.exceptions import ProtocolError
from nanoheater.models import HeaterState, ModelId
from nanoheater.protocol.codec import decode_reply, reply_status
from nanoheater.protocol.parse import find_blob, parse_info, parse_status, section, version_entry

CAPTURES = Path(__file__).parent.parent / "captures"
FIXTURES = sorted(CAPTURES.glob("*.capture.json"))
BLOB_COMMANDS = ("estats", "stats", "litestats")


def load(path: Path) -> dict[str, Any]:
    """The fixture document."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def reply_of(entry: dict[str, Any]) -> bytes:
    """The raw reply bytes of one exchange."""
    if "reply_base64" in entry:
        return base64.b64decode(entry["reply_base64"])
    return str(entry["reply"]).encode("utf-8")


def decoded(doc: dict[str, Any], command: str) -> list[dict[str, Any]]:
    """Decoded replies to ``command`` (any dialect, no parameter) that carry a STATUS."""
    out = []
    for entry in doc["exchanges"]:
        if entry["command"] == command and entry.get("parameter") is None and reply_of(entry):
            try:
                body = decode_reply(reply_of(entry))
            except ProtocolError:
                continue
            out.append(body)
    return out


def with_blob(path: Path) -> bool:
    """Whether the fixture holds a status blob the client can read."""
    doc = load(path)
    return any(find_blob(b) is not None for c in BLOB_COMMANDS for b in decoded(doc, c))


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_there_are_field_fixtures() -> None:
    """The folder holds fixtures in the capture format (so the parametrized tests run)."""
    assert len(FIXTURES) >= 2


@pytest.mark.parametrize("path", FIXTURES, ids=ids(FIXTURES))
def test_fixture_is_well_formed(path: Path) -> None:
    """Format, version, time, nanoheater version, device and exchanges as docs/captures.md says."""
    doc = load(path)
    assert (doc["format"], doc["format_version"]) == ("nanoheater-capture", 1)
    assert dt.datetime.fromisoformat(doc["captured_at"]).tzinfo is not None
    assert isinstance(doc["nanoheater_version"], str)
    assert doc["nanoheater_version"]
    assert isinstance(doc["anonymised"], bool)
    assert doc["device"]["model"] in {m.value for m in ModelId}
    assert path.name.startswith(f"{doc['device']['model']}_")
    assert doc["exchanges"]
    for entry in doc["exchanges"]:
        assert entry["dialect"] in ("json", "text")
        assert isinstance(entry["request"], str)
        assert isinstance(entry["command"], str)
        assert ("reply" in entry) != ("reply_base64" in entry)
        assert entry["request"].startswith("{") == (entry["dialect"] == "json")


@pytest.mark.parametrize("path", FIXTURES, ids=ids(FIXTURES))
def test_fixture_replies_decode_or_fail_cleanly(path: Path) -> None:
    """Every reply decodes to a STATUS, or is refused as a ProtocolError (never another error)."""
    good = 0
    for entry in load(path)["exchanges"]:
        raw = reply_of(entry)
        if not raw:
            assert entry.get("error"), entry["request"]
            continue
        try:
            body = decode_reply(raw)
        except ProtocolError:
            continue
        parts = [body] if "STATUS" in body else [v[0] for v in body.values() if isinstance(v, list)]
        for part in parts:
            assert reply_status(part).severity in "SIWEF"
        good += 1
    assert good >= 1


@pytest.mark.parametrize("path", FIXTURES, ids=ids(FIXTURES))
def test_fixture_identity_parses(path: Path) -> None:
    """The version reply gives the fixture's model, product and firmware, in every dialect."""
    doc = load(path)
    versions = decoded(doc, "version")
    assert versions
    for body in versions:
        info = parse_info(version_entry(body))
        assert info.model is not None
        assert info.model.value == doc["device"]["model"]
        assert (info.product, info.firmware) == (
            doc["device"]["product"],
            doc["device"]["firmware"],
        )


STATUS_FIXTURES = [p for p in FIXTURES if with_blob(p)]


@pytest.mark.parametrize("path", STATUS_FIXTURES, ids=ids(STATUS_FIXTURES))
def test_fixture_status_parses_to_physical_values(path: Path) -> None:
    """Each status blob parses to a reading in physical ranges and one of the model's modes."""
    doc = load(path)
    info = parse_info(version_entry(decoded(doc, "version")[0]))
    summaries = [section(b, "SUMMARY") for b in decoded(doc, "summary")]
    caps = capabilities(doc["device"]["model"])
    names = {p.name for p in caps.profiles}
    for command in BLOB_COMMANDS:
        for body in decoded(doc, command):
            blob = find_blob(body)
            if blob is None:
                continue
            summary = summaries[0][0] if summaries and summaries[0] else None
            status = parse_status(info, blob, host="h", port=4028, summary=summary)
            assert isinstance(status.state, HeaterState)
            assert status.power_w is None or 0 <= status.power_w <= 2000
            assert status.hashrate_ths is None or 0 <= status.hashrate_ths <= 200
            for temp in (status.chip_temp_max_c, status.inlet_temp_c, status.outlet_temp_c):
                assert temp is None or -40 <= temp <= 150
            assert status.fan_percent is None or 0 <= status.fan_percent <= 100
            assert status.mode is None or status.mode in names


ANONYMISED = [p for p in FIXTURES if load(p)["anonymised"]]


@pytest.mark.parametrize("path", ANONYMISED, ids=ids(ANONYMISED))
def test_anonymised_fixture_holds_only_stand_ins(path: Path) -> None:
    """A fixture marked anonymised has no MAC, DNA, serial, pool, user, SSID or IP left."""
    doc = load(path)
    for entry in doc["exchanges"]:
        assert leftovers(reply_of(entry).decode("utf-8", errors="replace")) == [], entry["request"]
    assert leftovers(doc["device"]["target"]) == []
