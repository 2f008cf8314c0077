"""Provides nanoheater.capabilities."""

from __future__ import annotations
