"""Provides what every subcommand shares: logging, JSON output and error-to-exit-code mapping."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from nanoheater.exceptions import NanoheaterError

P = ParamSpec("P")
T = TypeVar("T")


def configure_logging(verbose: int) -> None:
    """Send library logs to stderr at a level chosen by the ``-v`` count."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


def print_json(value: Any) -> None:
    """Print ``value`` as one line of JSON on stdout."""
    click.echo(json.dumps(value, default=str, separators=(",", ":")))


def fail(message: str, exit_code: int) -> None:
    """Print one error line on stderr and exit with ``exit_code``."""
    click.echo(f"nanoheater: {message}", err=True)
    sys.exit(exit_code)


def run_async(func: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """Decorate an async click callback: run it and map library errors to exit codes."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return asyncio.run(func(*args, **kwargs))
        except NanoheaterError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            sys.exit(130)
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def handle_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Decorate a sync click callback: map library errors to one line and an exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except NanoheaterError as exc:
            fail(str(exc), exc.exit_code)
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


__all__ = ["Awaitable", "configure_logging", "fail", "handle_errors", "print_json", "run_async"]
