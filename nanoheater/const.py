"""Provides the library's fixed numbers: ports, timeouts and protocol limits."""

from __future__ import annotations

DEFAULT_TCP_PORT = 4028
"""The CGMiner API port of every Avalon home miner (docs/protocol.md §1.1)."""

MAX_REQUEST_BYTES = 4095
"""The firmware reads a request with one recv() of at most this many bytes (api.c:3483)."""

MAX_REPLY_BYTES = 1 << 18
"""Replies larger than this are refused; the largest real one (estats|all) is under 64 KiB.

The cap also bounds how long one reply can hold the event loop: every parser is linear, and
RELIABILITY.md gives the measured worst case at this size (issue 14)."""

DEFAULT_TIMEOUT_S = 5.0
"""Whole-request deadline (connect, write, read to EOF) for one command."""

DEFAULT_CONNECT_TIMEOUT_S = 2.0
"""Connect deadline; a home LAN answers in milliseconds or not at all."""

MDNS_SERVICE_TYPE = "_avalon-miner._tcp.local."
"""DNS-SD service type the simulator advertises (real Avalon firmware advertises nothing)."""

CALIBRATION_RETRY_S = 300.0
"""How long a refused mode change should wait before retrying, when the device gives no hint."""

DEVICE_CLOCK_RANGE_S = (946_684_800.0, 4_102_444_800.0)
"""Device clocks (``When``) outside 2000-01-01 .. 2100-01-01 UTC count as absent (issue 14).

A device's clock is untrusted input: a negative, huge or non-finite ``When`` crashed the TUI
(``fromtimestamp`` overflow) and ``watch``. Anything the library stores is stamped on the local
clock; a device clock is only a hint (the accelerated simulator's time) and only inside this range.
"""


def plausible_time_s(value: object) -> float | None:
    """An epoch time from outside (a device's ``When``, the service's JSON) as a float, or None.

    None unless a number inside ``DEVICE_CLOCK_RANGE_S`` (NaN, 1e300, booleans and strings are
    no time): ``fromtimestamp``/``localtime`` overflowed on such values (issue 14).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    low, high = DEVICE_CLOCK_RANGE_S
    return float(value) if low <= value < high else None  # NaN fails both comparisons
