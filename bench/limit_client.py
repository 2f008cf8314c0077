"""Provides the limit client: the least Python that reads an Avalon's status over its API.

It is the yardstick for ``bench/client_refresh.py``: what nanoheater's ``get_status()`` costs
above the floor of doing the same exchange in plain asyncio. Per call it opens one TCP
connection, sends the constant ``summary+estats`` request nanoheater sends once it knows the
device, reads to the NUL under one deadline, decodes the JSON with the standard library, finds
the ``MM ID0`` blob and picks the same values a nanoheater status carries (wall power, hashrate,
temperatures, fan, mode, soft off, calibration, uptime, accepted shares, best share). It skips
everything that makes nanoheater a library rather than a loop: no retries, no repairs of broken
JSON, no join fallback, no identity or model knowledge, no units or validation.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from typing import Any

REQUEST = b'{"command":"summary+estats"}'
_PAIR = re.compile(r"([A-Za-z][\w ]*?)\[([^\]]*)\]")


def _first_number(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return float(text.split()[0].rstrip("%"))
    except ValueError:
        return None


async def read_status(host: str, port: int, timeout_s: float = 5.0) -> dict[str, Any]:
    """One status read of the device at ``host:port``; KeyError/OSError/TimeoutError on failure."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        async with asyncio.timeout(timeout_s):
            await loop.sock_connect(sock, (host, port))
            await loop.sock_sendall(sock, REQUEST)
            chunks = []
            while chunk := await loop.sock_recv(sock, 65536):
                chunks.append(chunk)
                if chunk.endswith(b"\x00"):
                    break
    finally:
        sock.close()
    body = json.loads(b"".join(chunks).rstrip(b"\x00"))
    summary = body["summary"][0]["SUMMARY"][0]
    stats = body["estats"][0]["STATS"][0]
    raw = next(v for k, v in stats.items() if k.startswith("MM ID"))
    blob = dict(_PAIR.findall(raw))
    ps = (blob.get("PS") or "").split()
    power_index = 5 if "HDNA" in blob else 6
    return {
        "power_w": float(ps[power_index]) if len(ps) > power_index else None,
        "hashrate_ths": (_first_number(blob.get("GHSspd")) or 0.0) / 1000.0,
        "chip_temp_max_c": _first_number(blob.get("TMax")),
        "chip_temp_avg_c": _first_number(blob.get("TAvg")),
        "chip_target_c": _first_number(blob.get("TarT")),
        "inlet_temp_c": _first_number(blob.get("ITemp", blob.get("Temp"))),
        "outlet_temp_c": _first_number(blob.get("OTemp", blob.get("HBOTemp"))),
        "fan_rpm": _first_number(blob.get("Fan1")),
        "fan_percent": _first_number(blob.get("FanR")),
        "workmode": _first_number(blob.get("WORKMODE")),
        "worklevel": _first_number(blob.get("WORKLEVEL")),
        "soft_off": blob.get("SoftOFF", "0") != "0",
        "calibrating": blob.get("ADJ") == "0",
        "state": blob.get("SYSTEMSTATU", ""),
        "uptime_s": _first_number(blob.get("Elapsed")),
        "accepted": summary.get("Accepted"),
        "best_share": summary.get("Best Share"),
    }
