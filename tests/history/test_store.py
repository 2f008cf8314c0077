"""History store: samples, ledger accrual, totals, queries, periods and retention."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim.server import SimServer
from nanoheater.client import HeaterClient
from nanoheater.config import HistorySettings
from nanoheater.economics.market import MarketSettings, offline_market
from nanoheater.economics.tariff import Tariff, TouPeriod
from nanoheater.history import (
    AsyncHistoryStore,
    DeviceEvent,
    HistoryStore,
    Period,
    RetentionPolicy,
    Sample,
    StoredDecision,
    accrue,
    period_start,
    schema_version,
)

MARKET = offline_market(MarketSettings(pool_fee=0.0), None)  # D 150 T, $100k, 0.03 BTC fees
FLAT = Tariff(price_fiat_per_kwh=0.17)
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC).timestamp()  # Monday 10:00 UTC
SATS_PER_DAY_6THS = 253.93  # docs/physics.md §3.4, Nano 3S High


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    # Compaction runs on the store's (local) clock: pinned to the tests' "now".
    with HistoryStore.open(tmp_path / "history.sqlite3", clock=lambda: T0) as opened:
        yield opened


def _nano(
    ts_s: float, power_w: float | None = 140.0, hashrate_ths: float = 6.0, **kw: Any
) -> Sample:
    return Sample(device="nano", ts_s=ts_s, power_w=power_w, hashrate_ths=hashrate_ths, **kw)


def test_new_database_is_wal_and_current(store: HistoryStore) -> None:
    """A fresh file is in WAL mode at the current schema version, with synchronous NORMAL."""
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema_version() >= 1
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    db.close()
    assert store.notice is None


def test_samples_round_trip_in_time_order(store: HistoryStore) -> None:
    """Samples come back oldest first, within [since, until), with every field."""
    store.add_samples([_nano(T0 + 20, mode="High", chip_temp_c=70.0), _nano(T0), _nano(T0 + 10)])
    got = store.samples_since("nano", T0, T0 + 20)
    assert [s.ts_s for s in got] == [T0, T0 + 10]
    assert store.samples_since("nano", T0 + 15)[0] == _nano(T0 + 20, mode="High", chip_temp_c=70.0)
    assert store.samples_since("other", 0) == []


def test_record_accrues_energy_sats_and_cost(store: HistoryStore) -> None:
    """One minute of a Nano 3S High: 140 W · 60 s of heat, 1/1440 of 254 sats, cost at $0.17."""
    assert store.record(_nano(T0), market=MARKET, tariff=FLAT) == []
    (entry,) = store.record(_nano(T0 + 60), market=MARKET, tariff=FLAT, host="10.0.0.7", port=4028)
    kwh = 140 * 60 / 3.6e6
    assert entry.energy_kwh == pytest.approx(kwh)
    assert entry.heat_kwh == pytest.approx(kwh)
    assert entry.expected_sats == pytest.approx(SATS_PER_DAY_6THS / 1440, rel=1e-3)
    assert entry.cost_fiat == pytest.approx(kwh * 0.17)
    assert entry.revenue_fiat == pytest.approx(entry.expected_sats * 100_000 / 1e8)
    assert store.ledger_hours("nano", T0) == [entry]


def test_a_full_day_matches_the_worked_example(store: HistoryStore) -> None:
    """24 h of samples every 10 s add up to 3.36 kWh, ≈ 254 sats and 3.36 · 0.17 of power."""
    for step in range(0, 8641):
        store.record(_nano(T0 + 10 * step), market=MARKET, tariff=FLAT)
    totals = store.totals("nano", T0, T0 + 86_400)
    assert totals.hours == 24
    assert totals.seconds == pytest.approx(86_400)
    assert totals.heat_kwh == pytest.approx(3.36)
    assert round(totals.expected_sats) == 254
    assert totals.cost_fiat == pytest.approx(3.36 * 0.17)
    assert totals.currency == "USD"
    assert totals.net_cost_fiat_per_kwh_heat == pytest.approx(0.17 - 0.0756, abs=1e-4)


def test_interval_is_split_at_the_hour(store: HistoryStore) -> None:
    """Samples at 10:59:30 and 11:00:30 credit 30 s to each hour, at each hour's price."""
    peak = Tariff(
        price_fiat_per_kwh=0.1,
        periods=(TouPeriod(start_hour=11, end_hour=12, price_fiat_per_kwh=0.5),),
        timezone="UTC",
    )
    store.record(_nano(T0 + 3570), market=MARKET, tariff=peak)
    first, second = store.record(_nano(T0 + 3630), market=MARKET, tariff=peak)
    assert (first.hour_s, second.hour_s) == (T0, T0 + 3600)
    assert first.seconds == second.seconds == 30
    assert second.cost_fiat == pytest.approx(5 * first.cost_fiat)


def test_gaps_are_not_guessed(store: HistoryStore) -> None:
    """Ten minutes without a sample accrue nothing; a missing power reading borrows a neighbour."""
    store.record(_nano(T0), market=MARKET, tariff=FLAT)
    assert store.record(_nano(T0 + 600), market=MARKET, tariff=FLAT) == []
    (entry,) = accrue(_nano(T0), _nano(T0 + 10, power_w=None), market=MARKET, tariff=FLAT)
    assert entry.energy_kwh == pytest.approx(140 * 10 / 3.6e6)


def test_mismatched_currencies_are_refused() -> None:
    """Revenue in USD is never subtracted from a cost in EUR."""
    with pytest.raises(ValueError, match="EUR"):
        accrue(_nano(T0), _nano(T0 + 10), market=MARKET, tariff=Tariff(currency="EUR"))


def test_ledger_continues_after_reopening(tmp_path: Path) -> None:
    """A new process picks up the interval since the last stored sample."""
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path, clock=lambda: T0) as first:
        first.record(_nano(T0), market=MARKET, tariff=FLAT)
    with HistoryStore.open(path, clock=lambda: T0) as second:
        (entry,) = second.record(_nano(T0 + 30), market=MARKET, tariff=FLAT)
        assert entry.seconds == 30


def test_resolve_by_host_port_or_key(store: HistoryStore) -> None:
    """``history HOST`` finds a device by its key, its host, or host:port."""
    store.record(_nano(T0), market=MARKET, tariff=FLAT, host="10.0.0.7", port=4029, model="nano3s")
    assert store.resolve("nano") == "nano"
    assert store.resolve("10.0.0.7") == "nano"
    assert store.resolve("10.0.0.7:4029") == "nano"
    assert store.resolve("10.0.0.7:4028") is None
    assert store.resolve("10.0.0.8") is None
    (known,) = store.devices()
    assert (known.host, known.port, known.model) == ("10.0.0.7", 4029, "nano3s")
    store.register_device("aa:bb:cc:dd:ee:ff", T0, host="::1", port=4028, model=None)
    assert store.resolve("[::1]:4028") == "aa:bb:cc:dd:ee:ff"
    assert store.resolve("::1") == "aa:bb:cc:dd:ee:ff"
    assert store.resolve("aa:bb:cc:dd:ee:ff") == "aa:bb:cc:dd:ee:ff"


def test_totals_across_devices_and_periods(store: HistoryStore) -> None:
    """Totals filter by device and by hour; None sums every device."""
    other = Sample(device="mini", ts_s=T0, power_w=800.0, hashrate_ths=37.5)
    store.record(_nano(T0), market=MARKET, tariff=FLAT)
    store.record(_nano(T0 + 60), market=MARKET, tariff=FLAT)
    store.record(other, market=MARKET, tariff=FLAT)
    store.record(Sample("mini", T0 + 60, 800.0, 37.5), market=MARKET, tariff=FLAT)
    both = store.totals(None, T0, T0 + 3600)
    nano = store.totals("nano", T0, T0 + 3600)
    assert both.energy_kwh == pytest.approx((140 + 800) * 60 / 3.6e6)
    assert nano.energy_kwh == pytest.approx(140 * 60 / 3.6e6)
    assert store.totals(None, T0 + 3600, T0 + 7200).energy_kwh == 0
    assert store.totals(None, T0 + 3600, T0 + 7200).currency is None


def test_decisions_and_events(store: HistoryStore) -> None:
    """Decisions and events come back in order, optionally per device."""
    store.add_decision(StoredDecision(T0, "nano", "set_mode Low", "room 21.4 °C above 21.3"))
    store.add_decision(StoredDecision(T0 + 1, "mini", "soft_off", "quiet hours"))
    store.add_event(DeviceEvent(T0 + 2, "nano", "offline", "timeout"))
    assert [d.action for d in store.decisions_since(T0)] == ["set_mode Low", "soft_off"]
    assert store.decisions_since(T0, "mini") == [
        StoredDecision(T0 + 1, "mini", "soft_off", "quiet hours")
    ]
    assert store.events_since(T0 + 3) == []
    assert store.events_since(T0)[0].kind == "offline"


def test_compaction_downsamples_with_age(store: HistoryStore) -> None:
    """Raw rows older than 24 h become 1-minute means; recent rows stay raw."""
    old = T0 - 2 * 86_400
    store.add_samples(
        [
            _nano(old, power_w=100.0, mode="Low"),
            _nano(old + 20, power_w=140.0, chip_temp_c=70.0, mode="High"),
            _nano(old + 40, power_w=180.0, mode="Mid"),
            _nano(old + 60, power_w=70.0),
        ]
    )
    store.add_sample(_nano(T0 - 60))
    report = store.compact(T0)
    assert report.raw_folded == 4
    first, second, recent = store.samples_since("nano", 0)
    assert (first.resolution_s, first.count, first.ts_s) == (60, 3, old)
    assert first.power_w == pytest.approx(140.0)
    assert first.chip_temp_c == pytest.approx(70.0)  # missing readings do not pull the mean down
    assert first.mode == "Mid"  # the bucket's last mode
    assert (second.power_w, second.count) == (70.0, 1)
    assert recent.resolution_s == 0
    again = store.compact(T0)
    assert (again.raw_folded, again.minutes_folded) == (0, 0)


def test_minutes_become_hours_and_hours_expire(store: HistoryStore) -> None:
    """1-minute means older than 30 days fold into hourly means; hourly rows expire if asked."""
    very_old = T0 - 40 * 86_400
    store.add_samples([_nano(very_old + 10 * i, power_w=float(i)) for i in range(360)])
    store.compact(T0)
    (hour,) = store.samples_since("nano", 0, T0 - 86_400)
    assert (hour.resolution_s, hour.count) == (3600, 360)
    assert hour.power_w == pytest.approx(sum(range(360)) / 360)
    report = store.compact(T0, RetentionPolicy(hourly_means_s=35 * 86_400))
    assert report.hours_dropped == 1
    assert store.samples_since("nano", 0) == []


def test_late_sample_merges_into_an_existing_bucket(store: HistoryStore) -> None:
    """A raw sample arriving after its minute was folded is merged by weighted mean."""
    old = T0 - 3 * 86_400
    store.add_samples([_nano(old, power_w=100.0), _nano(old + 10, power_w=100.0)])
    store.compact(T0)
    store.add_sample(_nano(old + 20, power_w=160.0))
    store.compact(T0)
    (merged,) = store.samples_since("nano", 0)
    assert merged.count == 3
    assert merged.power_w == pytest.approx(120.0)


def test_events_expire_but_ledger_stays(store: HistoryStore) -> None:
    """Decisions and events past their retention go; ledger hours are kept."""
    old = T0 - 400 * 86_400
    store.add_decision(StoredDecision(old, "nano", "x", "y"))
    store.add_event(DeviceEvent(old, "nano", "offline", ""))
    store.record(_nano(old), market=MARKET, tariff=FLAT)
    store.record(_nano(old + 10), market=MARKET, tariff=FLAT)  # compacts (local clock: T0)
    store.compact(T0)
    assert store.events_since(0.0) == []
    assert store.decisions_since(0.0) == []
    assert store.ledger_hours("nano", 0) != []


def test_period_starts() -> None:
    """Today starts at midnight, the week on Monday, the season on its MM-DD (or a year earlier)."""
    now = datetime(2026, 1, 7, 15, 30, tzinfo=UTC).timestamp()  # a Wednesday
    day = datetime(2026, 1, 7, tzinfo=UTC).timestamp()
    assert period_start(Period.TODAY, now, zone=UTC) == day
    assert period_start("week", now, zone=UTC) == day - 2 * 86_400
    season = period_start("season", now, season_start="09-01", zone=UTC)
    assert season == datetime(2025, 9, 1, tzinfo=UTC).timestamp()
    assert period_start("season", now, season_start="01-02", zone=UTC) == day - 5 * 86_400


async def test_async_store_runs_off_the_loop(tmp_path: Path) -> None:
    """The async wrapper writes and reads through its own thread."""
    store = await AsyncHistoryStore.open(tmp_path / "a.sqlite3")
    await store.call(lambda s: s.add_sample(_nano(T0)))
    got = await store.call(lambda s: s.samples_since("nano", 0))
    await store.close()
    assert [s.power_w for s in got] == [140.0]


async def test_recording_a_simulated_heater(tmp_path: Path) -> None:
    """A status read from the simulator is keyed by the device identity and fills the ledger."""
    async with SimServer("nano3s", port=0) as sim:
        client = await HeaterClient.connect_tcp(sim.host, sim.port, timeout_s=2.0)
        async with client:
            status = await client.get_status()
    with HistoryStore.open(tmp_path / "h.sqlite3") as history:
        first = Sample.from_status(status, T0, room_temp_c=20.5)
        history.record(first, market=MARKET, tariff=FLAT, host=status.host, port=status.port)
        history.record(
            Sample.from_status(status, T0 + 60), market=MARKET, tariff=FLAT, host=status.host
        )
        assert first.device == status.info.identity != ""
        assert history.resolve(status.host) == first.device
        (stored, _) = history.samples_since(first.device, 0)
        assert (stored.power_w, stored.hashrate_ths, stored.mode) == (
            status.power_w,
            status.hashrate_ths,
            status.mode,
        )
        assert stored.room_temp_c == 20.5
        (entry,) = history.ledger_hours(first.device, 0)
        assert entry.energy_kwh == pytest.approx((status.power_w or 0) * 60 / 3.6e6)


@settings(max_examples=40, deadline=None)
@given(
    readings=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=50 * 86_400),
            st.one_of(st.none(), st.floats(min_value=0, max_value=2000)),
        ),
        min_size=1,
        max_size=60,
        unique_by=lambda r: r[0],
    ),
    runs=st.integers(min_value=1, max_value=3),
)
def test_compaction_never_loses_a_reading(
    readings: list[tuple[int, float | None]], runs: int
) -> None:
    """However often it runs, compaction keeps the number of readings and their power sum."""
    now = T0
    with tempfile.TemporaryDirectory() as folder, HistoryStore.open(Path(folder) / "h") as history:
        history.add_samples([_nano(now - age, power_w=p) for age, p in readings])
        for _ in range(runs):
            history.compact(now)
        rows = history.samples_since("nano", 0)
        assert sum(r.count for r in rows) == len(readings)
        powered = [p for _, p in readings if p is not None]
        stored = sum((r.power_w or 0.0) * r.count for r in rows if r.power_w is not None)
        if all(p is not None for _, p in readings):
            assert stored == pytest.approx(sum(powered), rel=1e-9, abs=1e-6)
        assert all(r.resolution_s == 0 for r in rows if r.ts_s >= now - 86_400)


def test_record_applies_retention_hourly(tmp_path: Path) -> None:
    """The writer compacts by itself: at the first record, then once per hour of local time."""
    policy = RetentionPolicy.from_settings(HistorySettings(full_resolution_h=1.0))
    now = [T0]
    with HistoryStore.open(tmp_path / "h.sqlite3", policy=policy, clock=lambda: now[0]) as history:
        history.add_samples([_nano(T0 - 7200), _nano(T0 - 7190)])
        history.record(_nano(T0), market=MARKET, tariff=FLAT)
        assert [s.resolution_s for s in history.samples_since("nano", 0)] == [60, 0]
        history.add_sample(_nano(T0 - 7000))
        now[0] = T0 + 10
        history.record(_nano(T0 + 10), market=MARKET, tariff=FLAT)
        assert [s.resolution_s for s in history.samples_since("nano", 0)] == [60, 0, 0, 0]
        now[0] = T0 + 3600
        history.record(_nano(T0 + 3600), market=MARKET, tariff=FLAT)
        assert [s.resolution_s for s in history.samples_since("nano", 0)] == [60, 60, 0, 0, 0]


def test_period_totals_today_week_season(store: HistoryStore) -> None:
    """Today, week and season totals include exactly the hours since each period began."""
    day = datetime(2026, 1, 7, tzinfo=UTC).timestamp()  # a Wednesday
    for start in (day - 3 * 86_400, day - 86_400, day + 3600):  # Sunday, Tuesday, today
        store.record(_nano(start), market=MARKET, tariff=FLAT)
        store.record(_nano(start + 60), market=MARKET, tariff=FLAT)
    now = day + 12 * 3600
    one = 140 * 60 / 3.6e6
    local_day = period_start("today", now)
    expected_today = sum(
        one for s in (day - 3 * 86_400, day - 86_400, day + 3600) if s >= local_day
    )
    assert store.period_totals("nano", "today", now).energy_kwh == pytest.approx(expected_today)
    assert store.period_totals("nano", Period.SEASON, now).energy_kwh == pytest.approx(3 * one)


@pytest.fixture
def india(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process in a half-hour zone (Asia/Kolkata, UTC+5:30) for one test."""
    import time

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("india")
def test_ledger_hours_start_on_local_hours_in_a_half_hour_zone(store: HistoryStore) -> None:
    """Ledger hours were UTC hours, so in India 'today' took in the half hour before midnight."""
    midnight = datetime(2026, 1, 7).astimezone().timestamp()  # local midnight, 18:30 UTC
    assert datetime.fromtimestamp(midnight, UTC).minute == 30
    for k in range(-90, 91):  # 23:45 to 00:15 local, one sample every 10 s
        store.record(_nano(midnight + 10 * k), market=MARKET, tariff=FLAT)
    quarter_kwh = 140 * 900 / 3.6e6
    today = store.period_totals("nano", Period.TODAY, midnight + 900)
    assert today.energy_kwh == pytest.approx(quarter_kwh)
    assert today.since_s == midnight
    hours = {entry.hour_s for entry in store.ledger_hours("nano", midnight - 3600)}
    assert midnight in hours, "a ledger hour starts at local midnight"
