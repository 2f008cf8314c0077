"""``nanoheater zones add/rename/assign/unassign/remove`` against a running ``serve`` process."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from firmware_sim.fleet import Fleet
from tests.cli.test_serve_cli import free_port, run_cli, serve_args, spawn, stop, wait_ready
from tests.home.conftest import fleet, hosts

__all__ = ["fleet"]


def _zones(out: str) -> dict[str, list[str]]:
    lines = out.splitlines()
    assert lines
    return {z["name"]: z["devices"] for z in map(json.loads, lines)}  # JSON on every line


async def test_zones_commands_change_the_service_and_its_config(
    fleet: Fleet, tmp_path: Path
) -> None:
    """Each form prints the zones it changed; errors are one line with exit 2 or 4.

    The layout is in config.toml afterwards (tests/service/test_zone_edit.py restarts from it).
    """
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[zones]\nliving = ["127.0.0.2"]\n')
    nano, q = hosts(fleet)
    api = f"127.0.0.1:{free_port()}"
    env = {"NANOHEATER_API": api}
    proc = await spawn(*serve_args(fleet, api))
    try:
        await wait_ready(api, proc)
        code, out, err = await run_cli("zones", "add", "office", "127.0.0.3", "--json", env=env)
        assert code == 0, err
        assert _zones(out) == {"office": [q]}
        code, out, err = await run_cli("zones", "rename", "office", "study", env=env)
        assert code == 0, err
        assert out.startswith("study: manual  [127.0.0.3:4028]")
        code, out, err = await run_cli("zones", "assign", "living", q, "--json", env=env)
        assert code == 0, err
        assert _zones(out) == {"living": [nano, q]}
        code, out, err = await run_cli("zones", "unassign", "living", nano, "--json", env=env)
        assert code == 0, err
        assert _zones(out) == {"living": [q]}
        code, out, err = await run_cli("zones", "remove", "study", "--json", env=env)
        assert code == 0, err
        assert _zones(out) == {nano: [nano], "living": [q]}
        for args, needle in [
            (("zones", "add", "living"), "already a zone"),
            (("zones", "assign", "living"), "Missing argument"),
        ]:
            code, out, err = await run_cli(*args, env=env)
            assert (code, out) == (2, ""), (args, err)
            assert len(err.splitlines()) == 1, err
            assert needle in err
            assert "Traceback" not in err
    finally:
        code, _, err = await stop(proc)
    assert code == 0, err
    assert tomllib.loads(config.read_text())["zones"] == {"living": [q]}
    code, _, err = await run_cli("zones", "add", "hall", "--api", api)
    assert code == 4
    assert "no nanoheater service answers" in err
