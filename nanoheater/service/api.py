"""Provides build_app: the ``/api/v1`` routes over a ``Home``, as an aiohttp application.

Every answer is JSON (errors as ``{"error": "one line"}``) and every payload is the ``to_json()``
of a Home value, so the API and the in-process Home show the same shapes. With a token, every
route needs ``Authorization: Bearer <token>``; the comparison is constant-time and the token is
never logged (the access log is off; requests are logged without headers).
"""

from __future__ import annotations

import hmac
import importlib.metadata
import json
import logging
import math
import os
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from nanoheater.bridges.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from nanoheater.bridges.metrics import HomeMetrics
from nanoheater.exceptions import ConnectionFailed, DeviceRefused, NanoheaterError, UsageError
from nanoheater.history import Window
from nanoheater.home import Home, Target, UnknownRef
from nanoheater.protocol.sanitize import sanitize
from nanoheater.service.address import API_PREFIX, KEEPALIVE_S
from nanoheater.service.openapi import document

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 128_000
MAX_OVERRIDE_S = 30 * 86400.0
"""The longest manual override (30 days): an override is a pause, not a new target."""

HOME_KEY = web.AppKey("home", Home)
METRICS_KEY = web.AppKey("metrics", HomeMetrics)
OPENAPI_KEY = web.AppKey("openapi", dict[str, Any])

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=lambda v: json.dumps(v, default=str))


def _error(status: int, message: str) -> web.Response:
    return _json({"error": sanitize(message, 300)}, status)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Library errors become one JSON line with a fitting status; nothing leaks a traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except UnknownRef as exc:
        return _error(404, str(exc))
    except UsageError as exc:
        return _error(400, str(exc))
    except DeviceRefused as exc:
        return _error(409, str(exc))
    except ConnectionFailed as exc:
        return _error(504, str(exc))
    except NanoheaterError as exc:
        return _error(502, str(exc))
    except (ValueError, json.JSONDecodeError) as exc:
        return _error(400, f"bad request: {exc}")


def _auth(token: str) -> Any:
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return _error(401, "missing or wrong bearer token")
        return await handler(request)

    return check


def _home(request: web.Request) -> Home:
    return request.app[HOME_KEY]


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()  # client_max_size caps it (413 beyond MAX_BODY_BYTES)
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise UsageError("the body must be a JSON object")
    return data


def _float_query(request: web.Request, name: str, default: float | None) -> float | None:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = float(text[:40])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise UsageError(f"{name} must be a number (seconds since the epoch)")
    return value


def _version() -> str:
    try:
        return importlib.metadata.version("nanoheater")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


async def health(request: web.Request) -> web.Response:
    """``GET /health``: alive, ready (first reading in), counts, pid."""
    home = _home(request)
    return _json(
        {
            "ok": True,
            "ready": home.ready.is_set(),
            "version": _version(),
            "devices": len(home.slots),
            "zones": len(home.zone_slots),
            "pid": os.getpid(),
        }
    )


async def list_devices(request: web.Request) -> web.Response:
    """``GET /devices``: every device with the ``status --json`` keys."""
    return _json([d.to_json() for d in _home(request).devices()])


async def get_device(request: web.Request) -> web.Response:
    """``GET /devices/{ref}``."""
    return _json(_home(request).device(request.match_info["ref"]).to_json())


async def device_command(request: web.Request) -> web.Response:
    """``POST /devices/{ref}/command``: a ``set`` action; on a regulated device, an override."""
    body = await _body(request)
    action = body.get("action")
    value = body.get("value")
    override_s = body.get("override_s")
    if not isinstance(action, str):
        raise UsageError("give an action (mode, level, off, on, fan, chip_target, reboot)")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
        raise UsageError("value must be a string or a whole number")
    if override_s is not None and (
        isinstance(override_s, bool)
        or not isinstance(override_s, (int, float))
        or not 0 < override_s <= MAX_OVERRIDE_S  # NaN fails this too
    ):
        raise UsageError(f"override_s must be a number of seconds from 1 to {MAX_OVERRIDE_S:.0f}")
    view = await _home(request).command(
        request.match_info["ref"],
        action,
        value,
        override_s=float(override_s) if override_s is not None else None,
    )
    return _json(view.to_json())


async def rename_device(request: web.Request) -> web.Response:
    """``PUT /devices/{ref}/name``: ``{"name": "Living room Q"}`` (empty: no name)."""
    name = (await _body(request)).get("name")
    if not isinstance(name, str):
        raise UsageError("give a name (a string; empty clears it)")
    return _json((await _home(request).rename(request.match_info["ref"], name)).to_json())


async def list_zones(request: web.Request) -> web.Response:
    """``GET /zones``: name, devices, setpoint_c and the rest of each zone."""
    return _json([z.to_json() for z in _home(request).zones()])


async def get_zone(request: web.Request) -> web.Response:
    """``GET /zones/{ref}`` (a device ref gives its zone)."""
    return _json(_home(request).zone(request.match_info["ref"]).to_json())


async def zone_window(request: web.Request) -> web.Response:
    """``GET /zones/{ref}/window?window=24h``: the zone's room, set-point and power from history."""
    text = request.query.get("window", Window.H24.value)
    try:
        window = Window(text[:8])
    except ValueError:
        raise UsageError(f"window must be one of {', '.join(w.value for w in Window)}") from None
    return _json(await _home(request).zone_window(request.match_info["ref"], window))


async def create_zone(request: web.Request) -> web.Response:
    """``POST /zones``: ``{"name": "living", "devices": ["127.0.0.2"]}``; kept in config.toml."""
    body = await _body(request)
    devices = body.get("devices", [])
    if not isinstance(devices, list):
        raise UsageError("devices must be a list of device references")
    name = body.get("name")
    if not isinstance(name, str):
        raise UsageError("give a zone name (a string)")
    view = await _home(request).create_zone(name, devices)
    return _json(view.to_json(), 201)


async def rename_zone(request: web.Request) -> web.Response:
    """``PUT /zones/{ref}/name``: ``{"name": "lounge"}``; the target follows."""
    name = (await _body(request)).get("name")
    if not isinstance(name, str):
        raise UsageError("give the zone's new name (a string)")
    return _json((await _home(request).rename_zone(request.match_info["ref"], name)).to_json())


async def delete_zone(request: web.Request) -> web.Response:
    """``DELETE /zones/{ref}``: its devices become zones of their own; every zone after."""
    return _json([z.to_json() for z in await _home(request).delete_zone(request.match_info["ref"])])


async def assign_devices(request: web.Request) -> web.Response:
    """``POST /zones/{ref}/devices``: ``{"devices": [...]}`` join the zone."""
    devices = (await _body(request)).get("devices")
    if not isinstance(devices, list):
        raise UsageError("give devices: a list of device references")
    view = await _home(request).assign(request.match_info["ref"], devices)
    return _json(view.to_json())


async def unassign_device(request: web.Request) -> web.Response:
    """``DELETE /zones/{ref}/devices/{device}``: the device becomes a zone of its own."""
    info = request.match_info
    return _json((await _home(request).unassign(info["ref"], info["device"])).to_json())


async def put_target(request: web.Request) -> web.Response:
    """``PUT /zones/{ref}/target``: set-point, level, schedule or off."""
    target = Target.from_json(await _body(request))
    view = await _home(request).set_target(request.match_info["ref"], target)
    return _json(view.to_json())


async def delete_target(request: web.Request) -> web.Response:
    """``DELETE /zones/{ref}/target``: stop regulating; devices keep what they run."""
    return _json((await _home(request).set_target(request.match_info["ref"], None)).to_json())


async def resume(request: web.Request) -> web.Response:
    """``POST /zones/{ref}/resume``: end a manual override now."""
    return _json((await _home(request).resume(request.match_info["ref"])).to_json())


async def events(request: web.Request) -> web.Response:
    """``GET /events?since=TS&device=REF``: events from the history."""
    since = _float_query(request, "since", 0.0) or 0.0
    rows = await _home(request).events_since(since, request.query.get("device"))
    return _json([e.to_json() for e in rows])


async def ledger(request: web.Request) -> web.Response:
    """``GET /ledger?since=TS&until=TS&device=REF``: energy, heat, sats and money totals."""
    since = _float_query(request, "since", 0.0) or 0.0
    until = _float_query(request, "until", None)
    return _json(await _home(request).ledger(since, until, request.query.get("device")))


async def stream(request: web.Request) -> web.StreamResponse:
    """``GET /stream``: Server-Sent Events ``reading``, ``decision`` and ``event``."""
    home = _home(request)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    async with home.subscribe() as sub:
        try:
            await response.write(b": connected\n\n")
            while True:
                message = await sub.get(KEEPALIVE_S)
                if message is None:
                    if sub.closed:
                        break
                    await response.write(b": keepalive\n\n")
                    continue
                data = json.dumps(message.to_json(), default=str, separators=(",", ":"))
                await response.write(f"event: {message.kind}\ndata: {data}\n\n".encode())
        except ConnectionResetError:
            pass  # the reader went away; a cancellation (server shutdown) propagates
    return response


async def openapi(request: web.Request) -> web.Response:
    """``GET /openapi.json``: this API as an OpenAPI 3.1 document (``service.openapi``)."""
    return _json(request.app[OPENAPI_KEY])


async def metrics(request: web.Request) -> web.Response:
    """Prometheus exposition of the Home (nanoheater.bridges.metrics)."""
    body = await request.app[METRICS_KEY].render()
    return web.Response(body=body, headers={"Content-Type": METRICS_CONTENT_TYPE})


def build_app(home: Home, token: str | None = None) -> web.Application:
    """The API application over ``home``; with ``token``, every route needs it."""
    middlewares = [_errors] if token is None else [_auth(token), _errors]
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[HOME_KEY] = home
    p = API_PREFIX
    app[OPENAPI_KEY] = document()
    app.router.add_get(f"{p}/health", health)
    app.router.add_get(f"{p}/openapi.json", openapi)
    app.router.add_get(f"{p}/devices", list_devices)
    app.router.add_get(f"{p}/devices/{{ref}}", get_device)
    app.router.add_post(f"{p}/devices/{{ref}}/command", device_command)
    app.router.add_put(f"{p}/devices/{{ref}}/name", rename_device)
    app.router.add_get(f"{p}/zones", list_zones)
    app.router.add_post(f"{p}/zones", create_zone)
    app.router.add_get(f"{p}/zones/{{ref}}", get_zone)
    app.router.add_get(f"{p}/zones/{{ref}}/window", zone_window)
    app.router.add_delete(f"{p}/zones/{{ref}}", delete_zone)
    app.router.add_put(f"{p}/zones/{{ref}}/name", rename_zone)
    app.router.add_post(f"{p}/zones/{{ref}}/devices", assign_devices)
    app.router.add_delete(f"{p}/zones/{{ref}}/devices/{{device}}", unassign_device)
    app.router.add_put(f"{p}/zones/{{ref}}/target", put_target)
    app.router.add_delete(f"{p}/zones/{{ref}}/target", delete_target)
    app.router.add_post(f"{p}/zones/{{ref}}/resume", resume)
    app.router.add_get(f"{p}/events", events)
    app.router.add_get(f"{p}/ledger", ledger)
    app.router.add_get(f"{p}/stream", stream)
    app[METRICS_KEY] = HomeMetrics(home)
    app.router.add_get("/metrics", metrics)
    return app
