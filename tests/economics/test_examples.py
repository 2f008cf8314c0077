"""The runnable examples in the module docstrings of economics, config and history."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from nanoheater import config
from nanoheater.economics import engine, market, tariff
from nanoheater.history import store


@pytest.mark.parametrize("module", [engine, tariff, market, config, store])
def test_module_examples_run(module: ModuleType) -> None:
    """Every docstring example of the public modules runs and prints what it claims."""
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
