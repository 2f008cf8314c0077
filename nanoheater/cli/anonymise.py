"""Provides ``anonymise``: replace what identifies an owner in captured replies, consistently.

A field capture is meant to be published, so before it is written every MAC, chip DNA, serial,
pool URL, pool host, pool user and worker name, pool password, Wi-Fi SSID and IP address is
replaced by a stand-in. Stand-ins are consistent within one file (the same MAC becomes the same
stand-in in ``version`` and in the status blob), keep the original's shape (a MAC keeps its
separators and case, a DNA its length and product prefix, a URL its scheme and port, a user its
``account.worker`` split) and use reserved names (``192.0.2.x``, ``.invalid`` hosts, locally
administered MACs), so a replayed device still parses and still has one identity.

Two passes: the first finds identifying values where the firmware labels them (``"MAC":"…"`` in
JSON, ``MAC=…`` in the text dialect, ``DNA[…]`` in a status blob, ``SN:…`` in ``hash-sn-read``)
and anything shaped like an IPv4 address or a separated MAC; the second replaces every other
occurrence of a long identifying value anywhere in the file (a DNA echoed in a message, a pool
host inside another command's reply). Short values (a password ``x``) are only replaced where
labelled, so they cannot corrupt unrelated text. Every pattern is linear in its input.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_JSON_FIELD = r'"{key}"\s*:\s*"((?:\\.|[^"\\])*)"'
_TEXT_FIELD = r"(?:^|(?<=[,|])){key}=((?:\\.|[^,|\\])*)"
_BLOB_FIELD = r"(?:^|(?<=[\s{{])){key}\[([^\]\[]*)\]"

# Labelled fields and the kind of value they hold (keys exactly as the firmware prints them).
_LABELLED: dict[str, str] = {
    "MAC": "mac",
    "DNA": "dna",
    "HDNA": "dna",
    "URL": "url",
    "Current Pool": "url",
    "Stratum URL": "host",
    "User": "user",
    "Password": "password",
    "Pass": "password",
    "SSID": "ssid",
    "Worker": "worker",
}
_SERIAL = re.compile(r"(?<=SN:)([0-9A-Za-z]+)")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_MAC_SEPARATED = re.compile(
    r"(?<![0-9A-Fa-f:-])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])"
)
_HEX = re.compile(r"[0-9A-Fa-f]+")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)?(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)(.*)$")
_FREE_MIN_LEN = 6
"""Values at least this long are also replaced wherever else they occur in the file."""
_KEEP_IPS = frozenset({"0.0.0.0", "255.255.255.255"})  # noqa: S104 - compared, never bound


STAND_INS: dict[str, re.Pattern[str]] = {
    kind: re.compile(pattern)
    for kind, pattern in {
        "mac": r"(?i)02[:-]?00[:-]?5e(?:[:-]?[0-9a-f]{2}){3}|stand-in-mac-\d+",
        "dna": r"(?i)[0-9a-f]{8}0*d0{3,}[0-9a-f]{1,4}|dna\d+",
        "serial": r"(?i)0*d0{3,}[0-9a-f]{1,4}",
        "url": r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?pool\d+\.example\.invalid(?::\d{1,5})?",
        "host": r"pool\d+\.example\.invalid",
        "user": r"user\d+(?:\.worker\d+)?",
        "worker": r"worker\d+",
        "password": r"password\d+",
        "ssid": r"wifi\d+",
        "target": r"device\d+\.invalid",
        "account": r"user\d+",
        "ip": r"192\.0\.2\.\d{1,3}|198\.51\.100\.\d{1,3}|0\.0\.0\.0|255\.255\.255\.255",
    }.items()
}
"""What each kind of stand-in looks like; anything else in an identifying field is a leak."""


def _patterns() -> list[tuple[re.Pattern[str], str]]:
    found = []
    for key, kind in _LABELLED.items():
        escaped = re.escape(key)
        for template in (_JSON_FIELD, _TEXT_FIELD, _BLOB_FIELD):
            found.append((re.compile(template.format(key=escaped)), kind))
    return found


_PATTERNS = _patterns()


class Anonymiser:
    """Maps identifying values to stand-ins, the same stand-in for the same value."""

    def __init__(self) -> None:
        self._maps: dict[str, dict[str, str]] = {}
        self.originals: dict[str, str] = {}
        """Every original value replaced so far -> its stand-in (for the second pass)."""

    def stand_in(self, kind: str, value: str) -> str:
        """Return the stand-in of ``value`` (a ``kind`` such as "mac"), creating it once."""
        if not value or (_HEX.fullmatch(value) and not value.strip("0")):
            return value  # empty or all-zero: identifies nothing (the Nano 3's DNA[0000...])
        if kind in STAND_INS and STAND_INS[kind].fullmatch(value):
            return value  # already a stand-in (a later pass, or a file anonymised before)
        table = self._maps.setdefault(kind, {})
        key = value.lower() if kind in ("dna", "serial") else value
        if kind == "mac":
            # One MAC printed two ways (e0e1a9… in version, E0:E1:A9:… elsewhere): one stand-in.
            key = re.sub(r"[^0-9a-f]", "", value.lower())
        if key not in table:
            table[key] = _MAKERS[kind](self, value, len(table) + 1)
        replaced = table[key]
        if kind == "mac":
            replaced = _mac_like(value, replaced)
        if replaced != value:
            self.originals[value] = replaced
        return replaced

    def labelled(self, text: str) -> str:
        """First pass over one reply: labelled fields, serials, IPv4 addresses, separated MACs."""
        for pattern, kind in _PATTERNS:
            text = pattern.sub(self._labelled_swap(kind), text)
        text = _SERIAL.sub(lambda m: self.stand_in("serial", m.group(1)), text)
        text = _IPV4.sub(lambda m: self._ip(m.group(0)), text)
        return _MAC_SEPARATED.sub(lambda m: self.stand_in("mac", m.group(0)), text)

    def _labelled_swap(self, kind: str) -> Callable[[re.Match[str]], str]:
        return lambda m: _swap(m, self.stand_in(kind, m.group(1)))

    def everywhere(self, text: str) -> str:
        """Second pass: every remaining occurrence of a long original value (case-insensitive)."""
        longs = {v.lower(): s for v, s in self.originals.items() if len(v) >= _FREE_MIN_LEN}
        if not longs:
            return text
        alternation = "|".join(re.escape(v) for v in sorted(longs, key=len, reverse=True))
        pattern = re.compile(alternation, re.IGNORECASE)
        return pattern.sub(lambda m: _same_case(m.group(0), longs[m.group(0).lower()]), text)

    def _ip(self, text: str) -> str:
        if text in _KEEP_IPS or any(int(part) > 255 for part in text.split(".")):
            return text
        return self.stand_in("ip", text)


def _swap(match: re.Match[str], replacement: str) -> str:
    whole, start = match.group(0), match.start(1) - match.start(0)
    return whole[:start] + replacement + whole[start + len(match.group(1)) :]


def _same_case(original: str, stand_in: str) -> str:
    return stand_in.upper() if original.isupper() else stand_in


def _mac(_: Anonymiser, value: str, n: int) -> str:
    return f"02005e{n:06x}"  # locally administered, never a real vendor's


def _mac_like(value: str, digits: str) -> str:
    """The stand-in ``digits`` printed with the original's separators and case."""
    separators = [c for c in value if not c.isalnum()]
    if len(separators) == 5 and len(set(separators)) == 1:
        digits = separators[0].join(digits[i : i + 2] for i in range(0, 12, 2))
    return digits.upper() if value.isupper() else digits


def _dna(_: Anonymiser, value: str, n: int) -> str:
    if not _HEX.fullmatch(value) or len(value) < 12:
        return f"dna{n}"
    # The first 8 digits name the chip family (02010000 on every unit seen); the rest is the unit.
    tail = f"{0xD0000000 + n:x}".rjust(len(value) - 8, "0")
    out = value[:8] + tail
    return out.upper() if value.isupper() else out


def _serial(owner: Anonymiser, value: str, n: int) -> str:
    # hash-sn-read prints the DNA's last 8 digits upper-cased: keep that link intact.
    for original, replaced in list(owner.originals.items()):
        if len(original) > len(value) and original.lower().endswith(value.lower()):
            return _same_case(value, replaced[-len(value) :])
    return f"{0xD0000000 + n:X}"[-len(value) :].rjust(len(value), "0")


def _host(_: Anonymiser, value: str, n: int) -> str:
    return f"pool{n}.example.invalid"


def _url(owner: Anonymiser, value: str, n: int) -> str:
    match = _URL.match(value)
    if match is None or not match.group(2):
        return f"stratum+tcp://pool{n}.example.invalid"
    scheme, host, rest = match.group(1) or "", match.group(2), match.group(3)
    port = re.match(r":\d{1,5}", rest)
    return scheme + owner.stand_in("host", host) + (port.group(0) if port else "")


def _user(owner: Anonymiser, value: str, n: int) -> str:
    account, dot, worker = value.partition(".")
    out = owner.stand_in("account", account)
    return out + "." + owner.stand_in("worker", worker) if dot else out


_MAKERS: dict[str, Callable[[Anonymiser, str, int], str]] = {
    "mac": _mac,
    "dna": _dna,
    "serial": _serial,
    "url": _url,
    "host": _host,
    "user": _user,
    "account": lambda _o, _v, n: f"user{n}",
    "worker": lambda _o, _v, n: f"worker{n}",
    "password": lambda _o, _v, n: f"password{n}",
    "ssid": lambda _o, _v, n: f"wifi{n}",
    "ip": lambda _o, _v, n: f"192.0.2.{n}" if n < 255 else f"198.51.100.{n % 254 + 1}",
    "target": lambda _o, _v, n: f"device{n}.invalid",
}


def leftovers(text: str) -> list[tuple[str, str]]:
    """Identifying values in ``text`` that are not stand-ins: ``[(kind, value)]`` (empty = clean).

    Used by the tests on every fixture marked anonymised, and usable by a reviewer on any file.
    """
    found: list[tuple[str, str]] = []
    for pattern, kind in _PATTERNS:
        found += [(kind, m.group(1)) for m in pattern.finditer(text)]
    found += [("serial", m.group(1)) for m in _SERIAL.finditer(text)]
    found += [("ip", m.group(0)) for m in _IPV4.finditer(text)]
    found += [("mac", m.group(0)) for m in _MAC_SEPARATED.finditer(text)]
    return [
        (kind, value)
        for kind, value in found
        if value
        and not (_HEX.fullmatch(value) and not value.strip("0"))
        and not STAND_INS[kind].fullmatch(value)
        and not (kind == "ip" and any(int(p) > 255 for p in value.split(".")))
    ]


def anonymise(texts: list[str], anonymiser: Anonymiser | None = None) -> list[str]:
    """Return ``texts`` with every identifying value replaced, consistently across the list."""
    owner = anonymiser if anonymiser is not None else Anonymiser()
    first = [owner.labelled(t) for t in texts]
    return [owner.everywhere(t) for t in first]


__all__ = ["STAND_INS", "Anonymiser", "anonymise", "leftovers"]
