"""Provides the messages of the attached TUI (``tui.attached``): what its workers read and post.

Workers talk to the service (``RemoteHome``) and post these; the app's handlers only update
widgets.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.notifications import SeverityLevel


class ZonesLoaded(Message):
    """The service's zones."""

    def __init__(self, zones: list[dict[str, Any]]) -> None:
        super().__init__()
        self.zones = zones


class DevicesLoaded(Message):
    """The service's devices."""

    def __init__(self, devices: list[dict[str, Any]]) -> None:
        super().__init__()
        self.devices = devices


class DeviceRead(Message):
    """One reading from the stream."""

    def __init__(self, device: dict[str, Any]) -> None:
        super().__init__()
        self.device = device


class ZoneWindowLoaded(Message):
    """A zone's chart window from the service's history (``GET /zones/{ref}/window``)."""

    def __init__(self, zone: str, data: dict[str, Any]) -> None:
        super().__init__()
        self.zone = zone
        self.data = data


class AlertReceived(Message):
    """An alert of the service (an event of type ``alert``: ``[critical] text``)."""

    def __init__(self, subject: str, detail: str) -> None:
        super().__init__()
        self.subject = subject
        self.detail = detail


ALERT_SEVERITY: dict[str, SeverityLevel] = {
    "critical": "error",
    "warning": "warning",
    "info": "information",
    "resolved": "information",
}
"""The toast severity of each alert level (the detail starts with ``[level]``)."""


class ServiceProblem(Message):
    """A request or the stream failed; one line for the status bar."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
