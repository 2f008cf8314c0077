"""Provides ``TcpTransport``: one short TCP connection per request, as the firmware requires.

The CGMiner API serves one client at a time, reads one request with a single ``recv()`` and
answers with a NUL-terminated string before closing (docs/protocol.md §1.1). So every request
opens a connection, sends in one write, reads to EOF (or to the NUL, after which the device closes
anyway) under a size cap and a deadline, and closes at once: an idle open socket would block the
device for everyone else for up to 10 s.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from nanoheater.address import DeviceAddress
from nanoheater.const import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_TCP_PORT,
    DEFAULT_TIMEOUT_S,
    MAX_REPLY_BYTES,
)
from nanoheater.exceptions import ConnectionFailed, DeviceTimeout, ProtocolError

_CHUNK = 65536


class TcpTransport:
    """Sends each request on a fresh TCP connection to ``host:port`` and reads the whole reply."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_TCP_PORT,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.max_reply_bytes = max_reply_bytes
        self._closed = False
        self._address = _literal_address(host, port)
        """(family, sockaddr) when ``host`` is an IP literal: worked out once, not per request."""

    @property
    def label(self) -> str:
        """``host:port`` (IPv6 hosts in brackets)."""
        return str(DeviceAddress("tcp", self.host, self.port))

    async def request(self, data: bytes) -> bytes:
        """Connect, send ``data`` in one write, return everything read until EOF or the NUL.

        Raises:
            ConnectionFailed: refused, reset, unreachable, or the transport is closed.
            DeviceTimeout: connecting or the whole exchange took longer than its deadline.
            ProtocolError: the reply grew past ``max_reply_bytes``.
        """
        if self._closed:
            raise ConnectionFailed(f"{self.label}: transport is closed")
        loop = asyncio.get_running_loop()
        end = loop.time() + self.timeout_s
        try:
            if self._address is not None:
                family, address = self._address
            else:
                async with asyncio.timeout_at(end):
                    family, address = await self._resolve(loop)
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setblocking(False)
                await self._connect(
                    loop, sock, address, min(end, loop.time() + self.connect_timeout_s)
                )
                async with asyncio.timeout_at(end):
                    await loop.sock_sendall(sock, data)
                    return await self._read(loop, sock)
            finally:
                sock.close()
        except TimeoutError:
            raise DeviceTimeout(
                f"{self.label}: no complete reply within {self.timeout_s:g} s"
            ) from None
        except ConnectionRefusedError:
            raise ConnectionFailed(f"{self.label}: connection refused") from None
        except UnicodeError:
            # getaddrinfo encodes the name with IDNA: an empty or 64+ character label fails.
            raise ConnectionFailed(f"{self.label}: not a valid host name") from None
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise ConnectionFailed(f"{self.label}: {reason}") from None

    async def _connect(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        address: tuple[str, int],
        deadline: float,
    ) -> None:
        """Connect by ``deadline``; DeviceTimeout if the host stayed silent until then."""
        try:
            async with asyncio.timeout_at(deadline):
                await loop.sock_connect(sock, address)
        except TimeoutError:
            # On a starved event loop the deadline can fire in the same turn as the connect
            # completes: a host that did answer is not silent, so carry on with the exchange.
            if _connected(sock):
                return
            if self.connect_timeout_s >= self.timeout_s:
                raise  # the overall deadline ran out first: the caller words it
            raise DeviceTimeout(
                f"{self.label}: no connect answer within {self.connect_timeout_s:g} s"
            ) from None

    async def close(self) -> None:
        """Mark the transport closed (there is never an idle connection to release)."""
        self._closed = True

    async def _resolve(self, loop: asyncio.AbstractEventLoop) -> tuple[int, tuple[str, int]]:
        infos = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        if not infos:
            raise ConnectionFailed(f"{self.label}: host name does not resolve") from None
        family, _, _, _, sockaddr = infos[0]
        return family, (str(sockaddr[0]), int(sockaddr[1]))

    async def _read(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = await loop.sock_recv(sock, _CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > self.max_reply_bytes:
                raise ProtocolError(
                    f"{self.label}: reply exceeds {self.max_reply_bytes} bytes; giving up"
                )
            if chunk.endswith(b"\x00"):
                break  # the firmware's C-string terminator: it closes right after
        return b"".join(chunks)


def _literal_address(host: str, port: int) -> tuple[int, tuple[str, int]] | None:
    """Return (family, sockaddr) for an IP literal ``host``; None for a name to resolve."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    return (socket.AF_INET6 if ip.version == 6 else socket.AF_INET), (host, port)


def _connected(sock: socket.socket) -> bool:
    """Whether a non-blocking connect on ``sock`` has completed without error."""
    try:
        sock.getpeername()
    except OSError:
        return False
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
