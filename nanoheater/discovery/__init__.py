"""Provides heater discovery: mDNS browsing, a CIDR probe of port 4028 and configured hosts, merged.

Three ways find a heater, all run at once:

- **mDNS**: browse ``_avalon-miner._tcp.local.`` (the simulator's advertisement, or an avahi
  service file on the user's network; real Avalon firmware advertises nothing, docs/protocol.md §3);
- **probe**: send ``version`` to every host of a CIDR range on the API port, at most
  ``concurrency`` at once, and keep the hosts whose reply is an Avalon's;
- **config**: the same probe for host strings the caller passes (the config file's hosts).

Findings are merged into one entry per device, keyed by DNA, else MAC, never by address; each
entry lists every source that found it. Every string a device supplied is sanitised.

Example (tests/discovery/test_probe_fleet.py runs it against three simulated heaters)::

    heaters = await discover(scan="127.0.0.0/29", mdns=False)
    for heater in heaters:
        print(heater.name, heater.host, heater.model, source_label(heater))
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import TYPE_CHECKING

from nanoheater.const import DEFAULT_TCP_PORT, MDNS_SERVICE_TYPE
from nanoheater.discovery.mdns import browse_mdns
from nanoheater.discovery.merge import merge_heaters, source_label
from nanoheater.discovery.probe import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PROBE_TIMEOUT_S,
    MAX_SCAN_ADDRESSES,
    ProbeTarget,
    ProgressCallback,
    build_targets,
    expand_cidr,
    heater_from_version,
    probe_host,
    probe_targets,
)
from nanoheater.models import DiscoveredHeater
from nanoheater.protocol.parse import normalise_dna, normalise_mac

if TYPE_CHECKING:
    from zeroconf.asyncio import AsyncZeroconf

DEFAULT_DISCOVERY_TIMEOUT_S = 3.0
"""How long discovery listens for mDNS answers; probes finish on their own deadline."""
RUNNER_TASK_NAME = "nanoheater-discovery"
"""Name of the task ``browse`` runs discovery in (so a caller can see it is gone)."""


async def _run(
    found: Callable[[DiscoveredHeater], None],
    *,
    timeout_s: float,
    mdns: bool,
    scan: str | Sequence[str],
    hosts: Sequence[str],
    port: int,
    zeroconf: AsyncZeroconf | None,
    service_type: str,
    concurrency: int,
    progress: ProgressCallback | None,
) -> None:
    cidrs = (scan,) if isinstance(scan, str) else tuple(scan)
    # Validate every range and host string before the first packet goes out.
    targets = build_targets(cidrs, hosts, port)
    async with asyncio.TaskGroup() as group:
        if mdns:
            group.create_task(
                browse_mdns(
                    found, timeout_s=timeout_s, zeroconf=zeroconf, service_type=service_type
                )
            )
        if targets:
            group.create_task(
                probe_targets(
                    targets,
                    found,
                    concurrency=concurrency,
                    timeout_s=min(timeout_s, DEFAULT_PROBE_TIMEOUT_S),
                    progress=progress,
                )
            )


async def discover(
    *,
    timeout_s: float = DEFAULT_DISCOVERY_TIMEOUT_S,
    mdns: bool = True,
    scan: str | Sequence[str] = (),
    hosts: Sequence[str] = (),
    port: int = DEFAULT_TCP_PORT,
    zeroconf: AsyncZeroconf | None = None,
    service_type: str = MDNS_SERVICE_TYPE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
    found: Callable[[DiscoveredHeater], None] | None = None,
) -> list[DiscoveredHeater]:
    """Find heaters by every enabled means and return them merged, one entry per device.

    Args:
        timeout_s: mDNS listening window, and the cap on the deadline of each probe that
            connected (at most 5 s; silent addresses are dropped after 1 s).
        mdns: Browse mDNS; with ``mdns=False`` the call returns as soon as the probes finish.
        scan: CIDR range(s) to probe on ``port`` (each at most a /16).
        hosts: Configured ``host[:port]`` strings, probed the same way (source ``config``).
        port: API port for scanned addresses and for hosts given without one.
        zeroconf: An ``AsyncZeroconf`` to browse with; left open. One is made and closed if None.
        service_type: DNS-SD type to browse.
        concurrency: Most probes in flight at once.
        progress: Called as ``progress(done, total, found)`` after each probed host.
        found: Called with each raw finding as it arrives (one source each, not yet merged).

    Raises:
        UsageError: a CIDR is malformed or larger than a /16, or a host string is malformed.
    """
    findings: list[DiscoveredHeater] = []

    def collect(heater: DiscoveredHeater) -> None:
        findings.append(heater)
        if found is not None:
            found(heater)

    await _run(
        collect,
        timeout_s=timeout_s,
        mdns=mdns,
        scan=scan,
        hosts=hosts,
        port=port,
        zeroconf=zeroconf,
        service_type=service_type,
        concurrency=concurrency,
        progress=progress,
    )
    return merge_heaters(findings)


async def browse(
    *,
    timeout_s: float = DEFAULT_DISCOVERY_TIMEOUT_S,
    mdns: bool = True,
    scan: str | Sequence[str] = (),
    hosts: Sequence[str] = (),
    port: int = DEFAULT_TCP_PORT,
    zeroconf: AsyncZeroconf | None = None,
    service_type: str = MDNS_SERVICE_TYPE,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> AsyncGenerator[DiscoveredHeater, None]:
    """Yield each finding as it arrives, for a UI that lists heaters while discovery runs.

    Takes the same arguments as ``discover``. A device found two ways is yielded twice, once
    per source; ``merge_heaters`` (or keying by ``identity``) folds them. Leaving the loop early
    stops discovery and closes what it opened.
    """
    queue: asyncio.Queue[DiscoveredHeater | None] = asyncio.Queue()
    runner = asyncio.create_task(
        _run(
            queue.put_nowait,
            timeout_s=timeout_s,
            mdns=mdns,
            scan=scan,
            hosts=hosts,
            port=port,
            zeroconf=zeroconf,
            service_type=service_type,
            concurrency=concurrency,
            progress=None,
        ),
        name=RUNNER_TASK_NAME,
    )
    runner.add_done_callback(lambda _: queue.put_nowait(None))
    try:
        while (heater := await queue.get()) is not None:
            yield heater
        await runner  # re-raises a UsageError or other failure of the run
    finally:
        if not runner.done():
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner


__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_DISCOVERY_TIMEOUT_S",
    "MAX_SCAN_ADDRESSES",
    "RUNNER_TASK_NAME",
    "ProbeTarget",
    "ProgressCallback",
    "browse",
    "build_targets",
    "discover",
    "expand_cidr",
    "heater_from_version",
    "merge_heaters",
    "normalise_dna",
    "normalise_mac",
    "probe_host",
    "probe_targets",
    "source_label",
]
