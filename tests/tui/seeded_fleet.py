"""A day of history per device with known power and heat, for the fleet's stacked day charts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nanoheater.history import HistoryStore, Sample
from tests.tui.seeded_history import overnight_c

DAY_S = 86_400
STEP_S = 60


def device_power_w(ts_s: float, power_w: float, *, steady: bool) -> float:
    """``power_w`` while the seeded room is under 21 °C (every time when ``steady``), else 30 %."""
    return power_w if steady or overnight_c(ts_s) < 21.0 else 0.3 * power_w


def seed_fleet_day(
    path: Path, store: HistoryStore, device: str, until_s: float, power_w: float, *, steady: bool
) -> None:
    """The 24 hours before ``until_s``: a reading a minute and the ledger's heat per hour.

    The ledger hours stop an hour short of ``until_s`` (the app accrues the current hour from
    its own polling) and hold the heat of the readings in them (all the power becomes heat).
    """
    start = (int(until_s) - DAY_S) // STEP_S * STEP_S
    times = range(start, int(until_s) - STEP_S, STEP_S)
    store.add_samples(
        Sample(device, float(ts), power_w=device_power_w(ts, power_w, steady=steady))
        for ts in times
    )
    rows = []
    for hour in range(start // 3600 * 3600 + 3600, int(until_s) // 3600 * 3600 - 3600, 3600):
        watts = [device_power_w(hour + m * 60, power_w, steady=steady) for m in range(60)]
        kwh = sum(watts) / 60 / 1000
        rows.append((device, hour, 3600.0, kwh, kwh, 0.0, kwh * 0.17, 0.0, "USD"))
    # A connection of its own (WAL): the store has no bulk ledger writer, see seed_ledger.
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
