"""Provides the Home's history writes and reads: readings with their ledger, decisions, events.

Each write runs on the history's own thread (``AsyncHistoryStore``). A failed reading write is
raised to the Home, which logs one line when writes start failing and one when they work again
(``history.health.WriteHealth``); decisions and events are dropped quietly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from nanoheater.economics.market import MarketInputs
from nanoheater.economics.tariff import Tariff
from nanoheater.history.records import DeviceEvent, Sample, StoredDecision
from nanoheater.history.store import AsyncHistoryStore, HistoryStore
from nanoheater.home.types import DecisionMade, HomeEvent
from nanoheater.models import HeaterStatus


async def record_reading(
    history: AsyncHistoryStore,
    status: HeaterStatus,
    now_s: float,
    room_c: float | None,
    market: MarketInputs,
    tariff: Tariff,
) -> None:
    """Store one reading stamped ``now_s`` (this machine's clock) and accrue its ledger.

    Raises what the write raised (a full disk: ``sqlite3.OperationalError``); the caller counts
    it (``WriteHealth``) and carries on, since a full disk must not stop the heating.
    """
    sample = Sample.from_status(status, now_s, room_temp_c=room_c)
    model = status.info.model.value if status.info.model else None
    await history.call(
        lambda store: store.record(
            sample,
            market=market,
            tariff=tariff,
            host=status.host,
            port=status.port,
            model=model,
        )
    )


async def record_decision(
    history: AsyncHistoryStore, decision: DecisionMade, keys: Mapping[str, str]
) -> None:
    """Store a zone decision once per device (``keys``: address to history key)."""
    rows = []
    for address, applied in decision.applied.items():
        sent = applied not in ("ok", "unreachable")
        action = f"{decision.step} ({applied})" if sent else decision.step
        key = keys.get(address, address)
        rows.append(
            StoredDecision(decision.ts_s, key, action, decision.reason, decision.setpoint_c)
        )

    def write(store: HistoryStore) -> None:
        for row in rows:
            store.add_decision(row)

    if rows:
        with contextlib.suppress(Exception):
            await history.call(write)


async def record_event(history: AsyncHistoryStore, event: HomeEvent, key: str) -> None:
    """Store an event under history key ``key``."""
    row = DeviceEvent(event.ts_s, key, event.type, event.detail)
    with contextlib.suppress(Exception):
        await history.call(lambda store: store.add_event(row))


async def read_events(
    history: AsyncHistoryStore, since_s: float, key: str | None
) -> list[HomeEvent]:
    """Events since ``since_s`` (of one device when ``key`` is given)."""
    rows = await history.call(lambda store: store.events_since(since_s, key))
    return [HomeEvent(r.ts_s, r.device, r.kind, r.detail) for r in rows]


async def read_ledger(
    history: AsyncHistoryStore, since_s: float, until_s: float, key: str | None
) -> dict[str, Any]:
    """Ledger totals with the derived net cost."""
    totals = await history.call(lambda store: store.totals(key, since_s, until_s))
    return {
        **asdict(totals),
        "device": key,
        "net_cost_fiat": totals.net_cost_fiat,
        "net_cost_fiat_per_kwh_heat": totals.net_cost_fiat_per_kwh_heat,
    }
