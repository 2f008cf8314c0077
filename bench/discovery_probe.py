"""Benchmark: probe a LAN-like /24 (100 heaters, 154 silent addresses); nanoheater vs pyasic.

Usage: ``python bench/discovery_probe.py [--rounds 5] [--sweeps 20] [--cidr 127.0.0.0/24]
[--devices 100]``. The script re-runs itself inside a private network namespace (loopback only),
then makes that namespace behave like a home LAN: nftables rules drop every connection attempt
(TCP SYN) to an address of the range that holds no device, so a connect there gets no answer at
all (as an address with no host behind it gets no ARP reply) instead of the instant refusal
loopback gives. Devices sit
on the first addresses from .2 up, as ``firmware-sim serve`` places them, in a child process.
Needs the ``nft`` command (Debian: ``apt-get install nftables``); it only changes the namespace.

Part 1, in one run alternating round by round:

- nanoheater: ``discover(scan=CIDR, mdns=False)``: 256 probes in flight, one ``version``
  exchange per address, a 1 s connect deadline for silence;
- pyasic (peer, default settings): ``MinerNetwork.from_subnet(CIDR).scan()``: per address a
  connect to port 80 with a 3 s timeout, then 4028/4029/8889, then ``get_miner``.

Part 2: ``--sweeps`` nanoheater sweeps back to back while a second process keeps one core busy
(a pure-Python loop), counting the devices each sweep lists; none may be missing.

Targets (issue 15): every device listed in <= 1.5 s (median of rounds) and none lost under load.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable

from harness import ensure_namespace, print_header, spread, start_fleet, verdict

MODELS = ("nano3s", "mini3", "q", "nano3")
TARGET_S = 1.5
BUSY_LOOP = "import time\nend = time.monotonic() + 3600\nwhile time.monotonic() < end: pass\n"


def device_addresses(cidr: str, devices: int) -> list[str]:
    """The addresses the fleet takes: the range's hosts from the second one (.2) on."""
    hosts = list(ipaddress.ip_network(cidr).hosts())
    return [str(a) for a in hosts[1 : 1 + devices]]


def make_lan(cidr: str, present: list[str]) -> int:
    """Drop every packet to the range's absent addresses (nftables); return how many are silent."""
    if shutil.which("nft") is None:
        sys.exit(
            "this benchmark needs nft (nftables) inside its namespace: apt-get install nftables"
        )
    network = ipaddress.ip_network(cidr)
    taken = {ipaddress.ip_address(a) for a in present}
    silent = [a for a in network.hosts() if a not in taken]
    # Collapse into ranges so a /20 stays a handful of set elements.
    ranges: list[str] = []
    start = prev = None
    for address in silent:
        if start is None:
            start = prev = address
        elif int(address) == int(prev) + 1:  # type: ignore[arg-type]
            prev = address
        else:
            ranges.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = address
    if start is not None:
        ranges.append(f"{start}-{prev}" if start != prev else str(start))
    rules = (
        "table ip lan {\n"
        "  set silent { type ipv4_addr; flags interval; elements = { "
        + ", ".join(ranges)
        + " } }\n"
        # Only connection openings (SYN without ACK): 127.0.0.1 is in the range and silent,
        # but it is also the source address of every local connection, so its replies pass.
        "  chain out { type filter hook output priority 0;"
        " ip daddr @silent tcp flags & (syn | ack) == syn drop; }\n"
        "}\n"
    )
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True)
    return len(silent)


async def nanoheater_scan(cidr: str) -> list[str]:
    """Probe the range with nanoheater; return the model of every heater it listed."""
    from nanoheater.discovery import discover

    return [str(h.model) for h in await discover(scan=cidr, mdns=False)]


def pyasic_scan(cidr: str) -> Callable[[], Awaitable[list[str]]]:
    """A scan with pyasic's MinerNetwork, default settings."""

    async def scan() -> list[str]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pyasic.network import MinerNetwork

        miners = await MinerNetwork.from_subnet(cidr).scan()
        return [type(miner).__name__ for miner in miners]

    return scan


async def compare(cidr: str, devices: int, rounds: int) -> bool:
    """Part 1: alternate nanoheater and pyasic sweeps; print figures; return targets met."""
    contenders: dict[str, Callable[[], Awaitable[list[str]]]] = {
        "nanoheater": lambda: nanoheater_scan(cidr),
        "pyasic": pyasic_scan(cidr),
    }
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in contenders}
    for round_index in range(rounds + 1):
        for name, scan in contenders.items():
            start = time.perf_counter()
            kinds = await scan()
            elapsed = time.perf_counter() - start
            if not round_index:
                kinds_seen = dict(sorted(Counter(kinds).items()))
                print(f"  warm-up: {name:<11} {elapsed:6.3f} s  {kinds_seen}")
            else:
                results[name].append((elapsed, len(kinds)))
                print(f"  round {round_index}: {name:<11} {elapsed:6.3f} s  listed {len(kinds)}")
    for name, runs in results.items():
        print(
            f"  {name:<11} {spread([t for t, _ in runs], '{:.3f}', ' s')}"
            f"  listed {sorted({n for _, n in runs})} of {devices}"
        )
    ours = statistics.median(t for t, _ in results["nanoheater"])
    theirs = statistics.median(t for t, _ in results["pyasic"])
    complete = all(n == devices for _, n in results["nanoheater"])
    ok = complete and ours <= TARGET_S
    print(f"  pyasic / nanoheater: {theirs / ours:.1f}x")
    print(f"  nanoheater lists all {devices} in <= {TARGET_S} s: {verdict(ok)}")
    return ok


def start_hogs(count: int) -> list[subprocess.Popen[bytes]]:
    """Start ``count`` processes that each keep one core busy for up to an hour."""
    return [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(count)]


async def under_load(cidr: str, devices: int, sweeps: int, hogs: int) -> bool:
    """Part 2: ``sweeps`` nanoheater sweeps with ``hogs`` busy processes; return none lost."""
    procs = start_hogs(hogs)
    counts: list[int] = []
    times: list[float] = []
    try:
        for _ in range(sweeps):
            start = time.perf_counter()
            counts.append(len(await nanoheater_scan(cidr)))
            times.append(time.perf_counter() - start)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    lost = sum(devices - c for c in counts)
    print(
        f"  {sweeps} sweeps with {hogs} busy process(es) beside: listed {dict(Counter(counts))},"
        f" time {spread(times, '{:.3f}', ' s')}"
    )
    print(f"  no device lost: {verdict(lost == 0)} ({lost} misses in {sweeps} sweeps)")
    return lost == 0


def main() -> None:
    """Enter the namespace, make it LAN-like, start the fleet, run both parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sweeps", type=int, default=20)
    parser.add_argument("--cidr", default="127.0.0.0/24")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--no-pyasic", action="store_true", help="skip part 1")
    parser.add_argument("--hogs", type=int, default=1, help="busy processes during part 2")
    parser.add_argument(
        "--refuse", action="store_true", help="leave absent addresses refusing (plain loopback)"
    )
    args = parser.parse_args()
    ensure_namespace(__file__, sys.argv[1:])
    logging.disable(logging.WARNING)  # pyasic logs a warning per silent socket; not timed
    present = device_addresses(args.cidr, args.devices)
    if args.refuse:
        absent = f"{len(list(ipaddress.ip_network(args.cidr).hosts())) - args.devices} refusing"
    else:
        absent = f"{make_lan(args.cidr, present)} silent (nftables drop)"
    print_header(
        f"discovery probe: {args.cidr}, {args.devices} devices, {absent} addresses", args.rounds
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyasic
    print(
        f"peer     pyasic {pyasic.__version__} MinerNetwork.scan(), default settings"
        " (port 80 first with a 3 s timeout; 'network_scan_semaphore' unset)"
    )
    per, extra = divmod(args.devices, len(MODELS))
    fleet_args = ["serve", "--address", present[0], "--port", "4028", "--control-port", "0"]
    for model in MODELS:
        count = per + (1 if extra > 0 else 0)
        extra -= 1
        if count:
            fleet_args += ["--model", f"{model}:{count}"]
    fleet = start_fleet(fleet_args)
    try:
        ok = True
        if not args.no_pyasic:
            ok &= asyncio.run(compare(args.cidr, args.devices, args.rounds))
        if args.sweeps:
            ok &= asyncio.run(under_load(args.cidr, args.devices, args.sweeps, args.hogs))
    finally:
        fleet.terminate()
        fleet.wait(timeout=30)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
