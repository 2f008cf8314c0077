"""Provides the honest part of ``nanoheater set``'s answer: what is confirmed, what still moves.

The firmware confirms a setting at once, but the physical values follow over seconds to a
minute: a fan ramps to its new duty, power falls after a soft off and settles after a mode
change. The confirmed reading alone (``fan 61 %`` after ``--fan 80``, ``659 W`` after
``--off``) reads like a failure, so ``set`` adds one line saying what was set and where the
reading is heading, and ``settling`` in its JSON.
"""

from __future__ import annotations

from typing import Literal

from nanoheater.capabilities import capabilities
from nanoheater.models import HeaterStatus


def settling_note(
    action: str, fan: int | Literal["auto"] | None, reading: HeaterStatus
) -> str | None:
    """One line on what is still moving after ``action``, or None when the reading has settled.

    E.g. ``fan 80 % set; now 61 % and rising`` right after ``set --fan 80``.
    """
    if action == "fan":
        now = reading.fan_percent
        if not isinstance(fan, int) or now is None or now == fan:
            return None
        return f"fan {fan} % set; now {now} % and {'rising' if now < fan else 'falling'}"
    model = reading.info.model
    if model is None or reading.power_w is None:
        return None
    caps = capabilities(model)
    if action == "off":
        what, expected_w = "soft off", caps.standby_power_w
    elif action in ("mode", "level", "on") and reading.mode and not reading.soft_off:
        try:
            expected_w = caps.profile(reading.mode).power_w
        except KeyError:
            return None
        what = f"mode {reading.mode}" if action != "on" else "soft on"
    else:
        return None
    power_w = reading.power_w
    if abs(power_w - expected_w) <= max(10.0, 0.15 * expected_w):
        return None
    trend = "falling" if power_w > expected_w else "rising"
    return f"{what} confirmed; power {power_w:.0f} W now and {trend} to about {expected_w:.0f} W"
