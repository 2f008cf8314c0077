"""The /api/v1 contract on a real aiohttp server over a Home and a simulated fleet."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import pytest

from firmware_sim.faults import arm_fault
from firmware_sim.fleet import Fleet
from nanoheater.exceptions import UsageError
from nanoheater.home import Home, UnknownRef
from nanoheater.service.remote import RemoteHome, ServiceRefused, ServiceUnavailable
from nanoheater.service.server import ApiServer
from tests.home.conftest import hosts, options

STATUS_KEYS = ("model", "product", "firmware", "mac", "dna", "host", "port", "state", "power_w",
               "hashrate_ths", "chip_temp_max_c", "mode", "soft_off", "calibrating")  # fmt: skip


async def test_devices_list_carries_status_keys(served: tuple[Home, str], fleet: Fleet) -> None:
    """GET /devices is a JSON list whose items carry the status --json keys."""
    _, api = served
    async with RemoteHome(api) as remote:
        devices = await remote.devices()
        one = await remote.device("127.0.0.3")
    assert [f"{d['host']}:{d['port']}" for d in devices] == hosts(fleet)
    for device in devices:
        for key in STATUS_KEYS:
            assert key in device, key
    assert one["model"] == "q"
    assert one["zone"] == hosts(fleet)[1]


async def test_zones_and_targets(served: tuple[Home, str], fleet: Fleet) -> None:
    """GET /zones lists name/devices/setpoint_c; PUT and DELETE a target; a host names a zone."""
    _, api = served
    async with RemoteHome(api) as remote:
        zones = await remote.zones()
        assert [(z["name"], z["devices"], z["setpoint_c"]) for z in zones] == [
            (h, [h], None) for h in hosts(fleet)
        ]
        zone = await remote.set_target("127.0.0.2", {"setpoint_c": 21})
        assert zone["setpoint_c"] == 21.0
        assert zone["target"]["kind"] == "setpoint"
        assert (await remote.zone(hosts(fleet)[0]))["setpoint_c"] == 21.0
        zone = await remote.set_target("127.0.0.3", {"level": "Eco"})
        assert zone["target"]["level"] == "Eco"
        cleared = await remote.set_target("127.0.0.2", None)
        assert cleared["target"] is None
        assert cleared["setpoint_c"] is None


async def test_errors_are_one_json_line(served: tuple[Home, str]) -> None:
    """Unknown zones are 404, bad bodies 400, unknown levels 400; never a traceback."""
    _, api = served
    async with RemoteHome(api) as remote:
        with pytest.raises(UnknownRef, match="attic"):
            await remote.zone("attic")
        with pytest.raises(UsageError, match="exactly one"):
            await remote.set_target("127.0.0.3", {"setpoint_c": 21, "level": "Eco"})
        with pytest.raises(UsageError, match="unknown mode"):
            await remote.set_target("127.0.0.3", {"level": "Turbo"})
        with pytest.raises(UsageError, match="unknown action"):
            await remote.command("127.0.0.3", "explode")
        async with aiohttp.ClientSession() as session:
            url = f"http://{api}/api/v1/zones/127.0.0.3/target"
            async with session.put(url, data=b"{not json") as reply:
                assert reply.status == 400
                assert "error" in await reply.json()


async def test_command_override_and_resume(served: tuple[Home, str], fleet: Fleet) -> None:
    """A command on a regulated device is an override shown on its zone; resume ends it."""
    _, api = served
    q = hosts(fleet)[1]
    async with RemoteHome(api) as remote:
        await remote.set_target(q, {"level": "Eco"})
        device = await remote.command(q, "mode", "Standard")
        assert device["mode"] == "Standard"
        zone = await remote.zone(q)
        assert zone["override"]["action"] == "mode Standard"
        assert zone["manual_until_s"] > 0
        zone = await remote.resume(q)
        assert zone["override"] is None


async def test_events_ledger_and_stream(served: tuple[Home, str], fleet: Fleet) -> None:
    """The stream carries readings and events; /events and /ledger answer from the history."""
    _, api = served
    async with RemoteHome(api) as remote:
        kinds: set[str] = set()

        async def read() -> None:
            async with contextlib.aclosing(remote.stream()) as stream:
                async for kind, data in stream:
                    kinds.add(kind)
                    assert data["kind"] == kind
                    if {"reading", "event", "decision"} <= kinds:
                        return

        reader = asyncio.create_task(read())
        await asyncio.sleep(0.3)
        await remote.set_target(hosts(fleet)[1], {"level": "Eco"})
        await asyncio.wait_for(reader, 10)
        events = await remote.events(0.0)
        assert any(e["type"] == "target" for e in events)
        ledger = await remote.request("GET", "/ledger", since=0)
        assert ledger["seconds"] >= 0
        assert "energy_kwh" in ledger
        # Revenue counted on fallback market figures says so, with their date and age.
        assert ledger["market"]["kind"] == "default"
        assert "values as of 2025-12-01" in ledger["market"]["label"], ledger["market"]
        assert ledger["market"]["age_s"] > 0


async def test_token_guards_every_route(tmp_path: Path, fleet: Fleet) -> None:
    """With a token, a request without it (or with a wrong one) is refused with 401."""
    home = Home(options(tmp_path / "data", fleet))
    await home.start()
    server = ApiServer(home, "127.0.0.1:0", "s3cret-token")
    await server.start()
    assert server.bound is not None
    api = f"127.0.0.1:{server.bound[1]}"
    try:
        async with RemoteHome(api, token="") as remote:
            with pytest.raises(ServiceRefused, match="token"):
                await remote.zones()
        async with RemoteHome(api, token="wrong") as remote:
            with pytest.raises(ServiceRefused):
                await remote.devices()
        async with RemoteHome(api, token="s3cret-token") as remote:
            assert len(await remote.zones()) == 2
    finally:
        await server.stop()
        await home.stop()


def test_wide_bind_needs_a_token(tmp_path: Path) -> None:
    """Binding anything but loopback without a token is refused before a socket opens."""
    home = Home(options(tmp_path, Fleet(["q"])))
    for address in ("0.0.0.0:8128", "192.168.1.5:8128", "[::]:8128", "heater.local:8128"):
        with pytest.raises(UsageError, match="needs a token"):
            ApiServer(home, address, None)
    ApiServer(home, "127.0.0.1:8128", None)
    ApiServer(home, "localhost:8128", None)


async def test_no_service_is_unavailable() -> None:
    """A client with no service behind the address fails with one line (exit 4)."""
    async with RemoteHome("127.0.0.1:9") as remote:
        with pytest.raises(ServiceUnavailable, match="no nanoheater service"):
            await remote.zones()


async def test_large_answers_are_read_whole() -> None:
    """A listing far larger than one network read arrives whole (a 200-device fleet is ~400 kB)."""
    from aiohttp import web

    big = [{"host": f"127.0.0.{i % 250}", "blob": "x" * 2000} for i in range(1000)]

    async def devices(_: web.Request) -> web.Response:
        return web.json_response(big)

    app = web.Application()
    app.router.add_get("/api/v1/devices", devices)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        async with RemoteHome(f"127.0.0.1:{port}") as remote:
            assert await remote.devices() == big
    finally:
        await runner.cleanup()


async def test_rename_persists_and_names_resolve(served: tuple[Home, str], fleet: Fleet) -> None:
    """A device name works wherever a device or zone ref does; intents.json holds none.

    (Without a config file, as here, a name lasts for the run; tests/cli/test_names_cli.py
    renames through ``serve`` and reads config.toml ``[names]``.)
    """
    home, api = served
    async with RemoteHome(api) as remote:
        device = await remote.rename("127.0.0.3", "Living room Q")
        assert device["name"] == "Living room Q"
        assert (await remote.device("Living room Q"))["model"] == "q"
        zone = await remote.set_target("Living room Q", {"level": "Eco"})
        assert zone["name"] == hosts(fleet)[1]
        with pytest.raises(UsageError, match="already called"):
            await remote.rename("127.0.0.2", "Living room Q")
    from nanoheater.home.intents import Intents

    assert Intents.load(home.intents_path).names == {}


async def test_non_finite_numbers_are_refused(served: tuple[Home, str], fleet: Fleet) -> None:
    """NaN (which Python's JSON accepts) and absurd values never reach the Home."""
    home, api = served
    async with aiohttp.ClientSession() as session:
        base = f"http://{api}/api/v1"
        for url, body in (
            (f"{base}/zones/127.0.0.3/target", b'{"setpoint_c": NaN}'),
            (f"{base}/devices/127.0.0.3/command", b'{"action": "on", "override_s": NaN}'),
            (f"{base}/devices/127.0.0.3/command", b'{"action": "on", "override_s": 1e300}'),
        ):
            method = session.put if url.endswith("target") else session.post
            async with method(url, data=body) as reply:
                assert reply.status == 400, url
        async with session.get(f"{base}/events", params={"since": "nan"}) as reply:
            assert reply.status == 400
    assert home.zone(hosts(fleet)[1]).target is None
    assert home.zone(hosts(fleet)[1]).override is None


async def test_a_device_object_says_what_its_reading_shows_wrong(
    served: tuple[Home, str], fleet: Fleet
) -> None:
    """``problems`` is what ``status`` prints (diagnosis): none when healthy, a fault's reasons."""
    _, api = served
    q = hosts(fleet)[1]
    async with RemoteHome(api) as remote:
        assert (await remote.device(q))["problems"] == []
        arm_fault(fleet.members[1].heater, "overheat")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        # The fan spins down after the fault; wait until the reading shows both reasons.
        while len(problems := (await remote.device(q))["problems"]) < 2:
            assert loop.time() < deadline, f"not both reasons shown: {problems}"
            await asyncio.sleep(0.1)
    assert problems[0].startswith("fan 0 rpm at "), problems  # the cause first
    assert any(p.startswith("chips at ") and "overheating" in p for p in problems), problems
