"""Helpers of the alert tests: device and zone views, and a loopback HTTP receiver for Apprise."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from nanoheater.home.types import DecisionMade, DeviceView, Target, ZoneView
from nanoheater.models import HeaterInfo, HeaterState, HeaterStatus, ModelId


def at(hour: int, minute: int = 0, day: int = 5) -> float:
    """Epoch seconds of a local wall-clock time in January 2026."""
    return datetime(2026, 1, day, hour, minute).timestamp()


def device(
    *,
    online: bool = True,
    hashrate_ths: float = 4.5,
    chip_c: float = 70.0,
    fan_rpm: int = 2000,
    state: HeaterState = HeaterState.MINING,
) -> DeviceView:
    """A Nano 3S view called Office at 127.0.0.2:4028, zone office."""
    status = HeaterStatus(
        info=HeaterInfo(
            model=ModelId.NANO3S,
            product="Avalon Nano3s",
            firmware="1",
            mac="02:00:00:00:00:02",
            dna="02030000aaaa0002",
        ),
        host="127.0.0.2",
        port=4028,
        state=state,
        mode="Mid",
        power_w=100.0,
        hashrate_ths=hashrate_ths,
        chip_temp_max_c=chip_c,
        fan_rpm=fan_rpm,
    )
    return DeviceView(
        key="02030000aaaa0002",
        name="Office",
        host="127.0.0.2",
        port=4028,
        zone="office",
        online=online,
        error=None if online else "timed out",
        status=status,
    )


def zone(
    room_c: float | None, *, setpoint_c: float = 21.0, reason: str = "staged: hold"
) -> ZoneView:
    """The office zone regulated to ``setpoint_c`` whose controller last saw ``room_c``."""
    decision = DecisionMade(
        ts_s=0.0,
        zone="office",
        step="Mid",
        power_w=100.0,
        reason=reason,
        room_c=room_c,
        setpoint_c=setpoint_c,
    )
    return ZoneView(
        name="office",
        devices=("127.0.0.2:4028",),
        setpoint_c=setpoint_c,
        target=Target("setpoint", setpoint_c=setpoint_c),
        last_decision=decision,
    )


class Receiver:
    """A real HTTP server on 127.0.0.1 collecting the JSON bodies Apprise's json:// posts."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                outer.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The Apprise URL that posts here."""
        return f"json://127.0.0.1:{self.port}/alerts"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
