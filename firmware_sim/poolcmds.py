"""Provides the pool management commands: switch, enable, disable, prioritise, set.

Messages and checks follow api.c. Priorities and the enabled flags live in the device's Extras
(HeaterState keeps only the pool list); ``setpool`` is stored and applied at the next boot, as
the firmware says ("Please reboot miner to make config work").
"""

from __future__ import annotations

import hashlib
import re

from firmware_sim.state import PoolState
from firmware_sim.view import HeaterView, Snapshot, extras
from firmware_sim.wire import Body

POOL_SLOTS = 3
"""setpool accepts pool numbers 0..2 (api.c setpool)."""
MM319_WEB_USER = "admin"
"""Assumption: the web login Home Assistant integrations default to (docs/protocol.md §1.8)."""
MM318_WEB_USER = "root"
MM318_WEB_PASS = "ff0000ff" + hashlib.sha256(b"root").hexdigest()[:24]
"""nano3_firmware_dump_systemcfg.ini webpass: the Nano 3 client sends this hash form."""


def priorities(heater: HeaterView) -> list[int]:
    """Each pool's priority (0 = first choice), kept as long as the pool list."""
    ext = extras(heater)
    count = len(heater.state.pools)
    if len(ext.pool_prio) != count:
        ext.pool_prio = list(range(count))
    return ext.pool_prio


def is_enabled(heater: HeaterView, index: int) -> bool:
    """False after ``disablepool`` until ``enablepool`` or ``switchpool``."""
    return index not in extras(heater).pool_disabled


def active_pool(heater: HeaterView) -> int:
    """The pool in use: the enabled, alive pool with the best priority, or -1."""
    prio = priorities(heater)
    pools = heater.state.pools
    usable = [i for i in range(len(pools)) if pools[i].alive and is_enabled(heater, i)]
    return min(usable, key=lambda i: prio[i]) if usable else -1


def apply_pending(heater: HeaterView) -> None:
    """Put ``setpool`` changes into effect once the device has rebooted since they were made."""
    ext = extras(heater)
    if not ext.pending_pools or ext.pending_boot_s == heater.state.boot_time_s:
        return
    pools = heater.state.pools
    for index, (url, user, password) in sorted(ext.pending_pools.items()):
        new = PoolState(url=url, user=user, password=password)
        if index < len(pools):
            pools[index] = new
        else:
            pools.append(new)
    ext.pending_pools.clear()


def _pool_id(heater: HeaterView, param: str | None) -> tuple[int, Body | None]:
    pools = heater.state.pools
    if not pools:
        return -1, Body("E", 8, "No pools")
    if not param:
        return -1, Body("E", 25, "Missing pool id parameter")
    m = re.match(r"\s*([+-]?\d+)", param)
    index = int(m.group(1)) if m else 0
    if not 0 <= index < len(pools):
        return index, Body("E", 26, f"Invalid pool id {index} - range is 0 - {len(pools) - 1}")
    return index, None


def _name(heater: HeaterView, index: int) -> str:
    return f"{index}:'{heater.state.pools[index].url}'"


def _make_first(heater: HeaterView, index: int) -> None:
    # cgminer switch_pools(): the chosen pool takes priority 0, those above it move down one.
    prio = priorities(heater)
    chosen = prio[index]
    for i, p in enumerate(prio):
        if p < chosen:
            prio[i] = p + 1
    prio[index] = 0


def handle_switchpool(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """``switchpool|N``: enable pool N and make it the first choice."""
    index, error = _pool_id(heater, param)
    if error:
        return error
    extras(heater).pool_disabled.discard(index)
    _make_first(heater, index)
    return Body("S", 27, f"Switching to pool {_name(heater, index)}")


def handle_enablepool(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """``enablepool|N``."""
    index, error = _pool_id(heater, param)
    if error:
        return error
    if is_enabled(heater, index):
        return Body("I", 49, f"Pool {_name(heater, index)} already enabled")
    extras(heater).pool_disabled.discard(index)
    return Body("S", 47, f"Enabling pool {_name(heater, index)}")


def handle_disablepool(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """``disablepool|N``; the last enabled pool cannot be disabled."""
    index, error = _pool_id(heater, param)
    if error:
        return error
    if not is_enabled(heater, index):
        return Body("I", 50, f"Pool {_name(heater, index)} already disabled")
    enabled = sum(is_enabled(heater, i) for i in range(len(heater.state.pools)))
    if enabled <= 1:
        return Body("E", 51, f"Cannot disable last active pool {_name(heater, index)}")
    extras(heater).pool_disabled.add(index)
    return Body("S", 48, f"Disabling pool {_name(heater, index)}")


def handle_poolpriority(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """``poolpriority|a,b,...``: listed pools first, the rest keep their order after them."""
    count = len(heater.state.pools)
    if not count:
        return Body("E", 8, "No pools")
    if not param:
        return Body("E", 25, "Missing pool id parameter")
    order: list[int] = []
    for item in param.split(","):
        m = re.match(r"\s*([+-]?\d+)", item)
        index = int(m.group(1)) if m else 0
        if not 0 <= index < count:
            return Body("E", 26, f"Invalid pool id {index} - range is 0 - {count - 1}")
        if index in order:
            return Body("E", 74, f"Duplicate pool specified {index}")
        order.append(index)
    prio = priorities(heater)
    rest = sorted((i for i in range(count) if i not in order), key=lambda i: prio[i])
    for rank, index in enumerate(order + rest):
        prio[index] = rank
    return Body("S", 73, "Changed pool priorities")


def handle_setpool(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """``setpool|<webuser>,<webpass>,<0-2>,<url>,<user>[,<pass>]`` (api.c setpool)."""
    if not param:
        return Body("E", 132, "Pool set error: no params")
    parts = param.split(",")
    fields = [p for p in parts[:6]]
    count = _scanned(fields)
    if count not in (5, 6):
        return Body(
            "E", 132, f"Pool set error: we need 5 | 6 arguments, your input is {count} arguments."
        )
    user, password, num, url, worker = fields[:5]
    worker_pass = fields[5] if count == 6 else ""
    mm318 = heater.profile.family == "MM318"
    if user != (MM318_WEB_USER if mm318 else MM319_WEB_USER):
        return Body("E", 132, "Pool set error: username err")
    ext = extras(heater)
    if mm318:
        authorised = password == MM318_WEB_PASS
    else:
        stored = ext.webpass or hashlib.sha256(b"admin").hexdigest()
        authorised = hashlib.sha256(password.encode()).hexdigest() == stored
    if not authorised:
        return Body("E", 132, "Pool set error: userpass err")
    index = int(num)
    if not 0 <= index < POOL_SLOTS:
        return Body(
            "E", 132, f"Pool set error: pool num must between 0 and 2 , your input is {index}"
        )
    ext.pending_pools[index] = (url, worker, worker_pass)
    ext.pending_boot_s = heater.state.boot_time_s
    return Body(
        "S",
        133,
        f"Pool set info: \npool {index} success set to {url}\nworker is {worker}\n"
        f"workerpassword is {worker_pass}\nPlease reboot miner to make config work.\n",
    )


def _scanned(fields: list[str]) -> int:
    # sscanf("%[^,],%[^,],%d,%[^,],%[^,],%[^,]"): stops at the first empty or non-numeric field.
    for n, value in enumerate(fields):
        if n == 2:
            if not re.match(r"\s*[+-]?\d+\s*$", value):
                return n
        elif not value:
            return n
    return len(fields)
