"""Provides the peripheral and maintenance ``ascset`` options (LED, LCD, voltage, filter, time...).

Split from ascset.py, which holds the mode, fan and power options and the reply semantics. Reply
strings are driver-avalon.c's; where only a model's help list names an option, the option is
accepted (S/119) with a check for the missing setting, since the simulator has nothing to change.
"""

from __future__ import annotations

import hashlib
import re
import zlib

from firmware_sim.blob import STYLES, power_status
from firmware_sim.view import HeaterView, Snapshot, extras

Result = tuple[str, str]
OK: Result = ("S", "")
LED_EFFECT_MAX = 4
"""mm_miner.h effects 0 off .. 4 colour-cycle are settable with ledset."""
FREQUENCY_MAX_MHZ = 1195
"""AVALON_DEFAULT_FREQUENCY_MAX."""
DEFAULT_WEBPASS = hashlib.sha256(b"admin").hexdigest()
"""Assumption: admin/admin, as Home Assistant integrations default to (docs/protocol.md §5)."""
_INT = re.compile(r"\s*([+-]?\d+)")


def scan_int(text: str | None) -> int | None:
    """sscanf("%d"): optional space and sign, then digits; None when nothing matches."""
    m = _INT.match(text or "")
    return int(m.group(1)) if m else None


def opt_voltage(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``voltage`` queries PS[...]; ``voltage,<v>`` sets within the PS limits."""
    if not setting:
        return "I", f"PS[{power_status(heater, snap)}]"
    low, high = STYLES[heater.profile.blob_style].volt_range
    val = scan_int(setting)
    if val is None or not low <= val <= high:
        return "E", f"Setting invalid: voltage range {low}~{high}"
    ext = extras(heater)
    ext.voltage, ext.voltage_mode = val, heater.state.mode_index
    return OK


def opt_lcd(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``lcd,<id>:<val>``: id 0 turns the display on/off."""
    m = re.match(r"\s*([+-]?\d+):\s*([+-]?\d+)", setting)
    if not m:
        return "E", "No value passed to lcd"
    ident, val = int(m.group(1)), int(m.group(2))
    if ident == 0:
        heater.state.lcd_on = val != 0
    return "I", f"success lcd:id[{ident}] val[{val}] len=4"


def opt_ledmode(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``ledmode,<0 day|1 dark>`` (Nano 3S)."""
    val = scan_int(setting)
    if val not in (0, 1):
        return "E", "Input param error."
    heater.state.led_mode = val
    return "I", f"success set:{val}"


def opt_ledset(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``ledset,<effect>-<bright>-<temper>-<R>-<G>-<B>`` (Nano 3S, day mode only)."""
    st = heater.state
    if st.led_mode != 0:
        return "I", "not in (day)mode now"  # info, not error (driver-avalon.c:1991)
    m = re.fullmatch(r"\s*(\d+)-(\d+)-(\d+)-(\d+)-(\d+)-(\d+)\D*", setting)
    if not m or int(m.group(1)) > LED_EFFECT_MAX:
        return "E", "led parameter wrong"
    e, b, t, r, g, bl = (int(x) for x in m.groups())
    st.led_user = (e, b, t, r & 0xFF, g & 0xFF, bl & 0xFF)
    return "I", "led set ok"


def opt_led(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """Nano 3 ``led,get|swmode|setmode|setbright|setrgb[,...]`` (binary strings)."""
    st = heater.state
    sub, _, arg = setting.partition(",")
    e, b, t, r, g, bl = st.led_user
    if sub == "get":
        return "I", f"led[{st.led_mode}-{e}-{b}-{t}-{(r << 16) | (g << 8) | bl}-0]"
    val = scan_int(arg)
    if sub in ("swmode", "setmode") and val is not None:
        if sub == "swmode":
            st.led_mode = val
        else:
            st.led_user = (val, b, t, r, g, bl)
        return "I", f"led {sub} ok"
    if sub == "setbright" and val is not None:
        st.led_user = (e, val, t, r, g, bl)
        return "I", "led setbright ok"
    if sub == "setrgb" and val is not None:
        st.led_user = (e, b, t, (val >> 16) & 0xFF, (val >> 8) & 0xFF, val & 0xFF)
        return "I", "led setrgb ok"
    return "E", "led parameter wrong"


def opt_nightlamp(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``nightlamp,<0|1>-<duration>`` (Nano 3S, dark mode only)."""
    if heater.state.led_mode != 1:
        return "E", "not in (dark)mode now"
    m = re.match(r"\s*(\d+)-(\d+)", setting)
    if not m or int(m.group(1)) not in (0, 1):
        return "E", "Input param error."
    return "I", f"success set:{int(m.group(1))} {int(m.group(2)) & 0xFFFF}"


def opt_wallpaper(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``wallpaper,<png|gif|none>,<hex>``: only ``none`` can succeed without Canaan's RSA key."""
    if not heater.state.lcd_on:
        return "E", "lcd is off and the settings do not take effect"
    fmt, sep, data = setting.partition(",")
    if not sep:
        return "E", "input param error"
    if len(data) > 2104:
        return "E", "input param len greater than 2104"
    if fmt == "none":
        return "I", f"wallpaper recv ok {len(data)}"
    if fmt in ("png", "gif"):
        # WP_ERR_HEADER (1) for a short packet, else WP_ERR_MAGIC (2): no "nano" header.
        return "E", f"wallpaper recv failed {1 if len(data) <= 48 else 2}"
    return "E", "Input param cmd error."


def opt_filter_clean(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``filter-clean,1``: restart the filter counter (Q ``Filter[]``)."""
    val = scan_int(setting)
    if val is None:
        return "E", "No value passed to avalon-filter-clean"
    if val != 1:
        return "E", "Input param error."
    extras(heater).filter_clean_s = snap.now
    return OK


def opt_loop(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``loop``: chips per hash board, ``LOOP[n ]``."""
    return "I", f"LOOP[{heater.profile.chip_count} ]"


def opt_hash_sn_read(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``hash-sn-read,<board>``."""
    board = scan_int(setting)
    if board is None or board >= 1:
        return "E", "hash sn read input arguments format error!"
    return "I", f"Hash-{board} SN:{heater.state.dna[-8:].upper()}"


def opt_facopts(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``facopts,255`` queries; anything else needs the factory unlock first."""
    ext = extras(heater)
    mode = scan_int(setting)
    if mode == 255 and "," not in setting:
        return "I", f"FACOPTS_LK[{1 if ext.fac_locked else -1}] WORKMODE[{heater.state.workmode}]"
    if ext.fac_locked:
        return "E", "Please unlock before setting facopts"
    return "E", "Bad facopts"


def opt_faclock(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``faclock,lock`` or ``faclock,<crc32(DNA) hex>`` (driver-avalon.c set_avalon_faclock)."""
    ext = extras(heater)
    key = f"{zlib.crc32(heater.state.dna.encode()):08x}"
    if setting.lower() == "lock":
        ext.fac_locked = True
        return OK
    if setting.lower() == key:
        if not ext.fac_locked:
            return "I", "FAIL: already unlocked"
        ext.fac_locked = False
        return OK
    return "E", f"Lock: {'True' if ext.fac_locked else 'False'}"


def opt_frequency(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``frequency,f0:f1:f2:f3[-addr-miner-asic]`` (accepted; the physics has no PLL model)."""
    m = re.match(r"\s*(\d+):(\d+):(\d+):(\d+)", setting)
    if m and int(m.group(4)) > FREQUENCY_MAX_MHZ:
        return "E", "Invalid value passed to set_avalon_device_freq"
    return OK


def opt_password(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``password,<old>,<new>``: the old one in plain text, checked by sha256."""
    parts = [p for p in setting.split(",")[:2] if p]
    if len(parts) != 2:
        return "E", f"we need 2 arguments, your input is {len(parts)} arguments."
    ext = extras(heater)
    if hashlib.sha256(parts[0].encode()).hexdigest() != (ext.webpass or DEFAULT_WEBPASS):
        return "E", "Auth Failed! password invalid!"
    ext.webpass = hashlib.sha256(parts[1].encode()).hexdigest()
    return "I", "new password success set."


def opt_qr_auth(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``qr_auth,<rand>,<verify>``: no QR login page is ever open in the simulator."""
    if len([p for p in setting.split(",")[:2] if p]) == 2:
        return "E", "auth error 01!"
    return OK


def opt_volt_adjust_switch(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``volt-adjust-switch,<0|1>[-addr]``."""
    if scan_int(setting) not in (0, 1):
        return "E", "Invalid value to set_avalon_volt_adjust_switch_info"
    return OK


def opt_solo_allowed(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``solo-allowed,<0|1>`` (Q), read back as SoloAllowed[]."""
    val = scan_int(setting)
    if val not in (0, 1):
        return "E", "Input param error."
    extras(heater).solo_allowed = val
    return OK


def set_device_time(heater: HeaterView, setting: str) -> str:
    """driver-avalon.c set_device_time: ``get`` or ``set,t:<epoch>,<tz>``; always info text."""
    ext = extras(heater)
    if setting == "get" or re.fullmatch(r"get,?", setting):
        return f"time t:{ext.timezone}"
    m = re.match(r"set,t:([+-]?\d+),(\S+)", setting)
    if m:
        ext.timezone = m.group(2)
        return f"time t:{int(m.group(1))} {m.group(2)}"
    return "time unknown argument"


def opt_time(heater: HeaterView, setting: str, snap: Snapshot) -> Result:
    """``time,get`` / ``time,set,t:<epoch>,<tz>`` (the Q's form of the ``time`` command)."""
    return "I", set_device_time(heater, setting)
