"""Provides the simulate harness: the real regulator drives firmware_sim in virtual time.

Everything between the controller and the simulated firmware is the production path: the
``Regulator`` talks to a ``HeaterClient`` over a ``CallableTransport`` whose function is the
simulated device's ``handle``. Only time is virtual: the regulator's ``sleep`` advances the
``VirtualClock`` and syncs the world, and every exchange advances it one second (a request is
not instantaneous, and the client's soft off/on confirmation needs device time to pass).

A virtual room thermometer (firmware_sim/sensor.py: first-order lag 60 s, 0.1 K resolution,
docs/physics.md §6.1, plus a seeded bias and noise when a scenario names a sensor preset) samples
the room air every 10 s, as do the metric points (which record the true air). A scenario may also
name seeded weather and free-heat presets (firmware_sim/weather.py, gains.py); the seed makes
every run repeatable. This module imports firmware_sim at the top,
so only the ``simulate`` command function (and bench scripts) may import it, lazily.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.gains import GAIN_PRESETS, Gains
from firmware_sim.room import Outdoor, Room
from firmware_sim.sensor import SENSOR_PRESETS, RoomSensor, SensorSpec
from firmware_sim.weather import WEATHER_PRESETS, Weather
from firmware_sim.world import World
from nanoheater.capabilities import capabilities
from nanoheater.cli.sim_knowledge import LEARN_STEP_S, learned_ua_w_k, outdoor_reading
from nanoheater.cli.sim_scenarios import SCENARIOS, Scenario, controller_factory
from nanoheater.client import HeaterClient
from nanoheater.config import Settings
from nanoheater.controller.build import ZoneChoices, build_regulator
from nanoheater.controller.decision import Controller
from nanoheater.controller.ladder import Ladder
from nanoheater.controller.metrics import OFF_MODE, Point, summary
from nanoheater.controller.regulator import DecisionRecord, Member, Regulator
from nanoheater.controller.roomfit import RoomSample, reachability
from nanoheater.controller.roommodel import learn_room
from nanoheater.controller.sensors import Reading, SensorGuard
from nanoheater.controller.targets import EconomicLimit, RoomTemperature, Schedule, parse_schedule
from nanoheater.economics.engine import expected_revenue, revenue_per_kwh
from nanoheater.economics.tariff import Tariff
from nanoheater.exceptions import UsageError
from nanoheater.transport.memory import CallableTransport

SAMPLE_S = 10
"""Thermometer and metric sampling interval (whole seconds, a world observer)."""
BTC_PRICE_USD = 100_000.0
"""docs/physics.md §6.3 market defaults, used for the fiat value of expected sats."""
DIFFICULTY = 150e12
SUBSIDY_BTC = 3.125
FEES_BTC = 0.03
POOL_FEE = 0.0


class VirtualThermometer:
    """The controller's room sensor: firmware_sim's RoomSensor behind the app's sensor API."""

    label = "virtual thermometer"

    def __init__(self, room: Room, spec: SensorSpec | None = None, *, seed: int = 0) -> None:
        self.sensor = RoomSensor(room, spec, seed=seed, interval_s=SAMPLE_S)
        self.at_s = 0.0

    def sample(self, t_s: float) -> None:
        """Take the sensor's reading at ``t_s`` (called by a world observer every SAMPLE_S)."""
        self.sensor.sample()
        self.at_s = t_s

    async def read(self, now_s: float) -> Reading:
        """Return the sensor's last (quantised) reading."""
        return Reading(self.sensor.reading_c, min(now_s, self.at_s) if self.at_s else now_s)


@dataclass(slots=True)
class RunResult:
    """What a simulated run produced."""

    points: list[Point]
    records: list[tuple[DecisionRecord, float, str, float]]
    """(decision, true air C, mode running, power W) per control step."""
    report: dict[str, Any]


def mode_of(heater: SimulatedHeater) -> str:
    """What ``heater`` runs now: its mode name, or ``off`` in standby."""
    st = heater.state
    return OFF_MODE if st.soft_off else heater.profile.modes[st.mode_index].name


class SimRig:
    """A virtual-time world: one room, its heaters, their real clients and a thermometer."""

    def __init__(
        self,
        models: list[str],
        *,
        room: str = "medium",
        air_c: float = 20.0,
        mass_c: float | None = None,
        outdoor_mean_c: float = 0.0,
        outdoor_amplitude_k: float = 4.0,
        seed: int = 0,
        weather: str = "",
        gains: str = "",
        sensor: str = "",
    ) -> None:
        self.clock = VirtualClock()
        self.start_s = self.clock.now()
        self.outdoor = Outdoor(outdoor_mean_c, outdoor_amplitude_k)
        if weather:
            self.outdoor.weather = Weather(
                WEATHER_PRESETS[weather], seed=seed, origin_local_s=self.start_s
            )
        self.world = World(self.clock, seed, outdoor=self.outdoor)
        self.room = Room.preset(room, air_c=air_c)
        self.room.mass_c = air_c if mass_c is None else mass_c
        if gains:
            self.room.gains = Gains(
                GAIN_PRESETS[gains], self.outdoor, seed=seed, origin_s=self.start_s
            )
        self.heaters = [
            create_heater(m, world=self.world, room=self.room, index=i, seed=seed)
            for i, m in enumerate(models)
        ]
        self.sensor_spec = SENSOR_PRESETS[sensor] if sensor else None
        self.thermometer = VirtualThermometer(self.room, self.sensor_spec, seed=seed)
        self.points: list[Point] = []
        self.setpoint_c: float | None = None
        """Set-point recorded into the points (the regulator's last one)."""
        self.tariff = Tariff(price_fiat_per_kwh=0.17, timezone="UTC")
        self.cost_usd = 0.0
        self.peak_kwh = 0.0
        """kWh bought above the tariff's base price."""
        self._last_kwh = self.energy_kwh()
        self.world.add_observer(self._observe, SAMPLE_S)

    @property
    def ua_w_k(self) -> float:
        """The room's true heat loss (what a good room fit would find)."""
        return self.room.params.ua_w_per_k

    def energy_kwh(self) -> float:
        """Meter total of every heater."""
        return sum(h.state.energy_kwh for h in self.heaters)

    def power_w(self) -> float:
        """Wall power of every heater now."""
        return sum(h.state.power_w for h in self.heaters)

    def mode(self) -> str:
        """Modes of every heater, joined with ``+``."""
        return "+".join(mode_of(h) for h in self.heaters)

    def _observe(self, t_s: float) -> None:
        self.thermometer.sample(t_s)
        kwh = self.energy_kwh()
        price = self.tariff.price_at(t_s - SAMPLE_S)
        self.cost_usd += (kwh - self._last_kwh) * price
        if price > self.tariff.price_fiat_per_kwh:
            self.peak_kwh += kwh - self._last_kwh
        self._last_kwh = kwh
        mode = self.mode() if len(self.heaters) > 1 else mode_of(self.heaters[0])
        self.points.append(
            Point(t_s - self.start_s, self.room.air_c, self.setpoint_c, mode, self.power_w(), kwh)
        )

    def client(self, index: int = 0) -> HeaterClient:
        """A real client talking to heater ``index``; each exchange advances time by 1 s."""
        heater = self.heaters[index]

        def exchange(request: bytes) -> bytes:
            # A request is not instantaneous, and soft off/on confirmation needs time to pass.
            self.clock.advance(1.0)
            return heater.handle(request)

        return HeaterClient(CallableTransport(exchange, label=heater.label), host=heater.label)

    def members(self) -> list[Member]:
        """One regulator member per heater, each with its own client."""
        return [
            Member(h.label, self.client(i), capabilities(h.profile.model))
            for i, h in enumerate(self.heaters)
        ]

    async def sleep(self, dt_s: float) -> None:
        """The regulator's sleep: advance virtual time and the world."""
        self.world.run_for(dt_s)

    def track(
        self, hook: Callable[[DecisionRecord], None] | None
    ) -> Callable[[DecisionRecord], None]:
        """``hook`` wrapped so the rig also follows the set-point each decision uses."""

        def on_decision(rec: DecisionRecord) -> None:
            self.setpoint_c = rec.setpoint_c
            if hook is not None:
                hook(rec)

        return on_decision

    def regulator(
        self, factory: Callable[[Ladder], Controller], schedule: Schedule, **kwargs: Any
    ) -> Regulator:
        """A Regulator over all heaters with the virtual thermometer, clock and sleep."""
        on_decision = self.track(kwargs.pop("on_decision", None))
        kwargs.setdefault("sensor", SensorGuard(self.thermometer, max_age_s=300.0))
        kwargs.setdefault("outdoor", self.outdoor.temp_c)
        kwargs.setdefault("ua_w_k", self.ua_w_k)
        kwargs.setdefault("soft_switch_lead_s", 0.0)
        interval_s = kwargs.setdefault("interval_s", 30.0)
        kwargs.setdefault("status_interval_s", 2 * interval_s)
        return Regulator(
            self.members(),
            factory,
            schedule,
            clock=self.clock.now,
            sleep=self.sleep,
            on_decision=on_decision,
            **kwargs,
        )


def revenue_per_kwh_usd(model: str) -> float:
    """Mining revenue per kWh of ``model`` at its top profile (docs/physics.md §6.3 market)."""
    top = max(capabilities(model).profiles, key=lambda p: p.power_w)
    rev = expected_revenue(
        top.hashrate_ths,
        difficulty=DIFFICULTY,
        subsidy_btc=SUBSIDY_BTC,
        fees_btc_per_block=FEES_BTC,
        btc_price_fiat=BTC_PRICE_USD,
        pool_fee=POOL_FEE,
    )
    return revenue_per_kwh(rev.fiat_per_day, power_w=top.power_w)


async def _run(
    scenario: Scenario, controller: str, hours: float, interval_s: float, seed: int
) -> RunResult:
    rig = SimRig(
        [scenario.model],
        room=scenario.room,
        air_c=scenario.air_c,
        mass_c=scenario.mass_c,
        outdoor_mean_c=scenario.outdoor_mean_c,
        outdoor_amplitude_k=scenario.outdoor_amplitude_k,
        seed=seed,
        weather=scenario.weather,
        gains=scenario.gains,
        sensor=scenario.sensor,
    )
    rig.tariff = scenario.tariff
    rig.setpoint_c = scenario.setpoint_c
    heater = rig.heaters[0]
    revenue_kwh = revenue_per_kwh_usd(scenario.model)
    records: list[tuple[DecisionRecord, float, str, float]] = []

    def on_decision(rec: DecisionRecord) -> None:
        records.append((rec, rig.room.air_c, mode_of(heater), heater.state.power_w))

    # Only what the real app has: its own room fit from a learning log (through its sensor, in
    # the same weather and free heat) and an outdoor reading with an error, never the simulated
    # room's true heat loss or the true outdoor air.
    learning_room = Room.preset(scenario.room, air_c=scenario.air_c)
    learning_room.mass_c = scenario.mass_c
    learning_room.gains = rig.room.gains
    ua_w_k = learned_ua_w_k(
        learning_room,
        max(p.power_w for p in capabilities(scenario.model).profiles),
        capabilities(scenario.model).standby_power_w,
        rig.outdoor.temp_c,
        rig.start_s,
        sensor=None
        if rig.sensor_spec is None
        else RoomSensor(learning_room, rig.sensor_spec, seed=seed, interval_s=LEARN_STEP_S),
    )

    choices = ZoneChoices(
        parse_schedule(scenario.schedule, default=RoomTemperature(scenario.setpoint_c)),
        controller=controller,
        sensor=rig.thermometer,
        sensor_max_age_s=300.0,
        ua_w_k=ua_w_k,
        outdoor=outdoor_reading(rig.outdoor.temp_c),
        economic=None
        if scenario.economic_limit is None
        else EconomicLimit(scenario.economic_limit),
        net_cost=lambda t: scenario.tariff.price_at(t) - revenue_kwh,
        soft_switch_lead_s=0.0,
        interval_s=interval_s,
        status_interval_s=2 * interval_s,
        on_decision=rig.track(on_decision),
    )
    # The built-in settings, not the user's config: a scenario's result must not depend on
    # who runs it. Virtual time starts at a UTC midnight, so schedules are read in UTC.
    regulator = build_regulator(
        rig.members(), Settings(), choices, clock=rig.clock.now, sleep=rig.sleep, tz=UTC
    )
    sats0 = heater.state.expected_sats
    await regulator.run(until_s=rig.start_s + hours * 3600.0)
    report = _report(scenario, controller, hours, rig, regulator, sats0, seed)
    # What the controller was told (its own fit) and how far its sensor reads off the air.
    report["app_ua_w_k"] = None if ua_w_k is None else round(ua_w_k, 2)
    report["sensor_bias_k"] = round(rig.thermometer.sensor.bias_k, 3)
    return RunResult(rig.points, records, report)


def _report(
    scenario: Scenario,
    controller: str,
    hours: float,
    rig: SimRig,
    regulator: Regulator,
    sats0: float,
    seed: int,
) -> dict[str, Any]:
    metrics = summary(rig.points)
    sats = sum(h.state.expected_sats for h in rig.heaters) - sats0
    kwh = metrics["kwh"] or 0.0
    revenue_usd = sats / 1e8 * BTC_PRICE_USD
    coldest_c = scenario.outdoor_mean_c - scenario.outdoor_amplitude_k
    if rig.outdoor.weather is not None:  # seeded weather: the coldest the run met
        coldest_c = min(rig.outdoor.temp_c(rig.start_s + p.t_s) for p in rig.points)
    reach = reachability(
        scenario.setpoint_c,
        coldest_c,
        regulator.ladder.power_w(regulator.ladder.top),
        rig.ua_w_k,
    )
    # The room model the app would show after this run (controller.roommodel): heat loss with
    # its spread, warm-up and settling times, or what the log still lacks (under 36 h).
    room_fit = learn_room(
        [RoomSample(p.t_s, p.air_c, rig.outdoor.temp_c(rig.start_s + p.t_s), p.power_w)
         for p in rig.points],
        rig.start_s + hours * 3600.0,
    ).to_json(regulator.ladder.power_w(regulator.ladder.top))  # fmt: skip
    return {
        "scenario": scenario.name,
        "controller": controller,
        "model": scenario.model,
        "hours": hours,
        "seed": seed,
        **metrics,
        "expected_sats": round(sats, 1),
        "electricity_cost_usd": round(rig.cost_usd, 3),
        "kwh_at_peak_price": round(rig.peak_kwh, 3),
        "net_cost_per_kwh_heat_usd": round((rig.cost_usd - revenue_usd) / kwh, 4) if kwh else None,
        "setpoint_reachable": reach.reachable,
        "room_fit": room_fit,
        "warnings": list(regulator.warnings),
    }


MAX_CONTROL_STEPS = 366 * 24 * 120
"""Longest run ``simulate`` accepts, in control steps: a (leap) year at the default 30 s."""


def run_scenario(
    name: str,
    controller: str,
    hours: float | None = None,
    *,
    interval_s: float = 30.0,
    seed: int = 0,
) -> RunResult:
    """Run scenario ``name`` with ``controller`` for ``hours`` (scenario default if None).

    ``seed`` draws the heaters' noise and shares and, where the scenario has them, its weather,
    free heat and sensor: the same seed gives the same run.
    """
    try:
        scenario = SCENARIOS[name]
    except KeyError:
        raise UsageError(f"unknown scenario {name!r}; use {', '.join(SCENARIOS)}") from None
    controller_factory(controller, None)  # validate the name before building a world
    hours = scenario.hours if hours is None else hours
    if hours <= 0:
        raise UsageError("hours must be positive")
    # A finite run length is not a bounded one: --hours 1e12 ran as long as --hours inf used
    # to (issue 14). Bound the work, not the number: control steps, a year at 30 s at most.
    steps = hours * 3600.0 / interval_s
    if steps > MAX_CONTROL_STEPS:
        raise UsageError(
            f"--hours {hours:g} at --interval {interval_s:g} s is {steps:.3g} control steps; "
            f"at most {MAX_CONTROL_STEPS:,} (a year at 30 s)"
        )
    started, started_cpu = time.perf_counter(), time.process_time()
    result = asyncio.run(_run(scenario, controller, hours, interval_s, seed))
    result.report["wall_s"] = round(time.perf_counter() - started, 2)
    # CPU time too: on a shared machine the wall time mostly measures the neighbours.
    result.report["cpu_s"] = round(time.process_time() - started_cpu, 2)
    return result
