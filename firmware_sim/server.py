"""Provides SimServer (the firmware's TCP API listener) and MemoryLink (the exchange in-process).

The TCP side copies the framing of the real ``api.c`` (docs/protocol.md §1.1): one accept loop that
serves one client at a time, a 10 s receive timeout, exactly one ``recv`` of at most 4095 bytes,
the reply with its trailing NUL, then close. A second client is not accepted while the first is
served, so it waits in the kernel's accept backlog exactly as it would on the device.

Every transport (TCP here, the serial line in ``serial_line.py``, ``MemoryLink``) hands the request
bytes to the device's ``respond`` and applies the returned ``Reply``: drop (close, no reply), delay,
and close early. While the device is down (rebooting) the listening socket is closed, so connects
are refused, and it is reopened on the same address and port when the device is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from typing import TYPE_CHECKING, Protocol

from firmware_sim.service import Service

if TYPE_CHECKING:
    from firmware_sim.serial_line import SerialLine

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
"""Default bind address: tests and testers reach the simulator only from this machine."""
API_PORT = 4028
"""The firmware's API port (cgminer ``opt_api_port``)."""
RECV_LIMIT = 4095
"""The single ``recv`` reads at most this many bytes (api.c:3483); the rest is never read."""
RECV_TIMEOUT_S = 10.0
"""Receive timeout the firmware sets on each accepted socket (api.c:3374). Patch it in tests."""
DOWN_POLL_S = 0.05
"""How often (wall seconds) a down server checks whether its device finished rebooting."""
BACKLOG = 16
"""Accept backlog: queued clients wait here while one is served."""


class ReplyLike(Protocol):
    """What ``respond`` returns (``firmware_sim.device.Reply``)."""

    @property
    def data(self) -> bytes:
        """Bytes to send (normally the reply text plus one NUL)."""
        ...

    @property
    def delay_s(self) -> float:
        """Wall seconds to wait before sending."""
        ...

    @property
    def drop(self) -> bool:
        """Close without sending anything."""
        ...

    @property
    def close_early(self) -> bool:
        """Close right after ``data`` (a truncated reply); TCP closes after every reply anyway."""
        ...


class Responder(Protocol):
    """The device side a transport needs (``firmware_sim.device.SimulatedHeater``)."""

    def respond(self, request: bytes) -> ReplyLike:
        """Handle one request and say how the reply goes out."""
        ...

    def is_down(self) -> bool:
        """Return True while the device is rebooting."""
        ...


def is_loopback(host: str) -> bool:
    """Return True when ``host`` is an IPv4 literal inside 127.0.0.0/8."""
    try:
        packed = socket.inet_aton(host)
    except OSError:
        return False
    return packed[0] == 127 and host.count(".") == 3


class SimServer(Service):
    """One simulated device's TCP API listener, optionally with its serial line.

    Use as ``async with SimServer(heater, port=0) as sim:`` then connect to ``sim.host:sim.port``.
    ``device`` may also be a model name (``"nano3s"``), which builds a heater with ``seed``.
    """

    def __init__(
        self,
        device: Responder | str = "nano3s",
        *,
        host: str = LOOPBACK,
        port: int = 0,
        seed: int = 0,
        recv_timeout_s: float | None = None,
        serial_pty: bool = False,
        serial_port: int | None = None,
    ) -> None:
        if isinstance(device, str):
            # Imported here so the server module stays usable with any Responder.
            from firmware_sim.device import create_heater

            self.device: Responder = create_heater(device, seed=seed)
        else:
            self.device = device
        self._host = host
        self._requested_port = port
        self._port = port
        self.recv_timeout_s = RECV_TIMEOUT_S if recv_timeout_s is None else recv_timeout_s
        """Idle receive timeout for this server; None at construction means ``RECV_TIMEOUT_S``."""
        self.exchanges = 0
        """Requests answered (or dropped) so far; a cheap liveness figure for the control API."""
        self.last_request = b""
        """The bytes the last exchange received (at most RECV_LIMIT): what the firmware saw."""
        self._sock: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None
        self._busy = False
        self._serial_pty = serial_pty
        self._serial_port = serial_port
        self.serial: SerialLine | None = None
        """The serial line (pty and/or serial-over-TCP) when one was asked for."""

    @property
    def host(self) -> str:
        """The address the API listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The API port (the real one after binding port 0)."""
        return self._port

    async def start(self) -> None:
        """Bind the API socket (and serial line) and start serving; OSError if the bind fails."""
        self._sock = self._listen(self._requested_port)
        self._port = self._sock.getsockname()[1]
        if self._serial_pty or self._serial_port is not None:
            from firmware_sim.serial_line import SerialLine

            self.serial = SerialLine(
                self.device, pty=self._serial_pty, tcp_host=self._host, tcp_port=self._serial_port
            )
            try:
                await self.serial.start()
            except BaseException:
                self._close_listener()
                raise
        self._task = asyncio.get_running_loop().create_task(self._serve())

    async def stop(self) -> None:
        """Stop serving and release every socket and descriptor."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._close_listener()
        if self.serial is not None:
            await self.serial.stop()
            self.serial = None

    def notice_down(self) -> None:
        """Refuse connections now if the device just went down (called after an external reboot).

        Without it the listener would only notice at the next accepted connection.
        """
        if self._task is not None and not self._busy and self.device.is_down():
            self._task.cancel()
            self._task = asyncio.get_running_loop().create_task(self._serve())

    def _listen(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # SO_REUSEADDR lets a rebooted device rebind its port past TIME_WAIT connections.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, port))
            sock.listen(BACKLOG)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return sock

    def _close_listener(self) -> None:
        if self._sock is not None:
            # Closing a listening socket resets the clients still waiting in its backlog.
            self._sock.close()
            self._sock = None

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self.device.is_down():
                await self._sit_out_downtime()
                continue
            if self._sock is None:
                self._sock = await self._relisten()
            conn, _ = await loop.sock_accept(self._sock)
            self._busy = True
            try:
                await self._exchange(loop, conn)
            except asyncio.CancelledError:
                _abort(conn)
                raise
            except Exception:
                # A bug in a handler must never take the listener down; the device stays up.
                log.exception("device %s:%d failed a request", self._host, self._port)
            finally:
                self._busy = False
                conn.close()

    async def _exchange(self, loop: asyncio.AbstractEventLoop, conn: socket.socket) -> None:
        conn.setblocking(False)
        if self.device.is_down():
            _abort(conn)
            return
        try:
            async with asyncio.timeout(self.recv_timeout_s):
                request = await loop.sock_recv(conn, RECV_LIMIT)
        except (TimeoutError, OSError):
            return
        if not request:
            return
        self.last_request = request
        reply = self.device.respond(request)
        self.exchanges += 1
        if reply.delay_s > 0:
            await asyncio.sleep(reply.delay_s)
        if reply.drop:
            return
        # close_early needs nothing extra here: the firmware closes after every reply.
        with contextlib.suppress(OSError):  # the client may have gone away first
            await loop.sock_sendall(conn, reply.data)

    async def _sit_out_downtime(self) -> None:
        self._close_listener()
        # Polled: "down" ends when the device's clock passes its boot time, not on an event.
        while self.device.is_down():  # noqa: ASYNC110
            await asyncio.sleep(DOWN_POLL_S)

    async def _relisten(self) -> socket.socket:
        while True:
            try:
                return self._listen(self._port)
            except OSError as err:
                # Someone took the port while the device rebooted; a real device would also
                # come back to a conflict. Keep trying rather than dying.
                log.warning("cannot rebind %s:%d yet: %s", self._host, self._port, err)
                await asyncio.sleep(DOWN_POLL_S * 10)


def _abort(conn: socket.socket) -> None:
    """Close with RST (linger 0): the peer sees a reset, as when firmware dies mid-reply."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class MemoryLink:
    """The device exchange without sockets, for in-process runs in virtual time.

    ``exchange(request)`` returns what a TCP client would read before EOF: the reply bytes (with
    their NUL), ``b""`` for a dropped reply; it raises ConnectionRefusedError while the device is
    down. ``request`` is the async form that also waits out an armed delay.
    """

    def __init__(self, device: Responder) -> None:
        self.device = device

    def exchange(self, request: bytes) -> bytes:
        """Answer one request at once, ignoring delay faults."""
        return self._data(self._respond(request))

    async def request(self, request: bytes) -> bytes:
        """Answer one request, sleeping for a delay fault the way the TCP server does."""
        reply = self._respond(request)
        if reply.delay_s > 0:
            await asyncio.sleep(reply.delay_s)
        return self._data(reply)

    def _respond(self, request: bytes) -> ReplyLike:
        if self.device.is_down():
            raise ConnectionRefusedError("device is rebooting")
        # Same cut as the firmware's single recv.
        return self.device.respond(request[:RECV_LIMIT])

    @staticmethod
    def _data(reply: ReplyLike) -> bytes:
        return b"" if reply.drop else reply.data
