"""Benchmark: refresh the full status of 50 simulated heaters; nanoheater against pyasic 0.79.0.

Usage: ``python bench/client_refresh.py [--rounds 7]``. The script re-runs itself inside a private
network namespace (``unshare -rn``, loopback only, as tests/netns.py does), starts
``firmware-sim serve`` with 50 devices (13 nano3s, 13 mini3, 12 q, 12 nano3) on
127.0.0.2 .. 127.0.0.51:4028 in a child process, so the simulator's CPU is not ours, then in
one run alternates, round by round:

- nanoheater: one ``HeaterClient`` per device (kept, as an app keeps them), all 50
  ``get_status()`` calls in flight together; after the first call each is one joined
  ``summary+estats+pools`` exchange;
- pyasic 0.79.0: one miner object per device from ``pyasic.get_miner(ip)`` (kept), all 50
  ``get_data()`` calls in flight together, pyasic's own default data set.

Both sides build their objects before timing starts and get one untimed warm-up refresh. Each
round records wall time and this process's CPU time (``time.process_time``) for one refresh of
all 50. Targets: nanoheater at least 5 times faster than pyasic in both. Prints every round and
the medians; only loopback inside the namespace is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from harness import ensure_namespace, start_fleet

DEVICES = 50
FIRST = 2  # 127.0.0.2
FLEET_ARGS = [
    "serve",
    *("--model", "nano3s:13", "--model", "mini3:13", "--model", "q:12", "--model", "nano3:12"),
    *("--address", f"127.0.0.{FIRST}", "--port", "4028", "--control-port", "0"),
]
TARGET_RATIO = 5.0


def hosts() -> list[str]:
    return [f"127.0.0.{FIRST + i}" for i in range(DEVICES)]


async def nanoheater_contender() -> Callable[[], Awaitable[int]]:
    """Build 50 clients; return a refresh that reads all of them and counts good readings."""
    from nanoheater import HeaterClient

    clients = [await HeaterClient.connect_tcp(h, 4028) for h in hosts()]

    async def refresh() -> int:
        readings = await asyncio.gather(*(c.get_status() for c in clients))
        return sum(1 for r in readings if r.power_w is not None and r.hashrate_ths is not None)

    return refresh


async def pyasic_contender() -> Callable[[], Awaitable[int]]:
    """Build 50 pyasic miners; return a refresh that runs get_data on all of them."""
    import pyasic

    miners: list[Any] = list(await asyncio.gather(*(pyasic.get_miner(h) for h in hosts())))
    missing = [h for h, m in zip(hosts(), miners, strict=True) if m is None]
    if missing:
        raise SystemExit(f"pyasic did not identify {len(missing)} devices, e.g. {missing[0]}")

    async def refresh() -> int:
        data = await asyncio.gather(*(m.get_data() for m in miners))
        return sum(1 for d in data if d.wattage is not None or d.hashrate is not None)

    return refresh


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(rounds: int, sim_pid: int) -> dict[str, list[tuple[float, float, int]]]:
    """Run both contenders ``rounds`` times, interleaved, after one untimed warm-up each."""
    contenders = {
        "nanoheater get_status x50": await nanoheater_contender(),
        "pyasic 0.79.0 get_data x50": await pyasic_contender(),
    }
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in contenders}
    for round_index in range(rounds + 1):
        for name, refresh in contenders.items():
            sim_cpu = process_cpu_s(sim_pid)
            wall, cpu = time.perf_counter(), time.process_time()
            good = await refresh()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            sim_cpu = process_cpu_s(sim_pid) - sim_cpu
            if round_index:
                results[name].append((wall, cpu, good))
                print(
                    f"round {round_index}: {name:<28} wall {wall * 1000:8.1f} ms"
                    f"  cpu {cpu * 1000:8.1f} ms  simulator cpu {sim_cpu * 1000:6.0f} ms"
                    f"  readings {good}/{DEVICES}"
                )
    return results


def report(results: dict[str, list[tuple[float, float, int]]]) -> None:
    """Print medians and the wall and CPU ratios against the targets."""
    rounds = len(next(iter(results.values())))
    print(f"\n{DEVICES} simulated heaters, one refresh of all, median of {rounds} rounds")
    wall = {n: statistics.median(r[0] for r in runs) for n, runs in results.items()}
    cpu = {n: statistics.median(r[1] for r in runs) for n, runs in results.items()}
    for name in results:
        print(f"  {name:<28} wall {wall[name] * 1000:8.1f} ms  cpu {cpu[name] * 1000:8.1f} ms")
    ours, theirs = "nanoheater get_status x50", "pyasic 0.79.0 get_data x50"
    wall_ratio, cpu_ratio = wall[theirs] / wall[ours], cpu[theirs] / cpu[ours]
    print(f"  wall-time ratio pyasic/nanoheater: {wall_ratio:.1f}x (target >= {TARGET_RATIO:g}x)")
    print(f"  CPU-time ratio  pyasic/nanoheater: {cpu_ratio:.1f}x (target >= {TARGET_RATIO:g}x)")
    met = wall_ratio >= TARGET_RATIO and cpu_ratio >= TARGET_RATIO
    print(f"  targets met: {'yes' if met else 'NO'}")


def main() -> None:
    """Parse arguments, enter the namespace, start the fleet and run the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    ensure_namespace(__file__, sys.argv[1:])
    logging.disable(logging.WARNING)  # pyasic logs per failed web request; not part of timing
    fleet = start_fleet(FLEET_ARGS)
    try:
        report(asyncio.run(measure(args.rounds, fleet.pid)))
    finally:
        fleet.terminate()
        fleet.wait(timeout=10)


if __name__ == "__main__":
    main()
