"""Room (2R2C) and outdoor weather: steady state, warm-up shape, presets, daily sine."""

from __future__ import annotations

import pytest

from firmware_sim.room import PRESETS, Outdoor, Room


def _run(room: Room, seconds: int, power_w: float, outdoor_c: float, dt_s: float = 1.0) -> None:
    for _ in range(int(seconds / dt_s)):
        room.step(dt_s, power_w, outdoor_c)


def test_medium_defaults_match_physics_md() -> None:
    """The default room is docs/physics.md §6.1: UA 20 W/K (13/7), H_am 185, C_a 150k, C_m 3.3M."""
    p = Room().params
    assert p.ua_w_per_k == pytest.approx(20.0, rel=0.02)
    assert (p.h_ao_w_per_k, p.h_mo_w_per_k, p.h_am_w_per_k) == (13.0, 7.0, 185.0)
    assert (p.c_a_j_per_k, p.c_m_j_per_k) == (150_000.0, 3_300_000.0)
    assert PRESETS["small"].ua_w_per_k == pytest.approx(10.0, rel=0.02)
    assert PRESETS["medium-older"].ua_w_per_k == pytest.approx(33.5, rel=0.02)


@pytest.mark.parametrize(("preset", "power_w"), [("medium", 800.0), ("small", 140.0)])
def test_steady_state_is_outdoor_plus_p_over_ua(preset: str, power_w: float) -> None:
    """After many slow time constants the air sits at T_o + P/UA."""
    room = Room.preset(preset)
    _run(room, 60 * 86_400, power_w, 0.0, dt_s=60.0)
    expected = 0.0 + power_w / room.params.ua_w_per_k
    assert room.air_c == pytest.approx(expected, abs=0.05)
    assert room.steady_state_c(power_w, 0.0) == pytest.approx(expected)


def test_warm_up_fast_then_slow() -> None:
    """800 W from 16 °C: the fast mode adds ≈ 4 K within ~30 min, 20.5 °C after ≈ 5.4 h."""
    heated, cold = Room(), Room()
    outdoor = Outdoor()
    t0 = 1_764_547_200.0
    for k in range(1800):
        heated.step(1.0, 800.0, outdoor.temp_c(t0 + k))
        cold.step(1.0, 0.0, outdoor.temp_c(t0 + k))
    # docs/physics.md §2.2: 800 / (185 + 13) ≈ 4 K; after 30 min (≈ 2.4 fast time constants) the
    # heated room is ≈ 3.7 K above the same room unheated.
    fast_lift = heated.air_c - cold.air_c
    assert 3.4 <= fast_lift <= 4.1
    rise_30min = heated.air_c - 16.0
    reached_s = None
    for k in range(1800, 12 * 3600):
        heated.step(1.0, 800.0, outdoor.temp_c(t0 + k))
        if heated.air_c >= 20.5:
            reached_s = k
            break
    assert reached_s is not None
    # Power-limited: the mass soaks heat, so 20.5 °C takes ≈ 5.4 h (docs/physics.md §2.2, §2.5).
    assert 5.0 * 3600 <= reached_s <= 5.9 * 3600
    assert heated.air_c - 16.0 < 2.0 * rise_30min
    assert heated.mass_c > 16.0


def test_outdoor_daily_sine_minimum_at_five() -> None:
    """Outdoor minimum at 05:00 local, maximum at 17:00, ±amplitude around the mean."""
    out = Outdoor(mean_c=2.0, amplitude_k=4.0, utc_offset_s=3600.0)
    midnight_utc = 1_764_547_200.0
    five_local = midnight_utc + 4 * 3600
    assert out.temp_c(five_local) == pytest.approx(-2.0)
    assert out.temp_c(five_local + 12 * 3600) == pytest.approx(6.0)
    assert out.temp_c(five_local + 6 * 3600) == pytest.approx(2.0, abs=1e-9)


def test_outdoor_override_wins() -> None:
    """The control endpoint's override replaces the sine until cleared."""
    out = Outdoor()
    out.override_c = -10.0
    assert out.temp_c(0.0) == -10.0
    out.override_c = None
    assert out.temp_c(5 * 3600.0) == pytest.approx(-4.0)


def test_thermometer_reads_air() -> None:
    """The virtual room thermometer reports the air node."""
    room = Room(air_c=19.0, mass_c=15.0)
    assert room.thermometer_c == 19.0
    room.step(1.0, 0.0, 0.0)
    assert room.thermometer_c == room.air_c


def test_unknown_preset() -> None:
    """An unknown preset name fails loudly."""
    with pytest.raises(KeyError):
        Room.preset("castle")
