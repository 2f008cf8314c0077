"""Soak: 50 simulated devices with random faults polled for 10,000 cycles in virtual time (issue 7).

Every device has its own real HeaterClient (in-process transport, the simulator's fault plan
applied); four also run a thermostat. Prints the totals, every error by type, the faults armed,
RSS samples and a JSON summary; exit status 1 on a crash, an unaccounted error or RSS growth
beyond ``--rss-growth-mib`` after the warm-up sample.

    python bench/soak.py                      # 50 devices, 10,000 cycles, a few minutes
    python bench/soak.py --devices 8 --cycles 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.soak import run_soak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault-rate", type=float, default=0.05, help="per device per cycle")
    parser.add_argument("--rss-growth-mib", type=float, default=16.0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the regulator logs every failed read; counted instead
    started = time.perf_counter()
    report = asyncio.run(
        run_soak(args.devices, args.cycles, seed=args.seed, fault_rate=args.fault_rate)
    )
    wall = time.perf_counter() - started
    samples = report.rss_kib
    warm = samples[1][1] if len(samples) > 1 else samples[0][1]
    growth_mib = (samples[-1][1] - warm) / 1024
    print(
        f"{report.devices} devices x {report.cycles} cycles, {report.polls} polls in {wall:.0f} s"
    )
    print(
        f"ok {report.ok}; errors {dict(report.errors)}; faulted polls still ok {report.faulted_ok}"
    )
    print(f"faults armed {dict(report.faults)}; thermostat ticks {report.ticks}")
    print("rss KiB by cycle: " + ", ".join(f"{c}:{k}" for c, k in samples))
    print(f"unaccounted {len(report.unaccounted)}; crashes {len(report.crashes)}")
    for line in (report.unaccounted + report.crashes)[:20]:
        print("  " + line)
    summary = {
        "devices": report.devices,
        "cycles": report.cycles,
        "polls": report.polls,
        "ok": report.ok,
        "errors": dict(report.errors),
        "faults_armed": sum(report.faults.values()),
        "faulted_polls_ok": report.faulted_ok,
        "thermostat_ticks": report.ticks,
        "unaccounted": len(report.unaccounted),
        "crashes": len(report.crashes),
        "rss_warm_mib": round(warm / 1024, 1),
        "rss_end_mib": round(samples[-1][1] / 1024, 1),
        "rss_growth_mib": round(growth_mib, 2),
        "wall_s": round(wall, 1),
    }
    print(json.dumps(summary))
    bad = report.unaccounted or report.crashes or growth_mib > args.rss_growth_mib
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
