"""Tests for turning CIDR ranges and host strings into the probe list, and their refusals."""

from __future__ import annotations

import pytest

from nanoheater.discovery import MAX_SCAN_ADDRESSES, build_targets, expand_cidr
from nanoheater.exceptions import UsageError
from nanoheater.models import DiscoverySource


def test_expand_cidr_lists_hosts_without_network_and_broadcast() -> None:
    """Pins that a /29 expands to its six host addresses, in order."""
    assert expand_cidr("127.0.0.0/29") == [f"127.0.0.{i}" for i in range(1, 7)]


def test_expand_cidr_accepts_host_bits_and_bare_addresses() -> None:
    """Pins that 127.0.0.77/30 means its /30 and a bare address means just that address."""
    assert expand_cidr("127.0.0.77/30") == ["127.0.0.77", "127.0.0.78"]
    assert expand_cidr("127.0.0.5") == ["127.0.0.5"]


def test_expand_cidr_allows_exactly_a_slash_16() -> None:
    """Pins the limit: a /16 (65,534 hosts) is allowed."""
    hosts = expand_cidr("127.1.0.0/16")
    assert len(hosts) == MAX_SCAN_ADDRESSES - 2
    assert hosts[0] == "127.1.0.1"
    assert hosts[-1] == "127.1.255.254"


@pytest.mark.parametrize("cidr", ["10.0.0.0/15", "127.0.0.0/8", "0.0.0.0/0", "fd00::/64"])
def test_expand_cidr_refuses_more_than_a_slash_16(cidr: str) -> None:
    """Pins that anything larger than a /16 is a UsageError (exit code 2) naming the limit."""
    with pytest.raises(UsageError, match=r"refusing to scan .*more than a /16") as info:
        expand_cidr(cidr)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("cidr", ["", "banana", "127.0.0.0/33", "127.0.0.256/24", "127.0.0.0/24/1"])
def test_expand_cidr_refuses_malformed_ranges(cidr: str) -> None:
    """Pins that a malformed range is a UsageError, not a ValueError."""
    with pytest.raises(UsageError, match="not a CIDR network"):
        expand_cidr(cidr)


def test_build_targets_probes_a_configured_host_inside_a_range_once() -> None:
    """Pins that configured hosts come first and one inside a scanned range keeps both sources."""
    targets = build_targets(["127.0.0.0/30"], ["127.0.0.2", "127.0.0.9:4029"])
    assert [(t.host, t.port, t.sources) for t in targets] == [
        ("127.0.0.2", 4028, (DiscoverySource.CONFIG, DiscoverySource.PROBE)),
        ("127.0.0.9", 4029, (DiscoverySource.CONFIG,)),
        ("127.0.0.1", 4028, (DiscoverySource.PROBE,)),
    ]


def test_build_targets_uses_the_given_port_for_ranges() -> None:
    """Pins that scanned addresses use the port argument and overlapping ranges add no repeats."""
    targets = build_targets(["127.0.0.0/30", "127.0.0.2/31"], [], port=14028)
    # A /31 has no network or broadcast address (RFC 3021), so it adds .3 and repeats .2 once.
    assert [(t.host, t.port) for t in targets] == [
        ("127.0.0.1", 14028),
        ("127.0.0.2", 14028),
        ("127.0.0.3", 14028),
    ]


def test_build_targets_validates_everything_first() -> None:
    """Pins that one bad range fails the whole build before any target is returned."""
    with pytest.raises(UsageError):
        build_targets(["127.0.0.0/30", "10.0.0.0/8"], ["127.0.0.2"])
