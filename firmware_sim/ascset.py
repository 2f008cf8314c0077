"""Provides ``ascset``: device control options per model, with the firmware's reply semantics.

api.c turns a driver result into E/120 ``ASC 0 set failed: <text>`` (error), I/118 ``ASC 0 set
info: <text>`` (success with text) or S/119 ``ASC 0 set OK`` (success, no text). Option names,
argument parsing (sscanf-like) and reply strings follow driver-avalon.c ``avalon_set_device`` and
docs/protocol.md §1.7; an option works only if the model's help list (the profile) has it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from firmware_sim import ascset_periph as periph
from firmware_sim.ascset_periph import scan_int as _scan_int
from firmware_sim.view import HeaterView, Snapshot
from firmware_sim.wire import Body

Result = tuple[str, str]
"""("E", error text) | ("I", info text) | ("S", "")."""
OK: Result = ("S", "")
REBOOT_DOWNTIME_S = 60.0
"""Assumption: the unit answers again about a minute after it starts rebooting."""
NO_SETTING_CHECK = {"help", "voltage", "loop", "hashpower"}
"""Options the driver runs without a setting (device_cmds[].check_request_value false)."""


def _s8(value: int) -> int:
    # %hhd stores into a signed char.
    value &= 0xFF
    return value - 256 if value >= 128 else value


def _cmd_num(setting: str) -> tuple[str, int | None]:
    # sscanf("%[^,],%hhd"): a non-empty command up to the first comma, then an optional number.
    cmd, sep, rest = setting.partition(",")
    return cmd, (_scan_int(rest) if sep else None)


def _refuse_mode_change(heater: HeaterView, snap: Snapshot) -> bool:
    return snap.calibrating or heater.faults.refuse_calibrating


def _max_mode(heater: HeaterView) -> int:
    # info->maxmode is the mode count (the web UI's work_mode_cnt), so "set,<count>" passes the
    # driver's `mode <= maxmode` check; the simulator then keeps the current mode.
    return len({m.workmode for m in heater.profile.modes})


def _level_range(heater: HeaterView, workmode: int) -> tuple[int, int]:
    levels = [m.worklevel for m in heater.profile.modes if m.workmode == workmode] or [0]
    return min(levels), max(levels)


def _find_mode(heater: HeaterView, workmode: int, worklevel: int | None) -> int | None:
    modes = heater.profile.modes
    for k, m in enumerate(modes):
        if m.workmode == workmode and (worklevel is None or m.worklevel == worklevel):
            return k
    return None if worklevel is None else _find_mode(heater, workmode, None)


def _switch(heater: HeaterView, index: int | None) -> None:
    if index is not None and index != heater.state.mode_index:
        heater.set_mode(index)


def opt_workmode(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``workmode,get`` / ``workmode,set,N`` (driver-avalon.c set_avalon_device_workmode)."""
    st = heater.state
    cmd, num = _cmd_num(setting)
    if num is None and cmd == "get":
        return "I", f"workmode {st.workmode}"
    if num is None or cmd != "set":
        return "E", "error:2 parameter error"
    mode = num & 0xFF
    max_mode = _max_mode(heater)
    if mode > max_mode:
        return "E", f"error:1 not support set workmode max_mode[{max_mode}]"
    if _refuse_mode_change(heater, snap):
        return "E", f"current mode {st.workmode} is caling Don't permit switch mode"
    if mode != st.workmode:
        _switch(heater, _find_mode(heater, mode, st.worklevel))
    return OK


def opt_worklevel(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``worklevel,get`` / ``worklevel,set,N``; on the Nano 3 the level is the mode."""
    st = heater.state
    cmd, num = _cmd_num(setting)
    if num is None and cmd == "get":
        return "I", f"worklevel {st.worklevel}"
    nano3 = heater.profile.mode_option == "worklevel"
    low, high = (
        (
            min(m.worklevel for m in heater.profile.modes),
            max(m.worklevel for m in heater.profile.modes),
        )
        if nano3
        else _level_range(heater, st.workmode)
    )
    if num is None or cmd != "set" or not low <= _s8(num) <= high:
        return "E", "worklevel unknown argument"
    level = _s8(num)
    if _refuse_mode_change(heater, snap):
        return "E", f"current level {st.worklevel} is caling,Don't permit switch level"
    if level != st.worklevel:
        if nano3:
            _switch(
                heater, next(k for k, m in enumerate(heater.profile.modes) if m.worklevel == level)
            )
        else:
            _switch(heater, _find_mode(heater, st.workmode, level))
    return OK


def opt_work_mode_lvl(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``work_mode_lvl,get`` / ``work_mode_lvl,set,M,L``."""
    st = heater.state
    parts = setting.split(",")
    if parts[0] == "get" and (len(parts) < 2 or _scan_int(parts[1]) is None):
        return "I", f"workmode {st.workmode} worklevel {st.worklevel}"
    nums = [_scan_int(p) for p in parts[1:3]]
    if parts[0] != "set" or len(nums) < 2 or nums[0] is None or nums[1] is None:
        return "E", "error:2 parameter error"
    if _refuse_mode_change(heater, snap):
        return "E", f"current mode {st.workmode} is caling. Don't permit switch mode"
    mode, level = nums[0] & 0xFF, _s8(nums[1])
    max_mode = _max_mode(heater)
    if mode >= max_mode:
        return "E", f"error:1 not support set workmode max_mode[{max_mode}]"
    low, high = _level_range(heater, mode)
    if not low <= level <= high:
        return "E", f"worklevel unknown argument level range:{low} ~ {high}"
    _switch(heater, _find_mode(heater, mode, level))
    return OK


def opt_fan_spd(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``fan-spd,<-1|15..100>`` (Nano 3: 0..100)."""
    val = _scan_int(setting)
    if val is None:
        return "E", "No value passed to avalon-fan"
    low = 0 if heater.profile.family == "MM318" else 15
    if val != -1 and not low <= val <= 100:
        return "E", f"invalid fan value, valid range {low}-100 for stable pwm,-1 for auto adjust"
    heater.state.fan_manual_percent = val
    return OK


def opt_target_temp(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``target-temp,<50..90>``: the chip target shown as TarT (until a mode change)."""
    val = _scan_int(setting)
    if val is None or not 50 <= val <= 90:
        return "E", "invalid target-temp value, valid range 50-90"  # text assumed
    heater.state.chip_target_c = float(val)
    return OK


def opt_limittemp(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``limittemp,<C>`` (Mini 3): the room limit of Heating mode, read back as Limitemp."""
    val = _scan_int(setting)
    if val is None or not 0 <= val <= 99:
        return "E", "Input param error."
    heater.state.room_limit_c = float(val) if val else None
    return OK


def _soft(heater: HeaterView, setting: str, snap: Snapshot, off: bool) -> Result:
    m = re.match(r"\s*(\d+):\s*(\d+)", setting)
    if not m:
        return "E", "Input param error."
    at_s = int(m.group(2))
    # Independent schedules (SoftOffTime / SoftOnTime): an off now and an on later both stand.
    if off:
        heater.state.soft_off_at_s = float(at_s)
    else:
        heater.state.soft_on_at_s = float(at_s)
    return "I", f"success {'softoff' if off else 'softon'}:{at_s}"


def opt_softoff(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``softoff,1:<ts>``: standby at ``ts`` (q_ascset_softoff.json)."""
    return _soft(heater, setting, snap, True)


def opt_softon(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``softon,1:<ts>``: leave standby at ``ts`` (q_ascset_softon.json)."""
    return _soft(heater, setting, snap, False)


def opt_reboot(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``reboot,<0..300 s>`` (Nano 3 also ``reboot,all``)."""
    if heater.profile.family == "MM318" and setting.strip() == "all":
        heater.reboot(REBOOT_DOWNTIME_S, 0.0)
        return OK
    val = _scan_int(setting)
    if val is None:
        return "E", "reboot value not number"
    delay = val & 0xFFFF  # %hd into a uint16_t: -1 becomes 65535
    if delay > 300:
        return "E", "reboot value should be 0~300 seconds"
    heater.reboot(REBOOT_DOWNTIME_S, float(delay))
    return OK


def opt_help(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``help``: the model's option list, each followed by ``|`` (q_ascset_help.json)."""
    return "I", "".join(f"{name}|" for name in heater.profile.ascset_options)


def opt_hashpower(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``hashpower`` (Nano 3, A10 manual): the PS[...] values."""
    return periph.opt_voltage(heater, "", snap)


def _accept(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    # Options a help list names but the simulated hardware has nothing to change for
    # (smart-speed, spdlog, activate...): the firmware takes them, so does the simulator.
    return OK


Option = Callable[[HeaterView, str, Snapshot], Result]
OPTIONS: dict[str, Option] = {
    "help": opt_help,
    "workmode": opt_workmode,
    "worklevel": opt_worklevel,
    "work_mode_lvl": opt_work_mode_lvl,
    "fan-spd": opt_fan_spd,
    "target-temp": opt_target_temp,
    "limittemp": opt_limittemp,
    "softoff": opt_softoff,
    "softon": opt_softon,
    "reboot": opt_reboot,
    "hashpower": opt_hashpower,
    "voltage": periph.opt_voltage,
    "lcd": periph.opt_lcd,
    "ledmode": periph.opt_ledmode,
    "ledset": periph.opt_ledset,
    "led": periph.opt_led,
    "nightlamp": periph.opt_nightlamp,
    "wallpaper": periph.opt_wallpaper,
    "filter-clean": periph.opt_filter_clean,
    "loop": periph.opt_loop,
    "hash-sn-read": periph.opt_hash_sn_read,
    "facopts": periph.opt_facopts,
    "faclock": periph.opt_faclock,
    "frequency": periph.opt_frequency,
    "password": periph.opt_password,
    "qr_auth": periph.opt_qr_auth,
    "volt-adjust-switch": periph.opt_volt_adjust_switch,
    "solo-allowed": periph.opt_solo_allowed,
    "time": periph.opt_time,
}
"""Implemented options; a model only answers those its profile lists."""


def _c_atoi(text: str) -> int:
    return _scan_int(text) or 0


def set_device(heater: HeaterView, option: str, setting: str | None, snap: Snapshot) -> Result:
    """driver-avalon.c avalon_set_device: case-insensitive lookup in the model's option list."""
    lowered = option.lower()
    name = next((o for o in heater.profile.ascset_options if o.lower() == lowered), None)
    if name is None:
        return "E", f"Unknown option: {option}"
    if name not in NO_SETTING_CHECK and not setting:
        return "E", f"missing {name} setting"
    return OPTIONS.get(name, _accept)(heater, setting or "", snap)


def handle_ascset(heater: HeaterView, param: str | None, snap: Snapshot) -> Body:
    """``ascset|<asc>,<option>[,<setting>]``: only the first two commas split the parameter."""
    if not param:
        return Body("E", 15, "Missing device id parameter")
    asc, sep, rest = param.partition(",")
    if not sep or not rest:
        return Body("E", 116, "Missing option after ASC number")
    ident = _c_atoi(asc)
    if ident != 0:
        return Body("E", 107, f"Invalid ASC id {ident} - range is 0 - 0")
    option, sep, setting = rest.partition(",")
    kind, text = set_device(heater, option, setting if sep else None, snap)
    if kind == "E":
        return Body("E", 120, f"ASC 0 set failed: {text}")
    if kind == "I" and text:
        return Body("I", 118, f"ASC 0 set info: {text}")
    return Body("S", 119, "ASC 0 set OK")
