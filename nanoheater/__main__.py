"""Provides ``python -m nanoheater``."""

from __future__ import annotations

from nanoheater.cli import main

main()
