"""Provides fmt, the one way the TUI prints an optional number (a dash when unknown)."""

from __future__ import annotations


def fmt(value: float | None, decimals: int = 1, unit: str = "") -> str:
    """Return ``value`` with ``decimals`` places and an optional unit, or "-" for None."""
    if value is None:
        return "-"
    text = f"{value:,.{decimals}f}"
    return f"{text} {unit}" if unit else text
