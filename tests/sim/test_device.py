"""SimulatedHeater: identity, mode changes and calibration, reboot, and transport faults."""

from __future__ import annotations

import re

import pytest

from firmware_sim.device import Reply, SimulatedHeater, create_heater, identity
from firmware_sim.state import CGMINER_START_S
from firmware_sim.world import World

VERSION = b'{"command":"version"}'


def _heater(model: str = "nano3s", *, index: int = 0, seed: int = 0) -> SimulatedHeater:
    return create_heater(model, index=index, seed=seed)


def test_identity_is_deterministic_and_distinct() -> None:
    """DNA (16 hex) and MAC (12 hex) derive from model, index and seed."""
    dna, mac = identity("nano3s", 0, 0)
    assert re.fullmatch(r"02010000[0-9a-f]{8}", dna)
    assert re.fullmatch(r"e0e1a9[0-9a-f]{6}", mac)
    assert identity("nano3s", 0, 0) == (dna, mac)
    others = {identity("nano3s", 1, 0), identity("nano3s", 0, 1), identity("q", 0, 0)}
    assert (dna, mac) not in others
    assert len(others) == 3
    h = _heater("q", index=2, seed=4)
    assert (h.state.dna, h.state.mac) == identity("q", 2, 4)


def test_version_fields_carry_instance_identity() -> None:
    """version_fields() fills DNA/MAC; the Nano 3's captured keys have neither."""
    h = _heater("mini3")
    fields = h.version_fields()
    assert fields["DNA"] == h.state.dna
    assert fields["MAC"] == h.state.mac
    assert list(fields) == list(h.profile.version)
    nano3 = _heater("nano3").version_fields()
    assert "DNA" not in nano3
    assert nano3["MODEL"] == "nano3"


def test_create_heater_defaults() -> None:
    """A heater without a world gets its own world and a medium room, in its default mode."""
    h = _heater("mini3")
    assert h.world.heaters == [h]
    assert h.room in h.world.rooms
    assert h.room.params.ua_w_per_k == pytest.approx(20.0, rel=0.02)
    mode = h.profile.modes[h.profile.default_mode]
    assert (h.state.workmode, h.state.worklevel) == (mode.workmode, mode.worklevel)
    assert h.state.chip_target_c == mode.target_temp_c
    assert len(h.state.pools) == 3
    assert all(".invalid:" in p.url for p in h.state.pools)
    world = World(seed=9)
    shared = create_heater("nano3s", world=world, index=3)
    assert shared.state.dna == identity("nano3s", 3, 9)[0]


def test_set_mode_opens_calibration_window() -> None:
    """set_mode: TarT resets, calibrating for calibration_s, then not; same mode is a no-op."""
    h = _heater("nano3s")
    h.state.chip_target_c = 70.0
    h.set_mode(2)
    assert not h.is_calibrating()
    assert h.state.chip_target_c == 70.0
    h.set_mode(1)
    st = h.state
    assert (st.mode_index, st.workmode, st.worklevel) == (1, 1, 0)
    assert st.chip_target_c == 85.0
    assert st.calibrating_until_s == h.now() + h.profile.calibration_s
    assert h.is_calibrating()
    h.world.run_for(h.profile.calibration_s - 1)
    assert h.is_calibrating()
    h.world.run_for(1)
    assert not h.is_calibrating()
    with pytest.raises(IndexError):
        h.set_mode(3)


def test_mode_lookup_by_workmode_and_level() -> None:
    """Mini 3 Heating Eco is workmode 0 + worklevel -1; a bare workmode 0 finds a Heating mode."""
    h = _heater("mini3")
    eco = h.mode_index_for(0, -1)
    assert eco is not None
    assert h.profile.modes[eco].name == "Heating Eco"
    index = h.mode_index_for(0)
    assert index is not None
    assert h.profile.modes[index].workmode == 0
    assert h.mode_index_for(7) is None


def test_reboot_downtime_and_boot() -> None:
    """reboot: down for the downtime, then cgminer starts: Elapsed 0, TarT default, BOOTBY 5.

    The API reopens when cgminer starts, CGMINER_START_S after the system booted, so the
    blob's uptime then reads 30 s while the envelope's Elapsed (and every average) starts at 0.
    """
    h = _heater("nano3s")  # created as cgminer starts: 30 s of system uptime
    h.world.run_for(3600)
    h.state.chip_target_c = 70.0
    assert h.uptime_s() == pytest.approx(3600.0 + CGMINER_START_S)
    h.reboot(60.0)
    assert h.is_down()
    assert h.state.boot_reason == 5
    h.world.run_for(30)
    assert h.is_down()
    assert h.state.hashrate_ghs == 0.0
    assert h.state.power_w < 10.0
    h.world.run_for(31)
    assert not h.is_down()
    assert CGMINER_START_S <= h.uptime_s() < CGMINER_START_S + 2.0
    assert h.state.chip_target_c == 90.0
    assert h.state.pools[0].accepted == 0
    h.world.run_for(300)
    assert h.state.power_w == pytest.approx(140.0, rel=0.01)


def test_reboot_after_delay() -> None:
    """reboot(after_s=N) keeps serving for N seconds first."""
    h = _heater("q")
    h.reboot(30.0, after_s=10.0)
    assert not h.is_down()
    h.world.run_for(10)
    assert h.is_down()
    h.world.run_for(30)
    assert not h.is_down()


def test_respond_without_faults_is_handle() -> None:
    """With no fault armed, respond() returns exactly what handle() does, NUL included."""
    h = _heater("nano3s")
    reply = h.respond(VERSION)
    assert reply == Reply(h.handle(VERSION))
    assert reply.data.endswith(b"\x00")


def test_respond_drop_counts_down() -> None:
    """drop_replies=2: two replies dropped, the third is normal."""
    h = _heater("nano3s")
    h.faults.drop_replies = 2
    assert h.respond(VERSION).drop
    assert h.respond(VERSION) == Reply(b"", drop=True)
    assert not h.respond(VERSION).drop
    assert h.faults.drop_replies == 0


def test_respond_delay() -> None:
    """delay: the reply carries delay_s for delay_replies replies."""
    h = _heater("nano3s")
    h.faults.delay_s = 2.5
    h.faults.delay_replies = 1
    first = h.respond(VERSION)
    assert first.delay_s == 2.5
    assert first.data == h.handle(VERSION)
    assert h.respond(VERSION).delay_s == 0.0


def test_respond_truncate_garbage_no_nul() -> None:
    """Truncate sends the first half and closes; garbage sends other bytes; no-NUL strips it."""
    h = _heater("nano3s")
    full = h.handle(VERSION)
    h.faults.truncate_replies = 1
    cut = h.respond(VERSION)
    assert cut.close_early
    assert cut.data == full[: len(full) // 2]
    h.faults.garbage_replies = 1
    junk = h.respond(VERSION)
    assert junk.data != full
    assert len(junk.data) == len(full)
    h.faults.no_nul_replies = 1
    bare = h.respond(VERSION)
    assert bare.data == full[:-1]
    assert not bare.data.endswith(b"\x00")
    assert h.respond(VERSION).data == full


def test_respond_until_cleared() -> None:
    """A counter of -1 keeps the fault armed until FaultPlan.clear()."""
    h = _heater("nano3s")
    h.faults.no_nul_replies = -1
    for _ in range(3):
        assert not h.respond(VERSION).data.endswith(b"\x00")
    assert h.faults.no_nul_replies == -1
    h.faults.clear()
    assert h.respond(VERSION).data.endswith(b"\x00")
