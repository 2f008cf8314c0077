"""Provides RemoteHome: the client the CLI and TUI use to talk to a running ``nanoheater serve``.

Same operations as ``Home`` (devices, zones, targets, commands, events, the stream), answered
with the API's JSON objects. A service that does not answer is ``ServiceUnavailable`` (exit 4);
the API's errors come back as the library's errors with their exit codes.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import Any, Self

import aiohttp

from nanoheater.exceptions import ConnectionFailed, NanoheaterError, UsageError
from nanoheater.home.devices import UnknownRef
from nanoheater.protocol.sanitize import sanitize
from nanoheater.service.address import API_PREFIX, KEEPALIVE_S, TOKEN_ENV, find_api, parse_api

REQUEST_TIMEOUT_S = 15.0
"""Deadline of one API request (a command waits for the device's confirmation)."""
MAX_LINE_BYTES = 1_000_000
MAX_REPLY_BYTES = 64_000_000
"""Largest API answer read (a fleet listing is about 2 kB per device)."""


__all__ = ["RemoteHome", "ServiceRefused", "ServiceUnavailable", "find_api"]


class ServiceUnavailable(ConnectionFailed):
    """No service answers at the address (exit 4)."""


class ServiceRefused(NanoheaterError):
    """The service refused the request: a wrong token, or the device refused (exit 3)."""

    exit_code = 3


class RemoteHome:
    """A connection to the service at ``api``; ``async with RemoteHome(api) as home: ...``."""

    def __init__(self, api: str, token: str | None = None) -> None:
        host, port = parse_api(api)
        self.address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.base = f"http://{self.address}{API_PREFIX}"
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(headers=self._headers)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers)
        return self._session

    async def request(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        """One API call; the decoded JSON answer, or the error it stands for."""
        params = {k: str(v) for k, v in query.items() if v is not None}
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        try:
            async with self._http().request(
                method, self.base + path, json=body, params=params, timeout=timeout
            ) as reply:
                raw = await _read_capped(reply, MAX_REPLY_BYTES)
                status = reply.status
        except (aiohttp.ClientConnectionError, OSError) as exc:
            raise ServiceUnavailable(f"no nanoheater service answers at {self.address}") from exc
        except TimeoutError as exc:
            raise ServiceUnavailable(
                f"the nanoheater service at {self.address} did not answer in time"
            ) from exc
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            raise ServiceUnavailable(f"{self.address} is not a nanoheater service") from None
        if status >= 400:
            raise _error(status, data, self.address)
        return data

    def _one(self, data: object) -> dict[str, Any]:
        """``data`` if it is a JSON object; anything else means this is not our service."""
        if isinstance(data, dict):
            return data
        raise self._not_ours()

    def _many(self, data: object) -> list[dict[str, Any]]:
        """``data`` if it is a list of JSON objects (the shape of every listing)."""
        if isinstance(data, list) and all(isinstance(item, dict) for item in data):
            return data
        raise self._not_ours()

    def _not_ours(self) -> ServiceUnavailable:
        # Whatever listens at NANOHEATER_API (or --api) is untrusted: another program's JSON
        # was a TypeError or AttributeError traceback in zones, status --api, set (issue 14).
        return ServiceUnavailable(f"{self.address} is not a nanoheater service (unexpected answer)")

    async def health(self) -> dict[str, Any]:
        """``{"ok", "ready", "version", "devices", "zones", "pid"}``."""
        return self._one(await self.request("GET", "/health"))

    async def devices(self) -> list[dict[str, Any]]:
        """Every device (the ``status --json`` keys plus key, name, zone, online...)."""
        return self._many(await self.request("GET", "/devices"))

    async def device(self, ref: str) -> dict[str, Any]:
        """One device."""
        return self._one(await self.request("GET", f"/devices/{_quote(ref)}"))

    async def rename(self, ref: str, name: str) -> dict[str, Any]:
        """Name device ``ref`` (empty: no name)."""
        return self._one(await self.request("PUT", f"/devices/{_quote(ref)}/name", {"name": name}))

    async def zones(self) -> list[dict[str, Any]]:
        """Every zone."""
        return self._many(await self.request("GET", "/zones"))

    async def zone(self, ref: str) -> dict[str, Any]:
        """One zone (a device ref gives its zone)."""
        return self._one(await self.request("GET", f"/zones/{_quote(ref)}"))

    async def zone_window(self, ref: str, window: str) -> dict[str, Any]:
        """A zone's chart window from the service's history (``history.window_json``'s object)."""
        return self._one(await self.request("GET", f"/zones/{_quote(ref)}/window", window=window))

    async def create_zone(self, name: str, devices: list[str] | None = None) -> dict[str, Any]:
        """Make zone ``name`` (with ``devices``); the service keeps it in config.toml."""
        body = {"name": name, "devices": list(devices or [])}
        return self._one(await self.request("POST", "/zones", body))

    async def rename_zone(self, ref: str, name: str) -> dict[str, Any]:
        """Call zone ``ref`` ``name``."""
        return self._one(await self.request("PUT", f"/zones/{_quote(ref)}/name", {"name": name}))

    async def delete_zone(self, ref: str) -> list[dict[str, Any]]:
        """Remove zone ``ref``; every zone after."""
        return self._many(await self.request("DELETE", f"/zones/{_quote(ref)}"))

    async def assign(self, ref: str, devices: list[str]) -> dict[str, Any]:
        """Move ``devices`` into zone ``ref``."""
        body = {"devices": list(devices)}
        return self._one(await self.request("POST", f"/zones/{_quote(ref)}/devices", body))

    async def unassign(self, ref: str, device: str) -> dict[str, Any]:
        """Take ``device`` out of zone ``ref``."""
        path = f"/zones/{_quote(ref)}/devices/{_quote(device)}"
        return self._one(await self.request("DELETE", path))

    async def set_target(self, ref: str, target: dict[str, Any] | None) -> dict[str, Any]:
        """Set zone ``ref``'s target (a ``Target`` JSON body), or clear it with None."""
        if target is None:
            return self._one(await self.request("DELETE", f"/zones/{_quote(ref)}/target"))
        return self._one(await self.request("PUT", f"/zones/{_quote(ref)}/target", target))

    async def resume(self, ref: str) -> dict[str, Any]:
        """End zone ``ref``'s manual override."""
        return self._one(await self.request("POST", f"/zones/{_quote(ref)}/resume"))

    async def command(
        self, ref: str, action: str, value: str | int | None = None, override_s: float | None = None
    ) -> dict[str, Any]:
        """A manual ``set`` action through the service."""
        body: dict[str, Any] = {"action": action, "value": value}
        if override_s is not None:
            body["override_s"] = override_s
        return self._one(await self.request("POST", f"/devices/{_quote(ref)}/command", body))

    async def events(self, since_s: float = 0.0, device: str | None = None) -> list[dict[str, Any]]:
        """Events since ``since_s``."""
        return self._many(await self.request("GET", "/events", since=since_s, device=device))

    async def stream(self) -> AsyncGenerator[tuple[str, dict[str, Any]], None]:
        """Yield ``(kind, object)`` from the event stream until it ends."""
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=5.0, sock_read=3 * KEEPALIVE_S)
        try:
            async with self._http().get(self.base + "/stream", timeout=timeout) as reply:
                if reply.status >= 400:
                    raise _error(reply.status, await _json_or_none(reply), self.address)
                kind = "message"
                async for raw in reply.content:
                    line = raw[:MAX_LINE_BYTES].decode(errors="replace").rstrip("\r\n")
                    if line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        try:
                            data = json.loads(line[5:])
                        except ValueError:
                            data = None
                        yield kind, self._one(data)
                        kind = "message"
        except (aiohttp.ClientConnectionError, OSError) as exc:
            raise ServiceUnavailable(f"no nanoheater service answers at {self.address}") from exc


async def _read_capped(reply: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body, or ServiceUnavailable past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in reply.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise ServiceUnavailable(f"answer larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_or_none(reply: aiohttp.ClientResponse) -> Any:
    try:
        return json.loads(await _read_capped(reply, MAX_LINE_BYTES))
    except ValueError:
        return None


def _quote(ref: str) -> str:
    from urllib.parse import quote

    return quote(ref, safe="")


def _error(status: int, data: Any, address: str) -> NanoheaterError:
    message = data.get("error") if isinstance(data, dict) else None
    text = sanitize(message if isinstance(message, str) else f"HTTP {status}", 300)
    if status == 404:
        return UnknownRef(text)
    if status == 400:
        return UsageError(text)
    if status in (401, 403):
        return ServiceRefused(f"the service at {address} refused: {text} (set {TOKEN_ENV})")
    if status == 409:
        return ServiceRefused(text)
    if status == 504:
        return ConnectionFailed(text)
    return ServiceUnavailable(f"the service at {address} failed: {text}")
