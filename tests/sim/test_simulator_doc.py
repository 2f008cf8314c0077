"""Runs the control-endpoint ``curl`` lines of docs/simulator.md against a real ControlServer.

Each line is read as curl reads it (``-X``, ``-H``, ``-d``; ``-d`` without a Content-Type header
sends ``application/x-www-form-urlencoded``, as curl does), so a copied line that the endpoint
would refuse fails here rather than on a user's terminal.
"""

from __future__ import annotations

import shlex
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.control import ControlServer
from firmware_sim.fleet import Fleet
from tests.sim.netclient import http

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def curl_lines() -> list[str]:
    """Every line of the doc's code blocks that starts with ``curl``."""
    return [line.strip() for line in DOC.read_text().splitlines() if line.startswith("curl ")]


def as_request(line: str, port: int) -> bytes:
    """The bytes curl sends for ``line``, aimed at the control endpoint on ``port``."""
    words = shlex.split(line)[1:]
    method, body, headers, url = "", "", {}, ""
    while words:
        word = words.pop(0)
        if word == "-X":
            method = words.pop(0)
        elif word == "-d":
            body = words.pop(0)
        elif word == "-H":
            name, _, value = words.pop(0).partition(":")
            headers[name.strip().lower()] = value.strip()
        elif not word.startswith("-"):
            url = word
    path = "/" + url.partition("/")[2]
    method = method or ("POST" if body else "GET")
    if body:
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}"
        f"Content-Length: {len(body.encode())}\r\n\r\n"
    ).encode() + body.encode()


@pytest.fixture
async def ctl() -> AsyncIterator[ControlServer]:
    """Two devices and their control endpoint on a free port."""
    async with (
        Fleet(["nano3s", "q"], address="127.0.0.2", port=0, clock=VirtualClock()) as fleet,
        ControlServer(fleet, port=0) as server,
    ):
        yield server


async def test_doc_curl_lines_are_accepted(ctl: ControlServer) -> None:
    """Every curl line in docs/simulator.md is answered 200, as a user copying it would see."""
    lines = curl_lines()
    assert len(lines) >= 3, "docs/simulator.md lost its curl examples"
    for line in lines:
        status, body = await http(ctl.port, "", "", raw=as_request(line, ctl.port))
        assert status == 200, (line, body)
