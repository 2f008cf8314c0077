"""Provides Recorder: the CSV time series of one simulated device.

Two ways to sample: call :meth:`Recorder.sample` after syncing the world (the fleet does this
once per wall tick), or pass ``interval_s`` and the world calls it at exact multiples of the
interval in simulated time, whatever the polling pattern. Values are printed with fixed decimals
so two runs with the same seed produce byte-identical files.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _csv import Writer

    from firmware_sim.device import SimulatedHeater

COLUMNS = (
    "time_s",
    "mode",
    "power_w",
    "hashrate_ths",
    "chip_temp_max_c",
    "fan_rpm",
    "fan_percent",
    "room_air_c",
    "outdoor_c",
    "energy_kwh",
    "expected_sats",
    "shares_accepted",
)


class Recorder:
    """Writes rows of one device's physical and economic state to a CSV file."""

    def __init__(
        self, heater: SimulatedHeater, path: Path | str, *, interval_s: float | None = None
    ) -> None:
        self.heater = heater
        self.path = Path(path)
        # O_NOFOLLOW: a symlink planted at the record path must not redirect the write (it
        # followed one onto any file the user could write, issue 14); O_EXCL is not used so
        # re-recording over one's own earlier CSV still works.
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if self.path.is_symlink():
                raise OSError(exc.errno, "refusing to write through a symlink", str(path)) from None
            raise
        self._file = os.fdopen(fd, "w", newline="", encoding="utf-8")
        self._writer: Writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(COLUMNS)
        self._observing = interval_s is not None
        if interval_s is not None:
            heater.world.add_observer(self._on_grid, interval_s)

    def _on_grid(self, t_s: float) -> None:
        self.sample(t_s)

    def sample(self, t_s: float | None = None) -> None:
        """Write one row for grid time ``t_s`` (default: the time the world has reached)."""
        h = self.heater
        world = h.world
        t = world.time_s if t_s is None else t_s
        st = h.state
        self._writer.writerow(
            (
                f"{t:.0f}",
                h.profile.modes[st.mode_index].name,
                f"{st.power_w:.2f}",
                f"{st.hashrate_ghs / 1000.0:.4f}",
                f"{st.chip_temp_max_c:.2f}",
                st.fan_rpm,
                f"{st.fan_percent:.1f}",
                f"{h.room.air_c:.3f}",
                f"{world.outdoor.temp_c(t):.3f}",
                f"{st.energy_kwh:.6f}",
                f"{st.expected_sats:.4f}",
                h.physics.shares_total,
            )
        )

    def flush(self) -> None:
        """Flush the file to disk."""
        self._file.flush()

    def close(self) -> None:
        """Stop sampling and close the file (idempotent)."""
        if self._observing:
            self.heater.world.remove_observer(self._on_grid)
            self._observing = False
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
