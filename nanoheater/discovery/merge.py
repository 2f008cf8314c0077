"""Provides the merge of discovery findings into one list keyed by device identity.

Each way of finding a device (mDNS, a CIDR probe, a configured host) reports what it saw on
its own. A device found twice must be listed once, with every source, so the findings are
grouped by identity: DNA, else MAC, never the IP address (docs/protocol.md §6.11), because a
heater's address changes with DHCP while its DNA and MAC do not. Two findings belong together
when they share a DNA or a MAC, so a finding that carries only the MAC still joins one that
carries both.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence

from nanoheater.address import DeviceAddress
from nanoheater.models import DiscoveredHeater, DiscoverySource
from nanoheater.protocol.sanitize import sanitize

_LOGGER = logging.getLogger(__name__)

SOURCE_ORDER: tuple[DiscoverySource, ...] = (
    DiscoverySource.MDNS,
    DiscoverySource.PROBE,
    DiscoverySource.CONFIG,
)
"""The order in which sources are listed on a merged entry (and in ``--json`` ``source``)."""

# Which finding's address wins when sources disagree: the host the user configured, then the
# address that answered our probe on the API port, then what mDNS announced (which may be an
# address on another interface of the announcing host).
_HOST_PREFERENCE = (DiscoverySource.CONFIG, DiscoverySource.PROBE, DiscoverySource.MDNS)
# Which finding's name wins: a user-visible mDNS instance name, else the probe's PROD-based one.
_NAME_PREFERENCE = (DiscoverySource.MDNS, DiscoverySource.PROBE, DiscoverySource.CONFIG)


def _keys(heater: DiscoveredHeater) -> list[str]:
    keys = []
    if heater.dna:
        keys.append(f"dna:{heater.dna}")
    if heater.mac:
        keys.append(f"mac:{heater.mac}")
    return keys


def _pick(
    group: Sequence[DiscoveredHeater], preference: Sequence[DiscoverySource]
) -> DiscoveredHeater:
    """Return the member whose best source comes first in ``preference``."""

    def rank(heater: DiscoveredHeater) -> int:
        return min((preference.index(s) for s in heater.sources), default=len(preference))

    return min(group, key=rank)  # min() is stable: ties keep arrival order


def _combine(group: Sequence[DiscoveredHeater]) -> DiscoveredHeater:
    by_host = _pick(group, _HOST_PREFERENCE)
    by_name = _pick(group, _NAME_PREFERENCE)
    # Fields missing on the preferred member are filled from the others, in arrival order.
    ordered = [by_host, *(h for h in group if h is not by_host)]

    def first(field: str) -> str | None:
        for heater in ordered:
            value = getattr(heater, field)
            if value is not None:
                return value  # type: ignore[no-any-return]
        return None

    sources = {s for heater in group for s in heater.sources}
    return DiscoveredHeater(
        name=by_name.name,
        host=by_host.host,
        port=by_host.port,
        model=next((h.model for h in ordered if h.model is not None), None),
        mac=first("mac"),
        dna=first("dna"),
        sources=tuple(s for s in SOURCE_ORDER if s in sources),
    )


def _sort_key(heater: DiscoveredHeater) -> tuple[int, int, str, int]:
    try:
        address = ipaddress.ip_address(heater.host)
    except ValueError:
        return (1, 0, heater.host, heater.port)
    return (0, int(address) + (address.version << 128), "", heater.port)


def merge_heaters(findings: Iterable[DiscoveredHeater]) -> list[DiscoveredHeater]:
    """Merge findings into one entry per device, sorted by address.

    Findings that share a DNA or a MAC are one device; its entry lists every source. A finding
    with neither (a Nano 3 answers ``version`` without a usable DNA or MAC) joins the one
    identified device at the same host and port, if there is exactly one, and otherwise stays
    an entry of its own, merged only with other anonymous findings at the same host and port.
    """
    items = list(findings)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    anonymous: list[int] = []
    for index, heater in enumerate(items):
        keys = _keys(heater)
        if not keys:
            anonymous.append(index)
        for key in keys:
            if key in owner:
                parent[root(index)] = root(owner[key])
            else:
                owner[key] = index

    identified_at: dict[tuple[str, int], set[int]] = {}
    for index, heater in enumerate(items):
        if _keys(heater):
            identified_at.setdefault((heater.host, heater.port), set()).add(root(index))
    anonymous_at: dict[tuple[str, int], int] = {}
    for index in anonymous:
        where = (items[index].host, items[index].port)
        candidates = {root(g) for g in identified_at.get(where, set())}
        if len(candidates) == 1:
            parent[root(index)] = candidates.pop()
        elif where in anonymous_at:
            parent[root(index)] = root(anonymous_at[where])
        else:
            anonymous_at[where] = index

    groups: dict[int, list[DiscoveredHeater]] = {}
    for index, heater in enumerate(items):
        groups.setdefault(root(index), []).append(heater)
    merged: list[DiscoveredHeater] = []
    for group in groups.values():
        merged.extend(_combine(part) for part in _split_conflicts(group))
    return sorted(merged, key=_sort_key)


def _split_conflicts(group: list[DiscoveredHeater]) -> list[list[DiscoveredHeater]]:
    """Keep one group, unless its identity answers at two IP addresses: then one per address.

    Two live addresses reporting one DNA or MAC are a clone or a misconfiguration, not one
    device: merging them hid one from ``discover`` (issue 14). Both stay listed, and the
    conflict is logged. (A configured host name and the IP it resolves to are not compared:
    only IP literals that answered a probe are.)
    """
    by_address: dict[tuple[str, int], list[DiscoveredHeater]] = {}
    for heater in group:
        by_address.setdefault((heater.host, heater.port), []).append(heater)
    # Addresses that answered our own probe (scan or configured host); an mDNS address may be
    # another interface of the same host, so it is never counted against them.
    live = [
        where
        for where, members in by_address.items()
        if _is_ip(where[0])
        and any(s is not DiscoverySource.MDNS for h in members for s in h.sources)
    ]
    if len(live) < 2:
        return [group]
    key = group[0].identity
    _LOGGER.warning(
        "identity conflict: %s answers at %s; listed separately",
        sanitize(key, 64),
        ", ".join(str(DeviceAddress.from_host_port(h, p)) for h, p in live),
    )
    return list(by_address.values())


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def source_label(heater: DiscoveredHeater) -> str:
    """Return the sources of an entry as one comma-joined string, e.g. ``"mdns,probe"``."""
    return ",".join(s.value for s in heater.sources)
