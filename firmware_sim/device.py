"""Provides SimulatedHeater: one simulated device with its identity, state, room and faults.

``handle`` is the firmware's API entry point (sync the world, then answer from state);
``respond`` wraps it with the transport faults of the device's :class:`FaultPlan`, which the
server applies (drop, delay, truncated or garbage bytes, missing NUL). Control actions the
handlers need (mode change with its calibration window, reboot, soft off/on) live here so the
rules are in one place.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

from firmware_sim.clock import VirtualClock
from firmware_sim.faults import FaultPlan
from firmware_sim.physics import HeaterPhysics
from firmware_sim.profile import Profile, load_profile
from firmware_sim.room import Room
from firmware_sim.state import CGMINER_START_S, HeaterState, PoolState
from firmware_sim.world import World

DNA_PREFIX = "02010000"
"""First half of every DNA in the captures (Nano 3S, Mini 3, Q, Nano 3 HDNA)."""
MAC_OUI = "e0e1a9"
"""Canaan's OUI, as in the captured MACs."""
DEFAULT_REBOOT_DOWNTIME_S = 60.0
"""Assumption: a home miner is back on the API about a minute after a reboot."""
BOOTBY_API = 5
"""BOOTBY code for a reboot requested over the API (A10 codes, docs/protocol.md §1.6)."""
JUST_STARTED_S = CGMINER_START_S
"""Default uptime of a new heater: cgminer has just started (Elapsed 0, nothing mined yet)."""


def _default_pools(model: str, index: int) -> list[PoolState]:
    # Placeholder pools on reserved .invalid names: nothing here is ever contacted.
    worker = f"bc1qsimulatedheater.{model}-{index:02d}"
    return [
        PoolState(url="stratum+tcp://pool.sim.invalid:3333", user=worker),
        PoolState(url="stratum+tcp://backup.sim.invalid:3333", user=worker),
        PoolState(url="stratum+tcp://solo.sim.invalid:3333", user=worker),
    ]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server sends for one request."""

    data: bytes
    delay_s: float = 0.0
    """Wall seconds to wait before sending."""
    drop: bool = False
    """Close the connection without replying."""
    close_early: bool = False
    """Close right after sending ``data`` (a truncated reply)."""


def identity(model: str, index: int, seed: int) -> tuple[str, str]:
    """Return the (DNA, MAC) of device ``index`` of ``model`` in a world seeded with ``seed``."""
    digest = hashlib.sha256(f"{model}:{index}:{seed}".encode()).hexdigest()
    return DNA_PREFIX + digest[:8], MAC_OUI + digest[8:14]


class SimulatedHeater:
    """One simulated Avalon device: profile, state, physics, room, world and fault plan."""

    def __init__(
        self,
        profile: Profile,
        *,
        world: World,
        room: Room,
        index: int = 0,
        seed: int = 0,
        uptime_s: float = JUST_STARTED_S,
    ) -> None:
        """Create the device as if powered on ``uptime_s`` ago.

        From CGMINER_START_S on it has been mining its default mode all along: totals, shares
        and averages are those of its steady rate, consistent from the first reply. Below that
        (0 is a cold boot) the API stays closed and nothing hashes until cgminer starts.
        """
        self.profile = profile
        self.world = world
        self.room = room
        self.index = index
        self.faults = FaultPlan()
        self.label = f"{profile.model}-{index}"
        dna, mac = identity(profile.model, index, seed)
        mode = profile.modes[profile.default_mode]
        now = world.time_s
        self.state = HeaterState(
            dna=dna,
            mac=mac,
            mode_index=profile.default_mode,
            workmode=mode.workmode,
            worklevel=mode.worklevel,
            chip_target_c=float(mode.target_temp_c),
            boot_time_s=now - uptime_s,
            pools=_default_pools(profile.model, index),
            last_step_s=now,
        )
        self.rng = random.Random(f"{seed}:{profile.model}:{index}:physics")
        self._fault_rng = random.Random(f"{seed}:{profile.model}:{index}:faults")
        self.physics = HeaterPhysics(profile, self.state, self.rng, world.market)
        self.physics.settle(room.air_c)
        self._down_from_s = math.inf
        if uptime_s < CGMINER_START_S:
            self._cold(now, now - uptime_s + CGMINER_START_S, room.air_c)
        else:
            self.physics.backfill(uptime_s - CGMINER_START_S, now)
        world.add_heater(self)

    def _cold(self, now: float, cgminer_at_s: float, inlet_c: float) -> None:
        # Powered on but cgminer not yet running: idle, fans still, chips at the inlet, and
        # the API closed until cgminer starts (the physics boots it then, as after a reboot).
        st = self.state
        st.power_w = self.profile.standby_power_w
        st.hashrate_ghs = 0.0
        st.fan_percent = self.physics.fan_cmd_percent = 0.0
        st.fan_rpm = 0
        st.chip_temp_avg_c = st.chip_temp_max_c = st.outlet_temp_c = inlet_c
        self._down_from_s = self.physics.reboot_at_s = now
        st.down_until_s = cgminer_at_s

    # --- time --------------------------------------------------------------------------
    def now(self) -> float:
        """Return the simulated time (the world clock)."""
        return self.world.clock.now()

    def uptime_s(self) -> float:
        """Seconds since the last boot (``Elapsed``)."""
        return max(0.0, self.now() - self.state.boot_time_s)

    def version_fields(self) -> dict[str, str]:
        """VERSION[0] fields after CGMiner/API, with this instance's DNA and MAC filled in."""
        fields = dict(self.profile.version)
        if "DNA" in fields:
            fields["DNA"] = self.state.dna
        if "MAC" in fields:
            fields["MAC"] = self.state.mac
        return fields

    # --- API entry points --------------------------------------------------------------
    def handle(self, request: bytes) -> bytes:
        """Sync the world, then answer ``request`` (full reply including the NUL)."""
        # Imported at call time: the wire side builds on this module, not the other way round.
        from firmware_sim.handlers import dispatch

        # Only this device's room: a request costs the same whatever the size of the fleet.
        self.world.sync_room(self.room)
        return dispatch(self, request)

    def respond(self, request: bytes) -> Reply:
        """Answer ``request`` with the transport faults of :attr:`faults` applied.

        A dropped reply is dropped before the firmware sees the request, so nothing changes.
        Counters count down per reply; -1 keeps a fault armed until cleared.
        """
        f = self.faults
        delay = 0.0
        if f.delay_replies:
            delay = f.delay_s
            f.delay_replies = _count_down(f.delay_replies)
        if f.drop_replies:
            f.drop_replies = _count_down(f.drop_replies)
            return Reply(b"", delay_s=delay, drop=True)
        data = self.handle(request)
        if f.garbage_replies:
            f.garbage_replies = _count_down(f.garbage_replies)
            return Reply(self._fault_rng.randbytes(max(1, len(data))), delay_s=delay)
        if f.truncate_replies:
            f.truncate_replies = _count_down(f.truncate_replies)
            return Reply(data[: len(data) // 2], delay_s=delay, close_early=True)
        if f.no_nul_replies:
            f.no_nul_replies = _count_down(f.no_nul_replies)
            return Reply(data.removesuffix(b"\x00"), delay_s=delay)
        return Reply(data, delay_s=delay)

    # --- control -----------------------------------------------------------------------
    def is_calibrating(self) -> bool:
        """True while a mode change's calibration window is open (ADJ[0])."""
        return self.now() < self.state.calibrating_until_s

    def set_mode(self, index: int) -> None:
        """Switch to ``profile.modes[index]``: TarT resets, calibration starts, power ramps.

        Setting the current mode is a no-op, as on the firmware. Refusals (calibrating,
        out of range) are the handler's job; this raises IndexError for a bad index.
        """
        modes = self.profile.modes
        if not 0 <= index < len(modes):
            raise IndexError(f"mode index {index} out of range 0..{len(modes) - 1}")
        self.world.sync_room(self.room)
        st = self.state
        if index == st.mode_index:
            return
        mode = modes[index]
        st.mode_index = index
        st.workmode = mode.workmode
        st.worklevel = mode.worklevel
        st.chip_target_c = float(mode.target_temp_c)
        st.calibrating_until_s = self.now() + self.profile.calibration_s

    def mode_index_for(self, workmode: int, worklevel: int | None = None) -> int | None:
        """Return the mode index for a WORKMODE (and WORKLEVEL), or None if there is none."""
        for k, m in enumerate(self.profile.modes):
            if m.workmode == workmode and (worklevel is None or m.worklevel == worklevel):
                return k
        if worklevel is None:
            return None
        return self.mode_index_for(workmode)

    def schedule_soft_off(self, at_s: float) -> None:
        """Go to standby at ``at_s`` (``softoff,1:<ts>``); a past time applies at the next step."""
        self.world.sync_room(self.room)
        self.state.soft_off_at_s = at_s

    def schedule_soft_on(self, at_s: float) -> None:
        """Leave standby at ``at_s`` (``softon,1:<ts>``)."""
        self.world.sync_room(self.room)
        self.state.soft_on_at_s = at_s

    def reboot(self, downtime_s: float = DEFAULT_REBOOT_DOWNTIME_S, after_s: float = 0.0) -> None:
        """Reboot ``after_s`` from now; down for ``downtime_s``, then boot with BOOTBY 5."""
        self.world.sync_room(self.room)
        start = self.now() + after_s
        self._down_from_s = start
        self.physics.reboot_at_s = start
        self.state.down_until_s = start + downtime_s
        self.state.boot_reason = BOOTBY_API

    def is_down(self) -> bool:
        """True while rebooting: the device accepts no connection."""
        now = self.now()
        return self._down_from_s <= now < self.state.down_until_s


def _count_down(counter: int) -> int:
    return counter - 1 if counter > 0 else counter


def create_heater(
    model: str,
    *,
    world: World | None = None,
    index: int = 0,
    seed: int | None = None,
    room: Room | None = None,
    uptime_s: float = JUST_STARTED_S,
) -> SimulatedHeater:
    """Build a running heater of ``model``; a new world and a medium room if none are given.

    The identity and random streams derive from ``model``, ``index`` and ``seed`` (default:
    the world's seed, or 0 for a new world). ``uptime_s`` is how long ago it was powered on
    (see :class:`SimulatedHeater`).
    """
    if world is None:
        world = World(VirtualClock(), seed or 0)
    if seed is None:
        seed = world.seed
    if room is None:
        room = Room.preset("medium")
    world.add_room(room)
    return SimulatedHeater(
        load_profile(model), world=world, room=room, index=index, seed=seed, uptime_s=uptime_s
    )
