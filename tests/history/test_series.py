"""The history's chart reads: windows at their resolution, bounded, over a real SQLite file."""

from __future__ import annotations

import itertools
import math
import sqlite3
import time
from pathlib import Path

import pytest

from nanoheater.economics.market import MarketSettings, offline_market
from nanoheater.economics.tariff import Tariff
from nanoheater.history import DeviceEvent, HistoryStore, Sample, StoredDecision, Window, schema
from nanoheater.history.series import ZONE_HOLD_S, window_since

NOW_S = 1_767_268_800.0  # 2026-01-01 12:00 UTC
DAY_S = 86_400


def overnight_c(ts_s: float) -> float:
    """A room that cools to 18 °C at 04:00 UTC and warms to 22 °C at 16:00 UTC, daily."""
    return 20.0 + 2.0 * math.sin(2 * math.pi * ((ts_s % DAY_S) / DAY_S - 10 / 24))


def seed(store: HistoryStore, *, days: float = 7, step_s: float = 20) -> None:
    """Raw samples every ``step_s`` for ``days`` to NOW_S, then the retention policy applied."""
    count = int(days * DAY_S / step_s)
    samples = (
        Sample(
            "nano",
            NOW_S - days * DAY_S + i * step_s,
            power_w=140.0,
            hashrate_ths=6.0,
            room_temp_c=overnight_c(NOW_S - days * DAY_S + i * step_s),
            mode="High" if i * step_s < (days - 1) * DAY_S else "Low",
        )
        for i in range(count)
    )
    store.add_samples(samples)
    store.compact(NOW_S)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> HistoryStore:
    store = HistoryStore.open(tmp_path_factory.mktemp("series") / "history.sqlite3")
    seed(store)
    return store


@pytest.mark.parametrize("window", list(Window))
def test_window_points_are_bounded_and_at_its_resolution(
    seeded: HistoryStore, window: Window
) -> None:
    series = seeded.window("nano", window, NOW_S)
    assert series.since_s == window_since(window, NOW_S)
    assert 0 < len(series.samples) <= window.span_s // window.bucket_s + 1
    assert all(s.resolution_s == window.bucket_s for s in series.samples)
    assert all(series.since_s <= s.ts_s < NOW_S for s in series.samples)
    assert [s.ts_s for s in series.samples] == sorted({s.ts_s for s in series.samples})
    assert all(s.power_w == pytest.approx(140.0) for s in series.samples)


def test_week_read_mixes_resolutions_into_hourly_means(seeded: HistoryStore) -> None:
    """Over 7 days the rows are hourly means (older), minute means and raw (last day)."""
    resolutions = {s.resolution_s for s in seeded.samples_since("nano", 0)}
    assert resolutions == {0, 60}  # default policy: raw 24 h, minute means 30 days
    series = seeded.window("nano", Window.D7, NOW_S)
    assert len(series.samples) == 7 * 24
    # Each hourly point is the mean of its hour's curve, whatever rows it came from.
    for point in series.samples:
        expected = sum(overnight_c(point.ts_s + s) for s in range(0, 3600, 20)) / 180
        assert point.room_temp_c == pytest.approx(expected, abs=1e-6)
        assert point.count == 180


def test_overnight_low_is_where_the_curve_puts_it(seeded: HistoryStore) -> None:
    series = seeded.window("nano", Window.H24, NOW_S)
    coldest = min(series.samples, key=lambda s: s.room_temp_c or 99.0)
    assert time.gmtime(coldest.ts_s).tm_hour == 4
    assert coldest.room_temp_c == pytest.approx(18.0, abs=0.01)


def test_mode_change_is_marked(seeded: HistoryStore) -> None:
    marks = seeded.window("nano", Window.D7, NOW_S).marks
    assert [(m.kind, m.text) for m in marks] == [("mode", "High → Low")]
    assert marks[0].ts_s == NOW_S - DAY_S


def test_faults_and_setpoint_changes(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.add_samples(Sample("nano", NOW_S - 600 + i, power_w=140.0) for i in range(600))
        store.add_event(DeviceEvent(NOW_S - 300, "nano", "offline", "timed out"))
        store.add_event(DeviceEvent(NOW_S - 200, "nano", "command", "set mode: done"))
        store.add_event(DeviceEvent(NOW_S - 100, "other", "offline", "not this one"))
        # Before the window: 20 °C in force when it opens; inside: repeats collapse to changes.
        store.add_decision(StoredDecision(NOW_S - 1200, "nano", "High", "cold", 20.0))
        for offset, setpoint in ((-500, 20.0), (-400, 21.5), (-390, 21.5), (-100, None)):
            store.add_decision(StoredDecision(NOW_S + offset, "nano", "High", "r", setpoint))
        series = store.window("nano", Window.M15, NOW_S)
    assert [(m.kind, m.text) for m in series.marks] == [("fault", "offline: timed out")]
    assert series.setpoints == (
        (series.since_s, 20.0),
        (NOW_S - 400, 21.5),
        (NOW_S - 100, None),
    )
    assert len(series.samples) == 600


def test_fleet_window_per_device(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for n, device in enumerate(("a", "b", "c")):
            store.add_samples(
                Sample(device, NOW_S - 3 * 3600 + i * 30, power_w=100.0 * (n + 1))
                for i in range(360)
            )
        fleet = store.fleet_window(Window.H24, NOW_S)
    assert sorted(fleet) == ["a", "b", "c"]
    assert all(len(points) == 180 for points in fleet.values())
    assert {p.power_w for p in fleet["c"]} == {300.0}


@pytest.mark.parametrize("window", [Window.M15, Window.H6])
def test_zone_power_is_the_sum_of_devices_polled_at_different_seconds(
    tmp_path: Path, window: Window
) -> None:
    """Two heaters read 2.3 s apart every 5 s: the zone draws 150 W throughout, in every window.

    Per second (15 min), each second holds one device's reading only; the other's last reading
    (under ``ZONE_HOLD_S`` old) still counts, else the zone would swing between 100 W and 50 W.
    """
    now = time.time()  # the raw rows of the last 15 minutes stay (compaction uses the wall clock)
    start = now - 600
    readings = (("a", 0.0, 100.0, 20.0), ("b", 2.3, 50.0, 21.0))
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.add_samples(
            Sample(device, start + 5 * i + offset_s, power_w=power_w, room_temp_c=room_c)
            for device, offset_s, power_w, room_c in readings
            for i in range(120)
        )
        zone = store.zone_window("living", ["a", "b"], window, now)
    both = [s for s in zone.samples if s.ts_s >= start + 3]  # b's first reading is at +2.3 s
    assert len(both) >= 9
    assert {s.power_w for s in both} == {150.0}
    assert {s.room_temp_c for s in both} == {20.5}
    if window is Window.M15:
        assert zone.samples[0].power_w == 100.0  # before b's first reading: a alone
    assert {s.resolution_s for s in zone.samples} == {window.bucket_s}


def test_a_silent_device_stops_counting_in_the_zone_after_the_hold(tmp_path: Path) -> None:
    now = time.time()
    start = now - 600
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.add_samples(Sample("a", start + 5 * i, power_w=100.0) for i in range(120))
        store.add_samples(Sample("b", start + 5 * i + 2.0, power_w=50.0) for i in range(12))
        zone = store.zone_window("living", ["a", "b"], Window.M15, now)
    last_b = start + 55 + 2.0
    held = {s.power_w for s in zone.samples if last_b < s.ts_s <= last_b + ZONE_HOLD_S}
    after = {s.power_w for s in zone.samples if s.ts_s > last_b + ZONE_HOLD_S}
    assert held == {150.0}
    assert after == {100.0}


def test_days_sum_the_ledger_per_local_day_with_empty_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")  # days are local: not UTC, to show it
    time.tzset()
    market = offline_market(MarketSettings(pool_fee=0.0), None)
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        # Two running days three days apart: 140 W for 2 h each.
        for day in (3, 0):
            start = NOW_S - day * DAY_S - 3 * 3600
            for i in range(0, 7201, 60):
                store.record(
                    Sample("nano", start + i, power_w=140.0),
                    market=market,
                    tariff=Tariff(price_fiat_per_kwh=0.3),
                )
        days = store.days(None, 7, NOW_S)
    assert len(days) == 7
    assert [d.since_s for d in days] == sorted(d.since_s for d in days)
    assert all(b.since_s == a.until_s for a, b in itertools.pairwise(days))
    heat = [round(d.heat_kwh, 3) for d in days]
    assert heat[-1] == heat[-4] == pytest.approx(0.28, abs=0.001)
    assert sum(heat) == pytest.approx(0.56, abs=0.002)
    assert days[-1].cost_fiat == pytest.approx(0.28 * 0.3, rel=1e-3)
    assert days[0].hours == 0
    assert days[0].currency is None
    assert time.localtime(days[-1].since_s)[3:6] == (0, 0, 0)
    monkeypatch.undo()
    time.tzset()


def test_version_1_file_gains_setpoints_and_keeps_decisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        db = schema.open_database(path).connection
        db.execute(
            "INSERT INTO decisions (ts_s, device, action, reason) VALUES (1, 'nano', 'Low', 'x')"
        )
        db.close()
    with HistoryStore.open(path) as store:
        store.add_decision(StoredDecision(2.0, "nano", "High", "y", 21.0))
        assert [(d.action, d.setpoint_c) for d in store.decisions_since(0)] == [
            ("Low", None),
            ("High", 21.0),
        ]
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == schema.schema_version()
