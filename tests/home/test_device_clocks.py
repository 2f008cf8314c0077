"""The Home books every reading at the time it arrives, whatever the device's clock says (issue 14).

Real simulated devices, one whose clock lags a day and one whose clock runs five hours ahead
and then jumps seven hours back (the simulator's ``clock-skew`` fault), are polled by a Home with
a history. Every sample must carry this machine's receive time, in order, and the ledger must
count the whole run for both, the jump included.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from firmware_sim.faults import arm_fault
from firmware_sim.fleet import Fleet
from nanoheater.history import HistoryStore
from nanoheater.history.store import DATABASE_FILE
from nanoheater.home import Home
from tests.home.conftest import options

DAY_S = 86_400.0


async def test_readings_are_booked_at_receive_time_whatever_the_device_clock(
    tmp_path: Path, fleet: Fleet
) -> None:
    """Pins: lagging, fast and jumping device clocks are booked on this machine's clock."""
    lagging, jumping = (m.heater for m in fleet.members)
    arm_fault(lagging, "clock-skew", offset_s=-DAY_S)
    arm_fault(jumping, "clock-skew", offset_s=5 * 3600.0)
    data = tmp_path / "data"
    home = Home(options(data, fleet, history=True))
    started_s = time.time()
    await home.start()
    try:
        assert home.history is not None
        history = home.history

        def counts(store: HistoryStore) -> list[int]:
            return [len(store.samples_since(d.device, 0.0)) for d in store.devices()]

        async def each_has(count: int) -> None:
            while len(found := await history.call(counts)) < 2 or min(found) < count:
                await asyncio.sleep(0.1)

        await asyncio.wait_for(each_has(4), 20.0)
        jumped_s = time.time()
        arm_fault(jumping, "clock-skew", offset_s=-2 * 3600.0)  # seven hours back at once
        await asyncio.wait_for(each_has(10), 20.0)
    finally:
        await home.stop()
    stopped_s = time.time()
    with HistoryStore.open(data / DATABASE_FILE) as store:
        for known in store.devices():
            rows = store.samples_since(known.device, 0.0)
            stamps = [s.ts_s for s in rows]
            assert all(started_s <= t <= stopped_s for t in stamps), known
            assert stamps == sorted(stamps), known
            assert any(t > jumped_s for t in stamps), "still booked after the jump"
            counted_s = sum(h.seconds for h in store.ledger_hours(known.device, 0.0))
            assert counted_s > 0.9 * (stamps[-1] - stamps[0]), known
