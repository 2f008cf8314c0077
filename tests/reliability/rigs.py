"""Provides the shared rigs of the reliability tests: simulated devices with a request ledger.

``Ledger`` wraps a simulated heater's ``respond`` so a test can count exactly which commands
reached the firmware (and so prove none was lost or sent twice); ``open_tcp`` puts a heater
behind a real ``SimServer``; ``memory_client`` drives one in-process in virtual time, each
exchange advancing the device clock one second as ``nanoheater simulate`` does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from firmware_sim.clock import VirtualClock
from firmware_sim.device import Reply, SimulatedHeater, create_heater
from firmware_sim.server import MemoryLink, SimServer
from firmware_sim.world import World
from nanoheater import link
from nanoheater.client import HeaterClient
from nanoheater.transport.memory import CallableTransport

FORBIDDEN_CHARS = ("\x1b", "\x9b", "\x07", "\x08", "\x00", "\r", "\ufffd\x1b")
"""Bytes that must never reach a terminal from a device string."""


def is_clean(text: str) -> bool:
    """True when ``text`` has no escape or C0/C1 control character (a space and text only)."""
    return not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)


@dataclass
class Ledger:
    """Every request that reached a heater, in order, and every mode change it applied.

    ``before_write`` runs just before the next ``ascset`` is handled (to arm a fault that hits
    exactly that write); ``after_write`` just after (to reboot the device mid-command).
    """

    heater: SimulatedHeater
    requests: list[tuple[str, str]] = field(default_factory=list)
    applied_modes: list[str] = field(default_factory=list)
    unparsed: list[bytes] = field(default_factory=list)
    """Requests that were not one whole JSON object (interleaved or cut bytes would land here)."""
    before_write: Callable[[], None] | None = None
    after_write: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        respond_inner = self.heater.respond
        set_mode_inner = self.heater.set_mode

        def respond(request: bytes) -> Reply:
            try:
                body = json.loads(request)
                command = str(body.get("command"))
                self.requests.append((command, str(body.get("parameter", ""))))
            except ValueError:
                command = ""
                self.requests.append((request.decode("latin-1"), ""))
                self.unparsed.append(request)
            is_write = command == "ascset"
            if is_write and self.before_write is not None:
                hook, self.before_write = self.before_write, None
                hook()
            reply = respond_inner(request)
            if is_write and self.after_write is not None:
                hook, self.after_write = self.after_write, None
                hook()
            return reply

        def set_mode(index: int) -> None:
            before = self.heater.state.mode_index
            set_mode_inner(index)
            if self.heater.state.mode_index != before:
                self.applied_modes.append(self.heater.profile.modes[index].name)

        self.heater.respond = respond  # type: ignore[method-assign]
        self.heater.set_mode = set_mode  # type: ignore[method-assign]

    def ascsets(self, option: str | None = None) -> list[str]:
        """The ``ascset`` parameters seen (only those naming ``option`` when given)."""
        return [
            p for c, p in self.requests if c == "ascset" and (option is None or f",{option}," in p)
        ]

    def mode_writes(self) -> list[str]:
        """Every mode-changing ascset (workmode, work_mode_lvl, worklevel)."""
        return [
            p
            for p in self.ascsets()
            if any(f",{o}," in p for o in ("workmode", "work_mode_lvl", "worklevel"))
        ]


def make_heater(model: str, seed: int = 0) -> tuple[SimulatedHeater, VirtualClock]:
    """One heater of ``model`` in its own virtual-time world (time moves only when told)."""
    clock = VirtualClock()
    heater = create_heater(model, world=World(clock, seed), seed=seed)
    return heater, clock


def advance(heater: SimulatedHeater, clock: VirtualClock, seconds: float) -> None:
    """Move the device's clock and physics forward by ``seconds``."""
    clock.advance(seconds)
    heater.world.sync()


def mode_name(heater: SimulatedHeater) -> str:
    """The mode the simulated firmware runs now."""
    return heater.profile.modes[heater.state.mode_index].name


@asynccontextmanager
async def open_tcp(heater: SimulatedHeater) -> AsyncIterator[SimServer]:
    """Serve ``heater`` on a free port of 127.0.0.1 until the context exits."""
    server = SimServer(heater, port=0, recv_timeout_s=1.0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


CONFIRM_WINDOW_S = 0.3
"""How long test clients re-read a device for a write's effect (the library default is 3 s)."""


def tcp_client(host: str, port: int, *, timeout_s: float) -> HeaterClient:
    """A real TCP client with the short confirm window every reliability test uses."""
    return HeaterClient(
        link.tcp_transport(host, port, timeout_s),
        host=host,
        port=port,
        timeout_s=timeout_s,
        confirm_window_s=CONFIRM_WINDOW_S,
    )


def memory_client(
    heater: SimulatedHeater, clock: VirtualClock, *, timeout_s: float = 0.5, step_s: float = 1.0
) -> HeaterClient:
    """A real client talking to ``heater`` in-process; every exchange advances time ``step_s``.

    Delay faults are honoured (the async MemoryLink sleeps them), so a delay longer than
    ``timeout_s`` ends in the client's own DeviceTimeout.
    """
    link = MemoryLink(heater)

    async def exchange(request: bytes) -> bytes:
        clock.advance(step_s)
        return await link.request(request)

    return HeaterClient(
        CallableTransport(exchange, label=f"sim:{heater.label}"),
        host=heater.label,
        timeout_s=timeout_s,
        confirm_window_s=CONFIRM_WINDOW_S,
    )
