"""Provides the CGMiner API codec: request bytes out, repaired reply dicts in, and ``ReplyStatus``.

Why it is shaped this way: the firmware reads a request with one ``recv()`` of at most 4095 bytes
and answers with one C string (a trailing NUL) before closing, so framing is "one bounded write,
read to EOF, strip one NUL" and lives here, not in the transports. Real replies are not always
valid JSON (``inf``/``nan`` from unguarded divisions, truncated multi-command replies, a stray
``,"id":1}`` fragment) and some firmware answers in the plain-text dialect; every repair the field
needs (docs/protocol.md §6.10, pyasic ``_load_api_data``) happens here, so nothing above this module
sees malformed data or a ``json`` exception. Anything that cannot be repaired is a ProtocolError.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nanoheater.const import MAX_REPLY_BYTES, MAX_REQUEST_BYTES, plausible_time_s
from nanoheater.exceptions import ProtocolError, UsageError

_SEVERITIES = frozenset("SIWEF")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
# Text-dialect section names -> the key the JSON dialect uses for the same section.
_TEXT_SECTIONS = {"POOL": "POOLS", "ASC": "DEVS", "PGA": "DEVS"}
_TEXT_KEY_START = re.compile(r"[^,=|\[\]]+=")
# A JSON string (possibly cut off: no closing quote) matched whole, so the scanners below skip its
# contents in C rather than a Python loop per character; the unrolled form cannot backtrack.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(")?'
_STRUCTURE = re.compile(_STRING + r"|[{}\[\],]", re.DOTALL)
_STRING_OR_BARE_WORD = re.compile(
    _STRING + r"|(?<!\w)-?(?:inf(?:inity)?|nan)", re.DOTALL | re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ReplyStatus:
    """The ``STATUS`` part of a reply: severity letter, code and message."""

    severity: str
    """One of S (success), I (info), W (warning), E (error), F (fatal)."""
    code: int | None
    msg: str
    when: float | None = None
    """Device clock (epoch seconds) when it answered; None if absent or implausible."""
    description: str | None = None

    @property
    def ok(self) -> bool:
        """True for S and I: on these devices many successes arrive as I (docs/protocol.md §1.7)."""
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
        when=plausible_time_s(when),
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
    return _DECODER.decode(text)


def _zero(_token: str) -> float:
    return 0.0


_MAX_INT_DIGITS = 20
"""2**64 has 20 digits; no CGMiner field is wider, and int() refuses thousands of digits."""


def _int_token(token: str) -> int:
    """A JSON integer; one wider than 64 bits is junk and becomes 0, like a bare inf or nan."""
    # The length test first: this runs for every integer of every reply.
    if len(token) > _MAX_INT_DIGITS and len(token.lstrip("-")) > _MAX_INT_DIGITS:
        return 0
    return int(token)


def _float_token(token: str) -> float:
    """A JSON real; one that overflows to infinity (``1e999``) becomes 0, like a bare inf."""
    value = float(token)
    return value if math.isfinite(value) else 0.0


# One decoder for every reply: json.loads with hooks builds a new decoder and scanner per call.
# strict=False: raw control characters arrive inside strings (api_add_escape).
_DECODER = json.JSONDecoder(
    parse_constant=_zero, parse_int=_int_token, parse_float=_float_token, strict=False
)


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
    return _STRING_OR_BARE_WORD.sub(_bare_word_to_zero, text)


def _bare_word_to_zero(match: re.Match[str]) -> str:
    return match.group() if match.group().startswith('"') else "0"


def _close_truncated(text: str) -> str:
    """Cut a reply that stops mid-way back to its last complete value and close what is open."""
    stack, in_string, last_comma = _structure(text, len(text))
    if not stack and not in_string:
        return text
    if last_comma < 0:
        raise ProtocolError("reply is truncated before its first value")
    # A second pass up to the last comma (not a copy of the stack at every comma, which is
    # quadratic for a deep reply full of commas) gives what is open there.
    stack_at_comma, _, _ = _structure(text, last_comma)
    return text[:last_comma] + "".join(reversed(stack_at_comma))


def _structure(text: str, end: int) -> tuple[list[str], bool, int]:
    """Scan ``text[:end]`` once: the closers still open, whether a string is open, last comma."""
    stack: list[str] = []
    last_comma = -1
    for match in _STRUCTURE.finditer(text, 0, end):
        lexeme = match.group()
        if lexeme[0] == '"':
            if match.group(1) is None:
                return stack, True, last_comma  # an unterminated string runs to the end
        elif lexeme in "{[":
            stack.append("}" if lexeme == "{" else "]")
        elif lexeme in "}]":
            if stack:
                stack.pop()
        else:
            last_comma = match.start()
    return stack, False, last_comma


def _decode_text(text: str) -> dict[str, Any]:
    """Parse the plain-text dialect ``STATUS=S,...|SECTION,Key=Val,...|`` into the JSON shape."""
    result: dict[str, Any] = {}
    msg_tail: list[str] = []  # joined once at the end: gluing piece by piece is quadratic
    for section in _split_outside_brackets(text, "|"):
        section = section.strip()
        if not section:
            continue
        if "=" not in section and "," not in section and "STATUS" in result:
            # An unescaped '|' inside Msg (the ``ascset|0,help`` list) split it; glue it back.
            msg_tail.append(section)
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
    if msg_tail:
        status = result["STATUS"][0]
        status["Msg"] = "|".join([str(status.get("Msg", "")), *msg_tail])
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
    groups: list[list[str]] = [[raw[0]]]  # joined once: appending to a str each time is quadratic
    last_has_equals = "=" in raw[0]
    for piece in raw[1:]:
        # A bare section name (``VERSION,``) is always followed by a new pair.
        if _TEXT_KEY_START.match(piece) or not last_has_equals:
            groups.append([piece])
            last_has_equals = "=" in piece
        else:
            groups[-1].append(piece)
    return [",".join(group) for group in groups]


def _text_value(value: str) -> Any:
    if value == "true":
        return True
    if value == "false":
        return False
    if _NUMBER.fullmatch(value):
        return _float_token(value) if any(c in value for c in ".eE") else _int_token(value)
    return value
