"""Apprise delivers to a real HTTP receiver on loopback; bad URLs are refused without echo."""

from __future__ import annotations

import logging

import pytest

from nanoheater.bridges.alert_rules import Severity
from nanoheater.bridges.notify import AppriseNotifier
from nanoheater.exceptions import UsageError
from tests.bridges.alerting import Receiver


async def test_an_alert_and_its_resolution_reach_the_receiver() -> None:
    """json:// posts the title, the body and the severity as Apprise's type."""
    with Receiver() as receiver:
        notifier = AppriseNotifier([receiver.url])
        assert await notifier.send(
            "nanoheater critical: unreachable",
            "Office unreachable",
            Severity.CRITICAL,
            resolved=False,
        )
        assert await notifier.send(
            "nanoheater: resolved", "resolved: Office", Severity.CRITICAL, resolved=True
        )
    assert [b["title"] for b in receiver.bodies] == [
        "nanoheater critical: unreachable",
        "nanoheater: resolved",
    ]
    assert receiver.bodies[0]["message"] == "Office unreachable"
    assert [b["type"] for b in receiver.bodies] == ["failure", "success"]


async def test_a_dead_receiver_is_a_failed_delivery_not_an_exception() -> None:
    """Nobody listening: send returns False."""
    with Receiver() as receiver:
        url = receiver.url
    assert not await AppriseNotifier([url]).send("t", "b", Severity.WARNING, resolved=False)


def test_an_unknown_url_is_refused_without_showing_it(caplog: pytest.LogCaptureFixture) -> None:
    """The error names the index, never the URL (it may hold a token), nor does any log line."""
    caplog.set_level(logging.DEBUG)
    with pytest.raises(UsageError) as caught:
        AppriseNotifier(["ntfy://ok-topic", "nosuchscheme://secret-token@x"])
    assert "alerts.urls[1]" in str(caught.value)
    assert "secret-token" not in str(caught.value)
    assert "secret-token" not in caplog.text  # Apprise logged it: "Unparseable URL ..."
    assert not logging.getLogger("apprise").filters  # its other messages still show
