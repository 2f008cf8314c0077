"""Provides ``AppriseNotifier``: delivers an alert to every configured Apprise URL.

Apprise turns one URL per service (``ntfy://topic``, ``tgram://token/chat``, ``mailtos://...``,
``json://host/path`` for a webhook) into a notification, so nanoheater carries no client per
service. URLs hold tokens: they are checked at start and never echoed, not even in an error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import apprise

from nanoheater.bridges.alert_rules import Severity
from nanoheater.exceptions import UsageError

_LOGGER = logging.getLogger(__name__)

_TYPES = {
    Severity.CRITICAL: apprise.NotifyType.FAILURE,
    Severity.WARNING: apprise.NotifyType.WARNING,
    Severity.INFO: apprise.NotifyType.INFO,
}


def _drop(record: logging.LogRecord) -> bool:
    return False


class AppriseNotifier:
    """Sends title and body to every URL; ``resolved`` alerts go out as successes."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._apprise = apprise.Apprise()
        # Why: Apprise logs a URL it cannot parse ("Unparseable URL nosuch://TOKEN@host"), and
        # its masking keeps the user part, where many services put the token.
        apprise_log = logging.getLogger("apprise")
        apprise_log.addFilter(_drop)
        try:
            for index, url in enumerate(urls):
                if not self._apprise.add(url):
                    raise UsageError(
                        f"alerts.urls[{index}]: not a notification URL Apprise knows "
                        "(the URL is not shown: it may hold a token)"
                    )
        finally:
            apprise_log.removeFilter(_drop)
        self.count = len(urls)

    async def send(self, title: str, body: str, severity: Severity, *, resolved: bool) -> bool:
        """Deliver to every URL; False (and one log line) when any delivery failed."""
        if not self.count:
            return True
        kind = apprise.NotifyType.SUCCESS if resolved else _TYPES[severity]
        ok = bool(await self._apprise.async_notify(body=body, title=title, notify_type=kind))
        if not ok:
            _LOGGER.warning("alerts: delivering %r failed for at least one URL", title)
        return ok
