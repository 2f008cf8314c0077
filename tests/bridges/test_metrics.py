"""/metrics: the Prometheus text of a real Home over simulated heaters."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from nanoheater.bridges.metrics import HomeMetrics
from nanoheater.home import Home, Target
from nanoheater.service.server import ApiServer
from tests.home.conftest import until

ROOT = Path(__file__).resolve().parents[2]


def _samples(text: bytes) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


async def test_metrics_cover_devices_zones_and_counters(home: Home) -> None:
    """Power, hashrate, state per device; set-point and output per zone; energy counters."""
    await until(lambda: all(d.status is not None for d in home.devices()))
    zone = home.zones()[1].name
    await home.set_target(zone, Target("setpoint", setpoint_c=21.5))
    await until(lambda: home.zone(zone).last_decision is not None)
    await until(lambda: all(d.status and d.status.power_w for d in home.devices()))
    await until(lambda: len(home.devices()) == 2)
    samples = _samples(await HomeMetrics(home).render())
    keys = {d.key for d in home.devices()}
    assert {labels["device"] for labels, _ in samples["nanoheater_device_power_watts"]} == keys
    assert all(value > 0 for _, value in samples["nanoheater_device_power_watts"])
    assert {labels["model"] for labels, _ in samples["nanoheater_device_hashrate_ths"]} == {
        "nano3s",
        "q",
    }
    mining = [lab for lab, v in samples["nanoheater_device_state"] if v == 1.0]
    assert len(mining) == 2
    assert ({"zone": zone}, 21.5) in samples["nanoheater_zone_setpoint_celsius"]
    assert [lab["zone"] for lab, _ in samples["nanoheater_zone_output_watts"]] == [zone]
    assert {lab["device"] for lab, _ in samples["nanoheater_device_energy_kwh_total"]} == keys
    assert all(v >= 0 for _, v in samples["nanoheater_device_energy_kwh_total"])
    # The sats rest on the dated fallback market: its age (since 2025-12-01) is exposed.
    ((labels, age_s),) = samples["nanoheater_market_age_seconds"]
    assert labels == {"kind": "default"}
    assert age_s == pytest.approx(time.time() - 1_764_547_200.0, abs=120)
    # The example Grafana dashboard queries only metrics that this real Home exposes.
    assert _dashboard_metrics()
    assert _dashboard_metrics() <= set(samples), _dashboard_metrics() - set(samples)


def _dashboard_metrics() -> set[str]:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    return {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"nanoheater_[a-z_]+", target["expr"])
    }


async def test_the_service_api_serves_metrics(home: Home) -> None:
    """GET /metrics on the API: Prometheus text with the devices' power; the token guards it."""
    await until(lambda: all(d.status is not None for d in home.devices()))
    for token, headers in ((None, {}), ("tok-3e8", {"Authorization": "Bearer tok-3e8"})):
        server = ApiServer(home, "127.0.0.1:0", token)
        await server.start()
        try:
            assert server.bound is not None
            url = f"http://127.0.0.1:{server.bound[1]}/metrics"
            async with aiohttp.ClientSession() as session:
                async with session.get(url, headers=headers) as answer:
                    assert answer.status == 200
                    assert answer.headers["Content-Type"].startswith("text/plain")
                    text = await answer.read()
                if token:
                    async with session.get(url) as refused:
                        assert refused.status == 401
        finally:
            await server.stop()
        assert len(_samples(text)["nanoheater_device_power_watts"]) == 2
