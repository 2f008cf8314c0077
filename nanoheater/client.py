"""Provides ``HeaterClient``: the async client for one Avalon home miner.

Why it is shaped this way: the device serves one short connection at a time and refuses to be
hurried, so the client serialises every exchange behind one ``asyncio.Lock``, reads everything a
status needs in one joined request (``version+summary+estats+pools``, falling back to separate
calls on firmware that refuses joins), caches the identity, and confirms every write by reading
the device back instead of trusting reply letters (``I`` can mean success or refusal,
docs/protocol.md §1.7). Retries live here and nowhere else; every call is bounded by ``timeout_s``.

Example (the README has a longer one; tests/test_readme_example.py runs both)::

    import asyncio

    from nanoheater import HeaterClient


    async def main(target: str) -> None:
        async with await HeaterClient.connect(target) as client:
            status = await client.get_status()
            print(status.info.model, status.state, status.mode, status.power_w)
            async for reading in client.watch(interval_s=1.0):
                print(reading.state, reading.power_w, reading.chip_temp_max_c)
                break


    asyncio.run(main("192.168.1.20"))
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Literal, Self

from nanoheater import link
from nanoheater.address import DeviceAddress
from nanoheater.capabilities import capabilities, find_profile
from nanoheater.const import DEFAULT_TCP_PORT, DEFAULT_TIMEOUT_S
from nanoheater.exceptions import UnsupportedError, UsageError
from nanoheater.models import HeaterInfo, HeaterStatus, ModelCapabilities, Pool, PowerProfile
from nanoheater.protocol.blob import BlobValue
from nanoheater.protocol.parse import parse_pools
from nanoheater.transport.base import Transport

SOFT_SWITCH_LEAD_S = 5.0
"""softoff/softon are scheduled this far ahead of the device clock, as pyasic and asic-rs do."""

SOFT_SWITCH_POLL_S = 0.5
"""Read-back interval while waiting for a scheduled soft off/on to happen."""


class HeaterClient:
    """An async client for one heater, used as ``async with``; calls never overlap on the wire.

    It holds a ``link.DeviceLink`` (the lock, deadlines, retries, joined reads and confirmed
    writes) and keeps to the API: check arguments against the model's capabilities, pick the
    command, say what a write must show when read back.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        host: str | None = None,
        port: int = DEFAULT_TCP_PORT,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retries: int = 1,
        confirm_window_s: float = link.CONFIRM_WINDOW_S,
    ) -> None:
        self._link = link.DeviceLink(
            transport,
            host=host,
            port=port,
            timeout_s=timeout_s,
            retries=retries,
            confirm_window_s=confirm_window_s,
        )

    @property
    def transport(self) -> Transport:
        """The transport this client talks over."""
        return self._link.transport

    @property
    def label(self) -> str:
        """The device address used in every error message."""
        return self._link.label

    @property
    def timeout_s(self) -> float:
        """The deadline of every call, in seconds."""
        return self._link.timeout_s

    @classmethod
    async def connect_tcp(
        cls, host: str, port: int = DEFAULT_TCP_PORT, *, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> Self:
        """Return a client for the API at ``host:port``. No traffic happens until the first call."""
        return cls(
            link.tcp_transport(host, port, timeout_s), host=host, port=port, timeout_s=timeout_s
        )

    @classmethod
    async def connect_serial(cls, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Self:
        """Return a client for a serial link given as a device path or pyserial URL."""
        return cls(link.serial_transport(url, timeout_s), host=url, port=0, timeout_s=timeout_s)

    @classmethod
    async def connect(cls, target: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Self:
        """Return a client for a CLI-style address.

        Args:
            target: ``HOST[:PORT]``, ``[v6]:PORT``, ``serial:///dev/...`` or a pyserial URL.
            timeout_s: deadline of every call.

        Raises:
            UsageError: the target cannot be parsed.
        """
        return await cls.connect_address(DeviceAddress.parse(target), timeout_s=timeout_s)

    @classmethod
    async def connect_address(
        cls, address: DeviceAddress, *, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> Self:
        """Return a client for a parsed address (TCP or serial)."""
        if address.is_serial:
            return await cls.connect_serial(address.host, timeout_s=timeout_s)
        return await cls.connect_tcp(address.host, address.tcp_port, timeout_s=timeout_s)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the transport; idempotent."""
        await self._link.close()

    # ---- reads -------------------------------------------------------------------------------

    async def get_info(self) -> HeaterInfo:
        """Return who the device is (model, firmware, MAC, DNA); read once, then cached."""
        async with self._link.call():
            return await self._link.info()

    async def get_status(self) -> HeaterStatus:
        """Read the device once (a single joined request once the identity is known)."""
        async with self._link.call():
            return (await self._link.snapshot())[0]

    async def get_pools(self) -> list[Pool]:
        """Return the configured pools (always read fresh; status reuses them for a while)."""
        async with self._link.call():
            pools = parse_pools(await self._link.read("pools"))
            self._link.remember_pools(pools)
            return pools

    async def get_capabilities(self) -> ModelCapabilities:
        """Return the registry entry of this device's model.

        Raises:
            UnsupportedError: the device is an Avalon model nanoheater has no entry for.
        """
        async with self._link.call():
            return await self._caps_unlocked()

    async def watch(self, interval_s: float = 2.0) -> AsyncIterator[HeaterStatus]:
        """Yield a fresh status every ``interval_s`` seconds until the caller stops iterating."""
        if interval_s <= 0:
            raise UsageError(f"interval must be positive, not {interval_s}")
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            yield await self.get_status()
            await asyncio.sleep(max(0.0, interval_s - (loop.time() - started)))

    # ---- writes ------------------------------------------------------------------------------

    async def set_profile(self, profile: PowerProfile) -> HeaterStatus:
        """Switch to ``profile`` (one of this model's) and return the confirmed status.

        Raises:
            UsageError: the profile is not one of this model's.
            CalibratingError: the device refused because it is still calibrating.
            DeviceRefused: the device refused, or did not switch.
        """
        async with self._link.call(extra_s=self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            if profile not in caps.profiles:
                raise UsageError(f"{profile.name!r} is not a {caps.display_name} profile")
            return await self._switch(caps, profile)

    async def set_mode(self, name: str) -> HeaterStatus:
        """Switch to the profile called ``name`` ("Low", "Heating Eco", "Super", an alias...).

        One locked call: on a fresh client the identity read is also the "before" reading, so
        the switch costs 3 round trips (read, write, read back).
        """
        async with self._link.call(extra_s=self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            return await self._switch(caps, find_profile(caps.model, name))

    async def set_level(self, level: int) -> HeaterStatus:
        """Set ``worklevel`` to ``level`` (the Nano 3's only mode control; Mini 3 Eco is -1)."""
        async with self._link.call(extra_s=self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            known = {p.worklevel for p in caps.profiles if p.worklevel is not None}
            if known and level not in known:
                raise UsageError(f"{caps.display_name} levels are {sorted(known)}, not {level}")
            return await self._link.write(
                "worklevel",
                "set",
                level,
                check=lambda s, _b: s.worklevel == level,
                what=f"set level {level}",
            )

    async def soft_off(self, *, lead_s: float = SOFT_SWITCH_LEAD_S) -> HeaterStatus:
        """Stop hashing without cutting power (scheduled ``lead_s`` ahead on the device clock).

        Raises:
            UnsupportedError: the model has no soft off (the Nano 3S).
        """
        return await self._soft_switch("softoff", off=True, lead_s=lead_s)

    async def soft_on(self, *, lead_s: float = SOFT_SWITCH_LEAD_S) -> HeaterStatus:
        """Resume hashing after a soft off; confirmed by reading back (a Q may not reply)."""
        return await self._soft_switch("softon", off=False, lead_s=lead_s)

    async def set_fan(self, percent: int | Literal["auto"]) -> HeaterStatus:
        """Set the fan duty in percent, or "auto" (also -1) to let the firmware regulate it."""
        async with self._link.call(extra_s=self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            duty = -1 if percent == "auto" else percent
            if not isinstance(duty, int) or isinstance(duty, bool):
                raise UsageError(f"fan must be a percentage or 'auto', not {percent!r}")
            if duty != -1 and duty not in caps.fan_percent:
                lo, hi = caps.fan_percent.min, caps.fan_percent.max
                raise UsageError(f"{caps.display_name} fan duty is {lo}-{hi} % or auto, not {duty}")
            before, _ = await self._link.fresh_snapshot()
            return await self._link.write(
                "fan-spd",
                duty,
                check=lambda s, _b: _fan_follows(before.fan_percent, s.fan_percent, duty),
                what=f"set the fan to {duty} %",
            )

    async def set_chip_target(self, temp_c: int) -> HeaterStatus:
        """Set the chip target temperature (``target-temp``, reported as ``TarT``)."""
        async with self._link.call(extra_s=self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            if caps.chip_target_c is None or "target-temp" not in caps.ascset_options:
                raise UnsupportedError(f"{caps.display_name} has no chip target temperature")
            if temp_c not in caps.chip_target_c:
                lo, hi = caps.chip_target_c.min, caps.chip_target_c.max
                raise UsageError(f"chip target must be {lo}-{hi} °C, not {temp_c}")
            return await self._link.write(
                "target-temp",
                int(temp_c),
                check=lambda s, _b: s.chip_target_c == temp_c,
                what=f"set the chip target to {temp_c} °C",
            )

    async def set_room_limit(self, temp_c: int) -> HeaterStatus:
        """Set the Mini 3's own room limit (``limittemp``): it idles above it in Heating/Night.

        The firmware reports the limit only in ``litestats`` (``Limitemp``), which a status read
        does not fetch, so the device's acknowledgement is the confirmation here.
        """
        async with self._link.call(extra_s=self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            if not caps.room_limit or "limittemp" not in caps.ascset_options:
                raise UnsupportedError(f"{caps.display_name} has no room limit of its own")
            if isinstance(temp_c, bool) or not 0 < temp_c <= 99:
                raise UsageError(f"room limit must be 1-99 °C, not {temp_c}")
            return await self._link.write(
                "limittemp",
                int(temp_c),
                check=lambda _s, _b: True,
                what=f"set the room limit to {temp_c} °C",
            )

    async def set_lcd(self, on: bool) -> HeaterStatus:
        """Switch the display on or off (``lcd,0:1`` / ``lcd,0:0``)."""
        async with self._link.call(extra_s=self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            if "lcd" not in caps.ascset_options:
                raise UnsupportedError(f"{caps.display_name} has no display control")
            return await self._link.write(
                "lcd",
                f"0:{int(on)}",
                check=lambda _s, b: _blob_int(b, "LcdOnoff") in (None, int(on)),
                what=f"turn the display {'on' if on else 'off'}",
            )

    async def set_led(
        self,
        effect: int,
        *,
        brightness: int = 100,
        color: tuple[int, int, int] = (255, 255, 255),
        temper: int = 100,
    ) -> HeaterStatus:
        """Set the Nano 3S light (``ledset``; effect 0 off, 1 solid, 2 blink, 3 breath ...).

        Raises:
            UnsupportedError: the model has no ``ledset``.
            DeviceRefused: the light is in night mode ("not in (day)mode now").
        """
        values = (effect, brightness, temper, *color)
        if not all(0 <= v <= 255 for v in values) or not 0 <= brightness <= 100:
            raise UsageError(f"LED values out of range: {values}")
        async with self._link.call(extra_s=self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            if "ledset" not in caps.ascset_options:
                raise UnsupportedError(
                    f"{caps.display_name} has no LED control nanoheater supports"
                )
            setting = "-".join(str(v) for v in values)
            wanted = tuple(float(v) for v in values)
            return await self._link.write(
                "ledset",
                setting,
                check=lambda _s, b: _led_user(b) in (None, wanted),
                what="set the LED",
            )

    async def reboot(self, *, confirm: bool = False) -> None:
        """Reboot the device; ``confirm=True`` is required. It is unreachable for about a minute."""
        if confirm is not True:
            raise UsageError("reboot needs confirm=True")
        async with self._link.call():
            caps = await self._caps_unlocked()
            await self._link.ascset("reboot", caps.reboot_argument, allow_silent=True)
            self._link.forget_identity()

    # ---- internals ---------------------------------------------------------------------------

    async def _soft_switch(self, option: str, *, off: bool, lead_s: float) -> HeaterStatus:
        if lead_s < 0:
            raise UsageError("lead_s must not be negative")
        async with self._link.call(extra_s=lead_s + self._link.confirm_window_s):
            caps = await self._caps_unlocked()
            if not caps.soft_off or option not in caps.ascset_options:
                lowest = caps.profiles[0].name
                raise UnsupportedError(
                    f"{caps.display_name} has no {option}; its least heat is mode {lowest}"
                )
            before, _ = await self._link.fresh_snapshot()
            if before.soft_off == off:
                return before
            at = int(self._link.device_now() + lead_s + 0.999)
            return await self._link.write(
                option,
                f"1:{at}",
                check=lambda s, _b: s.soft_off == off,
                what=f"{option} at {at}",
                # Poll rather than sleep on our estimate: the device clock in each reply decides.
                window_s=lead_s + self._link.confirm_window_s,
                poll_s=SOFT_SWITCH_POLL_S,
            )

    async def _switch(self, caps: ModelCapabilities, profile: PowerProfile) -> HeaterStatus:
        """Select ``profile`` unless it is already running (call under ``call``)."""
        before, _ = await self._link.fresh_snapshot()
        if before.mode == profile.name:
            return before
        option, *values = caps.mode_write(profile)
        return await self._link.write(
            option,
            *values,
            check=lambda s, _b: s.mode == profile.name,
            what=f"switch to {profile.name}",
        )

    async def _caps_unlocked(self) -> ModelCapabilities:
        info = await self._link.info()
        if info.model is None:
            raise UnsupportedError(f"{self.label}: {info.product} is not a model nanoheater knows")
        return capabilities(info.model)


def _fan_follows(before: int | None, now: int | None, duty: int) -> bool:
    """Whether FanR shows a fan-spd command took effect.

    FanR is the duty the fan runs at, which may follow a new command over a few seconds while
    the fan spins up or down; a reading at the duty, or at least half-way there from where it
    was, confirms it. In auto (-1) the firmware picks the duty, so there is nothing to compare.
    """
    if duty == -1 or now == duty:
        return True
    if now is None or before is None:
        return False
    return abs(now - duty) <= 1 or abs(now - duty) * 2 <= abs(before - duty)


def _blob_int(blob: Mapping[str, BlobValue], key: str) -> int | None:
    value = blob.get(key)
    return int(value) if isinstance(value, int | float) else None


def _led_user(blob: Mapping[str, BlobValue]) -> tuple[float, ...] | None:
    value = blob.get("LEDUser")
    if not isinstance(value, str) or not value:
        return None
    try:
        return tuple(float(part) for part in value.split("-"))
    except ValueError:
        return None


__all__ = ["SOFT_SWITCH_LEAD_S", "HeaterClient"]
