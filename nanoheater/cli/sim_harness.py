"""Provides the simulate harness: the real regulator drives firmware_sim in virtual time.

Everything between the controller and the simulated firmware is the production path: the
``Regulator`` talks to a ``HeaterClient`` over a ``CallableTransport`` whose function is the
simulated device's ``handle``. Only time is virtual: the regulator's ``sleep`` advances the
``VirtualClock`` and syncs the world, and every exchange advances it one second (a request is
not instantaneous, and the client's soft off/on confirmation needs device time to pass).

A virtual room thermometer (first-order lag 60 s, 0.1 K resolution, physics.md §6.1) samples
the room air every 10 s, as do the metric points. This module imports firmware_sim at the top,
so only the ``simulate`` command function (and bench scripts) may import it, lazily.
"""

from __future__ import annotations

import asyncio
import csv
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.room import Outdoor, Room
from firmware_sim.world import World
from nanoheater.capabilities import capabilities
from nanoheater.client import HeaterClient
from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.decision import Controller
from nanoheater.controller.ladder import Ladder
from nanoheater.controller.metrics import OFF_MODE, Point, summary
from nanoheater.controller.pi import PI
from nanoheater.controller.regulator import DecisionRecord, Member, Regulator
from nanoheater.controller.roomfit import reachability
from nanoheater.controller.sensors import Reading, SensorGuard
from nanoheater.controller.staged import Staged
from nanoheater.controller.targets import EconomicLimit, RoomTemperature, parse_schedule
from nanoheater.economics.engine import expected_revenue, revenue_per_kwh
from nanoheater.economics.tariff import Tariff, TouPeriod
from nanoheater.exceptions import UsageError
from nanoheater.transport.memory import CallableTransport

SAMPLE_S = 10
"""Thermometer and metric sampling interval (whole seconds, a world observer)."""
BTC_PRICE_USD = 100_000.0
"""physics.md §6.3 market defaults, used for the fiat value of expected sats."""
DIFFICULTY = 150e12
SUBSIDY_BTC = 3.125
FEES_BTC = 0.03
POOL_FEE = 0.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """One reference run (physics.md §6.4)."""

    name: str
    description: str
    model: str
    hours: float
    air_c: float
    mass_c: float
    outdoor_mean_c: float
    outdoor_amplitude_k: float = 4.0
    schedule: str = ""
    """Schedule TOML; empty means hold ``setpoint_c``."""
    setpoint_c: float = 21.0
    tariff: Tariff = field(default_factory=lambda: Tariff(price_fiat_per_kwh=0.17, timezone="UTC"))
    economic_limit: float | None = None
    room: str = "medium"


# Steady start: the mass settles near 185/192 of the air lift at 0 C outdoors.
STEADY_AIR_C, STEADY_MASS_C = 21.0, 20.2
SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "cold-start",
            "48 h from 16 C to 21 C, outdoor 0 +/- 4 C, Mini 3",
            "mini3",
            48.0,
            16.0,
            16.0,
            0.0,
        ),
        Scenario(
            "steady-week",
            "7 days holding 21 C, outdoor 0 +/- 4 C, Mini 3",
            "mini3",
            168.0,
            outdoor_mean_c=0.0,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
        ),
        Scenario(
            "setback",
            "21 C, 17 C from 09:00 to 17:00, back to 21 C; Mini 3",
            "mini3",
            48.0,
            outdoor_mean_c=0.0,
            schedule=(
                '[[entry]]\nat = "09:00"\ntarget_c = 17\n[[entry]]\nat = "17:00"\ntarget_c = 21\n'
            ),
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
        ),
        Scenario(
            "cold-snap",
            "-10 C outdoors with an undersized Nano 3S, 21 C wanted",
            "nano3s",
            48.0,
            16.0,
            16.0,
            -10.0,
            0.0,
        ),
        Scenario(
            "tou-peak",
            "time-of-use peak 17-20 h at $0.45 (else $0.17); heating stops above $0.20/kWh net, "
            "pre-heat to 22 C from 14:00; Mini 3",
            "mini3",
            48.0,
            outdoor_mean_c=0.0,
            schedule=(
                '[[entry]]\nat = "14:00"\ntarget_c = 22\n[[entry]]\nat = "17:00"\ntarget_c = 21\n'
            ),
            tariff=Tariff(
                price_fiat_per_kwh=0.17,
                periods=(
                    TouPeriod(start_hour=17, end_hour=20, price_fiat_per_kwh=0.45, name="peak"),
                ),
                timezone="UTC",
            ),
            economic_limit=0.20,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
        ),
    )
}


def controller_factory(name: str, ua_w_k: float | None) -> Callable[[Ladder], Controller]:
    """Return a factory for the controller called ``name`` (staged, pi, bang-bang)."""
    if name == "staged":
        return lambda ladder: Staged(ladder, ua_w_k=ua_w_k)
    if name == "pi":
        return lambda ladder: PI(ladder, ua_w_k=ua_w_k)
    if name in ("bang-bang", "bangbang"):
        return lambda ladder: BangBang(ladder)
    raise UsageError(f"unknown controller {name!r}; use staged, pi or bang-bang")


CONTROLLERS = ("bang-bang", "staged", "pi")


class VirtualThermometer:
    """The simulator's room thermometer: first-order lag and a 0.1 K resolution."""

    label = "virtual thermometer"

    def __init__(self, room: Room, lag_s: float = 60.0, resolution_k: float = 0.1) -> None:
        self.room = room
        self.alpha = 1.0 - math.exp(-SAMPLE_S / lag_s)
        self.resolution_k = resolution_k
        self.filtered_c = room.air_c
        self.at_s = 0.0

    def sample(self, t_s: float) -> None:
        """Advance the lag filter to ``t_s`` (called by a world observer every SAMPLE_S)."""
        self.filtered_c += (self.room.air_c - self.filtered_c) * self.alpha
        self.at_s = t_s

    async def read(self, now_s: float) -> Reading:
        """Return the quantised filtered temperature."""
        value = round(self.filtered_c / self.resolution_k) * self.resolution_k
        return Reading(round(value, 3), min(now_s, self.at_s) if self.at_s else now_s)


@dataclass(slots=True)
class RunResult:
    """What a simulated run produced."""

    points: list[Point]
    records: list[tuple[DecisionRecord, float, str, float]]
    """(decision, true air C, mode running, power W) per control step."""
    report: dict[str, Any]


def _mode_of(heater: SimulatedHeater) -> str:
    st = heater.state
    return OFF_MODE if st.soft_off else heater.profile.modes[st.mode_index].name


async def _run(scenario: Scenario, controller: str, hours: float, interval_s: float) -> RunResult:
    clock = VirtualClock()
    outdoor = Outdoor(scenario.outdoor_mean_c, scenario.outdoor_amplitude_k)
    world = World(clock, 0, outdoor=outdoor)
    room = Room.preset(scenario.room, air_c=scenario.air_c)
    room.mass_c = scenario.mass_c
    heater = create_heater(scenario.model, world=world, room=room, seed=0)
    ua = room.params.ua_w_per_k
    thermometer = VirtualThermometer(room)
    schedule = parse_schedule(scenario.schedule, default=RoomTemperature(scenario.setpoint_c))
    start_s = clock.now()
    points: list[Point] = []
    current_set: list[float | None] = [scenario.setpoint_c]
    price = scenario.tariff
    cost = [0.0]
    last_kwh = [heater.state.energy_kwh]

    def observe(t_s: float) -> None:
        thermometer.sample(t_s)
        kwh = heater.state.energy_kwh
        cost[0] += (kwh - last_kwh[0]) * price.price_at(t_s - SAMPLE_S)
        last_kwh[0] = kwh
        points.append(
            Point(
                t_s - start_s,
                room.air_c,
                current_set[0],
                _mode_of(heater),
                heater.state.power_w,
                kwh,
            )
        )

    world.add_observer(observe, SAMPLE_S)

    def exchange(request: bytes) -> bytes:
        clock.advance(1.0)
        return heater.handle(request)

    async def sleep(dt_s: float) -> None:
        world.run_for(dt_s)

    caps = capabilities(scenario.model)
    top = max(caps.profiles, key=lambda p: p.power_w)
    rev = expected_revenue(
        top.hashrate_ths,
        difficulty=DIFFICULTY,
        subsidy_btc=SUBSIDY_BTC,
        fees_btc_per_block=FEES_BTC,
        btc_price_fiat=BTC_PRICE_USD,
        pool_fee=POOL_FEE,
    )
    revenue_kwh = revenue_per_kwh(rev.fiat_per_day, power_w=top.power_w)
    records: list[tuple[DecisionRecord, float, str, float]] = []

    def on_decision(rec: DecisionRecord) -> None:
        current_set[0] = rec.setpoint_c
        records.append((rec, room.air_c, _mode_of(heater), heater.state.power_w))

    client = HeaterClient(CallableTransport(exchange, label=f"sim:{scenario.model}"), host="sim")
    member = Member(scenario.model, client, caps)
    regulator = Regulator(
        [member],
        controller_factory(controller, ua),
        schedule,
        sensor=SensorGuard(thermometer, max_age_s=300.0),
        clock=clock.now,
        sleep=sleep,
        interval_s=interval_s,
        economic=None
        if scenario.economic_limit is None
        else EconomicLimit(scenario.economic_limit),
        net_cost=lambda t: price.price_at(t) - revenue_kwh,
        outdoor=outdoor.temp_c,
        ua_w_k=ua,
        on_decision=on_decision,
        soft_switch_lead_s=0.0,
        status_interval_s=2 * interval_s,
    )
    sats0 = heater.state.expected_sats
    await regulator.run(until_s=start_s + hours * 3600.0)
    report = _report(scenario, controller, hours, points, regulator, heater, sats0, cost[0], ua)
    return RunResult(points, records, report)


def _report(
    scenario: Scenario,
    controller: str,
    hours: float,
    points: list[Point],
    regulator: Regulator,
    heater: SimulatedHeater,
    sats0: float,
    cost_usd: float,
    ua: float,
) -> dict[str, Any]:
    metrics = summary(points)
    sats = heater.state.expected_sats - sats0
    kwh = metrics["kwh"] or 0.0
    revenue_usd = sats / 1e8 * BTC_PRICE_USD
    reach = reachability(
        scenario.setpoint_c,
        scenario.outdoor_mean_c - scenario.outdoor_amplitude_k,
        regulator.ladder.power_w(regulator.ladder.top),
        ua,
    )
    return {
        "scenario": scenario.name,
        "controller": controller,
        "model": scenario.model,
        "hours": hours,
        **metrics,
        "expected_sats": round(sats, 1),
        "electricity_cost_usd": round(cost_usd, 3),
        "net_cost_per_kwh_heat_usd": round((cost_usd - revenue_usd) / kwh, 4) if kwh else None,
        "setpoint_reachable": reach.reachable,
        "warnings": list(regulator.warnings),
    }


def run_scenario(
    name: str, controller: str, hours: float | None = None, *, interval_s: float = 30.0
) -> RunResult:
    """Run scenario ``name`` with ``controller`` for ``hours`` (scenario default if None)."""
    try:
        scenario = SCENARIOS[name]
    except KeyError:
        raise UsageError(f"unknown scenario {name!r}; use {', '.join(SCENARIOS)}") from None
    controller_factory(controller, None)  # validate the name before building a world
    hours = scenario.hours if hours is None else hours
    if hours <= 0:
        raise UsageError("hours must be positive")
    started = time.perf_counter()
    result = asyncio.run(_run(scenario, controller, hours, interval_s))
    result.report["wall_s"] = round(time.perf_counter() - started, 2)
    return result


def write_csv(result: RunResult, path: Path, start_s: float | None = None) -> None:
    """Write one row per control step: time, room air, sensor, set-point, mode, power, reason."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["t_s", "time_utc", "air_c", "sensor_c", "setpoint_c", "mode", "power_w", "reason"]
        )
        t0 = result.records[0][0].now_s if result.records else 0.0
        for rec, air, mode, power in result.records:
            out.writerow(
                [
                    round(rec.now_s - t0, 1),
                    datetime.fromtimestamp(rec.now_s, UTC).isoformat(timespec="seconds"),
                    round(air, 3),
                    "" if rec.room_c is None else rec.room_c,
                    "" if rec.setpoint_c is None else rec.setpoint_c,
                    mode,
                    round(power, 1),
                    rec.reason,
                ]
            )
