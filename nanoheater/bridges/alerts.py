"""Provides the alerts: one notification per episode, one "resolved", quiet hours, a daily summary.

``AlertBook`` turns the conditions of ``alert_rules`` into episodes: a condition that starts to
hold opens an episode and sends one alert; while it holds nothing more is sent (no repeats each
check); when it stops holding, one "resolved" goes out. Inside the quiet hours only critical
alerts are sent; a non-critical one waits for the end of the window and is dropped if it resolved
meanwhile (nobody needs to wake up to old news). ``AlertService`` runs the checks on the Home's
views every ``check_interval_s``, delivers through the notifier and records every alert in the
Home's events with its severity, so the TUI's event list shows it too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from nanoheater.bridge_settings import AlertSettings
from nanoheater.bridges.alert_rules import Condition, RuleState, Severity
from nanoheater.exceptions import NanoheaterError
from nanoheater.home.types import DeviceView, ZoneView

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Alert:
    """One notification: an episode opening, or its resolution."""

    key: str
    severity: Severity
    title: str
    body: str
    resolved: bool = False

    def line(self) -> str:
        """One line for the event log: ``[critical] body`` or ``[resolved] body``."""
        return f"[{'resolved' if self.resolved else self.severity.value}] {self.body}"


def in_window(local: datetime, start_hour: float | None, end_hour: float) -> bool:
    """Whether ``local`` is inside a daily window (it may wrap midnight); None: never."""
    if start_hour is None:
        return False
    hour = local.hour + local.minute / 60 + local.second / 3600
    if start_hour <= end_hour:
        return start_hour <= hour < end_hour
    return hour >= start_hour or hour < end_hour


@dataclass(slots=True)
class AlertBook:
    """The open episodes; ``update`` returns what to send now."""

    settings: AlertSettings
    open: dict[str, Condition] = field(default_factory=dict)
    waiting: dict[str, Alert] = field(default_factory=dict)
    """Non-critical alerts (openings and resolutions) held back by the quiet hours."""

    def update(self, conditions: list[Condition], local: datetime) -> list[Alert]:
        """Open episodes for new conditions and resolve the ones that ended."""
        quiet = in_window(local, self.settings.quiet_start_hour, self.settings.quiet_end_hour)
        current = {c.key: c for c in conditions}
        out: list[Alert] = []
        for key, condition in current.items():
            if key in self.open:
                continue
            self.open[key] = condition
            alert = Alert(key, condition.severity, _title(condition, False), condition.message)
            self._emit(alert, quiet, out)
        for key in [k for k in self.open if k not in current]:
            condition = self.open.pop(key)
            if self.waiting.pop(key, None) is not None:
                continue  # opened and ended inside the quiet hours: nobody was told
            alert = Alert(
                key,
                condition.severity,
                _title(condition, True),
                f"resolved: {condition.message}",
                resolved=True,
            )
            self._emit(alert, quiet, out)
        if not quiet and self.waiting:
            out.extend(self.waiting.values())
            self.waiting.clear()
        return out

    def _emit(self, alert: Alert, quiet: bool, out: list[Alert]) -> None:
        if quiet and alert.severity is not Severity.CRITICAL:
            self.waiting[alert.key] = alert
        else:
            out.append(alert)

    def hold(self, alert: Alert, local: datetime) -> list[Alert]:
        """A one-off alert (service started, daily summary): now, or after the quiet hours."""
        quiet = in_window(local, self.settings.quiet_start_hour, self.settings.quiet_end_hour)
        out: list[Alert] = []
        self._emit(alert, quiet, out)
        return out


def _title(condition: Condition, resolved: bool) -> str:
    kind = condition.key.split(":", 1)[0].replace("_", " ")
    if resolved:
        return f"nanoheater: resolved: {kind}"
    return f"nanoheater {condition.severity.value}: {kind}"


class AlertHome(Protocol):
    """The part of ``Home`` the alerts use."""

    def devices(self) -> list[DeviceView]:
        """Every device."""
        ...

    def zones(self) -> list[ZoneView]:
        """Every zone."""
        ...

    async def ledger(
        self, since_s: float, until_s: float | None = None, device: str | None = None
    ) -> Mapping[str, Any]:
        """Totals of a period."""
        ...

    def record_event(self, subject: str, type: str, detail: str) -> None:
        """Add an event to the Home's stream and history."""
        ...


class Sender(Protocol):
    """Delivers one alert (``AppriseNotifier``)."""

    async def send(self, title: str, body: str, severity: Severity, *, resolved: bool) -> bool:
        """Deliver; False when it failed."""
        ...


def summary_text(totals: Mapping[str, Any]) -> str:
    """The daily summary: heat kWh, cost, sats, net cost per kWh of heat, and the market's age."""
    currency = totals.get("currency") or ""
    heat = float(totals.get("heat_kwh") or 0.0)
    cost = float(totals.get("cost_fiat") or 0.0)
    sats = float(totals.get("expected_sats") or 0.0)
    net = totals.get("net_cost_fiat_per_kwh_heat")
    per_kwh = f"{float(net):.3f} {currency}/kWh" if isinstance(net, int | float) else "n/a"
    text = (
        f"last 24 h: {heat:.2f} kWh of heat, electricity {cost:.2f} {currency}, "
        f"{sats:,.0f} sats mined, net cost of heat {per_kwh}"
    )
    # Sats and revenue rest on market figures: say where they come from and how old they are.
    market = totals.get("market")
    label = market.get("label") if isinstance(market, Mapping) else None
    return f"{text}; market: {label}" if isinstance(label, str) and label else text


class AlertService:
    """Checks the Home every ``check_interval_s`` and sends what the book says."""

    def __init__(
        self,
        home: AlertHome,
        settings: AlertSettings,
        sender: Sender,
        *,
        max_room_c: float,
        check_interval_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.home = home
        self.settings = settings
        self.sender = sender
        self.sender_count = getattr(sender, "count", 1)
        self.rules = RuleState(settings, max_room_c)
        self.book = AlertBook(settings)
        self.check_interval_s = check_interval_s
        self.clock = clock
        self._summary_day: str | None = None
        self.sent: list[Alert] = []
        """Every alert delivered (or attempted) so far, oldest first."""

    async def run(self) -> None:
        """Announce the start, then check until cancelled."""
        await self.started()
        while True:
            await self.check()
            await asyncio.sleep(self.check_interval_s)

    async def started(self) -> None:
        """The "service (re)started" alert (after the quiet hours if they hold)."""
        alert = Alert(
            "started",
            Severity.INFO,
            "nanoheater: service started",
            f"nanoheater service started (pid {os.getpid()})",
        )
        await self._deliver(self.book.hold(alert, self._local()))

    def _local(self) -> datetime:
        return datetime.fromtimestamp(self.clock()).astimezone()

    async def check(self) -> list[Alert]:
        """One check: conditions, episodes, the daily summary; returns what was sent."""
        now = self.clock()
        local = self._local()
        conditions = self.rules.evaluate(self.home.devices(), self.home.zones(), now)
        alerts = self.book.update(conditions, local)
        alerts += await self._summary(now, local)
        await self._deliver(alerts)
        return alerts

    async def _summary(self, now: float, local: datetime) -> list[Alert]:
        hour = self.settings.daily_summary_hour
        day = local.date().isoformat()
        if hour is None or local.hour + local.minute / 60 < hour or self._summary_day == day:
            return []
        self._summary_day = day
        try:
            totals = await self.home.ledger(now - 86_400, now)
        except NanoheaterError as exc:
            _LOGGER.warning("alerts: daily summary unavailable: %s", exc)
            return []
        alert = Alert(
            f"summary:{day}", Severity.INFO, "nanoheater: daily summary", summary_text(totals)
        )
        return self.book.hold(alert, local)

    async def _deliver(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            self.sent.append(alert)
            self.home.record_event(alert.key.split(":", 1)[-1], "alert", alert.line())
            try:
                await self.sender.send(
                    alert.title, alert.body, alert.severity, resolved=alert.resolved
                )
            except Exception as exc:  # a broken notifier must not stop the checks
                _LOGGER.warning(
                    "alerts: %s could not be delivered: %s", alert.title, type(exc).__name__
                )
