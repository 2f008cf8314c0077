"""Provides the cgminer records behind devs, pools and stats: ASC 0, POOLn and STATS entries.

Field order and types follow api.c ascstatus(), poolstatus() and itemstats() and the Q captures
(q_devs.json, q_pools.json, q_stats.json); figures come from HeaterState and its pools.
"""

from __future__ import annotations

from firmware_sim import poolcmds, wire
from firmware_sim.blob import full_blob, q_hbinfo
from firmware_sim.state import PoolState
from firmware_sim.view import HeaterView, Snapshot
from firmware_sim.wire import Esc, Fields, diff, mhs, percent

BLOCK_REF = (907089, 1753431847.0)
"""A known (height, epoch) pair from q_pools.json; heights advance one per 600 s from it."""
NETWORK_DIFFICULTY = 126271255279306.984375
"""q_coin.json."""
BLOCK_VERSION = 536870912
LOG_INTERVAL_S = 5
"""opt_log_interval: the rolling key is "MHS 5s" on every home miner sample."""


def relative_clock(heater: HeaterView) -> bool:
    """True when the model prints share and block times on cgminer's monotonic clock."""
    # q_devs.json: Last Share Time 31279 while When is an epoch.
    return heater.profile.blob_style == "q"


def share_time(heater: HeaterView, t: float) -> int:
    """A share time as the model prints it: seconds since boot on the Q, else an epoch."""
    if t <= 0:
        return 0
    if relative_clock(heater):
        return max(0, int(t - heater.state.boot_time_s))
    return int(t)


def last_share_pool(pools: list[PoolState]) -> tuple[int, PoolState | None]:
    """The index (or -1) and the pool that took the most recent share."""
    best = -1
    for i, p in enumerate(pools):
        if p.last_share_time > 0 and (best < 0 or p.last_share_time > pools[best].last_share_time):
            best = i
    return best, (pools[best] if best >= 0 else None)


def totals(heater: HeaterView) -> tuple[int, int, float, float]:
    """Accepted, rejected, difficulty accepted and difficulty rejected over all pools."""
    pools = heater.state.pools
    return (
        sum(p.accepted for p in pools),
        sum(p.rejected for p in pools),
        sum(p.diff_accepted for p in pools),
        sum(p.diff_rejected for p in pools),
    )


def asc_fields(heater: HeaterView, snap: Snapshot) -> Fields:
    """The ``ASC 0`` record of devs/edevs (api.c ascstatus, q_devs.json)."""
    st = heater.state
    accepted, rejected, diff_acc, diff_rej = totals(heater)
    run = snap.elapsed_s
    r5s, r1m, r5m, r15m = (mhs(x) for x in snap.rolling_mhs)
    index, last = last_share_pool(st.pools)
    hw = st.hw_errors
    return [
        ("ASC", 0),
        ("Name", heater.profile.device_name),
        ("ID", 0),
        ("Enabled", "Y"),
        ("Status", "Alive"),
        ("Temperature", wire.temp(0.0)),  # cgpu->temp is never set by these drivers
        ("MHS av", mhs(st.total_mh / run if run > 0 else 0.0)),
        (f"MHS {LOG_INTERVAL_S}s", r5s),
        ("MHS 1m", r1m),
        ("MHS 5m", r5m),
        ("MHS 15m", r15m),
        ("Accepted", accepted),
        ("Rejected", rejected),
        ("Hardware Errors", hw),
        ("Utility", mhs(accepted / run * 60 if run > 0 else 0.0)),
        ("Last Share Pool", index),
        ("Last Share Time", share_time(heater, last.last_share_time if last else 0.0)),
        ("Total MH", wire.mhtotal(st.total_mh)),
        ("Diff1 Work", int(snap.diff1)),
        ("Difficulty Accepted", diff(diff_acc)),
        ("Difficulty Rejected", diff(diff_rej)),
        ("Last Share Difficulty", diff(last.last_share_difficulty if last else 0.0)),
        ("Last Valid Work", int(last.last_share_time) if last else 0),
        ("Device Hardware%", percent(hw / (hw + snap.diff1) if hw + snap.diff1 else 0.0)),
        ("Device Rejected%", percent(diff_rej / snap.diff1 if snap.diff1 else 0.0)),
        ("Device Elapsed", wire.elapsed(run)),
    ]


def pool_fields(heater: HeaterView, i: int, pool: PoolState, active: int) -> Fields:
    """One ``POOL`` record (api.c poolstatus, q_pools.json; Password on the Q only)."""
    total = pool.diff_accepted + pool.diff_rejected
    is_active = i == active
    height = BLOCK_REF[0] + int((heater.now() - BLOCK_REF[1]) // 600)
    fields: Fields = [
        ("POOL", i),
        ("URL", Esc(pool.url)),
        ("Status", _status(heater, i, pool)),
        ("Priority", poolcmds.priorities(heater)[i]),
        ("Quota", 1),
        ("Long Poll", "N"),
        ("Getworks", pool.getworks),
        ("Accepted", pool.accepted),
        ("Rejected", pool.rejected),
        ("Works", pool.getworks * 140),
        ("Discarded", 0),
        ("Stale", 0),
        ("Get Failures", 0),
        ("Remote Failures", 0),
        ("User", Esc(pool.user)),
    ]
    if heater.profile.blob_style == "q":
        fields.append(("Password", Esc(pool.password)))  # q_pools.json only
    work_diff = diff(pool.last_share_difficulty)
    fields += [
        ("Last Share Time", share_time(heater, pool.last_share_time)),
        ("Diff1 Shares", int(total)),
        ("Proxy Type", ""),
        ("Proxy", ""),
        ("Difficulty Accepted", diff(pool.diff_accepted)),
        ("Difficulty Rejected", diff(pool.diff_rejected)),
        ("Difficulty Stale", diff(0.0)),
        ("Last Share Difficulty", work_diff),
        ("Work Difficulty", work_diff),
        ("Has Stratum", True),
        ("Stratum Active", is_active),
        ("Stratum URL", Esc(host(pool.url)) if is_active else ""),
        ("Stratum Difficulty", work_diff if is_active else diff(0.0)),
        ("Has Vmask", True),
        ("Has GBT", False),
        ("Best Share", pool.best_share),
        ("Pool Rejected%", percent(pool.diff_rejected / total if total else 0.0)),
        ("Pool Stale%", percent(0.0)),
        ("Bad Work", 0),
        ("Current Block Height", height if is_active else 0),
        ("Current Block Version", BLOCK_VERSION if is_active else 0),
    ]
    return fields


def host(url: str) -> str:
    """pool->stratum_url: the host part of a pool URL (a10_official_pools_plaintext.txt)."""
    rest = url.split("://", 1)[-1]
    return rest.rsplit(":", 1)[0] if ":" in rest else rest


def stats_head(index: int, ident: str, snap: Snapshot) -> Fields:
    """The fields every STATS entry starts with (api.c itemstats)."""
    return [
        ("STATS", index),
        ("ID", ident),
        ("Elapsed", wire.elapsed(snap.elapsed_s)),
        ("Calls", 0),
        ("Wait", wire.ZERO_TIMEVAL),
        ("Max", wire.ZERO_TIMEVAL),
        ("Min", wire.MIN_TIMEVAL),
    ]


def device_extra(
    heater: HeaterView, snap: Snapshot, empty_summary: bool = False, show_all: bool = False
) -> Fields:
    """The driver's fields of STATS[0]: the blob(s), then MM Count and Nonce Mask (not on the Q)."""
    style = heater.profile.blob_style
    if style == "q":
        summary = "" if empty_summary else full_blob(heater, snap)
        return [("MM ID0:Summary", summary), ("HBinfo", q_hbinfo(heater))]
    nonce_mask = 1 if style == "nano3" else 25  # nano3_stats.json; MM319 24 + 1
    blob = full_blob(heater, snap, show_all)
    return [("MM ID0", blob), ("MM Count", 1), ("Nonce Mask", nonce_mask)]


def pool_stats(index: int, pool: PoolState, snap: Snapshot) -> Fields:
    """The ``POOLn`` STATS entry with the pool's network counters."""
    sent = pool.accepted + pool.rejected + pool.getworks
    work_diff = diff(pool.last_share_difficulty)
    fields = stats_head(index + 1, f"POOL{index}", snap)
    fields += [
        ("Pool Calls", 0),
        ("Pool Attempts", 0),
        ("Pool Wait", wire.ZERO_TIMEVAL),
        ("Pool Max", wire.ZERO_TIMEVAL),
        ("Pool Min", wire.MIN_TIMEVAL),
        ("Pool Av", wire.double(0.0)),
        ("Work Had Roll Time", False),
        ("Work Can Roll", False),
        ("Work Had Expire", False),
        ("Work Roll Time", 0),
        ("Work Diff", work_diff),
        ("Min Diff", work_diff),
        ("Max Diff", work_diff),
        ("Min Diff Count", 1 if pool.accepted else 0),
        ("Max Diff Count", pool.accepted),
        ("Times Sent", sent),
        ("Bytes Sent", sent * 164),
        ("Times Recv", sent + pool.getworks),
        ("Bytes Recv", (sent + pool.getworks) * 555),
        ("Net Bytes Sent", sent * 164),
        ("Net Bytes Recv", (sent + pool.getworks) * 555),
    ]
    return fields


def _status(heater: HeaterView, index: int, pool: PoolState) -> str:
    if not poolcmds.is_enabled(heater, index):
        return "Disabled"
    return "Alive" if pool.alive else "Dead"
