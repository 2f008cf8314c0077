"""Provides Regulator, the only async part of the controller: read, decide, guard, apply, log.

Each tick reads every device (through ``HeaterPort``) and the room sensor, resolves the
schedule into a set-point or fixed level within caps, asks the pure controller for a rung of
the zone ladder, passes that through the safety interlocks, and applies per-device rungs with
soft off/on and mode changes. Time comes from the injected ``clock`` and waiting from the
injected ``sleep``, so the same loop runs against real devices and against the simulator in
virtual time. Every decision is logged with its reason and handed to ``on_decision``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any

from nanoheater.controller.decision import Controller, Decision, Observation
from nanoheater.controller.ladder import Caps, Ladder
from nanoheater.controller.port import HeaterPort
from nanoheater.controller.roomfit import reachability
from nanoheater.controller.safety import SafetyInput, SafetyLimits, guard
from nanoheater.controller.sensors import SensorGuard
from nanoheater.controller.targets import EconomicLimit, Schedule, plan_at
from nanoheater.controller.zone import Zone, ZoneDevice, build_zone
from nanoheater.exceptions import CalibratingError, NanoheaterError
from nanoheater.models import HeaterStatus, ModelCapabilities
from nanoheater.units import celsius

log = logging.getLogger(__name__)

CALIBRATION_RETRY_CAP_S = 60.0
"""Retry a refused change at least this often: the client's retry hint is a worst case."""

EXIT_POLL_S = 2.0
"""While waiting at exit for a calibration window to close, read the device this often."""


@dataclass(slots=True)
class Member:
    """One device under regulation."""

    label: str
    port: HeaterPort
    caps: ModelCapabilities
    ladder: Ladder = field(init=False)
    current: int | None = None
    blocked_until_s: float = 0.0
    chip_c: float | None = None
    status: HeaterStatus | None = None
    status_at_s: float = float("-inf")
    error: str = ""
    """Why the last read failed; "" after a good one."""

    def see(self, status: HeaterStatus, now_s: float) -> None:
        """Take ``status`` as the device's current state."""
        self.status = status
        self.status_at_s = now_s
        self.error = ""
        self.current = self.rung_of(status)
        self.chip_c = status.chip_temp_max_c

    def __post_init__(self) -> None:
        self.ladder = Ladder.from_capabilities(self.caps)

    def rung_of(self, status: HeaterStatus) -> int | None:
        """The rung a status shows: off when soft-off (where possible), else the mode's rung."""
        if status.soft_off and self.ladder.can_off:
            return 0
        index = self.ladder.index_of(status.mode)
        if index is None and status.power_w is not None:
            index = self.ladder.nearest(status.power_w)
        return index


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """What one tick saw and did, for logs, history and the simulate CSV."""

    now_s: float
    room_c: float | None
    setpoint_c: float | None
    index: int
    step: str
    power_w: float
    reason: str
    warnings: tuple[str, ...]
    """Warnings that started at this tick (each is repeated only after it has cleared)."""
    applied: dict[str, str]
    """Per device: what was sent or why nothing was ("held: calibrating", "ok", error text)."""


class Regulator:
    """Drive one zone (one or more devices in one room) towards the schedule's target."""

    def __init__(
        self,
        members: list[Member],
        controller_factory: Callable[[Ladder], Controller],
        schedule: Schedule,
        *,
        sensor: SensorGuard | None,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        interval_s: float = 30.0,
        tz: tzinfo = UTC,
        limits: SafetyLimits | None = None,
        user_caps: Caps | None = None,
        budget_w: float | None = None,
        economic: EconomicLimit | None = None,
        net_cost: Callable[[float], float | None] | None = None,
        outdoor: Callable[[float], float | None] | None = None,
        ua_w_k: float | None = None,
        on_decision: Callable[[DecisionRecord], None] | None = None,
        soft_switch_lead_s: float | None = None,
        status_interval_s: float | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval must be positive")
        self.members = members
        self.zone: Zone = build_zone([ZoneDevice(m.label, m.ladder) for m in members], budget_w)
        self.ladder = self.zone.ladder
        self.controller = controller_factory(self.ladder)
        self.schedule = schedule
        self.sensor = sensor
        self.clock = clock
        self.sleep = sleep
        self.interval_s = interval_s
        self.tz = tz
        self.limits = limits or SafetyLimits()
        self.user_caps = user_caps
        self.economic = economic
        self.net_cost = net_cost
        self.outdoor = outdoor
        self.ua_w_k = ua_w_k
        self.heat_loss_basis = ""
        """Where ``ua_w_k`` came from when it was fitted (``set_heat_loss``); "" when given."""
        self.on_decision = on_decision
        self.soft_switch_lead_s = soft_switch_lead_s
        self.status_interval_s = interval_s if status_interval_s is None else status_interval_s
        """Re-read a device at most this often; every write's confirmed reply counts as a read."""
        self._by_label = {m.label: m for m in members}
        self._active: set[str] = set()
        self.warnings: list[str] = []
        """Every distinct warning so far, in order (unreachable set-point, overheating...)."""

    # ---- reading ---------------------------------------------------------------------------

    async def _read_devices(self, now: float) -> None:
        for m in self.members:
            if m.status is not None and now - m.status_at_s < self.status_interval_s - 1e-6:
                continue  # recent enough: the last read or the confirmed reply to our last write
            try:
                m.see(await m.port.get_status(), now)
            except NanoheaterError as exc:
                log.warning("%s: status failed: %s", m.label, exc)
                m.status = None
                m.error = str(exc)

    def _current_index(self) -> int:
        rungs = []
        for d in self.zone.devices:
            current = self._by_label[d.label].current
            rungs.append(0 if current is None else current)
        return self.zone.index_of(tuple(rungs))

    def _episode(self, key: str, active: bool, text: str, new: list[str]) -> None:
        """Warn once when condition ``key`` starts; stay quiet until it has ended again."""
        if active and key not in self._active:
            self._active.add(key)
            self.warnings.append(text)
            new.append(text)
            log.info("%s", text)  # callers show it (records, warnings list): once, not twice
        elif not active and key in self._active:
            self._active.discard(key)

    def set_heat_loss(self, ua_w_k: float, basis: str) -> None:
        """Use a newly fitted room heat loss from the next tick (feed-forward, reachability).

        ``basis`` says where it came from (``fitted from 168 h of history``); the reachability
        warning quotes it. The control law keeps its state (integral, dwell timers).
        """
        self.ua_w_k = ua_w_k
        self.heat_loss_basis = basis
        if hasattr(self.controller, "ua_w_k"):
            self.controller.ua_w_k = ua_w_k

    def _check_reach(self, setpoint: float | None, outdoor: float | None, new: list[str]) -> None:
        """Warn when the set-point becomes unreachable at full power (once per episode)."""
        if setpoint is None or outdoor is None or self.ua_w_k is None:
            self._episode("unreachable", False, "", new)
            return
        top_w = self.ladder.power_w(self.ladder.top)
        reach = reachability(setpoint, outdoor, top_w, self.ua_w_k, basis=self.heat_loss_basis)
        self._episode("unreachable", not reach.reachable, reach.message(), new)

    # ---- one tick --------------------------------------------------------------------------

    async def tick(self) -> DecisionRecord:
        """Run one read-decide-apply cycle and return what happened."""
        now = self.clock()
        await self._read_devices(now)
        room = await self.sensor.read(now) if self.sensor is not None else None
        outdoor = self.outdoor(now) if self.outdoor is not None else None
        cost = self.net_cost(now) if self.net_cost is not None else None
        plan = plan_at(
            self.schedule,
            self.ladder,
            now,
            self.tz,
            caps=self.user_caps,
            economic=self.economic,
            net_cost_per_kwh=cost,
        )
        current = self._current_index()
        setpoint = plan.setpoint_c
        if plan.fixed_index is not None:
            decision = Decision(
                plan.fixed_index, f"fixed level {self.ladder.name(plan.fixed_index)}"
            )
        elif setpoint is not None and room is not None:
            decision = self.controller.decide(
                Observation(now, room, setpoint, current, plan.caps, outdoor)
            )
        else:
            decision = Decision(current, "no room reading")
        new_warnings: list[str] = []
        self._check_reach(setpoint, outdoor, new_warnings)
        problem = self.sensor.problem if self.sensor is not None else "no sensor configured"
        decision = guard(
            decision,
            self.ladder,
            plan.caps,
            SafetyInput(
                room,
                current,
                None,
                setpoint,
                problem or "no room reading",
                # A fixed level needs no room reading; the fail-safe is for set-point control.
                needs_room=plan.fixed_index is None,
                latest_room_c=self.sensor.latest_c if self.sensor is not None else None,
            ),
            self.limits,
        )
        overheat = [w for w in decision.warnings if "cannot switch off" in w]
        self._episode("overheat", bool(overheat), overheat[0] if overheat else "", new_warnings)
        applied = await self._apply(now, decision)
        record = DecisionRecord(
            now,
            room,
            setpoint,
            decision.index,
            self.ladder.name(decision.index),
            self.ladder.power_w(decision.index),
            decision.reason,
            tuple(new_warnings),
            applied,
        )
        log.info(
            "%s room=%s set=%s -> %s (%s) %s",
            f"{now:.0f}",
            "-" if room is None else f"{room:.1f}",
            "-" if setpoint is None else f"{setpoint:.1f}",
            record.step,
            record.reason,
            applied,
        )
        if self.on_decision is not None:
            self.on_decision(record)
        return record

    # ---- applying --------------------------------------------------------------------------

    def _chip_limited(self, m: Member, rung: int) -> tuple[int, str]:
        if m.chip_c is not None and m.chip_c >= self.limits.max_chip_c and m.current:
            lower = min(rung, m.current - 1)
            return lower, f"chip {celsius(m.chip_c, '.0f')}: step down"
        return rung, ""

    async def _apply(self, now: float, decision: Decision) -> dict[str, str]:
        applied: dict[str, str] = {}
        wanted = self.zone.allocation(decision.index)
        members = [self._by_label[label] for label in wanted]
        # Turn devices down before others up, so a zone never passes its budget in between.
        members.sort(key=lambda m: wanted[m.label] - (m.current or 0))
        for m in members:
            rung, chip_note = self._chip_limited(m, wanted[m.label])
            applied[m.label] = await self._apply_one(now, m, rung) + (
                f" ({chip_note})" if chip_note else ""
            )
        return {label: applied[label] for label in wanted}

    async def _soft(self, m: Member, off: bool) -> Any:
        call = m.port.soft_off if off else m.port.soft_on
        if self.soft_switch_lead_s is None:
            return await call()
        return await call(lead_s=self.soft_switch_lead_s)

    @staticmethod
    def _saw(m: Member, reply: Any, now: float) -> None:
        # Client writes return the confirmed status; keep it instead of reading again.
        if isinstance(reply, HeaterStatus):
            m.see(reply, now)

    async def _apply_one(self, now: float, m: Member, rung: int) -> str:
        if m.status is None or m.current is None:
            return "unreachable"
        if rung == m.current:
            return "ok"
        target = m.ladder.steps[rung]
        try:
            if target.is_off:
                self._saw(m, await self._soft(m, True), now)
                return "soft off"
            sent = []
            held = False
            mode_differs = (
                m.status.mode is None or m.status.mode.casefold() != target.name.casefold()
            )
            if mode_differs:
                if m.status.calibrating or now < m.blocked_until_s:
                    # The firmware refuses mode changes while calibrating; do not hammer it.
                    held = True
                    old = m.ladder.index_of(m.status.mode)
                    if m.status.soft_off and (old is None or old > rung):
                        # Waking up in the old, higher mode would exceed what was asked for.
                        return "held: calibrating (staying off)"
                else:
                    self._saw(m, await m.port.set_mode(target.name), now)
                    sent.append(f"mode {target.name}")
            if m.status is not None and m.status.soft_off:
                self._saw(m, await self._soft(m, False), now)
                sent.append("soft on")
            if not sent:
                return "held: calibrating"
            return ", ".join(sent) + ("; mode held: calibrating" if held else "")
        except CalibratingError as exc:
            m.blocked_until_s = now + min(exc.retry_after_s, CALIBRATION_RETRY_CAP_S)
            return f"held: {exc.reason}"
        except NanoheaterError as exc:
            log.warning("%s: could not apply %s: %s", m.label, target.name, exc)
            return f"failed: {exc}"

    # ---- loop ------------------------------------------------------------------------------

    async def run(self, until_s: float | None = None) -> None:
        """Tick every ``interval_s`` on a fixed grid until ``until_s`` (forever if None)."""
        start = self.clock()
        k = 0
        while until_s is None or self.clock() < until_s:
            await self.tick()
            k += 1
            next_s = start + k * self.interval_s
            if until_s is not None:
                next_s = min(next_s, until_s)
            await self.sleep(max(0.0, next_s - self.clock()))

    async def shutdown(
        self,
        exit_rung: Callable[[Ladder], int] | None = None,
        *,
        wait_s: float = 0.0,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> dict[str, str]:
        """Leave every device at a safe level: ``exit_rung(ladder)`` or its lowest heating step.

        A device calibrating after a mode change refuses the exit mode. With ``wait_s`` > 0
        the exit waits (at most ``wait_s`` in all, ``on_wait(label, seconds_left)`` on every
        poll, for a countdown) for the window to close; what is still refused then is left
        soft off where the model has it, else as it is. Members keep their last status, so
        ``controller.leave.exit_summary`` can say what each device was left at and why.
        """
        results: dict[str, str] = {}
        deadline_s = self.clock() + wait_s
        for m in self.members:
            rung = exit_rung(m.ladder) if exit_rung is not None else m.ladder.lowest_on()
            try:
                m.see(await m.port.get_status(), self.clock())
            except NanoheaterError as exc:
                results[m.label] = f"unreachable: {exc}"
                continue
            m.blocked_until_s = 0.0
            result = await self._apply_one(self.clock(), m, rung)
            while result.startswith("held") and self.clock() < deadline_s:
                left_s = deadline_s - self.clock()
                if on_wait is not None:
                    on_wait(m.label, left_s)
                await self.sleep(min(EXIT_POLL_S, left_s))
                try:
                    m.see(await m.port.get_status(), self.clock())
                except NanoheaterError:
                    continue  # keep waiting: one lost reading is not the end of the window
                m.blocked_until_s = 0.0
                result = await self._apply_one(self.clock(), m, rung)
            if result.startswith("held") and m.ladder.can_off and rung > 0:
                # Still calibrating: the mode cannot change now, so standby is the safe exit.
                result = "calibrating: " + await self._apply_one(self.clock(), m, 0)
                rung = 0
            results[m.label] = result
            log.info("%s: exit level %s: %s", m.label, m.ladder.name(rung), result)
        return results
