"""A week of history with a known overnight curve, seeded under a simulated device's identity."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

from nanoheater.history import DeviceEvent, HistoryStore, Sample, StoredDecision

DAY_S = 86_400
STEP_S = 300
"""One stored reading every 5 minutes for the week (2,016 rows, seeded in milliseconds)..."""
RECENT_STEP_S = 10
"""... and every 10 seconds in the last half hour, as a polling app records them."""


def overnight_c(ts_s: float) -> float:
    """A room that cools to 18 °C at 04:00 UTC and warms to 22 °C at 16:00 UTC, every day."""
    return 20.0 + 2.0 * math.sin(2 * math.pi * ((ts_s % DAY_S) / DAY_S - 10 / 24))


def seed_week(store: HistoryStore, device: str, until_s: float) -> None:
    """Seven days to ``until_s``: heating (High, 140 W) while the room is under 21 °C, else Low.

    The controller held 21 °C with a 19 °C night set-back from 22:00 to 06:00 UTC; the device
    went offline once, three hours before ``until_s``.
    """
    start = (int(until_s) // STEP_S) * STEP_S - 7 * DAY_S
    recent = int(until_s) - 1800
    times = [*range(start, recent, STEP_S), *range(recent, int(until_s), RECENT_STEP_S)]
    samples = []
    for ts in times:
        room = overnight_c(ts)
        heating = room < 21.0
        samples.append(
            Sample(
                device,
                float(ts),
                power_w=140.0 if heating else 40.0,
                hashrate_ths=6.6 if heating else 1.9,
                chip_temp_c=80.0 if heating else 60.0,
                room_temp_c=room,
                mode="High" if heating else "Low",
            )
        )
    store.add_samples(samples)
    for day in range(8):
        night = start - start % DAY_S + day * DAY_S
        for hour, setpoint in ((6, 21.0), (22, 19.0)):
            if start <= night + hour * 3600 < until_s:
                store.add_decision(
                    StoredDecision(night + hour * 3600.0, device, "High", "r", setpoint)
                )
    store.add_event(DeviceEvent(until_s - 3 * 3600, device, "offline", "timed out"))
    store.compact(until_s)


def seed_ledger(path: Path, device: str, until_s: float, days: int = 30) -> None:
    """``days`` of ledger hours to ``until_s``: 140 W at $0.17/kWh, more heat on colder days.

    Written with a connection of its own (WAL: the app's store reads alongside); the store has
    no bulk ledger writer because the app only ever accrues it reading by reading.
    """
    first = int(until_s) // 3600 * 3600 - days * 24 * 3600
    rows = []
    for hour in range(first, int(until_s) - 3600, 3600):
        day = (hour - first) // DAY_S
        share = 0.5 + 0.5 * math.cos(2 * math.pi * day / 10)  # a ten-day weather cycle
        seconds = 3600.0 * (0.3 + 0.7 * share)
        kwh = 0.14 * seconds / 3600
        rows.append(
            (device, hour, seconds, kwh, kwh, 10.0 * kwh / 0.14, kwh * 0.17, kwh * 0.08, "USD")
        )
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
