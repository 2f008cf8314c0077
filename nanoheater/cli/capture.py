"""Provides ``nanoheater capture``: record every read-only reply of one device as a JSON fixture.

Owners run it against their own unit and contribute the file (docs/captures.md), the way
python-kasa grew its fixtures. It sends only the requests in ``ALLOWED`` (reads, the client's
joined status reads, ``check``, one unknown command and the ``ascset`` queries that change
nothing), in both request dialects, and checks every request against that list again right
before it leaves, so no write can be sent whatever the device's help list says. Replies are kept
as the raw bytes the device sent (trailing NUL included; base64 where they are not UTF-8), then
anonymised unless ``--keep-identity`` (``cli/anonymise.py``). The fixture format is plain JSON,
documented in docs/captures.md, so the simulator's ``replay`` reads it with its own few lines.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib.metadata
import json
import re
from pathlib import Path
from typing import Any

import click

from nanoheater import link
from nanoheater.address import DeviceAddress
from nanoheater.atomic import write_atomic
from nanoheater.cli.anonymise import Anonymiser, anonymise
from nanoheater.cli.output import print_json, run_async
from nanoheater.cli.params import FiniteFloat
from nanoheater.const import DEFAULT_TIMEOUT_S
from nanoheater.exceptions import ConnectionFailed, NanoheaterError, ProtocolError, UsageError
from nanoheater.protocol.codec import decode_reply, encode_request, reply_status
from nanoheater.protocol.parse import parse_info, version_entry
from nanoheater.protocol.sanitize import sanitize
from nanoheater.transport.base import Transport

FORMAT = "nanoheater-capture"
FORMAT_VERSION = 1

READ_COMMANDS = (
    "version",
    "summary",
    "stats",
    "estats",
    "litestats",
    "devs",
    "edevs",
    "pools",
    "devdetails",
    "config",
    "coin",
    "lcd",
    "lockstats",
)
"""Commands that only report (api.c cmds[] with isjoin/read access; the Q answers them all)."""

JOINED = ("version+summary+estats+pools", "summary+estats+pools")
"""The joined status reads the client sends, so a replay answers the client as the device did."""

PROBES: tuple[tuple[str, str | None], ...] = (
    ("check", "ascset"),
    ("time", "get"),
    ("minerstats", None),
)
"""``check`` reports whether a command exists; ``time|get`` reads the clock setting (MM319:
driver-avalon.c set_device_time's ``get`` branch; unknown on the Nano 3); ``minerstats`` is
unknown everywhere (records the firmware's E/14)."""

ASCSET_QUERIES = {
    "help": "0,help",
    "workmode": "0,workmode,get",
    "worklevel": "0,worklevel,get",
    "work_mode_lvl": "0,work_mode_lvl,get",
    "voltage": "0,voltage",
    "hashpower": "0,hashpower",
    "loop": "0,loop",
    "hash-sn-read": "0,hash-sn-read,0",
    "time": "0,time,get",
}
"""``ascset`` options that only answer (driver-avalon.c: ``get``, or no value); sent only when
the device's own help list names the option."""

ALLOWED: frozenset[tuple[str, str | None]] = frozenset(
    [(c, None) for c in (*READ_COMMANDS, *JOINED)]
    + list(PROBES)
    + [("ascset", p) for p in ASCSET_QUERIES.values()]
)
"""Every (command, parameter) capture may send; nothing else ever leaves."""

DIALECTS = ("json", "text")
GIVE_UP_AFTER = 3
"""Consecutive requests that cannot connect (or time out) before the capture gives up."""


def encode(dialect: str, command: str, parameter: str | None) -> bytes:
    """The request bytes in ``dialect``, refused unless (command, parameter) is in ``ALLOWED``."""
    if (command, parameter) not in ALLOWED:
        raise UsageError(f"capture refuses to send {command!r} {parameter!r}: not a read")
    if dialect == "json":
        return encode_request(command, parameter)
    text = command if parameter is None else f"{command}|{parameter}"
    return text.encode("ascii")


def allowed_requests() -> frozenset[bytes]:
    """Every request capture can put on the wire, in both dialects (tests compare against it)."""
    return frozenset(encode(d, c, p) for d in DIALECTS for c, p in ALLOWED)


async def _exchange(
    transport: Transport, dialect: str, command: str, parameter: str | None
) -> dict[str, Any]:
    request = encode(dialect, command, parameter)
    if request not in allowed_requests():  # belt and braces: the bytes themselves are checked
        raise UsageError(f"capture refuses to send {request!r}")
    entry: dict[str, Any] = {
        "dialect": dialect,
        "command": command,
        "parameter": parameter,
        "request": request.decode("ascii"),
    }
    try:
        entry["reply"] = await transport.request(request)
    except ConnectionFailed as exc:
        entry |= {"reply": b"", "error": str(exc), "unreachable": True}
    except ProtocolError as exc:
        entry |= {"reply": b"", "error": str(exc)}
    if not entry["reply"] and "error" not in entry:
        entry["error"] = f"{transport.label}: closed the connection without a reply"
    return entry


def _help_options(reply: bytes) -> set[str]:
    """The option names an ``ascset|0,help`` reply lists (``ASC 0 set info: a|b|c|``)."""
    try:
        msg = reply_status(decode_reply(reply)).msg
    except NanoheaterError:
        return set()
    listed = msg.partition(":")[2] if "info:" in msg else ""
    return {name.strip() for name in listed.split("|") if name.strip()}


async def record(transport: Transport) -> list[dict[str, Any]]:
    """Send every allowed request in both dialects; return the exchanges in order (raw bytes).

    Raises:
        ConnectionFailed: the device did not answer the first ``version`` at all.
    """
    first = await _exchange(transport, "json", "version", None)
    if not first["reply"]:
        raise ConnectionFailed(first.get("error") or f"{transport.label}: no reply to version")
    exchanges = [first]
    plan: list[tuple[str, str | None]] = [(c, None) for c in (*READ_COMMANDS, *JOINED)]
    plan += [*PROBES, ("ascset", ASCSET_QUERIES["help"])]
    for dialect in DIALECTS:
        for command, parameter in plan:
            if (dialect, command) != ("json", "version"):
                exchanges.append(await _exchange(transport, dialect, command, parameter))
                _check_still_answering(exchanges, transport.label)
    listed: set[str] = set()
    for entry in exchanges:
        if entry["command"] == "ascset":
            listed |= {name.lower() for name in _help_options(entry["reply"])}
    for option, parameter in ASCSET_QUERIES.items():
        if option != "help" and option in listed:
            for dialect in DIALECTS:
                exchanges.append(await _exchange(transport, dialect, "ascset", parameter))
                _check_still_answering(exchanges, transport.label)
    return exchanges


def _check_still_answering(exchanges: list[dict[str, Any]], label: str) -> None:
    """Stop when the last few requests all failed to connect: the device went away.

    Each request has its own deadline; this bounds the whole run (about 50 requests) when a unit
    drops off the network half-way, instead of waiting out every remaining deadline.
    """
    last = exchanges[-GIVE_UP_AFTER:]
    if len(last) == GIVE_UP_AFTER and all(e.get("unreachable") for e in last):
        raise ConnectionFailed(f"{label}: stopped answering after {len(exchanges)} requests")


def _device(version_reply: bytes) -> dict[str, Any]:
    try:
        info = parse_info(version_entry(decode_reply(version_reply)))
    except NanoheaterError:
        return {"model": None, "product": None, "firmware": None}
    model = info.model.value if info.model is not None else None
    return {"model": model, "product": info.product, "firmware": info.firmware}


def _reply_field(reply: bytes) -> dict[str, str]:
    try:
        return {"reply": reply.decode("utf-8")}
    except UnicodeDecodeError:
        return {"reply_base64": base64.b64encode(reply).decode("ascii")}


def build_fixture(
    exchanges: list[dict[str, Any]], target: str, *, keep_identity: bool, now: dt.datetime
) -> dict[str, Any]:
    """The fixture document: metadata plus one entry per exchange, anonymised unless kept."""
    replies = [e["reply"].decode("utf-8", errors="surrogateescape") for e in exchanges]
    shown_target = target
    if not keep_identity:
        owner = Anonymiser()
        replies = anonymise(replies, owner)
        address = DeviceAddress.parse(target)
        shown_target = owner.labelled(address.host)
        if shown_target == address.host:  # a host name, or a serial device path
            shown_target = owner.stand_in("target", address.host)
        if not address.is_serial:
            shown_target += f":{address.port}"
    entries = []
    for entry, text in zip(exchanges, replies, strict=True):
        out = {k: v for k, v in entry.items() if k not in ("reply", "unreachable")}
        out.update(_reply_field(text.encode("utf-8", errors="surrogateescape")))
        entries.append(out)
    device = _device(exchanges[0]["reply"]) | {"target": shown_target}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "captured_at": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "nanoheater_version": _version(),
        "anonymised": not keep_identity,
        "device": device,
        "exchanges": entries,
    }


def _version() -> str:
    try:
        return importlib.metadata.version("nanoheater")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout
        return "unknown"


def default_name(device: dict[str, Any]) -> str:
    """``<model>_<firmware>.capture.json``: one fixture per model and firmware, as python-kasa."""
    parts = [str(device.get("model") or "unknown"), str(device.get("firmware") or "unknown")]
    # "_" is kept: firmware names hold one (25021401_56abae7), as tests/captures/ files do.
    return "_".join(re.sub(r"[^A-Za-z0-9._-]+", "-", p) for p in parts) + ".capture.json"


async def capture_target(target: str, *, timeout_s: float, keep_identity: bool) -> dict[str, Any]:
    """Capture the device at ``target`` (``HOST[:PORT]`` or a serial URL) as a fixture dict."""
    transport = link.transport_for(DeviceAddress.parse(target), timeout_s)
    try:
        exchanges = await record(transport)
    finally:
        await transport.close()
    return build_fixture(
        exchanges, target, keep_identity=keep_identity, now=dt.datetime.now(dt.UTC)
    )


@click.command()
@click.argument("target", metavar="HOST[:PORT]")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Fixture file to write.")
@click.option(
    "--keep-identity",
    is_flag=True,
    help="Keep MAC, DNA, serials, pools, workers and IPs (the file is then private).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary line.")
@click.option(
    "--timeout",
    "timeout_s",
    type=FiniteFloat(min=0.1, max=600),
    default=DEFAULT_TIMEOUT_S,
    show_default=True,
    help="Deadline of each request in seconds.",
)
@run_async
async def capture(
    target: str, out: str | None, keep_identity: bool, as_json: bool, timeout_s: float
) -> None:
    """Record every read-only reply of a heater as one JSON fixture (never sends a write).

    Anonymised by default; see docs/captures.md for what is replaced and how to contribute.
    """
    fixture = await capture_target(target, timeout_s=timeout_s, keep_identity=keep_identity)
    path = Path(out) if out else Path(default_name(fixture["device"]))
    text = json.dumps(fixture, indent=1, ensure_ascii=True) + "\n"
    try:
        write_atomic(path, text.encode("ascii"))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    device = fixture["device"]
    failed = sum(1 for e in fixture["exchanges"] if "error" in e)
    summary = {
        "path": str(path),
        "model": device["model"],
        "product": sanitize(device["product"] or ""),
        "firmware": sanitize(device["firmware"] or ""),
        "exchanges": len(fixture["exchanges"]),
        "unanswered": failed,
        "anonymised": fixture["anonymised"],
    }
    if as_json:
        print_json(summary)
        return
    how = "anonymised" if fixture["anonymised"] else "NOT anonymised: keep it private"
    click.echo(
        f"{summary['product'] or 'unknown device'} {summary['firmware']}: "
        f"{summary['exchanges']} replies ({failed} unanswered) -> {path} ({how})"
    )


__all__ = ["ALLOWED", "allowed_requests", "build_fixture", "capture", "capture_target", "record"]
