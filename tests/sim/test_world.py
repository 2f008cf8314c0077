"""World: a fixed 1 s grid up to clock.now(), independent of polling; shared and separate rooms."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from firmware_sim.clock import ScaledClock, VirtualClock
from firmware_sim.device import create_heater
from firmware_sim.record import COLUMNS, Recorder
from firmware_sim.room import Room
from firmware_sim.world import World


def _snapshot(world: World) -> list[tuple[float, ...]]:
    rows: list[tuple[float, ...]] = []
    for h in world.heaters:
        st = h.state
        rows.append(
            (
                st.power_w,
                st.hashrate_ghs,
                st.chip_temp_max_c,
                st.fan_percent,
                st.energy_kwh,
                st.expected_sats,
                float(h.physics.shares_total),
                float(st.best_share),
                h.room.air_c,
                h.room.mass_c,
            )
        )
    return rows


def _world(seed: int) -> World:
    world = World(VirtualClock(), seed)
    create_heater("nano3s", world=world)
    create_heater("q", world=world, index=1)
    return world


def test_polling_pattern_does_not_change_results() -> None:
    """One big sync and thousands of irregular small ones end in the identical state."""
    one_go = _world(5)
    one_go.run_for(3 * 3600)
    polled = _world(5)
    rng = random.Random(99)
    clock = polled.clock
    assert isinstance(clock, VirtualClock)
    end = clock.now() + 3 * 3600
    while clock.now() < end:
        clock.advance(min(rng.choice([0.13, 0.5, 0.99, 1.0, 2.7, 31.0]), end - clock.now()))
        polled.sync()
    assert polled.time_s == one_go.time_s
    assert _snapshot(polled) == _snapshot(one_go)


def test_grid_is_whole_seconds() -> None:
    """sync() only runs whole steps: 0.9 s moves nothing, the next 0.1 s runs one step."""
    world = _world(0)
    start = world.time_s
    assert isinstance(world.clock, VirtualClock)
    world.clock.advance(0.9)
    world.sync()
    assert world.time_s == start
    world.clock.advance(0.1)
    world.sync()
    assert world.time_s == start + 1
    assert world.heaters[0].state.last_step_s == start + 1


def test_heaters_sharing_a_room_add_their_power() -> None:
    """Two heaters in one room warm it more than one; the room sees the sum of their power."""
    shared_world = World(VirtualClock(), 1)
    shared = Room.preset("small", air_c=18.0)
    a = create_heater("nano3s", world=shared_world, room=shared)
    b = create_heater("nano3s", world=shared_world, room=shared, index=1)
    assert shared_world.heaters_in(shared) == [a, b]
    assert shared_world.rooms == [shared]
    alone = create_heater("nano3s", seed=1, room=Room.preset("small", air_c=18.0))
    shared_world.run_for(4 * 3600)
    alone.world.run_for(4 * 3600)
    assert shared.air_c > alone.room.air_c + 1.5
    # Same power into the same room from the same start: a reference room fed 2x the power.
    reference = Room.preset("small", air_c=18.0)
    ref_world = World(VirtualClock(), 1)
    for k in range(4 * 3600):
        t = ref_world.time_s + k
        reference.step(1.0, 2 * 140.0, ref_world.outdoor.temp_c(t))
    assert shared.air_c == pytest.approx(reference.air_c, abs=0.1)


def test_rooms_are_independent() -> None:
    """A heater warms its own room only."""
    world = World(VirtualClock(), 0)
    warm = create_heater("mini3", world=world, room=Room.preset("medium", air_c=16.0))
    cold_room = world.add_room(Room.preset("medium", air_c=16.0))
    world.run_for(3600)
    assert warm.room.air_c > 18.0
    assert cold_room.air_c < 16.0


def test_observers_fire_on_exact_multiples() -> None:
    """An observer with a 60 s interval sees every multiple of 60 exactly once."""
    world = _world(0)
    seen: list[float] = []
    world.add_observer(seen.append, 60)
    assert isinstance(world.clock, VirtualClock)
    for _ in range(100):
        world.clock.advance(7.3)
        world.sync()
    assert seen
    assert all(t % 60 == 0 for t in seen)
    assert [b - a for a, b in itertools.pairwise(seen)] == [60.0] * (len(seen) - 1)
    assert seen[-1] <= world.time_s < seen[-1] + 60
    world.remove_observer(seen.append)
    count = len(seen)
    world.run_for(600)
    assert len(seen) == count
    with pytest.raises(ValueError, match="whole number"):
        world.add_observer(seen.append, 0.5)


def test_market_changes_apply_at_next_sync() -> None:
    """Halving the subsidy halves the rate at which expected sats accrue."""
    world = World(VirtualClock(), 0)
    h = create_heater("nano3s", world=world, room=Room.preset("medium", air_c=20.0))
    world.market.fees_btc = 0.0
    world.run_for(3600)
    first = h.state.expected_sats
    world.market.subsidy_btc /= 2
    world.run_for(3600)
    assert h.state.expected_sats - first == pytest.approx(first / 2, rel=0.02)


def test_run_for_needs_a_virtual_clock() -> None:
    """run_for refuses a wall-time clock; sync still works with it."""
    world = World(ScaledClock(speed=1.0, start_s=1_764_547_200.0), 0)
    with pytest.raises(TypeError):
        world.run_for(10)
    world.sync()


def _record_run(tmp_path: Path, seed: int, name: str) -> bytes:
    world = World(VirtualClock(), seed)
    heater = create_heater("nano3s", world=world)
    path = tmp_path / name
    with Recorder(heater, path, interval_s=60):
        world.run_for(6 * 3600)
    return path.read_bytes()


def test_same_seed_identical_csv_different_seed_differs(tmp_path: Path) -> None:
    """Recording: the same seed gives a byte-identical CSV; another seed a different one."""
    first = _record_run(tmp_path, 3, "a.csv")
    again = _record_run(tmp_path, 3, "b.csv")
    other = _record_run(tmp_path, 4, "c.csv")
    assert first == again
    assert first != other
    lines = first.decode().splitlines()
    assert lines[0].split(",") == list(COLUMNS)
    assert len(lines) == 1 + 6 * 60
    row = dict(zip(COLUMNS, lines[-1].split(","), strict=True))
    assert row["mode"] == "High"
    assert float(row["power_w"]) == pytest.approx(140.0, rel=0.01)
    assert float(row["energy_kwh"]) == pytest.approx(0.84, rel=0.01)
    assert int(row["shares_accepted"]) > 0


def test_recorder_manual_samples_and_close(tmp_path: Path) -> None:
    """sample() writes the state the world reached; close() stops the grid samples."""
    world = World(VirtualClock(), 0)
    heater = create_heater("q", world=world)
    rec = Recorder(heater, tmp_path / "q.csv", interval_s=10)
    world.run_for(30)
    rec.sample()
    rec.close()
    world.run_for(30)
    rows = (tmp_path / "q.csv").read_text().splitlines()[1:]
    times = [int(r.split(",")[0]) for r in rows]
    assert times[-1] == times[-2] == world.time_s - 30
    assert len(rows) == 4


def test_a_request_advances_only_its_own_room() -> None:
    """sync_room steps one room and its heaters; the others wait (a poll is O(1) in the fleet)."""
    world = World(VirtualClock(), 2)
    heaters = [create_heater("nano3s", world=world, index=i) for i in range(50)]
    assert isinstance(world.clock, VirtualClock)
    world.clock.advance(120)
    heaters[7].handle(b'{"command":"summary"}')
    assert heaters[7].state.last_step_s == world.clock.now()
    stepped = [h for h in heaters if h.state.last_step_s == world.clock.now()]
    assert stepped == [heaters[7]]
    world.sync()
    assert all(h.state.last_step_s == world.clock.now() for h in heaters)


def test_rooms_synced_one_by_one_match_one_full_sync() -> None:
    """Rooms advanced lazily, in any order and pattern, end where one full sync ends."""
    one_go = World(VirtualClock(), 6)
    lazy = World(VirtualClock(), 6)
    for world in (one_go, lazy):
        for i, model in enumerate(["nano3s", "q", "mini3", "nano3"]):
            create_heater(model, world=world, index=i)
    one_go.run_for(2 * 3600)
    rng = random.Random(3)
    clock = lazy.clock
    assert isinstance(clock, VirtualClock)
    end = clock.now() + 2 * 3600
    while clock.now() < end:
        clock.advance(min(rng.choice([0.4, 1.0, 7.5, 61.0]), end - clock.now()))
        lazy.sync_room(rng.choice(lazy.rooms))
    lazy.sync()
    assert _snapshot(lazy) == _snapshot(one_go)


def test_observer_added_after_lazy_syncs_sees_every_room_level() -> None:
    """A room ahead of the others is caught up to before an observer starts counting."""
    world = World(VirtualClock(), 0)
    a = create_heater("nano3s", world=world, index=0)
    b = create_heater("nano3s", world=world, index=1)
    assert isinstance(world.clock, VirtualClock)
    world.clock.advance(90)
    world.sync_room(a.room)
    seen: list[tuple[float, float]] = []
    world.add_observer(lambda t: seen.append((t, b.state.last_step_s)), 60)
    assert b.state.last_step_s == a.state.last_step_s
    world.run_for(60)
    assert seen
    assert all(t == last for t, last in seen)


@pytest.mark.parametrize("heaters", [0, 1, 3])
def test_room_run_matches_step_by_step_exactly(heaters: int) -> None:
    """Room.run (the world's hot loop) gives the very floats of repeated Room.step calls."""
    fast, slow = Room.preset("small", air_c=17.0), Room.preset("small", air_c=17.0)
    outdoor = [-3.0 + 0.001 * k for k in range(5000)]

    def heater(k: int) -> Callable[[float, float, float], float]:
        def step(_dt_s: float, t: float, inlet_c: float) -> float:
            return 100.0 + 10 * k + (t % 7) - 0.5 * inlet_c

        return step

    powers = [heater(k) for k in range(heaters)]
    end = fast.run(powers, 1000.0, outdoor)
    t = 1000.0
    for out_c in outdoor:
        inlet = slow.air_c
        slow.step(1.0, sum(p(1.0, t, inlet) for p in powers), out_c)
        t += 1.0
    assert end == t
    assert (fast.air_c, fast.mass_c) == (slow.air_c, slow.mass_c)
