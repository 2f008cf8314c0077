"""Benchmark: one simulated day of one device and its room at 1 s steps (docs/physics.md §5.2).

Usage: ``python bench/sim_day.py [--model nano3s] [--repeat 5]``. Prints the best wall time of
``--repeat`` runs and the speed-up over real time; the budget is 1 s per simulated day.
"""

from __future__ import annotations

import argparse
import time

from firmware_sim.clock import VirtualClock
from firmware_sim.device import create_heater
from firmware_sim.world import World

DAY_S = 86_400.0
BUDGET_S = 1.0


def one_day(model: str, seed: int) -> float:
    """Return the wall seconds one simulated day of ``model`` plus its room takes."""
    world = World(VirtualClock(), seed)
    heater = create_heater(model, world=world)
    start = time.perf_counter()
    world.run_for(DAY_S)
    elapsed = time.perf_counter() - start
    assert heater.state.energy_kwh > 0.0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nano3s")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times = [one_day(args.model, seed) for seed in range(args.repeat)]
    best = min(times)
    print(
        f"{args.model}: one simulated day at 1 s steps: best {best:.3f} s, "
        f"median {sorted(times)[len(times) // 2]:.3f} s of wall time "
        f"({DAY_S / best:,.0f} x real time; budget {BUDGET_S:.1f} s -> "
        f"{'OK' if best <= BUDGET_S else 'OVER BUDGET'})"
    )


if __name__ == "__main__":
    main()
