"""Provides nanoheater.transport."""

from __future__ import annotations
