"""Short soak: a small simulated fleet with random faults, polled in virtual time (long: bench).

The same run as ``bench/soak.py`` (tests/reliability/soak.py) at a size the suite can afford.
"""

from __future__ import annotations

from tests.reliability.soak import REPLY_FAULTS, run_soak

KIB = 1024


async def test_short_soak_survives_every_fault_and_accounts_for_every_error() -> None:
    """Pins: 8 devices x 240 cycles with faults: no crash, every error explained, RSS flat."""
    report = await run_soak(8, 240, seed=7, fault_rate=0.1, sample_every=60)
    assert report.crashes == []
    assert report.unaccounted == []
    assert report.polls == 8 * 240
    assert report.ok + sum(report.errors.values()) == report.polls
    assert set(REPLY_FAULTS) | {"reboot", "calibrating", "overheat"} <= set(report.faults)
    assert sum(report.errors.values()) > 0  # faults really reached the callers
    assert report.faulted_ok > 0  # and single bad replies were retried away
    assert report.ticks > 0
    assert report.tick_failures == 0  # the thermostat loop never sees an exception
    warm, end = report.rss_kib[1][1], report.rss_kib[-1][1]
    assert end - warm < 16 * KIB
