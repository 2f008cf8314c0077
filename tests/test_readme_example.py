"""The library examples (the README's, client.py's docstring) run on the simulator."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import pytest

import nanoheater.client
from firmware_sim.server import SimServer
from tests.client.conftest import make_heater

ROOT = Path(__file__).parent.parent
EXAMPLE_HOST = "192.168.1.20"


def readme_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    library = text.split("## Library", 1)[1]
    match = re.search(r"```python\n(.*?)```", library, re.DOTALL)
    assert match is not None
    return match.group(1)


def docstring_snippet() -> str:
    doc = nanoheater.client.__doc__ or ""
    block = doc.split("::\n", 1)[1]
    lines = [line[4:] if line.startswith("    ") else line for line in block.splitlines()]
    return "\n".join(lines)


async def run_snippet(code: str, target: str) -> tuple[int, str, str]:
    """Run ``code`` in a child interpreter with the example address pointed at ``target``."""
    assert EXAMPLE_HOST in code
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code.replace(EXAMPLE_HOST, target),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ.copy(),
        cwd=ROOT,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("model", ["nano3", "nano3s", "mini3"])
async def test_readme_library_example_runs(model: str) -> None:
    """The README snippet reads the heater and switches it to its quietest step."""
    heater = make_heater(model)
    assert heater.state.mode_index != 0  # these models boot in a louder step
    async with SimServer(heater) as sim:
        code, out, err = await run_snippet(readme_snippet(), f"{sim.host}:{sim.port}")
    assert code == 0, err
    first, second = out.splitlines()
    assert f"({heater.state.dna})" in first
    assert second.startswith("now in ")
    assert heater.state.mode_index == 0


async def test_readme_library_example_says_one_line_when_unreachable() -> None:
    """get_status() sat outside the example's try, so an unreachable host printed a traceback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = await run_snippet(readme_snippet(), f"127.0.0.1:{port}")
    assert code == 0, err
    assert "Traceback" not in err
    (line,) = out.splitlines()
    assert line.startswith(f"127.0.0.1:{port}: ")


async def test_client_docstring_example_runs() -> None:
    """The example in nanoheater.client's module docstring runs as written."""
    async with SimServer("mini3") as sim:
        code, out, err = await run_snippet(docstring_snippet(), f"{sim.host}:{sim.port}")
        assert code == 0, err
        assert out.splitlines()[0].startswith("mini3 ")
        assert len(out.splitlines()) == 2


def test_readme_schedule_example_parses() -> None:
    """The README's schedule example is a valid schedule, with the entries and window it shows."""
    from nanoheater.controller.targets import RoomTemperature, parse_schedule

    text = (ROOT / "README.md").read_text(encoding="utf-8").split("### Schedules", 1)[1]
    match = re.search(r"```toml\n(.*?)```", text, re.DOTALL)
    assert match is not None
    schedule = parse_schedule(match.group(1))
    assert [e.target for e in schedule.entries] == [
        RoomTemperature(21.0),
        RoomTemperature(17.0),
        RoomTemperature(21.5),
    ]
    assert schedule.quiet[0].max_noise_db == 35.0
