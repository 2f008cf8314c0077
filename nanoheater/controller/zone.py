"""Provides the zone ladder: several devices in one room seen as one ladder, efficient first.

Heat demand is served by the most efficient device (lowest J/TH) first: the combined ladder
steps that device through all its rungs, then stages the next one in rung by rung, and so on.
Every combined rung is a tuple of per-device rungs, so any single-device controller can drive a
whole zone, and the power budget is enforced by cutting the combined ladder where its power
would exceed it. Devices without an off rung (Nano 3S) sit at their lowest step from the start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nanoheater.controller.ladder import OFF, Ladder, Step
from nanoheater.exceptions import UsageError


@dataclass(frozen=True, slots=True)
class ZoneDevice:
    """One member of a zone: a label and its own ladder."""

    label: str
    ladder: Ladder

    @property
    def efficiency_j_th(self) -> float:
        """Mean J/TH over the heating rungs (Avalon efficiency is nearly flat across modes)."""
        on = [s for s in self.ladder.steps if not s.is_off and s.hashrate_ths > 0]
        if not on:
            return math.inf
        return sum(s.power_w for s in on) / sum(s.hashrate_ths for s in on)


def _combined_noise_db(levels: list[float]) -> float:
    loud = [x for x in levels if x > 0]
    return 10 * math.log10(sum(10 ** (x / 10) for x in loud)) if loud else 0.0


@dataclass(frozen=True, slots=True)
class Zone:
    """A combined ladder and, per combined rung, the rung of each device (in ``devices`` order)."""

    devices: tuple[ZoneDevice, ...]
    ladder: Ladder
    allocations: tuple[tuple[int, ...], ...]
    budget_w: float | None = None

    def allocation(self, index: int) -> dict[str, int]:
        """Per-device rungs for combined rung ``index``, keyed by label."""
        return {d.label: r for d, r in zip(self.devices, self.allocations[index], strict=True)}

    def index_of(self, rungs: tuple[int, ...]) -> int:
        """Combined rung nearest in power to the given per-device rungs (what the devices run)."""
        power = sum(d.ladder.power_w(r) for d, r in zip(self.devices, rungs, strict=True))
        return min(range(len(self.ladder)), key=lambda i: (abs(self.ladder.power_w(i) - power), i))


def build_zone(devices: list[ZoneDevice], budget_w: float | None = None) -> Zone:
    """Order devices by efficiency, build the combined ladder and cut it at ``budget_w``."""
    if not devices:
        raise UsageError("a zone needs at least one device")
    labels = [d.label for d in devices]
    if len(set(labels)) != len(labels):
        raise UsageError("zone device labels must be unique")
    ordered = tuple(sorted(devices, key=lambda d: (d.efficiency_j_th, d.label)))
    rungs = [0] * len(ordered)
    allocations = [tuple(rungs)]
    for k, device in enumerate(ordered):
        for r in range(1, len(device.ladder)):
            rungs[k] = r
            allocations.append(tuple(rungs))
    steps = []
    for alloc in allocations:
        parts = [(d, d.ladder.steps[r]) for d, r in zip(ordered, alloc, strict=True)]
        power = sum(s.power_w for _, s in parts)
        if all(s.is_off for _, s in parts):
            name = OFF
        elif len(parts) == 1:
            name = parts[0][1].name  # one device: its own mode names, so a fixed mode resolves
        else:
            name = " + ".join(f"{d.label}:{s.name}" for d, s in parts if not s.is_off)
        steps.append(
            Step(
                name,
                power,
                _combined_noise_db([s.noise_db for _, s in parts]),
                sum(s.hashrate_ths for _, s in parts),
            )
        )
    if budget_w is not None:
        keep = [i for i, s in enumerate(steps) if s.power_w <= budget_w + 1e-9]
        if not keep:
            floor = steps[0].power_w
            raise UsageError(
                f"power budget {budget_w:.0f} W is below the zone's minimum draw {floor:.0f} W "
                "(devices without off still draw their lowest step)"
            )
        # Steps rise monotonically, so the kept ones are a prefix.
        steps = steps[: keep[-1] + 1]
        allocations = allocations[: keep[-1] + 1]
    return Zone(ordered, Ladder(tuple(steps)), tuple(allocations), budget_w)
