"""A device's clock is a claim: the TUI books every reading when it arrives (issue 14).

Real simulated devices whose clocks lag a day, run hours or years ahead, or jump backwards
mid-run (the simulator's ``clock-skew`` fault) are polled by the TUI. Every sample, ledger hour
and chart point must be at the time the reading arrived on the app's clock; before, the TUI used
each device's ``When``, so a lagging device was booked in its own past (yesterday's ledger), one
ahead in the future, and a jump backwards stopped its ledger until its clock caught up.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from firmware_sim.faults import arm_fault
from firmware_sim.fleet import Fleet
from nanoheater.history import AsyncHistoryStore, HistoryStore
from nanoheater.history.period import local_date
from nanoheater.models import DiscoveredHeater
from tests.fleets import endpoints
from tests.tui.conftest import AppFactory, poll, settle

DAY_S = 86_400.0
SKEWS_S = (-DAY_S, 5 * 3600.0, 2 * 365 * DAY_S, None)
"""Per fleet member: a day behind, five hours ahead, two years ahead, honest until it jumps."""
JUMP_S = -2 * 3600.0
"""The last member's clock jumps two hours back after the third poll."""
POLLS = 6
STEP_S = 60.0


async def test_every_reading_is_booked_when_it_arrives_whatever_the_device_clock(
    make_app: AppFactory, sim_fleet: Fleet, tmp_path: Path
) -> None:
    """Pins: samples, ledger and chart points at receive time for lagging/fast/jumping clocks."""
    clock = sim_fleet.clock.now
    for member, skew in zip(sim_fleet.members, SKEWS_S, strict=True):
        if skew is not None:
            arm_fault(member.heater, "clock-skew", offset_s=skew)
    history = await AsyncHistoryStore.open(tmp_path / "history.sqlite3", clock=clock)
    received: list[float] = []
    try:
        app = make_app(history=history, scan_on_start=False, hosts=_hosts(sim_fleet))
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)  # the first poll, at start-up
            received.append(clock())
            for n in range(POLLS):
                await poll(pilot, sim_fleet, STEP_S)
                received.append(clock())
                if n == 2:
                    arm_fault(sim_fleet.members[-1].heater, "clock-skew", offset_s=JUMP_S)
            entries = [app.fleet.get(key) for key in endpoints(sim_fleet)]
            today = local_date(clock())
            for entry in entries:
                assert entry is not None
                assert entry.status is not None
                assert entry.status.when is not None, "the device's clock is kept, not used"
                device = entry.status.identity_key
                samples = await history.call(
                    partial(HistoryStore.samples_since, device=device, since_s=0.0)
                )
                assert [s.ts_s for s in samples] == received, f"{entry.key}: booked on arrival"
                hours = await history.call(
                    partial(HistoryStore.ledger_hours, device=device, since_s=0.0)
                )
                assert sum(h.seconds for h in hours) == POLLS * STEP_S, entry.key
                assert {local_date(h.hour_s) for h in hours} == {today}, entry.key
                assert [s.ts_s for s in entry.recent] == received, f"{entry.key}: chart points"
                assert entry.heat_kwh_today > 0, f"{entry.key}: counted today"
            assert app.ledger.today == today, "today is this machine's (here the fleet's) day"
    finally:
        await history.close()


def _hosts(fleet: Fleet) -> list[DiscoveredHeater]:
    split = [key.rsplit(":", 1) for key in endpoints(fleet)]
    return [DiscoveredHeater(name="", host=host, port=int(port)) for host, port in split]
