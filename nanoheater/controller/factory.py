"""Provides the controller registry: names to factories that build a controller for a ladder."""

from __future__ import annotations

from collections.abc import Callable

from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.decision import Controller
from nanoheater.controller.ladder import Ladder
from nanoheater.controller.pi import PI
from nanoheater.controller.staged import Staged
from nanoheater.exceptions import UsageError


def controller_factory(name: str, ua_w_k: float | None) -> Callable[[Ladder], Controller]:
    """Return a factory for the controller called ``name`` (staged, pi, bang-bang)."""
    if name == "staged":
        return lambda ladder: Staged(ladder, ua_w_k=ua_w_k)
    if name == "pi":
        return lambda ladder: PI(ladder, ua_w_k=ua_w_k)
    if name in ("bang-bang", "bangbang"):
        return lambda ladder: BangBang(ladder)
    raise UsageError(f"unknown controller {name!r}; use staged, pi or bang-bang")


CONTROLLERS = ("bang-bang", "staged", "pi")
"""Controller names the CLI accepts."""
