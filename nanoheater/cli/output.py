"""Provides what every subcommand shares: logging, JSON output and error-to-exit-code mapping."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import stat
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TextIO, TypeVar

import click

from nanoheater.atomic import open_for_writing
from nanoheater.exceptions import NanoheaterError, UsageError
from nanoheater.protocol.sanitize import SafeFormatter

P = ParamSpec("P")
T = TypeVar("T")


def configure_logging(verbose: int) -> None:
    """Send library logs to stderr at a level chosen by the ``-v`` count."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


def require_terminal(what: str) -> None:
    """Refuse to start a full-screen ``what`` without a terminal on stdin and stdout.

    Without one, Textual has no keys to read and spins a core forever; one line is better.

    Raises:
        UsageError: stdin or stdout is not a terminal.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            f"{what} needs a terminal on stdin and stdout; for scripts use status, watch or "
            "thermostat"
        )


@contextmanager
def logs_to_file(path: Path) -> Iterator[None]:
    """While a full-screen UI owns the terminal, send log records to ``path``, not stderr.

    A log line written to stderr lands raw over the screen until it is redrawn. If the file
    cannot be opened, records are dropped rather than drawn over the UI.
    """
    root = logging.getLogger()
    saved = root.handlers[:]
    handler: logging.Handler
    stream: TextIO | None = None
    try:
        stream = _private_log(path)
        handler = logging.StreamHandler(stream)
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    try:
        yield
    finally:
        root.handlers = saved
        handler.close()
        if stream is not None:
            stream.close()  # a StreamHandler leaves its stream open


def _private_log(path: Path) -> TextIO:
    """``path`` opened for appending: created 0600 (its folder 0700), ours, never through a link.

    The log names hosts, sensors and failures: it was created world-readable, and the demo's
    fixed name in the shared temporary folder followed a symlink planted there (issue 14).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = open_for_writing(path, append=True, mode=0o600)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        os.close(fd)
        raise OSError(errno.EPERM, "not our regular file", str(path))
    os.fchmod(fd, 0o600)  # a log an older version created world-readable too
    return os.fdopen(fd, "a", encoding="utf-8")


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


__all__ = [
    "Awaitable",
    "configure_logging",
    "fail",
    "handle_errors",
    "logs_to_file",
    "print_json",
    "require_terminal",
    "run_async",
]
