"""Provides the one way messages write temperatures: ``21.0 °C``, and differences as ``0.4 K``.

Screens show ``°C``; every message (controller reasons, alerts, events, CLI lines) builds its
temperatures here so that they read the same (issue 12, item 15). A temperature difference is a
kelvin figure and has no degree sign.

Example:
    >>> celsius(21), celsius(113.4, ".0f"), kelvin(0.4)
    ('21.0 °C', '113 °C', '0.4 K')
"""

from __future__ import annotations

CELSIUS = "°C"
"""The unit suffix of a temperature, as the screens print it."""


def celsius(value_c: float | None, spec: str = ".1f") -> str:
    """``value_c`` formatted with ``spec`` (one decimal by default) and `` °C``; None is ``-``.

    ``-`` is what the screens show for a missing reading.
    """
    return "-" if value_c is None else f"{value_c:{spec}} {CELSIUS}"


def kelvin(value_k: float, spec: str = ".1f") -> str:
    """A temperature difference ``value_k`` formatted with ``spec`` and `` K``."""
    return f"{value_k:{spec}} K"


__all__ = ["CELSIUS", "celsius", "kelvin"]
