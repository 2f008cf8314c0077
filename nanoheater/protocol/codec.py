"""Provides the CGMiner API codec: request bytes out, repaired reply dicts in, and ``ReplyStatus``.

Why it is shaped this way: the firmware reads a request with one ``recv()`` of at most 4095 bytes
and answers with one C string (a trailing NUL) before closing, so framing is "one bounded write,
read to EOF, strip one NUL" and lives here, not in the transports. Real replies are not always
valid JSON (``inf``/``nan`` from unguarded divisions, truncated multi-command replies, a stray
``,"id":1}`` fragment) and some firmware answers in the plain-text dialect; every repair the field
needs (protocol.md §6.10, pyasic ``_load_api_data``) happens here, so nothing above this module
sees malformed data or a ``json`` exception. Anything that cannot be repaired is a ProtocolError.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nanoheater.const import MAX_REPLY_BYTES, MAX_REQUEST_BYTES
from nanoheater.exceptions import ProtocolError, UsageError

_SEVERITIES = frozenset("SIWEF")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_BARE_WORD = re.compile(r"-?(?:inf(?:inity)?|nan)", re.IGNORECASE)
# Text-dialect section names -> the key the JSON dialect uses for the same section.
_TEXT_SECTIONS = {"POOL": "POOLS", "ASC": "DEVS", "PGA": "DEVS"}
_TEXT_KEY_START = re.compile(r"[^,=|\[\]]+=")


@dataclass(frozen=True, slots=True)
class ReplyStatus:
    """The ``STATUS`` part of a reply: severity letter, code and message."""

    severity: str
    """One of S (success), I (info), W (warning), E (error), F (fatal)."""
    code: int | None
    msg: str
    when: float | None = None
    """Device clock (epoch seconds) when it answered."""
    description: str | None = None

    @property
    def ok(self) -> bool:
        """True for S and I: on these devices many successes arrive as I (protocol.md §1.7)."""
        return self.severity in ("S", "I")


def encode_request(command: str, parameter: str | int | float | None = None) -> bytes:
    """Return the JSON-dialect request for ``command`` (and ``parameter``), ready for one write.

    Raises:
        UsageError: the command is empty, contains ``|`` or control characters, or the request
            would exceed the firmware's 4095-byte single read.

    >>> encode_request("ascset", "0,fan-spd,-1")
    b'{"command":"ascset","parameter":"0,fan-spd,-1"}'
    """
    if not command or not isinstance(command, str):
        raise UsageError("empty command")
    if "|" in command:
        # Inside JSON a pipe is part of the command name: the firmware answers "Invalid command".
        raise UsageError(f"'|' is not allowed in a JSON command ({command!r}); use the parameter")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in command):
        raise UsageError(f"control characters are not allowed in a command ({command!r})")
    body: dict[str, str] = {"command": command}
    if parameter is not None:
        if isinstance(parameter, bool):
            raise UsageError("a boolean is not a valid parameter")
        body["parameter"] = str(parameter)
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    if len(data) > MAX_REQUEST_BYTES:
        raise UsageError(
            f"request is {len(data)} bytes; the firmware reads at most {MAX_REQUEST_BYTES}"
        )
    return data


def decode_reply(data: bytes) -> dict[str, Any]:
    """Decode one raw reply (JSON or text dialect) into a dict, repairing what the field breaks.

    Raises:
        ProtocolError: the reply is empty, too large, or not a CGMiner reply even after repairs.
    """
    if len(data) > MAX_REPLY_BYTES:
        raise ProtocolError(f"reply of {len(data)} bytes exceeds the {MAX_REPLY_BYTES}-byte cap")
    if data.endswith(b"\x00"):
        data = data[:-1]
    text = data.decode("utf-8", errors="replace").strip()
    if not text:
        raise ProtocolError("empty reply")
    if "\x00" in text:
        raise ProtocolError("reply contains NUL bytes inside it (garbled)")
    if text.startswith("STATUS="):
        return _decode_text(text)
    if text.startswith(","):
        # Seen on Avalons: the reply starts with a bare ',"id":1}' fragment (pyasic).
        text = "{" + text[1:]
    if not text.startswith("{"):
        raise ProtocolError(f"not a CGMiner reply: {text[:40]!r}")
    try:
        value = _loads(text)
    except RecursionError:
        raise ProtocolError("reply nests too deeply to be a CGMiner reply") from None
    except ValueError:
        value = _loads_repaired(text)
    if not isinstance(value, dict):
        raise ProtocolError("reply is not a JSON object")
    return value


def reply_status(body: Mapping[str, Any]) -> ReplyStatus:
    """Return the first ``STATUS`` entry of a decoded reply.

    Raises:
        ProtocolError: the reply has no usable STATUS.
    """
    raw = body.get("STATUS")
    entry = raw[0] if isinstance(raw, list) and raw else raw
    if not isinstance(entry, dict):
        raise ProtocolError("reply has no STATUS")
    severity = str(entry.get("STATUS", "")).strip().upper()[:1]
    if severity not in _SEVERITIES:
        raise ProtocolError(f"reply has an unknown STATUS {entry.get('STATUS')!r}")
    code = entry.get("Code")
    when = entry.get("When")
    description = entry.get("Description")
    return ReplyStatus(
        severity=severity,
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        msg=str(entry.get("Msg", "")),
        when=float(when) if isinstance(when, int | float) and not isinstance(when, bool) else None,
        description=str(description) if description is not None else None,
    )


def joined_part(body: Mapping[str, Any], command: str) -> dict[str, Any] | None:
    """Return the sub-reply of ``command`` inside a joined (``cmd1+cmd2``) reply, or None."""
    part = body.get(command)
    if isinstance(part, list) and part and isinstance(part[0], dict):
        return part[0]
    if isinstance(part, dict):
        return part
    return None


def _loads(text: str) -> Any:
    # strict=False: raw control characters arrive inside strings (api_add_escape).
    return json.loads(
        text, parse_constant=_zero, parse_int=_int_token, parse_float=_float_token, strict=False
    )


def _zero(_token: str) -> float:
    return 0.0


_MAX_INT_DIGITS = 20
"""2**64 has 20 digits; no CGMiner field is wider, and int() refuses thousands of digits."""


def _int_token(token: str) -> int:
    """A JSON integer; one wider than 64 bits is junk and becomes 0, like a bare inf or nan."""
    if len(token.lstrip("-")) > _MAX_INT_DIGITS:
        return 0
    return int(token)


def _float_token(token: str) -> float:
    """A JSON real; one that overflows to infinity (``1e999``) becomes 0, like a bare inf."""
    value = float(token)
    return value if math.isfinite(value) else 0.0


def _loads_repaired(text: str) -> Any:
    repaired = _replace_bare_words(text)
    try:
        return _loads(repaired)
    except ValueError:
        pass
    closed = _close_truncated(repaired)
    try:
        return _loads(closed)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"reply is not valid JSON even after repairs ({exc.msg})") from None
    except (ValueError, RecursionError):
        raise ProtocolError("reply is not valid JSON even after repairs") from None


def _replace_bare_words(text: str) -> str:
    """Turn unquoted ``inf``/``nan`` (C printf of a division by zero) into 0, outside strings."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif char in "-iInN":
            match = _BARE_WORD.match(text, i)
            if match and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
                out.append("0")
                i = match.end()
                continue
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _close_truncated(text: str) -> str:
    """Cut a reply that stops mid-way back to its last complete value and close what is open."""
    stack: list[str] = []
    in_string = False
    escaped = False
    last_comma = -1
    stack_at_comma: list[str] = []
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]":
            if stack:
                stack.pop()
        elif char == ",":
            last_comma = index
            stack_at_comma = list(stack)
    if not stack and not in_string:
        return text
    if last_comma < 0:
        raise ProtocolError("reply is truncated before its first value")
    return text[:last_comma] + "".join(reversed(stack_at_comma))


def _decode_text(text: str) -> dict[str, Any]:
    """Parse the plain-text dialect ``STATUS=S,...|SECTION,Key=Val,...|`` into the JSON shape."""
    result: dict[str, Any] = {}
    for section in _split_outside_brackets(text, "|"):
        section = section.strip()
        if not section:
            continue
        if "=" not in section and "," not in section and "STATUS" in result:
            # An unescaped '|' inside Msg (the ``ascset|0,help`` list) split it; glue it back.
            status = result["STATUS"][0]
            status["Msg"] = f"{status.get('Msg', '')}|{section}"
            continue
        pairs = _split_text_pairs(section)
        head_key, _, head_value = pairs[0].partition("=")
        name = head_key.strip()
        entry: dict[str, Any] = {}
        if "=" in pairs[0]:
            entry[name] = _text_value(head_value)
        for pair in pairs[1:]:
            key, _, value = pair.partition("=")
            entry[key.strip()] = _text_value(value)
        result.setdefault(_TEXT_SECTIONS.get(name, name), []).append(entry)
    if "STATUS" not in result:
        raise ProtocolError("text reply has no STATUS section")
    result.setdefault("id", 1)
    return result


def _split_outside_brackets(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _split_text_pairs(section: str) -> list[str]:
    """Split ``Key=Val,Key=Val``; a comma starts a new pair only if ``Key=`` follows it.

    Values are not escaped by the firmware (``api_add_string``), so the blob's
    ``SYSTEMSTATU[Work: In Work, Hash Board: 1]`` carries commas that are not separators.
    """
    raw = _split_outside_brackets(section, ",")
    pairs: list[str] = [raw[0]]
    for piece in raw[1:]:
        # A bare section name (``VERSION,``) is always followed by a new pair.
        if _TEXT_KEY_START.match(piece) or "=" not in pairs[-1]:
            pairs.append(piece)
        else:
            pairs[-1] = pairs[-1] + "," + piece
    return pairs


def _text_value(value: str) -> Any:
    if value == "true":
        return True
    if value == "false":
        return False
    if _NUMBER.fullmatch(value):
        return _float_token(value) if any(c in value for c in ".eE") else _int_token(value)
    return value
