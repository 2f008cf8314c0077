"""Tests that messages write temperatures as the screens do: ``21.0 °C``, differences in K."""

from __future__ import annotations

import re
from pathlib import Path

from nanoheater.controller.targets import RoomTemperature
from nanoheater.units import celsius, kelvin

PACKAGE = Path(__file__).resolve().parents[1] / "nanoheater"
BARE_C = re.compile(r"""\} C\b|\d C["')]""")
"""A number followed by a bare "C" in a string: ``{room:.1f} C`` or ``"40 C"``."""


def test_celsius_and_kelvin() -> None:
    """One decimal by default, a format spec when asked, and "-" for a missing reading."""
    assert celsius(21) == "21.0 °C"
    assert celsius(113.6, ".0f") == "114 °C"
    assert celsius(26.0, "g") == "26 °C"
    assert celsius(None) == "-"
    assert kelvin(0.4) == "0.4 K"


def test_no_message_writes_a_bare_c() -> None:
    """Every module builds temperatures with ``celsius``; a bare ``C`` after a number is a defect.

    Before, about 30 controller, alert, home and CLI strings wrote ``21.0 C``.
    """
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE_C.search(line) and not line.lstrip().startswith("#")
    ]
    assert not found, "\n".join(found)


def test_the_bare_c_check_can_fail() -> None:
    """The pattern catches both forms it is meant to catch, and not °C or K."""
    assert BARE_C.search('f"{room:.1f} C above band"')
    assert BARE_C.search('"between 0 and 40 C")')
    assert not BARE_C.search('f"{room:.1f} °C above band"')
    assert not BARE_C.search('f"{delta:.1f} K"')


def test_a_set_point_target_reads_like_the_screens() -> None:
    """The target the TUI, thermostat and serve show is ``21.0 °C`` (was ``21.0 C``)."""
    assert RoomTemperature(21.0).describe() == "21.0 °C"
