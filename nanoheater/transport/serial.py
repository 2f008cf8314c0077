r"""Provides ``SerialTransport``: the API over a serial line, addressed by a pyserial URL.

Accepts anything ``serial.serial_for_url`` does: a device path (``/dev/ttyUSB0``, the simulator's
pty), ``socket://127.0.0.1:7000``, ``rfc2217://host:port`` and ``loop://``. Framing is the one
``firmware_sim`` serves (docs: ``firmware_sim/serial_line.py``): a request is the JSON text
followed by ``\n``; the reply is the firmware's reply bytes ending with one NUL. pyserial is
blocking, so each exchange runs in the event loop's default executor with its own deadline;
stale bytes from an earlier timed-out exchange are discarded before each request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import serial

from nanoheater.const import DEFAULT_TIMEOUT_S, MAX_REPLY_BYTES
from nanoheater.exceptions import ConnectionFailed, DeviceTimeout, ProtocolError

DEFAULT_BAUDRATE = 115200
"""Line speed for real serial ports (ignored by socket:// and ptys)."""

_POLL_S = 0.02


class SerialTransport:
    """Exchanges requests over one persistent serial link opened lazily from ``url``."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        baudrate: int = DEFAULT_BAUDRATE,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.baudrate = baudrate
        self.max_reply_bytes = max_reply_bytes
        self._port: Any = None
        self._lock = asyncio.Lock()
        self._pending: asyncio.Future[bytes] | None = None
        self._closed = False

    @property
    def label(self) -> str:
        """The pyserial URL."""
        return self.url

    async def request(self, data: bytes) -> bytes:
        """Send ``data`` plus a newline; return the reply up to and including its NUL.

        Raises:
            ConnectionFailed: the port cannot be opened or fails, or the transport is closed.
            DeviceTimeout: no NUL-terminated reply within ``timeout_s``.
            ProtocolError: the reply grew past ``max_reply_bytes``.
        """
        if self._closed:
            raise ConnectionFailed(f"{self.label}: transport is closed")
        async with self._lock:
            if self._pending is not None:
                # A cancelled caller left its exchange running in the executor; let it finish
                # (it is bounded by its own deadline) so two exchanges never share the port.
                await asyncio.wait([self._pending])
            deadline = time.monotonic() + self.timeout_s
            future = asyncio.ensure_future(asyncio.to_thread(self._exchange, data, deadline))
            # If our caller's deadline fires first, nobody awaits this future's error: mark it
            # retrieved, or asyncio prints "Task exception was never retrieved" at exit.
            future.add_done_callback(_retrieve)
            self._pending = future
            try:
                return await asyncio.shield(future)
            finally:
                if future.done():
                    self._pending = None

    async def close(self) -> None:
        """Close the port; idempotent."""
        self._closed = True
        async with self._lock:
            if self._pending is not None:
                await asyncio.wait([self._pending])
                self._pending = None
            port, self._port = self._port, None
            if port is not None:
                await asyncio.to_thread(_close_port, port)

    def _open(self) -> Any:
        if self._port is None:
            try:
                self._port = serial.serial_for_url(
                    self.url, baudrate=self.baudrate, timeout=_POLL_S
                )
            except (serial.SerialException, OSError, ValueError) as exc:
                raise ConnectionFailed(f"{self.label}: cannot open serial link: {exc}") from None
        return self._port

    def _exchange(self, data: bytes, deadline: float) -> bytes:
        port = self._open()
        try:
            port.reset_input_buffer()
            port.write(data + b"\n")
            port.flush()
            buffer = bytearray()
            while time.monotonic() < deadline:
                chunk = port.read(max(port.in_waiting, 1))
                if not chunk:
                    continue
                buffer += chunk
                if len(buffer) > self.max_reply_bytes:
                    raise ProtocolError(f"{self.label}: reply exceeds {self.max_reply_bytes} bytes")
                end = buffer.find(b"\x00")
                if end >= 0:
                    return bytes(buffer[: end + 1])
        except (serial.SerialException, OSError) as exc:
            self._drop_port()
            raise ConnectionFailed(f"{self.label}: serial link failed: {exc}") from None
        raise DeviceTimeout(f"{self.label}: no complete reply within {self.timeout_s:g} s")

    def _drop_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            _close_port(port)


def _retrieve(future: asyncio.Future[bytes]) -> None:
    if not future.cancelled():
        future.exception()


def _close_port(port: Any) -> None:
    """Close a pyserial port, and the socket of a ``socket://`` one.

    pyserial's socket:// ``close`` calls ``shutdown`` first and skips ``close`` when that fails,
    which it does whenever the peer hung up already: the socket would stay open until GC.
    """
    sock = getattr(port, "_socket", None)
    with contextlib.suppress(serial.SerialException, OSError):
        port.close()
    if sock is not None:
        sock.close()
