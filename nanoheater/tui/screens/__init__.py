"""Provides nanoheater.tui.screens."""

from __future__ import annotations
