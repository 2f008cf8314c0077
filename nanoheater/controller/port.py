"""Provides HeaterPort, the slice of a heater client the regulator and the inlet sensor need.

``nanoheater.client.HeaterClient`` satisfies it; the controller package depends only on this
protocol, so it never imports the client or a transport.
"""

from __future__ import annotations

from typing import Any, Protocol

from nanoheater.models import HeaterStatus


class HeaterPort(Protocol):
    """Read a heater's status and change its heat step."""

    async def get_status(self) -> HeaterStatus:
        """Return one fresh reading."""
        ...

    async def set_mode(self, name: str) -> Any:
        """Switch to the profile called ``name``; raises CalibratingError while calibrating."""
        ...

    async def soft_off(self, *, lead_s: float = ...) -> Any:
        """Go to standby, scheduled ``lead_s`` ahead on the device clock."""
        ...

    async def soft_on(self, *, lead_s: float = ...) -> Any:
        """Leave standby, scheduled ``lead_s`` ahead on the device clock."""
        ...
