"""Run ``nanoheater demo`` headless under Textual's pilot and print how many devices it shows.

Run by tests/packaging/test_wheel.py with the interpreter of a venv holding only the built wheel,
so the TUI's stylesheet, the capability registry and the simulator profiles are read from the
installed package, not from the checkout.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from textual.widgets import DataTable

from nanoheater.cli import demo as demo_cli
from nanoheater.tui.app import NanoheaterApp


async def _run_headless(self: NanoheaterApp, **_: Any) -> None:
    """Stand-in for ``App.run_async``: the same app, headless, until the fleet is listed."""
    async with self.run_test(size=(100, 32)) as pilot:
        rows = 0
        for _attempt in range(150):
            await pilot.pause(0.1)
            rows = max((t.row_count for t in self.screen.query(DataTable)), default=0)
            if rows >= 5:
                break
        print(f"rows {rows}")  # noqa: T201 - the test reads it


NanoheaterApp.run_async = _run_headless  # type: ignore[method-assign,assignment]
asyncio.run(
    demo_cli._run(
        ["nano3s", "nano3s", "nano3", "mini3", "q"],
        address=sys.argv[1],
        port=4028,
        speed=60.0,
        seed=0,
    )
)
