"""Provides ``ReplayDevice``: a captured device (``nanoheater capture`` fixture) answering again.

A tester can serve an owner's exact unit: every request the capture holds is answered with the
captured bytes (same framing, NUL or not, same dialect, same quirks, same ``When``); a request
the device left unanswered is dropped again. A joined read the capture lacks is put together
from its captured parts with api.c's join framing. Writes (``ascset`` settings, pool changes,
restart) are refused with cgminer's own refusal for a client without write access,
``Access denied to '<cmd>' command`` (Code 45), so a client sees a device that says no rather
than one that pretends to change. Unknown commands get the captured ``Invalid command`` reply.

The fixture is plain JSON (docs/captures.md); it is read here with this module's own few lines,
because the simulator imports nothing from nanoheater.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware_sim.device import Reply
from firmware_sim.wire import JSON_END, Body, Request, frame_single, parse_request

FORMAT = "nanoheater-capture"
FORMAT_VERSIONS = (1,)
READS = frozenset(
    {"version", "summary", "stats", "estats", "litestats", "devs", "edevs", "pools"}
    | {"devdetails", "config", "coin", "lcd", "lockstats"}
)
"""Commands that only report: a capture of one answers the same command with any parameter."""
WRITES = frozenset(
    {"ascset", "switchpool", "poolpriority", "enablepool", "disablepool", "setpool", "addpool"}
    | {"removepool", "restart", "quit", "time", "privileged", "setconfig", "debug", "lcdset"}
    | {"wifi", "ascenable", "ascdisable"}
)
"""Commands that change something: a replay refuses each one not captured as it was sent."""
_UNKNOWN_PROBE = "minerstats"


@dataclass(frozen=True, slots=True)
class Captured:
    """One captured exchange: what was asked and the bytes that came back (b"" = no reply)."""

    is_json: bool
    command: str
    parameter: str | None
    request: bytes
    reply: bytes


@dataclass(frozen=True, slots=True)
class Fixture:
    """A capture file: the device's metadata and its exchanges in capture order."""

    model: str | None
    product: str | None
    firmware: str | None
    anonymised: bool
    exchanges: tuple[Captured, ...]


def load_fixture(path: str | Path) -> Fixture:
    """Read a capture fixture; ValueError (one line) when it is not one this simulator reads."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError):
        raise ValueError(f"{path} is not JSON") from None
    return parse_fixture(doc, str(path))


def parse_fixture(doc: Any, name: str = "fixture") -> Fixture:
    """Validate a decoded capture document and return it as a ``Fixture``."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f'{name} is not a nanoheater capture (no "format": "{FORMAT}")')
    if doc.get("format_version") not in FORMAT_VERSIONS:
        raise ValueError(f"{name}: capture format version {doc.get('format_version')!r} unknown")
    device = doc.get("device")
    entries = doc.get("exchanges")
    if not isinstance(device, dict) or not isinstance(entries, list) or not entries:
        raise ValueError(f"{name}: capture has no device or no exchanges")
    exchanges = tuple(_exchange(entry, name, i) for i, entry in enumerate(entries))
    return Fixture(
        model=_opt_str(device.get("model")),
        product=_opt_str(device.get("product")),
        firmware=_opt_str(device.get("firmware")),
        anonymised=doc.get("anonymised") is True,
        exchanges=exchanges,
    )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _exchange(entry: object, name: str, index: int) -> Captured:
    where = f"{name}: exchange {index}"
    if not isinstance(entry, dict) or not isinstance(entry.get("request"), str):
        raise ValueError(f"{where} has no request")
    request = entry["request"].encode("utf-8")
    if isinstance(entry.get("reply_base64"), str):
        try:
            reply = base64.b64decode(entry["reply_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{where}: reply_base64 is not base64") from None
    elif isinstance(entry.get("reply"), str):
        reply = entry["reply"].encode("utf-8", errors="surrogateescape")
    else:
        raise ValueError(f"{where} has neither reply nor reply_base64")
    parsed = parse_request(request)
    return Captured(parsed.is_json, parsed.command, parsed.parameter, request, reply)


class ReplayDevice:
    """Answers requests from a ``Fixture``; satisfies the server's ``Responder`` protocol."""

    def __init__(self, fixture: Fixture, label: str = "replay") -> None:
        self.fixture = fixture
        self.label = label
        self.requests: list[bytes] = []
        """Every request received, in order (testers and tests read it)."""
        self._exact: dict[bytes, bytes] = {}
        self._parsed: dict[tuple[bool, str, str | None], bytes] = {}
        for ex in fixture.exchanges:
            self._exact.setdefault(ex.request, ex.reply)
            self._parsed.setdefault((ex.is_json, ex.command, ex.parameter), ex.reply)
        self.when = _captured_when(fixture)

    def is_down(self) -> bool:
        """A replayed device never reboots."""
        return False

    def respond(self, request: bytes) -> Reply:
        """The captured reply to ``request``; a drop where the device did not answer."""
        self.requests.append(request)
        data = self.answer(request)
        return Reply(data, drop=not data)

    def answer(self, request: bytes) -> bytes:
        """The reply bytes for ``request`` (b"" when the captured device sent nothing)."""
        if request in self._exact:
            return self._exact[request]
        req = parse_request(request)
        if req.error is not None:
            return self._unknown(req)  # a malformed envelope: the capture has no better answer
        found = self._lookup(req.is_json, req.command, req.parameter)
        if found is not None:
            return found
        if "+" in req.command:
            return self._join(req)
        if req.command in WRITES:
            return self._refuse(req)
        return self._unknown(req)

    def _lookup(self, is_json: bool, command: str, parameter: str | None) -> bytes | None:
        found = self._parsed.get((is_json, command, parameter))
        if found is None and command in READS:
            found = self._parsed.get((is_json, command, None))
        return found

    def _join(self, req: Request) -> bytes:
        parts = []
        for name in dict.fromkeys(n for n in req.command.split("+") if n):
            part = self._lookup(req.is_json, name, None) if name in READS else None
            if not part:
                alone = Request(req.is_json, name, None)
                part = self._refuse(alone) if name in WRITES else self._unknown(alone)
            parts.append((name, part.removesuffix(b"\x00")))
        if req.is_json:
            inner = b",".join(b'"' + n.encode() + b'":[' + p + b"]" for n, p in parts)
            return b"{" + inner + JSON_END.encode() + b"\x00"
        return b"".join(b"CMD=" + n.encode() + b"|" + p for n, p in parts) + b"\x00"

    def _unknown(self, req: Request) -> bytes:
        probe = self._parsed.get((req.is_json, _UNKNOWN_PROBE, None))
        if probe:
            return probe
        return frame_single(Body("E", 14, "Invalid command"), self.when, req.is_json)

    def _refuse(self, req: Request) -> bytes:
        body = Body("E", 45, f"Access denied to '{req.command}' command")
        return frame_single(body, self.when, req.is_json)


def _captured_when(fixture: Fixture) -> int:
    """The device clock of the first captured reply (refusals carry the same ``When``)."""
    for ex in fixture.exchanges:
        if ex.is_json and ex.reply:
            try:
                body = json.loads(ex.reply.removesuffix(b"\x00").decode("utf-8"))
                return int(body["STATUS"][0]["When"])
            except (ValueError, KeyError, IndexError, TypeError):
                continue
    return 0


__all__ = ["Captured", "Fixture", "ReplayDevice", "load_fixture", "parse_fixture"]
