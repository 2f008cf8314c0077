"""Chart reads from the rollups kept on write: same means as over the raw rows, bounded cost."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from nanoheater.history import HistoryStore, Sample, Window, rollup
from nanoheater.history.records import SAMPLE_FIELDS
from nanoheater.history.series import _means, _samples, window_since

NOW_S = 1_767_268_800.0 + 1234.5  # mid-hour, mid-minute: the newest bucket is partial
DAY_S = 86_400


def _reading(device: str, ts_s: float, i: int) -> Sample:
    return Sample(
        device,
        ts_s,
        power_w=100.0 + 40.0 * math.sin(ts_s / 5000.0) + (i % 7),
        # Gaps in one field, in the raw day only: retention's minute means keep one count per
        # row, so a mean folded over gaps is weighted by readings, not by values (the rollups
        # keep per-field counts and are exact there; the old read was not).
        hashrate_ths=None if i % 11 == 0 and ts_s >= NOW_S - DAY_S else 6.0 + (i % 5) / 10,
        room_temp_c=20.0 + 2.0 * math.sin(ts_s / 20_000.0),
        mode="High" if (ts_s // 7200) % 3 else "Low",
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> HistoryStore:
    """Two devices: a week every 30 s (one polled every 7 s for the last day), compacted."""
    opened = HistoryStore.open(tmp_path_factory.mktemp("rollup") / "history.sqlite3")
    for device, recent_step_s in (("fast", 7.0), ("slow", 30.0)):
        start = NOW_S - 7 * DAY_S - 3600
        old = [_reading(device, start + k * 30.0, k) for k in range(int((6 * DAY_S + 3600) / 30))]
        opened.add_samples(old)
        day = NOW_S - DAY_S
        n = int(DAY_S / recent_step_s)
        opened.add_samples(_reading(device, day + k * recent_step_s, k) for k in range(n))
    # A reading stored twice (same device and time): the second replaces the first.
    opened.add_sample(Sample("fast", NOW_S - 100.0, power_w=1000.0, mode="Low"))
    opened.add_sample(Sample("fast", NOW_S - 100.0, power_w=50.0, mode="Low"))
    opened.compact(NOW_S)  # raw older than a day folded into minute means
    return opened


def _old_means(db: sqlite3.Connection, window: Window, device: str | None) -> list[Sample]:
    """The previous read: bucket means grouped over every stored row in the window."""
    since = window_since(window, NOW_S)
    if device is None:
        rows = db.execute(
            _means(window.bucket_s, "device, bucket", "ts_s >= ? AND ts_s < ?"), (since, NOW_S)
        ).fetchall()
    else:
        rows = db.execute(
            _means(window.bucket_s, "bucket", "device = ? AND ts_s >= ? AND ts_s < ?"),
            (device, since, NOW_S),
        ).fetchall()
    return _samples(rows, window.bucket_s)


def _assert_same(new: list[Sample], old: list[Sample]) -> None:
    assert [(s.device, s.ts_s, s.count, s.mode) for s in new] == [
        (s.device, s.ts_s, s.count, s.mode) for s in old
    ]
    for a, b in zip(new, old, strict=True):
        for name in SAMPLE_FIELDS:
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), (a, b, name)
            if x is not None:
                assert x == pytest.approx(y, rel=1e-9, abs=1e-9), (a.ts_s, name)


@pytest.mark.parametrize("window", [Window.H6, Window.H24, Window.D7])
def test_window_equals_the_bucket_means_of_the_stored_rows(
    store: HistoryStore, window: Window
) -> None:
    db = store._db
    for device in ("fast", "slow"):
        new = list(store.window(device, window, NOW_S).samples)
        assert len(new) > 0
        _assert_same(new, _old_means(db, window, device))
    fleet = store.fleet_window(window, NOW_S)
    _assert_same(fleet["fast"] + fleet["slow"], _old_means(db, window, None))


def test_a_replaced_reading_counts_once(store: HistoryStore) -> None:
    minute = store.window("fast", Window.H6, NOW_S).samples
    bucket = next(s for s in minute if s.ts_s <= NOW_S - 100.0 < s.ts_s + 60)
    raw = store.samples_since("fast", bucket.ts_s, bucket.ts_s + 60)
    assert bucket.count == len(raw)
    assert 50.0 in [s.power_w for s in raw]
    assert 1000.0 not in [s.power_w for s in raw]


def test_seven_day_read_touches_at_most_169_rows_per_device(store: HistoryStore) -> None:
    db = store._db
    since = window_since(Window.D7, NOW_S)
    # The read is one primary-key range of the rollups, no scan and no grouping: rows read are
    # rows returned.
    for device in ("fast", None):
        plan = " ".join(
            str(row[-1])
            for row in db.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM rollups WHERE "  # noqa: S608 - fixed text
                + ("device = ? AND " if device else "")
                + "resolution_s = ? AND ts_s >= ? AND ts_s < ? AND count > 0",
                ((device,) if device else ()) + (3600, since, NOW_S),
            )
        )
        assert "SEARCH rollups USING" in plan, plan
        assert "SCAN" not in plan, plan
    rows = rollup.read(db, 3600, "fast", since, NOW_S)
    assert 160 <= len(rows) <= 169
    assert len(rollup.read(db, 3600, None, since, NOW_S)) <= 2 * 169
    stored = db.execute(
        "SELECT COUNT(*) FROM samples WHERE device = 'fast' AND ts_s >= ?", (since,)
    ).fetchone()[0]
    assert stored > 20_000  # what the old read grouped over for this device


def test_an_existing_file_gets_its_rollups_built(store: HistoryStore, tmp_path: Path) -> None:
    db = store._db
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    db.backup(copy)
    copy.execute("DROP TABLE rollups")
    for statement in rollup.CREATE:
        copy.execute(statement)
    copy.commit()
    for window in (Window.H24, Window.D7):
        since = window_since(window, NOW_S)
        built = rollup.read(copy, window.bucket_s, None, since, NOW_S)
        kept = rollup.read(db, window.bucket_s, None, since, NOW_S)
        assert [r[:2] for r in built] == [r[:2] for r in kept]
        for a, b in zip(built, kept, strict=True):
            assert a[2:-2] == pytest.approx(b[2:-2], rel=1e-9, abs=1e-9)
    copy.close()
