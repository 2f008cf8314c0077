"""Provides what Home Assistant's commands mean for the Home, and each zone's climate state.

A device command becomes ``Home.command`` (the confirmed write the CLI's ``set`` uses: a mode
change is read back, a refusal raises) and a zone command becomes ``Home.set_target``. The outcome
of every command, refusals included ("calibrating; retry in 300 s"), is returned as a ``Result``
the bridge publishes on the entity's ``result`` topic, so Home Assistant shows why nothing changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from nanoheater.bridges.ha_zone import ZonePresets
from nanoheater.exceptions import CalibratingError, NanoheaterError, UsageError
from nanoheater.home.types import DeviceView, Target, ZoneView

DEVICE_COMMANDS = ("mode", "soft", "fan", "chip_target", "reboot")
ZONE_COMMANDS = ("mode", "temperature", "preset")
MAX_PAYLOAD_BYTES = 256
"""Longest command payload read; anything longer is refused unread."""


class CommandHome(Protocol):
    """The part of ``Home`` the commands use."""

    async def command(
        self,
        device_ref: str,
        action: str,
        value: str | int | None = None,
        *,
        override_s: float | None = None,
    ) -> DeviceView:
        """Run one ``set`` action on a device, confirmed by reading it back."""
        ...

    async def set_target(self, ref: str, target: Target | None) -> ZoneView:
        """Give a zone a new target (None: stop regulating)."""
        ...


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one command, as published on the ``result`` topic."""

    command: str
    ok: bool
    message: str
    retry_after_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The published object."""
        return {
            "command": self.command,
            "ok": self.ok,
            "message": self.message,
            "retry_after_s": self.retry_after_s,
        }


def _text(payload: bytes) -> str:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise UsageError(f"command payload longer than {MAX_PAYLOAD_BYTES} bytes")
    return payload.decode("utf-8", errors="replace").strip()


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"{text!r} is not a number")
    return value


async def run_device_command(
    home: CommandHome, device: DeviceView, command: str, payload: bytes
) -> Result:
    """Carry out one device command from Home Assistant and say how it went."""
    label = f"{command} {payload[:40].decode('utf-8', errors='replace')}".strip()
    try:
        text = _text(payload)
        if command == "mode":
            await home.command(device.key, "mode", text)
        elif command == "soft":
            if text.upper() not in ("ON", "OFF"):
                raise UsageError("soft takes ON or OFF")
            await home.command(device.key, "on" if text.upper() == "ON" else "off")
        elif command == "fan":
            await home.command(device.key, "fan", round(_number(text)))
        elif command == "chip_target":
            await home.command(device.key, "chip_target", round(_number(text)))
        elif command == "reboot":
            await home.command(device.key, "reboot")
        else:
            raise UsageError(f"unknown command {command!r}")
    except NanoheaterError as exc:
        return failure(label, exc)
    return Result(label, True, f"{label}: done")


async def run_zone_command(
    home: CommandHome,
    zone: ZoneView,
    command: str,
    payload: bytes,
    *,
    presets: ZonePresets,
    schedule: Target | None,
) -> Result:
    """Carry out one climate command; ``schedule`` is the zone's last schedule (for ``auto``)."""
    label = f"{command} {payload[:40].decode('utf-8', errors='replace')}".strip()
    try:
        text = _text(payload)
        target: Target
        if command == "temperature":
            target = Target("setpoint", setpoint_c=_number(text))
        elif command == "preset":
            target = Target("setpoint", setpoint_c=presets.setpoint(text.casefold()))
        elif command == "mode" and text == "off":
            target = Target("off")
        elif command == "mode" and text == "heat":
            target = Target("setpoint", setpoint_c=zone.setpoint_c or presets.comfort_c)
        elif command == "mode" and text == "auto":
            if schedule is None:
                raise UsageError(
                    "no schedule known for this zone: set one with "
                    "'nanoheater target ZONE --schedule FILE' first"
                )
            target = schedule
        else:
            raise UsageError(f"unknown command {label!r}")
        await home.set_target(zone.name, target)
    except NanoheaterError as exc:
        return failure(label, exc)
    return Result(label, True, f"{label}: done")


def failure(label: str, exc: NanoheaterError) -> Result:
    """A refused or failed command, with the retry time when the device is calibrating."""
    retry = exc.retry_after_s if isinstance(exc, CalibratingError) else None
    return Result(label, False, f"{label}: {exc}", retry)
