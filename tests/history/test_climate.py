"""The room log: a zone's minutes of room, outdoor and total heat, from a real SQLite history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nanoheater.history import HistoryStore, Sample, schema_version
from nanoheater.history.climate import open_read_only
from nanoheater.history.retention import RetentionPolicy

T0 = 1_764_547_200.0


def test_minutes_sum_the_zone_heat_and_skip_what_is_unknown(tmp_path: Path) -> None:
    """Power is summed over the zone's devices; a minute lacking a device or outdoor is left out."""
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for k in range(4):
            t = T0 + 60 * k
            store.add_sample(Sample("a", t + 5, power_w=100.0, room_temp_c=20.0))
            store.add_sample(Sample("a", t + 35, power_w=140.0, room_temp_c=21.0))
            if k != 2:  # device b missed minute 2
                store.add_sample(Sample("b", t + 10, power_w=800.0))
            if k != 3:  # no outdoor reading in minute 3
                store.add_outdoor([(t + 20, -2.0), (t + 50, -4.0)])
        minutes = store.room_log(["a", "b"], T0, T0 + 600)
        only_a = store.room_log(["a"], T0, T0 + 600)
    assert [m.t_s for m in minutes] == [T0 + 30, T0 + 90]
    assert minutes[0].power_w == pytest.approx(120.0 + 800.0)
    assert minutes[0].room_c == pytest.approx(20.5)
    assert minutes[0].outdoor_c == pytest.approx(-3.0)
    assert len(only_a) == 3


def test_outdoor_readings_expire_with_the_minute_means(tmp_path: Path) -> None:
    """Retention drops outdoor readings as old as the minute means they go with."""
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.add_outdoor([(T0, 1.0), (T0 + 40 * 86_400, 2.0)])
        store.compact(T0 + 41 * 86_400, RetentionPolicy(minute_means_s=30 * 86_400))
        db = sqlite3.connect(tmp_path / "h.sqlite3")
        assert db.execute("SELECT temp_c FROM outdoor").fetchall() == [(2.0,)]
        db.close()


def test_read_only_never_creates_a_history(tmp_path: Path) -> None:
    """A thermostat reading the room log opens nothing that is not there, and writes nothing."""
    path = tmp_path / "none.sqlite3"
    assert open_read_only(path) is None
    assert not path.exists()
    with HistoryStore.open(tmp_path / "h.sqlite3"):
        pass
    db = open_read_only(tmp_path / "h.sqlite3")
    assert db is not None
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema_version() == 4
    with pytest.raises(sqlite3.OperationalError):
        db.execute("INSERT INTO outdoor VALUES (1.0, 2.0)")
    db.close()
