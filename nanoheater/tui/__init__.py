"""Provides the Textual terminal app (``NanoheaterApp``); the only package that imports Textual.

The app receives its services (connect, discover, settings, history) by injection and does all
I/O in workers, so tests and ``nanoheater demo`` wire it to the simulator.
"""

from __future__ import annotations
