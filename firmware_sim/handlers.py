"""Provides ``dispatch``, the firmware's API entry point, and one ``handle_<command>`` per command.

Command tables follow the firmware families (docs/protocol.md §1.4): MM319 (Nano 3S, Mini 3, Q) has
Canaan's list from api.c; MM318 (Nano 3) has stock cgminer's read commands and no ``time`` or
``litestats``. Joins (``a+b``) follow api.c: each distinct command runs once, non-joinable ones
get Code 45, unknown ones Code 14, and a join ignores the parameter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from firmware_sim import poolcmds, records, wire
from firmware_sim.ascset import handle_ascset
from firmware_sim.ascset_periph import set_device_time
from firmware_sim.blob import full_blob, lite_blob
from firmware_sim.records import BLOCK_REF, LOG_INTERVAL_S, NETWORK_DIFFICULTY
from firmware_sim.view import HeaterView, Snapshot, snapshot
from firmware_sim.wire import Body, Esc, Fields, diff, mhs, percent

Handler = Callable[[HeaterView, str | None, Snapshot], Body]
CGMINER_RESTART_S = 15.0
"""Assumption: the API is back about 15 s after cgminer restarts (modelled as a short reboot)."""


def handle_version(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """VERSION: CGMiner, API, then the profile's fields with this unit's DNA and MAC."""
    st = heater.state
    fields: Fields = [("CGMiner", "4.11.1"), ("API", "3.7")]
    for key, value in heater.profile.version.items():
        fields.append((key, st.dna if key == "DNA" else st.mac if key == "MAC" else value))
    return Body("S", 22, "CGMiner versions", "VERSION", True, [fields])


def handle_config(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """CONFIG as api.c minerconfig() (q_config.json)."""
    fields: Fields = [
        ("ASC Count", 1),
        ("PGA Count", 0),
        ("Pool Count", len(heater.state.pools)),
        ("Strategy", "Failover"),
        ("Log Interval", LOG_INTERVAL_S),
        ("Device Code", heater.profile.device_name),
        ("OS", "Linux"),
        ("Hotplug", "None"),
    ]
    return Body("S", 33, "CGMiner config", "CONFIG", True, [fields])


def handle_devs(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """DEVS: the single ASC 0 (q_devs.json)."""
    return Body("S", 9, "1 ASC(s)", "DEVS", False, [records.asc_fields(heater, snap)])


def handle_pools(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """POOLS: one record per configured pool (q_pools.json; Password on the Q only)."""
    pools = heater.state.pools
    if not pools:
        return Body("E", 8, "No pools")
    active = poolcmds.active_pool(heater)
    items = [records.pool_fields(heater, i, p, active) for i, p in enumerate(pools)]
    return Body("S", 7, f"{len(pools)} Pool(s)", "POOLS", False, items)


def handle_summary(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """SUMMARY as api.c summary(); the Q prints Found Blocks before MHS 15m (q_summary.json)."""
    st = heater.state
    accepted, rejected, diff_acc, diff_rej = records.totals(heater)
    run = snap.elapsed_s
    r5s, r1m, r5m, r15m = (mhs(x) for x in snap.rolling_mhs)
    hw = st.hw_errors
    pool_total = diff_acc + diff_rej
    best = max([st.best_share, *(p.best_share for p in st.pools)])
    head: Fields = [
        ("Elapsed", wire.elapsed(run)),
        ("MHS av", mhs(st.total_mh / run if run > 0 else 0.0)),
        (f"MHS {LOG_INTERVAL_S}s", r5s),
        ("MHS 1m", r1m),
        ("MHS 5m", r5m),
    ]
    if heater.profile.blob_style == "q":
        head += [("Found Blocks", st.found_blocks), ("MHS 15m", r15m)]
    else:
        head += [("MHS 15m", r15m), ("Found Blocks", st.found_blocks)]
    fields = head
    fields += [
        ("Getworks", sum(p.getworks for p in st.pools)),
        ("Accepted", accepted),
        ("Rejected", rejected),
        ("Hardware Errors", hw),
        ("Utility", mhs(accepted / run * 60 if run > 0 else 0.0)),
        ("Discarded", 0),
        ("Stale", 0),
        ("Get Failures", 0),
        ("Local Work", int(st.total_mh / 1e7)),
        ("Remote Failures", 0),
        ("Network Blocks", int(run // 600)),
        ("Total MH", wire.mhtotal(st.total_mh)),
        ("Work Utility", mhs(snap.diff1 / run * 60 if run > 0 else 0.0)),
        ("Difficulty Accepted", diff(diff_acc)),
        ("Difficulty Rejected", diff(diff_rej)),
        ("Difficulty Stale", diff(0.0)),
        ("Best Share", best),
        ("Device Hardware%", percent(hw / (hw + snap.diff1) if hw + snap.diff1 else 0.0)),
        ("Device Rejected%", percent(diff_rej / snap.diff1 if snap.diff1 else 0.0)),
        ("Pool Rejected%", percent(diff_rej / pool_total if pool_total else 0.0)),
        ("Pool Stale%", percent(0.0)),
        ("Last getwork", 0),
    ]
    return Body("S", 11, "Summary", "SUMMARY", True, [fields])


def handle_devdetails(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """DEVDETAILS (q_devdetails.json, mini3_devdetails_plaintext.txt)."""
    driver = "avalonnano" if heater.profile.family == "MM318" else "avalon"
    fields: Fields = [
        ("DEVDETAILS", 0),
        ("Name", heater.profile.device_name),
        ("ID", 0),
        ("Driver", driver),
        ("Kernel", ""),
        ("Model", ""),
        ("Device Path", ""),
    ]
    return Body("S", 69, "Device Details", "DEVDETAILS", False, [fields])


def handle_stats(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """STATS: the device entry (blob) then one POOLn entry per pool."""
    faults = heater.faults
    empty = heater.profile.blob_style == "q" and faults.empty_summary_replies != 0
    if empty and faults.empty_summary_replies > 0:
        faults.empty_summary_replies -= 1
    ident = f"{heater.profile.device_name}0"
    items = [records.stats_head(0, ident, snap) + records.device_extra(heater, snap, empty)]
    items += [records.pool_stats(i, p, snap) for i, p in enumerate(heater.state.pools)]
    return Body("S", 70, "CGMiner stats", "STATS", False, items)


def handle_estats(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """ESTATS: the device entry only (api.c minerestats); ``estats|all`` adds per-chip arrays."""
    ident = f"{heater.profile.device_name}0"
    show_all = param is not None and param.startswith("all")
    extra = records.device_extra(heater, snap, show_all=show_all)
    items = [records.stats_head(0, ident, snap) + extra]
    return Body("S", 70, "CGMiner stats", "STATS", False, items)


def handle_litestats(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """LITESTATS: only the driver's fields; the short blob, or the full summary on the Q."""
    if heater.profile.blob_style == "q":
        fields: Fields = [("MM ID0:Summary", full_blob(heater, snap))]
    else:
        fields = [("MM ID0", lite_blob(heater, snap)), ("MM Count", 1), ("Nonce Mask", 25)]
    return Body("S", 70, "CGMiner stats", "STATS", False, [fields])


def handle_lcd(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """LCD as api.c lcddata() (nano3s_lcd.json): GH/s figures and the current pool."""
    st = heater.state
    run = snap.elapsed_s
    _, last = records.last_share_pool(st.pools)
    active = poolcmds.active_pool(heater)
    pool = st.pools[active] if active >= 0 else None
    ghs = st.hashrate_ghs
    fields: Fields = [
        ("Elapsed", wire.elapsed(run)),
        ("GHS av", mhs(st.total_mh / run / 1000.0 if run > 0 else 0.0)),
        ("GHS 5m", mhs(snap.rolling_mhs[2] / 1000.0)),
        ("GHS 5s", mhs(ghs)),
        ("Temperature", wire.temp(0.0)),
        ("Last Share Difficulty", diff(last.last_share_difficulty if last else 0.0)),
        ("Last Share Time", records.share_time(heater, last.last_share_time if last else 0.0)),
        ("Best Share", max([st.best_share, *(p.best_share for p in st.pools)])),
        ("Last Valid Work", int(last.last_share_time) if last else 0),
        ("Found Blocks", st.found_blocks),
        ("Current Pool", Esc(pool.url if pool else "none")),
        ("User", Esc(pool.user if pool else "")),
    ]
    return Body("S", 125, "LCD", "LCD", True, [fields])


def handle_coin(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """COIN (q_coin.json): the current block's time and hash, LP, network difficulty."""
    height = BLOCK_REF[0] + int((snap.now - BLOCK_REF[1]) // 600)
    block_s = BLOCK_REF[1] + (height - BLOCK_REF[0]) * 600 + 0.178978
    if records.relative_clock(heater):
        block_s = max(0.0, block_s - heater.state.boot_time_s)
    digest = hashlib.sha256(str(height).encode()).hexdigest()
    fields: Fields = [
        ("Hash Method", "sha256"),
        ("Current Block Time", wire.timeval(block_s)),
        ("Current Block Hash", "0" * 20 + digest[:44]),
        ("LP", True),
        ("Network Difficulty", diff(NETWORK_DIFFICULTY)),
    ]
    return Body("S", 78, "CGMiner coin", "COIN", True, [fields])


def handle_check(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """CHECK: whether a command exists; access control is compiled out, so Access = Exists."""
    if not param:
        return Body("E", 71, "Missing check cmd")
    exists = "Y" if param in commands(heater) else "N"
    return Body("S", 72, "Check command", "CHECK", True, [[("Exists", exists), ("Access", exists)]])


def handle_time(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """TIME (MM319): ``time|get`` or ``time|set,t:<epoch>,<tz>`` answer I/131."""
    if not param:
        return Body("I", 130, "Time parameter is not available")
    return Body("I", 131, f"Time set info: {set_device_time(heater, param)}")


def handle_lockstats(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """LOCKSTATS: lock tracking is compiled out of the firmware."""
    return Body("W", 124, "Lock stats not enabled")


def handle_privileged(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """PRIVILEGED (stock cgminer on the Nano 3): always granted."""
    return Body("S", 46, "Privileged access OK")


def handle_restart(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """RESTART (stock cgminer on the Nano 3): reply, then cgminer restarts."""
    heater.reboot(CGMINER_RESTART_S, 0.0)
    return Body("S", 0, "", action="RESTART")


def handle_quit(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """QUIT (stock cgminer on the Nano 3): reply BYE; the unit's watchdog starts cgminer again."""
    heater.reboot(CGMINER_RESTART_S, 0.0)
    return Body("S", 0, "", action="BYE")


MM319_COMMANDS: dict[str, tuple[Handler, bool]] = {
    "version": (handle_version, True),
    "config": (handle_config, True),
    "devs": (handle_devs, True),
    "edevs": (handle_devs, True),
    "pools": (handle_pools, True),
    "summary": (handle_summary, True),
    "devdetails": (handle_devdetails, True),
    "stats": (handle_stats, True),
    "estats": (handle_estats, True),
    "litestats": (handle_litestats, True),
    "check": (handle_check, False),
    "coin": (handle_coin, True),
    "ascset": (handle_ascset, False),
    "lcd": (handle_lcd, True),
    "lockstats": (handle_lockstats, True),
    "time": (handle_time, False),
    "switchpool": (poolcmds.handle_switchpool, False),
    "poolpriority": (poolcmds.handle_poolpriority, False),
    "enablepool": (poolcmds.handle_enablepool, False),
    "disablepool": (poolcmds.handle_disablepool, False),
    "setpool": (poolcmds.handle_setpool, False),
}
"""api.c cmds[]."""

MM318_COMMANDS: dict[str, tuple[Handler, bool]] = {
    name: entry
    for name, entry in MM319_COMMANDS.items()
    if name not in ("litestats", "time")  # Canaan additions absent from the MM318 binary
} | {
    "privileged": (handle_privileged, False),
    "restart": (handle_restart, False),
    "quit": (handle_quit, False),
}


def commands(heater: HeaterView) -> dict[str, tuple[Handler, bool]]:
    """The command table of the device's firmware family."""
    return MM318_COMMANDS if heater.profile.family == "MM318" else MM319_COMMANDS


def _invalid() -> Body:
    return Body("E", 14, "Invalid command")


_REQUEST_ERRORS = {23: "Invalid JSON", 24: "Missing JSON 'command'", 14: "Invalid command"}


def dispatch(heater: HeaterView, request: bytes) -> bytes:
    """Answer one request the way the firmware does: reply bytes including the trailing NUL."""
    req = wire.parse_request(request)
    when = int(heater.now() + heater.faults.clock_offset_s)
    poolcmds.apply_pending(heater)
    if req.error is not None:
        return wire.frame_single(
            Body("E", req.error, _REQUEST_ERRORS[req.error]), when, req.is_json
        )
    table = commands(heater)
    if "+" not in req.command:
        entry = table.get(req.command)
        if entry is None:
            return wire.frame_single(_invalid(), when, req.is_json)
        return wire.frame_single(
            entry[0](heater, req.parameter, snapshot(heater)), when, req.is_json
        )
    parts: list[tuple[str, Body]] = []
    seen: set[str] = set()
    snap: Snapshot | None = None
    for name in req.command.split("+"):
        if not name:
            continue
        entry = table.get(name)
        if entry is None:
            parts.append((name, _invalid()))
            continue
        if name in seen:
            continue  # api.c runs each joined command once
        seen.add(name)
        if not entry[1]:
            parts.append((name, Body("E", 45, f"Access denied to '{name}' command")))
            continue
        if snap is None:
            snap = snapshot(heater)
        parts.append((name, entry[0](heater, None, snap)))
    return wire.frame_join(parts, when, req.is_json)
