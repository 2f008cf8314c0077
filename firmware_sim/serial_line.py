r"""Provides SerialLine: the device's API commands over a pseudo-terminal and serial-over-TCP.

Real Nano-class units document no serial control protocol (docs/protocol.md §4), so this framing is
the simulator's own, chosen to carry the TCP API unchanged:

- A request is the bytes up to a line terminator, ``\\n`` or ``\\r`` (a serial line has no
  connection close to end a request). The terminator is not part of the request; empty lines are
  ignored, so ``\\r\\n`` works from a terminal. A line longer than 4095 bytes is cut there, like
  the TCP side's single ``recv``.
- The reply is the firmware's reply bytes exactly as TCP would send them: text then one NUL. The
  NUL marks the end of the reply; a client reads up to it.
- Transport faults: drop sends nothing, delay waits, truncate and garbage send their bytes, no-NUL
  omits the NUL (the client then times out). While the device is down the line stays silent.

The pty is raw (no echo, no line editing) so NUL and newline bytes pass through untouched.
Serial-over-TCP is a plain byte stream with the same framing: pyserial's ``socket://host:port``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tty
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from firmware_sim.server import Responder

log = logging.getLogger(__name__)

LINE_LIMIT = 4095
"""Longest request kept from one line; the excess is discarded like the TCP side's unread bytes."""
_TERMINATOR = re.compile(rb"[\r\n]")


class LineFramer:
    r"""Splits a byte stream into requests at ``\r`` or ``\n``, at most LINE_LIMIT bytes each."""

    def __init__(self, limit: int = LINE_LIMIT) -> None:
        self.limit = limit
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the complete, non-empty requests they finish."""
        frames: list[bytes] = []
        start = 0
        for match in _TERMINATOR.finditer(data):
            self._append(data[start : match.start()])
            if self._buf:
                frames.append(bytes(self._buf))
                self._buf.clear()
            start = match.end()
        self._append(data[start:])
        return frames

    def _append(self, piece: bytes) -> None:
        room = self.limit - len(self._buf)
        if room > 0:
            self._buf += piece[:room]


async def serve_stream(
    device: Responder, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer line-framed requests from ``reader`` on ``writer`` until the peer goes away."""
    framer = LineFramer()
    while True:
        try:
            chunk = await reader.read(65536)
        except OSError:
            return
        if not chunk:
            return
        for request in framer.feed(chunk):
            if device.is_down():
                continue  # a rebooting unit's line is silent
            try:
                reply = device.respond(request)
            except Exception:
                log.exception("serial request failed")
                continue
            if reply.delay_s > 0:
                await asyncio.sleep(reply.delay_s)
            if reply.drop:
                continue
            writer.write(reply.data)
            try:
                await writer.drain()
            except OSError:
                return


class SerialLine:
    """A device's serial side: a raw pty at ``pty_path`` and/or serial-over-TCP at ``tcp_port``."""

    def __init__(
        self,
        device: Responder,
        *,
        pty: bool = True,
        tcp_host: str = "127.0.0.1",
        tcp_port: int | None = None,
    ) -> None:
        self.device = device
        self._want_pty = pty
        self._tcp_host = tcp_host
        self._tcp_port_requested = tcp_port
        self.pty_path: str | None = None
        """Path of the pty's client end (``/dev/pts/N``) when a pty was asked for."""
        self.tcp_port: int | None = None
        """Port of the serial-over-TCP listener when one was asked for."""
        self._master = -1
        self._slave = -1
        self._tasks: set[asyncio.Task[None]] = set()
        self._pty_writer: asyncio.StreamWriter | None = None
        self._pty_reader: asyncio.ReadTransport | None = None
        self._tcp: asyncio.Server | None = None

    @property
    def url(self) -> str | None:
        """The pyserial URL of the serial-over-TCP side (``socket://host:port``)."""
        if self.tcp_port is None:
            return None
        return f"socket://{self._tcp_host}:{self.tcp_port}"

    async def start(self) -> None:
        """Open the pty and/or the TCP listener."""
        if self._want_pty:
            await self._start_pty()
        if self._tcp_port_requested is not None:
            self._tcp = await asyncio.start_server(
                self._on_tcp_client, self._tcp_host, self._tcp_port_requested
            )
            self.tcp_port = self._tcp.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close everything this line opened."""
        if self._tcp is not None:
            self._tcp.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._tcp is not None:
            await self._tcp.wait_closed()
            self._tcp = None
        if self._pty_reader is not None:
            self._pty_reader.close()
            self._pty_reader = None
        if self._pty_writer is not None:
            self._pty_writer.close()
            self._pty_writer = None
        if self._slave >= 0:
            os.close(self._slave)
            self._slave = -1

    async def _start_pty(self) -> None:
        loop = asyncio.get_running_loop()
        self._master, self._slave = os.openpty()
        # Raw mode: no echo of our replies back to us, no line buffering, NUL and \n untouched.
        tty.setraw(self._slave)
        self.pty_path = os.ttyname(self._slave)
        # We keep the slave open ourselves so the master never reads EIO when a client closes.
        reader = asyncio.StreamReader()
        read_file, write_file = _pipe_files(self._master)
        self._pty_reader, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), read_file
        )
        transport, protocol = await loop.connect_write_pipe(
            lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader()), write_file
        )
        self._pty_writer = asyncio.StreamWriter(transport, protocol, None, loop)
        task = loop.create_task(serve_stream(self.device, reader, self._pty_writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_tcp_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await serve_stream(self.device, reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            if task is not None:
                self._tasks.discard(task)


def _pipe_files(master: int) -> tuple[BinaryIO, BinaryIO]:
    """Wrap a pty master as two unbuffered files (asyncio wants one per pipe transport)."""
    read_file = os.fdopen(master, "rb", buffering=0)
    write_file = os.fdopen(os.dup(master), "wb", buffering=0)
    return read_file, write_file
