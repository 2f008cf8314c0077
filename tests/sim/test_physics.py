"""Heater physics: ramps, fan loop, chip temperature, derating, soft off, room cut-off, shares."""

from __future__ import annotations

import math

import pytest

from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.market import HASHES_PER_DIFF1
from firmware_sim.physics import DERATE_BELOW_TRIP_K, STALLED_FLOW_FRACTION, step_heater
from firmware_sim.room import Room


def _heater(model: str, *, room: Room | None = None, seed: int = 0) -> SimulatedHeater:
    return create_heater(model, seed=seed, room=room)


def _warm_room() -> Room:
    return Room.preset("medium", air_c=20.0)


def test_boots_at_mode_power_and_hashrate() -> None:
    """A new heater runs its default mode: Nano 3S High ≈ 140 W, ≈ 6.6 TH/s (as captured)."""
    h = _heater("nano3s")
    h.world.run_for(120)
    assert h.state.power_w == pytest.approx(140.0, rel=0.01)
    assert h.state.hashrate_ghs == pytest.approx(6600.0, rel=0.02)
    assert h.state.fan_rpm > 0


@pytest.mark.parametrize("model", ["nano3s", "nano3", "mini3", "q"])
def test_chip_settles_at_target_under_auto_fan(model: str) -> None:
    """After a mode change (new TarT) and a cold restart the fan loop holds TAvg at TarT.

    The average chip is regulated, not the hottest (nano3s_estats_mmid0.txt TAvg 90 = TarT 90,
    TMax 95); where even the minimum fan over-cools (a Nano 3S in Low) TAvg stays below TarT.
    """
    h = _heater(model, room=_warm_room())
    h.set_mode(0)
    target = h.profile.modes[0].target_temp_c
    fan_min = h.profile.thermal.fan_min_percent

    def held_at_target() -> None:
        st = h.state
        if st.fan_percent < fan_min + 0.5:
            assert st.chip_temp_avg_c < target
        else:
            assert st.chip_temp_avg_c == pytest.approx(target, abs=1.0)
        ratio = h.profile.thermal.tmax_over_tavg
        rise = st.chip_temp_avg_c - st.inlet_temp_c
        assert st.chip_temp_max_c == pytest.approx(st.inlet_temp_c + rise * ratio, abs=0.5)

    h.world.run_for(1800)
    held_at_target()
    assert fan_min <= h.state.fan_percent <= 100.0
    h.state.chip_temp_avg_c = h.state.inlet_temp_c
    h.world.run_for(1800)
    held_at_target()
    assert h.state.chip_temp_avg_c < h.state.chip_temp_max_c
    assert h.state.inlet_temp_c < h.state.outlet_temp_c < h.state.chip_temp_max_c


def test_power_ramps_after_mode_change() -> None:
    """Low→High on a Nano 3S ramps first-order with ramp_tau_s (30 s), not in one step."""
    h = _heater("nano3s")
    h.set_mode(0)
    h.world.run_for(400)
    assert h.state.power_w == pytest.approx(70.0, rel=0.01)
    h.state.calibrating_until_s = 0.0
    h.set_mode(2)
    h.world.run_for(10)
    assert 70.0 < h.state.power_w < 100.0
    h.world.run_for(20)
    expected_30s = 70.0 + 70.0 * (1.0 - math.exp(-1.0))
    assert h.state.power_w == pytest.approx(expected_30s, abs=3.0)
    assert h.state.hashrate_ghs < 6600.0 * 0.9
    h.world.run_for(270)
    assert h.state.power_w == pytest.approx(140.0, rel=0.01)
    assert h.state.hashrate_ghs == pytest.approx(6600.0, rel=0.02)


def test_hashrate_proportional_to_power() -> None:
    """Each mode hashes at its nominal rate (±1 % jitter)."""
    for index, mode in enumerate(_heater("q").profile.modes):
        h = _heater("q", room=_warm_room())
        h.set_mode(index)
        h.world.run_for(600)
        assert h.state.hashrate_ghs == pytest.approx(mode.hashrate_ths * 1000, rel=0.011)
        assert h.state.power_w == pytest.approx(mode.power_w, rel=0.01)


def test_fixed_fan_duty() -> None:
    """fan-spd N holds the duty at N % and the RPM at N % of the maximum."""
    h = _heater("nano3s", room=_warm_room())
    h.state.fan_manual_percent = 80
    h.world.run_for(60)
    assert h.state.fan_percent == pytest.approx(80.0, abs=0.1)
    assert h.state.fan_rpm == pytest.approx(0.8 * h.profile.thermal.fan_rpm_max, rel=0.01)
    # More air than the loop would choose: the chip runs below TarT.
    h.world.run_for(600)
    assert h.state.chip_temp_max_c < h.state.chip_target_c - 5.0


@pytest.mark.parametrize("model", ["nano3s", "mini3", "q"])
def test_blocked_fan_derates_and_recovers(model: str) -> None:
    """A blocked fan: duty 100 %, RPM 0, power cut to hold TMax 8 K under the trip, then back.

    The firmware does not derate at TarT (a Mini 3 ran full power at TarT + 11,
    tests/captures/mini3_stats_plaintext_TRUNCATED.txt); only the trip margin limits power here.
    """
    h = _heater(model, room=_warm_room())
    mode_power = h.profile.modes[h.state.mode_index].power_w
    h.world.run_for(60)
    h.state.fan_blocked = True
    peak = 0.0
    for _ in range(900):
        h.world.run_for(1)
        peak = max(peak, h.state.chip_temp_max_c)
    st = h.state
    assert st.derated
    assert st.fan_rpm == 0
    assert st.fan_percent > 99.0
    th = h.profile.thermal
    limit_c = th.trip_chip_c - DERATE_BELOW_TRIP_K
    r_stalled = th.r_th_k_per_w * STALLED_FLOW_FRACTION**-th.fan_exponent * th.tmax_over_tavg
    held_w = h.profile.standby_power_w + (limit_c - st.inlet_temp_c) / r_stalled
    assert st.power_w == pytest.approx(held_w, rel=0.05)
    assert st.power_w < 0.65 * mode_power
    assert st.hashrate_ghs > 0.0
    assert st.chip_temp_max_c == pytest.approx(limit_c, abs=1.5)
    assert peak < h.profile.thermal.trip_chip_c
    st.fan_blocked = False
    h.world.run_for(1800)
    assert not h.state.derated
    assert st.power_w == pytest.approx(mode_power, rel=0.01)


def test_overheat_idles_then_restarts() -> None:
    """Above the 113 °C trip the unit idles (no hashing, fan 100 %), and restarts once cool."""
    h = _heater("nano3s", room=_warm_room())
    h.state.fan_blocked = True
    h.state.chip_temp_avg_c = 114.0  # the integrated state; TMax follows it, above the trip
    h.world.run_for(30)
    assert h.state.hashrate_ghs == 0.0
    assert h.state.power_w < 15.0
    assert h.state.fan_percent > 90.0
    assert h.state.derated
    restarted = False
    for _ in range(600):
        h.world.run_for(1)
        if h.state.hashrate_ghs > 0.0:
            restarted = True
            break
    assert restarted
    assert h.state.chip_temp_max_c < h.state.chip_target_c


def test_hot_inlet_derates() -> None:
    """Inlet air above the vendor limit (30 °C on the Nano 3S) reduces power; 20 °C does not."""
    hot = _heater("nano3s", room=Room.preset("medium", air_c=35.0))
    hot.world.run_for(300)
    assert hot.state.derated
    inlet = hot.state.inlet_temp_c
    assert inlet > 31.0
    # Linear from full power at 30 °C to idle at 40 °C (the documented assumption).
    assert hot.state.power_w == pytest.approx(4.0 + 136.0 * (1 - (inlet - 30.0) / 10.0), rel=0.03)
    cool = _heater("nano3s", room=_warm_room())
    cool.world.run_for(300)
    assert not cool.state.derated


def test_soft_off_at_timestamp_then_soft_on() -> None:
    """softoff,1:<ts> idles at ts (standby power, fans stopped); softon brings full power back."""
    h = _heater("q", room=_warm_room())
    now = h.now()
    h.schedule_soft_off(now + 5)
    h.world.run_for(3)
    assert not h.state.soft_off
    assert h.state.power_w > 700.0
    h.world.run_for(60)
    st = h.state
    assert st.soft_off
    assert st.soft_off_time_s == now + 5
    assert st.power_w == pytest.approx(h.profile.standby_power_w, abs=1.0)
    assert st.hashrate_ghs == 0.0
    assert st.fan_rpm == 0
    h.schedule_soft_on(h.now() + 5)
    h.world.run_for(600)
    assert not h.state.soft_off
    assert st.soft_on_time_s > st.soft_off_time_s
    assert st.power_w == pytest.approx(800.0, rel=0.01)


def test_mini3_room_cutoff_in_heating_mode_only() -> None:
    """Mini 3 Heating idles above limittemp and restarts below limit-1; Mining ignores it."""
    h = _heater("mini3", room=Room.preset("small", air_c=17.0))
    super_index = next(i for i, m in enumerate(h.profile.modes) if m.name == "Heating Super")
    h.set_mode(super_index)
    h.state.room_limit_c = 19.0
    h.world.run_for(3600)
    assert h.state.room_cutoff_active or h.room.air_c <= 19.0
    states = set()
    top = 0.0
    for _ in range(6 * 60):
        h.world.run_for(60)
        states.add(h.state.room_cutoff_active)
        top = max(top, h.room.air_c)
    assert states == {True, False}
    assert top < 19.5
    mining = next(i for i, m in enumerate(h.profile.modes) if m.name == "Mining")
    h.state.calibrating_until_s = 0.0
    h.set_mode(mining)
    h.world.run_for(3600)
    assert not h.state.room_cutoff_active
    assert h.room.air_c > 19.5
    assert h.state.power_w == pytest.approx(830.0, rel=0.01)  # Mining at the wall (824-839 W)


def test_energy_and_expected_sats_accumulate() -> None:
    """One day of a Nano 3S High: 3.36 kWh and ≈ 254·1.1·0.98 expected sats (6.6 TH/s)."""
    h = _heater("nano3s", room=_warm_room())
    h.world.run_for(86_400)
    assert h.state.energy_kwh == pytest.approx(3.36, rel=0.005)
    assert h.state.expected_sats == pytest.approx(254.0 * 1.1 * 0.98, rel=0.01)
    assert h.state.total_mh == pytest.approx(6.6e6 * 86_400, rel=0.01)


def test_share_count_matches_poisson_rate() -> None:
    """Over two days accepted shares match H·t/(d·2^32) within 2 %."""
    h = _heater("nano3s", room=_warm_room())
    h.world.run_for(2 * 86_400)
    d = h.world.market.share_difficulty
    expected = h.state.total_mh * 1e6 / (d * HASHES_PER_DIFF1)
    pool = h.state.pools[0]
    assert pool.accepted + pool.rejected == pytest.approx(expected, rel=0.02)
    assert pool.accepted == h.physics.shares_total
    # About 0.22 % rejected, as in the Q capture (≈ 130 of 59,000 here).
    assert 70 <= pool.rejected <= 200
    assert pool.diff_rejected == pool.rejected * d
    assert pool.diff_accepted == pytest.approx(pool.accepted * d)
    assert pool.last_share_difficulty == d
    # Arrivals fall anywhere in a step, not on the grid.
    assert pool.last_share_time != math.floor(pool.last_share_time)
    n = pool.accepted
    assert n * d / 20 < h.state.best_share < n * d * 1000
    assert pool.best_share == h.state.best_share


def test_many_shares_per_step_at_low_difficulty() -> None:
    """Arrival times are sampled, so a step can hold dozens of shares (not one coin flip)."""
    h = _heater("q", room=_warm_room())
    h.world.market.share_difficulty = 64.0
    h.world.run_for(600)
    rate = 54e12 / (64.0 * HASHES_PER_DIFF1)  # Q Eco, q_stats.json
    assert rate > 100
    pool = h.state.pools[0]
    assert pool.accepted + pool.rejected == pytest.approx(rate * 600, rel=0.02)


def test_solo_blocks_follow_network_difficulty() -> None:
    """A share whose difficulty reaches the network's is a block: ≈ shares·d/D of them."""
    h = _heater("q", room=_warm_room())
    h.world.market.difficulty = h.world.market.share_difficulty * 50
    h.world.run_for(6 * 3600)
    pool = h.state.pools[0]
    shares = pool.accepted + pool.rejected
    assert h.state.found_blocks == pytest.approx(shares / 50, rel=0.1)


def test_step_heater_uses_room_air_as_inlet() -> None:
    """step_heater advances one heater with its room's air as the inlet."""
    h = _heater("nano3s", room=Room.preset("medium", air_c=25.0))
    p = step_heater(h, 1.0, h.world.time_s)
    assert p == h.state.power_w
    assert h.state.inlet_temp_c == 25.0
