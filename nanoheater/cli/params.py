"""Provides ``FiniteFloat``: the click type of every float option (NaN and infinity refused).

``float("nan")`` parses, and NaN compares false with everything: ``--max-room nan`` switched the
max-room interlock off, and ``simulate --hours inf`` never ended (issue 14). Every float option
uses this type, so no such value gets past the command line.
"""

from __future__ import annotations

import math
from typing import Any

import click


class FiniteFloat(click.FloatRange):
    """``click.FloatRange`` (bounds optional) that also refuses NaN and +-infinity."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Convert like FloatRange, then fail on a non-finite result (usage error, exit 2)."""
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number

    def _describe_range(self) -> str:
        """No range in the help when neither bound is set (click's own says ``x<=None``)."""
        if self.min is None and self.max is None:
            return ""
        return super()._describe_range()
