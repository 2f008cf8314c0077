"""History store durability: a SIGKILLed writer, corrupt files kept aside, and migrations."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from nanoheater.exceptions import UsageError
from nanoheater.history import HistoryStore, Sample, schema, schema_version

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from pathlib import Path
from nanoheater.economics.market import MarketSettings, offline_market
from nanoheater.economics.tariff import Tariff
from nanoheater.history import StoredDecision, HistoryStore, Sample

market = offline_market(MarketSettings(), None)
store = HistoryStore.open(Path(sys.argv[1]))
print("ready", flush=True)
i = 0
while True:
    store.record(Sample("crash", float(i), 140.0, 6.0), market=market, tariff=Tariff())
    if i % 7 == 0:
        store.add_decision(StoredDecision(float(i), "crash", "set_mode", f"step {i}"))
    print(i, flush=True)  # printed only after the commit returned
    i += 1
"""


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = b"\xde\xad" * 100
    path.write_bytes(bytes(data))


def test_killed_writer_loses_no_committed_row(tmp_path: Path) -> None:
    """SIGKILL mid-stream: every row reported committed is there and the file checks clean."""
    path = tmp_path / "history.sqlite3"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        committed: list[int] = []
        while len(committed) < 400:
            line = proc.stdout.readline()
            assert line, "writer died on its own"
            committed.append(int(line))
        os.kill(proc.pid, signal.SIGKILL)
        committed += [int(line) for line in proc.stdout.read().split()]
        assert proc.wait() == -signal.SIGKILL

    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    raw.close()
    with HistoryStore.open(path) as store:
        assert store.notice is None
        stored = {int(s.ts_s) for s in store.samples_since("crash", 0)}
        assert set(committed) <= stored
        decisions = {int(d.ts_s) for d in store.decisions_since(0)}
        assert {i for i in committed if i % 7 == 0} <= decisions
        # Each committed step after the first added one second to the ledger atomically.
        total = store.totals("crash", 0, 10**6)
        assert total.seconds == pytest.approx(len(stored) - 1)


def test_garbage_file_is_moved_aside_and_replaced(tmp_path: Path) -> None:
    """A file that is not a database is kept as a timestamped backup; a new store starts."""
    path = tmp_path / "history.sqlite3"
    garbage = b"this was never a database" * 100
    path.write_bytes(garbage)
    with HistoryStore.open(path) as store:
        assert store.backup is not None
        assert store.backup.read_bytes() == garbage
        assert store.backup.name.startswith("history.sqlite3.corrupt-")
        assert store.notice is not None
        assert "\n" not in store.notice
        assert str(store.backup) in store.notice
        store.add_sample(Sample("nano", 1.0, 140.0))
        assert len(store.samples_since("nano", 0)) == 1


def test_damaged_pages_are_detected_on_open(tmp_path: Path) -> None:
    """A database with a valid header but scribbled pages fails its check and is moved aside."""
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        store.add_samples(
            [Sample("nano", float(i), 140.0, 6.0, mode="x" * 50) for i in range(3000)]
        )
    _damage(path)
    damaged = path.read_bytes()
    with HistoryStore.open(path) as store:
        assert store.backup is not None
        assert store.backup.read_bytes() == damaged
        assert store.samples_since("nano", 0) == []


def test_unopenable_path_is_an_error_not_a_backup(tmp_path: Path) -> None:
    """A path SQLite cannot open (here a folder) is reported; nothing is moved."""
    path = tmp_path / "history.sqlite3"
    path.mkdir()
    with pytest.raises(UsageError, match="cannot open"):
        HistoryStore.open(path)
    assert path.is_dir()
    assert list(tmp_path.iterdir()) == [path]


def test_uncreatable_data_folder_is_a_usage_error(tmp_path: Path) -> None:
    """A data folder that cannot be made (a file is in the way) is one UsageError, no traceback."""
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(UsageError, match="cannot create the history folder"):
        HistoryStore.open(blocker / "history.sqlite3")
    assert blocker.read_text() == "not a folder"


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    """A database from a newer nanoheater is not migrated, moved or modified."""
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {schema_version() + 5}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(UsageError, match="newer"):
        HistoryStore.open(path)
    assert path.read_bytes() == before


def test_migration_upgrades_and_keeps_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a migration upgrades an existing file in place, keeping its rows."""
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        store.add_sample(Sample("nano", 1.0, 140.0))
    base = schema_version()
    step = ("ALTER TABLE samples ADD COLUMN humidity_pct REAL",)
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, step])
    with HistoryStore.open(path) as store:
        assert store.samples_since("nano", 0)[0].power_w == 140.0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == base + 1
    assert "humidity_pct" in {row[1] for row in db.execute("PRAGMA table_info(samples)")}
    db.close()


def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that fails half-way leaves the previous version and schema intact."""
    path = tmp_path / "history.sqlite3"
    HistoryStore.open(path).close()
    base = schema_version()
    broken = ("ALTER TABLE samples ADD COLUMN ok_col REAL", "THIS IS NOT SQL")
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    with pytest.raises(UsageError):
        HistoryStore.open(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == base
    assert "ok_col" not in {row[1] for row in db.execute("PRAGMA table_info(samples)")}
    db.close()
    assert not list(tmp_path.glob("*.corrupt-*"))
