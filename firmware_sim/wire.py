"""Provides the device side of the CGMiner API wire format: request parsing and reply rendering.

Why it is shaped this way: the firmware (Canaan's Nano 3S ``api.c``) builds every reply from a
list of typed items, and the item type alone decides how a value is printed (``%.2f`` for MH/s,
``%.8f`` for difficulties, ``%ld.%06ld`` for timevals, escaped or raw strings). Handlers here
build the same typed field lists once, and this module prints them in either dialect, so key
order and number formats cannot drift between JSON and text. Values are formatted when a field
is built (``mhs()``, ``diff()``...), which keeps rendering a plain string join: a fleet of 200
simulated devices answers 200 polls per second on a fraction of a core.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Final

MAX_REQUEST_BYTES: Final = 4095
"""api.c makes one recv() of TMPBUFSIZ / 2 - 1 bytes; anything after that is never read."""
DESCRIPTION: Final = "cgminer 4.11.1"
"""opt_api_description; every sample agrees."""
JSON_END: Final = ',"id":1}'


class Num(str):
    """A value already printed the firmware's way; it goes out bare (no quotes) in both dialects."""

    __slots__ = ()


class ZeroDiff(Num):
    """A zero difficulty: ``0.00000000`` in text, ``0E-8`` in JSON as the Q captures show it."""

    __slots__ = ()


class Esc(str):
    """A string added with api_add_escape (user-supplied text such as Msg, URL, User)."""

    __slots__ = ()


Value = str | int | bool
"""str (quoted raw), Esc (quoted, escaped), Num (bare), int, bool (``true``/``false``)."""
Fields = list[tuple[str, Value]]

TRUE: Final = Num("true")
FALSE: Final = Num("false")
ZERO_TIMEVAL: Final = Num("0.000000")
MIN_TIMEVAL: Final = Num("99999999.000000")
"""cgminer's initial getwork_wait_min, printed by every stats entry."""
_ZERO_DIFF: Final = ZeroDiff("0.00000000")


def mhs(value: float) -> Num:
    """API_MHS / API_UTILITY / API_FREQ: ``%.2f``."""
    return Num(f"{value:.2f}")


def diff(value: float) -> Num:
    """API_DIFF: ``%.8f`` (zero renders as ``0E-8`` in JSON, see ZeroDiff)."""
    if value == 0:
        return _ZERO_DIFF
    return Num(f"{value:.8f}")


def percent(ratio: float) -> Num:
    """API_PERCENT: the ratio times 100 with ``%.4f``."""
    return Num(f"{ratio * 100.0:.4f}")


def mhtotal(value: float) -> Num:
    """API_MHTOTAL: ``%.4f``."""
    return Num(f"{value:.4f}")


def temp(value: float) -> Num:
    """API_TEMP: ``%.2f``."""
    return Num(f"{value:.2f}")


def elapsed(value: float) -> Num:
    """API_ELAPSED: ``%.0f``."""
    return Num(f"{value:.0f}")


def double(value: float) -> Num:
    """API_DOUBLE: ``%f``."""
    return Num(f"{value:f}")


def timeval(seconds: float) -> Num:
    """API_TIMEVAL: ``%ld.%06ld``."""
    sec = math.floor(seconds)
    return Num(f"{sec}.{round((seconds - sec) * 1e6) % 1000000:06d}")


def boolean(flag: bool) -> Num:
    """API_BOOL: ``true`` / ``false``."""
    return TRUE if flag else FALSE


def _escape_json(text: str) -> str:
    # escape_string(): only '"' and '\' get a backslash in JSON (not control characters).
    if '"' in text or "\\" in text:
        return text.replace("\\", "\\\\").replace('"', '\\"')
    return text


def _escape_text(text: str) -> str:
    # escape_string() in text mode: ',', '|', '=' and '\' get a backslash.
    if any(c in text for c in ",|=\\"):
        out = []
        for c in text:
            if c in ",|=\\":
                out.append("\\")
            out.append(c)
        return "".join(out)
    return text


def _json_value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, ZeroDiff):
        return "0E-8"
    if isinstance(value, Num):
        return value
    if isinstance(value, Esc):
        return f'"{_escape_json(value)}"'
    return f'"{value}"'


def _text_value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Esc):
        return _escape_text(value)
    return str(value)


def json_object(fields: Fields) -> str:
    """Print one api_data list as a JSON object, keys in the given order."""
    # The three commonest exact types first (a fleet renders thousands of these a second);
    # everything else, subclasses included, goes through _json_value.
    parts = []
    for key, val in fields:
        kind = type(val)
        if kind is Num:
            parts.append(f'"{key}":{val}')
        elif kind is str:
            parts.append(f'"{key}":"{val}"')
        elif kind is int:
            parts.append(f'"{key}":{val}')
        else:
            parts.append(f'"{key}":{_json_value(val)}')
    return "{" + ",".join(parts) + "}"


def text_record(fields: Fields) -> str:
    """Print one api_data list in the text dialect: ``Key=Val,...|``."""
    return ",".join(f"{key}={_text_value(val)}" for key, val in fields) + "|"


@dataclass(slots=True)
class Body:
    """One command's reply before framing: the STATUS message plus an optional section.

    ``section`` is the JSON array name (``SUMMARY``); ``header`` says whether the text dialect
    prefixes the records with ``SECTION,`` (version, config, summary, coin, check, lcd do; devs,
    pools, stats and devdetails carry their index key instead).
    """

    severity: str
    code: int
    msg: str
    section: str | None = None
    header: bool = False
    items: list[Fields] = field(default_factory=list)
    action: str | None = None
    """Stock cgminer's restart/quit replies: ``{"STATUS":"RESTART"`` / ``RESTART``, no message."""


def status_fields(severity: str, when: int, code: int, msg: str) -> Fields:
    """The STATUS record; ``Invalid command`` (Code 14) is the one without a Description."""
    fields: Fields = [("STATUS", severity), ("When", when), ("Code", code), ("Msg", Esc(msg))]
    if code != 14:
        fields.append(("Description", Esc(DESCRIPTION)))
    return fields


def render_body(body: Body, when: int, is_json: bool) -> str:
    """Print one command's reply without the final JSON_END (joins need it per command)."""
    if body.action is not None:
        return f'{{"STATUS":"{body.action}"' if is_json else body.action
    status = status_fields(body.severity, when, body.code, body.msg)
    if is_json:
        out = '{"STATUS":[' + json_object(status) + "]"
        if body.section is not None:
            out += f',"{body.section}":[' + ",".join(map(json_object, body.items)) + "]"
        return out
    out = text_record(status)
    if body.header and body.section is not None:
        out += body.section + ","
    return out + "".join(map(text_record, body.items))


def frame_single(body: Body, when: int, is_json: bool) -> bytes:
    """The complete reply to one command: JSON ends with ``,"id":1}``; both end with one NUL."""
    text = render_body(body, when, is_json)
    if is_json:
        text += JSON_END
    return text.encode("utf-8", errors="surrogateescape") + b"\x00"


def frame_join(parts: list[tuple[str, Body]], when: int, is_json: bool) -> bytes:
    """The reply to ``a+b``: api.c head_join/tail_join framing for each command that ran.

    JSON: ``{"a":[{...,"id":1}],"b":[{...,"id":1}],"id":1}``; text: ``CMD=a|STATUS=...|...``.
    With no command left to run the JSON reply is the bare ``,"id":1}`` fragment api.c sends.
    """
    if is_json:
        inner = ",".join(
            f'"{_escape_json(name)}":[' + render_body(body, when, True) + JSON_END + "]"
            for name, body in parts
        )
        text = ("{" + inner if parts else "") + JSON_END
    else:
        text = "".join(
            f"CMD={_escape_text(name)}|" + render_body(body, when, False) for name, body in parts
        )
    return text.encode("utf-8", errors="surrogateescape") + b"\x00"


@dataclass(slots=True, frozen=True)
class Request:
    """A parsed request. ``error`` is set (23, 24 or 14) when the JSON envelope itself is bad."""

    is_json: bool
    command: str
    parameter: str | None
    error: int | None = None


class _BadJson(ValueError):
    pass


def _reject_constant(name: str) -> float:
    # jansson refuses NaN / Infinity literals; Python's json would accept them.
    raise _BadJson(name)


def _int64(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise _BadJson("too big integer")  # jansson json_int_t overflow
    return value


def _real(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _BadJson("real number overflow")
    return value


def _c_int(value: int) -> int:
    # sprintf("%d", (int)json_integer_value(...)): truncation to a 32-bit int.
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def parse_request(data: bytes) -> Request:
    """Parse what one recv() would read: JSON when the first byte is ``{``, else ``cmd|param``."""
    data = data[:MAX_REQUEST_BYTES]
    if not data.startswith(b"{"):
        # The buffer is a C string: it ends at the first NUL, and nothing is trimmed.
        text = data.split(b"\x00", 1)[0].decode("utf-8", errors="surrogateescape")
        command, sep, param = text.partition("|")
        return Request(False, command, param if sep else None)
    try:
        if b"\x00" in data:
            raise _BadJson("NUL byte")  # jansson stops on it: "end of file expected"
        obj = json.loads(
            data.decode("utf-8"),
            parse_constant=_reject_constant,
            parse_int=_int64,
            parse_float=_real,
        )
    except (ValueError, RecursionError):
        return Request(True, "", None, error=23)
    if not isinstance(obj, dict) or _has_nul(obj):
        # jansson refuses "\u0000" inside any string unless JSON_ALLOW_NUL is set.
        return Request(True, "", None, error=23)
    if "command" not in obj:
        return Request(True, "", None, error=24)
    command = obj["command"]
    if not isinstance(command, str):
        return Request(True, "", None, error=14)
    return Request(True, command, _json_parameter(obj.get("parameter")))


def _json_parameter(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None  # jansson: neither string, integer nor real -> no parameter
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(_c_int(value))
    if isinstance(value, float):
        return f"{value:f}"
    return None


def _has_nul(obj: object) -> bool:
    if isinstance(obj, str):
        return "\x00" in obj
    if isinstance(obj, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in obj.items())
    if isinstance(obj, list):
        return any(_has_nul(v) for v in obj)
    return False
