"""Provides ``nanoheater thermostat``: the headless room thermostat over one or more heaters.

A thin alias of a one-zone ``serve`` without the API: the flags become one zone's target and
regulator choices, and a ``Home`` runs it in the foreground (``cli.thermostat_run``). Every
decision is printed with its reason (one line, or one JSON object with ``--json``), and on exit
(duration reached, Ctrl-C or SIGTERM) every device is left at a safe level (``--exit-level``:
its lowest heating step by default). Nothing is persisted: the target lives as long as the run.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import click

from nanoheater.capabilities import capabilities
from nanoheater.cli.fleet import refuse_if_service_owns
from nanoheater.cli.output import run_async
from nanoheater.cli.params import FiniteFloat
from nanoheater.cli.thermostat_run import ZONE, run_home, zone_target
from nanoheater.client import HeaterClient
from nanoheater.config import data_dir, load_settings
from nanoheater.controller.build import ZoneChoices, build_regulator
from nanoheater.controller.factory import CONTROLLERS
from nanoheater.controller.regulator import Member
from nanoheater.controller.safety import MAX_CHIP_DEFAULT_C
from nanoheater.controller.targets import (
    EconomicLimit,
    FixedLevel,
    HeatTarget,
    RoomTemperature,
    Schedule,
    check_exit_level,
    exit_rung,
    load_schedule,
)
from nanoheater.economics.engine import expected_revenue, revenue_per_kwh
from nanoheater.economics.market import MarketSettings, offline_market
from nanoheater.economics.tariff import Tariff
from nanoheater.exceptions import UsageError
from nanoheater.history.store import DATABASE_FILE
from nanoheater.home import Home, HomeOptions
from nanoheater.home.roomlearn import outdoor_guard

TOKEN_ENV = "NANOHEATER_SENSOR_TOKEN"  # noqa: S105 - a variable name, not a secret
"""Environment variable read for the HTTP sensor's bearer token (keeps it out of ``ps``)."""


def _default_target(target_c: float | None, mode: str | None, power_w: float | None) -> HeatTarget:
    given = [x is not None for x in (target_c, mode, power_w)]
    if sum(given) > 1:
        raise UsageError("give only one of --target, --mode, --power")
    if target_c is not None:
        return RoomTemperature(target_c)
    if mode is not None:
        return FixedLevel(mode=mode)
    if power_w is not None:
        return FixedLevel(power_w=power_w)
    raise UsageError("give --target C (or --mode/--power, or a --schedule with entries)")


@click.command()
@click.argument("hosts", nargs=-1, required=True)
@click.option("--target", "target_c", type=FiniteFloat(), help="Room set-point in C.")
@click.option(
    "--eco", is_flag=True, help="Hold the eco set-point ([controller] eco_setpoint_c, 18 °C)."
)
@click.option("--mode", help="Run a fixed mode instead of a set-point.")
@click.option("--power", "power_w", type=FiniteFloat(), help="Run the profile nearest these watts.")
@click.option(
    "--schedule", type=click.Path(dir_okay=False, path_type=Path), help="Weekly schedule (TOML)."
)
@click.option(
    "--sensor",
    "sensor_spec",
    help="Room sensor: inlet, cmd:COMMAND, file:PATH or http(s)://URL[#json.path] "
    "(default: the config's first sensor, else inlet).",
)
@click.option(
    "--sensor-max-age",
    "max_age_s",
    type=FiniteFloat(min=1),
    default=300.0,
    show_default=True,
    help="Seconds without a fresh reading before the fail-safe.",
)
@click.option(
    "--controller", type=click.Choice(CONTROLLERS), help="Control law (default: config, staged)."
)
@click.option(
    "--interval",
    "interval_s",
    type=FiniteFloat(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds between decisions.",
)
@click.option(
    "--ua",
    "ua_w_k",
    type=FiniteFloat(min=0.1),
    help="Room heat loss in W/K (feed-forward, reachability); default: the one fitted from "
    "the history serve or the TUI recorded, once it has enough.",
)
@click.option(
    "--outdoor",
    "outdoor_spec",
    help="Outdoor temperature source (same forms as --sensor; default: config outdoor_sensor).",
)
@click.option(
    "--max-room",
    "max_room_c",
    type=FiniteFloat(),
    help="Hard maximum room temperature (default: config caps.max_room_temp_c, 26).",
)
@click.option(
    "--max-chip",
    "max_chip_c",
    type=FiniteFloat(),
    default=MAX_CHIP_DEFAULT_C,
    show_default=True,
    help="Chip temperature at which a device steps down.",
)
@click.option(
    "--fail-safe", type=click.Choice(["lowest", "off"]), default="lowest", show_default=True
)
@click.option(
    "--exit-level",
    default="lowest",
    show_default=True,
    help="Level left on exit: lowest, off or a mode name.",
)
@click.option(
    "--budget",
    "budget_w",
    type=FiniteFloat(min=0),
    help="Whole-zone power budget in W (default: config caps.power_budget_w).",
)
@click.option(
    "--max-net-cost", type=FiniteFloat(), help="Stop heating above this net cost per kWh of heat."
)
@click.option(
    "--price",
    "price_kwh",
    type=FiniteFloat(),
    help="Flat electricity price per kWh for --max-net-cost (default: the config's tariff).",
)
@click.option(
    "--soft-lead",
    "soft_lead_s",
    type=FiniteFloat(min=0),
    default=5.0,
    show_default=True,
    help="Seconds ahead on the device clock that soft off/on is scheduled.",
)
@click.option(
    "--duration", "duration_s", type=FiniteFloat(min=0), help="Stop after this many seconds."
)
@click.option(
    "--exit-wait",
    "exit_wait_s",
    type=FiniteFloat(min=0, max=900),
    default=0.0,
    show_default=True,
    help="On exit, wait up to this many seconds for a calibrating device to accept the exit "
    "level (a mode change locks modes for about 300 s); 0 switches it off at once instead.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON lines only: one object per decision, per room model ({time, room}) and per exit.",
)
@run_async
async def thermostat(
    hosts: tuple[str, ...],
    target_c: float | None,
    eco: bool,
    mode: str | None,
    power_w: float | None,
    schedule: Path | None,
    sensor_spec: str | None,
    max_age_s: float,
    controller: str | None,
    interval_s: float,
    ua_w_k: float | None,
    outdoor_spec: str | None,
    max_room_c: float | None,
    max_chip_c: float,
    fail_safe: str,
    exit_level: str,
    budget_w: float | None,
    max_net_cost: float | None,
    price_kwh: float | None,
    soft_lead_s: float,
    duration_s: float | None,
    exit_wait_s: float,
    as_json: bool,
) -> None:
    """Hold HOSTS' room at a target, logging each decision; leave them safe on exit.

    Flags override config.toml ([controller], [caps], [tariff], [market], sensors), which
    overrides the built-in defaults.
    """
    check_exit_level(exit_level)  # a typo must stop us now, not after a session at full power
    await refuse_if_service_owns(hosts)  # never fight the service's regulator over a device
    settings = load_settings().settings
    if eco:
        if target_c is not None:
            raise UsageError("give only one of --target, --eco")
        target_c = settings.controller.eco_setpoint_c
    only_schedule = schedule is not None and target_c is None and mode is None and power_w is None
    if schedule is None and target_c is None and mode is None and power_w is None:
        if "setpoint_c" not in settings.controller.model_fields_set:
            # Heating to a built-in set-point nobody chose is a surprise; ask for one instead.
            raise UsageError(
                "give --target C, --mode NAME, --power W or --schedule FILE"
                " (or set [controller] setpoint_c in config.toml)"
            )
        target_c = settings.controller.setpoint_c  # the set-point the config file chose
    default = None if only_schedule else _default_target(target_c, mode, power_w)
    plan = load_schedule(schedule, default) if schedule is not None else Schedule(default=default)
    token = os.environ.get(TOKEN_ENV)
    clients = [await HeaterClient.connect(host) for host in hosts]
    try:
        # Checked before the Home starts, so a mistake is exit 2 before any device is driven.
        members = await _check_devices(hosts, clients, exit_level)
        # --outdoor, else the configured one; a reading older than an hour is none.
        spec = outdoor_spec or settings.outdoor_sensor
        name = "--outdoor" if outdoor_spec else "outdoor_sensor"
        outdoor = (
            outdoor_guard(spec, token=token, ca_file=settings.sensor_ca_file, name=name)
            if spec
            else None
        )
        outdoor_c: dict[str, float | None] = {"value": None}
        tariff = settings.tariff if price_kwh is None else Tariff(price_fiat_per_kwh=price_kwh)
        revenue = _revenue_per_kwh(members, settings.market)
        choices = ZoneChoices(
            plan,
            controller=controller,
            # No --sensor and no configured sensor: the inlet, refused on models without one.
            sensor_spec=sensor_spec or (None if settings.sensors else "inlet"),
            sensor_token=token,
            sensor_max_age_s=max_age_s,
            ua_w_k=ua_w_k,
            outdoor=(lambda _t: outdoor_c["value"]) if outdoor else None,
            max_room_c=max_room_c,
            max_chip_c=max_chip_c,
            fail_safe="off" if fail_safe == "off" else "lowest",
            budget_w=budget_w,
            economic=EconomicLimit(max_net_cost) if max_net_cost is not None else None,
            net_cost=lambda t: tariff.price_at(t) - revenue,
            soft_switch_lead_s=soft_lead_s,
            interval_s=interval_s,
        )
        # The one builder, once, to refuse a bad sensor or controller before anything runs.
        build_regulator(members, settings, choices, clock=time.time)
    finally:
        for client in clients:
            await client.close()
    home = Home(
        HomeOptions(
            data_dir=data_dir(),
            zones={ZONE: hosts},
            poll_interval_s=interval_s,
            control_interval_s=interval_s,
            exit_level=exit_level,
            # A foreground run: its target is its argv, so nothing is persisted for a later
            # serve to resume, no history is written, and the devices' settings are left alone.
            history=False,
            persist=False,
            # It learns the room from the history serve or the TUI recorded, read-only.
            room_log=data_dir() / DATABASE_FILE,
            outdoor=(lambda _t: outdoor_c["value"]) if outdoor else None,
            backstops=False,
            zone_choices=lambda base: replace(choices, status_interval_s=base.status_interval_s),
        ),
        # The economic limit uses the configured market (no live fetch: never stall on the net).
        settings.model_copy(update={"market": settings.market.model_copy(update={"live": False})}),
    )
    await run_home(home, zone_target(plan, schedule), outdoor, outdoor_c, duration_s,
                   interval_s, exit_level, exit_wait_s, as_json)  # fmt: skip


async def _check_devices(
    hosts: tuple[str, ...], clients: list[HeaterClient], exit_level: str
) -> list[Member]:
    """Each device's model is known and has the exit level; its ``Member`` for the checks."""
    members = []
    for host, client in zip(hosts, clients, strict=True):
        info = await client.get_info()
        if info.model is None:
            raise UsageError(f"{host}: {info.product} is not a model nanoheater knows")
        member = Member(host, client, capabilities(info.model))
        try:
            exit_rung(exit_level)(member.ladder)
        except UsageError as exc:
            raise UsageError(f"--exit-level: {host}: {exc}") from None
        members.append(member)
    return members


def _revenue_per_kwh(members: list[Member], m: MarketSettings) -> float:
    """Expected revenue per kWh of the zone's most efficient top profile (configured market).

    Uses the configured market values (no live fetch): a thermostat must not stall on the
    network, and the economic limit only needs the order of magnitude.
    """
    best = min(
        (max(mem.caps.profiles, key=lambda p: p.power_w) for mem in members),
        key=lambda p: p.efficiency_j_th,
    )
    rev = expected_revenue(
        best.hashrate_ths,
        difficulty=m.difficulty,
        # The configured values without the cache; the subsidy follows the estimated height.
        subsidy_btc=offline_market(m, None).subsidy_btc,
        fees_btc_per_block=m.fees_btc_per_block,
        btc_price_fiat=m.btc_price_fiat,
        pool_fee=m.pool_fee,
    )
    return revenue_per_kwh(rev.fiat_per_day, power_w=best.power_w)
