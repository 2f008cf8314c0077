"""Provides the exceptions the library raises; every one is a NanoheaterError.

Each maps to one CLI exit code (README "Exit codes"): UsageError 2, DeviceRefused 3,
ConnectionFailed/DeviceTimeout/ProtocolError 4.
"""

from __future__ import annotations


class NanoheaterError(Exception):
    """Base of every error the library raises."""

    exit_code = 1


class UsageError(NanoheaterError):
    """The caller asked for something invalid before anything was sent (bad value, unknown mode)."""

    exit_code = 2


class UnsupportedError(UsageError):
    """The device model cannot do what was asked (for example soft off on a Nano 3S)."""


class DeviceRefused(NanoheaterError):
    """The device answered but refused the command; ``reason`` is its own message."""

    exit_code = 3

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: device refused: {reason}")
        self.host = host
        self.reason = reason


class CalibratingError(DeviceRefused):
    """A mode change was refused while the device calibrates; retry after ``retry_after_s``."""

    def __init__(self, host: str, reason: str, retry_after_s: float) -> None:
        super().__init__(host, reason)
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        return (
            f"{self.host}: device is calibrating ({self.reason}); "
            f"retry in {self.retry_after_s:.0f} s"
        )


class ConnectionFailed(NanoheaterError):
    """The device could not be reached (refused, reset, no route)."""

    exit_code = 4


class DeviceTimeout(ConnectionFailed):
    """The device did not answer within the deadline."""


class ProtocolError(NanoheaterError):
    """The device answered with something that cannot be parsed even after repairs."""

    exit_code = 4


__all__ = [
    "CalibratingError",
    "ConnectionFailed",
    "DeviceRefused",
    "DeviceTimeout",
    "NanoheaterError",
    "ProtocolError",
    "UnsupportedError",
    "UsageError",
]
