"""Provides ``python -m firmware_sim``."""

from __future__ import annotations

from firmware_sim.cli import main

main()
