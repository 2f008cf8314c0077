"""Provides HostileDevice, a loopback TCP server that lies like a broken or malicious device.

This is deliberately not a device simulator: firmware_sim is the only fake device. A hostile peer
is the one thing firmware_sim must never be, so it lives here, next to the tests that use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x9b1m\r\x08\x00"
"""Clear screen, set the terminal title, colour, a C1 CSI, carriage return, backspace and NUL."""
BLOB_ESCAPES = "\x1b]0;pwned\x07\x9b2J\x1bc\r\x08\u202e"
"""Escapes without brackets (which would end an MM ID0 value): title, C1 clear, reset, bidi."""


def version_reply(prod: str = "Avalon Nano3s", mac: str = "e0e1a93f3053", **extra: object) -> bytes:
    """Return a well-formed version reply whose strings a test can poison."""
    body = {
        "STATUS": [
            {
                "STATUS": "S",
                "When": 1765004019,
                "Code": 22,
                "Msg": "CGMiner versions",
                "Description": "cgminer 4.11.1",
            }
        ],
        "VERSION": [
            {
                "CGMiner": "4.11.1",
                "API": "3.7",
                "PROD": prod,
                "MODEL": "Nano3s",
                "HWTYPE": "N_MM1v1_X1",
                "SWTYPE": "MM319",
                "LVERSION": "25021401_56abae7",
                "BVERSION": "25021401_56abae7",
                "CGVERSION": "25021401_56abae7",
                "DNA": "020100003cbe4d15",
                "MAC": mac,
                "UPAPI": "2",
                **extra,
            }
        ],
        "id": 1,
    }
    return json.dumps(body, separators=(",", ":")).encode() + b"\x00"


async def _endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(4095)
    chunk = b'{"STATUS":[' * 4096
    while True:
        writer.write(chunk)
        await writer.drain()


async def _huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int) -> None:
    await reader.read(4095)
    chunk = b"A" * 65536
    sent = 0
    while sent < size:
        writer.write(chunk)
        await writer.drain()
        sent += len(chunk)
    writer.write(b"\x00")
    await writer.drain()


async def _trickle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay_s: float
) -> None:
    await reader.read(4095)
    for byte in version_reply():
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(delay_s)


def _fixed(payload: bytes) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], object]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(4095)
        writer.write(payload)
        await writer.drain()

    return serve


def behaviours() -> dict[str, Callable[[asyncio.StreamReader, asyncio.StreamWriter], object]]:
    """Return every hostile behaviour by name."""
    nested = b"[" * 100_000 + b"]" * 100_000
    return {
        "endless": _endless,
        "huge": lambda r, w: _huge(r, w, 100 * 1024 * 1024),
        "trickle": lambda r, w: _trickle(r, w, 1.0),
        "escapes": _fixed(version_reply(prod=f"Avalon{ESCAPES}Nano", mac=ESCAPES)),
        "invalid_utf8": _fixed(version_reply()[:-30] + b"\xff\xfe\xc3\x28" + version_reply()[-30:]),
        "deep_nesting": _fixed(b'{"STATUS":' + nested + b',"id":1}\x00'),
        "huge_numbers": _fixed(
            b'{"STATUS":[{"STATUS":"S","When":1' + b"9" * 5000 + b',"Code":11}],'
            b'"SUMMARY":[{"MHS av":1e999999,"Elapsed":-1e308}],"id":1}\x00'
        ),
        "nan_inf": _fixed(
            b'{"STATUS":[{"STATUS":"S","When":1,"Code":11,"Msg":"Summary"}],'
            b'"SUMMARY":[{"MHS av":nan,"MHS 5s":inf,"MHS 1m":-inf}],"id":1}\x00'
        ),
        "silence": lambda r, w: asyncio.sleep(3600),
    }


Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], object]

POISON_KEYS = frozenset({"PROD", "MAC", "URL", "User", "Status", "Msg", "Description", "LVERSION"})
"""Reply fields a lying device fills with escape sequences (names, pool URLs, messages)."""
POISON_BLOB_KEYS = ("SYSTEMSTATU[", "Ver[", "SSID[")
"""MM ID0 values that are text on the firmware, poisoned the same way."""
SECRET_PASS = "hunter2-pool-secret"  # noqa: S105 - a planted fake, searched for in output
"""A pool password a device leaks in its ``pools`` reply; nanoheater must never show it."""


def _poison_value(key: str, value: object) -> object:
    if isinstance(value, dict):
        return {k: _poison_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison_value(key, v) for v in value]
    if isinstance(value, str):
        if key.startswith("MM ID"):
            for blob_key in POISON_BLOB_KEYS:
                value = value.replace(blob_key, blob_key + BLOB_ESCAPES)
            return value
        if key in POISON_KEYS:
            return f"{value}{ESCAPES}\u202e\u200b"
    return value


def poison_reply(reply: bytes, *, raw_controls: bool = False) -> bytes:
    """Return ``reply`` with escape sequences in every name, pool and message field.

    Pool entries also gain a ``Pass`` field holding ``SECRET_PASS``. With ``raw_controls`` the
    control characters are sent as raw bytes inside the JSON strings, as ``api_add_escape``
    would (it escapes only quotes and backslashes), plus a few invalid UTF-8 bytes.
    """
    body = json.loads(reply.rstrip(b"\x00"))
    body = _poison_value("", body)

    def add_pass(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "POOLS" and isinstance(v, list):
                    for pool in v:
                        if isinstance(pool, dict):
                            pool["Pass"] = SECRET_PASS
                add_pass(v)
        elif isinstance(node, list):
            for v in node:
                add_pass(v)

    add_pass(body)
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    data = text.encode("utf-8")
    if raw_controls:
        for code in (0x1B, 0x07, 0x08, 0x0D):
            data = data.replace(f"\\u{code:04x}".encode(), bytes([code]))
        data = data.replace(b"\\r", b"\r").replace(b"\\b", b"\x08")
        data = data.replace(b"pwned", b"pw\xff\xfe\xc3(ned")
    return data + b"\x00"


MARKUP = "[/] [bold red]x[/bold red] [@click=app.quit]q[/] [link=https://evil.invalid]y[/link] [/]"
"""Rich/Textual markup: unbalanced tags crash a renderer; ``@click`` would make an action link."""


def markup_reply(reply: bytes) -> bytes:
    """Return ``reply`` with product, messages and pool URLs replaced by ``Avalon`` + MARKUP."""
    body = json.loads(reply.rstrip(b"\x00"))

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("PROD", "Msg", "URL", "User") and isinstance(value, str):
                    node[key] = f"Avalon {MARKUP}"
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return json.dumps(body).encode() + b"\x00"


def proxy(handle: Callable[[bytes], bytes], rewrite: Callable[[bytes], bytes]) -> Serve:
    """A behaviour that lets a real (simulated) device answer, then lies about what it said."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.read(4095)
        writer.write(rewrite(handle(request)))
        await writer.drain()

    return serve


@dataclass
class HostileDevice:
    """A loopback TCP server that runs one behaviour (by name, or a callable) per connection."""

    behaviour: str | Serve
    host: str = "127.0.0.1"
    port: int = 0
    _server: asyncio.Server | None = field(default=None, repr=False)
    _tasks: set[asyncio.Task[object]] = field(default_factory=set, repr=False)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        serve = behaviours()[self.behaviour] if isinstance(self.behaviour, str) else self.behaviour
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            result = serve(reader, writer)
            if asyncio.iscoroutine(result):
                await result
        with contextlib.suppress(ConnectionError):
            writer.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[HostileDevice]:
        """Serve until the context exits."""
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
