"""Provides the soak run shared by test_soak.py (short) and bench/soak.py (50 devices, 10k cycles).

N simulated heaters of every model share one virtual-time world; each has its own real
``HeaterClient`` over an in-process transport (the firmware's request path, fault plan included,
without sockets). Every cycle advances the world ``cycle_s`` simulated seconds, arms random
faults (dropped, cut, garbled, NUL-less or late replies, reboots, calibration refusals,
overheating, the Q's empty summary), polls every device and drives a thermostat for some.

Every outcome is accounted for: a poll that fails must coincide with a fault armed on that
device (or its reboot), and a poll that succeeds must match the device's true state. Resident
memory is sampled from /proc so a caller can check it stays flat.
"""

from __future__ import annotations

import asyncio
import gc
import random
import resource
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.faults import arm_fault, clear_faults
from firmware_sim.room import Room
from firmware_sim.server import MemoryLink
from firmware_sim.world import World
from nanoheater.capabilities import capabilities
from nanoheater.client import HeaterClient
from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.regulator import Member, Regulator
from nanoheater.controller.sensors import Reading, SensorGuard
from nanoheater.controller.targets import RoomTemperature, Schedule
from nanoheater.exceptions import NanoheaterError
from nanoheater.models import ModelId
from nanoheater.transport.memory import CallableTransport

MODELS = ("nano3", "nano3s", "mini3", "q")
REPLY_FAULTS = ("drop", "truncate", "garbage", "no-nul", "delay")
DELAY_S = 0.1
"""A late reply waits this long (wall); the soak's clients give up after TIMEOUT_S."""
TIMEOUT_S = 0.05


def rss_kib() -> int:
    """Resident set size of this process now, in KiB (Linux /proc)."""
    fields = Path("/proc/self/statm").read_text().split()
    return int(fields[1]) * resource.getpagesize() // 1024


@dataclass
class Device:
    """One soaked heater: the simulation, its client, and what was armed on it this cycle."""

    heater: SimulatedHeater
    client: HeaterClient
    armed: set[str] = field(default_factory=set)
    fault_until: int = -1


@dataclass
class SoakReport:
    """What a soak run saw."""

    devices: int
    cycles: int
    simulated_s: float
    polls: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    """Failed polls by exception type."""
    faults: Counter[str] = field(default_factory=Counter)
    """Faults armed, by kind."""
    unaccounted: list[str] = field(default_factory=list)
    """Failures with no fault to explain them, or successes that disagree with the device."""
    crashes: list[str] = field(default_factory=list)
    """Exceptions that are not NanoheaterError (must stay empty)."""
    ticks: int = 0
    tick_failures: int = 0
    rss_kib: list[tuple[int, int]] = field(default_factory=list)
    """(cycle, RSS KiB) samples."""

    @property
    def survived(self) -> int:
        """Polls that met an armed fault and still ended in a value or a typed error."""
        return sum(self.errors.values()) + self.faulted_ok

    faulted_ok: int = 0
    """Polls made while a fault was armed that still returned a correct reading."""


class _RoomSensor:
    """The simulated room's air temperature, read in virtual time."""

    label = "sim room"

    def __init__(self, room: Room) -> None:
        self.room = room

    async def read(self, now_s: float) -> Reading:
        return Reading(round(self.room.air_c, 1), now_s)


def _client(heater: SimulatedHeater, clock: VirtualClock, exchange_s: float) -> HeaterClient:
    link = MemoryLink(heater)

    async def exchange(request: bytes) -> bytes:
        # A request is not instantaneous: device time moves, so scheduled soft off/on happen.
        clock.advance(exchange_s)
        return await link.request(request)

    return HeaterClient(
        CallableTransport(exchange, label=heater.label), host=heater.label, timeout_s=TIMEOUT_S
    )


def _arm_random(device: Device, rng: random.Random, cycle: int, report: SoakReport) -> None:
    heater = device.heater
    kind = rng.choice(
        (*REPLY_FAULTS, *REPLY_FAULTS, "reboot", "calibrating", "overheat", "empty-summary")
    )
    if kind == "delay" and rng.random() < 0.7:
        kind = "drop"  # late replies cost wall time (the client's real deadline): fewer of them
    if kind == "empty-summary" and heater.profile.model != "q":
        kind = "no-nul"
    if kind == "reboot":
        arm_fault(heater, "reboot", downtime_s=rng.choice((20.0, 60.0, 120.0)))
    elif kind in ("calibrating", "overheat"):
        arm_fault(heater, kind)
    else:
        # One bad reply is usually retried away; three in a row reach the caller.
        count = 1 if kind == "delay" else rng.choice((1, 1, 3, -1))
        arm_fault(heater, kind, count=count, delay_s=DELAY_S)
    device.armed.add(kind)
    device.fault_until = cycle + rng.randint(1, 4)
    report.faults[kind] += 1


async def run_soak(
    devices: int,
    cycles: int,
    *,
    seed: int = 0,
    cycle_s: float = 10.0,
    fault_rate: float = 0.05,
    thermostats: int = 4,
    tick_every: int = 3,
    sample_every: int = 500,
    exchange_s: float = 1.0,
) -> SoakReport:
    """Soak ``devices`` heaters for ``cycles`` poll cycles of ``cycle_s`` simulated seconds."""
    rng = random.Random(seed)
    clock = VirtualClock()
    world = World(clock, seed)
    fleet: list[Device] = []
    for index in range(devices):
        room = Room.preset("medium", air_c=18.0)
        heater = create_heater(MODELS[index % len(MODELS)], world=world, index=index, room=room)
        fleet.append(Device(heater, _client(heater, clock, exchange_s)))
    regulators = []
    for device in fleet[:thermostats]:
        model = ModelId(device.heater.profile.model)
        regulators.append(
            Regulator(
                [Member(device.heater.label, device.client, capabilities(model))],
                lambda ladder: BangBang(ladder, min_cycle_s=600.0),
                Schedule(default=RoomTemperature(21.0)),
                sensor=SensorGuard(_RoomSensor(device.heater.room), max_age_s=300.0),
                clock=clock.now,
                sleep=asyncio.sleep,
                interval_s=cycle_s * tick_every,
                soft_switch_lead_s=0.0,
            )
        )
    report = SoakReport(devices, cycles, cycles * cycle_s)
    for cycle in range(cycles):
        clock.advance(cycle_s)
        world.sync()
        for device in fleet:
            if device.armed and cycle >= device.fault_until:
                clear_faults(device.heater)
                device.armed.clear()
            if not device.armed and rng.random() < fault_rate:
                _arm_random(device, rng, cycle, report)
        for device in fleet:
            await _poll(device, report)
        if cycle % tick_every == 0:
            for regulator in regulators:
                report.ticks += 1
                try:
                    await regulator.tick()
                except NanoheaterError:
                    report.tick_failures += 1
                except Exception as exc:  # a crash of the thermostat loop: the soak fails
                    report.crashes.append(f"tick: {type(exc).__name__}: {exc}")
        if cycle % sample_every == 0 or cycle == cycles - 1:
            gc.collect()
            report.rss_kib.append((cycle, rss_kib()))
    for device in fleet:
        await device.client.close()
    return report


def _explained(device: Device) -> bool:
    """True when something armed on the device can explain a failed poll."""
    heater = device.heater
    f = heater.faults
    transport = f.drop_replies or f.truncate_replies or f.garbage_replies or f.delay_replies
    return heater.is_down() or bool(transport)


async def _poll(device: Device, report: SoakReport) -> None:
    heater = device.heater
    report.polls += 1
    explained_before = _explained(device)
    try:
        status = await device.client.get_status()
    except NanoheaterError as exc:
        report.errors[type(exc).__name__] += 1
        if not (explained_before or _explained(device)):
            report.unaccounted.append(f"{heater.label}: {exc}")
        return
    except Exception as exc:
        report.crashes.append(f"{heater.label}: {type(exc).__name__}: {exc}")
        return
    report.ok += 1
    if device.armed:
        report.faulted_ok += 1
    expected_mode = heater.profile.modes[heater.state.mode_index].name
    if status.info.dna not in (heater.state.dna, None) or (
        status.mode is not None and status.mode != expected_mode
    ):
        report.unaccounted.append(
            f"{heater.label}: read {status.mode}/{status.info.dna}, device runs "
            f"{expected_mode}/{heater.state.dna}"
        )
