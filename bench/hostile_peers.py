"""Hostile peers: what each behaviour of ``HostileDevice`` costs one read (RELIABILITY.md §2).

For each behaviour (a reply that never ends, 100 MB, 1 byte/s, silence, deep nesting, huge
numbers, NaN/inf, escapes, invalid UTF-8) one ``get_status`` against a loopback peer with the
tests' 0.5 s deadline: the typed error, the wall time and the peak traced allocation. The suite's
version, with the bounds asserted, is tests/reliability/test_hostile.py.

    python bench/hostile_peers.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.hostile import HostileDevice
from tests.reliability.rigs import tcp_client

BEHAVIOURS = (
    "endless",
    "huge",
    "trickle",
    "silence",
    "deep_nesting",
    "huge_numbers",
    "nan_inf",
    "escapes",
    "invalid_utf8",
)
TIMEOUT_S = 0.5


async def _measure(behaviour: str) -> tuple[str, float, float]:
    async with HostileDevice(behaviour).running() as device:
        client = tcp_client(device.host, device.port, timeout_s=TIMEOUT_S)
        tracemalloc.start()
        started = time.monotonic()
        try:
            await client.get_status()
            outcome = "a reading (unexpected)"
        except Exception as exc:  # the outcome is what is measured
            outcome = type(exc).__name__
        took_s = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return outcome, took_s, peak / 2**20


async def main() -> None:
    """Print one line per behaviour, then the load average."""
    for behaviour in BEHAVIOURS:
        outcome, took_s, peak_mib = await _measure(behaviour)
        print(f"{behaviour:<14} {outcome:<16} {took_s * 1e3:6.0f} ms  {peak_mib:5.2f} MiB")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
