"""Controller benchmark: each controller on each scenario and seed, via ``nanoheater simulate``.

Runs ``nanoheater simulate --scenario S --controller C --seed N --json`` for all combinations
(each in its own process, as a user would), at least five seeds each, and prints as Markdown for
BENCHMARKS.md: a table of medians [min-max] over the seeds (one figure where every seed agrees)
and the target checks, each evaluated seed by seed (a controller is compared with another on the
same seed, so the same weather) with the median figures quoted. The controllers are told only
what the real app has (nanoheater/cli/sim_knowledge.py). Usage:
``python bench/controllers.py [--seeds 5] [--jobs N] [--scenarios a,b]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import MIN_RUNS, ROOT, machine_load

SCENARIOS = (
    "cold-start", "steady-week", "setback", "cold-snap", "tou-peak",
    "variable-week", "gains", "noisy-sensor", "occupancy", "realistic",
)  # fmt: skip
CONTROLLERS = ("bang-bang", "staged", "pi")
Results = dict[tuple[str, str], list[dict[str, Any]]]
"""(scenario, controller) -> one report per seed, in seed order."""


def simulate(scenario: str, controller: str, seed: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "nanoheater", "simulate", "--scenario", scenario,
           "--controller", controller, "--seed", str(seed), "--json"]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return dict(json.loads(out.stdout))


def cell(runs: list[dict[str, Any]], key: str, nd: int = 2) -> str:
    """Median [min-max] of ``key`` over the seeds; one figure when they all agree."""
    values = [r[key] for r in runs if r[key] is not None]
    if not values:
        return "-"
    lo, med, hi = min(values), statistics.median(values), max(values)
    if f"{lo:.{nd}f}" == f"{hi:.{nd}f}":
        return f"{med:.{nd}f}"
    return f"{med:.{nd}f} [{lo:.{nd}f}-{hi:.{nd}f}]"


COLUMNS = (
    ("K·h outside ±0.5 K", "kh_outside_band", 2),
    ("RMS last half (K)", "last_half_rms_k", 3),
    ("overshoot (K)", "overshoot_k", 2),
    ("reach set-0.5 K (h)", "reach_h", 2),
    ("mode changes/day", "mode_changes_per_day", 1),
    ("on/off/day", "on_off_per_day", 1),
    ("switches/day last half", "last_half_switches_per_day", 1),
    ("kWh", "kwh", 2),
    ("expected sats", "expected_sats", 0),
    ("net $/kWh heat", "net_cost_per_kwh_heat_usd", 4),
    ("app's UA (W/K)", "app_ua_w_k", 1),
    ("wall s", "wall_s", 2),
    ("CPU s", "cpu_s", 2),
)


def table(results: Results, scenarios: tuple[str, ...]) -> list[str]:
    head = "| scenario | controller | " + " | ".join(c[0] for c in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for s in scenarios:
        for c in CONTROLLERS:
            runs = results[(s, c)]
            cells = " | ".join(cell(runs, key, nd) for _, key, nd in COLUMNS)
            lines.append(f"| {s} | {c} | {cells} |")
    return lines


def check(
    results: Results,
    name: str,
    scenario: str,
    test: Callable[[dict[str, dict[str, Any]]], tuple[bool, float, float]],
    unit: str,
) -> str:
    """One target row: ``test`` per seed gets {controller: report} and returns (ok, got, bound)."""
    n = len(results[(scenario, CONTROLLERS[0])])
    outcomes = [test({c: results[(scenario, c)][k] for c in CONTROLLERS}) for k in range(n)]
    met = sum(ok for ok, _, _ in outcomes)
    got = statistics.median(g for _, g, _ in outcomes)
    bound = statistics.median(b for _, _, b in outcomes)
    lo, hi = min(g for _, g, _ in outcomes), max(g for _, g, _ in outcomes)
    word = "met" if met == n else "NOT met"
    return (
        f"| {name} | {word} ({met}/{n} seeds) | {got:.3f} [{lo:.3f}-{hi:.3f}] {unit} "
        f"against {bound:.3f} (medians) |"
    )


def steady(metric: str, ctrl: str, factor: float) -> Callable[..., tuple[bool, float, float]]:
    """``ctrl``'s ``metric`` <= ``factor`` x bang-bang's, on the same seed."""

    def test(r: dict[str, dict[str, Any]]) -> tuple[bool, float, float]:
        got, bound = r[ctrl][metric], r["bang-bang"][metric] * factor
        return got <= bound, got, bound

    return test


def energy(ctrl: str) -> Callable[..., tuple[bool, float, float]]:
    def test(r: dict[str, dict[str, Any]]) -> tuple[bool, float, float]:
        diff = (r[ctrl]["last_half_kwh"] - r["bang-bang"]["last_half_kwh"]) / r["bang-bang"][
            "last_half_kwh"
        ]
        return abs(diff) <= 0.03, diff * 100, 3.0

    return test


def reach(ctrl: str) -> Callable[..., tuple[bool, float, float]]:
    def test(r: dict[str, dict[str, Any]]) -> tuple[bool, float, float]:
        late_min = (r[ctrl]["reach_h"] - r["bang-bang"]["reach_h"]) * 60
        return late_min <= 15.0, late_min, 15.0

    return test


def overshoot(ctrl: str) -> Callable[..., tuple[bool, float, float]]:
    def test(r: dict[str, dict[str, Any]]) -> tuple[bool, float, float]:
        return r[ctrl]["overshoot_k"] <= 0.5, r[ctrl]["overshoot_k"], 0.5

    return test


def unreachable(r: dict[str, dict[str, Any]]) -> tuple[bool, float, float]:
    warned = sum(any("cannot be reached" in w for w in rep["warnings"]) for rep in r.values())
    return warned == len(r), float(warned), float(len(r))


def targets(results: Results) -> list[str]:
    rows = ["| target | result | figure (median [min-max] over seeds) |", "|---|---|---|"]
    rows.append(check(results, "steady-week: staged RMS <= bang-bang RMS (last half)",
                      "steady-week", steady("last_half_rms_k", "staged", 1.0), "K"))  # fmt: skip
    rows.append(check(results, "steady-week: staged switches <= 1/5 of bang-bang's",
                      "steady-week", steady("last_half_switches_per_day", "staged", 0.2),
                      "per day"))  # fmt: skip
    rows.append(check(results, "steady-week: pi RMS <= 1/2 of bang-bang's",
                      "steady-week", steady("last_half_rms_k", "pi", 0.5), "K"))  # fmt: skip
    rows.append(check(results, "steady-week: pi switches <= bang-bang's",
                      "steady-week", steady("last_half_switches_per_day", "pi", 1.0),
                      "per day"))  # fmt: skip
    for c in ("staged", "pi"):
        rows.append(check(results, f"steady-week: {c} energy within 3 % of bang-bang",
                          "steady-week", energy(c), "% (bound on its size)"))  # fmt: skip
    for c in ("staged", "pi"):
        rows.append(check(results, f"cold-start: {c} reaches 20.5 C <= 15 min after bang-bang",
                          "cold-start", reach(c), "min later"))  # fmt: skip
        rows.append(check(results, f"cold-start: {c} overshoot <= 0.5 K",
                          "cold-start", overshoot(c), "K"))  # fmt: skip
    rows.append(check(results, "cold-snap: set-point reported unreachable (controllers warning)",
                      "cold-snap", unreachable, "of 3"))  # fmt: skip
    walls = [r["wall_s"] for runs in results.values() for r in runs if r["hours"] == 48.0]
    cpus = [r["cpu_s"] for runs in results.values() for r in runs if r["hours"] == 48.0]
    n_ok = sum(w <= 5.0 for w in walls)
    rows.append(
        f"| 48 h scenario in <= 5 s wall time | {'met' if n_ok == len(walls) else 'NOT met'} "
        f"({n_ok}/{len(walls)} runs) | wall {statistics.median(walls):.2f} "
        f"[{min(walls):.2f}-{max(walls):.2f}] s; CPU {statistics.median(cpus):.2f} "
        f"[{min(cpus):.2f}-{max(cpus):.2f}] s |"
    )
    return rows


def same_targets_on(results: Results, scenario: str) -> list[str]:
    """The steady-week comparisons repeated on another scenario: information, not targets."""
    return [
        check(results, f"{scenario}: staged RMS <= bang-bang RMS", scenario,
              steady("last_half_rms_k", "staged", 1.0), "K"),
        check(results, f"{scenario}: staged switches <= 1/5 of bang-bang's", scenario,
              steady("last_half_switches_per_day", "staged", 0.2), "per day"),
        check(results, f"{scenario}: pi RMS <= 1/2 of bang-bang's", scenario,
              steady("last_half_rms_k", "pi", 0.5), "K"),
        check(results, f"{scenario}: pi switches <= bang-bang's", scenario,
              steady("last_half_switches_per_day", "pi", 1.0), "per day"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=MIN_RUNS, help="seeds 1..N per pair")
    parser.add_argument("--jobs", type=int, default=1, help="parallel runs (walls grow with >1)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--raw", type=Path, default=None, help="also write every report (JSON)")
    args = parser.parse_args()
    if args.seeds < MIN_RUNS:
        parser.error(f"--seeds must be at least {MIN_RUNS} (medians of at least five runs)")
    scenarios = tuple(s for s in args.scenarios.split(",") if s)
    seeds = range(1, args.seeds + 1)
    combos = [(s, c, k) for s in scenarios for c in CONTROLLERS for k in seeds]
    load_before = machine_load()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        reports = list(pool.map(lambda sck: simulate(*sck), combos))
    load_after = machine_load()
    results: Results = {}
    for (s, c, _), rep in zip(combos, reports, strict=True):
        results.setdefault((s, c), []).append(rep)
    text = [
        "# Controllers on the reference scenarios",
        "",
        f"Produced by `python bench/controllers.py --seeds {args.seeds} --jobs {args.jobs}`:",
        f"seeds {seeds.start}-{seeds.stop - 1} for every scenario and controller, each run in its",
        "own process; figures are median [min-max] over the seeds (one figure: all agree).",
        f"Machine: {platform.machine()}, Python {platform.python_version()}.",
        f"Before: {load_before}",
        f"After:  {load_after}",
        "",
        *table(results, scenarios),
        "",
    ]
    if {"steady-week", "cold-start", "cold-snap"} <= set(scenarios):
        text += ["## Targets (steady-week over its last half; per seed)", "", *targets(results)]
    for extra in ("variable-week", "realistic"):
        if extra in scenarios:
            text += ["", f"## The same comparisons on {extra} (no target)", ""]
            text += ["| comparison | result | figure |", "|---|---|---|"]
            text += same_targets_on(results, extra)
    print("\n".join(text))
    if args.raw is not None:
        args.raw.write_text(json.dumps({f"{s}|{c}": r for (s, c), r in results.items()}), "utf-8")


if __name__ == "__main__":
    main()
