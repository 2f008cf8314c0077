"""Alerts end to end: a real Home, a device that does not answer, Apprise to a loopback receiver."""

from __future__ import annotations

import asyncio
from pathlib import Path

from firmware_sim.fleet import Fleet
from nanoheater.bridge_settings import AlertSettings
from nanoheater.bridges.alerts import AlertService
from nanoheater.bridges.notify import AppriseNotifier
from nanoheater.config import Settings
from nanoheater.economics.market import MarketSettings
from nanoheater.home import Home, HomeEvent
from tests.bridges.alerting import Receiver
from tests.home.conftest import options, until


async def test_an_unreachable_device_reaches_the_phone_once_and_the_event_list(
    tmp_path: Path, fleet: Fleet
) -> None:
    """127.0.0.9 never answers: after the delay one critical alert is posted and recorded."""
    dead = "127.0.0.9:4028"
    base = options(tmp_path / "data", fleet)
    settings = Settings(market=MarketSettings(live=False))
    home = Home(options(tmp_path / "data", fleet, hosts=(*base.hosts, dead)), settings)
    await home.start()
    alerting = AlertSettings(unreachable_after_min=0.01, quiet_start_hour=None)
    try:
        await until(lambda: not home.device(dead).online and home.device(dead).error is not None)
        with Receiver() as receiver:
            service = AlertService(
                home,
                alerting,
                AppriseNotifier([receiver.url]),
                max_room_c=26.0,
                check_interval_s=0.1,
            )
            async with home.subscribe() as sub:
                task = asyncio.create_task(service.run())
                try:
                    await until(lambda: any("unreachable" in b["title"] for b in receiver.bodies))
                    await asyncio.sleep(0.5)  # several more checks: no repeat
                finally:
                    task.cancel()
                alerts: list[str] = []
                while not any("unreachable" in a for a in alerts):  # readings come between
                    message = await sub.get(5.0)
                    assert message is not None, alerts
                    if isinstance(message, HomeEvent) and message.type == "alert":
                        alerts.append(message.detail)
        titles = [b["title"] for b in receiver.bodies]
        assert titles.count("nanoheater critical: unreachable") == 1
        assert titles[0] == "nanoheater: service started"
        body = next(b for b in receiver.bodies if "unreachable" in b["title"])
        assert body["type"] == "failure"
        assert "127.0.0.9" in body["message"]
        assert any(a.startswith("[critical]") and "unreachable" in a for a in alerts)
    finally:
        await home.stop()


async def test_the_daily_summary_says_how_old_its_market_figures_are(
    tmp_path: Path, fleet: Fleet
) -> None:
    """The summary's sats and net cost rest on the fallback market: it names its date and age."""
    settings = Settings(market=MarketSettings(live=False))
    home = Home(options(tmp_path / "data", fleet), settings)
    await home.start()
    alerting = AlertSettings(daily_summary_hour=0.0, quiet_start_hour=None)
    try:
        await until(lambda: home.ready.is_set())
        with Receiver() as receiver:
            service = AlertService(
                home, alerting, AppriseNotifier([receiver.url]), max_room_c=26.0,
                check_interval_s=0.1,
            )  # fmt: skip
            task = asyncio.create_task(service.run())
            try:
                await until(lambda: any("summary" in b["title"] for b in receiver.bodies))
            finally:
                task.cancel()
        body = next(b for b in receiver.bodies if "summary" in b["title"])
        assert "kWh of heat" in body["message"]
        assert "market: config.toml [market] values as of 2025-12-01, " in body["message"]
        assert "old; nothing fetched" in body["message"]
    finally:
        await home.stop()
