"""A history with one scribbled page keeps every row that is not on that page."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nanoheater.history import HistoryStore, Sample, StoredDecision


def _middle_leaf(path: Path, table: str) -> tuple[int, int]:
    """(page number, page size) of a leaf in the middle of ``table``'s b-tree, read by SQLite."""
    raw = sqlite3.connect(path)
    try:
        page_size = int(raw.execute("PRAGMA page_size").fetchone()[0])
        leaves = [
            int(row[0])
            for row in raw.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path",
                (table,),
            )
        ]
    finally:
        raw.close()
    assert len(leaves) >= 5, leaves
    return leaves[len(leaves) // 2], page_size


def _scribble(path: Path, page: int, page_size: int) -> None:
    data = bytearray(path.read_bytes())
    start = (page - 1) * page_size
    data[start : start + page_size] = b"\xde\xad\xbe\xef" * (page_size // 4)
    path.write_bytes(bytes(data))


def test_one_corrupt_page_salvages_every_other_row(tmp_path: Path) -> None:
    """Corrupt a middle leaf of the samples and the decisions tables; all other rows survive."""
    path = tmp_path / "history.sqlite3"
    samples = 3000
    decisions = 2000
    with HistoryStore.open(path) as store:
        store.add_samples(
            [Sample("nano", float(i), 140.0, 6.0, mode="x" * 50) for i in range(samples)]
        )
        for i in range(decisions):
            store.add_decision(StoredDecision(float(i), "nano", "set_mode", f"reason {i:05d} " * 4))
    for table in ("samples", "decisions"):
        page, page_size = _middle_leaf(path, table)
        _scribble(path, page, page_size)
    damaged = path.read_bytes()

    with HistoryStore.open(path) as store:
        assert store.backup is not None
        assert store.backup.read_bytes() == damaged  # salvage never writes to the damaged file
        notice = store.notice
        assert notice is not None
        assert "\n" not in notice
        assert str(store.backup) in notice
        kept = sorted(int(s.ts_s) for s in store.samples_since("nano", 0))
        kept_decisions = sorted(int(d.ts_s) for d in store.decisions_since(0))
        # One page (a few dozen rows) of each table lost; the rows before and after it kept.
        assert 0 < samples - len(kept) < 200
        assert 0 < decisions - len(kept_decisions) < 200
        assert (kept[0], kept[-1]) == (0, samples - 1)
        assert (kept_decisions[0], kept_decisions[-1]) == (0, decisions - 1)
        rows = len(kept) + len(kept_decisions)
        assert f"salvaged {rows} rows" in notice
        # The new file is whole and takes writes.
        store.add_sample(Sample("nano", float(samples), 140.0))
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # The chart rollups are rebuilt from the salvaged samples (plus the one written after).
    minute = raw.execute("SELECT SUM(count) FROM rollups WHERE resolution_s = 60").fetchone()
    assert minute == (len(kept) + 1,)
    raw.close()


def test_the_history_command_says_it_in_one_line(tmp_path: Path) -> None:
    """Pins (issue 14's "97-line one-line error"): a damaged file is one line on stderr.

    ``nanoheater history`` exits 0 with exactly one line saying what was salvaged; it printed
    it twice (the store's warning and the command's own echo of it).
    """
    import os
    import subprocess
    import sys
    import time

    path = tmp_path / "history.sqlite3"
    now = time.time()
    with HistoryStore.open(path) as store:
        store.add_samples(
            [
                Sample("127.0.0.2:4028", now - 3000 + i, 140.0, 6.0, mode="x" * 50)
                for i in range(3000)
            ]
        )
    _scribble(path, *_middle_leaf(path, "samples"))
    env = {
        **os.environ,
        "NANOHEATER_DATA_DIR": str(tmp_path),
        "NANOHEATER_CONFIG_DIR": str(tmp_path / "config"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "nanoheater", "history", "127.0.0.2:4028"],
        capture_output=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.decode().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "salvaged" in lines[0]
