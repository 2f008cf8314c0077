"""Service tests share the Home tests' simulated fleet and served API."""

from __future__ import annotations

from tests.home.conftest import fleet, served

__all__ = ["fleet", "served"]
