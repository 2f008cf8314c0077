"""Zones made, renamed, removed and filled through /api/v1, kept in config.toml [zones].

A real aiohttp server on 127.0.0.1 over a Home and the simulated fleet (127.0.0.2, .3); the
Home is built from config.toml as ``serve`` builds it, and restarted from the files it wrote.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from firmware_sim.fleet import Fleet
from nanoheater.config import load_settings
from nanoheater.exceptions import UsageError
from nanoheater.home import Home, UnknownRef
from nanoheater.service.remote import RemoteHome
from tests.home.conftest import hosts, options, serving

CONFIG = """\
api = "127.0.0.1:8128"

[zones]
living = ["127.0.0.2"]

[tariff]
price_fiat_per_kwh = 0.31
"""


@asynccontextmanager
async def served_from_config(tmp_path: Path, fleet: Fleet) -> AsyncIterator[tuple[Home, str]]:
    """A Home as ``serve`` makes it (zones from config.toml, edits written back) and its API."""
    path = tmp_path / "config.toml"
    settings = load_settings(path).settings
    options_ = options(tmp_path / "data", fleet, zones=settings.zones, config_file=path)
    home = Home(options_, settings)
    async with serving(home) as api:
        yield home, api


def layout(zones: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {str(z["name"]): list(z["devices"]) for z in zones}


def file_zones(tmp_path: Path) -> dict[str, list[str]]:
    data = tomllib.loads((tmp_path / "config.toml").read_text())
    assert data["api"] == "127.0.0.1:8128"  # the rest of the file is kept
    assert data["tariff"] == {"price_fiat_per_kwh": 0.31}
    return dict(data["zones"])


async def test_zone_edits_are_kept_in_config_and_survive_a_restart(
    tmp_path: Path, fleet: Fleet
) -> None:
    """Make, target, rename, assign, unassign and remove; config.toml and a restart agree."""
    (tmp_path / "config.toml").write_text(CONFIG)
    nano, q = hosts(fleet)
    async with served_from_config(tmp_path, fleet) as (_, api), RemoteHome(api) as remote:
        assert layout(await remote.zones()) == {"living": [nano], q: [q]}
        made = await remote.create_zone("office", ["127.0.0.3"])
        assert (made["name"], made["devices"], made["target"]) == ("office", [q], None)
        # The Q left its own zone: that zone is gone, and its host now names "office".
        assert layout(await remote.zones()) == {"living": [nano], "office": [q]}
        assert (await remote.zone("127.0.0.3"))["name"] == "office"
        assert file_zones(tmp_path) == {"living": ["127.0.0.2"], "office": [q]}
        await remote.set_target("office", {"setpoint_c": 20.5})
        renamed = await remote.rename_zone("office", "study")
        assert (renamed["name"], renamed["setpoint_c"]) == ("study", 20.5)
        assert (await remote.device(q))["zone"] == "study"
        assert file_zones(tmp_path) == {"living": ["127.0.0.2"], "study": [q]}
        both = await remote.assign("living", [q])
        assert both["devices"] == [nano, q]
        assert (await remote.zone("study"))["devices"] == []  # a named zone may be empty
        # The user's own spelling of a device that did not move is kept.
        assert file_zones(tmp_path) == {"living": ["127.0.0.2", q], "study": []}
        left = await remote.unassign("living", nano)
        assert left["devices"] == [q]
        assert layout(await remote.zones()) == {nano: [nano], "living": [q], "study": []}
    async with served_from_config(tmp_path, fleet) as (home, api), RemoteHome(api) as remote:
        assert layout(await remote.zones()) == {nano: [nano], "living": [q], "study": []}
        assert (await remote.zone("study"))["setpoint_c"] == 20.5  # intents.json, renamed
        after = await remote.delete_zone("study")
        assert layout(after) == {nano: [nano], "living": [q]}
        assert "study" not in home.intents.targets
        await remote.delete_zone("living")
        assert layout(await remote.zones()) == {nano: [nano], q: [q]}
        assert file_zones(tmp_path) == {}
        events = [e.detail for e in await home.events_since(0) if e.type == "zone"]
        assert any("removed" in text for text in events), events


async def test_bad_zone_edits_are_refused_and_change_nothing(tmp_path: Path, fleet: Fleet) -> None:
    """Taken names, device names, unknown refs, devices' own zones, bad bodies: 400/404."""
    (tmp_path / "config.toml").write_text(CONFIG)
    nano, q = hosts(fleet)
    async with served_from_config(tmp_path, fleet) as (_, api), RemoteHome(api) as remote:
        before = await remote.zones()
        with pytest.raises(UsageError, match="already a zone"):
            await remote.create_zone("living")
        with pytest.raises(UsageError, match="names the device"):
            await remote.create_zone("127.0.0.3")
        with pytest.raises(UsageError, match="printable"):
            await remote.create_zone("a\nb")
        with pytest.raises(UnknownRef, match="attic"):
            await remote.assign("attic", [q])
        with pytest.raises(UnknownRef, match=r"10\.9\.9\.9"):
            await remote.create_zone("hall", ["10.9.9.9"])
        with pytest.raises(UsageError, match="own zone"):
            await remote.rename_zone(q, "hall")
        with pytest.raises(UsageError, match="own zone"):  # its host alone, as the README uses it
            await remote.rename_zone(q.rsplit(":", 1)[0], "hall")
        with pytest.raises(UsageError, match="own zone"):
            await remote.delete_zone(q)
        with pytest.raises(UsageError, match="not in zone"):
            await remote.unassign("living", q)
        async with aiohttp.ClientSession() as session:
            base = f"http://{api}/api/v1/zones"
            for method, url, body in [
                ("POST", base, {"name": 7}),
                ("POST", base, {"name": "hall", "devices": "127.0.0.2"}),
                ("PUT", f"{base}/living/name", {}),
                ("POST", f"{base}/living/devices", {"devices": [1]}),
                ("POST", f"{base}/living/devices", {"devices": []}),
            ]:
                async with session.request(method, url, json=body) as reply:
                    assert reply.status == 400, (method, url, body)
                    assert set(await reply.json()) == {"error"}
        # A config.toml that no longer parses is never replaced, and nothing changes.
        (tmp_path / "config.toml").write_text(CONFIG + "[broken\n")
        with pytest.raises(UsageError, match="cannot be read"):
            await remote.create_zone("hall", [q])
        assert layout(await remote.zones()) == layout(before)
        assert (tmp_path / "config.toml").read_text().endswith("[broken\n")
        assert nano in layout(before)["living"]


async def test_concurrent_edits_leave_the_file_and_the_service_agreeing(
    tmp_path: Path, fleet: Fleet
) -> None:
    """Edits racing through the API run one at a time.

    Each device ends in one zone, and config.toml holds exactly the service's layout.
    """
    (tmp_path / "config.toml").write_text(CONFIG)
    nano, q = hosts(fleet)
    async with served_from_config(tmp_path, fleet) as (_, api), RemoteHome(api) as remote:
        await remote.set_target("living", {"setpoint_c": 21})  # ticks in flight to wait for
        edits = [remote.create_zone(f"room-{i}", [q] if i % 2 else [nano]) for i in range(6)]
        edits += [remote.assign("living", [q, nano]) for _ in range(3)]
        await asyncio.gather(*edits)
        zones = layout(await remote.zones())
        named = {z: d for z, d in zones.items() if z not in (nano, q)}
        members = [a for devices in zones.values() for a in devices]
        assert sorted(members) == [nano, q]
        spelled = {
            z: [nano if a == "127.0.0.2" else a for a in d] for z, d in file_zones(tmp_path).items()
        }
        assert spelled == named
