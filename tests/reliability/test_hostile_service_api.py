"""Whatever answers at the service's address is untrusted: ``--api`` and ``NANOHEATER_API``.

Issue 14's classes reach the service client too: another program's JSON, or a service whose
clock or data is wrong, made ``zones``, ``status``/``watch`` (through a service) and ``target``
end in TypeError, AttributeError or OverflowError tracebacks (``manual_until_s: 1e300``). Each
case here is a real loopback server and a real ``nanoheater`` child process: one line and a
documented exit code, or output, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
from pathlib import Path

import pytest

from tests.reliability.test_hostile_sensors import fixed, http_reply, server

ZONE = {"name": "den", "devices": ["127.0.0.2:4028"], "target": {"describe": "21.0 °C"}}
ANSWERS: dict[str, bytes | str] = {
    "a list of numbers": b"[5]",
    "an object, not a list": b'{"x": 1}',
    "a far-future override": json.dumps([{**ZONE, "manual_until_s": 1e300, "override": {}}]),
    "wrong field types": json.dumps(
        [
            {
                **ZONE,
                "devices": 5,
                "override": "x",
                "manual_until_s": 1.8e9,
                "decision": {"room_c": math.nan, "step": "Low", "reason": "\x1b]0;t\x07"},
            }
        ]
    ),
}
"""Bodies served as 200 answers to every request."""


def _bytes(answer: bytes | str) -> bytes:
    return answer.encode() if isinstance(answer, str) else answer


async def _nanoheater(tmp_path: Path, *args: str) -> tuple[int, bytes, bytes]:
    env = {
        **os.environ,
        "NANOHEATER_CONFIG_DIR": str(tmp_path / "config"),
        "NANOHEATER_DATA_DIR": str(tmp_path / "data"),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nanoheater", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out, err


@pytest.mark.parametrize("name", sorted(ANSWERS))
async def test_a_hostile_service_answer_is_one_line_or_output(tmp_path: Path, name: str) -> None:
    """Pins: ``zones --api`` against each answer: exit 0 with clean lines, or exit 4 and one."""
    async with server(fixed(http_reply(_bytes(ANSWERS[name])))) as (port, _):
        code, out, err = await _nanoheater(tmp_path, "zones", "--api", f"127.0.0.1:{port}")
    assert b"Traceback" not in err, err.decode(errors="replace")
    assert code in (0, 4), err
    lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
    if code == 4:
        assert len(lines) == 1, lines
        assert "not a nanoheater service" in lines[0]
    else:
        assert out.decode().isprintable() or all(x.isprintable() for x in out.decode().splitlines())
        assert b"\x1b" not in out


async def test_status_through_a_service_that_is_not_ours_is_one_line(tmp_path: Path) -> None:
    """Pins: ``status`` with a service address (no HOST) that answers another program's JSON."""
    async with server(fixed(http_reply(b'{"devices": "none"}'))) as (port, _):
        code, _, err = await _nanoheater(tmp_path, "status", "--api", f"127.0.0.1:{port}")
    assert b"Traceback" not in err, err.decode(errors="replace")
    assert code == 4, err
    assert len([line for line in err.splitlines() if line.strip()]) == 1
