"""Provides the ``nanoheater`` command line: one click group whose subcommands load lazily.

Each subcommand lives in its own module and is imported only when run, so ``nanoheater status``
never pays for Textual, and only ``demo`` and ``simulate`` ever import ``firmware_sim``.
Exit codes (README): 0 done, 2 usage error, 3 the device refused, 4 unreachable/timeout/unparseable.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import IO, Any

import click

# name -> "module:attribute" of a click.Command; imported on first use.
_COMMANDS: dict[str, str] = {
    "demo": "nanoheater.cli.demo:demo",
    "discover": "nanoheater.cli.discover:discover",
    "status": "nanoheater.cli.device:status",
    "watch": "nanoheater.cli.device:watch",
    "set": "nanoheater.cli.device:set_",
    "thermostat": "nanoheater.cli.thermostat:thermostat",
    "simulate": "nanoheater.cli.simulate:simulate",
    "economics": "nanoheater.cli.economics:economics",
    "history": "nanoheater.cli.history:history",
    "tui": "nanoheater.cli.tui:tui",
    "capture": "nanoheater.cli.capture:capture",
    "serve": "nanoheater.cli.serve:serve",
    "target": "nanoheater.cli.target:target",
    "zones": "nanoheater.cli.zones:zones",
    "service": "nanoheater.cli.service:service",
}


_GROUP_OPTIONS = re.compile(r"^(-v+|--verbose|--version|--help|-h)$")
"""Arguments the group itself takes; anything else before a command belongs to the TUI."""


class _OneLineUsageError(click.ClickException):
    """A click usage error shown as the README promises: one line, then ``-h`` for more."""

    exit_code = 2

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(error.format_message())
        self.command_path = error.ctx.command_path if error.ctx is not None else "nanoheater"

    def show(self, file: IO[Any] | None = None) -> None:
        """Print ``nanoheater: <what is wrong> (see 'nanoheater CMD -h')`` on stderr."""
        message = self.message.rstrip(".")
        click.echo(f"nanoheater: {message} (see '{self.command_path} -h')", file=file, err=True)


class _LazyGroup(click.Group):
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the group's own arguments; a usage error there is one line."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _OneLineUsageError(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; its usage errors (parsing or raised inside) are one line."""
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _OneLineUsageError(exc) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Hand options given without a command (``nanoheater --host H:P``) to ``tui``."""
        for index, arg in enumerate(args):
            if _GROUP_OPTIONS.match(arg):
                continue
            if arg.startswith("-") and arg != "--":
                args = [*args[:index], "tui", *args[index:]]
            break
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None  # not built yet
        command = getattr(module, attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(
    cls=_LazyGroup,
    invoke_without_command=True,
    # -h as well as --help, for the group and (inherited by their contexts) every command.
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug) to stderr.")
@click.version_option(package_name="nanoheater")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Find, watch and heat with Avalon home miners. With no command, open the TUI.

    Without a command, the TUI's options work here too, e.g. nanoheater --host H:P.
    """
    from nanoheater.cli.output import configure_logging

    configure_logging(verbose)
    if ctx.invoked_subcommand is None:
        command = cli.get_command(ctx, "tui")
        if command is None:
            raise click.UsageError("the TUI is not available in this build")
        ctx.invoke(command)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; the console-script entry point."""
    cli.main(args=argv, prog_name="nanoheater", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
