"""Provides ZoneSlot: one zone of the Home, its devices and its regulator, ticked by the Home.

The regulator is built lazily from the devices that have been read (their model gives the
ladder), and rebuilt when the zone's target or its membership changes. The Home's polls feed
the regulator's members, so a tick reads a device only when no poll has lately.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from nanoheater.capabilities import capabilities
from nanoheater.client import HeaterClient
from nanoheater.config import Settings
from nanoheater.controller.build import ZoneChoices
from nanoheater.controller.ladder import Ladder
from nanoheater.controller.leave import ExitSummary, exit_summary
from nanoheater.controller.regulator import Member, Regulator
from nanoheater.controller.roommodel import RoomKnowledge
from nanoheater.controller.targets import exit_rung, plan_at
from nanoheater.exceptions import NanoheaterError, UsageError
from nanoheater.home.devices import DeviceSlot
from nanoheater.home.intents import Intents
from nanoheater.home.options import describe_error
from nanoheater.home.regulation import build_zone_regulator, schedule_for
from nanoheater.home.roomlearn import apply, top_power_w
from nanoheater.home.types import DecisionMade, Override, Target, ZoneView
from nanoheater.models import HeaterStatus

SENSOR_TOKEN_ENV = "NANOHEATER_SENSOR_TOKEN"  # noqa: S105 - a variable name, not a secret


@dataclass(slots=True)
class ZoneSlot:
    """A zone's name, its devices' addresses, its regulator and its latest decision."""

    name: str
    addresses: list[str] = field(default_factory=list)
    named: bool = False
    """A zone of the config's ``[zones]`` or made through the API; else one device's own zone,
    named after its address (it goes when the device leaves it)."""
    regulator: Regulator | None = None
    built_for: tuple[str, ...] = ()
    ticking: bool = False
    last: DecisionMade | None = None
    adjust: Callable[[ZoneChoices], ZoneChoices] | None = None
    """A front end's own regulator choices (``HomeOptions.zone_choices``)."""
    outdoor: Callable[[float], float | None] | None = None
    """The home's outdoor reading (``HomeOptions.outdoor``), unless the choices name one."""
    room: RoomKnowledge | None = None
    """The room model learned from the history, or why there is none yet."""
    room_keys: tuple[str, ...] = ()
    """The devices (history keys) ``room`` was learned for."""
    room_due_s: float = 0.0
    learning: bool = False
    _tick_task: asyncio.Task[DecisionMade | None] | None = None

    def view(self, target: Target | None, override: Override | None) -> ZoneView:
        """The frozen view: devices, the set-point in force, target, override, last decision."""
        setpoint = target.setpoint_c if target is not None else None
        if target is not None and target.kind == "schedule" and self.last is not None:
            setpoint = self.last.setpoint_c
        room = None if self.room is None else self.room.to_json(top_power_w(self.regulator))
        return ZoneView(
            self.name, tuple(self.addresses), setpoint, target, override, self.last, room
        )

    def needs_first_tick(self, intents: Intents) -> bool:
        """True when the zone has a target but no regulator yet (a device was just read)."""
        return (
            self.name in intents.targets
            and self.name not in intents.overrides
            and self.regulator is None
            and not self.ticking
        )

    def saw(self, address: str, status: HeaterStatus, now_s: float) -> None:
        """Give a poll's reading to the regulator, so its next tick need not read again."""
        if self.regulator is None:
            return
        for member in self.regulator.members:
            if member.label == address:
                member.see(status, now_s)

    async def settle(self, timeout_s: float = 10.0) -> None:
        """Wait for a tick in flight to finish (a manual command must not race it)."""
        task = self._tick_task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=timeout_s)

    def _members(self, slots: Mapping[str, DeviceSlot]) -> list[Member]:
        members = []
        for address in self.addresses:
            slot = slots.get(address)
            if slot is None or slot.client is None or slot.status is None:
                continue
            model = slot.status.info.model
            if model is None:
                continue
            member = Member(address, slot.client, capabilities(model))
            member.see(slot.status, slot.updated_s or 0.0)
            members.append(member)
        return members

    def build(
        self,
        target: Target,
        slots: Mapping[str, DeviceSlot],
        settings: Settings,
        interval_s: float,
        clock: Callable[[], float],
    ) -> Regulator | None:
        """A regulator over the devices read so far (None when none has been read)."""
        members = self._members(slots)
        if not members:
            return None
        regulator = build_zone_regulator(
            members,
            target,
            settings,
            sensor_token=os.environ.get(SENSOR_TOKEN_ENV),
            interval_s=interval_s,
            clock=clock,
            adjust=self._choices,
        )
        apply(regulator, self.room)
        return regulator

    def _choices(self, choices: ZoneChoices) -> ZoneChoices:
        """The front end's choices, with the home's outdoor reading unless they name one."""
        if self.adjust is not None:
            choices = self.adjust(choices)
        if choices.outdoor is None and self.outdoor is not None:
            choices = replace(choices, outdoor=self.outdoor)
        return choices

    def learned(self, knowledge: RoomKnowledge, keys: tuple[str, ...], due_s: float) -> None:
        """Take a new room model; the regulator uses its heat loss from the next tick."""
        self.room, self.room_keys, self.room_due_s = knowledge, keys, due_s
        apply(self.regulator, knowledge)

    def validate(
        self,
        target: Target,
        settings: Settings,
        interval_s: float,
        clock: Callable[[], float],
        slots: Mapping[str, DeviceSlot] | None = None,
    ) -> None:
        """Raise UsageError when ``target`` cannot work here (bad schedule, unknown level)."""
        schedule = schedule_for(target)
        regulator = self.regulator
        if slots is not None:
            regulator = self.build(target, slots, settings, interval_s, clock) or regulator
        if regulator is not None:
            plan_at(schedule, regulator.ladder, clock(), regulator.tz)

    async def tick(
        self,
        target: Target,
        slots: Mapping[str, DeviceSlot],
        settings: Settings,
        interval_s: float,
        clock: Callable[[], float],
    ) -> DecisionMade | None:
        """Build the regulator if needed and run one tick; None when nothing could be decided."""
        self.ticking = True
        self._tick_task = asyncio.current_task()
        try:
            known = tuple(a for a in self.addresses if (s := slots.get(a)) and s.status is not None)
            if self.regulator is None or known != self.built_for:
                self.regulator = self.build(target, slots, settings, interval_s, clock)
                self.built_for = known
            if self.regulator is None:
                return None
            try:
                record = await self.regulator.tick()
            except (NanoheaterError, UsageError) as exc:
                self.last = DecisionMade(
                    clock(), self.name, "-", 0.0, f"tick failed: {exc}", None, None
                )
                return self.last
            self.last = DecisionMade(
                record.now_s,
                self.name,
                record.step,
                record.power_w,
                record.reason,
                record.room_c,
                record.setpoint_c,
                dict(record.applied),
                record.warnings,
            )
            return self.last
        finally:
            self.ticking = False

    async def leave(
        self,
        level: str,
        timeout_s: float,
        *,
        wait_s: float = 0.0,
        on_wait: Callable[[str, float], None] | None = None,
        summaries: dict[str, ExitSummary] | None = None,
    ) -> dict[str, str]:
        """Leave the zone's devices at the exit ``level``; what happened per device.

        ``wait_s``/``on_wait``: ``Regulator.shutdown``'s wait for a calibrating device;
        ``summaries`` receives each device's full quit summary (for ``--json`` records).
        """
        regulator = self.regulator
        if regulator is None:
            return {}
        asked = exit_rung(level)

        def pick(ladder: Ladder) -> int:
            # A mode one model lacks (Night on a Q) leaves that one at its lowest step instead.
            try:
                return asked(ladder)
            except UsageError:
                return ladder.lowest_on()

        try:
            # asyncio.timeout: wait_for can lose a racing cancellation on 3.11 (gh-86296).
            async with asyncio.timeout(timeout_s + wait_s):
                results = await regulator.shutdown(pick, wait_s=wait_s, on_wait=on_wait)
        except TimeoutError:
            return {a: f"no answer within {timeout_s:g} s; left as it was" for a in self.built_for}
        # The same plain-words summary the TUI prints on quit.
        done = {
            m.label: exit_summary(m, pick(m.ladder), results.get(m.label, ""))
            for m in regulator.members
        }
        if summaries is not None:
            summaries.update(done)
        return {label: summary.what() for label, summary in done.items()}


async def leave_all(
    zones: list[ZoneSlot],
    level: str,
    timeout_s: float,
    *,
    wait_s: float = 0.0,
    on_wait: Callable[[str, float], None] | None = None,
    summaries: dict[str, ExitSummary] | None = None,
) -> dict[str, str]:
    """Leave every zone's devices at ``level`` in parallel; what happened per device."""
    results = await asyncio.gather(
        *(
            z.leave(level, timeout_s, wait_s=wait_s, on_wait=on_wait, summaries=summaries)
            for z in zones
        ),
        return_exceptions=True,
    )
    outcomes: dict[str, str] = {}
    for zone, result in zip(zones, results, strict=True):
        if isinstance(result, BaseException):
            for address in zone.addresses:
                outcomes[address] = f"failed: {describe_error(result)}"
        else:
            outcomes.update(result)
    return outcomes


async def arm_room_limits(
    zone: ZoneSlot, limit_c: int, done: set[str]
) -> list[tuple[str, str | None]]:
    """Give each Mini 3 of the zone its own room limit once (``done`` remembers which).

    The Mini 3 idles above its ``limittemp`` in Heating and Night modes, so the house's maximum
    room temperature holds on it even while this service is dead. Returns (device, error or None).
    """
    regulator = zone.regulator
    if regulator is None:
        return []
    outcomes: list[tuple[str, str | None]] = []
    for member in regulator.members:
        if not member.caps.room_limit or member.label in done:
            continue
        done.add(member.label)
        client = member.port
        try:
            if not isinstance(client, HeaterClient):
                raise NanoheaterError("no client")
            await client.set_room_limit(limit_c)
        except NanoheaterError as exc:
            outcomes.append((member.label, describe_error(exc)))
        else:
            outcomes.append((member.label, None))
    return outcomes
