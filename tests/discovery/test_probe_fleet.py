"""Tests for the CIDR probe and configured hosts against a simulated fleet on 127.0.0.x:4028."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator

import pytest

import nanoheater.discovery
from firmware_sim.fleet import Fleet
from nanoheater.discovery import build_targets, discover, probe
from nanoheater.discovery.probe import ProbeTarget
from nanoheater.models import DiscoveredHeater, DiscoverySource, ModelId

MODELS = ("nano3s", "mini3", "q", "nano3")
PROBE, CONFIG = DiscoverySource.PROBE, DiscoverySource.CONFIG


@pytest.fixture
async def fleet100() -> AsyncIterator[Fleet]:
    """A hundred simulated heaters of every model on 127.0.0.2 .. 127.0.0.101, port 4028."""
    async with Fleet([MODELS[i % 4] for i in range(100)], address="127.0.0.2", port=4028) as fleet:
        yield fleet


@pytest.fixture
async def fleet3() -> AsyncIterator[Fleet]:
    """Three simulated heaters (Nano 3S, Mini 3, Q) on 127.0.0.2 .. 127.0.0.4, port 4028."""
    async with Fleet(["nano3s", "mini3", "q"], address="127.0.0.2", port=4028) as fleet:
        yield fleet


async def test_probe_of_a_slash_24_finds_all_100_simulated_heaters(fleet100: Fleet) -> None:
    """Pins that probing 127.0.0.0/24 finds exactly the 100 devices, each with its identity."""
    heaters = await discover(scan="127.0.0.0/24", mdns=False)
    assert [h.host for h in heaters] == [f"127.0.0.{i}" for i in range(2, 102)]
    for heater, member in zip(heaters, fleet100.members, strict=True):
        assert heater.model is ModelId(member.heater.profile.model)
        assert heater.sources == (PROBE,)
        assert heater.port == 4028
        if member.heater.profile.model == "nano3":
            # The Nano 3 reports neither DNA nor MAC in version (docs/protocol.md §6.11).
            assert (heater.dna, heater.mac) == (None, None)
        else:
            assert heater.dna == member.heater.state.dna.lower()
            assert heater.mac is not None
            assert heater.mac.replace(":", "") == member.heater.state.mac.lower()
            assert heater.name.endswith(member.heater.state.mac[-4:].upper())


async def test_probe_reports_progress_for_every_host(fleet3: Fleet) -> None:
    """Pins the progress callback: once per host, ending at (total, total, heaters found)."""
    calls: list[tuple[int, int, int]] = []
    await discover(scan="127.0.0.0/28", mdns=False, progress=lambda *c: calls.append(c))
    assert len(calls) == 14
    assert [c[0] for c in calls] == list(range(1, 15))
    assert calls[-1] == (14, 14, 3)


async def test_probe_never_exceeds_the_concurrency_limit(
    fleet3: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins that at most ``concurrency`` probes are in flight, and that the limit is reached."""
    real_probe_host = probe.probe_host
    in_flight = peak = 0

    async def counting_probe_host(target: ProbeTarget, **kwargs: float) -> DiscoveredHeater | None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await real_probe_host(target, **kwargs)
        finally:
            in_flight -= 1

    monkeypatch.setattr(probe, "probe_host", counting_probe_host)
    found: list[DiscoveredHeater] = []
    hits = await probe.probe_targets(build_targets(["127.0.0.0/27"]), found.append, concurrency=4)
    assert peak == 4
    assert hits == len(found) == 3


async def test_probe_with_concurrency_one_still_finds_everything(fleet3: Fleet) -> None:
    """Pins that a limit of one probe at a time still covers every host."""
    heaters = await discover(scan="127.0.0.0/29", mdns=False, concurrency=1)
    assert [h.host for h in heaters] == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]


async def test_configured_hosts_are_found_and_merged_with_the_scan(fleet3: Fleet) -> None:
    """Pins that config hosts are probed, tagged config, and merged with the scan by identity."""
    heaters = await discover(
        scan="127.0.0.0/29", hosts=["127.0.0.2", "127.0.0.4:4028", "127.0.0.9"], mdns=False
    )
    assert [(h.host, h.sources) for h in heaters] == [
        ("127.0.0.2", (PROBE, CONFIG)),
        ("127.0.0.3", (PROBE,)),
        ("127.0.0.4", (PROBE, CONFIG)),
    ]


async def test_configured_hosts_alone_need_no_scan(fleet3: Fleet) -> None:
    """Pins that config hosts are probed with no range and no mDNS; silent ones are left out."""
    heaters = await discover(hosts=["127.0.0.3", "127.0.0.200"], mdns=False)
    assert [(h.host, h.model, h.sources) for h in heaters] == [
        ("127.0.0.3", ModelId.MINI3, (CONFIG,))
    ]


@pytest.mark.parametrize("fault", ["garbage", "drop"])
async def test_probe_skips_a_device_that_answers_badly(fleet3: Fleet, fault: str) -> None:
    """Pins that a garbled or dropped reply is no heater and does not stop the scan."""
    fleet3.members[1].heater.faults.arm(fault, count=-1)
    heaters = await discover(scan="127.0.0.0/29", mdns=False)
    assert [h.host for h in heaters] == ["127.0.0.2", "127.0.0.4"]


async def test_probe_lists_a_truncated_avalon_without_the_identity_it_lost(fleet3: Fleet) -> None:
    """Pins that a half reply still naming an Avalon is listed by address, without DNA or MAC."""
    fleet3.members[1].heater.faults.arm("truncate", count=-1)
    heaters = await discover(scan="127.0.0.0/29", mdns=False)
    assert [h.host for h in heaters] == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    truncated = heaters[1]
    assert (truncated.model, truncated.dna, truncated.mac) == (ModelId.MINI3, None, None)
    assert truncated.identity == "127.0.0.3:4028"


async def test_probe_gives_up_on_a_device_slower_than_the_timeout(fleet3: Fleet) -> None:
    """Pins that a reply later than the probe deadline is not waited for."""
    fleet3.members[0].heater.faults.arm("delay", count=-1, delay_s=5.0)
    heaters = await discover(scan="127.0.0.0/29", mdns=False, timeout_s=0.3)
    assert [h.host for h in heaters] == ["127.0.0.3", "127.0.0.4"]


async def test_probe_finds_a_device_on_another_port(fleet3: Fleet) -> None:
    """Pins that the port argument is used for the scan (nothing answers 4029 here)."""
    assert await discover(scan="127.0.0.0/29", mdns=False, port=4029) == []


async def test_discover_with_nothing_enabled_finds_nothing() -> None:
    """Pins that no mDNS, no range and no hosts is an immediate empty result."""
    assert await asyncio.wait_for(discover(mdns=False), timeout=1) == []


async def test_module_docstring_example_runs(
    fleet3: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pins that the example in nanoheater.discovery's docstring runs and prints each heater."""
    doc = nanoheater.discovery.__doc__ or ""
    block = doc.split("::\n", 1)[1].split("\n\n", 1)[0]
    body = textwrap.indent(textwrap.dedent(block), "    ")
    namespace: dict[str, object] = dict(vars(nanoheater.discovery))
    exec(f"async def example():\n{body}\n", namespace)  # noqa: S102 - our own docstring
    await namespace["example"]()  # type: ignore[operator]
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[-3:] for line in lines] == [
        ["127.0.0.2", "nano3s", "probe"],
        ["127.0.0.3", "mini3", "probe"],
        ["127.0.0.4", "q", "probe"],
    ]
    assert lines[0].startswith("Avalon Nano3s ")


async def test_probe_waits_for_a_slow_device_that_accepted(fleet3: Fleet) -> None:
    """Pins that a device that accepted but answers after 1.6 s is listed (lost under load before).

    The connect deadline (1 s) decides silence; once a host accepted, it is there, and a busy
    device or a loaded machine may take seconds to answer.
    """
    fleet3.members[0].heater.faults.arm("delay", count=-1, delay_s=1.6)
    heaters = await discover(scan="127.0.0.0/29", mdns=False)
    assert [h.host for h in heaters] == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
