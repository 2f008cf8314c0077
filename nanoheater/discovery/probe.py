"""Provides the active half of discovery: expand a CIDR and probe each host's API port.

Avalon firmware does not advertise itself (docs/protocol.md §3), so existing tools sweep the subnet.
This probe sends one ``{"command":"version"}`` per host on port 4028 and identifies an Avalon by
the reply's ``PROD``/``MODEL``/``SWTYPE`` fields. Unlike pyasic it does not knock on port 80
first, open a second connection for ``devdetails``, or ask ``version`` again for the model: one
connection per host answers all three questions. A refused connection (nothing listens, which
is what almost every address of a home subnet does) costs one round trip and nothing more.

Concurrency is bounded by a fixed pool of workers pulling from one iterator of targets, rather
than by one task per address waiting on a semaphore: a /16 then holds ``concurrency`` coroutines
in memory instead of 65,534 tasks, with the same limit on open sockets.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nanoheater.address import DeviceAddress
from nanoheater.capabilities import model_from_version, product_name
from nanoheater.const import DEFAULT_TCP_PORT
from nanoheater.exceptions import NanoheaterError, UsageError
from nanoheater.models import DiscoveredHeater, DiscoverySource
from nanoheater.protocol.codec import decode_reply, encode_request
from nanoheater.protocol.parse import normalise_dna, normalise_mac
from nanoheater.protocol.sanitize import sanitize
from nanoheater.transport.tcp import TcpTransport

_LOGGER = logging.getLogger(__name__)

MAX_SCAN_ADDRESSES = 1 << 16
"""Largest network ``expand_cidr`` accepts: a /16 (IPv4) or /112 (IPv6)."""
DEFAULT_CONCURRENCY = 256
"""Probes in flight at once: a /24 goes out in one wave, well under the usual 1024-fd limit."""
DEFAULT_PROBE_TIMEOUT_S = 5.0
"""Deadline for one host that accepted the connection (connect, request, reply).

A LAN device answers in milliseconds, but one that is serving another client, or a loaded
machine (a simulated fleet, a busy Raspberry Pi), can take seconds; a device that accepted is
there, and cutting it off at 1.5 s lost 16-77 of 500 devices per /20 sweep under load. Silent
addresses are bounded by the connect deadline, so this does not lengthen a sweep.
"""
DEFAULT_PROBE_CONNECT_TIMEOUT_S = 1.0
"""Connect deadline within a probe: a silent address (no ARP reply) is given up after this."""
MAX_PRODUCT_CHARS = 40
"""Longest ``PROD`` kept for a name; real ones are at most 13 characters ("Avalon Nano3s")."""

ProgressCallback = Callable[[int, int, int], None]
"""Called as ``progress(done, total, found)`` after each probed host."""


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    """One host and port to probe, with the ways it was asked for (scan range, config file)."""

    host: str
    port: int
    sources: tuple[DiscoverySource, ...]


def expand_cidr(cidr: str) -> list[str]:
    """Return the host addresses of ``cidr`` (network and broadcast excluded, as pyasic does).

    Host bits are allowed (``192.168.1.7/24`` means that /24) and a bare address is a /32.

    Raises:
        UsageError: ``cidr`` is not a network, or is larger than a /16.
    """
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        raise UsageError(f"not a CIDR network: {cidr!r} (expected e.g. 192.168.1.0/24)") from None
    if network.num_addresses > MAX_SCAN_ADDRESSES:
        raise UsageError(
            f"refusing to scan {network}: {network.num_addresses:,} addresses, "
            f"more than a /16 ({MAX_SCAN_ADDRESSES:,})"
        )
    return [str(address) for address in network.hosts()]


def build_targets(
    scan: Sequence[str] = (),
    hosts: Sequence[str] = (),
    port: int = DEFAULT_TCP_PORT,
) -> list[ProbeTarget]:
    """Return the probe list: configured hosts first, then every scanned address, each once.

    A host that is both configured and inside a scanned range is probed once and keeps both
    sources. Raises UsageError for a bad CIDR or host string before anything is sent.
    """
    wanted: dict[tuple[str, int], list[DiscoverySource]] = {}
    for entry in hosts:
        parsed = DeviceAddress.parse_tcp(entry, port)
        wanted.setdefault((parsed.host, parsed.tcp_port), []).append(DiscoverySource.CONFIG)
    for cidr in scan:
        for host in expand_cidr(cidr):
            sources = wanted.setdefault((host, port), [])
            if DiscoverySource.PROBE not in sources:
                sources.append(DiscoverySource.PROBE)
    return [ProbeTarget(host, p, tuple(sources)) for (host, p), sources in wanted.items()]


def _is_avalon(fields: Mapping[str, Any]) -> bool:
    prod = str(fields.get("PROD", "")).upper()
    swtype = str(fields.get("SWTYPE", "")).upper()
    # PROD is "Avalon Nano3s"/"Avalonnano"/"Avalon Q" on every known firmware; SWTYPE MM318/MM319
    # covers a firmware that renamed its product string.
    return "AVALON" in prod or swtype.startswith(("MM318", "MM319"))


def heater_from_version(
    reply: Mapping[str, Any], host: str, port: int, sources: tuple[DiscoverySource, ...]
) -> DiscoveredHeater | None:
    """Return the heater a decoded ``version`` reply describes, or None if it is not an Avalon."""
    section = reply.get("VERSION")
    if not isinstance(section, list) or not section or not isinstance(section[0], Mapping):
        return None
    fields: Mapping[str, Any] = section[0]
    if not _is_avalon(fields):
        return None
    mac = normalise_mac(sanitize(fields.get("MAC", ""), 32) or None)
    model = model_from_version(fields)
    product = product_name(sanitize(fields.get("PROD", ""), MAX_PRODUCT_CHARS) or "Avalon", model)
    # The same "<Product> <mac last 4>" shape the mDNS instance names use.
    name = f"{product} {mac.replace(':', '')[-4:].upper()}" if mac else product
    return DiscoveredHeater(
        name=name,
        host=host,
        port=port,
        model=model,
        mac=mac,
        dna=normalise_dna(sanitize(fields.get("DNA", ""), 80) or None),
        sources=sources,
    )


async def probe_host(
    target: ProbeTarget,
    *,
    timeout_s: float = DEFAULT_PROBE_TIMEOUT_S,
    connect_timeout_s: float = DEFAULT_PROBE_CONNECT_TIMEOUT_S,
) -> DiscoveredHeater | None:
    """Ask one host for ``version``; return the heater if an Avalon answered, else None.

    Never raises for network or protocol trouble: a refused, silent or garbled host is simply
    not a heater.
    """
    transport = TcpTransport(
        target.host,
        target.port,
        timeout_s=timeout_s,
        connect_timeout_s=min(connect_timeout_s, timeout_s),
    )
    try:
        reply = decode_reply(await transport.request(encode_request("version")))
    except NanoheaterError as exc:
        reason = str(exc) if str(exc).startswith(transport.label) else f"{transport.label}: {exc}"
        if DiscoverySource.CONFIG in target.sources:
            # The user named this host, so its silence is worth a line on stderr; a scanned
            # address that does not answer is the normal case.
            _LOGGER.warning("configured host did not answer: %s", reason)
        else:
            _LOGGER.debug("not a heater: %s", reason)
        return None
    except Exception as exc:
        # (an unexpected error inside the TaskGroup was an ExceptionGroup traceback, issue 14)
        _LOGGER.warning("%s: probe failed (%s)", transport.label, type(exc).__name__)
        return None
    finally:
        await transport.close()
    heater = heater_from_version(reply, target.host, target.port, target.sources)
    if heater is None and DiscoverySource.CONFIG in target.sources:
        _LOGGER.warning("configured host %s is not an Avalon", transport.label)
    return heater


async def probe_targets(
    targets: Iterable[ProbeTarget],
    found: Callable[[DiscoveredHeater], None],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout_s: float = DEFAULT_PROBE_TIMEOUT_S,
    connect_timeout_s: float = DEFAULT_PROBE_CONNECT_TIMEOUT_S,
    progress: ProgressCallback | None = None,
) -> int:
    """Probe every target, at most ``concurrency`` at once; call ``found`` for each heater.

    Returns the number of heaters found.
    """
    if concurrency < 1:
        raise UsageError(f"concurrency must be at least 1, not {concurrency}")
    pending: Sequence[ProbeTarget] = list(targets)
    queue: Iterator[ProbeTarget] = iter(pending)
    done = hits = 0

    async def worker() -> None:
        nonlocal done, hits
        # Workers share one iterator; asyncio is single-threaded, so next() needs no lock.
        for target in queue:
            heater = await probe_host(
                target, timeout_s=timeout_s, connect_timeout_s=connect_timeout_s
            )
            done += 1
            if heater is not None:
                hits += 1
                found(heater)
            if progress is not None:
                progress(done, len(pending), hits)

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(pending))):
            group.create_task(worker())
    return hits
