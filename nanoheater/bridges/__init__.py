"""Provides the service's bridges to the outside: Home Assistant over MQTT, alerts and metrics.

Each bridge receives a running ``Home`` (``nanoheater.home``) and uses only its public interface
(views, commands, ``subscribe()``), so the same confirmed-write path serves the CLI, the TUI, the
API and Home Assistant. Only this package and ``nanoheater.service`` import aiomqtt, apprise and
prometheus_client (import-linter enforces it).

- ``ha_entities``: the Home Assistant MQTT discovery payloads and state objects (pure).
- ``ha_commands``: what a Home Assistant command means for the Home (mode, set-point, ...).
- ``mqtt``: the bridge itself (connection, last will, reconnect with backoff, re-announce).
- ``counters``: energy, sats today and net cost per kWh of heat per device, from the ledger.
- ``alerts``, ``alert_rules``, ``notify``: conditions, episodes and delivery through Apprise.
- ``metrics``: the Prometheus ``/metrics`` exposition.
"""

from __future__ import annotations
