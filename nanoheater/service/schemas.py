"""Provides the JSON Schemas of the API's objects, for the OpenAPI document (``service.openapi``).

Each answer's schema is generated from the type the answer is made of, so it cannot drift: the
device object from ``HeaterStatus`` (flattened as ``status --json`` prints it, every reading key
null until the first reading) plus the Home's own keys; zones, targets, overrides, decisions and
events from the Home's dataclasses (``home.types``), with the keys their ``to_json()`` adds or
renames; the ledger from ``history.records.LedgerTotals``. Only the health and error objects and
the request bodies are declared here. Every object lists all its keys as required and no others,
so the contract test (tests/service/test_openapi.py), which validates real answers of a running
service, fails when a key changes on one side only.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.json_schema import models_json_schema

from nanoheater.history.records import LedgerTotals
from nanoheater.home.commands import ACTIONS
from nanoheater.home.types import DecisionMade, HomeEvent, Reading, Target, TargetKind, ZoneView
from nanoheater.models import HeaterInfo, HeaterStatus

REF = "#/components/schemas/{model}"
"""Where every named schema lives in the document."""

_FLATTENED = ("info", "host", "port", "state")
"""``HeaterStatus`` fields ``to_json_dict`` replaces with flat keys."""


class _Object(BaseModel):
    """An API object: exactly these keys (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


class Error(_Object):
    """Every failure: one sanitised line."""

    error: str


class Health(_Object):
    """``GET /health``."""

    ok: Literal[True]
    ready: bool
    """True once the first device reading is in."""
    version: str
    devices: int
    zones: int
    pid: int


class TargetBody(BaseModel):
    """``PUT /zones/{ref}/target``: exactly one of the four forms (or ``kind`` and its field)."""

    model_config = ConfigDict(extra="forbid")

    kind: TargetKind | None = None
    setpoint_c: float | None = None
    level: str | None = None
    schedule_toml: str | None = None
    schedule_name: str | None = None
    off: bool | None = None


class CommandBody(BaseModel):
    """``POST /devices/{ref}/command``: a ``nanoheater set`` action."""

    model_config = ConfigDict(extra="forbid")

    action: Annotated[str, Field(json_schema_extra={"enum": list(ACTIONS)})]
    value: str | int | None = None
    override_s: float | None = None
    """On a regulated device: how long its zone pauses (default 7200 s, at most 30 days)."""


class NameBody(BaseModel):
    """A new name (``PUT .../name``); for a device, empty clears it."""

    model_config = ConfigDict(extra="forbid")

    name: str


class ZoneBody(BaseModel):
    """``POST /zones``: a new zone and the devices (host, host:port or name) moved into it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    devices: list[str] = []


class DevicesBody(BaseModel):
    """``POST /zones/{ref}/devices``: devices (host, host:port or name) to move into the zone."""

    model_config = ConfigDict(extra="forbid")

    devices: list[str]


MODELS: tuple[type[BaseModel], ...] = (
    Error, Health, TargetBody, CommandBody, NameBody, ZoneBody, DevicesBody, HeaterStatus,
)  # fmt: skip
"""Pydantic models whose schemas are components (HeaterStatus only feeds Device)."""


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null (an unread device has null for every reading key)."""
    options = schema.get("anyOf", [schema])
    if any(o.get("type") == "null" for o in options):
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _clean(schema: dict[str, Any]) -> dict[str, Any]:
    """Without pydantic's ``title``/``default`` (the keys are always present in an answer)."""
    return {k: v for k, v in schema.items() if k not in ("title", "default")}


def _device(defs: dict[str, Any]) -> dict[str, Any]:
    """The device object: ``HeaterStatus.to_json_dict()``'s keys plus the Home's own."""
    status = defs["HeaterStatus"]["properties"]
    info = defs[HeaterInfo.__name__]["properties"]
    reading: dict[str, Any] = {
        **{key: _nullable(_clean(info[key])) for key in ("model", "product", "firmware")},
        **{key: _nullable(_clean(info[key])) for key in ("mac", "dna")},
        "host": {"type": "string"},
        "port": {"type": "integer"},
        "state": _nullable(_clean(status["state"])),
        **{k: _nullable(_clean(v)) for k, v in status.items() if k not in _FLATTENED},
    }
    home: dict[str, Any] = {
        "problems": {
            "type": "array",
            "items": {"type": "string"},
            "description": "what the latest reading shows wrong, as `nanoheater status` says it "
            "(nanoheater/diagnosis.py); empty while the device does not answer",
        },
        "key": {"type": "string", "description": "DNA, else MAC, else host:port"},
        "name": {"type": "string", "description": "the user's name, else host:port"},
        "zone": {"type": "string"},
        "online": {"type": "boolean"},
        "error": {"type": ["string", "null"]},
        "room_c": {"type": ["number", "null"]},
        "updated_s": {"type": ["number", "null"]},
    }
    properties = {**reading, **home}
    return {
        "type": "object",
        "description": "A device: the keys of `nanoheater status --json` plus the Home's own.",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _ledger() -> dict[str, Any]:
    """Ledger totals (``LedgerTotals`` and its derived net cost), or the bare period."""
    totals = TypeAdapter(LedgerTotals).json_schema(mode="serialization")
    fields = {k: _clean(v) for k, v in totals["properties"].items()}
    properties = {
        **fields,
        "device": {"type": ["string", "null"]},
        "net_cost_fiat": {"type": "number"},
        "net_cost_fiat_per_kwh_heat": {"type": ["number", "null"]},
        "market": {
            "type": "object",
            "description": "Where the market figures the service uses now come from, how old"
            " (economics.origin.market_origin; `nanoheater economics --json` market_origin).",
            "properties": {
                "kind": {"enum": ["live", "cache", "default", "override"]},
                "host": {"type": ["string", "null"]},
                "age_s": {"type": ["integer", "null"]},
                "label": {"type": "string"},
            },
            "required": ["kind", "host", "age_s", "label"],
            "additionalProperties": False,
        },
    }
    period = {k: properties[k] for k in ("since_s", "until_s", "device")}
    return {
        "oneOf": [
            {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
            {
                "type": "object",
                "description": "A service that keeps no history answers the period only.",
                "properties": period,
                "required": list(period),
                "additionalProperties": False,
            },
        ]
    }


def _home_objects() -> dict[str, Any]:
    """The zone, what it holds, and the event, from their dataclasses.

    With the keys their ``to_json()`` adds (``describe``, ``kind``, ``manual_until_s``) or
    renames (``last_decision`` is ``decision``).
    """
    zone = TypeAdapter(ZoneView).json_schema(ref_template=REF, mode="serialization")
    defs: dict[str, Any] = zone.pop("$defs")
    defs[ZoneView.__name__] = zone
    defs[HomeEvent.__name__] = TypeAdapter(HomeEvent).json_schema(mode="serialization")
    props = {name: schema["properties"] for name, schema in defs.items()}
    props[Target.__name__]["describe"] = {
        "type": "string",
        "description": "short text: `21.0 °C`, `level Low`, `schedule week.toml` or `off`",
    }
    for cls in (DecisionMade, HomeEvent):
        props[cls.__name__] = {"kind": {"const": cls.kind}, **props[cls.__name__]}
    zone_props = props[ZoneView.__name__]
    zone_props["decision"] = zone_props.pop("last_decision")
    zone_props["manual_until_s"] = {"type": ["number", "null"], "description": "override.until_s"}
    for name, schema in defs.items():
        schema["properties"] = props[name]
    return defs


def component_schemas() -> dict[str, Any]:
    """Every named schema of the document (``components.schemas``)."""
    _, top = models_json_schema([(m, "serialization") for m in MODELS], ref_template=REF)
    defs: dict[str, Any] = copy.deepcopy(top["$defs"])
    defs["Device"] = _device(defs)
    defs[Reading.__name__] = {
        "type": "object",
        "description": "The stream's `reading`: a device was read, or failed to be (offline).",
        "properties": {
            "kind": {"const": Reading.kind},
            "ts_s": {"type": "number"},
            "device": {"$ref": REF.format(model="Device")},
        },
        "required": ["kind", "ts_s", "device"],
        "additionalProperties": False,
    }
    for name in ("HeaterStatus", HeaterInfo.__name__):
        del defs[name]  # only their fields are used, flattened into Device
    home = _home_objects()
    defs.update(home)
    for name in ("Error", "Health", *home):
        schema = defs[name]
        schema["properties"] = {k: _clean(v) for k, v in schema["properties"].items()}
        schema["required"] = list(schema["properties"])  # every key is in every answer
        schema["additionalProperties"] = False
        schema.pop("title", None)
    defs["Ledger"] = _ledger()
    defs["ZoneWindow"] = _zone_window()
    return defs


def _zone_window() -> dict[str, Any]:
    """A zone's chart window (``history.window_json`` plus the zone's devices)."""
    number, maybe = {"type": "number"}, {"type": ["number", "null"]}

    def strict(properties: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "properties": properties, "required": list(properties),
                "additionalProperties": False}  # fmt: skip

    point = strict({"ts_s": number, "power_w": maybe, "room_c": maybe})
    mark = strict({"ts_s": number, "kind": {"enum": ["mode", "fault"]}, "text": {"type": "string"}})
    step = strict(
        {"ts_s": number, "kind": {"enum": ["up", "down", "step"]}, "text": {"type": "string"}}
    )
    return {
        **strict(
            {
                "zone": {"type": "string"},
                "devices": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "history keys of the zone's devices",
                },
                "window": {"enum": ["15m", "6h", "24h", "7d"]},
                "since_s": number,
                "until_s": number,
                "bucket_s": {"type": "integer"},
                "points": {
                    "type": "array",
                    "items": point,
                    "description": "per bucket: the devices' power summed, the room's mean",
                },
                "setpoints": {
                    "type": "array",
                    "description": "[time, set-point or null] changes",
                    "items": {
                        "type": "array",
                        "prefixItems": [number, maybe],
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
                "marks": {"type": "array", "items": mark},
                "quiet": {
                    "type": "array",
                    "description": "[start, end] of the quiet hours of the zone's target, "
                    "to an hour past until_s (for live readings drawn after it)",
                    "items": {
                        "type": "array",
                        "prefixItems": [number, number],
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
                "steps": {
                    "type": "array",
                    "items": step,
                    "description": "the schedule's changes of target: set-point up, down, "
                    "or another target",
                },
            }
        ),
        "description": "A zone's room, set-point and power over a window, from the history.",
    }
