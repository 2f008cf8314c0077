"""Benchmark: probe 127.0.0.0/24 holding 100 simulated heaters; nanoheater against pyasic 0.79.0.

Usage: ``python bench/discovery_probe.py [--rounds 5]``. The script re-runs itself inside a
private network namespace (``unshare -rn``, loopback only, as tests/netns.py does), starts
``firmware-sim serve`` with 100 devices (25 each of nano3s, mini3, q, nano3) on
127.0.0.2 .. 127.0.0.101:4028 in a child process, then in one run alternates, round by round:

- nanoheater: ``discover(scan="127.0.0.0/24", mdns=False)`` (256 probes in flight, one
  ``version`` exchange per host);
- pyasic, defaults: ``MinerNetwork.from_subnet("127.0.0.0/24").scan()``;
- pyasic, 256 in flight: the same with ``settings.update("network_scan_semaphore", 256)``, the
  same concurrency limit nanoheater uses.

How pyasic scans (pyasic/network/__init__.py, miners/factory.py): per address it connects to port
80 (3 s timeout); when that is refused it races connects to 4028, 4029 and 8889; on success it runs
``get_miner``: HTTP GET ``http://ip/`` and ``https://ip/`` alongside two socket pings (``version``
and ``devdetails``, separate connections), then asks ``version`` again for the model. Its ports are
hard-coded. Nothing listens on port 80 in the namespace, so that first knock is refused at once,
which is pyasic's cheapest path (a real Nano 3S serves its web UI on 80, which costs pyasic more).
Both tools see the same 254 addresses, of which 154 refuse every port.

Targets: nanoheater at least 3 times faster than pyasic, and under 2 s. Prints every round and
the medians; only loopback inside the namespace is ever contacted.

Measured 2026-11-26 (``--rounds 7``, shared 3.11 box; all three found 100/100 every round, pyasic
as CGMinerAvalon{Nano3,Nano3s,Mini3,QHome}): nanoheater median 0.034 s; pyasic defaults 0.410 s
(12.0x); pyasic with 256 in flight 0.499 s (14.6x). Under load from other jobs: 0.112 s against
1.044 s (9.3x) and 1.552 s (13.8x).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from harness import ensure_namespace, start_fleet

CIDR = "127.0.0.0/24"
DEVICES = 100
FLEET_ARGS = [
    "serve",
    *("--model", "nano3s:25", "--model", "mini3:25", "--model", "q:25", "--model", "nano3:25"),
    *("--address", "127.0.0.2", "--port", "4028", "--control-port", "0"),
]
TARGET_SPEEDUP = 3.0
TARGET_S = 2.0


async def nanoheater_scan() -> list[str]:
    """Probe the range with nanoheater; return the model of every heater it found."""
    from nanoheater.discovery import discover

    return [str(h.model) for h in await discover(scan=CIDR, mdns=False)]


def pyasic_scan(semaphore: int | None) -> Callable[[], Awaitable[list[str]]]:
    """Return a scan with pyasic's MinerNetwork at the given ``network_scan_semaphore``."""

    async def scan() -> list[str]:
        from pyasic import settings
        from pyasic.network import MinerNetwork

        settings.update("network_scan_semaphore", semaphore)
        miners = await MinerNetwork.from_subnet(CIDR).scan()
        return [type(miner).__name__ for miner in miners]

    return scan


async def measure(rounds: int) -> dict[str, list[tuple[float, int]]]:
    """Run every contender ``rounds`` times, interleaved, after one untimed warm-up each."""
    import pyasic.network  # noqa: F401 - imported before timing starts

    contenders: dict[str, Callable[[], Awaitable[list[str]]]] = {
        "nanoheater (256 in flight)": nanoheater_scan,
        "pyasic 0.79.0 (defaults)": pyasic_scan(None),
        "pyasic 0.79.0 (256 in flight)": pyasic_scan(256),
    }
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in contenders}
    for round_index in range(rounds + 1):
        for name, scan in contenders.items():
            start = time.perf_counter()
            kinds = await scan()
            elapsed = time.perf_counter() - start
            found = len(kinds)
            if not round_index:
                # Shows that both tools identified every device, and as what.
                print(f"warm-up: {name:<30} {dict(sorted(Counter(kinds).items()))}")
            else:
                results[name].append((elapsed, found))
                print(f"round {round_index}: {name:<30} {elapsed:6.3f} s  found {found}")
    return results


def report(results: dict[str, list[tuple[float, int]]]) -> None:
    """Print medians, the speed-up over each pyasic setup and whether the targets are met."""
    print(f"\n{CIDR}, {DEVICES} simulated heaters, median of {len(next(iter(results.values())))}")
    medians = {name: statistics.median(t for t, _ in runs) for name, runs in results.items()}
    for name, runs in results.items():
        found = sorted({n for _, n in runs})
        print(
            f"  {name:<30} median {medians[name]:6.3f} s  min {min(t for t, _ in runs):6.3f} s  "
            f"found {found}"
        )
    ours = medians["nanoheater (256 in flight)"]
    for name, median in medians.items():
        if name.startswith("pyasic"):
            print(f"  speed-up over {name}: {median / ours:.1f}x (target >= {TARGET_SPEEDUP:g}x)")
    print(f"  nanoheater under {TARGET_S:g} s: {'yes' if ours < TARGET_S else 'NO'}")


def main() -> None:
    """Parse arguments, enter the namespace, start the fleet and run the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ensure_namespace(__file__, sys.argv[1:])
    logging.disable(logging.WARNING)  # pyasic logs a warning per silent socket; not part of timing
    fleet = start_fleet(FLEET_ARGS)
    try:
        report(asyncio.run(measure(args.rounds)))
    finally:
        fleet.terminate()
        fleet.wait(timeout=10)


if __name__ == "__main__":
    main()
