"""Provides ``DeviceLink``: serialised, deadline-bounded exchanges with one device, and snapshots.

Internal: ``HeaterClient`` holds one and is the public API; the names here may change.

This is the machinery under ``HeaterClient``: one lock per device so callers never interleave on
the wire, one overall deadline per public call, the retry policy (reads are retried once after a
drop, a garbled or a truncated reply; writes are never blindly repeated but confirmed by reading
back), joined status reads with a per-device memory of whether the firmware accepts joins, the
Q empty-summary fallback, and the device clock used to schedule soft off/on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from nanoheater.address import DeviceAddress
from nanoheater.const import CALIBRATION_RETRY_S
from nanoheater.exceptions import (
    CalibratingError,
    ConnectionFailed,
    DeviceRefused,
    DeviceTimeout,
    NanoheaterError,
    ProtocolError,
    UsageError,
)
from nanoheater.models import HeaterInfo, HeaterStatus, Pool
from nanoheater.protocol.blob import BlobValue
from nanoheater.protocol.codec import decode_reply, encode_request, joined_part, reply_status
from nanoheater.protocol.parse import (
    find_blob,
    parse_info,
    parse_pools,
    parse_status,
    section,
    version_entry,
)
from nanoheater.protocol.sanitize import sanitize
from nanoheater.transport.base import Transport
from nanoheater.transport.serial import SerialTransport
from nanoheater.transport.tcp import TcpTransport

Check = Callable[[HeaterStatus, Mapping[str, BlobValue]], bool]
"""A read-back test: does this status (and raw blob) show the write took effect?"""

Snapshot = tuple[HeaterStatus, Mapping[str, BlobValue]]

CONFIRM_WINDOW_S = 3.0
"""How long a write keeps re-reading the device for its effect (fan duty settles over ~1 s)."""

CONFIRM_POLL_S = 0.25
"""Pause between read-backs while waiting for a write to show."""

_STATUS_COMMANDS = ("summary", "estats")

POOLS_MAX_AGE_S = 30.0
"""Pool settings change only by ``setpool`` (and a reboot), so status re-reads them this often."""


@functools.lru_cache(maxsize=32)
def _read_request(command: str) -> bytes:
    """The encoded request of a read without parameter: the same few bytes every poll."""
    return encode_request(command)


def tcp_transport(host: str, port: int, timeout_s: float) -> TcpTransport:
    """Return the TCP transport the client uses for ``host:port``."""
    return TcpTransport(host, port, timeout_s=timeout_s, connect_timeout_s=min(2.0, timeout_s))


def serial_transport(url: str, timeout_s: float) -> SerialTransport:
    """Return the serial transport the client uses for ``url``."""
    return SerialTransport(url, timeout_s=timeout_s)


def transport_for(address: DeviceAddress, timeout_s: float) -> Transport:
    """Return the transport that reaches ``address`` (TCP or serial)."""
    if address.is_serial:
        return serial_transport(address.host, timeout_s)
    return tcp_transport(address.host, address.tcp_port, timeout_s)


class DeviceLink:
    """Exchanges with one device: one at a time, each public call under one deadline."""

    def __init__(
        self,
        transport: Transport,
        *,
        host: str | None,
        port: int,
        timeout_s: float,
        retries: int,
        confirm_window_s: float = CONFIRM_WINDOW_S,
    ) -> None:
        if timeout_s <= 0:
            raise UsageError("timeout_s must be positive")
        self.transport = transport
        self.host = host if host is not None else transport.label
        self.port = port
        self.timeout_s = timeout_s
        self.retries = max(0, retries)
        self.confirm_window_s = max(0.0, confirm_window_s)
        self._lock = asyncio.Lock()
        self._closed = False
        self._info: HeaterInfo | None = None
        self._join_ok: bool | None = None
        self._clock: tuple[float, float] | None = None
        self._pools: tuple[float, list[Pool]] | None = None
        """Pools from the last ``pools`` read, with the monotonic time of that read."""
        self._call_snapshot: Snapshot | None = None
        """The snapshot read during the current locked call, if any (see ``fresh_snapshot``)."""

    @property
    def closed(self) -> bool:
        """Whether ``close`` has been called."""
        return self._closed

    async def close(self) -> None:
        """Release the transport; idempotent."""
        if not self._closed:
            self._closed = True
            await self.transport.close()

    def remember_pools(self, pools: list[Pool]) -> None:
        """Keep ``pools`` (read fresh by the caller) for the next status."""
        self._pools = (time.monotonic(), pools)

    def forget_identity(self) -> None:
        """Read the identity again on the next call (after a reboot or firmware change)."""
        self._info = None

    @property
    def label(self) -> str:
        """The device address used in every error message."""
        return self.transport.label

    @contextlib.asynccontextmanager
    async def call(self, extra_s: float = 0.0) -> AsyncIterator[None]:
        """Hold the device lock and bound the body by ``timeout_s`` (+ ``extra_s``)."""
        if self._closed:
            raise ConnectionFailed(f"{self.label}: client is closed")
        async with self._lock:
            budget = self.timeout_s + extra_s
            self._call_snapshot = None
            try:
                async with asyncio.timeout(budget):
                    yield
            except TimeoutError:
                raise DeviceTimeout(f"{self.label}: no answer within {budget:g} s") from None
            finally:
                self._call_snapshot = None

    async def info(self) -> HeaterInfo:
        """The device's identity, read with a status snapshot on first use (call under ``call``)."""
        if self._info is None:
            await self.snapshot()
        if self._info is None:  # pragma: no cover - snapshot always sets it or raises
            raise ProtocolError(f"{self.label}: no identity")
        return self._info

    def device_now(self) -> float:
        """The device's clock now, from the last reply's ``When`` (local clock if none yet)."""
        if self._clock is None:
            return time.time()
        when, at = self._clock
        return when + (time.monotonic() - at)

    async def read(self, command: str, parameter: str | None = None) -> dict[str, Any]:
        """One read exchange, retried after a drop, a garbled or a truncated reply."""
        data = _read_request(command) if parameter is None else encode_request(command, parameter)
        for attempt in range(self.retries + 1):
            try:
                return self._decode(await self.transport.request(data), command)
            except DeviceTimeout:
                raise
            except (ConnectionFailed, ProtocolError):
                if attempt >= self.retries:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _decode(self, raw: bytes, command: str) -> dict[str, Any]:
        if not raw:
            raise ConnectionFailed(
                f"{self.label}: closed the connection without replying to {command}"
            )
        try:
            body = decode_reply(raw)
        except ProtocolError as exc:
            raise ProtocolError(f"{self.label}: {exc}") from None
        if "id" not in body:
            # Every complete reply ends with JSON_END ',"id":1}'; the codec can close a cut-off
            # reply, but the client retries it rather than trusting a partial reading.
            raise ProtocolError(f"{self.label}: reply to {command} was cut short")
        self._note_clock(body)
        return body

    def _note_clock(self, body: Mapping[str, Any]) -> None:
        # A joined reply has no STATUS of its own: its parts do. Only bodies with a STATUS are
        # parsed (a failed reply_status raises, which costs more than the whole check).
        if "STATUS" not in body:
            parts = (joined_part(body, k) for k in body if k != "id")
            body = next((p for p in parts if p is not None and "STATUS" in p), body)
        try:
            when = reply_status(body).when
        except ProtocolError:
            return
        if when is not None:
            self._clock = (when, time.monotonic())

    async def _read_many(self, commands: list[str]) -> dict[str, dict[str, Any]]:
        if self._join_ok is not False and len(commands) > 1:
            body = await self.read("+".join(commands))
            parts = {c: joined_part(body, c) for c in commands}
            # Each command's part ends with its own JSON_END; a part without "id" was cut off.
            complete = {c: p for c, p in parts.items() if p is not None and "id" in p}
            if len(complete) == len(commands):
                self._join_ok = True
                return complete
            if self._join_ok is None and not complete and "STATUS" in body:
                self._join_ok = False  # this firmware refuses joins; go one command at a time
            else:
                raise ProtocolError(f"{self.label}: joined reply is incomplete")
        return {c: await self.read(c) for c in commands}

    async def fresh_snapshot(self) -> Snapshot:
        """The snapshot already read in this call (reading the identity takes one), else a read.

        Inside one locked call nothing else talks to the device, so a snapshot taken moments
        ago is as current as a new one: a fresh client's first write costs 3 round trips, not 4.
        """
        if self._call_snapshot is not None:
            return self._call_snapshot
        return await self.snapshot()

    async def snapshot(self) -> Snapshot:
        """Read status in as few round trips as possible; retried once if a reply was incomplete."""
        for attempt in range(self.retries + 1):
            try:
                self._call_snapshot = await self._snapshot_once()
                return self._call_snapshot
            except ProtocolError:
                if attempt >= self.retries:
                    self._info = None  # garbled for good: maybe not the device we knew
                    raise
            except (ConnectionFailed, DeviceTimeout):
                # Whoever answers after an outage may be another device (DHCP gave the address
                # away): read its identity again rather than filing its readings under the old.
                self._info = None
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _snapshot_once(self) -> Snapshot:
        commands = list(_STATUS_COMMANDS)
        if self._info is None:
            commands.insert(0, "version")
        pools_due = self._pools is None or time.monotonic() - self._pools[0] > POOLS_MAX_AGE_S
        if pools_due:
            commands.append("pools")
        parts = await self._read_many(commands)
        blob = find_blob(parts["estats"])
        for fallback in ("litestats", "stats"):
            if blob is not None:
                break
            # The Q sometimes sends an empty summary blob (docs/protocol.md §6.8): ask another way.
            blob = find_blob(await self.read(fallback))
        if blob is None:
            raise ProtocolError(f"{self.label}: the device sent no status blob")
        try:
            return self._build_snapshot(parts, blob, pools_due)
        except (ValueError, TypeError, OverflowError) as exc:
            # Values the parser could not make sense of (a hostile or corrupt device): the
            # library promises NanoheaterError only, so this is a protocol error, not a crash.
            raise ProtocolError(f"{self.label}: unusable status values ({exc})") from None

    def _build_snapshot(
        self, parts: dict[str, dict[str, Any]], blob: Mapping[str, BlobValue], pools_due: bool
    ) -> Snapshot:
        if self._info is None:
            entry = version_entry(parts["version"])
            if not entry:
                raise ProtocolError(f"{self.label}: version reply has no VERSION section")
            self._info = parse_info(entry, blob)
        if pools_due:
            self._pools = (time.monotonic(), parse_pools(parts["pools"]))
        summaries = section(parts["summary"], "SUMMARY")
        status = parse_status(
            self._info,
            blob,
            host=self.host,
            port=self.port,
            summary=summaries[0] if summaries else None,
            pools=self._pools[1] if self._pools else [],
            when=self._clock[0] if self._clock else None,
        )
        return status, blob

    async def ascset(self, option: str, *values: object, allow_silent: bool = False) -> str:
        """Send ``ascset|0,<option>,<values>``; return the device's Msg. Never retried.

        Raises:
            CalibratingError: refused because the device is calibrating.
            DeviceRefused: an E/F reply.
        """
        parameter = ",".join(["0", option, *(str(v) for v in values)])
        raw = await self.transport.request(encode_request("ascset", parameter))
        if not raw and allow_silent:
            return ""
        status = reply_status(self._decode(raw, f"ascset {option}"))
        if not status.ok:
            raise self._refusal(status.msg)
        return status.msg

    def _refusal(self, msg: str) -> DeviceRefused:
        reason = sanitize(msg) or "no reason given"
        lowered = reason.lower()
        if "caling" in lowered or "calibrat" in lowered:
            return CalibratingError(self.label, reason, CALIBRATION_RETRY_S)
        return DeviceRefused(self.label, reason)

    async def write(
        self,
        option: str,
        *values: object,
        check: Check,
        what: str,
        window_s: float | None = None,
        poll_s: float = CONFIRM_POLL_S,
    ) -> HeaterStatus:
        """Send one ascset, then read back until ``check`` passes or ``window_s`` runs out.

        A dropped or garbled reply to the write is not an answer either way, so the read-back
        decides: the change may well have been applied (a Q ``softon`` closes without a reply).
        """
        msg = ""
        lost: NanoheaterError | None = None
        try:
            msg = await self.ascset(option, *values)
        except DeviceRefused:
            raise
        except DeviceTimeout:
            raise
        except (ConnectionFailed, ProtocolError) as exc:
            lost = exc
        give_up = time.monotonic() + (self.confirm_window_s if window_s is None else window_s)
        while True:
            status, blob = await self.snapshot()
            if check(status, blob):
                return status
            if time.monotonic() >= give_up:
                if lost is not None:
                    raise lost
                said = f"; device said {sanitize(msg)!r}" if msg else ""
                raise DeviceRefused(self.label, f"could not {what}: not applied{said}")
            await asyncio.sleep(poll_s)


__all__ = [
    "CONFIRM_POLL_S",
    "CONFIRM_WINDOW_S",
    "POOLS_MAX_AGE_S",
    "Check",
    "DeviceLink",
    "Snapshot",
    "serial_transport",
    "tcp_transport",
    "transport_for",
]
