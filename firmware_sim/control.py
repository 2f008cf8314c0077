"""Provides ControlServer: the simulator's out-of-band control endpoint (HTTP+JSON on loopback).

Testers and tests use it to do what no wire command can: arm faults, read the true room
temperature (the Nano 3S has no inlet sensor, so this is the only thermometer) and set the
weather. It always binds loopback, whatever the API addresses are, because it has no
authentication. Plain asyncio streams, one request per connection, no framework.

Routes (``{id}`` is a device index, ``host``, ``host:port``, or ``all``):

- ``GET /devices`` → ``{"devices": [device, ...]}``; ``GET /devices/{id}`` → ``{"devices": [...]}``
- ``GET /faults`` → ``{"kinds": {kind: description}}``
- ``POST /devices/{id}/faults`` body
  ``{"kind": K, "count": N, "delay_s": S, "downtime_s": S, "offset_s": S}``
- ``DELETE /devices/{id}/faults`` → clears every fault
- ``GET /room`` → ``{"outdoor_c": T, "outdoor_override": bool, "rooms": [room, ...]}``
- ``PUT /outdoor`` body ``{"temp_c": T}`` (``null`` returns to the daily profile)

Errors are ``{"error": "<one line>"}`` with status 400 (bad input), 404 (no such route or device)
or 405.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
from typing import TYPE_CHECKING, Any

from firmware_sim.faults import DEFAULT_DOWNTIME_S, FAULT_KINDS, arm_fault, clear_faults
from firmware_sim.server import LOOPBACK
from firmware_sim.service import Service

if TYPE_CHECKING:
    from firmware_sim.fleet import Fleet, FleetMember

log = logging.getLogger(__name__)

DEFAULT_CONTROL_PORT = 40280
"""Where ``firmware-sim serve`` puts the control endpoint unless told otherwise."""
MAX_BODY = 65_536
READ_TIMEOUT_S = 10.0
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
}


class ControlError(Exception):
    """A request the endpoint refuses; carries the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ControlServer(Service):
    """The control endpoint for one fleet; ``async with ControlServer(fleet, port=0) as ctl:``."""

    def __init__(self, fleet: Fleet, *, port: int = 0, host: str = LOOPBACK) -> None:
        self.fleet = fleet
        self.host = host
        self._requested_port = port
        self.port = port
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """Base URL of the endpoint."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Bind and serve; OSError if the port is taken."""
        self._server = await asyncio.start_server(self._on_client, self.host, self._requested_port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                method, path, headers, body = await _read_request(reader)
            _check_caller(method, headers)
            status, payload = 200, self.handle(method, path, body)
        except ControlError as err:
            status, payload = err.status, {"error": str(err)}
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            writer.close()
            return
        except Exception as err:
            # Never let a control bug kill the endpoint; say what happened instead.
            log.exception("control request failed")
            status, payload = 400, {"error": f"{type(err).__name__}: {err}"}
        data = json.dumps(payload).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + data)
        with contextlib.suppress(OSError):
            await writer.drain()
        writer.close()

    def handle(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        """Route one request; ControlError for anything refused."""
        parts = [p for p in path.split("?", 1)[0].split("/") if p]
        if parts == ["devices"] and method == "GET":
            return {"devices": [self._describe(m) for m in self.fleet.members]}
        if parts == ["faults"] and method == "GET":
            return {"kinds": FAULT_KINDS}
        if parts == ["room"] and method == "GET":
            return self._rooms()
        if parts == ["outdoor"] and method == "PUT":
            return self._set_outdoor(_json_object(body))
        if len(parts) == 2 and parts[0] == "devices" and method == "GET":
            return {"devices": [self._describe(m) for m in self.select(parts[1])]}
        if len(parts) == 3 and parts[0] == "devices" and parts[2] == "faults":
            members = self.select(parts[1])
            if method == "POST":
                self._arm(members, _json_object(body))
            elif method == "DELETE":
                self.fleet.world.sync()
                for member in members:
                    clear_faults(member.heater)
            elif method != "GET":
                raise ControlError(405, f"{method} not allowed on {path}")
            return {"devices": [self._describe(m) for m in members]}
        if parts and parts[0] in {"devices", "faults", "room", "outdoor"}:
            raise ControlError(405, f"{method} not allowed on {path}")
        raise ControlError(404, f"no route {path}")

    def select(self, ident: str) -> list[FleetMember]:
        """Return the devices ``ident`` names: an index, ``host``, ``host:port`` or ``all``."""
        members = self.fleet.members
        if ident == "all":
            return list(members)
        if ident.isdigit():
            index = int(ident)
            if index < len(members):
                return [members[index]]
            raise ControlError(404, f"no device {index}; devices are 0..{len(members) - 1}")
        host, _, port = ident.partition(":")
        found = [
            m for m in members if m.server.host == host and (not port or str(m.server.port) == port)
        ]
        if not found:
            raise ControlError(404, f"no device at {ident}")
        return found

    def _arm(self, members: list[FleetMember], body: dict[str, Any]) -> None:
        kind = body.get("kind")
        if not isinstance(kind, str) or kind not in FAULT_KINDS:
            raise ControlError(400, f"kind must be one of: {', '.join(FAULT_KINDS)}")
        try:
            count = int(body.get("count", 1))
            delay_s = float(body.get("delay_s", 0.0))
            downtime_s = float(body.get("downtime_s", DEFAULT_DOWNTIME_S))
            offset_s = float(body.get("offset_s", 0.0))
        except (TypeError, ValueError):
            raise ControlError(
                400, "count, delay_s, downtime_s and offset_s must be numbers"
            ) from None
        if not all(math.isfinite(v) for v in (delay_s, downtime_s, offset_s)):
            # A NaN delay was stored and compared false with every deadline (issue 14).
            raise ControlError(400, "delay_s, downtime_s and offset_s must be finite numbers")
        if min(delay_s, downtime_s) < 0:
            raise ControlError(400, "delay_s and downtime_s must not be negative")
        # Bring the physics up to now first, so a fan blocked now is not blocked in the past.
        self.fleet.world.sync()
        for member in members:
            try:
                arm_fault(
                    member.heater,
                    kind,
                    count=count,
                    delay_s=delay_s,
                    downtime_s=downtime_s,
                    offset_s=offset_s,
                )
            except ValueError as err:
                raise ControlError(400, f"device {member.index}: {err}") from None
            if kind == "reboot":
                member.server.notice_down()

    def _describe(self, member: FleetMember) -> dict[str, Any]:
        heater, server = member.heater, member.server
        serial = server.serial
        return {
            "id": member.index,
            "model": heater.profile.model,
            "host": server.host,
            "port": server.port,
            "serial_pty": serial.pty_path if serial else None,
            "serial_url": serial.url if serial else None,
            "mac": heater.state.mac,
            "dna": heater.state.dna,
            "down": heater.is_down(),
            "exchanges": server.exchanges,
            "fan_blocked": heater.state.fan_blocked,
            "faults": heater.faults.as_dict(),
        }

    def _rooms(self) -> dict[str, Any]:
        world = self.fleet.world
        world.sync()
        now = self.fleet.clock.now()
        rooms = []
        for member in self.fleet.members:
            room = member.heater.room
            rooms.append(
                {
                    "id": member.index,
                    "room": room.name,
                    "air_c": round(room.thermometer_c, 3),
                    "mass_c": round(room.mass_c, 3),
                    "power_w": round(member.heater.state.power_w, 1),
                }
            )
        return {
            "time_s": now,
            "outdoor_c": round(world.outdoor.temp_c(now), 3),
            "outdoor_override": world.outdoor.override_c is not None,
            "rooms": rooms,
        }

    def _set_outdoor(self, body: dict[str, Any]) -> dict[str, Any]:
        if "temp_c" not in body:
            raise ControlError(400, 'body must be {"temp_c": <number or null>}')
        value = body["temp_c"]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ControlError(400, "temp_c must be a number or null")
        if value is not None and not -60.0 <= float(value) <= 60.0:
            raise ControlError(400, "temp_c must be between -60 and 60")
        # Bring the rooms up to now under the old weather before the new one applies.
        self.fleet.world.sync()
        self.fleet.world.outdoor.override_c = None if value is None else float(value)
        return self._rooms()


def _check_caller(method: str, headers: dict[str, str]) -> None:
    """Refuse what a web page in the user's browser could send (a reboot of every device).

    The endpoint is bound to loopback, but a browser on this machine can still reach it: a
    cross-origin page (an ``Origin`` that is not loopback), DNS rebinding (a ``Host`` that is
    not a loopback name) and a "simple" form POST (no JSON content type, so no CORS preflight)
    are all refused.
    """
    host = headers.get("host", "").strip().lower()
    if not _loopback_name(host):
        raise ControlError(403, "Host must be a loopback address")
    origin = headers.get("origin", "").strip().lower()
    if origin and not _loopback_name(origin.partition("://")[2]):  # "null" included
        raise ControlError(403, "cross-origin requests are refused")
    if method in ("POST", "PUT") and headers.get("content-length", "0") not in ("", "0"):
        kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind != "application/json":
            raise ControlError(415, "Content-Type must be application/json")


def _loopback_name(authority: str) -> bool:
    host = authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority
    host = host.removeprefix("[").partition("]")[0] if authority.startswith("[") else host
    if host == "localhost":
        return True
    # An address literal only: "127.0.0.1.nip.io" or "127.evil.example" is a DNS name a
    # rebinding attacker controls (a prefix check let it through).
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes]:
    """Read one HTTP/1.x request: method, path, headers, body. ControlError for malformed input."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_BODY:
        raise ControlError(400, "request head too large")
    lines = head.decode("latin-1").split("\r\n")
    request_line = lines[0].split()
    if len(request_line) != 3 or not request_line[2].startswith("HTTP/"):
        raise ControlError(400, "malformed request line")
    length = 0
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise ControlError(400, "bad Content-Length") from None
    if not 0 <= length <= MAX_BODY:
        raise ControlError(400, "body too large")
    body = await reader.readexactly(length) if length else b""
    return request_line[0].upper(), request_line[1], headers, body


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN / Infinity: Python accepts them, JSON does not


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}", parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError):
        raise ControlError(400, "body is not JSON") from None
    if not isinstance(value, dict):
        raise ControlError(400, "body must be a JSON object")
    return value
