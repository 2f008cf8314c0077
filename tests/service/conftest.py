"""Service tests share the Home tests' simulated fleet."""

from __future__ import annotations

from tests.home.conftest import fleet

__all__ = ["fleet"]
