"""Provides the rows the history store keeps and returns: samples, ledger hours, totals, events."""

from __future__ import annotations

from dataclasses import dataclass

from nanoheater.models import HeaterStatus

SAMPLE_FIELDS = (
    "power_w",
    "hashrate_ths",
    "chip_temp_c",
    "inlet_temp_c",
    "outlet_temp_c",
    "room_temp_c",
    "fan_rpm",
)
"""Numeric sample columns; downsampling stores their means."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading of one device, or the mean of ``count`` readings at a coarser resolution."""

    device: str
    """Stable device key: DNA, else MAC, else the address (``HeaterStatus.identity_key``)."""
    ts_s: float
    """Epoch seconds; for a mean, the start of its bucket."""
    power_w: float | None = None
    hashrate_ths: float | None = None
    chip_temp_c: float | None = None
    inlet_temp_c: float | None = None
    outlet_temp_c: float | None = None
    room_temp_c: float | None = None
    """Room temperature from a sensor, when one is configured."""
    fan_rpm: float | None = None
    mode: str | None = None
    """Profile name; for a mean, the last one in the bucket."""
    resolution_s: int = 0
    """0 for a raw reading, 60 for a 1-minute mean, 3600 for an hourly mean."""
    count: int = 1
    """Number of raw readings behind this row."""

    @classmethod
    def from_status(
        cls, status: HeaterStatus, ts_s: float, *, room_temp_c: float | None = None
    ) -> Sample:
        """A raw sample from a client reading taken at ``ts_s``."""
        return cls(
            device=status.identity_key,
            ts_s=ts_s,
            power_w=status.power_w,
            hashrate_ths=status.hashrate_ths,
            chip_temp_c=status.chip_temp_max_c,
            inlet_temp_c=status.inlet_temp_c,
            outlet_temp_c=status.outlet_temp_c,
            room_temp_c=room_temp_c,
            fan_rpm=None if status.fan_rpm is None else float(status.fan_rpm),
            mode=status.mode,
        )


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """Energy, heat and money of one device in one clock hour (or a part of it)."""

    device: str
    hour_s: int
    """Start of the UTC-aligned hour, epoch seconds."""
    seconds: float
    """Observed seconds within the hour (gaps in polling are not guessed)."""
    energy_kwh: float
    heat_kwh: float
    expected_sats: float
    cost_fiat: float
    """Electricity cost at the tariff in force."""
    revenue_fiat: float
    """Expected mining revenue at the market inputs in force."""
    currency: str


@dataclass(frozen=True, slots=True)
class LedgerTotals:
    """Sums over a period, with the derived net cost of the heat."""

    since_s: float
    until_s: float
    hours: int
    """Ledger hours with data."""
    seconds: float
    energy_kwh: float
    heat_kwh: float
    expected_sats: float
    cost_fiat: float
    revenue_fiat: float
    currency: str | None
    """None when nothing was recorded, or when rows disagree (a currency change mid-period)."""

    @property
    def net_cost_fiat(self) -> float:
        """Electricity cost minus mining revenue."""
        return self.cost_fiat - self.revenue_fiat

    @property
    def net_cost_fiat_per_kwh_heat(self) -> float | None:
        """Effective price of the heat delivered; None with no heat."""
        return self.net_cost_fiat / self.heat_kwh if self.heat_kwh > 0 else None


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A control decision: what the controller did to a device, and why."""

    ts_s: float
    device: str
    action: str
    reason: str
    setpoint_c: float | None = None
    """The room set-point the controller aimed for, when it held one."""


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """Something a device did or suffered: went offline, rebooted, refused a command."""

    ts_s: float
    device: str
    kind: str
    detail: str
