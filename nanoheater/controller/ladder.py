"""Provides Ladder, the ordered heat steps a controller chooses between (off first where it exists).

Controllers never speak in mode names: they pick an index into a ladder, lowest power first.
Index 0 is "off" (soft off) on models that can switch off and the lowest profile otherwise, so
"step down" always means "less heat" and the Nano 3S simply has no off rung (docs/physics.md §2.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from nanoheater.models import ModelCapabilities

OFF = "off"
"""Name of the soft-off step."""


@dataclass(frozen=True, slots=True)
class Step:
    """One rung: a profile name (or ``off``), its heat in watts and its noise."""

    name: str
    power_w: float
    noise_db: float = 0.0
    hashrate_ths: float = 0.0

    @property
    def is_off(self) -> bool:
        """True for the soft-off rung."""
        return self.name == OFF


@dataclass(frozen=True, slots=True)
class Ladder:
    """Steps in increasing power; ``steps[0]`` is off when the model can switch off."""

    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a ladder needs at least one step")
        powers = [s.power_w for s in self.steps]
        if powers != sorted(powers):
            raise ValueError("ladder steps must be in increasing power")

    @classmethod
    def from_capabilities(cls, caps: ModelCapabilities) -> Ladder:
        """Build the ladder of a model: soft off (if it has one), then its profiles."""
        steps = [
            Step(p.name, p.power_w, p.noise_db, p.hashrate_ths)
            for p in sorted(caps.profiles, key=lambda p: p.power_w)
        ]
        if caps.soft_off:
            steps.insert(0, Step(OFF, caps.standby_power_w, 0.0, 0.0))
        return cls(tuple(steps))

    @property
    def can_off(self) -> bool:
        """Whether the lowest rung is off."""
        return self.steps[0].is_off

    @property
    def top(self) -> int:
        """Index of the highest rung."""
        return len(self.steps) - 1

    def __len__(self) -> int:
        return len(self.steps)

    def power_w(self, index: int) -> float:
        """Heat of rung ``index``."""
        return self.steps[index].power_w

    def name(self, index: int) -> str:
        """Name of rung ``index``."""
        return self.steps[index].name

    def index_of(self, name: str | None) -> int | None:
        """Index of the rung called ``name`` (case-insensitive), or None."""
        if name is None:
            return None
        wanted = name.strip().casefold()
        for i, step in enumerate(self.steps):
            if step.name.casefold() == wanted:
                return i
        return None

    def nearest(self, power_w: float, *, allow_off: bool = False) -> int:
        """Index of the rung nearest ``power_w``; off only if ``allow_off`` (ties: less power)."""
        first = 1 if (self.can_off and not allow_off and len(self.steps) > 1) else 0
        return min(
            range(first, len(self.steps)),
            key=lambda i: (abs(self.steps[i].power_w - power_w), self.steps[i].power_w),
        )

    def highest_at_most(self, power_w: float) -> int:
        """Highest rung whose power does not exceed ``power_w`` (0 if none does)."""
        best = 0
        for i, step in enumerate(self.steps):
            if step.power_w <= power_w + 1e-9:
                best = i
        return best

    def highest_quieter_than(self, noise_db: float) -> int:
        """Highest rung whose noise does not exceed ``noise_db`` (0 if none does)."""
        best = 0
        for i, step in enumerate(self.steps):
            if step.is_off or step.noise_db <= noise_db + 1e-9:
                best = i
        return best

    def lowest_on(self) -> int:
        """Index of the lowest rung that heats (1 when there is an off rung, else 0)."""
        return 1 if self.can_off and len(self.steps) > 1 else 0


@dataclass(frozen=True, slots=True)
class Caps:
    """The rung range a controller may use right now, after quiet hours, budget and user caps."""

    low: int
    high: int
    why_high: str = ""
    """Human reason for the ceiling, when it is below the ladder top."""

    def clamp(self, index: int) -> int:
        """Clamp ``index`` into ``[low, high]``."""
        return max(self.low, min(self.high, index))

    @classmethod
    def full(cls, ladder: Ladder) -> Caps:
        """No restriction: the whole ladder."""
        return cls(0, ladder.top)

    def tighten(self, high: int, why: str) -> Caps:
        """Lower the ceiling to ``high`` (never below ``low``), keeping the tightest reason."""
        if high >= self.high:
            return self
        return Caps(self.low, max(self.low, high), why)
