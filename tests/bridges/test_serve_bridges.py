"""``nanoheater serve --mqtt`` as a real process against a broker that checks passwords.

The password comes from the environment and never reaches a log; the last will greys Home
Assistant out on kill -9; a clean stop says offline itself.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from firmware_sim.fleet import Fleet
from tests.bridges.ha_client import HomeAssistant
from tests.cli.test_serve_cli import free_port, run_cli, serve_args, spawn, stop, wait_ready
from tests.mosquitto import Broker, mosquitto_binary

PASSWORD = "mq-pw-5be1c0d9"  # noqa: S105 - a test password, searched for in every log
USER = "nanoheater"
AVAILABILITY = "nanoheater/bridge/availability"


def _broker(tmp_path: Path) -> Broker:
    binary = mosquitto_binary()
    assert binary is not None, "mosquitto is not installed (.ci/run installs it)"
    broker = Broker(binary, tmp_path / "mosquitto", users={USER: PASSWORD, "ha": "ha-pw"})
    broker.start()
    return broker


async def _serving(fleet: Fleet, broker: Broker) -> tuple[str, asyncio.subprocess.Process]:
    api = f"127.0.0.1:{free_port()}"
    url = f"mqtt://{USER}@{broker.host}:{broker.port}"
    proc = await spawn(
        *serve_args(fleet, api, "--mqtt", url), env={"NANOHEATER_MQTT_PASSWORD": PASSWORD}
    )
    await wait_ready(api, proc)
    return api, proc


async def test_kill_9_fires_the_last_will(fleet: Fleet, tmp_path: Path) -> None:
    """The broker publishes the bridge's retained offline when the process dies without a word."""
    (tmp_path / "mosquitto").mkdir()
    broker = _broker(tmp_path)
    try:
        _, proc = await _serving(fleet, broker)
        async with HomeAssistant(broker, username="ha", password="ha-pw") as ha:
            await ha.until(lambda: ha.last.get(AVAILABILITY) == b"online", 20)
            await ha.until(lambda: len(ha.configs()) > 20, 20)
            proc.kill()
            await ha.until(lambda: ha.last.get(AVAILABILITY) == b"offline", 10)
        out, err = await proc.communicate()
        assert PASSWORD.encode() not in out + err
    finally:
        broker.stop()


async def test_sigterm_says_offline_and_never_logs_the_password(
    fleet: Fleet, tmp_path: Path
) -> None:
    """A clean stop publishes offline (no last will on a clean disconnect); logs name the broker."""
    (tmp_path / "mosquitto").mkdir()
    broker = _broker(tmp_path)
    try:
        _, proc = await _serving(fleet, broker)
        async with HomeAssistant(broker, username="ha", password="ha-pw") as ha:
            await ha.until(lambda: ha.last.get(AVAILABILITY) == b"online", 20)
            code, out, err = await stop(proc)
            await ha.until(lambda: ha.last.get(AVAILABILITY) == b"offline", 10)
        assert code == 0, err
        assert PASSWORD not in out + err
        assert f"mqtt://{USER}@{broker.host}:{broker.port}" in err
    finally:
        broker.stop()


async def test_a_password_in_the_url_is_refused_without_echo(fleet: Fleet) -> None:
    """Exit 2, one line, and the password is not repeated back."""
    api = f"127.0.0.1:{free_port()}"
    code, out, err = await run_cli(*serve_args(fleet, api, "--mqtt", "mqtt://u:hunter2@127.0.0.1"))
    assert code == 2
    assert "NANOHEATER_MQTT_PASSWORD" in err
    assert "hunter2" not in out + err
