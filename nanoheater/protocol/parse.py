"""Provides the wire-to-model step: decoded replies in, HeaterInfo / HeaterStatus / Pool out.

This is where per-model knowledge about field meanings lives (docs/protocol.md §1.6): which ``PS[]``
index is wall power (PS[6] on MM319, PS[5] on the Nano 3, whose PS[6] is not watts), that the
Nano 3 has ``WORKLEVEL`` but no ``WORKMODE``, that its DNA is in ``HDNA``, that -273 means "no
sensor", and which blob or summary field each unit-normalised quantity comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from nanoheater.capabilities import capabilities, model_from_version
from nanoheater.models import (
    HeaterInfo,
    HeaterState,
    HeaterStatus,
    ModelCapabilities,
    ModelId,
    Pool,
)
from nanoheater.protocol.blob import (
    NO_SENSOR_C,
    Blob,
    BlobValue,
    as_number,
    as_numbers,
)
from nanoheater.protocol.sanitize import sanitize

_HEX = re.compile(r"[0-9a-f]+")
_MAC_SEPARATORS = re.compile(r"[:\-.\s]")


def normalise_mac(raw: object) -> str | None:
    """Return a MAC as lower-case ``aa:bb:cc:dd:ee:ff``, or None if it is not a MAC.

    ``version`` sends ``e0e1a93f3053``, the web UI and some firmware ``E0:E1:A9:3F:30:53``
    (docs/protocol.md §6.11); both give ``e0:e1:a9:3f:30:53``. All-zero MACs count as missing.
    """
    if raw is None:
        return None
    text = _MAC_SEPARATORS.sub("", str(raw)).lower()
    if len(text) != 12 or not _HEX.fullmatch(text) or text == "0" * 12:
        return None
    return ":".join(text[i : i + 2] for i in range(0, 12, 2))


def normalise_dna(raw: object) -> str | None:
    """Return a chip DNA as lower-case hex, or None if it is missing, malformed or all zeros.

    The Nano 3 reports ``DNA[0000000000000000]`` (docs/protocol.md §6.11), which identifies nothing.
    """
    if raw is None:
        return None
    text = str(raw).strip().lower()
    if not 8 <= len(text) <= 64 or not _HEX.fullmatch(text) or not text.strip("0"):
        return None
    return text


def version_entry(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return ``VERSION[0]`` of a decoded ``version`` reply (an empty mapping if absent)."""
    raw = body.get("VERSION")
    entry = raw[0] if isinstance(raw, list) and raw else raw
    return entry if isinstance(entry, Mapping) else {}


def parse_info(
    version: Mapping[str, Any], blob: Mapping[str, BlobValue] | None = None
) -> HeaterInfo:
    """Build the identity of a device from its ``VERSION`` entry (and blob, for the Nano 3 HDNA)."""
    model = model_from_version(version)
    firmware = version.get("LVERSION") or version.get("CGVERSION") or version.get("VERSION") or ""
    dna = normalise_dna(version.get("DNA"))
    if dna is None and blob is not None:
        dna = normalise_dna(blob.get("HDNA")) or normalise_dna(blob.get("DNA"))
    return HeaterInfo(
        model=model,
        product=sanitize(version.get("PROD", "Avalon"), 60) or "Avalon",
        firmware=sanitize(firmware, 60),
        mac=normalise_mac(version.get("MAC")),
        dna=dna,
    )


def find_blob(stats_body: Mapping[str, Any]) -> Blob | None:
    """Return the parsed ``MM ID0`` (or Q ``MM ID0:Summary``) blob of a stats-type reply.

    Returns None when the reply carries no blob or an empty one (the Q ``stats`` quirk,
    docs/protocol.md §6.8), so the caller can fall back to ``litestats`` / ``estats``.
    """
    entries = stats_body.get("STATS")
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        for key, value in entry.items():
            if str(key).split(":", 1)[0].strip().startswith("MM ID") and isinstance(value, str):
                blob = Blob(value)
                return blob if len(blob) else None
    return None


def section(body: Mapping[str, Any] | None, name: str) -> list[Mapping[str, Any]]:
    """Return the entries of section ``name`` (``SUMMARY``, ``POOLS``...) of a decoded reply."""
    if body is None:
        return []
    raw = body.get(name)
    if isinstance(raw, list):
        return [e for e in raw if isinstance(e, Mapping)]
    return [raw] if isinstance(raw, Mapping) else []


def parse_pools(pools_body: Mapping[str, Any] | None) -> list[Pool]:
    """Return the configured pools of a ``pools`` reply, passwords left out."""
    result: list[Pool] = []
    for entry in section(pools_body, "POOLS"):
        result.append(
            Pool(
                index=_int(entry.get("POOL")) or 0,
                url=sanitize(entry.get("URL", ""), 200),
                user=sanitize(entry.get("User", ""), 120),
                status=sanitize(entry.get("Status", ""), 20),
                priority=_int(entry.get("Priority")),
                accepted=_int(entry.get("Accepted")),
                rejected=_int(entry.get("Rejected")),
                stratum_active=bool(entry.get("Stratum Active", False)),
            )
        )
    return result


def active_pool_url(pools: Sequence[Pool]) -> str | None:
    """Return the URL of the pool being mined: the active stratum, else the best alive one."""
    if not pools:
        return None
    for pool in sorted(pools, key=lambda p: p.priority if p.priority is not None else 99):
        if pool.stratum_active:
            return pool.url or None
    alive = [p for p in pools if p.status.lower() == "alive"]
    chosen = alive[0] if alive else pools[0]
    return chosen.url or None


def parse_status(
    info: HeaterInfo,
    blob: Mapping[str, BlobValue],
    *,
    host: str,
    port: int,
    summary: Mapping[str, Any] | None = None,
    pools: Sequence[Pool] = (),
    when: float | None = None,
) -> HeaterStatus:
    """Build one normalised reading from the blob, the ``SUMMARY`` entry and the pools."""
    caps = _caps(info.model)
    nano3_layout = info.model is ModelId.NANO3 or (info.model is None and "HDNA" in blob)
    workmode = None if nano3_layout else _int(blob.get("WORKMODE"))
    worklevel = _int(_either(blob, "WORKLEVEL", "WORKLVL"))
    calibrating = _int(blob.get("ADJ")) == 0
    soft_off = (_int(blob.get("SoftOFF")) or 0) != 0
    hashrate_ghs = as_number(blob.get("GHSspd"))
    if hashrate_ghs is None and summary is not None:
        mhs = _summary_mhs(summary)
        hashrate_ghs = mhs / 1000.0 if mhs is not None else None
    nominal_ghs = as_number(blob.get("GHSmm"))
    inlet = _temp(_either(blob, "ITemp", "Temp"))
    if caps is not None and not caps.has_inlet_sensor:
        inlet = None
    outlet = _temp(_either(blob, "OTemp", "HBOTemp"))
    fans = [
        int(rpm) for key in ("Fan1", "Fan2", "Fan3", "Fan4") for rpm in as_numbers(blob.get(key))
    ]
    uptime = as_number(blob.get("Elapsed"))
    if uptime is None and summary is not None:
        uptime = _float(summary.get("Elapsed"))
    return HeaterStatus(
        info=info,
        host=host,
        port=port,
        state=_state(blob, hashrate_ghs, calibrating=calibrating, soft_off=soft_off),
        mode=_mode_name(caps, workmode, worklevel),
        workmode=workmode,
        worklevel=worklevel,
        power_w=_power_w(blob, nano3_layout, caps),
        hashrate_ths=round(hashrate_ghs / 1000.0, 6) if hashrate_ghs is not None else None,
        hashrate_nominal_ths=round(nominal_ghs / 1000.0, 6) if nominal_ghs is not None else None,
        chip_temp_max_c=_temp(_either(blob, "TMax", "MTmax")),
        chip_temp_avg_c=_temp(_either(blob, "TAvg", "MTavg")),
        chip_target_c=_temp(blob.get("TarT")),
        inlet_temp_c=inlet,
        outlet_temp_c=outlet,
        fan_rpm=max(fans) if fans else None,
        fan_percent=_int(blob.get("FanR")),
        uptime_s=int(uptime) if uptime is not None else None,
        pool_url=active_pool_url(pools),
        accepted=_int(summary.get("Accepted")) if summary is not None else None,
        best_share=_int(summary.get("Best Share")) if summary is not None else None,
        calibrating=calibrating,
        soft_off=soft_off,
        when=when,
    )


def _either(blob: Mapping[str, BlobValue], key: str, fallback: str) -> BlobValue | None:
    """``blob[key]`` if present, else ``blob[fallback]``: the fallback is only typed if needed."""
    value = blob.get(key)
    return value if value is not None else blob.get(fallback)


def _caps(model: ModelId | None) -> ModelCapabilities | None:
    return capabilities(model) if model is not None else None


def _power_w(
    blob: Mapping[str, BlobValue], nano3_layout: bool, caps: ModelCapabilities | None
) -> float | None:
    wall = as_number(blob.get("WALLPOWER"))
    if wall is not None:
        return wall
    ps = as_numbers(blob.get("PS"))
    # Nano 3 "0 0 0 A V*100 W x": PS[5] is watts, PS[6] is not (miner-sentinel #16, 326 W vs ~80).
    index = 5 if nano3_layout else 6
    if len(ps) <= index:
        return None
    # The Nano 3's PS[5] is the DC side of its adapter; what heats the room and is billed is
    # the wall figure (tests/captures/nano3_stats.json: 92 W DC at Canaan's 100 W wall).
    efficiency = caps.reported_power_efficiency if caps is not None else 1.0
    return round(ps[index] / efficiency, 1) if efficiency != 1.0 else ps[index]


def _state(
    blob: Mapping[str, BlobValue], hashrate_ghs: float | None, *, calibrating: bool, soft_off: bool
) -> HeaterState:
    system = blob.get("SYSTEMSTATU")
    system_text = system.lower() if isinstance(system, str) else ""
    if "fault" in system_text:
        return HeaterState.FAULT
    if soft_off:
        return HeaterState.OFF
    if calibrating:
        return HeaterState.CALIBRATING
    if "in work" in system_text:
        return HeaterState.MINING
    if "idle" in system_text:
        return HeaterState.IDLE
    q_state = _int(blob.get("STATE"))  # Q: 0 init, 1 work, 2 idle
    if q_state in (1, 2):
        return HeaterState.MINING if q_state == 1 else HeaterState.IDLE
    # "In Init" right after boot, or no status at all (Nano 3): hashing decides.
    return HeaterState.MINING if (hashrate_ghs or 0.0) > 0.0 else HeaterState.IDLE


def _mode_name(
    caps: ModelCapabilities | None, workmode: int | None, worklevel: int | None
) -> str | None:
    if caps is None:
        return None
    if caps.mode_command == "worklevel":
        matches = [p for p in caps.profiles if p.worklevel == worklevel and worklevel is not None]
    else:
        matches = [p for p in caps.profiles if p.workmode == workmode and workmode is not None]
        if len(matches) > 1:
            matches = [p for p in matches if p.worklevel in (None, worklevel)] or matches
    return matches[0].name if matches else None


def _summary_mhs(summary: Mapping[str, Any]) -> float | None:
    for key in ("MHS 5s", "MHS 1m", "MHS 5m", "MHS av"):
        value = _float(summary.get(key))
        if value is not None:
            return value
    for key, value in summary.items():  # "MHS %ds" follows the log interval
        if str(key).startswith("MHS ") and _float(value) is not None:
            return _float(value)
    return None


def _temp(value: BlobValue | None) -> float | None:
    numbers = as_numbers(value)
    if not numbers:
        return None
    reading = max(numbers)
    return None if reading <= NO_SENSOR_C else reading


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, tuple) and value:
        return _int(value[0])
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


__all__ = [
    "active_pool_url",
    "find_blob",
    "normalise_dna",
    "normalise_mac",
    "parse_info",
    "parse_pools",
    "parse_status",
    "section",
    "version_entry",
]
