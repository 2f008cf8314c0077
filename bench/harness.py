"""Provides what the benchmarks share: a namespace, a fleet, and the reporting rules.

The rules: medians of at least five runs with min and max, the machine load, CPU time.

Every benchmark that opens sockets re-executes itself inside a loopback-only network namespace
(the same one the test suite uses, tests/netns.py), so nothing it sends can leave the machine.
The machine these figures come from is shared (2 cores, other jobs running), so every report
starts with the load average and prefers CPU time (``process_time``, ``/proc/<pid>/stat``) to
wall time, which moves with what the neighbours do.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_RUNS = 5
"""Every figure is the median of at least this many runs, reported with its min and max."""


def ensure_namespace(script: str, argv: list[str]) -> None:
    """Re-execute ``script`` with ``argv`` in a private loopback-only namespace, unless inside."""
    sys.path.insert(0, str(ROOT))
    from tests import netns

    if os.environ.get(netns.ENV_FLAG) == "1" and netns.only_loopback():
        return
    command = netns.namespace_command([sys.executable, str(Path(script).resolve()), *argv])
    if command is None:
        sys.exit("this benchmark needs 'unshare -rn' (a private network namespace); not available")
    os.environ[netns.ENV_FLAG] = "1"
    os.execvpe(command[0], command, os.environ)  # noqa: S606 - replaces this process on purpose


def start_fleet(fleet_args: list[str]) -> subprocess.Popen[str]:
    """Start ``firmware-sim`` with ``fleet_args`` in a child process and wait until it serves."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "firmware_sim", *fleet_args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("serving"):
            return proc
    raise SystemExit(f"firmware-sim exited ({proc.wait()}) before serving")


def cpu_seconds(pid: int) -> float:
    """Return user + system CPU seconds of process ``pid`` (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def machine_load() -> str:
    """One line: time, load averages, cores and the Python running the benchmark."""
    one, five, fifteen = os.getloadavg()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    return (
        f"{stamp}  load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
        f" (shared machine: other jobs run alongside)  Python {platform.python_version()}"
    )


def print_header(title: str, runs: int) -> None:
    """Print the benchmark's title, the machine load now and the number of runs."""
    print(f"== {title}")
    print(f"machine  {machine_load()}")
    print(f"runs     {runs} (figures: median [min-max])")


def spread(values: Sequence[float], fmt: str = "{:.2f}", unit: str = "") -> str:
    """Format ``values`` as ``median [min-max]unit``."""
    if not values:
        return "n/a"
    med = statistics.median(values)
    return f"{fmt.format(med)} [{fmt.format(min(values))}-{fmt.format(max(values))}]{unit}"


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) of already sorted values (nearest rank)."""
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def verdict(ok: bool) -> str:
    """``met`` or ``MISSED``: the word every target line ends with."""
    return "met" if ok else "MISSED"


def runqueue_wait_s(pid: int) -> float:
    """Seconds process ``pid`` has spent runnable but waiting for a CPU (/proc/<pid>/schedstat).

    On a shared machine this tells a slow answer caused by the neighbours (the process wanted
    to run and was not scheduled) from one caused by its own work.
    """
    with open(f"/proc/{pid}/schedstat", encoding="ascii") as f:
        return int(f.read().split()[1]) / 1e9


def stop(proc: subprocess.Popen[str], grace_s: float = 15.0) -> None:
    """Terminate ``proc``; kill it if it has not exited after ``grace_s`` (a starved fleet)."""
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
