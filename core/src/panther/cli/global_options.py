"""Options that belong to ``panther`` itself rather than to one command.

``--disable-plugins NAMES`` is taken out of the command line before typer parses
it, wherever it appears: it then costs no parameter processing at start-up (recent
typer releases import pydantic to process any non-flag option), and it works
before or after the command name.
"""

from __future__ import annotations

DISABLE_OPTION = "--disable-plugins"


class GlobalOptionError(Exception):
    """A global option given without its value."""


def split_disabled_plugins(args: list[str]) -> tuple[list[str], list[str]]:
    """Return (plugin names to disable, the remaining arguments)."""
    names: list[str] = []
    remaining: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            remaining += args[index:]
            break
        if arg == DISABLE_OPTION:
            if index + 1 >= len(args) or args[index + 1].startswith("-"):
                raise GlobalOptionError(f"option {DISABLE_OPTION} needs a value (comma-separated plugin names)")
            value = args[index + 1]
            index += 2
        elif arg.startswith(DISABLE_OPTION + "="):
            value = arg.split("=", 1)[1]
            index += 1
        else:
            remaining.append(arg)
            index += 1
            continue
        names += [name.strip() for name in value.split(",") if name.strip()]
    return names, remaining
