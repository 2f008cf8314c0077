"""Provides the OpenAPI 3.1 document of the service's API: served, and kept as docs/openapi.json.

One source: ``document()`` builds it from the operations below and the schemas of
``service.schemas`` (generated from the models the answers come from). ``nanoheater serve``
answers it at ``GET /api/v1/openapi.json``; ``python -m nanoheater.service.openapi`` prints it,
and docs/openapi.json is that output (a test compares them). The contract test starts a service
over a simulated fleet and checks that every route it serves is documented, every documented
route is served, and every answer validates against its schema.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from typing import Any

from nanoheater.service.address import API_PREFIX
from nanoheater.service.schemas import REF, component_schemas

API_VERSION = "1"
"""The API's version (the ``/api/v1`` prefix); not the package's, so the file stays put."""

_ERRORS = {
    "400": "a bad request: unknown action, bad value, a name taken",
    "401": "a token is set and the request has not got it",
    "404": "no such device or zone",
    "409": "the device refused the command",
    "502": "the device answered with an error",
    "504": "the device did not answer",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _list(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path(name: str, what: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
            "description": what}  # fmt: skip


def _query(name: str, schema: dict[str, Any], what: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": what}


REF_PARAM = _path("ref", "a device: host, host:port, identity (DNA or MAC) or name")
ZONE_PARAM = _path("ref", "a zone name, or a device reference meaning its zone")
NAMED_ZONE_PARAM = _path("ref", "the name of a zone (a device's own zone cannot be edited)")
DEVICE_PARAM = _path("device", "a device of the zone: host, host:port, identity or name")
SINCE = _query("since", {"type": "number"}, "from this time (epoch seconds; default 0)")
UNTIL = _query("until", {"type": "number"}, "until this time (epoch seconds; default now)")
DEVICE_QUERY = _query("device", {"type": "string"}, "only this device (any device reference)")
WINDOW_QUERY = _query("window", {"enum": ["15m", "6h", "24h", "7d"]}, "the span (default 24h)")

# (method, path under the prefix) -> summary, parameters, request body schema, answer.
# The answer is (status, schema, description); a schema of None is a non-JSON answer.
Operation = tuple[str, list[dict[str, Any]], str | None, tuple[str, Any, str]]
OPERATIONS: dict[tuple[str, str], Operation] = {
    ("get", "/health"): ("Alive, ready (first reading in), counts, pid", [], None,
                         ("200", _ref("Health"), "the service")),
    ("get", "/openapi.json"): ("This document", [], None,
                               ("200", {"type": "object"}, "the OpenAPI 3.1 document")),
    ("get", "/devices"): ("Every device", [], None, ("200", _list("Device"), "every device")),
    ("get", "/devices/{ref}"): ("One device", [REF_PARAM], None,
                                ("200", _ref("Device"), "the device")),
    ("post", "/devices/{ref}/command"): (
        "A manual command; on a regulated device it pauses its zone (an override)",
        [REF_PARAM], "CommandBody", ("200", _ref("Device"), "the device after the change")),
    ("put", "/devices/{ref}/name"): ("Name a device (empty clears it)", [REF_PARAM], "NameBody",
                                     ("200", _ref("Device"), "the renamed device")),
    ("get", "/zones"): ("Every zone", [], None, ("200", _list("ZoneView"), "every zone")),
    ("post", "/zones"): ("Make a zone (kept in config.toml [zones])", [], "ZoneBody",
                         ("201", _ref("ZoneView"), "the new zone")),
    ("get", "/zones/{ref}"): ("One zone", [ZONE_PARAM], None,
                              ("200", _ref("ZoneView"), "the zone")),
    ("get", "/zones/{ref}/window"): (
        "A zone's chart window from the history: room, set-point changes, its devices' power",
        [ZONE_PARAM, WINDOW_QUERY], None, ("200", _ref("ZoneWindow"), "the window")),
    ("delete", "/zones/{ref}"): (
        "Remove a zone and its target; its devices become zones of their own",
        [NAMED_ZONE_PARAM], None, ("200", _list("ZoneView"), "every zone after")),
    ("put", "/zones/{ref}/name"): ("Rename a zone; its target and override follow",
                                   [NAMED_ZONE_PARAM], "NameBody",
                                   ("200", _ref("ZoneView"), "the renamed zone")),
    ("post", "/zones/{ref}/devices"): ("Move devices into a zone", [NAMED_ZONE_PARAM],
                                       "DevicesBody", ("200", _ref("ZoneView"), "the zone")),
    ("delete", "/zones/{ref}/devices/{device}"): (
        "Take a device out of a zone; it becomes a zone of its own",
        [NAMED_ZONE_PARAM, DEVICE_PARAM], None, ("200", _ref("ZoneView"), "the zone")),
    ("put", "/zones/{ref}/target"): ("Set a zone's target", [ZONE_PARAM], "TargetBody",
                                     ("200", _ref("ZoneView"), "the zone")),
    ("delete", "/zones/{ref}/target"): ("Stop regulating; devices keep what they run",
                                        [ZONE_PARAM], None, ("200", _ref("ZoneView"), "the zone")),
    ("post", "/zones/{ref}/resume"): ("End a manual override now", [ZONE_PARAM], None,
                                      ("200", _ref("ZoneView"), "the zone")),
    ("get", "/events"): ("Events from the history", [SINCE, DEVICE_QUERY], None,
                         ("200", _list("HomeEvent"), "events, oldest first")),
    ("get", "/ledger"): ("Energy, heat, sats and money totals", [SINCE, UNTIL, DEVICE_QUERY],
                         None, ("200", _ref("Ledger"), "the totals")),
    ("get", "/stream"): (
        "Server-Sent Events: `reading` (Reading), `decision` (DecisionMade) and "
        "`event` (HomeEvent), one JSON object per `data:` line; a comment line every 15 s",
        [], None, ("200", None, "text/event-stream")),
}  # fmt: skip

METRICS_PATH = "/metrics"
"""Prometheus exposition, outside the API prefix."""


def _operation(method: str, path: str, spec: Operation) -> dict[str, Any]:
    summary, parameters, body, (status, schema, description) = spec
    if schema is not None:
        answer = _json(schema, description)
    else:
        answer = {"description": description, "content": {"text/event-stream": {}}}
    operation: dict[str, Any] = {
        "operationId": method + re.sub(r"[^a-z]+", "_", path).rstrip("_"),
        "summary": summary,
        "responses": {
            status: answer,
            **{code: {"$ref": f"#/components/responses/{code}"} for code in _ERRORS},
        },
    }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(_ref(body), body)}
    return operation


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/api/v1`` and ``/metrics`` (built once; do not change it)."""
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), spec in OPERATIONS.items():
        paths.setdefault(API_PREFIX + path, {})[method] = _operation(method, path, spec)
    paths[METRICS_PATH] = {
        "get": {
            "operationId": "get_metrics",
            "summary": "Prometheus metrics of the Home (docs/grafana-dashboard.json reads them)",
            "responses": {
                "200": {"description": "exposition format 0.0.4",
                        "content": {"text/plain": {"schema": {"type": "string"}}}},
                "401": {"$ref": "#/components/responses/401"},
            },
        }
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "nanoheater service API",
            "version": API_VERSION,
            "description": "The local API of `nanoheater serve` (docs/service.md). Every answer "
            'is JSON except the stream and the metrics; errors are `{"error": "one line"}`.',
        },
        "servers": [{"url": "http://127.0.0.1:8128", "description": "the default address"}],
        "security": [{}, {"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "responses": {code: _json(_ref("Error"), text) for code, text in _ERRORS.items()},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Needed on every route when NANOHEATER_API_TOKEN is set "
                    "(always, on an address other than loopback).",
                }
            },
        },
    }


def render() -> str:
    """The document as docs/openapi.json holds it (sorted keys, two-space indent, newline)."""
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
