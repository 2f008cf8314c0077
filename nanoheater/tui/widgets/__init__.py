"""Provides nanoheater.tui.widgets."""

from __future__ import annotations
