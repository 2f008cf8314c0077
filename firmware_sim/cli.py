"""Provides the ``firmware-sim`` command: serve a simulated fleet, and drive its control endpoint.

``firmware-sim serve`` runs until interrupted and prints where every device listens and where
the control endpoint is; ``firmware-sim devices``, ``fault`` and ``room`` talk to that endpoint
(``--control``, default ``127.0.0.1:40280`` or ``$FIRMWARE_SIM_CONTROL``). Bad input gets one
``firmware-sim: error: ...`` line and exit status 2; a runtime failure (port in use, endpoint
not running) exits 1. Never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import signal
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from firmware_sim.capture_cli import diff, replay
from firmware_sim.control import DEFAULT_CONTROL_PORT, ControlServer
from firmware_sim.faults import DEFAULT_DOWNTIME_S, FAULT_KINDS
from firmware_sim.server import API_PORT, LOOPBACK, is_loopback
from firmware_sim.state import DEFAULT_UPTIME_S

if TYPE_CHECKING:
    from firmware_sim.fleet import Fleet

CONTROL_ENV = "FIRMWARE_SIM_CONTROL"
HTTP_TIMEOUT_S = 10.0


def _fail(message: str, status: int = 2) -> NoReturn:
    click.echo(f"firmware-sim: error: {message}", err=True)
    sys.exit(status)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Simulated Avalon home miners (Nano 3, Nano 3S, Mini 3, Q) for testing without hardware."""


@cli.command()
@click.option(
    "--model",
    "models",
    multiple=True,
    default=("nano3s",),
    show_default=True,
    help="MODEL or MODEL:N (nano3, nano3s, mini3, q); repeat for a mixed fleet.",
)
@click.option(
    "--address",
    default=LOOPBACK,
    show_default=True,
    help="First device's address; the others take consecutive addresses.",
)
@click.option(
    "--port",
    type=int,
    default=API_PORT,
    show_default=True,
    help="API port (0: a free port per device).",
)
@click.option(
    "--layout",
    type=click.Choice(["addresses", "ports"]),
    default="addresses",
    show_default=True,
    help="Consecutive addresses at one port, or consecutive ports.",
)
@click.option("--mdns", is_flag=True, help="Advertise every device over mDNS.")
@click.option(
    "--interface",
    "interfaces",
    multiple=True,
    metavar="IF",
    help="Interface (name or IPv4 address) for mDNS; repeatable; default lo only.",
)
@click.option(
    "--speed", type=float, default=1.0, show_default=True, help="Simulated seconds per wall second."
)
@click.option(
    "--seed",
    type=int,
    help="Seed for identities and noise (default: a fresh one per process, so two serve "
    "processes never share a MAC or DNA).",
)
@click.option(
    "--uptime",
    "uptime_s",
    type=float,
    default=DEFAULT_UPTIME_S,
    show_default=True,
    metavar="S",
    help="Start the devices as if powered on S seconds ago, mining all along.",
)
@click.option(
    "--cold-boot",
    is_flag=True,
    help="Start as just powered on: the API stays closed until cgminer starts (30 s).",
)
@click.option(
    "--record", metavar="FILE", help="Write a CSV per device (FILE-<index>.csv if several)."
)
@click.option(
    "--record-interval",
    type=float,
    metavar="S",
    help="Record every S simulated seconds (default: once per wall second).",
)
@click.option("--serial", is_flag=True, help="Also serve each device on a pty and serial-over-TCP.")
@click.option(
    "--control-port",
    type=int,
    default=DEFAULT_CONTROL_PORT,
    show_default=True,
    help="Port of the control endpoint on 127.0.0.1 (0: a free port).",
)
@click.option("--expose", is_flag=True, help="Allow addresses and mDNS interfaces beyond loopback.")
def serve(
    models: tuple[str, ...],
    address: str,
    port: int,
    layout: str,
    mdns: bool,
    interfaces: tuple[str, ...],
    speed: float,
    seed: int | None,
    uptime_s: float,
    cold_boot: bool,
    record: str | None,
    record_interval: float | None,
    serial: bool,
    control_port: int,
    expose: bool,
) -> None:
    """Serve simulated devices until interrupted."""
    from firmware_sim.fleet import Fleet, parse_models

    try:
        names = parse_models(models)
    except ValueError as err:
        _fail(str(err))
    if speed <= 0:
        _fail("--speed must be positive")
    if not 0 <= uptime_s < 1e9:
        _fail("--uptime must be between 0 and 1e9 seconds")
    if seed is None:
        import secrets

        seed = secrets.randbelow(2**31)
    if record_interval is not None and (
        record_interval < 1 or record_interval != int(record_interval)
    ):
        _fail("--record-interval must be a whole number of seconds, at least 1")
    if not 0 <= control_port <= 65535:
        _fail(f"--control-port {control_port} is outside 0..65535")
    addresses = []
    if interfaces:
        from firmware_sim.advertise import interface_address  # zeroconf only when asked for
    for iface in interfaces:
        try:
            addresses.append(interface_address(iface))
        except ValueError as err:
            _fail(f"--interface {iface}: {err}")
        if not is_loopback(addresses[-1]) and not expose:
            _fail(f"mDNS interface {iface} is outside 127.0.0.0/8; pass --expose to use it")
    if interfaces and not mdns:
        _fail("--interface only applies with --mdns")
    try:
        fleet = Fleet(
            names,
            address=address,
            port=port,
            layout="ports" if layout == "ports" else "addresses",
            speed=speed,
            seed=seed,
            expose=expose,
            serial=serial,
            mdns=mdns,
            interfaces=addresses or None,
            record=record,
            record_interval_s=record_interval,
            uptime_s=0.0 if cold_boot else uptime_s,
        )
    except ValueError as err:
        _fail(str(err))
    try:
        asyncio.run(_serve(fleet, control_port))
    except OSError as err:
        # The listen errors carry their own context in strerror; str() would add "[Errno 98] ".
        _fail(str(err) if err.filename or not err.strerror else err.strerror, status=1)
    except KeyboardInterrupt:
        pass


async def _serve(fleet: Fleet, control_port: int) -> None:
    """Run the fleet and its control endpoint until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with fleet:
        try:
            control = ControlServer(fleet, port=control_port)
            await control.start()
        except OSError as err:
            raise OSError(
                err.errno,
                f"control endpoint cannot listen on 127.0.0.1:{control_port}: "
                f"{err.strerror} (try --control-port 0)",
            ) from None
        try:
            for member in fleet.members:
                line = f"{member.heater.label:<10} {member.server.host}:{member.server.port}"
                line += f"  mac {member.heater.state.mac}"
                if member.server.serial is not None:
                    line += f"  pty {member.server.serial.pty_path}  {member.server.serial.url}"
                if member.recorder is not None:
                    line += f"  csv {member.recorder.path}"
                click.echo(line)
            if fleet.advertiser is not None:
                where = ", ".join(fleet.advertiser.interfaces)
                click.echo(f"mdns       _avalon-miner._tcp.local. on {where}")
            click.echo(f"control    {control.url}")
            click.echo(
                f"seed       {fleet.seed} (pass --seed {fleet.seed} to repeat these identities)"
            )
            click.echo("serving; Ctrl+C to stop")
            sys.stdout.flush()
            await stop.wait()
        finally:
            await control.stop()


def _control_target(control: str | None) -> tuple[str, int]:
    import os

    text = control or os.environ.get(CONTROL_ENV) or f"{LOOPBACK}:{DEFAULT_CONTROL_PORT}"
    text = text.removeprefix("http://").rstrip("/")
    host, _, port_text = text.rpartition(":")
    if not host:
        host, port_text = LOOPBACK, text
    if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
        _fail(f"bad --control {control!r}; use PORT or HOST:PORT")
    if not is_loopback(host):
        _fail(f"the control endpoint is only on loopback; {host} is outside 127.0.0.0/8")
    return host, int(port_text)


def call_control(control: str | None, method: str, path: str, body: Any = None) -> Any:
    """Send one request to the control endpoint; exit with one error line on any failure."""
    host, port = _control_target(control)
    conn = http.client.HTTPConnection(host, port, timeout=HTTP_TIMEOUT_S)
    payload = None if body is None else json.dumps(body)
    headers = {"Content-Type": "application/json"} if payload is not None else {}
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = json.loads(response.read() or b"{}")
    except (OSError, http.client.HTTPException, ValueError) as err:
        _fail(f"no control endpoint at {host}:{port} ({err}); is 'firmware-sim serve' running?", 1)
    finally:
        conn.close()
    if response.status != 200:
        _fail(str(data.get("error", f"HTTP {response.status}")))
    return data


_control_option = click.option(
    "--control",
    metavar="[HOST:]PORT",
    help=f"Control endpoint (default ${CONTROL_ENV} or 127.0.0.1:{DEFAULT_CONTROL_PORT}).",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print the raw JSON.")


@cli.command()
@_control_option
@_json_option
def devices(control: str | None, as_json: bool) -> None:
    """List the served devices, their state and armed faults."""
    data = call_control(control, "GET", "/devices")
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for dev in data["devices"]:
        armed = [k for k, v in dev["faults"].items() if v and k != "delay_s"]
        flags = (["DOWN"] if dev["down"] else []) + (["fan-blocked"] if dev["fan_blocked"] else [])
        click.echo(
            f"{dev['id']:>3}  {dev['model']:<7} {dev['host']}:{dev['port']:<6} {dev['mac']}  "
            + " ".join(flags + armed)
        )


@cli.command()
@click.argument("device")
@click.argument("kind", type=click.Choice([*FAULT_KINDS, "clear"]), metavar="KIND")
@click.option(
    "--count", type=int, default=1, show_default=True, help="Replies the fault applies to."
)
@click.option("--forever", is_flag=True, help="Keep the fault until cleared.")
@click.option(
    "--delay",
    "delay_s",
    type=float,
    default=2.0,
    show_default=True,
    help="Seconds (wall) for the delay fault.",
)
@click.option(
    "--downtime",
    "downtime_s",
    type=float,
    default=DEFAULT_DOWNTIME_S,
    show_default=True,
    help="Simulated seconds a reboot stays down.",
)
@click.option(
    "--offset",
    "offset_s",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds the clock-skew fault moves the device clock (negative: behind).",
)
@_control_option
def fault(
    device: str,
    kind: str,
    count: int,
    forever: bool,
    delay_s: float,
    downtime_s: float,
    offset_s: float,
    control: str | None,
) -> None:
    """Arm fault KIND on DEVICE (index, HOST, HOST:PORT or all); KIND clear disarms all."""
    path = f"/devices/{device}/faults"
    if kind == "clear":
        data = call_control(control, "DELETE", path)
    else:
        body = {
            "kind": kind,
            "count": -1 if forever else count,
            "delay_s": delay_s,
            "downtime_s": downtime_s,
            "offset_s": offset_s,
        }
        data = call_control(control, "POST", path, body)
    for dev in data["devices"]:
        armed = [k for k, v in dev["faults"].items() if v and k != "delay_s"]
        state = ("DOWN " if dev["down"] else "") + ("fan-blocked " if dev["fan_blocked"] else "")
        click.echo(
            f"{dev['id']:>3}  {dev['host']}:{dev['port']}  {state}{' '.join(armed) or 'no faults'}"
        )


# The kinds table is data (faults.FAULT_KINDS), so the help text is built from it.
fault.help = (
    (fault.help or "")
    + "\n\n\b\nKinds:"
    + "".join(f"\n  {k:<14} {v}" for k, v in FAULT_KINDS.items())
)


@cli.command()
@click.option("--outdoor", "outdoor_c", type=float, help="Set the outdoor temperature (°C).")
@click.option("--outdoor-profile", is_flag=True, help="Return to the daily outdoor profile.")
@_control_option
@_json_option
def room(
    outdoor_c: float | None, outdoor_profile: bool, control: str | None, as_json: bool
) -> None:
    """Show each device's true room temperature (a virtual thermometer); set the outdoor."""
    if outdoor_c is not None and outdoor_profile:
        _fail("give --outdoor or --outdoor-profile, not both")
    if outdoor_c is not None or outdoor_profile:
        data = call_control(control, "PUT", "/outdoor", {"temp_c": outdoor_c})
    else:
        data = call_control(control, "GET", "/room")
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    source = "set" if data["outdoor_override"] else "daily profile"
    click.echo(f"outdoor  {data['outdoor_c']:.2f} °C ({source})")
    for r in data["rooms"]:
        temps = f"air {r['air_c']:.2f} °C  mass {r['mass_c']:.2f} °C"
        click.echo(f"{r['id']:>3}  {temps}  {r['power_w']:.0f} W")


cli.add_command(replay)
cli.add_command(diff)


def main() -> None:
    """Entry point of ``firmware-sim``: click's usage errors also become one error line."""
    try:
        status = cli.main(prog_name="firmware-sim", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as err:
        click.echo(err.format_message())  # a bare command shows its help, not an error
        sys.exit(0)
    except click.ClickException as err:
        _fail(err.format_message().replace("\n", " "), err.exit_code)
    except click.Abort:
        sys.exit(130)
    except Exception as err:
        # Last line of defence: a tester sees one line, never a traceback.
        _fail(f"unexpected {type(err).__name__}: {err}", 1)
    sys.exit(status if isinstance(status, int) else 0)
