"""Provides nanoheater.tui."""

from __future__ import annotations
