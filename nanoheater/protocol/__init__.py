"""Provides nanoheater.protocol."""

from __future__ import annotations
