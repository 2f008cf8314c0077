"""Provides nanoheater.economics."""

from __future__ import annotations
