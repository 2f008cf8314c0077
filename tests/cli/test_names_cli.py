"""A device renamed through a running ``nanoheater serve`` is named in config.toml, for everyone.

Real processes: ``serve`` over the simulated fleet (127.0.0.2, .3), its HTTP API on 127.0.0.1,
and ``status`` as a user runs it, through the service and then straight to the devices.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from firmware_sim.fleet import Fleet
from nanoheater.cli.fleet import format_device
from nanoheater.config import config_path, load_settings
from nanoheater.service.remote import RemoteHome
from tests.cli.test_serve_cli import free_port, run_cli, serve_args, spawn, stop, wait_ready
from tests.home.conftest import fleet, hosts

__all__ = ["fleet"]

CONFIG = """\
hosts = ["127.0.0.2", "127.0.0.3"]

[names]
"127.0.0.3" = "Old name"

[tariff]
price_fiat_per_kwh = 0.31
"""
"""The user's file: the Q named in the "host" form, and keys the rename must keep."""


async def test_a_rename_through_serve_is_kept_in_config_toml_and_read_everywhere(
    fleet: Fleet, tmp_path: Path
) -> None:
    """PUT .../name reaches config.toml [names]; status (all forms) and a restart show it."""
    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG)
    _, q = hosts(fleet)
    api = f"127.0.0.1:{free_port()}"
    env = {"NANOHEATER_API": api}
    proc = await spawn(*serve_args(fleet, api))
    try:
        await wait_ready(api, proc)
        async with RemoteHome(api) as remote:
            assert (await remote.device(q))["name"] == "Old name"  # read from config.toml
            renamed = await remote.rename("127.0.0.3", "Living room Q")
        assert renamed["name"] == "Living room Q"
        data = tomllib.loads(config.read_text())
        assert data["names"] == {q: "Living room Q"}, "one entry, the host form replaced"
        assert data["tariff"] == {"price_fiat_per_kwh": 0.31}
        assert data["hosts"] == ["127.0.0.2", "127.0.0.3"]
        assert load_settings().settings.device_names() == {q: "Living room Q"}
        intents = tmp_path / "data" / "intents.json"
        assert not intents.exists() or "names" not in json.loads(intents.read_text())
        code, out, err = await run_cli("status", env=env)  # through the service
        assert code == 0, err
        assert next(line for line in out.splitlines() if "Living room Q" in line).startswith(q)
    finally:
        await stop(proc)

    code, out, err = await run_cli("status", "--no-mdns", env=env)  # no service: the devices
    assert code == 0, err
    assert any(line.startswith(f"{q} Living room Q  ") for line in out.splitlines()), out
    code, out, _ = await run_cli("status", "--no-mdns", "--json", env=env)
    named = {r["host"]: r.get("name") for r in map(json.loads, out.splitlines())}
    assert named == {"127.0.0.2": None, "127.0.0.3": "Living room Q"}
    code, out, err = await run_cli("status", "127.0.0.3")  # one device, its table
    assert code == 0, err
    assert out.startswith("Living room Q: Avalon Q"), out

    proc = await spawn(*serve_args(fleet, api))
    try:
        await wait_ready(api, proc)
        async with RemoteHome(api) as remote:
            assert (await remote.device("Living room Q"))["host"] == "127.0.0.3"
    finally:
        await stop(proc)


def test_a_fleet_line_names_a_device_once_when_it_has_no_name() -> None:
    """Through the service an unnamed device's name is its host:port: shown once, not twice."""
    device = {"host": "127.0.0.2", "port": 4028, "name": "127.0.0.2:4028", "online": True}
    assert format_device(device).count("127.0.0.2:4028") == 1
    named = format_device({**device, "name": "Kitchen"})
    assert named.startswith("127.0.0.2:4028")
    assert "Kitchen" in named
