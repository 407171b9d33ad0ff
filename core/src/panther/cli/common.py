"""What every ``panther`` command shares, the commands plugins add included: the typer
settings, and turning a user's mistake into a message and exit code 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer

EXIT_USAGE = 2

TYPER_SETTINGS: dict[str, Any] = {
    # Plain help and plain errors: rich would cost start-up time and is not needed.
    "rich_markup_mode": None,
    "pretty_exceptions_enable": False,
    "add_completion": False,
    "no_args_is_help": True,
}


def fail(message: str) -> NoReturn:
    """Show a user's mistake as a message and end with exit code 2."""
    typer.echo(f"panther: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


@contextmanager
def user_errors(*more: type[Exception]) -> Iterator[None]:
    """Turn configuration, plugin and scaffold errors (and the ``more`` a command adds)
    into a message and exit code 2."""
    from panther.config.errors import ConfigError
    from panther.plugins.registry import PluginError
    from panther.scaffold.errors import ScaffoldError

    caught: tuple[type[Exception], ...] = (ConfigError, PluginError, ScaffoldError, *more)
    try:
        yield
    except caught as error:
        fail(str(error))
