"""Provides the Prometheus exposition of a Home: ``/metrics`` on the service API.

A collector reads the Home's views at scrape time (nothing is copied or can drift): per device
power, hashrate, temperatures, fan, online and state; per zone room temperature, set-point and
controller output; per device energy and expected-sats counters from the ledger (refreshed at
most once a minute, on the scrape, so an idle service does no ledger work), and the age of the
market figures those sats are counted with (``kind`` default, cache or live).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from nanoheater.bridges.counters import LedgerCounters
from nanoheater.home.types import DeviceView, ZoneView
from nanoheater.models import HeaterState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LEDGER_REFRESH_S = 60.0
_DEVICE_LABELS = ["device", "name", "model", "zone"]
_GAUGES = (
    ("power_watts", "Wall power (= heat delivered) in W", "power_w"),
    ("hashrate_ths", "Hashrate in TH/s", "hashrate_ths"),
    ("chip_temperature_celsius", "Hottest chip in degrees C", "chip_temp_max_c"),
    ("inlet_temperature_celsius", "Inlet air in degrees C", "inlet_temp_c"),
    ("outlet_temperature_celsius", "Outlet air in degrees C", "outlet_temp_c"),
    ("fan_rpm", "Fan speed in rpm", "fan_rpm"),
)


class MetricsHome(Protocol):
    """The part of ``Home`` the metrics read."""

    def devices(self) -> list[DeviceView]:
        """Every device."""
        ...

    def zones(self) -> list[ZoneView]:
        """Every zone."""
        ...

    async def ledger(
        self, since_s: float, until_s: float, device: str | None = None
    ) -> Mapping[str, Any]:
        """Totals of a period."""
        ...


class HomeCollector(Collector):
    """Yields the Home's metrics at every scrape."""

    def __init__(self, home: MetricsHome, counters: LedgerCounters) -> None:
        self.home = home
        self.counters = counters

    def collect(self) -> Iterator[Metric]:
        """Every metric family, built from the views as they are now."""
        gauges = {
            attr: GaugeMetricFamily(f"nanoheater_device_{name}", text, labels=_DEVICE_LABELS)
            for name, text, attr in _GAUGES
        }
        online = GaugeMetricFamily(
            "nanoheater_device_online", "1 while the device answers", labels=_DEVICE_LABELS
        )
        state = GaugeMetricFamily(
            "nanoheater_device_state",
            "1 for the device's current state",
            labels=[*_DEVICE_LABELS, "state"],
        )
        energy = CounterMetricFamily(
            "nanoheater_device_energy_kwh",
            "Electricity used (= heat delivered) in kWh, from the ledger",
            labels=_DEVICE_LABELS,
        )
        sats = CounterMetricFamily(
            "nanoheater_device_expected_sats",
            "Expected sats mined, from the ledger",
            labels=_DEVICE_LABELS,
        )
        for device in self.home.devices():
            status = device.status
            model = status.info.model.value if status and status.info.model else ""
            labels = [device.key, device.name, model, device.zone]
            online.add_metric(labels, 1.0 if device.online else 0.0)
            if status is not None:
                for attr, family in gauges.items():
                    value = getattr(status, attr)
                    if value is not None:
                        family.add_metric(labels, float(value))
                for each in HeaterState:
                    state.add_metric([*labels, each.value], 1.0 if status.state is each else 0.0)
            counted = self.counters.get(device.key)
            if counted is not None:
                energy.add_metric(labels, counted.energy_kwh)
                sats.add_metric(labels, counted.sats_total)
        yield from gauges.values()
        yield from (online, state, energy, sats)
        yield from self._market()
        yield from self._zones()

    def _market(self) -> Iterator[Metric]:
        """How old the market figures behind the sats are, by where they come from."""
        age = GaugeMetricFamily(
            "nanoheater_market_age_seconds",
            "Age of the market figures (BTC price, difficulty) the sats are counted with",
            labels=["kind"],
        )
        market = self.counters.market
        if market is not None and isinstance(market.get("age_s"), int | float):
            age.add_metric([str(market.get("kind"))], float(market["age_s"]))
        yield age

    def _zones(self) -> Iterator[Metric]:
        room = GaugeMetricFamily(
            "nanoheater_zone_temperature_celsius",
            "Room temperature the zone's controller saw",
            labels=["zone"],
        )
        setpoint = GaugeMetricFamily(
            "nanoheater_zone_setpoint_celsius", "Zone set-point", labels=["zone"]
        )
        output = GaugeMetricFamily(
            "nanoheater_zone_output_watts", "Power the zone's controller asked for", labels=["zone"]
        )
        for zone in self.home.zones():
            decision = zone.last_decision
            if decision is not None and decision.room_c is not None:
                room.add_metric([zone.name], decision.room_c)
            if zone.setpoint_c is not None:
                setpoint.add_metric([zone.name], zone.setpoint_c)
            if decision is not None:
                output.add_metric([zone.name], decision.power_w)
        yield from (room, setpoint, output)


class HomeMetrics:
    """The ``/metrics`` body of one Home; ``await render()`` per scrape."""

    def __init__(self, home: MetricsHome, *, clock: Callable[[], float] = time.time) -> None:
        self.home = home
        self.clock = clock
        self.counters = LedgerCounters(self._ledger, clock=clock)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(HomeCollector(home, self.counters))

    async def _ledger(self, since_s: float, until_s: float, device: str) -> dict[str, object]:
        return dict(await self.home.ledger(since_s, until_s, device))

    async def render(self) -> bytes:
        """The text exposition format; ledger counters refreshed when a minute old."""
        refreshed = self.counters.refreshed_s
        if refreshed is None or self.clock() - refreshed >= LEDGER_REFRESH_S:
            await self.counters.refresh([d.key for d in self.home.devices()])
        return generate_latest(self.registry)
