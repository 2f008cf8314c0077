"""Provides nanoheater.controller."""

from __future__ import annotations
