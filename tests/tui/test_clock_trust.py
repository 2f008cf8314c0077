"""A real device whose clock runs years ahead must not move the TUI's "today" (issue 14)."""

from __future__ import annotations

import re
import time

from firmware_sim.fleet import Fleet
from nanoheater.models import DiscoveredHeater
from tests.reliability.hostile import HostileDevice, proxy
from tests.reliability.rigs import make_heater
from tests.tui.conftest import AppFactory, endpoints, poll, settle

TWO_YEARS_S = 2 * 365 * 86_400


async def test_a_device_clock_years_ahead_is_not_booked(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins: its reading is shown, but its clock neither books nor moves the ledger's "today"."""
    ahead = int(time.time()) + TWO_YEARS_S
    heater, _ = make_heater("nano3s", seed=3)
    rewrite = lambda reply: re.sub(rb'"When":\s*\d+', b'"When":%d' % ahead, reply)  # noqa: E731
    async with HostileDevice(proxy(heater.handle, rewrite)).running() as liar:
        honest_host, honest_port = endpoints(sim_fleet)[0].rsplit(":", 1)
        hosts = [
            DiscoveredHeater(name="liar", host="127.0.0.1", port=liar.port),
            DiscoveredHeater(name="honest", host=honest_host, port=int(honest_port)),
        ]
        app = make_app(hosts=hosts, scan_on_start=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await poll(pilot)
            await poll(pilot, sim_fleet, 60.0)
            liar_entry = app.fleet.get(f"127.0.0.1:{liar.port}")
            assert liar_entry is not None
            assert liar_entry.status is not None  # shown
            assert liar_entry.status.when is None  # its clock counts as absent
            assert app.ledger.latest_s is not None
            assert app.ledger.latest_s < ahead - 86_400  # "today" is the honest device's
