"""Provides tiny raw clients for the simulator tests: one TCP exchange, one HTTP call.

They are deliberately not nanoheater's client: these tests pin the simulator's own framing, so
they read raw bytes and decide nothing about repairs.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any


async def exchange(host: str, port: int, request: bytes, *, timeout_s: float = 10.0) -> bytes:
    """Connect, send ``request`` in one write, and return every byte read until EOF."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(timeout_s):
            return await reader.read()
    finally:
        writer.close()


async def exchange_or_reset(host: str, port: int, request: bytes) -> bytes | None:
    """Like :func:`exchange`, but return None when the server resets the connection."""
    try:
        return await exchange(host, port, request)
    except ConnectionResetError:
        return None


def abort(writer: asyncio.StreamWriter) -> None:
    """Close a client connection with RST (linger 0), like a client that crashes."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def http(
    port: int, method: str, path: str, body: Any = None, *, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    """Call the control endpoint on 127.0.0.1:``port``; return (status, JSON body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if raw is None:
        data = b"" if body is None else json.dumps(body).encode()
        kind = "Content-Type: application/json\r\n" if body is not None else ""
        raw = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{kind}"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode() + data
    writer.write(raw)
    await writer.drain()
    response = await reader.read()
    writer.close()
    head, _, payload = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, json.loads(payload) if payload else {}
