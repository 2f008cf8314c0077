"""The home service's local API: HTTP+JSON and a Server-Sent Events stream over a ``Home``.

``api.py`` builds the aiohttp application (routes under ``/api/v1``), ``server.py`` binds it
(loopback by default, a token required for anything wider), ``remote.py`` is the client the CLI
and TUI attach with, ``systemd.py`` the unit file and readiness notification. Only this package
imports the web framework. The routes are documented in docs/service.md.
"""

from __future__ import annotations
