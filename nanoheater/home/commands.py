"""Provides run_command: the ``set`` options as one function over a client.

The CLI's ``set`` and the Home's ``command`` both send manual commands; this is the one
mapping from an action name and its value to the client call that confirms it.
"""

from __future__ import annotations

from typing import Literal

from nanoheater.client import HeaterClient
from nanoheater.exceptions import UsageError
from nanoheater.models import HeaterStatus

ACTIONS = ("mode", "level", "off", "on", "fan", "chip_target", "reboot")
"""Manual actions, named as ``nanoheater set`` names its options."""


def parse_fan(text: str) -> int | Literal["auto"]:
    """A fan duty: a percentage or ``auto``."""
    value = text.strip().lower()
    if value in ("auto", "-1"):
        return "auto"
    if not value.isdigit() or len(value) > 3:
        raise UsageError("fan takes a percentage or 'auto'")
    return int(value)


def describe(action: str, value: str | int | None) -> str:
    """Short text for events and overrides: ``mode Low``, ``soft off``, ``fan 40``."""
    if action == "off":
        return "soft off"
    if action == "on":
        return "soft on"
    return f"{action.replace('_', ' ')} {value}" if value is not None else action


def check(action: str, value: str | int | None) -> None:
    """Raise UsageError unless ``action`` is known and has the value it needs."""
    if action not in ACTIONS:
        raise UsageError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    needs = action in ("mode", "level", "fan", "chip_target")
    if needs and value is None:
        raise UsageError(f"{action} needs a value")
    if action in ("level", "chip_target") and not _is_int(value):
        raise UsageError(f"{action} takes a whole number")
    if action == "mode" and not isinstance(value, str):
        raise UsageError("mode takes a mode name")
    if action == "fan":
        parse_fan(str(value))


def _is_int(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 6


async def run_command(
    client: HeaterClient, action: str, value: str | int | None
) -> HeaterStatus | None:
    """Send ``action`` and return the confirmed reading (None after a reboot)."""
    check(action, value)
    if action == "mode":
        return await client.set_mode(str(value))
    if action == "level":
        return await client.set_level(int(str(value)))
    if action == "off":
        return await client.soft_off()
    if action == "on":
        return await client.soft_on()
    if action == "fan":
        return await client.set_fan(parse_fan(str(value)))
    if action == "chip_target":
        return await client.set_chip_target(int(str(value)))
    await client.reboot(confirm=True)
    return None
