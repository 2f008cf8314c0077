"""The fleet's power over a window read alone (the fleet day's read) equals the full read's."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanoheater.history import HistoryStore, Sample, Window, rollup

NOW_S = 1_765_000_000.0


@pytest.mark.parametrize("window", [Window.M15, Window.H6, Window.H24, Window.D7])
def test_fleet_power_is_the_power_of_the_full_fleet_read(tmp_path: Path, window: Window) -> None:
    """Three devices, readings every 20 s for a day, one without power for an hour."""
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for index, device in enumerate(("a", "b", "c")):
            store.add_samples(
                Sample(
                    device,
                    NOW_S - 86_400 + t,
                    power_w=None if device == "c" and t < 3600 else 100.0 * (index + 1) + t % 7,
                    chip_temp_c=60.0,
                )
                for t in range(0, 86_400, 20)
            )
        full = store.fleet_window(window, NOW_S)
        power = store.fleet_power(window, NOW_S)
    expected = {
        device: [(s.ts_s, s.power_w) for s in samples if s.power_w is not None]
        for device, samples in full.items()
    }
    assert power.keys() == expected.keys() == {"a", "b", "c"}
    for device, points in expected.items():
        assert [ts for ts, _ in power[device]] == [ts for ts, _ in points]
        assert [v for _, v in power[device]] == pytest.approx([v for _, v in points], rel=1e-9)


def test_only_sample_fields_are_read(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store, pytest.raises(ValueError):
        rollup.read_field(store._db, 60, "power_w FROM rollups; --", 0.0, NOW_S)
