"""Provides the domain models every layer above the codec speaks (pydantic v2, frozen).

Wire replies are parsed into these at the edge (``nanoheater.protocol``); nothing above it sees a
raw dict. Physical quantities carry their unit in the field name.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from nanoheater.address import DeviceAddress, identity_key


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelId(StrEnum):
    """The device models nanoheater knows, by their short CLI names."""

    NANO3 = "nano3"
    NANO3S = "nano3s"
    MINI3 = "mini3"
    Q = "q"


class HeaterState(StrEnum):
    """What the device is doing, as one word a script can branch on."""

    MINING = "mining"
    IDLE = "idle"
    CALIBRATING = "calibrating"
    FAULT = "fault"
    OFF = "off"


class DiscoverySource(StrEnum):
    """How a device was found."""

    MDNS = "mdns"
    PROBE = "probe"
    CONFIG = "config"


class PowerProfile(_Frozen):
    """One selectable heat step of a model: its wire settings and what it draws and delivers."""

    name: str
    """Name as the device and its app call it, e.g. "High" or "Heating Eco"."""
    workmode: int | None = None
    """Value for ``ascset|0,workmode,set,N``; None on models without workmode (Nano 3)."""
    worklevel: int | None = None
    """Value for ``worklevel``; None when the profile leaves the level alone."""
    power_w: float
    """Nominal wall power, which is also the heat delivered into the room."""
    hashrate_ths: float
    """Nominal hashrate."""
    noise_db: float
    """Typical noise at 1 m."""
    source: str = ""
    """Where these figures come from and how sure they are (docs/heat-truth.md has the table)."""

    @property
    def efficiency_j_th(self) -> float:
        """Joules per terahash (W per TH/s)."""
        return self.power_w / self.hashrate_ths if self.hashrate_ths else float("inf")


class ValueRange(_Frozen):
    """An inclusive integer range the firmware accepts."""

    min: int
    max: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.min <= value <= self.max


class ModelCapabilities(_Frozen):
    """What one model can do: its heat steps, optional commands and value ranges."""

    model: ModelId
    display_name: str
    profiles: tuple[PowerProfile, ...]
    """Heat steps, lowest power first."""
    mode_command: str
    """"workmode" or "worklevel": which ascset option selects a profile."""
    soft_off: bool
    """Whether ``softoff``/``softon`` exist (not on the Nano 3S)."""
    standby_power_w: float
    """Draw while soft-off (assumption, docs/physics.md §6.2)."""
    fan_percent: ValueRange
    """Manual fan duty range; -1 (auto) is always accepted."""
    chip_target_c: ValueRange | None
    """Range for ``target-temp``; None where the option does not exist."""
    has_inlet_sensor: bool
    """Whether the inlet temperature reads the room (the Nano 3S reports -273)."""
    room_limit: bool = False
    """Whether the firmware has its own room cut-off (Mini 3 ``limittemp``)."""
    ascset_options: tuple[str, ...]
    """Options the model's ``ascset|0,help`` lists."""
    reboot_argument: str = "0"
    """What follows ``reboot`` (MM319 takes a delay of 0-300 s; the Nano 3's MM318 ``all``)."""
    reported_power_efficiency: float = 1.0
    """Reported watts / wall watts: 1.0 where the firmware reports wall power (PS[6]); the Nano 3
    reports the DC side of its 28 V adapter in PS[5] (92 W at a 100 W wall), so 0.92 there."""

    def mode_write(self, profile: PowerProfile) -> tuple[str, ...]:
        """The ``ascset`` option and values that select ``profile`` on this model.

        ``mode_command`` names the option; a model listing ``work_mode_lvl`` sets mode and level
        in one command, because a workmode change starts calibration and a separate worklevel
        change right after it would be refused.
        """
        if self.mode_command == "worklevel":
            return ("worklevel", "set", str(profile.worklevel))
        if profile.worklevel is not None and "work_mode_lvl" in self.ascset_options:
            return ("work_mode_lvl", "set", str(profile.workmode), str(profile.worklevel))
        return ("workmode", "set", str(profile.workmode))

    def profile(self, name: str) -> PowerProfile:
        """Return the profile called ``name`` (case-insensitive); KeyError if there is none."""
        wanted = name.strip().casefold()
        for profile in self.profiles:
            if profile.name.casefold() == wanted:
                return profile
        raise KeyError(name)


class HeaterInfo(_Frozen):
    """Who a device is: stable identity and firmware."""

    model: ModelId | None
    """Known model, or None for an Avalon device nanoheater has no registry entry for."""
    product: str
    """``PROD`` from ``version``, sanitised."""
    firmware: str
    mac: str | None = None
    """Lower-case, colon-separated."""
    dna: str | None = None

    @property
    def identity(self) -> str:
        """The stable key of a device: DNA, else MAC, never an IP address."""
        return self.dna or self.mac or ""


class HeaterStatus(_Frozen):
    """One reading of a device, units normalised (TH/s, W, degrees C, seconds)."""

    info: HeaterInfo
    host: str
    """The TCP host, or the serial path or URL (see ``address``)."""
    port: int
    """The TCP port; 0 for a serial link."""
    state: HeaterState
    mode: str | None = None
    """Name of the active profile, as in the capability registry."""
    workmode: int | None = None
    worklevel: int | None = None
    power_w: float | None = None
    hashrate_ths: float | None = None
    hashrate_nominal_ths: float | None = None
    chip_temp_max_c: float | None = None
    chip_temp_avg_c: float | None = None
    chip_target_c: float | None = None
    inlet_temp_c: float | None = None
    """None where the model has no inlet sensor (the -273 sentinel)."""
    outlet_temp_c: float | None = None
    fan_rpm: int | None = None
    fan_percent: int | None = None
    uptime_s: int | None = None
    pool_url: str | None = None
    accepted: int | None = None
    best_share: int | None = None
    calibrating: bool = False
    soft_off: bool = False
    when: float | None = None
    """Device clock (epoch seconds) at the time of the reading."""

    @property
    def address(self) -> DeviceAddress:
        """Where this reading came from (a serial link has no port)."""
        return DeviceAddress.from_host_port(self.host, self.port)

    @property
    def identity_key(self) -> str:
        """The device's one key: DNA, else MAC, else its address (``address.identity_key``)."""
        return identity_key(self.info.dna, self.info.mac, self.address)

    def to_json_dict(self) -> dict[str, object]:
        """Return the flat object ``nanoheater status --json`` prints."""
        return {
            "model": self.info.model.value if self.info.model else None,
            "product": self.info.product,
            "firmware": self.info.firmware,
            "mac": self.info.mac,
            "dna": self.info.dna,
            "host": self.host,
            "port": self.port,
            "state": self.state.value,
            **self.model_dump(exclude={"info", "host", "port", "state"}),
        }


class DiscoveredHeater(_Frozen):
    """A device found on the network, keyed by identity, with every way it was found."""

    name: str
    host: str
    port: int = 4028
    model: ModelId | None = None
    mac: str | None = None
    dna: str | None = None
    sources: tuple[DiscoverySource, ...] = Field(default=())

    @property
    def address(self) -> DeviceAddress:
        """Where the device answers."""
        return DeviceAddress.from_host_port(self.host, self.port)

    @property
    def identity(self) -> str:
        """DNA, else MAC, else the address (only for devices that told us neither)."""
        return identity_key(self.dna, self.mac, self.address)

    @property
    def answered(self) -> bool:
        """Whether the device answered our API: found by probing, or an advert it confirmed.

        An advert nothing answers at keeps no model, MAC or DNA (``discovery.mdns.confirm``):
        ``discover`` lists it, but the service and the TUI do not take it on as a device, or
        rotating adverts would add 64 polled devices per rescan for ever (issue 14).
        """
        claimed_only = self.sources == (DiscoverySource.MDNS,)
        return not (claimed_only and self.model is None and self.mac is None and self.dna is None)


class Pool(_Frozen):
    """One configured mining pool, as ``pools`` reports it (the password is never kept)."""

    index: int
    url: str
    user: str
    status: str
    """"Alive", "Dead", ... as the device says."""
    priority: int | None = None
    accepted: int | None = None
    rejected: int | None = None
    stratum_active: bool = False
    """Whether the device is mining on this pool now."""


__all__ = [
    "DiscoveredHeater",
    "DiscoverySource",
    "HeaterInfo",
    "HeaterState",
    "HeaterStatus",
    "ModelCapabilities",
    "ModelId",
    "Pool",
    "PowerProfile",
    "ValueRange",
]
