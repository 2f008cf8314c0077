"""Provides the quit summary: what each device was left at on exit, and why, in plain words.

``Regulator.shutdown`` applies the exit level; this turns its terse result (``calibrating:
soft off``) and the device's last status into a line a home owner can act on, and a record for
``--json`` streams and the history. The usual surprise it explains: a mode change opens a
calibration window (about five minutes) in which the firmware refuses another one, so a quit
inside it can only soft off the device, and its next "on" resumes in the old, higher mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from nanoheater.controller.ladder import Ladder
from nanoheater.controller.regulator import Member


@dataclass(frozen=True, slots=True)
class ExitSummary:
    """What one device was left at on exit."""

    label: str
    model: str
    asked: str
    """The exit level asked for, as this model's rung name (``Night``, ``off``)."""
    left: str
    """What the device is now: ``off``, a mode name, or ``unknown``."""
    power_w: float | None
    settles_w: float | None
    """The left step's nominal power when the reading is still far from it (ramping)."""
    result: str
    """What the regulator did (``mode Night``, ``calibrating: soft off``, ``unreachable: ...``)."""
    why: str
    """Plain-words explanation when ``left`` is not what was asked; empty when it is."""

    def line(self) -> str:
        """One human line, e.g. ``127.0.0.2:4028 (Avalon Mini 3): left at Night, 450 W``."""
        return f"{self.label} ({self.model}): {self.what()}"

    def what(self) -> str:
        """The line without the device: ``left at off, 12 W (asked: Night); Night was...``."""
        power = "" if self.power_w is None else f", {self.power_w:.0f} W"
        if self.power_w is not None and self.settles_w is not None:
            power += f" now, settling to about {self.settles_w:.0f} W"
        text = f"left at {self.left}{power}"
        if self.left.casefold() != self.asked.casefold():
            text += f" (asked: {self.asked})"
        return text + (f"; {self.why}" if self.why else "")

    def to_json_dict(self) -> dict[str, object]:
        """The summary as one JSON-ready record (``{"exit": label, ...}``)."""
        return {
            "exit": self.label,
            "model": self.model,
            "asked": self.asked,
            "left": self.left,
            "power_w": self.power_w,
            "settles_w": self.settles_w,
            "result": self.result,
            "why": self.why,
        }


def exit_summary(member: Member, asked_rung: int, result: str) -> ExitSummary:
    """Describe where ``member`` was left after ``Regulator.shutdown`` returned ``result``."""
    ladder: Ladder = member.ladder
    asked = ladder.name(asked_rung)
    status = member.status
    model = member.caps.display_name
    if result.startswith("unreachable") or status is None:
        return ExitSummary(
            member.label, model, asked, "unknown", None, None, result,
            f"it did not answer ({result or 'unreachable'}), so it was left as it was",
        )  # fmt: skip
    off = status.soft_off and ladder.can_off
    left = "off" if off else (status.mode or "unknown")
    why = ""
    if result.startswith("failed"):
        why = f"the exit level could not be set ({result.removeprefix('failed: ')})"
    elif "calibrating" in result:
        mode = status.mode or "its last mode"
        if off:
            why = (
                f"{asked} was refused: it is calibrating after a mode change (about 5 min), so "
                f"it was switched off instead; its mode is still {mode}, so the next 'on' "
                f"resumes at {mode}"
            )
        elif ladder.can_off:
            # It has a soft off, but the switch-off did not take (not confirmed, refused...).
            detail = result.removeprefix("calibrating: ").removeprefix("failed: ")
            why = (
                f"{asked} was refused: it is calibrating after a mode change (about 5 min), and "
                f"switching it off did not take ({detail}), so it keeps heating at {mode}; set "
                "it again later"
            )
        else:
            why = (
                f"{asked} was refused: it is calibrating after a mode change (about 5 min) and "
                f"this model has no soft off, so it keeps heating at {mode}; set it again later"
            )
    rung = 0 if off else ladder.index_of(status.mode)
    settles_w = None if rung is None else ladder.power_w(rung)
    if status.power_w is None or settles_w is None or _near(status.power_w, settles_w):
        settles_w = None
    return ExitSummary(member.label, model, asked, left, status.power_w, settles_w, result, why)


def _near(power_w: float, nominal_w: float) -> bool:
    """Whether a reading is within 15 % (or 10 W) of a step's nominal power."""
    return abs(power_w - nominal_w) <= max(10.0, 0.15 * nominal_w)
