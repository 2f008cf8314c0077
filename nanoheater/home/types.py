"""Provides the Home's typed values: targets, overrides, device and zone views, and messages.

Every value is a frozen dataclass with ``to_json()``, the exact object the HTTP API returns and
the event stream carries, so the in-process ``Home`` and a remote client see the same shapes.
Those shapes are published in the API's OpenAPI document (``nanoheater.service.schemas``, kept
as docs/openapi.json): a key added or renamed here goes there too, or tests/service/test_openapi.py
fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, cast

from nanoheater.address import DeviceAddress
from nanoheater.controller.targets import (
    MAX_SCHEDULE_BYTES,
    FixedLevel,
    HeatTarget,
    RoomTemperature,
)
from nanoheater.diagnosis import diagnose
from nanoheater.exceptions import UsageError
from nanoheater.models import HeaterStatus
from nanoheater.units import celsius

TargetKind = Literal["setpoint", "level", "schedule", "off"]
TARGET_KINDS: tuple[TargetKind, ...] = ("setpoint", "level", "schedule", "off")


@dataclass(frozen=True, slots=True)
class Target:
    """What a zone aims for: a room set-point, a fixed level, a weekly schedule, or off."""

    kind: TargetKind
    setpoint_c: float | None = None
    level: str | None = None
    schedule_toml: str | None = None
    schedule_name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise UsageError(f"unknown target kind {self.kind!r}")
        if self.kind == "setpoint" and (
            self.setpoint_c is None or not 0.0 < self.setpoint_c < 40.0
        ):
            raise UsageError("a set-point must be a temperature between 0 and 40 °C")
        if self.kind == "level" and not (self.level and self.level.strip()):
            raise UsageError("a level target needs a mode name")
        if self.kind == "schedule" and (
            not self.schedule_toml or len(self.schedule_toml) > MAX_SCHEDULE_BYTES
        ):
            raise UsageError(
                f"a schedule target needs its TOML text (at most {MAX_SCHEDULE_BYTES} B)"
            )

    def describe(self) -> str:
        """Short text: ``21.0 °C``, ``level Low``, ``schedule week.toml`` or ``off``."""
        if self.kind == "setpoint":
            return celsius(self.setpoint_c)
        if self.kind == "level":
            return f"level {self.level}"
        if self.kind == "schedule":
            return f"schedule {self.schedule_name or '(unnamed)'}"
        return "off"

    def heat_target(self) -> HeatTarget | None:
        """The controller's target (None for a schedule, whose entries decide)."""
        if self.kind == "setpoint" and self.setpoint_c is not None:
            return RoomTemperature(self.setpoint_c)
        if self.kind == "level" and self.level is not None:
            return FixedLevel(mode=self.level)
        if self.kind == "off":
            return FixedLevel(power_w=0.0)  # off where the model has it, else its lowest step
        return None

    def to_json(self) -> dict[str, Any]:
        """The API object (null fields included, so the shape never changes)."""
        return {
            "kind": self.kind,
            "setpoint_c": self.setpoint_c,
            "level": self.level,
            "schedule_name": self.schedule_name,
            "schedule_toml": self.schedule_toml,
            "describe": self.describe(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Target:
        """Read an API body or a persisted target.

        Forms: ``{"setpoint_c": 21}``, ``{"level": "Low"}``,
        ``{"schedule_toml": "...", "schedule_name": "x"}``, ``{"off": true}`` or with ``kind``.
        """
        if not isinstance(data, dict):
            raise UsageError("a target is a JSON object")
        kind = data.get("kind")
        if kind is None:
            given = [k for k in ("setpoint_c", "level", "schedule_toml") if data.get(k) is not None]
            if data.get("off") is True:
                given.append("off")
            if len(given) != 1:
                raise UsageError("give exactly one of setpoint_c, level, schedule_toml, off")
            kind = {"setpoint_c": "setpoint", "level": "level", "schedule_toml": "schedule"}.get(
                given[0], "off"
            )
        setpoint = data.get("setpoint_c")
        if setpoint is not None and (
            isinstance(setpoint, bool) or not isinstance(setpoint, (int, float))
        ):
            raise UsageError("setpoint_c must be a number")
        for name in ("level", "schedule_toml", "schedule_name"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise UsageError(f"{name} must be a string")
        if kind not in TARGET_KINDS:
            raise UsageError(f"unknown target kind {kind!r}")
        return cls(
            kind=cast("TargetKind", kind),
            setpoint_c=float(setpoint) if setpoint is not None else None,
            level=data.get("level"),
            schedule_toml=data.get("schedule_toml"),
            schedule_name=data.get("schedule_name"),
        )


@dataclass(frozen=True, slots=True)
class Override:
    """A manual command on a regulated device: its zone pauses until ``until_s`` or a resume."""

    device: str
    action: str
    until_s: float

    def to_json(self) -> dict[str, Any]:
        """The API object."""
        return {"device": self.device, "action": self.action, "until_s": self.until_s}


@dataclass(frozen=True, slots=True)
class DeviceView:
    """One device as the Home sees it now."""

    key: str
    """Stable identity: DNA, else MAC, else host:port."""
    name: str
    host: str
    port: int
    zone: str
    online: bool
    error: str | None = None
    status: HeaterStatus | None = None
    room_c: float | None = None
    updated_s: float | None = None

    @property
    def address(self) -> str:
        """``host:port`` (IPv6 in brackets)."""
        return str(DeviceAddress.from_host_port(self.host, self.port))

    def to_json(self) -> dict[str, Any]:
        """The ``status --json`` keys (null until first read) plus the Home's own fields.

        ``problems`` is what the latest reading shows wrong (``diagnosis``), as ``status``
        prints it; empty while the device does not answer (``error`` says why).
        """
        reading: dict[str, Any] = (
            self.status.to_json_dict() if self.status is not None else dict.fromkeys(_STATUS_KEYS)
        )
        reading.update(host=self.host, port=self.port)
        problems = diagnose(self.status) if self.status is not None and self.online else ()
        return {
            **reading,
            "problems": list(problems),
            "key": self.key,
            "name": self.name,
            "zone": self.zone,
            "online": self.online,
            "error": self.error,
            "room_c": self.room_c,
            "updated_s": self.updated_s,
        }


@dataclass(frozen=True, slots=True)
class DecisionMade:
    """One controller decision of a zone."""

    kind: ClassVar[str] = "decision"
    ts_s: float
    zone: str
    step: str
    power_w: float
    reason: str
    room_c: float | None
    setpoint_c: float | None
    applied: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The stream's and the zone's ``decision`` object."""
        return {
            "kind": self.kind,
            "ts_s": self.ts_s,
            "zone": self.zone,
            "step": self.step,
            "power_w": self.power_w,
            "reason": self.reason,
            "room_c": self.room_c,
            "setpoint_c": self.setpoint_c,
            "applied": dict(self.applied),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class ZoneView:
    """One zone: its devices, target, override and latest decision."""

    name: str
    devices: tuple[str, ...]
    """Its devices' ``host:port``."""
    setpoint_c: float | None
    target: Target | None
    override: Override | None = None
    last_decision: DecisionMade | None = None
    room: dict[str, Any] | None = None
    """The room model learned from the history (``RoomEstimate.to_json``: heat loss, warm-up,
    settling) or why there is none yet (``state`` "learning"); None without a history."""

    def to_json(self) -> dict[str, Any]:
        """The API object: ``name``, ``devices``, ``setpoint_c`` and the rest."""
        return {
            "name": self.name,
            "devices": list(self.devices),
            "setpoint_c": self.setpoint_c,
            "target": self.target.to_json() if self.target is not None else None,
            "override": self.override.to_json() if self.override is not None else None,
            "manual_until_s": self.override.until_s if self.override is not None else None,
            "decision": self.last_decision.to_json() if self.last_decision else None,
            "room": self.room,
        }


@dataclass(frozen=True, slots=True)
class Reading:
    """A device was read (or failed to be: ``device.online`` is False)."""

    kind: ClassVar[str] = "reading"
    ts_s: float
    device: DeviceView

    def to_json(self) -> dict[str, Any]:
        """The stream object."""
        return {"kind": self.kind, "ts_s": self.ts_s, "device": self.device.to_json()}


@dataclass(frozen=True, slots=True)
class HomeEvent:
    """Something happened: a device came or went, a target changed, a command ran, an exit."""

    kind: ClassVar[str] = "event"
    ts_s: float
    subject: str
    """A device key or address, or a zone name."""
    type: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        """The stream and ``/events`` object."""
        return {
            "kind": self.kind,
            "ts_s": self.ts_s,
            "subject": self.subject,
            "type": self.type,
            "detail": self.detail,
        }


HomeMessage = Reading | DecisionMade | HomeEvent
"""What ``Home.subscribe()`` yields."""

_STATUS_KEYS = (
    "model",
    "product",
    "firmware",
    "mac",
    "dna",
    "host",
    "port",
    "state",
    *(name for name in HeaterStatus.model_fields if name not in {"info", "host", "port", "state"}),
)
"""The keys of ``status --json``, for a device not read yet."""
