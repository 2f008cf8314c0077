"""Pilot tests of fault explanations: a reason as an event and a notice, and the slow restart."""

from __future__ import annotations

from firmware_sim.faults import arm_fault, clear_faults
from firmware_sim.fleet import Fleet
from tests.tui.conftest import MODELS, AppFactory, poll, settle


async def test_overheat_is_explained_and_the_slow_restart_flagged(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that a fan-stop overheat logs its reasons, and 'mining but not hashing' after it."""
    member = sim_fleet.members[MODELS.index("q")]
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        name = app.fleet.entries[f"{member.server.host}:{member.server.port}"].name
        arm_fault(member.heater, "overheat")
        await poll(pilot, sim_fleet, 30)
        texts = [e.text for e in app.events if e.device == name]
        assert any(t.startswith("fan 0 rpm at ") and "stopped" in t for t in texts), texts
        assert any(t.startswith("chips at ") and "overheating" in t for t in texts), texts
        notices = [n.message for n in app._notifications]
        assert any(name in m and "fan 0 rpm" in m for m in notices), notices
        await poll(pilot, sim_fleet, 30)
        assert len([e for e in app.events if "fan 0 rpm" in e.text]) == 1, "logged once"
        clear_faults(member.heater)
        await poll(pilot, sim_fleet, 30)
        texts = [e.text for e in app.events if e.device == name]
        slow = [t for t in texts if t.startswith("mining but not hashing: 0 TH/s at ")]
        assert slow, texts
        # With advice, not only the symptom: how long it may last and what to check.
        assert "can last a few minutes" in slow[0], slow
        assert "check its pool and network, then reboot it" in slow[0], slow
        await poll(pilot, sim_fleet, 600)
        assert list(app.events)[-1].text.startswith("problems cleared: ")
